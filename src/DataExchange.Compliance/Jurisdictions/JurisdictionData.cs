using System.Globalization;
using System.Text;

namespace DataExchange.Compliance.Jurisdictions;

/// <summary>
/// Reads the four data files in Jurisdictions/data (compiled in as resources) into a <see cref="JurisdictionCatalogue"/>.
/// Tab-separated, one record a line, '#' starts a comment line; the last column of gbt2260.tsv and iso3166-1.tsv is a
/// '|'-separated list of aliases. Any inconsistency — a duplicate code, a bad date, an alias or member naming an
/// unknown code — stops the load with the file and line, so a bad data change fails its first test run instead of
/// resolving places wrongly.
/// </summary>
internal static class JurisdictionData
{
    internal const string Gbt2260File = "gbt2260.tsv";
    internal const string Iso3166File = "iso3166-1.tsv";
    internal const string AliasesFile = "aliases.tsv";
    internal const string RegionsFile = "regions.tsv";

    internal static IReadOnlyList<string> Files { get; } = [Gbt2260File, Iso3166File, AliasesFile, RegionsFile];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // GB/T 2260 lists Hong Kong, Macao and Taiwan among the province-level divisions; the catalogue gives them their ISO
    // code and a kind of their own, and keeps the GB/T code as DivisionCode (so "810000" still finds Hong Kong).
    private static readonly Dictionary<string, (string Alpha2, JurisdictionKind Kind)> OutsideMainland = new()
    {
        ["810000"] = ("HK", JurisdictionKind.HongKong),
        ["820000"] = ("MO", JurisdictionKind.Macao),
        ["710000"] = ("TW", JurisdictionKind.Taiwan),
    };

    /// <summary>The text of one data file as compiled into the assembly.</summary>
    internal static string ReadResource(string file)
    {
        var name = $"DataExchange.Compliance.Jurisdictions.{file}";
        using var stream = typeof(JurisdictionData).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidDataException($"The resource {name} is not in the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    internal static JurisdictionCatalogue LoadEmbedded() =>
        Load(ReadResource(Gbt2260File), ReadResource(Iso3166File), ReadResource(AliasesFile), ReadResource(RegionsFile));

    /// <summary>Builds a catalogue from the four files' text.</summary>
    /// <exception cref="InvalidDataException">The data is inconsistent; the message names the file and line.</exception>
    internal static JurisdictionCatalogue Load(string gbt2260, string iso3166, string aliases, string regions)
    {
        var builder = new Builder();

        var countries = new Dictionary<string, Row>(StringComparer.Ordinal);
        foreach (var row in Rows(Iso3166File, iso3166, 5))
        {
            var alpha2 = row.Cells[0];
            if (alpha2.Length != 2 || row.Cells[1].Length != 3 || !alpha2.All(char.IsAsciiLetterUpper))
                throw row.Error($"'{alpha2}' / '{row.Cells[1]}' is not an alpha-2 / alpha-3 code pair");
            if (row.Cells[3].Length == 0 || row.Cells[4].Length == 0) throw row.Error($"{alpha2} needs an English and a Chinese name");
            if (!countries.TryAdd(alpha2, row)) throw row.Error($"duplicate code {alpha2}");
        }
        Row Country(string alpha2) => countries.TryGetValue(alpha2, out var row) ? row
            : throw new InvalidDataException($"{Iso3166File}: no row for {alpha2}.");

        // CN is the whole mainland: the place to use when only "China" is known. ISO's names for CN resolve to it.
        var cn = Country("CN");
        var mainland = new Jurisdiction("CN", JurisdictionKind.Mainland, JurisdictionLevel.Country,
            "中国内地", "内地", "Mainland China", null, null, cn.Cells[1]);
        builder.Add(cn, mainland, ["CN", cn.Cells[1]], CountryNames(cn));

        var divisions = new List<Jurisdiction>();
        var outside = new List<Jurisdiction>();
        foreach (var row in Rows(Gbt2260File, gbt2260, 6))
        {
            var (code, level, province, name, shortName, english) =
                (row.Cells[0], row.Cells[1], row.Cells[2], row.Cells[3], row.Cells[4], row.Cells[5]);
            if (code.Length != 6 || !code.All(char.IsAsciiDigit)) throw row.Error($"'{code}' is not a six-digit GB/T 2260 code");
            if (!province.EndsWith("0000", StringComparison.Ordinal) || !code.StartsWith(province[..2], StringComparison.Ordinal))
                throw row.Error($"province {province} does not contain {code}");
            if (name.Length == 0 || shortName.Length == 0 || english.Length == 0)
                throw row.Error($"{code} needs a Chinese name, a short Chinese name and an English name");
            var names = (IEnumerable<string>)[name, shortName, english, .. Aliases(row, 6)];

            if (OutsideMainland.TryGetValue(code, out var sar))
            {
                var iso = Country(sar.Alpha2);
                var j = new Jurisdiction(sar.Alpha2, sar.Kind, JurisdictionLevel.ProvinceLevel, name, shortName, english,
                    null, code, iso.Cells[1]);
                builder.Add(row, j, [sar.Alpha2, iso.Cells[1], code], [.. names, .. CountryNames(iso)]);
                outside.Add(j);
                continue;
            }

            var jurisdictionLevel = level switch
            {
                "province" => JurisdictionLevel.ProvinceLevel,
                "prefecture" => JurisdictionLevel.PrefectureLevel,
                "county" => JurisdictionLevel.CountyLevel,
                _ => throw row.Error($"unknown level '{level}'"),
            };
            if ((jurisdictionLevel == JurisdictionLevel.ProvinceLevel) != (province == code))
                throw row.Error($"a province-level division is its own province, and only it ({code}, {province})");
            var division = new Jurisdiction(code, JurisdictionKind.Mainland, jurisdictionLevel, name, shortName, english,
                province, code, null);
            builder.Add(row, division, [code], names);
            divisions.Add(division);
        }
        foreach (var d in divisions)
        {
            if (!divisions.Any(p => p.Code == d.ProvinceCode && p.Level == JurisdictionLevel.ProvinceLevel))
                throw new InvalidDataException($"{Gbt2260File}: {d.Code} is in province {d.ProvinceCode}, which is not listed.");
        }
        if (outside.Count != OutsideMainland.Count)
            throw new InvalidDataException($"{Gbt2260File}: expected rows 810000, 820000 and 710000.");

        var foreign = new List<Jurisdiction>();
        foreach (var row in countries.Values)
        {
            if (row.Cells[0] is "CN" || OutsideMainland.Values.Any(v => v.Alpha2 == row.Cells[0])) continue;
            var j = new Jurisdiction(row.Cells[0], JurisdictionKind.Foreign, JurisdictionLevel.Country, row.Cells[4],
                row.Cells[4], row.Cells[3], null, null, row.Cells[1]);
            builder.Add(row, j, [row.Cells[0], row.Cells[1]], CountryNames(row));
            foreign.Add(j);
        }

        foreach (var row in Rows(AliasesFile, aliases, 2))
        {
            var j = builder.FindByCode(row.Cells[0]) ?? throw row.Error($"no place has the code {row.Cells[0]}");
            builder.AddName(row, j, row.Cells[1]);
        }

        builder.CheckNamesAreNotOtherCodes();

        Jurisdiction[] all =
        [
            mainland,
            .. divisions.OrderBy(j => j.Code, StringComparer.Ordinal),
            .. outside.OrderBy(j => j.Kind),
            .. foreign.OrderBy(j => j.Code, StringComparer.Ordinal),
        ];
        return JurisdictionCatalogue.Create(all, builder.Names, builder.Codes, ParseRegions(regions, builder));
    }

    private static IEnumerable<string> CountryNames(Row row) => [row.Cells[3], row.Cells[4], .. Aliases(row, 5)];

    private static IEnumerable<string> Aliases(Row row, int column) =>
        row.Cells.Length > column
            ? row.Cells[column].Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [];

    private static List<NamedRegion> ParseRegions(string text, Builder builder)
    {
        var headers = new List<(Row Row, string Id)>();
        var members = new Dictionary<string, List<RegionMember>>(StringComparer.OrdinalIgnoreCase);
        var memberRows = new List<Row>();
        foreach (var row in Rows(RegionsFile, text, 2))
        {
            switch (row.Cells[0])
            {
                case "region":
                    if (row.Cells.Length < 6) throw row.Error("a region line has id, basis, name_zh, name_en and source");
                    if (!members.TryAdd(row.Cells[1], [])) throw row.Error($"duplicate region id {row.Cells[1]}");
                    headers.Add((row, row.Cells[1]));
                    break;
                case "member":
                    if (row.Cells.Length < 5) throw row.Error("a member line has region id, code, from, until and note");
                    memberRows.Add(row);
                    break;
                default:
                    throw row.Error($"unknown line kind '{row.Cells[0]}' (region or member)");
            }
        }

        foreach (var row in memberRows)
        {
            if (!members.TryGetValue(row.Cells[1], out var list)) throw row.Error($"no region has the id {row.Cells[1]}");
            var j = builder.FindByCode(row.Cells[2]) ?? throw row.Error($"no place has the code {row.Cells[2]}");
            var from = Date(row, row.Cells[3]);
            DateOnly? until = row.Cells[4].Length == 0 ? null : Date(row, row.Cells[4]);
            if (until < from) throw row.Error($"until {row.Cells[4]} is before from {row.Cells[3]}");
            var member = new RegionMember(j.Code, from, until, row.Cells.Length > 5 ? row.Cells[5] : "");
            if (list.Any(m => m.Code == member.Code && m.From <= (until ?? DateOnly.MaxValue) && from <= (m.Until ?? DateOnly.MaxValue)))
                throw row.Error($"{j.Code} is already a member of {row.Cells[1]} for part of this period");
            list.Add(member);
        }

        return headers.Select(h =>
        {
            var c = h.Row.Cells;
            var basis = c[2] switch
            {
                "whole" => RegionBasis.WholeDivision,
                "within" => RegionBasis.WithinDivision,
                _ => throw h.Row.Error($"unknown basis '{c[2]}' (whole or within)"),
            };
            var list = members[h.Id];
            if (list.Count == 0) throw h.Row.Error($"region {h.Id} has no members");
            return new NamedRegion(h.Id, basis, c[3], c[4], c[5], list.AsReadOnly());
        }).ToList();
    }

    private static DateOnly Date(Row row, string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", Inv, DateTimeStyles.None, out var date) ? date
            : throw row.Error($"'{text}' is not a yyyy-MM-dd date");

    private static IEnumerable<Row> Rows(string file, string text, int minColumns)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var row = new Row(file, i + 1, line.Split('\t'));
            if (row.Cells.Length < minColumns) throw row.Error($"expected at least {minColumns} tab-separated columns");
            yield return row;
        }
    }

    private sealed record Row(string File, int Line, string[] Cells)
    {
        public InvalidDataException Error(string message) => new($"{File} line {Line}: {message}.");
    }

    // Collects each place's codes and names, refusing a code that two places claim.
    private sealed class Builder
    {
        private readonly Dictionary<string, Jurisdiction> _byCode = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<Jurisdiction, List<string>> _names = [];
        private readonly Dictionary<Jurisdiction, List<string>> _codes = [];
        private readonly List<(Row Row, Jurisdiction Place, string Name)> _nameRows = [];

        public IReadOnlyDictionary<Jurisdiction, IReadOnlyList<string>> Names =>
            _names.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value);

        public IReadOnlyDictionary<Jurisdiction, IReadOnlyList<string>> Codes =>
            _codes.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value);

        public void Add(Row row, Jurisdiction j, IEnumerable<string> codes, IEnumerable<string> names)
        {
            var own = codes.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            foreach (var code in own)
            {
                if (_byCode.TryGetValue(code, out var other)) throw row.Error($"duplicate code {code} (also {other})");
            }
            foreach (var code in own) _byCode.Add(code, j);
            _codes[j] = own;
            _names[j] = [];
            foreach (var name in names) AddName(row, j, name);
        }

        public void AddName(Row row, Jurisdiction j, string name)
        {
            if (_names[j].Contains(name, StringComparer.Ordinal)) return;
            _names[j].Add(name);
            _nameRows.Add((row, j, name));
        }

        // A name may be shared by places (that is an ambiguity, reported when resolved), but it may not be another
        // place's code: codes are looked up first, so the name would silently never resolve to its own place.
        public void CheckNamesAreNotOtherCodes()
        {
            foreach (var (row, j, name) in _nameRows)
            {
                var key = JurisdictionCatalogue.Key(name);
                if (_byCode.TryGetValue(key, out var coded) && coded != j)
                    throw row.Error($"the name '{name}' of {j} is the code of {coded}");
            }
        }

        public Jurisdiction? FindByCode(string code) => _byCode.GetValueOrDefault(code.Trim());
    }
}
