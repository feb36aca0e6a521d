namespace DataExchange.Compliance;

/// <summary>From when an exporter's cumulative volume is counted.</summary>
public enum VolumeCountingWindow
{
    /// <summary>Since 1 January of the trade date's year (2024 Provisions).</summary>
    CurrentCalendarYear,
    /// <summary>Since 1 January of the previous year (2022 Measures art. 4).</summary>
    SinceStartOfPreviousYear,
}

/// <summary>When and between whom the GBA (Mainland–Hong Kong) standard contract may replace the PI export standard contract.</summary>
public sealed record GbaStandardContractTerms(
    DateOnly AvailableFrom,
    IReadOnlyList<Region> CounterpartRegions,
    IReadOnlyList<string> MainlandCities);

/// <summary>
/// A versioned, data-only rule set. Thresholds are inclusive lower bounds on cumulative counts (prior + this trade).
/// A PI export needs a security assessment from SecurityAssessment* and a contract/certification from Contract*;
/// with <see cref="SmallVolumePersonalInformationExempt"/> false, every PI export below the assessment thresholds
/// needs a contract or certification (no row 6).
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
    GbaStandardContractTerms? GbaStandardContract)
{
    /// <summary>First day from which the caller should sum the exporter's prior volume for a trade on <paramref name="tradeDate"/>.</summary>
    public DateOnly VolumeWindowStart(DateOnly tradeDate) => VolumeWindow switch
    {
        VolumeCountingWindow.SinceStartOfPreviousYear => new DateOnly(tradeDate.Year - 1, 1, 1),
        _ => new DateOnly(tradeDate.Year, 1, 1),
    };
}

/// <summary>The nine mainland cities of the Guangdong–Hong Kong–Macao Greater Bay Area.</summary>
public static class GreaterBayArea
{
    public static IReadOnlyList<string> MainlandCities { get; } =
        ["Guangzhou", "Shenzhen", "Zhuhai", "Foshan", "Huizhou", "Dongguan", "Zhongshan", "Jiangmen", "Zhaoqing"];

    /// <summary>Case-insensitive match on the English city name, surrounding blanks ignored.</summary>
    public static bool IsMainlandGbaCity(string? city) =>
        city is not null && MainlandCities.Contains(city.Trim(), StringComparer.OrdinalIgnoreCase);
}
