namespace DataExchange.Compliance;

/// <summary>Jurisdiction of a participant or of where data is located.</summary>
public enum Region
{
    MainlandChina,
    HongKong,
    Macao,
    Other,
}

/// <summary>
/// A participant as the engine needs it. City is the registered city (English name) for mainland parties.
/// <see cref="JurisdictionCode"/> is the canonical code (GB/T 2260 for the mainland, HK, MO, ISO 3166-1 alpha-2 abroad);
/// null in inputs recorded before codes existed. <see cref="FreeTradeZone"/> names the pilot free-trade zone the
/// participant is registered in, if any. CIIO status is the one in force on the trade date.
/// </summary>
public sealed record Party(
    Guid ParticipantId,
    Region Region,
    string? City,
    bool IsCriticalInformationInfrastructureOperator,
    string? JurisdictionCode = null,
    string? FreeTradeZone = null);

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
/// naming where the buyer may use and (if allowed) pass on the data; <see cref="Purpose"/> is the licensed purpose,
/// compared with an approval's purpose when the approval names one.
/// </summary>
public sealed record LicenceTerms(bool OnwardTransferAllowed, string Territory, string? Purpose = null)
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

/// <summary>
/// Mechanism that makes an export lawful. <see cref="None"/> and <see cref="Exempt"/> are outcomes, not approvals.
/// <see cref="GbaStandardContract"/> is either GBA contract (Mainland–Hong Kong or Mainland–Macao): the approval's
/// destination says which.
/// </summary>
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
/// A recorded export approval (security assessment pass, filed standard contract, certification, filed GBA contract)
/// and its scope (NDSM Regulations art. 38: a transfer stays within the approved purpose, scope and scale).
/// It covers a trade when: issued to the exporter; the importer is one of <see cref="RecipientIds"/> (when named);
/// the importer's jurisdiction is one of <see cref="DestinationCodes"/> (when named; otherwise its region equals
/// <see cref="CounterpartRegion"/>); its scope names the listing, or its categories include every one of the listing's
/// (non-empty) categories; the licence's purpose is <see cref="Purpose"/> (when named); ValidFrom ≤ trade date ≤
/// ValidUntil; it was not revoked on or before the trade date; and what was already exported under it
/// (<see cref="ExportedUnder"/>) plus this trade stays within <see cref="CoveredIndividuals"/> and
/// <see cref="CoveredSensitiveIndividuals"/> (when stated). Approvals recorded before scopes existed name none of
/// these and are judged as before.
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
    DateOnly? RevokedOn,
    IReadOnlyList<Guid>? RecipientIds = null,
    IReadOnlyList<string>? DestinationCodes = null,
    long? CoveredIndividuals = null,
    long? CoveredSensitiveIndividuals = null,
    string? Purpose = null,
    ExportVolume? ExportedUnder = null);

/// <summary>
/// Exporter's cumulative PI volume already exported in accepted cross-border trades within the rule set's counting
/// window (see <see cref="RuleSet.VolumeWindowStart"/>; the calendar year of the trade date under the 2024 Provisions).
/// </summary>
public sealed record ExportVolume(long Individuals, long SensitiveIndividuals)
{
    public static ExportVolume Zero { get; } = new(0, 0);
}

/// <summary>
/// Everything the engine decides on. The exporter is the vendor, the importer the buyer. <see cref="Claim"/> is an
/// exemption ground the filer invokes for this trade (contract necessity, HR management, emergency, statutory duty,
/// data collected abroad); the engine applies it only where the rule set in force provides it and its conditions hold.
/// </summary>
public sealed record ComplianceInput(
    DateOnly TradeDate,
    Party Exporter,
    Party Importer,
    DataDeclaration Data,
    LicenceTerms Licence,
    ExportVolume PriorVolumeThisYear,
    IReadOnlyList<ExportApproval> ExporterApprovals,
    ExemptionGround Claim = ExemptionGround.None);
