using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataExchange.Ledger.Receipts;

/// <summary>A receipt (or replay) check that failed, naming the member it concerns as a JSON path.</summary>
public sealed class ReceiptCheckException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// RECEIPTS.md "Replay": folds a trade stream's payloads (ledger form) into the trade's record in the proto3 JSON shape
/// of dataexchange.v1.TradeReceiptRecord (lowerCamelCase, enums by name, int64 as strings, defaults omitted). The
/// server builds the receipt's record with it; verifiers replay and compare.
/// </summary>
public static class TradeRecordReplay
{
    private static readonly string[] Origins = ["Executed", "Filed"];
    private static readonly string[] Territories = ["MainlandChina", "GreaterBayArea", "HongKong", "Macao", "Global"];
    private static readonly string[] Regions = ["MainlandChina", "HongKong", "Macao", "Other"];
    private static readonly string[] Mechanisms = ["None", "Exempt", "SecurityAssessment", "StandardContract", "Certification", "GbaStandardContract"];
    private static readonly string[] States = ["Contracted", "Delivered", "Received", "Settled", "Cancelled", "Disputed", "Refunded", "Refused"];

    /// <summary>The record the events state. <paramref name="tradeId"/> is the trade's UUID (lowercase, "D" format).</summary>
    /// <param name="events">Event type and canonical ledger-form payload bytes, in stream order.</param>
    /// <exception cref="ReceiptCheckException">An event that is not a trade event, does not fit, or lacks a member.</exception>
    public static JsonObject Replay(string tradeId, IReadOnlyList<(string EventType, byte[] Payload)> events)
    {
        var record = new JsonObject();
        string? previousState = null;
        for (var i = 0; i < events.Count; i++)
        {
            var (type, bytes) = events[i];
            var field = $"leaves[{i}].entry.payload";
            JsonElement p;
            try
            {
                using var document = JsonDocument.Parse(bytes);
                p = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new ReceiptCheckException(field, $"not JSON: {e.Message}");
            }

            if (p.ValueKind != JsonValueKind.Object)
            {
                throw new ReceiptCheckException(field, "a payload is a JSON object");
            }

            if (Str(p, "TradeId", field) != tradeId)
            {
                throw new ReceiptCheckException(field, $"the payload's TradeId is {Str(p, "TradeId", field)}, not the trade {tradeId}");
            }

            var first = i == 0;
            if (first != (type is "trade_contracted" or "trade_refused"))
            {
                throw new ReceiptCheckException($"leaves[{i}].entry.eventType",
                    first ? $"a trade's first event is trade_contracted or trade_refused, not {type}" : $"{type} cannot follow the trade's first event");
            }

            var state = record["state"]?.GetValue<string>();
            switch (type)
            {
                case "trade_contracted" or "trade_refused":
                    Start(record, p, type == "trade_contracted", field);
                    break;
                case "trade_delivered":
                    Require(state, "CONTRACTED", type, field);
                    record["state"] = "TRADE_STATE_DELIVERED";
                    break;
                case "trade_receipt_acknowledged":
                    Require(state, "DELIVERED", type, field);
                    record["state"] = "TRADE_STATE_RECEIVED";
                    break;
                case "trade_amount_adjusted":
                    Require(state, "RECEIVED", type, field);
                    record["amount"] = MoneyOf(Get(p, "To", field), field + ".To");
                    break;
                case "trade_settled":
                    Require(state, "RECEIVED", type, field);
                    record["state"] = "TRADE_STATE_SETTLED";
                    record["settledAmount"] = MoneyOf(Get(p, "Amount", field), field + ".Amount");
                    break;
                case "trade_cancelled":
                    Require(state, "CONTRACTED", type, field);
                    record["state"] = "TRADE_STATE_CANCELLED";
                    break;
                case "trade_dispute_opened":
                    if (state is not ("TRADE_STATE_DELIVERED" or "TRADE_STATE_RECEIVED" or "TRADE_STATE_SETTLED"))
                    {
                        throw new ReceiptCheckException(field, $"{type} cannot follow state {state}");
                    }

                    previousState = "TRADE_STATE_" + Enum(p, "PreviousState", States, field);
                    record["state"] = "TRADE_STATE_DISPUTED";
                    break;
                case "trade_dispute_resolved":
                    Require(state, "DISPUTED", type, field);
                    record["state"] = Str(p, "Resolution", field) == "UpheldRefund" ? "TRADE_STATE_REFUNDED" : previousState;
                    break;
                default:
                    throw new ReceiptCheckException($"leaves[{i}].entry.eventType", $"{type} is not an event of a trade");
            }

            record["updateTime"] = Time(p, "At", field);
            record["version"] = (i + 1).ToString(CultureInfo.InvariantCulture);
        }

        return record;
    }

    private static void Start(JsonObject record, JsonElement p, bool contracted, string field)
    {
        var vendorId = Str(p, "VendorId", field);
        var input = Get(p, "ComplianceInput", field);
        var licence = Get(p, "Licence", field);
        var compliance = Get(p, "Compliance", field);
        record["trade"] = "trades/" + Str(p, "TradeId", field);
        if (contracted)
        {
            record["filingNumber"] = Str(p, "FilingNumber", field);
        }

        record["listing"] = "listings/" + Str(p, "ListingId", field);
        record["listingRevision"] = Int(p, "ListingRevision", field);
        record["vendor"] = "participants/" + vendorId;
        record["vendorJurisdiction"] = JurisdictionOf(Get(input, "Exporter", field), field + ".ComplianceInput.Exporter");
        record["buyer"] = "participants/" + Str(p, "BuyerId", field);
        record["buyerJurisdiction"] = JurisdictionOf(Get(input, "Importer", field), field + ".ComplianceInput.Importer");
        record["licence"] = new JsonObject
        {
            ["purpose"] = Str(licence, "Purpose", field),
            ["termDays"] = Int(licence, "TermDays", field),
            ["exclusive"] = Bool(licence, "Exclusive", field),
            ["onwardTransferAllowed"] = Bool(licence, "OnwardTransferAllowed", field),
            ["territory"] = "TERRITORY_" + Enum(licence, "Territory", Territories, field),
        };
        record["amount"] = MoneyOf(Get(p, "Amount", field), field + ".Amount");
        record["contractDate"] = Str(p, "EffectiveDate", field);
        record["state"] = contracted ? "TRADE_STATE_CONTRACTED" : "TRADE_STATE_REFUSED";
        record["origin"] = "TRADE_ORIGIN_" + Enum(p, "Origin", Origins, field);
        record["externalReference"] = StrOrNull(p, "ExternalReference", field);

        var evaluations = new JsonArray();
        foreach (var e in Get(compliance, "Evaluations", field).EnumerateArray())
        {
            var inputs = new JsonObject();
            foreach (var member in Get(e, "Inputs", field).EnumerateObject())
            {
                inputs[member.Name] = member.Value.GetString();
            }

            evaluations.Add(new JsonObject
            {
                ["ruleId"] = Str(e, "RuleId", field),
                ["description"] = Str(e, "Description", field),
                ["outcome"] = Str(e, "Outcome", field),
                ["inputs"] = inputs,
            });
        }

        var volume = Get(compliance, "VolumeAfter", field);
        var approvalId = StrOrNull(compliance, "ApprovalId", field);
        record["compliance"] = new JsonObject
        {
            ["accepted"] = Bool(compliance, "Accepted", field),
            ["crossBorder"] = Bool(compliance, "CrossBorder", field),
            ["ruleSetVersion"] = Str(compliance, "RuleSetVersion", field),
            ["mechanism"] = "EXPORT_MECHANISM_" + Enum(compliance, "Mechanism", Mechanisms, field),
            ["approval"] = approvalId is null ? null : $"participants/{vendorId}/exportApprovals/{approvalId}",
            ["approvalReference"] = StrOrNull(compliance, "ApprovalReference", field),
            ["refusalReason"] = StrOrNull(compliance, "RefusalReason", field),
            ["refusedByRule"] = StrOrNull(compliance, "RefusedByRule", field),
            ["explanation"] = Str(compliance, "Explanation", field),
            ["evaluations"] = evaluations,
            ["cumulativeIndividuals"] = Int(volume, "Individuals", field),
            ["cumulativeSensitiveIndividuals"] = Int(volume, "SensitiveIndividuals", field),
        };
        record["createTime"] = Time(p, "At", field);
    }

    private static void Require(string? state, string expected, string type, string field)
    {
        if (state != "TRADE_STATE_" + expected)
        {
            throw new ReceiptCheckException(field, $"{type} cannot follow state {state}");
        }
    }

    private static JsonObject JurisdictionOf(JsonElement party, string field) => new()
    {
        ["region"] = "REGION_" + Enum(party, "Region", Regions, field),
        ["city"] = StrOrNull(party, "City", field),
    };

    private static JsonObject MoneyOf(JsonElement money, string field) => new()
    {
        ["currencyCode"] = Str(money, "CurrencyCode", field),
        ["amountMinor"] = Int(money, "AmountMinor", field),
    };

    /// <summary>"MainlandChina" → "MAINLAND_CHINA", after checking the value is one the spec lists.</summary>
    private static string Enum(JsonElement e, string name, string[] allowed, string field)
    {
        var value = Str(e, name, field);
        if (!allowed.Contains(value))
        {
            throw new ReceiptCheckException(field, $"{name} \"{value}\" is not one of {string.Join(", ", allowed)}");
        }

        var upper = new StringBuilder();
        foreach (var c in value)
        {
            if (char.IsUpper(c) && upper.Length > 0)
            {
                upper.Append('_');
            }

            upper.Append(char.ToUpperInvariant(c));
        }

        return upper.ToString();
    }

    private static JsonElement Get(JsonElement e, string name, string field) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new ReceiptCheckException(field, $"the payload lacks {name}");

    private static string Str(JsonElement e, string name, string field) =>
        Get(e, name, field) is { ValueKind: JsonValueKind.String } s ? s.GetString()! : throw new ReceiptCheckException(field, $"{name} is not a string");

    private static string? StrOrNull(JsonElement e, string name, string field) =>
        e.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? Str(e, name, field) : null;

    private static string Int(JsonElement e, string name, string field) =>
        Get(e, name, field) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var v)
            ? v.ToString(CultureInfo.InvariantCulture)
            : throw new ReceiptCheckException(field, $"{name} is not an integer");

    private static bool Bool(JsonElement e, string name, string field) =>
        Get(e, name, field).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ReceiptCheckException(field, $"{name} is not a boolean"),
        };

    /// <summary>A payload time as the proto3 JSON of a Timestamp: UTC "Z" with 0, 3, 6 or 9 fractional digits.</summary>
    private static string Time(JsonElement e, string name, string field) =>
        ReceiptTime.Normalize(Str(e, name, field)) ?? throw new ReceiptCheckException(field, $"{name} is not an RFC 3339 time");
}

/// <summary>RFC 3339 times compared as instants with nanosecond precision, whatever their offset or digit count.</summary>
public static class ReceiptTime
{
    /// <summary>The instant as "yyyy-MM-ddTHH:mm:ss[.fff|.ffffff|.fffffffff]Z" (protobuf's JSON form), or null.</summary>
    public static string? Normalize(string? text)
    {
        if (text is null || text.Length < 20 || text[10] != 'T')
        {
            return null;
        }

        // Split off the fraction (any number of digits) and the offset, so nanoseconds survive (DateTimeOffset keeps 100 ns).
        var fractionStart = text.IndexOf('.', 19);
        var offsetStart = text.IndexOfAny(['Z', 'z', '+', '-'], 19);
        if (offsetStart < 0 || (fractionStart >= 0 && fractionStart > offsetStart) || (fractionStart < 0 && offsetStart != 19))
        {
            return null;
        }

        var digits = fractionStart < 0 ? "" : text[(fractionStart + 1)..offsetStart];
        if ((fractionStart >= 0 && digits.Length == 0) || digits.Length > 9 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        if (!DateTimeOffset.TryParseExact(text[..19] + (text[offsetStart] is 'Z' or 'z' ? "+00:00" : text[offsetStart..]), "yyyy-MM-dd'T'HH:mm:sszzz",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var seconds))
        {
            return null;
        }

        var nanos = digits.Length == 0 ? 0 : int.Parse(digits.PadRight(9, '0'), CultureInfo.InvariantCulture);
        var utc = seconds.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var fraction = nanos == 0 ? "" : nanos % 1_000_000 == 0 ? $".{nanos / 1_000_000:000}" : nanos % 1000 == 0 ? $".{nanos / 1000:000000}" : $".{nanos:000000000}";
        return utc + fraction + "Z";
    }
}
