using System.Collections.Frozen;
using DataExchange.Domain.Approvals;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;

namespace DataExchange.Domain;

/// <summary>One event type and the name it is stored under (mt_events.type) and logged under (a leaf's event_type).</summary>
public sealed record CataloguedEvent(string Name, Type Type);

/// <summary>
/// Every event the exchange stores, under a name fixed here rather than derived from its C# type: renaming a record
/// must never change what is stored, what ledger leaves commit to, or what receipts and audits look for. Marten maps
/// exactly these names (MartenSetup), dx replays by them, and a golden JSON file per name
/// (tests/DataExchange.Server.Tests/Events/Golden) pins each event's stored shape. A name, once used, is never reused.
/// </summary>
public static class EventCatalogue
{
    public static readonly IReadOnlyList<CataloguedEvent> All =
    [
        new("participant_registered", typeof(ParticipantRegistered)),
        new("api_token_issued", typeof(ApiTokenIssued)),
        new("api_token_revoked", typeof(ApiTokenRevoked)),
        new("participant_ciio_designation_changed", typeof(ParticipantCiioDesignationChanged)),

        new("listing_drafted", typeof(ListingDrafted)),
        new("listing_revised", typeof(ListingRevised)),
        new("listing_submitted", typeof(ListingSubmitted)),
        new("listing_approved", typeof(ListingApproved)),
        new("listing_returned", typeof(ListingReturned)),
        new("listing_rejected", typeof(ListingRejected)),
        new("listing_published", typeof(ListingPublished)),
        new("listing_suspended", typeof(ListingSuspended)),
        new("listing_resumed", typeof(ListingResumed)),
        new("listing_delisted", typeof(ListingDelisted)),
        new("exclusive_licence_granted", typeof(ExclusiveLicenceGranted)),
        new("exclusive_licence_released", typeof(ExclusiveLicenceReleased)),
        new("listing_data_level_reclassified", typeof(ListingDataLevelReclassified)),

        new("export_approval_recorded", typeof(ExportApprovalRecorded)),
        new("export_approval_revoked", typeof(ExportApprovalRevoked)),
        new("export_approval_extended", typeof(ExportApprovalExtended)),

        new("trade_contracted", typeof(TradeContracted)),
        new("trade_refused", typeof(TradeRefused)),
        new("trade_delivered", typeof(TradeDelivered)),
        new("trade_receipt_acknowledged", typeof(TradeReceiptAcknowledged)),
        new("trade_amount_adjusted", typeof(TradeAmountAdjusted)),
        new("trade_settled", typeof(TradeSettled)),
        new("trade_cancelled", typeof(TradeCancelled)),
        new("trade_dispute_opened", typeof(TradeDisputeOpened)),
        new("trade_dispute_resolved", typeof(TradeDisputeResolved)),
        new("export_volume_recorded", typeof(ExportVolumeRecorded)),
    ];

    private static readonly FrozenDictionary<Type, string> Names = All.ToFrozenDictionary(e => e.Type, e => e.Name);
    private static readonly FrozenDictionary<string, Type> Types = All.ToFrozenDictionary(e => e.Name, e => e.Type, StringComparer.Ordinal);

    /// <summary>The stored name of <paramref name="type"/>; an event type missing from the catalogue is a programming error.</summary>
    public static string NameOf(Type type) =>
        Names.TryGetValue(type, out var name) ? name : throw new ArgumentException($"{type.FullName} is not in the event catalogue.", nameof(type));

    /// <summary>The event type stored under <paramref name="name"/>, or null for a name the catalogue does not know.</summary>
    public static Type? TypeNamed(string name) => Types.GetValueOrDefault(name);
}
