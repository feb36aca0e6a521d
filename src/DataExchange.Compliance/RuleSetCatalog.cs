using System.Globalization;
using System.Text;

namespace DataExchange.Compliance;

/// <summary>
/// Versioned rule sets. <see cref="RuleSetFor"/> picks the latest rule set whose effective date is on or before the
/// trade date; a trade dated before the first rule set is judged by the first one (the exchange applied PIPL-era
/// policy from its start, and refusing to decide would leave a trade stuck without an answer).
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
        sb.Append("| Version | Effective from | SA: individuals / sensitive | Contract: individuals / sensitive | Small-volume PI exempt | Volume window | GBA standard contract | Basis |\n");
        sb.Append("|---|---|---|---|---|---|---|---|\n");
        foreach (var r in _ordered)
        {
            var gba = r.GbaStandardContract is { } g
                ? string.Create(c, $"from {g.AvailableFrom:yyyy-MM-dd}, mainland GBA city ↔ {string.Join("/", g.CounterpartRegions)}")
                : "not available";
            sb.Append(string.Create(c,
                $"| {r.Version} | {r.EffectiveFrom:yyyy-MM-dd} | ≥ {r.SecurityAssessmentIndividuals:N0} / ≥ {r.SecurityAssessmentSensitiveIndividuals:N0} | ≥ {r.ContractIndividuals:N0} / ≥ {r.ContractSensitiveIndividuals:N0} | {(r.SmallVolumePersonalInformationExempt ? "yes" : "no")} | {r.VolumeWindow} | {gba} | {r.Basis} |\n"));
        }
        return sb.ToString();
    }

    // Shared by every version: rows 1–3 (core prohibited; important data and CIIO+PI need an assessment) are in the engine.
    private static readonly GbaStandardContractTerms GbaMainlandHongKong = new(
        AvailableFrom: new DateOnly(2023, 12, 10),
        CounterpartRegions: [Region.HongKong],
        MainlandCities: GreaterBayArea.MainlandCities);

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
        GbaStandardContract: null);

    /// <summary>
    /// CN-2022.09 — CAC Measures for Security Assessment of Outbound Data Transfers (2022-09-01) with PIPL art. 38.
    /// Assessment for important data, CIIO exporting PI, or cumulative exports since 1 January of the previous year of
    /// ≥ 100,000 individuals' PI or ≥ 10,000 sensitive; every other PI export needs a standard contract or
    /// certification (no small-volume exemption). Simplification: the Measures also caught any processor *handling*
    /// PI of ≥ 1,000,000 people; the exchange has no processed-volume input, so only exported volumes are tested
    /// (an export of ≥ 1,000,000 is caught by the 100,000 threshold anyway). The CAC standard-contract template only
    /// applied from 2023-06-01; before that the exchange accepted contracts and certifications as its policy.
    /// </summary>
    public static RuleSet Cn2022_09 { get; } = Cn2021_11 with
    {
        Version = "CN-2022.09",
        EffectiveFrom = new DateOnly(2022, 9, 1),
        Basis = "CAC Security Assessment Measures (2022) + PIPL art. 38",
    };

    /// <summary>
    /// CN-2023.12 — CN-2022.09 plus the GBA (Mainland–Hong Kong) standard contract, effective with its implementing
    /// guideline of 2023-12-10: parties registered in the 9 mainland GBA cities and Hong Kong, no important data, no
    /// onward transfer outside the GBA. The reported 2024-11-01 opening "to all sectors" is not modelled as a sector
    /// restriction: the mainland-side guideline we have (Clyde &amp; Co summary) names none.
    /// </summary>
    public static RuleSet Cn2023_12 { get; } = Cn2022_09 with
    {
        Version = "CN-2023.12",
        EffectiveFrom = new DateOnly(2023, 12, 10),
        Basis = "CN-2022.09 + GBA (Mainland-HK) standard contract guideline of 2023-12-10",
        GbaStandardContract = GbaMainlandHongKong,
    };

    /// <summary>
    /// CN-2024.03 — CAC Provisions on Promoting and Regulating Cross-Border Data Flows (2024-03-22), the domain guide's
    /// table rows 1–8: assessment from 1,000,000 individuals or 10,000 sensitive; contract/certification from 100,000
    /// individuals or 1 sensitive; below that exempt (row 6); non-PI non-important data exempt (row 7); counted since
    /// 1 January of the current year. GBA contract for mainland GBA city ↔ Hong Kong only: the Mainland–Macao
    /// arrangement (reported 2024-09-10) is not modelled. Other 2024 exemptions (contract necessity, HR, emergencies,
    /// free-trade-zone negative lists) are not modelled.
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
        GbaStandardContract: GbaMainlandHongKong);

    /// <summary>The exchange's catalog: CN-2021.11, CN-2022.09, CN-2023.12, CN-2024.03.</summary>
    public static RuleSetCatalog Default { get; } = new([Cn2021_11, Cn2022_09, Cn2023_12, Cn2024_03]);
}
