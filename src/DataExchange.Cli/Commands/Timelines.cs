using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataExchange.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DataExchange.Cli.Commands;

/// <summary>One moment of a history: when, and what happened in words.</summary>
internal sealed record TimelineEntry(Timestamp? Time, string Text);

/// <summary>
/// "2025-01-03 10:22  SUBMITTED by Hetao Mobility Data (rev 2)", one entry a line; longer ones wrap under their text,
/// never inside a word. Times are UTC.
/// </summary>
internal sealed class TimelineBlock(string title, IEnumerable<TimelineEntry> entries) : IRenderable
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm";

    public IReadOnlyList<TimelineEntry> Entries { get; } = [.. entries];

    public static string Time(Timestamp? time) =>
        time is null ? new string(' ', TimeFormat.Length) : time.ToDateTimeOffset().ToString(TimeFormat, CultureInfo.InvariantCulture);

    public IReadOnlyList<string> Lines(int width)
    {
        var lines = new List<string>(TextLayout.Wrap(title, width));
        var indent = TimeFormat.Length + 2;
        foreach (var entry in Entries)
        {
            var wrapped = TextLayout.Wrap(entry.Text, Math.Max(TextLayout.MinTextWidth, width - indent));
            lines.Add($"{Time(entry.Time)}  {wrapped[0]}".TrimEnd());
            lines.AddRange(wrapped.Skip(1).Select(l => (new string(' ', indent) + l).TrimEnd()));
        }

        return lines;
    }

    public Measurement Measure(RenderOptions options, int maxWidth) => new(Math.Min(maxWidth, TextLayout.MinTextWidth), maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
        Lines(maxWidth).SelectMany((line, i) => new[]
        {
            new Segment(line, i == 0 ? new Style(decoration: Decoration.Bold) : Style.Plain), Segment.LineBreak,
        });
}

/// <summary>A listing's events (ListListingHistory) as a timeline with enum names, never the raw event JSON.</summary>
internal static class ListingTimeline
{
    public static IReadOnlyList<TimelineEntry> Entries(IEnumerable<ListingEvent> events, IDisplayNames names)
    {
        var entries = new List<TimelineEntry>();
        var revision = 0L;
        foreach (var e in events)
        {
            var data = Parse(e.DataJson);
            if (Number(data, "Revision") is { } r)
            {
                revision = r;
            }
            else if (e.EventType == "ListingDrafted")
            {
                revision = 1;
            }

            var by = e.Actor.Length > 0 ? $" by {names.Participant(e.Actor)}" : "";
            var rev = revision > 0 ? $" (rev {revision.ToString(CultureInfo.InvariantCulture)})" : "";
            var reason = Str(data, "Reason") is { Length: > 0 } why ? $": {why}" : "";
            var evidence = data?["Evidence"] is JsonArray list && list.Count > 0
                ? $"; evidence {string.Join(", ", list.Select(x => x?.GetValue<string>()))}" : "";
            var text = e.EventType switch
            {
                "ListingDrafted" => $"DRAFTED{by}{rev}",
                "ListingRevised" => $"REVISED{by}{rev}" + (Bool(data, "ReviewRequired") ? ": the declaration changed, so it goes back to review" : ""),
                "ListingSubmitted" => $"SUBMITTED{by}{rev}",
                "ListingApproved" => $"APPROVED{by}{rev}"
                    + (Str(data, "RegistrationNumber") is { Length: > 0 } number ? $", registration {number}" : "") + reason + evidence,
                "ListingReturned" => $"RETURNED{by}{rev}{reason}{evidence}",
                "ListingRejected" => $"REJECTED{by}{rev}{reason}{evidence}",
                "ListingPublished" => $"PUBLISHED{by}{rev}",
                "ListingSuspended" => $"SUSPENDED{by}{rev}{reason}",
                "ListingResumed" => $"RESUMED{by}{rev}{reason}",
                "ListingDelisted" => $"DELISTED{by}{rev}{reason}",
                "ExclusiveLicenceGranted" => $"EXCLUSIVE LICENCE GRANTED to trade {Str(data, "TradeId")} for {EnumText<Territory>(data, "Territory")}"
                    + $", {Str(data, "From")}..{Str(data, "Until")}",
                "ExclusiveLicenceReleased" => $"EXCLUSIVE LICENCE RELEASED by trade {Str(data, "TradeId")}{reason}",
                "ListingDataLevelReclassified" => $"RECLASSIFIED as {EnumText<DataLevel>(data, "Level")} data from {Str(data, "EffectiveOn")}{by}"
                    + (Str(data, "Reference") is { Length: > 0 } reference ? $" (notice {reference})" : ""),
                _ => $"{Words(e.EventType, "Listing")}{by}{rev}",
            };
            entries.Add(new TimelineEntry(e.Time, text));
        }

        return entries;
    }

    /// <summary>"ExclusiveLicenceGranted" → "EXCLUSIVE LICENCE GRANTED", without a leading "Listing".</summary>
    public static string Words(string typeName, string prefix)
    {
        var name = typeName.StartsWith(prefix, StringComparison.Ordinal) && typeName.Length > prefix.Length ? typeName[prefix.Length..] : typeName;
        return EnumNames.Kebab(name.Replace("_", "", StringComparison.Ordinal)).Replace('-', ' ').ToUpperInvariant();
    }

    internal static JsonObject? Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static string Str(JsonObject? data, string member) => Member(data, member) switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => "",
    };

    internal static long? Number(JsonObject? data, string member) =>
        Member(data, member) is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    internal static bool Bool(JsonObject? data, string member) => Member(data, member) is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>An enum member written as its number (the server's event JSON) or its name (ledger payloads), in dx's words.</summary>
    internal static string EnumText<TEnum>(JsonObject? data, string member) where TEnum : struct, System.Enum
    {
        switch (Member(data, member))
        {
            case JsonValue v when v.TryGetValue<int>(out var number):
                return EnumNames.Format((TEnum)System.Enum.ToObject(typeof(TEnum), number));
            case JsonValue v when v.TryGetValue<string>(out var name) && System.Enum.TryParse<TEnum>(name, ignoreCase: true, out var parsed):
                return EnumNames.Format(parsed);
            case JsonValue v when v.TryGetValue<string>(out var name):
                return EnumNames.Kebab(name);
            default:
                return "";
        }
    }

    // Payload member names are PascalCase; accept any case.
    internal static JsonNode? Member(JsonObject? data, string member) =>
        data is null ? null : data.FirstOrDefault(p => string.Equals(p.Key, member, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>
/// A trade's events as its receipt holds them (the ledger's payloads), with the texts the ledger keeps only as
/// commitments (delivery note, reasons, payment reference) taken from the trade as served to the caller.
/// </summary>
internal static class TradeTimeline
{
    public static IReadOnlyList<TimelineEntry> Entries(TradeReceipt receipt, Trade? trade, IDisplayNames names)
    {
        var entries = new List<TimelineEntry>();
        foreach (var leaf in receipt.Leaves)
        {
            var entry = leaf.Entry ?? new LogEntry();
            var data = ListingTimeline.Parse(entry.Payload.ToStringUtf8());
            string Party(string member) => ListingTimeline.Str(data, member) is { Length: > 0 } id ? names.Participant($"{ResourceNames.Participants}/{id}") : "";
            var by = Party("By") is { Length: > 0 } actor ? $" by {actor}" : "";
            string Note(string label, string? text) => string.IsNullOrEmpty(text) ? "" : $"; {label}: {text}";
            var text = entry.EventType switch
            {
                "trade_contracted" => $"CONTRACTED{by}"
                    + (ListingTimeline.Str(data, "FilingNumber") is { Length: > 0 } filing ? $", filed as {filing}" : "")
                    + $": {Money(ListingTimeline.Member(data, "Amount") as JsonObject)}"
                    + $", {ListingTimeline.EnumText<TradeOrigin>(data, "Origin")}, contract date {ListingTimeline.Str(data, "EffectiveDate")}",
                "trade_refused" => $"REFUSED by compliance{Refusal(ListingTimeline.Member(data, "Compliance") as JsonObject)} (attempt{by})",
                "trade_delivered" => $"DELIVERED{by}{Note("note", trade?.DeliveryNote)}",
                "trade_receipt_acknowledged" => $"RECEIPT ACKNOWLEDGED{by}",
                "trade_amount_adjusted" => $"AMOUNT ADJUSTED{by} from {Money(ListingTimeline.Member(data, "From") as JsonObject)}"
                    + $" to {Money(ListingTimeline.Member(data, "To") as JsonObject)}",
                "trade_settled" => $"SETTLED{by}: {Money(ListingTimeline.Member(data, "Amount") as JsonObject)}{Note("payment", trade?.PaymentReference)}",
                "trade_cancelled" => $"CANCELLED{by}{Note("reason", trade?.CancellationReason)}",
                "trade_dispute_opened" => $"DISPUTE OPENED{by}{Note("complaint", trade?.DisputeReason)}",
                "trade_dispute_resolved" => $"DISPUTE RESOLVED{by}: {ListingTimeline.EnumText<DisputeResolution>(data, "Resolution")}",
                var other => $"{ListingTimeline.Words(other.Replace("trade_", "", StringComparison.Ordinal), "")}{by}",
            };
            entries.Add(new TimelineEntry(entry.RecordTime, text));
        }

        return entries;
    }

    /// <summary>The participants named in the payloads (By), to read their display names first.</summary>
    public static IEnumerable<string> Actors(TradeReceipt receipt) => receipt.Leaves
        .Select(l => ListingTimeline.Str(ListingTimeline.Parse((l.Entry ?? new LogEntry()).Payload.ToStringUtf8()), "By"))
        .Where(id => id.Length > 0)
        .Select(id => $"{ResourceNames.Participants}/{id}");

    private static string Money(JsonObject? money) => money is null
        ? ""
        : Formatting.Money(ListingTimeline.Str(money, "CurrencyCode"), ListingTimeline.Number(money, "AmountMinor") ?? 0);

    private static string Refusal(JsonObject? compliance) =>
        ListingTimeline.Str(compliance, "RefusedByRule") is { Length: > 0 } rule ? $" under rule {rule}" : "";
}
