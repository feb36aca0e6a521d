using System.Collections.ObjectModel;

namespace DataExchange.Compliance.Jurisdictions;

/// <summary>
/// Resolves place names to jurisdictions and answers which named regions a jurisdiction is in on a date.
/// <see cref="Default"/> is built from the data compiled into this assembly (Jurisdictions/data: GB/T 2260 mainland
/// divisions, ISO 3166-1 countries, hand-kept aliases and regions); nothing is read from disk or the network.
/// Immutable and safe to share between threads.
/// </summary>
public sealed class JurisdictionCatalogue
{
    // English words that may follow a place name ("Shenzhen City", "Jilin Province"), each with the places it can
    // name: it keeps the place and, like the Chinese suffix it stands for, tells a province from its namesake city.
    private static readonly (string Word, Func<Jurisdiction, bool> Fits)[] EnglishDesignators =
    [
        ("city", IsCity), ("shi", IsCity),
        ("province", j => j.Level == JurisdictionLevel.ProvinceLevel), ("sheng", j => j.Level == JurisdictionLevel.ProvinceLevel),
        ("municipality", j => j.Level == JurisdictionLevel.ProvinceLevel && IsCity(j)),
        ("prefecture", j => j.Level == JurisdictionLevel.PrefectureLevel),
        ("league", j => j.ChineseName.EndsWith('盟')),
    ];

    private readonly ReadOnlyCollection<Jurisdiction> _all;
    private readonly Dictionary<string, Jurisdiction> _byCode;
    private readonly Dictionary<string, Jurisdiction[]> _byName;
    private readonly (string Key, Jurisdiction Container)[] _chinesePrefixes;
    private readonly ReadOnlyCollection<NamedRegion> _regions;

    private JurisdictionCatalogue(
        Jurisdiction[] all,
        Dictionary<string, Jurisdiction> byCode,
        Dictionary<string, Jurisdiction[]> byName,
        (string Key, Jurisdiction Container)[] chinesePrefixes,
        NamedRegion[] regions)
    {
        _all = Array.AsReadOnly(all);
        _byCode = byCode;
        _byName = byName;
        _chinesePrefixes = chinesePrefixes;
        _regions = Array.AsReadOnly(regions);
    }

    /// <summary>The catalogue built from the embedded data.</summary>
    public static JurisdictionCatalogue Default { get; } = JurisdictionData.LoadEmbedded();

    /// <summary>Every jurisdiction: mainland (the whole mainland CN, then divisions by code), HK, MO, TW, then foreign by code.</summary>
    public IReadOnlyList<Jurisdiction> All => _all;

    /// <summary>Named regions, in the order of the data file.</summary>
    public IReadOnlyList<NamedRegion> Regions => _regions;

    /// <summary>
    /// The jurisdiction with this code, or null. Accepts every code a place has, case-insensitively and trimmed: the
    /// canonical <see cref="Jurisdiction.Code"/>, its GB/T 2260 code (810000 → HK) and its ISO alpha-3 code (SGP → SG).
    /// Names are not codes: use <see cref="Resolve"/> for them.
    /// </summary>
    public Jurisdiction? Find(string? code) =>
        code is not null && _byCode.TryGetValue(code.Trim(), out var j) ? j : null;

    /// <summary>
    /// Resolves free text — a code, or a name in simplified or traditional Chinese or in English — to one jurisdiction.
    /// Case, blanks, punctuation and full-width forms are ignored ("Xi'an", " xian ", "ＸＩＡＮ"). A name that several
    /// places share is never settled by picking one: the result is <see cref="ResolutionOutcome.Ambiguous"/> with the
    /// candidates. When the text as a whole matches nothing, two readings are tried: an English designator at the end
    /// ("Shenzhen City"), and a Chinese province (or 中国) written before the place ("广东省深圳市", "吉林省吉林市"), which
    /// also settles names that the province alone makes unique.
    /// </summary>
    public JurisdictionResolution Resolve(string? text)
    {
        var input = text ?? string.Empty;
        var key = Key(input);
        if (key.Length == 0)
            return new(input, ResolutionOutcome.Unknown, null, [], "No place given: the text is empty.");

        if (_byCode.TryGetValue(key, out var byCode)) return Resolved(input, byCode);

        var matches = Lookup(key);
        if (matches.Count == 0) matches = WithoutEnglishDesignator(input);
        if (matches.Count == 0) matches = QualifiedByChinesePrefix(key);

        return matches.Count switch
        {
            0 => new(input, ResolutionOutcome.Unknown, null, [],
                $"'{input}' is not the name or code of a known province, city, SAR or country."),
            1 => Resolved(input, matches[0]),
            _ => new(input, ResolutionOutcome.Ambiguous, null, Array.AsReadOnly(matches.ToArray()),
                $"'{input}' names {matches.Count} places: {string.Join("; ", matches)}. Give the code or the full name."),
        };
    }

    /// <summary>
    /// True when, on <paramref name="date"/>, the whole of the jurisdiction is in the region: the region's basis is
    /// <see cref="RegionBasis.WholeDivision"/> and a member in force then is the jurisdiction or a province containing
    /// it. Always false for a <see cref="RegionBasis.WithinDivision"/> region (a free-trade zone): a jurisdiction code
    /// cannot place a participant inside it; <see cref="RegionsOf"/> lists those with
    /// <see cref="RegionMatch.RequiresDeclaration"/>. False for an unknown jurisdiction code.
    /// </summary>
    /// <exception cref="ArgumentException">No region has this id (ids are compared case-insensitively).</exception>
    public bool IsMember(string regionId, string jurisdictionCode, DateOnly date)
    {
        var region = FindRegion(regionId)
            ?? throw new ArgumentException($"No region has the id '{regionId}'.", nameof(regionId));
        return region.Basis == RegionBasis.WholeDivision
            && Find(jurisdictionCode) is { } j
            && region.Members.Any(m => m.InForceOn(date) && Contains(m.Code, j));
    }

    /// <summary>
    /// The regions the jurisdiction is in, wholly or in part, on <paramref name="date"/>, in the order of the data file;
    /// empty for an unknown code. A match with <see cref="RegionMatch.RequiresDeclaration"/> means the jurisdiction
    /// contains part of the region (Shenzhen contains Qianhai-Shekou of the Guangdong pilot free-trade zone).
    /// </summary>
    public IReadOnlyList<RegionMatch> RegionsOf(string jurisdictionCode, DateOnly date)
    {
        if (Find(jurisdictionCode) is not { } j) return [];
        var matches = new List<RegionMatch>();
        foreach (var region in _regions)
        {
            if (region.Members.FirstOrDefault(m => m.InForceOn(date) && Contains(m.Code, j)) is { } member)
                matches.Add(new RegionMatch(region, member));
        }
        return matches;
    }

    /// <summary>The region with this id (case-insensitive), or null.</summary>
    public NamedRegion? FindRegion(string? regionId) =>
        regionId is null ? null
            : _regions.FirstOrDefault(r => string.Equals(r.Id, regionId.Trim(), StringComparison.OrdinalIgnoreCase));

    // A member code covers itself and, for a mainland province-level division, every division inside it.
    private bool Contains(string memberCode, Jurisdiction j) =>
        j.Code == memberCode
        || (j.ProvinceCode == memberCode && Find(memberCode) is { Level: JurisdictionLevel.ProvinceLevel, IsMainland: true });

    private static JurisdictionResolution Resolved(string input, Jurisdiction j) =>
        new(input, ResolutionOutcome.Resolved, j, [], $"'{input}' is {j}.");

    private IReadOnlyList<Jurisdiction> Lookup(string key) =>
        _byName.TryGetValue(key, out var found) ? found : [];

    private IReadOnlyList<Jurisdiction> WithoutEnglishDesignator(string input)
    {
        var words = input.Split((char[])[' ', '\t', ',', '\u3000'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2) return [];
        var last = words[^1].ToLowerInvariant();
        var designator = Array.Find(EnglishDesignators, d => d.Word == last);
        if (designator.Fits is null) return [];
        return [.. Lookup(Key(string.Join(' ', words[..^1]))).Where(designator.Fits)];
    }

    private static bool IsCity(Jurisdiction j) => j.IsMainland && j.ChineseName.EndsWith('市');

    // "广东省深圳市", "中国广东深圳": a containing province (or the country) written first. The rest must name a place inside it.
    private IReadOnlyList<Jurisdiction> QualifiedByChinesePrefix(string key, int depth = 0)
    {
        var found = new List<Jurisdiction>();
        foreach (var (prefix, container) in _chinesePrefixes)
        {
            if (key.Length <= prefix.Length || !key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = key[prefix.Length..];
            var inner = Lookup(rest);
            if (inner.Count == 0 && depth == 0 && container.Level == JurisdictionLevel.Country)
                inner = QualifiedByChinesePrefix(rest, depth + 1);
            found.AddRange(inner.Where(j => j != container && IsInside(j, container)));
        }
        return [.. found.Distinct().OrderBy(j => j.Code, StringComparer.Ordinal)];
    }

    private static bool IsInside(Jurisdiction j, Jurisdiction container) =>
        container.Level == JurisdictionLevel.Country ? j.IsMainland : j.ProvinceCode == container.Code;

    /// <summary>
    /// The form names are compared in: full-width ASCII made half-width, lower case (invariant), and only letters and
    /// digits kept, so that blanks, apostrophes, hyphens, dots and brackets (also 【】（）·) never decide a match.
    /// </summary>
    internal static string Key(string text)
    {
        var chars = new char[text.Length];
        var n = 0;
        foreach (var ch in text)
        {
            var c = ch is >= '\uFF01' and <= '\uFF5E' ? (char)(ch - 0xFEE0) : ch;
            if (char.IsLetterOrDigit(c)) chars[n++] = char.ToLowerInvariant(c);
        }
        return new string(chars, 0, n);
    }

    /// <summary>Builds a catalogue; every name is indexed under <see cref="Key"/>. The caller has checked the data (<see cref="JurisdictionData"/>).</summary>
    internal static JurisdictionCatalogue Create(
        IReadOnlyList<Jurisdiction> jurisdictions,
        IReadOnlyDictionary<Jurisdiction, IReadOnlyList<string>> names,
        IReadOnlyDictionary<Jurisdiction, IReadOnlyList<string>> codes,
        IReadOnlyList<NamedRegion> regions)
    {
        var byCode = new Dictionary<string, Jurisdiction>(StringComparer.OrdinalIgnoreCase);
        foreach (var j in jurisdictions)
        {
            foreach (var code in codes[j])
            {
                if (!byCode.TryAdd(code, j) && byCode[code] != j)
                    throw new InvalidDataException($"The code {code} is used by both {byCode[code]} and {j}.");
                byCode.TryAdd(Key(code), j);
            }
        }

        var byName = new Dictionary<string, List<Jurisdiction>>(StringComparer.Ordinal);
        foreach (var j in jurisdictions)
        {
            foreach (var name in names[j])
            {
                var key = Key(name);
                if (key.Length == 0) continue;
                if (!byName.TryGetValue(key, out var list)) byName[key] = list = [];
                if (!list.Contains(j)) list.Add(j);
            }
        }

        // Containers for "province + place" text: mainland province-level divisions and the whole mainland, by their
        // Chinese names, longest first so that 广东省 is tried before 广东.
        var prefixes = jurisdictions
            .Where(j => j.IsMainland && j.Level is JurisdictionLevel.ProvinceLevel or JurisdictionLevel.Country)
            .SelectMany(j => names[j].Select(Key).Where(k => k.Length > 0 && k.Any(c => c > '\u007F')).Distinct().Select(k => (k, j)))
            .OrderByDescending(p => p.k.Length)
            .ThenBy(p => p.k, StringComparer.Ordinal)
            .ToArray();

        return new JurisdictionCatalogue(
            [.. jurisdictions],
            byCode,
            byName.ToDictionary(kv => kv.Key, kv => kv.Value.OrderBy(j => j.Code, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal),
            prefixes,
            [.. regions]);
    }
}
