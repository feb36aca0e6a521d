namespace DataExchange.Compliance;

/// <summary>Jurisdiction of a participant or of where data is located.</summary>
public enum Region
{
    MainlandChina,
    HongKong,
    Macao,
    Other,
}

/// <summary>A participant as the engine needs it. City is the registered city (English name) for mainland parties.</summary>
public sealed record Party(
    Guid ParticipantId,
    Region Region,
    string? City,
    bool IsCriticalInformationInfrastructureOperator);

/// <summary>Data level under GB/T 43697-2024 (一般 / 重要 / 核心).</summary>
public enum DataLevel
{
    General,
    Important,
    Core,
}

/// <summary>
/// What the listing declares. <see cref="Individuals"/> counts every individual whose personal information (PI)
/// is in the data, sensitive ones included; <see cref="SensitiveIndividuals"/> is the subset with sensitive PI.
/// Counting sensitive individuals in the general threshold too is the conservative reading of "≥ 1,000,000 individuals".
/// <see cref="DataLevel.Important"/> means data that authorities have notified or published as important (2024 Provisions art. 2).
/// </summary>
public sealed record DataDeclaration(
    Guid ListingId,
    DataLevel Level,
    bool ContainsPersonalInformation,
    long Individuals,
    long SensitiveIndividuals,
    Region Location,
    string? LocationCity,
    string Sector,
    IReadOnlyList<string> Categories);

/// <summary>
/// The licence a trade is sold under. <see cref="Territory"/> is a free code ("GBA", "HK", "MO", "CN", "GLOBAL", ...)
/// naming where the buyer may use and (if allowed) pass on the data.
/// </summary>
public sealed record LicenceTerms(bool OnwardTransferAllowed, string Territory)
{
    // Territory codes that lie wholly inside the Greater Bay Area (9 mainland cities + Hong Kong + Macao).
    private static readonly string[] TerritoriesInsideGba = ["GBA", "HK", "MO"];

    /// <summary>
    /// True when the recipient may not transfer the data onward outside the Greater Bay Area, which the GBA standard
    /// contract requires: either onward transfer is not allowed at all, or it is allowed only within territory
    /// "GBA", "HK" or "MO" (trimmed, case-insensitive). "CN" is not enough: most of the mainland is outside the GBA.
    /// </summary>
    public bool ForbidsOnwardTransferOutsideGba =>
        !OnwardTransferAllowed
        || TerritoriesInsideGba.Contains((Territory ?? string.Empty).Trim(), StringComparer.OrdinalIgnoreCase);
}

/// <summary>Mechanism that makes an export lawful. <see cref="None"/> and <see cref="Exempt"/> are outcomes, not approvals.</summary>
public enum ExportMechanism
{
    None,
    Exempt,
    SecurityAssessment,
    StandardContract,
    Certification,
    GbaStandardContract,
}

/// <summary>
/// A recorded export approval (security assessment pass, filed standard contract, certification, filed GBA contract).
/// It covers a trade when: issued to the exporter; counterpart region equals the importer's region; its scope names the
/// listing, or its categories include every one of the listing's (non-empty) categories; ValidFrom ≤ trade date ≤
/// ValidUntil; and it was not revoked on or before the trade date.
/// </summary>
public sealed record ExportApproval(
    Guid ApprovalId,
    Guid ExporterId,
    ExportMechanism Kind,
    string Reference,
    Region CounterpartRegion,
    IReadOnlyList<Guid> ListingIds,
    IReadOnlyList<string> DataCategories,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    DateOnly? RevokedOn);

/// <summary>
/// Exporter's cumulative PI volume already exported in accepted cross-border trades within the rule set's counting
/// window (see <see cref="RuleSet.VolumeWindowStart"/>; the calendar year of the trade date under the 2024 Provisions).
/// </summary>
public sealed record ExportVolume(long Individuals, long SensitiveIndividuals)
{
    public static ExportVolume Zero { get; } = new(0, 0);
}

/// <summary>Everything the engine decides on. The exporter is the vendor, the importer the buyer.</summary>
public sealed record ComplianceInput(
    DateOnly TradeDate,
    Party Exporter,
    Party Importer,
    DataDeclaration Data,
    LicenceTerms Licence,
    ExportVolume PriorVolumeThisYear,
    IReadOnlyList<ExportApproval> ExporterApprovals);
