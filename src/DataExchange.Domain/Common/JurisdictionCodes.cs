using DataExchange.Compliance.Jurisdictions;

namespace DataExchange.Domain.Common;

/// <summary>
/// Places as codes. <see cref="Resolve"/> turns what a client sends (a code, or any spelling the jurisdiction catalogue
/// knows: 深圳, 深圳市, Shenzhen, 440300) into one canonical <see cref="Jurisdiction"/>; <see cref="Canonical"/> is the
/// upcaster for records written before codes existed, which carry only a region and a city name.
/// </summary>
public static class JurisdictionCodes
{
    private static JurisdictionCatalogue Catalogue => JurisdictionCatalogue.Default;

    /// <summary>The record with its code filled in where its region and city determine one; unchanged otherwise.</summary>
    public static Jurisdiction Canonical(this Jurisdiction j)
    {
        if (j.Code is not null) return j;
        var code = j.Region switch
        {
            Region.HongKong => "HK",
            Region.Macao => "MO",
            Region.MainlandChina when Catalogue.Resolve(j.City) is { IsResolved: true, Jurisdiction: { IsMainland: true } m } => m.Code,
            Region.Other when Catalogue.Resolve(j.City) is { IsResolved: true, Jurisdiction: { Kind: JurisdictionKind.Foreign or JurisdictionKind.Taiwan } f } => f.Code,
            _ => null,
        };
        return code is null ? j : j with { Code = code };
    }

    /// <summary>The catalogue's entry for a canonical code, for display (Chinese and English names).</summary>
    public static Compliance.Jurisdictions.Jurisdiction? Describe(string? code) => Catalogue.Find(code);

    /// <summary>
    /// Resolves a client's jurisdiction. <paramref name="code"/> wins over <paramref name="city"/>; region may be left
    /// unspecified when a code is given. Returns the canonical record, or the field at fault and why.
    /// </summary>
    public static (Jurisdiction? Value, string? Field, string? Problem) Resolve(Region? region, string? city, string? code, string? freeTradeZone)
    {
        city = string.IsNullOrWhiteSpace(city) ? null : city.Trim();
        code = string.IsNullOrWhiteSpace(code) ? null : code.Trim();
        Compliance.Jurisdictions.Jurisdiction? place = null;
        if (code is not null)
        {
            var r = Catalogue.Find(code) is { } exact ? new JurisdictionResolution(code, ResolutionOutcome.Resolved, exact, [exact], "") : Catalogue.Resolve(code);
            if (Problem(r) is { } problem) return (null, "code", problem);
            place = r.Jurisdiction!;
        }
        else if (region is Region.MainlandChina or null && city is not null)
        {
            var r = Catalogue.Resolve(city);
            if (Problem(r) is { } problem) return (null, "city", problem);
            place = r.Jurisdiction!;
        }

        var resolvedRegion = place?.Kind switch
        {
            JurisdictionKind.Mainland => Region.MainlandChina,
            JurisdictionKind.HongKong => Region.HongKong,
            JurisdictionKind.Macao => Region.Macao,
            JurisdictionKind.Foreign or JurisdictionKind.Taiwan => Region.Other,
            _ => region,
        };
        if (resolvedRegion is null) return (null, "region", "is required unless a code is given");
        if (region is not null && region != resolvedRegion)
            return (null, "code", $"names {place} in {resolvedRegion}, not {region}");
        if (place is { Kind: JurisdictionKind.Mainland, Level: JurisdictionLevel.Country })
            return (null, code is null ? "city" : "code", "names the whole mainland; give a province, city or GB/T 2260 division code");
        if (resolvedRegion == Region.MainlandChina && place is null)
            return (null, "city", "is required on the mainland (a name or GB/T 2260 code)");

        var result = resolvedRegion switch
        {
            Region.MainlandChina => new Jurisdiction(Region.MainlandChina, place!.EnglishName, place.Code),
            Region.HongKong => new Jurisdiction(Region.HongKong, city ?? "Hong Kong", "HK"),
            Region.Macao => new Jurisdiction(Region.Macao, city ?? "Macao", "MO"),
            _ => new Jurisdiction(Region.Other, city ?? place?.EnglishName, place?.Code),
        };
        if (result.Code is null && result.Region == Region.Other && city is not null)
            result = result.Canonical();

        if (freeTradeZone is { Length: > 0 } zone && !string.IsNullOrWhiteSpace(zone))
        {
            var named = Catalogue.FindRegion(zone);
            if (named is null || !named.RequiresDeclaration)
                return (null, "free_trade_zone", $"'{zone}' is not a pilot free-trade zone of the catalogue ({string.Join(", ", Catalogue.Regions.Where(x => x.RequiresDeclaration).Select(x => x.Id))})");
            if (result.Code is null || !Catalogue.RegionsOf(result.Code, DateOnly.MaxValue).Any(m => m.Region.Id == named.Id))
                return (null, "free_trade_zone", $"{named.Id} lies outside {result.Code ?? "this jurisdiction"}");
            result = result with { FreeTradeZone = named.Id };
        }

        return (result, null, null);
    }

    /// <summary>
    /// Resolves an approval's destination outside the mainland (HK, MO, or a country by ISO 3166-1 code or name) to its
    /// canonical code, or says why not.
    /// </summary>
    public static (string? Code, string? Problem) ResolveDestination(string? text)
    {
        var (place, _, problem) = Resolve(null, null, text, null);
        if (problem is not null) return (null, problem);
        if (place!.Region == Region.MainlandChina) return (null, $"'{text}' is on the mainland; a destination lies outside it");
        return place.Code is null ? (null, $"'{text}' is not a country code the catalogue knows") : (place.Code, null);
    }

    private static string? Problem(JurisdictionResolution r) => r.Outcome switch
    {
        ResolutionOutcome.Resolved => null,
        ResolutionOutcome.Ambiguous => $"'{r.Input}' is ambiguous: {string.Join("; ", r.Candidates.Take(8).Select(c => $"{c.Code} {c.ChineseName} {c.EnglishName}"))}; give the code",
        _ => $"'{r.Input}' is not a place the jurisdiction catalogue knows (GB/T 2260 division, HK, MO or ISO 3166-1 country)",
    };
}
