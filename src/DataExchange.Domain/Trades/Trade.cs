using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using LicenceTerms = DataExchange.Domain.Listings.LicenceTerms;

namespace DataExchange.Domain.Trades;

public enum TradeState
{
    Contracted = 1,
    Delivered = 2,
    Received = 3,
    Settled = 4,
    Cancelled = 5,
    Disputed = 6,
    Refunded = 7,
    Refused = 8,
}

/// <summary>A trade (交易), rebuilt from its stream and stored as its own read model.</summary>
public sealed record Trade(
    Guid Id,
    string? FilingNumber,
    Guid ListingId,
    int ListingRevision,
    Guid VendorId,
    Guid BuyerId,
    LicenceTerms Licence,
    Money Amount,
    TradeState State,
    TradeOrigin Origin,
    DateOnly ContractDate,
    bool CrossBorder,
    ComplianceDecision Compliance,
    string? ExternalReference,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IEventSourced<Trade>
{
    public long Version { get; set; }

    public int FilingYear => ContractDate.Year;

    public string? DeliveryNote { get; init; }

    public string? PaymentReference { get; init; }

    public Money? SettledAmount { get; init; }

    public string? CancellationReason { get; init; }

    public string? DisputeReason { get; init; }

    public TradeState? StateBeforeDispute { get; init; }

    public string? DisputeResolution { get; init; }

    public bool IsParty(Guid participantId) => participantId == VendorId || participantId == BuyerId;

    public static Trade Start(TradeContracted e) =>
        new(e.TradeId, e.FilingNumber, e.ListingId, e.ListingRevision, e.VendorId, e.BuyerId, e.Licence, e.Amount,
            TradeState.Contracted, e.Origin, e.EffectiveDate, e.Compliance.CrossBorder, e.Compliance, e.ExternalReference, e.At, e.At);

    public static Trade Start(TradeRefused e) =>
        new(e.TradeId, null, e.ListingId, e.ListingRevision, e.VendorId, e.BuyerId, e.Licence, e.Amount,
            TradeState.Refused, e.Origin, e.EffectiveDate, e.Compliance.CrossBorder, e.Compliance, e.ExternalReference, e.At, e.At);

    public Trade When(TradeDelivered e) => this with { State = TradeState.Delivered, DeliveryNote = e.Note.Text, UpdatedAt = e.At };

    public Trade When(TradeReceiptAcknowledged e) => this with { State = TradeState.Received, UpdatedAt = e.At };

    public Trade When(TradeAmountAdjusted e) => this with { Amount = e.To, UpdatedAt = e.At };

    public Trade When(TradeSettled e) =>
        this with { State = TradeState.Settled, SettledAmount = e.Amount, PaymentReference = e.PaymentReference.Text, UpdatedAt = e.At };

    public Trade When(TradeCancelled e) => this with { State = TradeState.Cancelled, CancellationReason = e.Reason.Text, UpdatedAt = e.At };

    public Trade When(TradeDisputeOpened e) =>
        this with { State = TradeState.Disputed, DisputeReason = e.Reason.Text, StateBeforeDispute = e.PreviousState, UpdatedAt = e.At };

    public Trade When(TradeDisputeResolved e) =>
        this with
        {
            State = e.Resolution == Trades.DisputeResolution.UpheldRefund ? TradeState.Refunded : StateBeforeDispute ?? TradeState.Contracted,
            DisputeResolution = $"{e.Resolution}: {e.Reason.Text}",
            UpdatedAt = e.At,
        };

    public static readonly Type[] EventTypes =
    [
        typeof(TradeContracted), typeof(TradeRefused), typeof(TradeDelivered), typeof(TradeReceiptAcknowledged),
        typeof(TradeAmountAdjusted), typeof(TradeSettled), typeof(TradeCancelled), typeof(TradeDisputeOpened), typeof(TradeDisputeResolved),
    ];

    public static Trade Evolve(Trade? state, object e) => (state, e) switch
    {
        (null, TradeContracted x) => Start(x),
        (null, TradeRefused x) => Start(x),
        (not null, TradeDelivered x) => state.When(x),
        (not null, TradeReceiptAcknowledged x) => state.When(x),
        (not null, TradeAmountAdjusted x) => state.When(x),
        (not null, TradeSettled x) => state.When(x),
        (not null, TradeCancelled x) => state.When(x),
        (not null, TradeDisputeOpened x) => state.When(x),
        (not null, TradeDisputeResolved x) => state.When(x),
        _ => throw new InvalidOperationException($"Event {e.GetType().Name} cannot apply to trade state {state?.State.ToString() ?? "none"}."),
    };

    public static string StateName(TradeState state) => state.ToString().ToUpperInvariant();
}

/// <summary>An exporter's accepted cross-border volume in one calendar year.</summary>
public sealed record ExporterYearVolume(Guid Id, Guid ExporterId, int Year, long Individuals, long SensitiveIndividuals,
    IReadOnlyDictionary<Guid, ExportVolume>? ByApproval = null)
{
    public long Version { get; set; }

    public static ExporterYearVolume Start(ExportVolumeRecorded e) =>
        new ExporterYearVolume(StreamId(e.ExporterId, e.Year), e.ExporterId, e.Year, 0, 0, new Dictionary<Guid, ExportVolume>()).When(e);

    /// <summary>This year's exports and, per approval relied on, the part exported under it.</summary>
    public ExporterYearVolume When(ExportVolumeRecorded e)
    {
        var byApproval = new Dictionary<Guid, ExportVolume>(ByApproval ?? new Dictionary<Guid, ExportVolume>());
        if (e.ApprovalId is { } approvalId)
        {
            var before = byApproval.GetValueOrDefault(approvalId, ExportVolume.Zero);
            byApproval[approvalId] = new ExportVolume(before.Individuals + e.Individuals, before.SensitiveIndividuals + e.SensitiveIndividuals);
        }

        return this with
        {
            Individuals = Individuals + e.Individuals,
            SensitiveIndividuals = SensitiveIndividuals + e.SensitiveIndividuals,
            ByApproval = byApproval,
        };
    }

    public static ExporterYearVolume Evolve(ExporterYearVolume? state, ExportVolumeRecorded e) => state is null ? Start(e) : state.When(e);

    /// <summary>
    /// One stream per exporter and year, with a name-based id, so that concurrent cross-border trades of one exporter
    /// race on its version (optimistic concurrency) and cannot both slip under a threshold.
    /// </summary>
    public static Guid StreamId(Guid exporterId, int year)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"export-volume:{exporterId:N}:{year}"));
        var id = bytes.AsSpan(0, 16).ToArray();
        id[6] = (byte)((id[6] & 0x0F) | 0x80); // RFC 9562 version 8: custom, name-based.
        id[8] = (byte)((id[8] & 0x3F) | 0x80);
        return new Guid(id, bigEndian: true);
    }
}
