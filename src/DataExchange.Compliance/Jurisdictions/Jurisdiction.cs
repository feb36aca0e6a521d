namespace DataExchange.Compliance.Jurisdictions;

/// <summary>
/// Which legal space a place is in, as the cross-border rules see it. Hong Kong, Macao and Taiwan are outside the
/// mainland for data export (data leaving the mainland for them is an export), but none is a foreign country, so each
/// has a kind of its own rather than <see cref="Foreign"/>.
/// </summary>
public enum JurisdictionKind
{
    /// <summary>A mainland division (GB/T 2260 code), or the whole mainland (code CN).</summary>
    Mainland,
    HongKong,
    Macao,
    /// <summary>Taiwan (code TW; GB/T 2260 lists it as 710000): outside the mainland, not a foreign country.</summary>
    Taiwan,
    /// <summary>A country or territory with its own ISO 3166-1 code, other than CN, HK, MO and TW.</summary>
    Foreign,
}

/// <summary>How large a place is: a country, or a GB/T 2260 level.</summary>
public enum JurisdictionLevel
{
    /// <summary>An ISO 3166-1 country or territory, or CN for the whole mainland.</summary>
    Country,
    /// <summary>Province, autonomous region, municipality (北京, 上海, 天津, 重庆) or SAR; Taiwan as GB/T 2260 lists it.</summary>
    ProvinceLevel,
    /// <summary>Prefecture-level city, prefecture (地区), autonomous prefecture (自治州) or league (盟).</summary>
    PrefectureLevel,
    /// <summary>A county-level city or county that a province administers directly (仙桃, 济源, 五指山, 石河子).</summary>
    CountyLevel,
}

/// <summary>
/// A place a participant can be registered in or data can be located in.
/// <see cref="Code"/> is the one code to store: the GB/T 2260 code for a mainland division ("440300"), CN for the
/// whole mainland, and the ISO 3166-1 alpha-2 code otherwise ("HK", "MO", "TW", "SG").
/// <see cref="ProvinceCode"/> is the province-level division a mainland place is in (itself for a province-level
/// one; null for CN and outside the mainland). <see cref="DivisionCode"/> is the GB/T 2260 code where the standard has
/// one (810000 for Hong Kong), and <see cref="Alpha3"/> the ISO 3166-1 alpha-3 code where ISO has one.
/// </summary>
public sealed record Jurisdiction(
    string Code,
    JurisdictionKind Kind,
    JurisdictionLevel Level,
    string ChineseName,
    string ChineseShortName,
    string EnglishName,
    string? ProvinceCode,
    string? DivisionCode,
    string? Alpha3)
{
    /// <summary>True for mainland places: data located there and received outside the mainland is an export.</summary>
    public bool IsMainland => Kind == JurisdictionKind.Mainland;

    public override string ToString() => $"{EnglishName} ({ChineseName}, {Code})";
}
