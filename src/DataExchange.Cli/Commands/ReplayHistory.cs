using System.Globalization;
using System.Text.Json;
using DataExchange.Compliance;
using DataExchange.Domain;
using DataExchange.Domain.Approvals;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Ledger.Entries;
using Region = DataExchange.Domain.Common.Region;
using DomainApproval = DataExchange.Domain.Approvals.ExportApproval;
using DomainTrade = DataExchange.Domain.Trades.Trade;

namespace DataExchange.Cli.Commands;

/// <summary>
/// The exchange rebuilt from verified events in log order. Each model's state at any point is the history as of that
/// leaf, so when a trade's event arrives the listing, the parties, the exporter's approvals and its earlier accepted
/// exports are exactly what the history held before the trade: the compliance inputs are re-derived from them
/// (<see cref="TradeRederivation"/>) rather than read from the trade's own event. Not thread-safe; events in order.
/// </summary>
internal sealed class ReplayHistory(Action<ReplayDifference> report)
{


    private readonly Dictionary<string, (long Version, long Leaf)> streamVersions = new(StringComparer.Ordinal);
    private readonly TradeRederivation rederivation = new();

    public Dictionary<Guid, Participant> Participants { get; } = [];

    public Dictionary<Guid, Listing> Listings { get; } = [];

    public Dictionary<Guid, DomainApproval> Approvals { get; } = [];

    public Dictionary<Guid, DomainTrade> Trades { get; } = [];

    public Dictionary<Guid, ExporterYearVolume> VolumeStreams { get; } = [];

    public long EventsApplied { get; private set; }

    public long EventsNotReplayed { get; private set; }

    public int DecisionsRederived => rederivation.Count;

    /// <summary>
    /// Every decoded leaf, whether or not its payload verified: a domain stream's versions must run 1, 2, 3… in log
    /// order, so an event missing from the log (or served out of order) is named.
    /// </summary>
    public void Observe(long leaf, LedgerEntry entry)
    {
        if (EventCatalogue.TypeNamed(entry.EventType) is null)
        {
            return;
        }

        var previous = streamVersions.GetValueOrDefault(entry.StreamId);
        if (entry.StreamVersion != previous.Version + 1)
        {
            report(new ReplayDifference("history", $"stream {entry.StreamId}", string.Create(CultureInfo.InvariantCulture,
                $"leaf {leaf} ({entry.EventType}) is version {entry.StreamVersion}, but the stream's previous leaf ({(previous.Version == 0 ? "none" : $"leaf {previous.Leaf}")}) " +
                $"was version {previous.Version}: an event of the stream is missing from the log or out of order")));
        }

        streamVersions[entry.StreamId] = (entry.StreamVersion, leaf);
    }

    /// <summary>Applies one event whose payload matched its leaf digest.</summary>
    public void Apply(long leaf, LedgerEntry entry, byte[] canonicalPayload)
    {
        if (EventCatalogue.TypeNamed(entry.EventType) is not { } type)
        {
            EventsNotReplayed++;
            return;
        }

        var subject = $"ledger leaf {leaf}";
        object e;
        try
        {
            e = JsonSerializer.Deserialize(canonicalPayload, type, LedgerReplay.MartenJson)
                ?? throw new JsonException("the payload is null");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException)
        {
            report(new ReplayDifference("history", subject, $"{ReplayLeafCheck.Describe(entry)}: the payload does not read as {type.Name} ({ex.Message})"));
            return;
        }

        if (!Guid.TryParseExact(entry.StreamId, "D", out var streamId) || OwnerOf(e) is { } owner && owner != streamId)
        {
            report(new ReplayDifference("history", subject,
                $"{ReplayLeafCheck.Describe(entry)}: the payload belongs to stream {OwnerOf(e)}, the leaf puts it in stream {entry.StreamId}; not replayed"));
            return;
        }

        try
        {
            switch (e)
            {
                case ParticipantRegistered or ApiTokenIssued or ApiTokenRevoked or ParticipantCiioDesignationChanged:
                    Participants[streamId] = Versioned(ParticipantEvolution.Evolve(Participants.GetValueOrDefault(streamId), e), entry);
                    break;
                case ListingDrafted or ListingRevised or ListingSubmitted or ListingApproved or ListingReturned or ListingRejected
                    or ListingPublished or ListingSuspended or ListingResumed or ListingDelisted or ExclusiveLicenceGranted or ExclusiveLicenceReleased
                    or ListingDataLevelReclassified:
                    Listings[streamId] = Versioned(ListingEvolution.Evolve(Listings.GetValueOrDefault(streamId), e), entry);
                    break;
                case ExportApprovalRecorded or ExportApprovalRevoked or ExportApprovalExtended:
                    Approvals[streamId] = Versioned(DomainApproval.Evolve(Approvals.GetValueOrDefault(streamId), e), entry);
                    break;
                case TradeContracted or TradeRefused:
                    // Before the trade joins the history: its inputs are judged by what came before it.
                    var next = Versioned(DomainTrade.Evolve(Trades.GetValueOrDefault(streamId), e), entry);
                    rederivation.Rederive(this, leaf, entry, TradeFacts.Of(e), report);
                    Trades[streamId] = next;
                    break;
                case ExportVolumeRecorded volume:
                    VolumeStreams[streamId] = Versioned(ExporterYearVolume.Evolve(VolumeStreams.GetValueOrDefault(streamId), volume), entry);
                    rederivation.Recorded(leaf, volume, report);
                    break;
                default:
                    Trades[streamId] = Versioned(DomainTrade.Evolve(Trades.GetValueOrDefault(streamId), e), entry);
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Evolve refuses an event its stream's state cannot take; anything else is a payload replay cannot make sense of.
            report(new ReplayDifference("history", subject, $"{ReplayLeafCheck.Describe(entry)}: cannot apply to the rebuilt stream ({ex.Message})"));
            return;
        }

        EventsApplied++;
    }

    /// <summary>After the last event: the recorded export volumes against the accepted exports the history gives.</summary>
    public void Finish() => rederivation.Finish(report);

    /// <summary>The stream an event names itself as belonging to; null when it names none.</summary>
    private static Guid? OwnerOf(object e) => e switch
    {
        ParticipantRegistered x => x.ParticipantId,
        ApiTokenIssued x => x.ParticipantId,
        ApiTokenRevoked x => x.ParticipantId,
        ParticipantCiioDesignationChanged x => x.ParticipantId,
        ListingDrafted x => x.ListingId,
        ListingRevised x => x.ListingId,
        ListingSubmitted x => x.ListingId,
        ListingApproved x => x.ListingId,
        ListingReturned x => x.ListingId,
        ListingRejected x => x.ListingId,
        ListingPublished x => x.ListingId,
        ListingSuspended x => x.ListingId,
        ListingResumed x => x.ListingId,
        ListingDelisted x => x.ListingId,
        ExclusiveLicenceGranted x => x.ListingId,
        ExclusiveLicenceReleased x => x.ListingId,
        ListingDataLevelReclassified x => x.ListingId,
        ExportApprovalRecorded x => x.ApprovalId,
        ExportApprovalRevoked x => x.ApprovalId,
        ExportApprovalExtended x => x.ApprovalId,
        TradeContracted x => x.TradeId,
        TradeRefused x => x.TradeId,
        TradeDelivered x => x.TradeId,
        TradeReceiptAcknowledged x => x.TradeId,
        TradeAmountAdjusted x => x.TradeId,
        TradeSettled x => x.TradeId,
        TradeCancelled x => x.TradeId,
        TradeDisputeOpened x => x.TradeId,
        TradeDisputeResolved x => x.TradeId,
        // One stream per exporter and year, at a name-based id: a volume under another id would escape the thresholds.
        ExportVolumeRecorded x => ExporterYearVolume.StreamId(x.ExporterId, x.Year),
        _ => null,
    };

    /// <summary>The etag the service serves is the stream version, which the leaf records.</summary>
    private static T Versioned<T>(T state, LedgerEntry entry)
        where T : class
    {
        switch (state)
        {
            case Participant p: p.Version = entry.StreamVersion; break;
            case Listing l: l.Version = entry.StreamVersion; break;
            case DomainApproval a: a.Version = entry.StreamVersion; break;
            case DomainTrade t: t.Version = entry.StreamVersion; break;
            case ExporterYearVolume v: v.Version = entry.StreamVersion; break;
        }

        return state;
    }

    /// <summary>The exporter's approvals as the history holds them now (revocations so far applied), in the engine's terms.</summary>
    public IReadOnlyList<Compliance.ExportApproval> ApprovalsOf(Guid exporterId) =>
        [.. Approvals.Values.Where(a => a.ExporterId == exporterId).Select(a => a.ToCompliance())];

    /// <summary>True for data located in the mainland bought from outside it: the only trades the server reads volumes and approvals for.</summary>
    public static bool MayExport(Listing listing, Participant buyer) =>
        listing.Content.Declaration.Location.Region == Region.MainlandChina && buyer.Jurisdiction.Region != Region.MainlandChina;
}
