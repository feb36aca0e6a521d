using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using LicenceTerms = DataExchange.Domain.Listings.LicenceTerms;

namespace DataExchange.Domain.Trades;

public enum TradeOrigin
{
    Executed = 1,
    Filed = 2,
}

/// <summary>
/// Accepted by compliance, contracted (签约) and filed (登记备案). Carries the engine's inputs and decision so an audit
/// replay reaches the same decision. <see cref="EffectiveDate"/> (the contract date) also goes into the ledger leaf.
/// </summary>
public sealed record TradeContracted(
    Guid TradeId,
    string FilingNumber,
    Guid ListingId,
    int ListingRevision,
    Guid VendorId,
    Guid BuyerId,
    LicenceTerms Licence,
    Money Amount,
    TradeOrigin Origin,
    DateOnly EffectiveDate,
    string? ExternalReference,
    ComplianceInput ComplianceInput,
    ComplianceDecision Compliance,
    Guid By,
    DateTimeOffset At);

/// <summary>Refused by compliance: recorded so auditors see the attempt; never filed.</summary>
public sealed record TradeRefused(
    Guid TradeId,
    Guid ListingId,
    int ListingRevision,
    Guid VendorId,
    Guid BuyerId,
    LicenceTerms Licence,
    Money Amount,
    TradeOrigin Origin,
    DateOnly EffectiveDate,
    string? ExternalReference,
    ComplianceInput ComplianceInput,
    ComplianceDecision Compliance,
    Guid By,
    DateTimeOffset At);

/// <summary>Notes, reasons and payment references are <see cref="SealedText"/>: the ledger keeps only their commitments.</summary>
public sealed record TradeDelivered(Guid TradeId, SealedText Note, Guid By, DateTimeOffset At);

public sealed record TradeReceiptAcknowledged(Guid TradeId, SealedText Note, Guid By, DateTimeOffset At);

/// <summary>The documented adjustment that lets a settlement differ from the contracted amount.</summary>
public sealed record TradeAmountAdjusted(Guid TradeId, Money From, Money To, SealedText Reason, Guid By, DateTimeOffset At);

public sealed record TradeSettled(Guid TradeId, Money Amount, SealedText PaymentReference, Guid By, DateTimeOffset At);

public sealed record TradeCancelled(Guid TradeId, SealedText Reason, Guid By, DateTimeOffset At);

public sealed record TradeDisputeOpened(Guid TradeId, SealedText Reason, TradeState PreviousState, Guid By, DateTimeOffset At);

public enum DisputeResolution
{
    Dismissed = 1,
    UpheldRefund = 2,
}

public sealed record TradeDisputeResolved(Guid TradeId, DisputeResolution Resolution, SealedText Reason, Guid By, DateTimeOffset At);

/// <summary>
/// An accepted cross-border export, counted against the exporter's volume for the year (one stream per exporter-year)
/// and, when the trade relied on one, against the scale of approval <see cref="ApprovalId"/>.
/// </summary>
public sealed record ExportVolumeRecorded(Guid ExporterId, int Year, Guid TradeId, long Individuals, long SensitiveIndividuals, DateTimeOffset At,
    Guid? ApprovalId = null);
