using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataExchange.Seeds;

/// <summary>
/// A seed data set: the format <see cref="SeedFormat.Current"/> ("dataexchange-seed/1"). Everything refers to
/// everything else by stable seed ids ("p-hetao-mobility", "l-…", "a-…", "t-…"), never by server resource names:
/// the loader learns those on the way.
/// </summary>
public sealed record SeedDataSet(
    string Format,
    string Name,
    string Description,
    SeedHeadline Headline,
    IReadOnlyList<SeedParticipant> Participants,
    IReadOnlyList<SeedListing> Listings,
    IReadOnlyList<SeedApproval> Approvals,
    IReadOnlyList<SeedTrade> Trades);

/// <summary>The public figures the data set reproduces (filed, non-cancelled trades only).</summary>
public sealed record SeedHeadline(
    int FiledTrades,
    long TotalValueMinor,
    string Currency,
    int CrossBorderTrades,
    long CrossBorderValueMinor,
    DateOnly FirstContractDate,
    DateOnly LastContractDate,
    string Sources);

public enum SeedRegion
{
    Mainland,
    HongKong,
    Macao,
    Other,
}

public enum SeedRole
{
    Vendor,
    Buyer,
    ComplianceOfficer,
    Auditor,
}

/// <summary>
/// A market entity. On the server, display_name is <see cref="DisplayName"/> and legal_name is
/// <see cref="ServerLegalName"/> (the Chinese registered name for mainland companies, the English one elsewhere).
/// District is descriptive only (the API records region and city).
/// </summary>
public sealed record SeedParticipant(
    string Id,
    string DisplayName,
    string DisplayNameZh,
    string LegalName,
    string LegalNameZh,
    IReadOnlyList<SeedRole> Roles,
    SeedRegion Region,
    string? City,
    string? District,
    bool Ciio)
{
    [JsonIgnore]
    public string ServerLegalName => Region == SeedRegion.Mainland ? LegalNameZh : LegalName;

    public bool Has(SeedRole role) => Roles.Contains(role);
}

public enum SeedSector
{
    Finance,
    Transport,
    Healthcare,
    Geospatial,
    Ecommerce,
    Manufacturing,
    Energy,
    AiTraining,
    PublicData,
}

public enum SeedDataLevel
{
    General,
    Important,
    Core,
}

public enum SeedDelivery
{
    Api,
    File,
    PrivacyPreservingComputation,
}

public enum SeedTerritory
{
    MainlandChina,
    GreaterBayArea,
    HongKong,
    Macao,
    Global,
}

public sealed record SeedLocation(SeedRegion Region, string? City);

/// <summary>Money in minor units (fen for CNY): never floating point.</summary>
public sealed record SeedMoney(long AmountMinor, string Currency);

public sealed record SeedLicence(string Purpose, int TermDays, bool Exclusive, bool OnwardTransferAllowed, SeedTerritory Territory);

/// <summary>
/// An authority's notice classifying a product's data at <see cref="DataLevel"/> from <see cref="EffectiveOn"/> on,
/// recorded by the listing's reviewer after publication and before its trades (ReclassifyListing).
/// </summary>
public sealed record SeedReclassification(SeedDataLevel DataLevel, DateOnly EffectiveOn, string Reference);

/// <summary>Listing lifecycle steps, in order. Steps after "publish" (suspend, delist) run after the listing's trades.</summary>
public static class LifecycleSteps
{
    public const string Submit = "submit";
    public const string Approve = "approve";
    public const string Return = "return";
    /// <summary>The vendor revises the description (to <see cref="SeedListing.RevisedDescription"/>) after a return.</summary>
    public const string Revise = "revise";
    public const string Reject = "reject";
    public const string Publish = "publish";
    public const string Suspend = "suspend";
    public const string Delist = "delist";

    public static IReadOnlyList<string> All { get; } = [Submit, Approve, Return, Revise, Reject, Publish, Suspend, Delist];
}

/// <summary>
/// A data product with its honest declaration (what the compliance engine relies on) and its lifecycle script.
/// <see cref="Reviewer"/> is the compliance officer who reviews and, if scripted, suspends it.
/// </summary>
public sealed record SeedListing(
    string Id,
    string Vendor,
    string Title,
    string Description,
    SeedSector Sector,
    SeedDataLevel DataLevel,
    bool ContainsPersonalInformation,
    long Individuals,
    long SensitiveIndividuals,
    SeedLocation Location,
    IReadOnlyList<string> Categories,
    SeedDelivery Delivery,
    SeedMoney Price,
    SeedLicence Licence,
    string Reviewer,
    IReadOnlyList<string> Evidence,
    IReadOnlyList<string> Lifecycle,
    string? ReturnReason = null,
    string? RevisedDescription = null,
    string? RejectReason = null,
    string? SuspendReason = null,
    string? DelistReason = null,
    IReadOnlyList<SeedReclassification>? Reclassifications = null)
{
    /// <summary>
    /// The data level on <paramref name="date"/>: the latest reclassification in force then (of two on one date, the later
    /// listed), else the declared one.
    /// </summary>
    public SeedDataLevel DataLevelOn(DateOnly date) =>
        (Reclassifications ?? []).Where(r => r.EffectiveOn <= date).OrderBy(r => r.EffectiveOn).LastOrDefault()?.DataLevel ?? DataLevel;

    [JsonIgnore]
    public bool IsPublished => Lifecycle.Contains(LifecycleSteps.Publish);

    /// <summary>Steps up to and including publish (or all, if never published): run before the listing's trades.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> StepsBeforeTrades =>
        IsPublished ? [.. Lifecycle.Take(Lifecycle.ToList().IndexOf(LifecycleSteps.Publish) + 1)] : Lifecycle;

    [JsonIgnore]
    public IReadOnlyList<string> StepsAfterTrades => [.. Lifecycle.Skip(StepsBeforeTrades.Count)];
}

public enum SeedApprovalKind
{
    SecurityAssessment,
    StandardContract,
    Certification,
}

/// <summary>An export approval recorded on the exporter by a compliance officer. Dates are inclusive.</summary>
public sealed record SeedApproval(
    string Id,
    string Exporter,
    string RecordedBy,
    SeedApprovalKind Kind,
    string ReferenceNumber,
    IReadOnlyList<string> Listings,
    IReadOnlyList<string> Categories,
    SeedRegion CounterpartRegion,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    string Note);

/// <summary>Expected outcomes of a trade filing.</summary>
public static class TradeOutcomes
{
    public const string Filed = "filed";
    public const string FiledThenCancelled = "filed-then-cancelled";
    public const string RefusedPrefix = "refused:";

    public static string Refused(string reason) => RefusedPrefix + reason;

    public static bool IsRefused(string outcome) => outcome.StartsWith(RefusedPrefix, StringComparison.Ordinal);

    public static string RefusalReason(string outcome) =>
        IsRefused(outcome) ? outcome[RefusedPrefix.Length..] : throw new ArgumentException($"'{outcome}' is not a refusal.", nameof(outcome));
}

/// <summary>Post-filing steps of a filed trade, in this order.</summary>
public static class TradeSteps
{
    /// <summary>The vendor records delivery.</summary>
    public const string Delivered = "delivered";
    /// <summary>The buyer acknowledges receipt.</summary>
    public const string Received = "received";
    /// <summary>The operator records payment of the full amount.</summary>
    public const string Settled = "settled";

    public static IReadOnlyList<string> Ordered { get; } = [Delivered, Received, Settled];
}

public enum SeedCancelledBy
{
    Vendor,
    Buyer,
}

/// <summary>
/// A trade concluded off the exchange and filed with it (FileTrade) with its historical contract date.
/// <see cref="Outcome"/> is "filed", "filed-then-cancelled" or "refused:&lt;REASON&gt;" (the engine's refusal reason).
/// </summary>
public sealed record SeedTrade(
    string Id,
    string Listing,
    string Buyer,
    SeedMoney Amount,
    DateOnly ContractDate,
    SeedLicence Licence,
    string ExternalReference,
    string Outcome,
    IReadOnlyList<string> Steps,
    SeedCancelledBy? CancelledBy = null,
    string? CancellationReason = null,
    string? Note = null);

/// <summary>Reading and writing the JSON format: stable, readable (Chinese unescaped), "\n" line ends.</summary>
public static class SeedFormat
{
    public const string Current = "dataexchange-seed/1";

    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        IndentSize = 2,
        NewLine = "\n",
        // The data set is read by people: keep 深圳 and ¥ as they are; it is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    public static string Serialize(SeedDataSet dataSet) => JsonSerializer.Serialize(dataSet, Options) + "\n";

    public static SeedDataSet Deserialize(string json)
    {
        var dataSet = JsonSerializer.Deserialize<SeedDataSet>(json, Options)
            ?? throw new InvalidDataException("The seed file is empty.");
        if (dataSet.Format != Current)
        {
            throw new InvalidDataException($"Unsupported seed format '{dataSet.Format}'; expected '{Current}'.");
        }

        return dataSet;
    }

    public static async Task<SeedDataSet> ReadFileAsync(string path, CancellationToken cancellationToken = default) =>
        Deserialize(await File.ReadAllTextAsync(path, cancellationToken));
}
