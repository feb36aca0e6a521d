using DataExchange.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;

namespace DataExchange.Cli;

/// <summary>
/// Turns failures into stderr text and an exit code. The service sends google.rpc.Status with ErrorInfo (the
/// machine-readable reason) and BadRequest (one violation per field); both are shown.
/// </summary>
internal static class ErrorReporter
{
    // The Any details of a Status can only be printed as JSON when their types are known.
    private static readonly JsonFormatter StatusFormatter = new(JsonFormatter.Settings.Default
        .WithTypeRegistry(TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor)).WithIndentation("  "));

    /// <summary>The rich status the service sent, or one built from the plain gRPC status (transport failures).</summary>
    public static Google.Rpc.Status ToStatus(RpcException exception) =>
        exception.GetRpcStatus() ?? new Google.Rpc.Status { Code = (int)exception.StatusCode, Message = TransportMessage(exception.Status) };

    public static Google.Rpc.Status ToStatus(CliException exception) =>
        new() { Code = (int)exception.Code, Message = exception.Message };

    /// <summary>
    /// "error: INVALID_ARGUMENT INVALID_REQUEST: message", then "  field: description" per violation. A compliance
    /// refusal of a trade also gets the rule, what it requires and the recorded attempt, one labelled line each.
    /// </summary>
    public static IReadOnlyList<string> FormatLines(Google.Rpc.Status status)
    {
        var code = CodeName((StatusCode)status.Code);
        var info = Unpack<ErrorInfo>(status).FirstOrDefault(i => !string.IsNullOrEmpty(i.Reason));
        var reason = info?.Reason;
        var lines = new List<string> { reason is null ? $"error: {code}: {status.Message}" : $"error: {code} {reason}: {status.Message}" };
        if (info is not null)
        {
            lines.AddRange(TradeRefusal.Lines(info.Metadata));
            lines.AddRange(PriceMismatchLines(info));
        }

        foreach (var badRequest in Unpack<BadRequest>(status))
        {
            lines.AddRange(badRequest.FieldViolations.Select(v => $"  {v.Field}: {v.Description}"));
        }

        return lines;
    }

    public static string ToJson(Google.Rpc.Status status) => StatusFormatter.Format(status);

    /// <summary>Writes the error to stderr and returns the exit code for it.</summary>
    public static int Report(Google.Rpc.Status status, Output output, string? requestId)
    {
        if (output.Json)
        {
            output.Error.WriteLine(ToJson(status));
        }
        else
        {
            foreach (var line in FormatLines(status))
            {
                output.Error.WriteLine(line);
            }

            if (requestId is not null && MayHaveBeenApplied((StatusCode)status.Code))
            {
                output.Error.WriteLine($"  The change may or may not have been applied; retrying with --request-id {requestId} applies it at most once.");
            }
        }

        return ExitCodes.For((StatusCode)status.Code);
    }

    /// <summary>
    /// "dx: cannot reach http://127.0.0.1:5080: connection refused (…)" on stderr (with --json the google.rpc.Status,
    /// code UNAVAILABLE), and <see cref="ExitCodes.NoConnection"/>: the service gave no answer at all.
    /// </summary>
    public static int ReportNoConnection(TransportFailure failure, Output output, string? requestId)
    {
        if (output.Json)
        {
            output.Error.WriteLine(ToJson(new Google.Rpc.Status { Code = (int)StatusCode.Unavailable, Message = failure.Message }));
        }
        else
        {
            output.Error.WriteLine($"dx: {failure.Message}");
            if (requestId is not null)
            {
                output.Error.WriteLine($"  The change may or may not have been applied; retrying with --request-id {requestId} applies it at most once.");
            }
        }

        return ExitCodes.NoConnection;
    }

    /// <summary>"DEADLINE_EXCEEDED" from StatusCode.DeadlineExceeded: the names gRPC documents and other tools print.</summary>
    public static string CodeName(StatusCode code) =>
        code == StatusCode.OK ? "OK" : EnumNames.Kebab(code.ToString()).Replace('-', '_').ToUpperInvariant();

    // "Error connecting to subchannel." alone does not say why; the innermost cause ("Connection refused") does.
    private static string TransportMessage(Grpc.Core.Status status)
    {
        var cause = status.DebugException;
        while (cause?.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        return cause is null || status.Detail.Contains(cause.Message, StringComparison.Ordinal)
            ? status.Detail
            : $"{status.Detail} ({cause.Message})";
    }

    // PRICE_MISMATCH carries the listing's current price: show it as money, so the buyer can decide.
    private static IEnumerable<string> PriceMismatchLines(ErrorInfo info)
    {
        if (info.Reason == "PRICE_MISMATCH"
            && info.Metadata.TryGetValue("listing_price", out var priceText)
            && long.TryParse(priceText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var price)
            && info.Metadata.TryGetValue("listing_currency", out var currency))
        {
            var revision = info.Metadata.TryGetValue("listing_revision", out var r) ? $" (revision {r})" : "";
            yield return $"  listing price now: {Formatting.Money(currency, price)}{revision}; run the command again without --price to accept it";
        }
    }

    // Outcomes after which the client cannot know whether the server committed the change.
    private static bool MayHaveBeenApplied(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.Unknown
            or StatusCode.Internal;

    private static IEnumerable<T> Unpack<T>(Google.Rpc.Status status) where T : class, IMessage<T>, new()
    {
        var descriptor = new T().Descriptor;
        foreach (var detail in status.Details)
        {
            if (detail.Is(descriptor) && detail.TryUnpack<T>(out var value))
            {
                yield return value;
            }
        }
    }
}

/// <summary>
/// A trade the compliance engine refused: FAILED_PRECONDITION whose ErrorInfo names the recorded attempt, the rule,
/// the rule set and the mechanism that would satisfy it. The status message is the engine's explanation.
/// </summary>
internal static class TradeRefusal
{
    public const string TradeKey = "trade";
    public const string RuleKey = "rule";
    public const string RuleSetVersionKey = "rule_set_version";
    public const string RequiredMechanismKey = "required_mechanism";
    public const string CumulativeIndividualsKey = "cumulative_individuals";
    public const string CumulativeSensitiveIndividualsKey = "cumulative_sensitive_individuals";
    public const string WithThisTradeKey = "individuals_with_this_trade";
    public const string SensitiveWithThisTradeKey = "sensitive_individuals_with_this_trade";

    /// <summary>The labelled lines under the error line; none when the metadata is not a refusal's.</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyDictionary<string, string> metadata)
    {
        string Get(string key) => metadata.TryGetValue(key, out var value) ? value.Trim() : "";

        var rule = Get(RuleKey);
        var trade = Get(TradeKey);
        if (rule.Length == 0 || trade.Length == 0)
        {
            return [];
        }

        var lines = new List<string>();
        var ruleSet = Get(RuleSetVersionKey);
        lines.Add(ruleSet.Length == 0 ? $"  refused by rule:  {rule}" : $"  refused by rule:  {rule} (rule set {ruleSet})");

        var required = ParseMechanism(Get(RequiredMechanismKey));
        lines.Add($"  required:         {DescribeRequirement(required, Get(RequiredMechanismKey))}");

        if (TryCount(Get(WithThisTradeKey), out var withTrade))
        {
            // Servers since 2026-12-03: the volume recorded (before this refused trade) and the volume the rule counted.
            var sensitive = TryCount(Get(SensitiveWithThisTradeKey), out var s) ? $", {Formatting.Count(s)} with sensitive information" : "";
            var before = TryCount(Get(CumulativeIndividualsKey), out var recorded) ? $" ({Formatting.Count(recorded)} before it)" : "";
            lines.Add($"  exporter volume:  {Formatting.Count(withTrade)} individuals{sensitive} this year with this trade{before}");
        }
        else if (TryCount(Get(CumulativeIndividualsKey), out var individuals))
        {
            var sensitive = TryCount(Get(CumulativeSensitiveIndividualsKey), out var s) ? $", {Formatting.Count(s)} with sensitive information" : "";
            lines.Add($"  exporter volume:  {Formatting.Count(individuals)} individuals{sensitive} this year, including this trade");
        }

        lines.Add($"  recorded attempt: {trade} (dx trades show {trade})");
        if (required is ExportMechanism.SecurityAssessment or ExportMechanism.StandardContract or ExportMechanism.Certification
            or ExportMechanism.GbaStandardContract)
        {
            lines.Add($"  to proceed:       a compliance officer records the approval on the vendor: dx approvals record VENDOR --kind {EnumNames.Format(required.Value)} ...");
        }

        return lines;
    }

    /// <summary>The mechanism from metadata: the C# name the service sends ("StandardContract"), kebab-case or the proto name.</summary>
    public static ExportMechanism? ParseMechanism(string text)
    {
        const string ProtoPrefix = "EXPORT_MECHANISM_";
        var trimmed = text.Trim();
        if (trimmed.StartsWith(ProtoPrefix, StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[ProtoPrefix.Length..];
        }

        if (trimmed.Length > 0 && !char.IsDigit(trimmed[0]) && trimmed.All(char.IsLetter)
            && System.Enum.TryParse<ExportMechanism>(trimmed, ignoreCase: true, out var byName) && System.Enum.IsDefined(byName))
        {
            return byName;
        }

        return EnumNames.TryParse<ExportMechanism>(trimmed, out var value) ? value : null;
    }

    /// <summary>"standard-contract: PI export standard contract filed with the provincial CAC (个人信息出境标准合同)".</summary>
    public static string DescribeRequirement(ExportMechanism? mechanism, string raw) => mechanism switch
    {
        null => raw.Length == 0 ? "(not stated; see the explanation above)" : raw,
        ExportMechanism.Unspecified or ExportMechanism.None =>
            "no export mechanism can permit this trade as declared; see the explanation above",
        ExportMechanism.Exempt => "exempt: no approval needed; see the explanation above",
        { } known => $"{EnumNames.Format(known)}: {Formatting.Mechanism(known)}",
    };

    private static bool TryCount(string text, out long value) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);
}
