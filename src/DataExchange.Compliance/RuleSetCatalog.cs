using System.Globalization;
using System.Text;

namespace DataExchange.Compliance;

/// <summary>
/// Versioned rule sets. <see cref="RuleSetFor"/> picks the latest rule set whose effective date is on or before the
/// trade date. Callers refuse a trade dated before the first one (<see cref="EarliestDate"/>) rather than judge it by a
/// law not yet in force; <see cref="RuleSetFor"/> itself falls back to the first so that it is total.
/// A version, once recorded on a trade, is never changed in meaning: a new reading of the law is a new version.
/// </summary>
public sealed class RuleSetCatalog
{
    private readonly RuleSet[] _ordered;

    public RuleSetCatalog(IEnumerable<RuleSet> ruleSets)
    {
        ArgumentNullException.ThrowIfNull(ruleSets);
        _ordered = [.. ruleSets.OrderBy(r => r.EffectiveFrom)];
        if (_ordered.Length == 0)
            throw new ArgumentException("A catalog needs at least one rule set.", nameof(ruleSets));
        if (_ordered.Select(r => r.Version).Distinct(StringComparer.Ordinal).Count() != _ordered.Length)
            throw new ArgumentException("Rule set versions must be unique.", nameof(ruleSets));
        if (_ordered.Select(r => r.EffectiveFrom).Distinct().Count() != _ordered.Length)
            throw new ArgumentException("Two rule sets cannot take effect on the same day.", nameof(ruleSets));
    }

    /// <summary>Rule sets ordered by effective date.</summary>
    public IReadOnlyList<RuleSet> Versions => _ordered;

    /// <summary>The first day any version decides.</summary>
    public DateOnly EarliestDate => _ordered[0].EffectiveFrom;

    public RuleSet RuleSetFor(DateOnly tradeDate)
    {
        var chosen = _ordered[0];
        foreach (var r in _ordered)
        {
            if (r.EffectiveFrom <= tradeDate) chosen = r;
            else break;
        }
        return chosen;
    }

    /// <summary>The rule set recorded on a trade, for audit replay; null if unknown.</summary>
    public RuleSet? Find(string version) =>
        Array.Find(_ordered, r => string.Equals(r.Version, version, StringComparison.Ordinal));

    /// <summary>Markdown table of the versions, for a README or an audit report.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("| Version | Effective from | Adds | SA: individuals / sensitive | Contract: individuals / sensitive | Small-volume PI exempt | Volume window | GBA standard contract | Claimable exemptions | Longest validity: SA / certification; extension growth |\n");
        sb.Append("|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in _ordered)
        {
            var gba = r.GbaStandardContracts.Count == 0 ? "—"
                : string.Join("; ", r.GbaStandardContracts.Select(g => string.Create(c, $"{g.Counterpart} from {g.AvailableFrom:yyyy-MM-dd}")));
            var pi = r.PersonalInformation == PersonalInformationRegime.CiioOnly;
            sb.Append(string.Create(c,
                $"| {r.Version} | {r.EffectiveFrom:yyyy-MM-dd} | {r.Instruments[^1]} | {(pi ? "CIIO only" : $"≥ {r.SecurityAssessmentIndividuals:N0} / ≥ {r.SecurityAssessmentSensitiveIndividuals:N0}")} | {(pi ? "—" : $"≥ {r.ContractIndividuals:N0} / ≥ {r.ContractSensitiveIndividuals:N0}")} | {(pi ? "—" : r.SmallVolumePersonalInformationExempt ? "yes" : "no")} | {(pi ? "—" : r.VolumeWindow.ToString())} | {gba} | {(r.ClaimableExemptions.Count == 0 ? "—" : string.Join(", ", r.ClaimableExemptions))} | {Years(r.Approvals.SecurityAssessmentValidityYears)} / {Years(r.Approvals.CertificationValidityYears)}; {(r.Approvals.ExtensionMaxGrowthPercent is { } g ? $"≤ {g} %" : "—")} |\n"));
        }
        return sb.ToString();
    }

    private static string Years(int? years) => years is { } y ? $"{y} years" : "—";

    // Short names used in citations.
    private const string Csl = "CSL art. 37";
    private const string Provisions = "Provisions 2024";

    private static readonly GbaStandardContractTerms GbaMainlandHongKong = new(
        AvailableFrom: new DateOnly(2023, 12, 13),
        Counterpart: Region.HongKong,
        RegionId: "GBA",
        Citation: "GBA (Mainland, Hong Kong) Standard Contract Guideline 2023 arts. 2-3, 5");

    private static readonly GbaStandardContractTerms GbaMainlandMacao = new(
        AvailableFrom: new DateOnly(2024, 9, 10),
        Counterpart: Region.Macao,
        RegionId: "GBA",
        Citation: "GBA (Mainland, Macao) Standard Contract Guideline 2024 arts. 2-3, 5");

    private static Dictionary<string, string> Cite(params (string RuleId, string Citation)[] pairs) =>
        pairs.ToDictionary(p => p.RuleId, p => p.Citation, StringComparer.Ordinal);

    /// <summary>
    /// CN-2017.06 — Cybersecurity Law (2017-06-01) art. 37: a CIIO stores PI and important data collected in the
    /// mainland there, and exports them only after a security assessment. No gate for anyone else; no core-data
    /// category yet (a listing declared core is sent to manual review, OQ-1).
    /// </summary>
    public static RuleSet Cn2017_06 { get; } = new(
        Version: "CN-2017.06",
        EffectiveFrom: new DateOnly(2017, 6, 1),
        Basis: "Cybersecurity Law art. 37: CIIOs localise PI and important data; export after a security assessment",
        SecurityAssessmentIndividuals: long.MaxValue,
        SecurityAssessmentSensitiveIndividuals: long.MaxValue,
        ContractIndividuals: long.MaxValue,
        ContractSensitiveIndividuals: long.MaxValue,
        SmallVolumePersonalInformationExempt: true,
        VolumeWindow: VolumeCountingWindow.CurrentCalendarYear,
        GbaStandardContracts: [],
        PersonalInformation: PersonalInformationRegime.CiioOnly,
        ImportantData: ImportantDataRegime.CiioOnly,
        CoreDataDefined: false,
        ClaimableExemptions: [],
        FreeTradeZoneNegativeLists: false,
        Approvals: new ApprovalLimits(null, null, null, Csl),
        Instruments: ["Cybersecurity Law (2017-06-01)"],
        Citations: Cite(
            (RuleIds.Scope, "CSL art. 37 (data collected and generated in operations within the mainland)"),
            (RuleIds.CoreData, "no core-data category before DSL (open question OQ-1)"),
            (RuleIds.ImportantData, Csl),
            (RuleIds.CriticalInfrastructure, Csl),
            (RuleIds.SecurityAssessmentApproval, Csl),
            (RuleIds.NoExportGate, "CSL art. 37 (binds CIIOs only)")));

    /// <summary>
    /// CN-2021.09 — Data Security Law (2021-09-01) arts. 21, 31: core data under the strictest management (treated as
    /// not exportable, OQ-4); a CIIO's important data stays under CSL art. 37; a non-CIIO's important data is sent to
    /// CAC measures not yet issued (manual review unless an assessment covers it, OQ-2). PI: still CIIOs only.
    /// </summary>
    public static RuleSet Cn2021_09 { get; } = Cn2017_06 with
    {
        Version = "CN-2021.09",
        EffectiveFrom = new DateOnly(2021, 9, 1),
        Basis = "CN-2017.06 + Data Security Law arts. 21, 31: core data; important data of non-CIIOs awaiting CAC measures",
        ImportantData = ImportantDataRegime.AwaitingMeasures,
        CoreDataDefined = true,
        Instruments = ["Cybersecurity Law (2017-06-01)", "Data Security Law (2021-09-01)"],
        Approvals = new ApprovalLimits(null, null, null, "CSL art. 37; DSL art. 31"),
        Citations = Cite(
            (RuleIds.Scope, "CSL art. 37; DSL art. 31"),
            (RuleIds.CoreData, "DSL art. 21 (open question OQ-4)"),
            (RuleIds.ImportantData, "DSL art. 31 (open question OQ-2 for non-CIIOs)"),
            (RuleIds.CriticalInfrastructure, Csl),
            (RuleIds.SecurityAssessmentApproval, "CSL art. 37; DSL art. 31"),
            (RuleIds.NoExportGate, "CSL art. 37 (binds CIIOs only); PIPL not yet in force")),
    };

    private static readonly Dictionary<string, string> PiplCitations = Cite(
        (RuleIds.Scope, "PIPL art. 38; DSL art. 31"),
        (RuleIds.Declaration, "PIPL art. 38"),
        (RuleIds.CoreData, "DSL art. 21 (open question OQ-4)"),
        (RuleIds.ImportantData, "DSL art. 31; exchange policy pending CAC measures"),
        (RuleIds.CriticalInfrastructure, "PIPL art. 40; CSL art. 37"),
        (RuleIds.SecurityAssessmentVolume, "PIPL art. 40; draft CAC assessment thresholds as exchange policy"),
        (RuleIds.SecurityAssessmentApproval, "PIPL art. 38(1), 40"),
        (RuleIds.ContractBand, "PIPL art. 38(2)-(3)"),
        (RuleIds.ContractApproval, "PIPL art. 38(2)-(3)"),
        (RuleIds.NonPersonalDataExempt, "PIPL art. 38 (no personal information); DSL art. 31 (no important data)"));

    /// <summary>
    /// CN-2021.11 — PIPL in force (2021-11-01), art. 38–40. The CAC's security-assessment measures were then only a
    /// draft (Oct 2021); the exchange applied their thresholds as its own policy, so this version is modelled with the
    /// same thresholds as CN-2022.09. Needed because seeded trades start in December 2021.
    /// </summary>
    public static RuleSet Cn2021_11 { get; } = new(
        Version: "CN-2021.11",
        EffectiveFrom: new DateOnly(2021, 11, 1),
        Basis: "PIPL art. 38-40 in force; draft CAC assessment thresholds applied as exchange policy",
        SecurityAssessmentIndividuals: 100_000,
        SecurityAssessmentSensitiveIndividuals: 10_000,
        ContractIndividuals: 1,
        ContractSensitiveIndividuals: 1,
        SmallVolumePersonalInformationExempt: false,
        VolumeWindow: VolumeCountingWindow.SinceStartOfPreviousYear,
        GbaStandardContracts: [],
        PersonalInformation: PersonalInformationRegime.Pipl,
        ImportantData: ImportantDataRegime.SecurityAssessment,
        CoreDataDefined: true,
        ClaimableExemptions: [],
        FreeTradeZoneNegativeLists: false,
        Approvals: new ApprovalLimits(null, null, null, "PIPL art. 38"),
        Instruments: ["Cybersecurity Law (2017-06-01)", "Data Security Law (2021-09-01)", "PIPL (2021-11-01)"],
        Citations: PiplCitations);

    private static readonly Dictionary<string, string> AssessmentMeasuresCitations = Cite(
        (RuleIds.Scope, "SA Measures 2022 art. 2; PIPL art. 38"),
        (RuleIds.Declaration, "SA Measures 2022 art. 4"),
        (RuleIds.CoreData, "DSL art. 21 (open question OQ-4)"),
        (RuleIds.ImportantData, "SA Measures 2022 art. 4(1)"),
        (RuleIds.CriticalInfrastructure, "SA Measures 2022 art. 4(2)"),
        (RuleIds.SecurityAssessmentVolume, "SA Measures 2022 art. 4(3)"),
        (RuleIds.SecurityAssessmentApproval, "SA Measures 2022 arts. 4, 14"),
        (RuleIds.ContractBand, "PIPL art. 38(2)-(3)"),
        (RuleIds.ContractApproval, "PIPL art. 38(2)-(3)"),
        (RuleIds.NonPersonalDataExempt, "SA Measures 2022 art. 4 (no trigger); PIPL art. 38 (no personal information)"));

    /// <summary>
    /// CN-2022.09 — CAC Measures for Security Assessment of Outbound Data Transfers (2022-09-01) with PIPL art. 38.
    /// Assessment for important data, CIIO exporting PI, or cumulative exports since 1 January of the previous year of
    /// ≥ 100,000 individuals' PI or ≥ 10,000 sensitive; every other PI export needs a standard contract or
    /// certification (no small-volume exemption); an assessment is valid 2 years (art. 14). Simplification: the
    /// Measures also caught any processor *handling* PI of ≥ 1,000,000 people; the exchange has no processed-volume
    /// input, so only exported volumes are tested (an export of ≥ 1,000,000 is caught by the 100,000 threshold anyway).
    /// Transfers already running had until 2023-03-01 (art. 20); a trade is a new transfer, so no grace applies.
    /// The CAC standard-contract template only applied from 2023-06-01; before that the exchange accepted contracts and
    /// certifications as its policy.
    /// </summary>
    public static RuleSet Cn2022_09 { get; } = Cn2021_11 with
    {
        Version = "CN-2022.09",
        EffectiveFrom = new DateOnly(2022, 9, 1),
        Basis = "CAC Security Assessment Measures (2022) + PIPL art. 38",
        Approvals = new ApprovalLimits(2, null, null, "SA Measures 2022 art. 14"),
        Instruments = [.. Cn2021_11.Instruments, "SA Measures (2022-09-01)"],
        Citations = AssessmentMeasuresCitations,
    };

    /// <summary>
    /// CN-2023.06 — Measures on the Standard Contract for Outbound Transfer of Personal Information (2023-06-01): below
    /// the assessment thresholds, the CAC standard contract filed with the provincial CAC within 10 working days (art. 7),
    /// or a certification. Same thresholds as CN-2022.09; the 10-working-day filing deadline is not checked (the
    /// approval record is the filing).
    /// </summary>
    public static RuleSet Cn2023_06 { get; } = Cn2022_09 with
    {
        Version = "CN-2023.06",
        EffectiveFrom = new DateOnly(2023, 6, 1),
        Basis = "CN-2022.09 + Standard Contract Measures (2023): filed CAC standard contract below the assessment thresholds",
        Instruments = [.. Cn2022_09.Instruments, "Standard Contract Measures (2023-06-01)"],
        Citations = new Dictionary<string, string>(AssessmentMeasuresCitations, StringComparer.Ordinal)
        {
            [RuleIds.ContractBand] = "SC Measures 2023 art. 4; PIPL art. 38(2)-(3)",
            [RuleIds.ContractApproval] = "SC Measures 2023 arts. 4, 7; PIPL art. 38(2)-(3)",
        },
    };

    /// <summary>
    /// CN-2023.12 — CN-2023.06 plus the GBA (Mainland, Hong Kong) standard contract (guideline signed 2023-12-10,
    /// effective 2023-12-13): parties registered in the 9 mainland GBA cities and Hong Kong, no important data, no
    /// onward transfer outside the GBA; the volume thresholds do not apply to it.
    /// </summary>
    public static RuleSet Cn2023_12 { get; } = Cn2023_06 with
    {
        Version = "CN-2023.12",
        EffectiveFrom = new DateOnly(2023, 12, 13),
        Basis = "CN-2023.06 + GBA (Mainland, Hong Kong) standard contract guideline (effective 2023-12-13)",
        GbaStandardContracts = [GbaMainlandHongKong],
        Instruments = [.. Cn2023_06.Instruments, "GBA (Mainland, Hong Kong) Standard Contract Guideline (2023-12-13)"],
        Citations = new Dictionary<string, string>(Cn2023_06.Citations, StringComparer.Ordinal)
        {
            [RuleIds.GbaStandardContract] = GbaMainlandHongKong.Citation,
        },
    };

    private static readonly Dictionary<string, string> ProvisionsCitations = Cite(
        (RuleIds.Scope, $"{Provisions} art. 1; PIPL art. 38"),
        (RuleIds.Declaration, $"{Provisions} arts. 5, 7, 8"),
        (RuleIds.CoreData, "DSL art. 21 (open question OQ-4)"),
        (RuleIds.ImportantData, $"{Provisions} arts. 2, 7(2)"),
        (RuleIds.CriticalInfrastructure, $"{Provisions} art. 7(1)"),
        (RuleIds.SecurityAssessmentVolume, $"{Provisions} art. 7(2)"),
        (RuleIds.SecurityAssessmentApproval, $"{Provisions} arts. 7, 9"),
        (RuleIds.ContractBand, $"{Provisions} art. 8"),
        (RuleIds.ContractApproval, $"{Provisions} art. 8; SC Measures 2023 art. 7"),
        (RuleIds.GbaStandardContract, GbaMainlandHongKong.Citation),
        (RuleIds.SmallVolumeExempt, $"{Provisions} art. 5(4)"),
        (RuleIds.NonPersonalDataExempt, $"{Provisions} art. 3"),
        (RuleIds.ClaimedExemption, $"{Provisions} arts. 4, 5(1)-(3)"),
        (RuleIds.FreeTradeZoneNegativeList, $"{Provisions} art. 6"));

    /// <summary>
    /// CN-2024.03 — CAC Provisions on Promoting and Regulating Cross-Border Data Flows (2024-03-22): assessment from
    /// 1,000,000 individuals or 10,000 sensitive, important data, or any CIIO export of PI (art. 7); contract or
    /// certification from 100,000 individuals or 1 sensitive (art. 8); below that exempt (art. 5(4)); no PI and no
    /// important data exempt (art. 3); exemptions the filer claims: data collected abroad (art. 4), contract necessity,
    /// HR management, emergencies (art. 5(1)-(3)); free-trade-zone negative lists (art. 6); counted since 1 January of
    /// the current year; an assessment is valid 3 years (art. 9).
    /// </summary>
    public static RuleSet Cn2024_03 { get; } = new(
        Version: "CN-2024.03",
        EffectiveFrom: new DateOnly(2024, 3, 22),
        Basis: "CAC Provisions on Promoting and Regulating Cross-Border Data Flows (2024) + GBA guideline",
        SecurityAssessmentIndividuals: 1_000_000,
        SecurityAssessmentSensitiveIndividuals: 10_000,
        ContractIndividuals: 100_000,
        ContractSensitiveIndividuals: 1,
        SmallVolumePersonalInformationExempt: true,
        VolumeWindow: VolumeCountingWindow.CurrentCalendarYear,
        GbaStandardContracts: [GbaMainlandHongKong],
        PersonalInformation: PersonalInformationRegime.Pipl,
        ImportantData: ImportantDataRegime.SecurityAssessment,
        CoreDataDefined: true,
        ClaimableExemptions: [ExemptionGround.CollectedAbroad, ExemptionGround.ContractNecessity, ExemptionGround.HumanResourcesManagement, ExemptionGround.Emergency],
        FreeTradeZoneNegativeLists: true,
        Approvals: new ApprovalLimits(3, null, null, $"{Provisions} art. 9"),
        Instruments: [.. Cn2023_12.Instruments, "Provisions on Cross-Border Data Flows (2024-03-22)"],
        Citations: ProvisionsCitations);

    /// <summary>CN-2024.09 — CN-2024.03 plus the GBA (Mainland, Macao) standard contract (2024-09-10).</summary>
    public static RuleSet Cn2024_09 { get; } = Cn2024_03 with
    {
        Version = "CN-2024.09",
        EffectiveFrom = new DateOnly(2024, 9, 10),
        Basis = "CN-2024.03 + GBA (Mainland, Macao) standard contract guideline (2024-09-10)",
        GbaStandardContracts = [GbaMainlandHongKong, GbaMainlandMacao],
        Instruments = [.. Cn2024_03.Instruments, "GBA (Mainland, Macao) Standard Contract Guideline (2024-09-10)"],
        Citations = new Dictionary<string, string>(ProvisionsCitations, StringComparer.Ordinal)
        {
            [RuleIds.GbaStandardContract] = $"{GbaMainlandHongKong.Citation}; {GbaMainlandMacao.Citation}",
        },
    };

    private const string Ndsm = "NDSM Regs 2025";

    /// <summary>
    /// CN-2025.01 — Network Data Security Management Regulations (2025-01-01) arts. 35–38: a statutory duty or
    /// obligation is a further ground (art. 35(6)); only data notified or published as important is important (art. 37;
    /// the engine's "important" level means exactly that); a transfer stays within the approved purpose, scope and scale
    /// (art. 38, checked on every approval's scope).
    /// </summary>
    public static RuleSet Cn2025_01 { get; } = Cn2024_09 with
    {
        Version = "CN-2025.01",
        EffectiveFrom = new DateOnly(2025, 1, 1),
        Basis = "CN-2024.09 + Network Data Security Management Regulations arts. 35-38",
        ClaimableExemptions = [.. Cn2024_09.ClaimableExemptions, ExemptionGround.StatutoryDuty],
        Instruments = [.. Cn2024_09.Instruments, "Network Data Security Management Regulations (2025-01-01)"],
        Citations = new Dictionary<string, string>(Cn2024_09.Citations, StringComparer.Ordinal)
        {
            [RuleIds.ImportantData] = $"{Ndsm} art. 37; {Provisions} arts. 2, 7(2)",
            [RuleIds.SecurityAssessmentApproval] = $"{Ndsm} arts. 35(1), 38; {Provisions} arts. 7, 9",
            [RuleIds.ContractApproval] = $"{Ndsm} arts. 35(2)-(3), 38; {Provisions} art. 8",
            [RuleIds.ClaimedExemption] = $"{Provisions} arts. 4, 5(1)-(3); {Ndsm} art. 35(4)-(7)",
        },
    };

    /// <summary>
    /// CN-2025.06 — the CAC's security assessment application guide, 3rd edition (2025-06-27): an assessment is extended
    /// only for the same purpose, scope and parties, with growth of at most 20 %. Trade decisions are unchanged; the
    /// limit applies when an extension is recorded.
    /// </summary>
    public static RuleSet Cn2025_06 { get; } = Cn2025_01 with
    {
        Version = "CN-2025.06",
        EffectiveFrom = new DateOnly(2025, 6, 27),
        Basis = "CN-2025.01 + CAC security assessment application guide (3rd ed.): extensions capped at 20 % growth",
        Approvals = new ApprovalLimits(3, null, 20, $"{Provisions} art. 9; SA Guide 2025 (3rd ed.)"),
        Instruments = [.. Cn2025_01.Instruments, "SA application guide, 3rd ed. (2025-06-27)"],
    };

    /// <summary>
    /// CN-2026.01 — Measures for Personal Information Outbound Certification (CAC and SAMR, 2026-01-01): certification as
    /// its own mechanism for the standard-contract band, certificates valid 3 years.
    /// </summary>
    public static RuleSet Cn2026_01 { get; } = Cn2025_06 with
    {
        Version = "CN-2026.01",
        EffectiveFrom = new DateOnly(2026, 1, 1),
        Basis = "CN-2025.06 + PI Outbound Certification Measures (2026): certification for the contract band, 3 years",
        Approvals = new ApprovalLimits(3, 3, 20, $"{Provisions} art. 9; SA Guide 2025 (3rd ed.); Certification Measures 2026"),
        Instruments = [.. Cn2025_06.Instruments, "PI Outbound Certification Measures (2026-01-01)"],
        Citations = new Dictionary<string, string>(Cn2025_06.Citations, StringComparer.Ordinal)
        {
            [RuleIds.ContractBand] = $"{Provisions} art. 8; Certification Measures 2026",
            [RuleIds.ContractApproval] = $"{Ndsm} arts. 35(2)-(3), 38; {Provisions} art. 8; Certification Measures 2026",
        },
    };

    /// <summary>Every encoded instrument, 2017–2026, in order.</summary>
    public static RuleSetCatalog Default { get; } = new(
        [Cn2017_06, Cn2021_09, Cn2021_11, Cn2022_09, Cn2023_06, Cn2023_12, Cn2024_03, Cn2024_09, Cn2025_01, Cn2025_06, Cn2026_01]);
}
