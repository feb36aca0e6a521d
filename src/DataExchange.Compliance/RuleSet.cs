namespace DataExchange.Compliance;

/// <summary>From when an exporter's cumulative volume is counted.</summary>
public enum VolumeCountingWindow
{
    /// <summary>Since 1 January of the trade date's year (2024 Provisions).</summary>
    CurrentCalendarYear,
    /// <summary>Since 1 January of the previous year (2022 Measures art. 4).</summary>
    SinceStartOfPreviousYear,
}

/// <summary>Which exports of personal information (PI) need a mechanism at all.</summary>
public enum PersonalInformationRegime
{
    /// <summary>Cybersecurity Law art. 37 alone: only a CIIO's export of PI needs a security assessment.</summary>
    CiioOnly,
    /// <summary>PIPL arts. 38–40: every PI export needs an assessment, a standard contract or a certification, save the exemptions in force.</summary>
    Pipl,
}

/// <summary>What an export of important data (重要数据) by a non-CIIO needs.</summary>
public enum ImportantDataRegime
{
    /// <summary>Only CIIOs are gated (Cybersecurity Law art. 37); others' important data has no export procedure.</summary>
    CiioOnly,
    /// <summary>
    /// Data Security Law art. 31 refers non-CIIOs to measures the CAC had not yet issued: no procedure exists, so the
    /// engine asks for manual review unless a security assessment covers the trade anyway.
    /// </summary>
    AwaitingMeasures,
    /// <summary>A security assessment is required (exchange policy from PIPL, then 2022 Measures art. 4(1), 2024 Provisions art. 7).</summary>
    SecurityAssessment,
}

/// <summary>
/// A ground that exempts an export from every mechanism. The first four are claimed by the filer; the others the engine
/// derives from the declaration and the volumes.
/// </summary>
public enum ExemptionGround
{
    None,
    /// <summary>Provisions 2024 art. 5(1): necessary to conclude or perform a contract to which the individual is a party.</summary>
    ContractNecessity,
    /// <summary>Provisions 2024 art. 5(2): cross-border human-resources management under lawful rules and collective contracts.</summary>
    HumanResourcesManagement,
    /// <summary>Provisions 2024 art. 5(3): an emergency, to protect a natural person's life, health or property.</summary>
    Emergency,
    /// <summary>NDSM Regulations 2025 art. 35(6): necessary to perform a statutory duty or obligation.</summary>
    StatutoryDuty,
    /// <summary>Provisions 2024 art. 4: PI collected abroad, processed here and sent back with no domestic PI or important data added.</summary>
    CollectedAbroad,
    /// <summary>Provisions 2024 art. 5(4): a non-CIIO below 100,000 individuals' non-sensitive PI since 1 January.</summary>
    SmallVolume,
    /// <summary>Provisions 2024 art. 3: neither PI nor important data.</summary>
    NoPersonalOrImportantData,
    /// <summary>Provisions 2024 art. 6: an exporter registered in a pilot free-trade zone exporting data off the zone's negative list.</summary>
    FreeTradeZoneNegativeList,
    /// <summary>Before PIPL: only CIIOs were gated (Cybersecurity Law art. 37), so nothing applied to this export.</summary>
    NoExportGateInForce,
}

/// <summary>
/// When and between whom a Greater Bay Area standard contract may replace the PI export standard contract: a party
/// registered in a mainland member of region <see cref="RegionId"/> of the jurisdiction catalogue (dated data, not
/// code) exporting to <see cref="Counterpart"/>.
/// </summary>
public sealed record GbaStandardContractTerms(
    DateOnly AvailableFrom,
    Region Counterpart,
    string RegionId,
    string Citation);

/// <summary>
/// Limits on an approval recorded under this rule set: longest validity per mechanism (null: no statutory limit) and
/// the growth an extension of a security assessment may carry (null: no statutory cap).
/// </summary>
public sealed record ApprovalLimits(
    int? SecurityAssessmentValidityYears,
    int? CertificationValidityYears,
    int? ExtensionMaxGrowthPercent,
    string Citation);

/// <summary>
/// A versioned, data-only rule set. Thresholds are inclusive lower bounds on cumulative counts (prior + this trade).
/// A PI export needs a security assessment from SecurityAssessment* and a contract/certification from Contract*;
/// with <see cref="SmallVolumePersonalInformationExempt"/> false, every PI export below the assessment thresholds
/// needs a contract or certification. <see cref="Citations"/> maps each rule id to the articles it applies under this
/// version: the one source the decisions, <c>dx rules show</c> and the README quote.
/// </summary>
public sealed record RuleSet(
    string Version,
    DateOnly EffectiveFrom,
    string Basis,
    long SecurityAssessmentIndividuals,
    long SecurityAssessmentSensitiveIndividuals,
    long ContractIndividuals,
    long ContractSensitiveIndividuals,
    bool SmallVolumePersonalInformationExempt,
    VolumeCountingWindow VolumeWindow,
    IReadOnlyList<GbaStandardContractTerms> GbaStandardContracts,
    PersonalInformationRegime PersonalInformation,
    ImportantDataRegime ImportantData,
    bool CoreDataDefined,
    IReadOnlyList<ExemptionGround> ClaimableExemptions,
    bool FreeTradeZoneNegativeLists,
    ApprovalLimits Approvals,
    IReadOnlyList<string> Instruments,
    IReadOnlyDictionary<string, string> Citations)
{
    /// <summary>First day from which the caller should sum the exporter's prior volume for a trade on <paramref name="tradeDate"/>.</summary>
    public DateOnly VolumeWindowStart(DateOnly tradeDate) => VolumeWindow switch
    {
        VolumeCountingWindow.SinceStartOfPreviousYear => new DateOnly(tradeDate.Year - 1, 1, 1),
        _ => new DateOnly(tradeDate.Year, 1, 1),
    };

    /// <summary>The articles rule <paramref name="ruleId"/> applies under this version; empty when it does not apply.</summary>
    public string CitationFor(string ruleId) => Citations.TryGetValue(ruleId, out var c) ? c : "";

    /// <summary>The GBA contract terms for exports to <paramref name="counterpart"/>, if this version has them.</summary>
    public GbaStandardContractTerms? GbaTermsFor(Region counterpart) =>
        GbaStandardContracts.FirstOrDefault(t => t.Counterpart == counterpart);
}

/// <summary>The nine mainland cities of the Guangdong–Hong Kong–Macao Greater Bay Area, as the jurisdiction catalogue lists them.</summary>
public static class GreaterBayArea
{
    private static readonly DateOnly Today = new(2026, 1, 1);

    /// <summary>English names of the region's mainland members (the catalogue's "GBA" region, in force on 2026-01-01).</summary>
    public static IReadOnlyList<string> MainlandCities { get; } =
    [
        .. Jurisdictions.JurisdictionCatalogue.Default.FindRegion("GBA")!.Members
            .Where(m => m.InForceOn(Today))
            .Select(m => Jurisdictions.JurisdictionCatalogue.Default.Find(m.Code)!)
            .Where(j => j.IsMainland)
            .Select(j => j.EnglishName),
    ];

    /// <summary>Whether <paramref name="city"/> (any spelling or code the catalogue resolves) is a mainland GBA city on <paramref name="date"/>.</summary>
    public static bool IsMainlandGbaCity(string? city, DateOnly? date = null) =>
        Jurisdictions.JurisdictionCatalogue.Default.Resolve(city) is { IsResolved: true } r
        && r.Jurisdiction!.IsMainland
        && Jurisdictions.JurisdictionCatalogue.Default.IsMember("GBA", r.Jurisdiction.Code, date ?? Today);
}
