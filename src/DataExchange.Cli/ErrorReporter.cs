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

    /// <summary>"error: INVALID_ARGUMENT INVALID_REQUEST: message", then "  field: description" per violation.</summary>
    public static IReadOnlyList<string> FormatLines(Google.Rpc.Status status)
    {
        var code = CodeName((StatusCode)status.Code);
        var reason = Unpack<ErrorInfo>(status).Select(i => i.Reason).FirstOrDefault(r => !string.IsNullOrEmpty(r));
        var lines = new List<string> { reason is null ? $"error: {code}: {status.Message}" : $"error: {code} {reason}: {status.Message}" };
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
