using DataExchange.Compliance.Jurisdictions;

namespace DataExchange.Compliance.Tests.Jurisdictions;

/// <summary>Dated region memberships: the Greater Bay Area (whole cities) and the pilot free-trade zones (parts of them).</summary>
public class RegionTests
{
    private static readonly JurisdictionCatalogue Catalogue = JurisdictionCatalogue.Default;
    private static readonly DateOnly OutlinePlan = new(2019, 2, 18);
    private static readonly DateOnly Mid2024 = new(2024, 6, 1);

    public static TheoryData<string> GbaMembers => new(
        "440100", "440300", "440400", "440600", "441300", "441900", "442000", "440700", "441200", "HK", "MO");

    [Theory]
    [MemberData(nameof(GbaMembers))]
    public void IsMember_GbaCityOrSar_FromTheOutlinePlanOn(string code)
    {
        Assert.False(Catalogue.IsMember("GBA", code, OutlinePlan.AddDays(-1)));
        Assert.True(Catalogue.IsMember("GBA", code, OutlinePlan));
        Assert.True(Catalogue.IsMember("GBA", code, Mid2024));
    }

    [Theory]
    [InlineData("GBA", "810000")]
    [InlineData("GBA", "hkg")]
    [InlineData(" gba ", "hk")]
    public void IsMember_AnyCodeOfHongKongAnyCaseOfTheId_IsInTheGba(string region, string code) =>
        Assert.True(Catalogue.IsMember(region, code, Mid2024));

    [Theory]
    [InlineData("440200")] // Shaoguan, Guangdong but not GBA
    [InlineData("440000")] // Guangdong as a whole: most of it is outside the GBA
    [InlineData("110000")]
    [InlineData("TW")]
    [InlineData("SG")]
    [InlineData("CN")]
    [InlineData("no such code")]
    public void IsMember_PlaceOutsideTheNineCitiesAndSars_NotInTheGba(string code) =>
        Assert.False(Catalogue.IsMember("GBA", code, Mid2024));

    [Fact]
    public void IsMember_GbaMainlandMembers_AreTheEngineNineCities()
    {
        var gba = Catalogue.FindRegion("GBA")!;
        var mainland = gba.Members.Select(m => Catalogue.Find(m.Code)!).Where(j => j.IsMainland).Select(j => j.EnglishName);

        Assert.Equal(GreaterBayArea.MainlandCities.Order(StringComparer.Ordinal), mainland.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("CN-FTZ-GUANGDONG", "440300")]
    [InlineData("CN-FTZ-SHANGHAI", "310000")]
    [InlineData("CN-FTZ-TIANJIN", "120000")]
    [InlineData("CN-FTZ-BEIJING", "110000")]
    [InlineData("CN-FTP-HAINAN", "460000")]
    [InlineData("CN-FTP-HAINAN", "460100")]
    public void IsMember_FreeTradeZone_IsNeverWholeCityMembership(string zone, string code)
    {
        Assert.False(Catalogue.IsMember(zone, code, Mid2024));

        var match = Assert.Single(Catalogue.RegionsOf(code, Mid2024), m => m.Region.Id == zone);
        Assert.True(match.RequiresDeclaration);
        Assert.Equal(RegionBasis.WithinDivision, match.Region.Basis);
    }

    [Fact]
    public void RegionsOf_Shenzhen_GbaWhollyAndGuangdongFtzByDeclaration()
    {
        var regions = Catalogue.RegionsOf("440300", Mid2024);

        Assert.Equal(["GBA", "CN-FTZ-GUANGDONG"], regions.Select(m => m.Region.Id));
        Assert.False(regions[0].RequiresDeclaration);
        Assert.True(regions[1].RequiresDeclaration);
        Assert.Contains("Qianhai", regions[1].Member.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void RegionsOf_ShenzhenBeforeAnyRegion_None() =>
        Assert.Empty(Catalogue.RegionsOf("440300", new DateOnly(2015, 4, 20)));

    [Fact]
    public void RegionsOf_ShenzhenBetweenFtzAndGba_OnlyTheFtz() =>
        Assert.Equal(["CN-FTZ-GUANGDONG"], Catalogue.RegionsOf("440300", new DateOnly(2019, 2, 17)).Select(m => m.Region.Id));

    [Theory]
    [InlineData("CN-FTZ-SHANGHAI", "310000", "2013-09-29")]
    [InlineData("CN-FTZ-TIANJIN", "120000", "2015-04-21")]
    [InlineData("CN-FTZ-GUANGDONG", "440100", "2015-04-21")]
    [InlineData("CN-FTP-HAINAN", "460000", "2018-10-16")]
    [InlineData("CN-FTZ-BEIJING", "110000", "2020-09-24")]
    public void RegionsOf_FreeTradeZone_FromTheDayItOpened(string zone, string code, string opened)
    {
        var day = DateOnly.Parse(opened, System.Globalization.CultureInfo.InvariantCulture);

        Assert.DoesNotContain(Catalogue.RegionsOf(code, day.AddDays(-1)), m => m.Region.Id == zone);
        Assert.Contains(Catalogue.RegionsOf(code, day), m => m.Region.Id == zone);
    }

    [Theory]
    [InlineData("441900")] // Dongguan: GBA, but no free-trade-zone area
    [InlineData("HK")]
    public void RegionsOf_GbaPlaceWithoutZone_OnlyTheGba(string code) =>
        Assert.Equal(["GBA"], Catalogue.RegionsOf(code, Mid2024).Select(m => m.Region.Id));

    [Fact]
    public void RegionsOf_UnknownCode_None() => Assert.Empty(Catalogue.RegionsOf("XX", Mid2024));

    [Fact]
    public void IsMember_UnknownRegion_Throws() =>
        Assert.Throws<ArgumentException>(() => Catalogue.IsMember("NO-SUCH-REGION", "440300", Mid2024));

    [Fact]
    public void Regions_EachCitesItsSource_AndOnlyTheGbaIsWholeDivision()
    {
        Assert.Equal(["GBA", "CN-FTZ-SHANGHAI", "CN-FTZ-TIANJIN", "CN-FTZ-GUANGDONG", "CN-FTP-HAINAN", "CN-FTZ-BEIJING"], Catalogue.Regions.Select(r => r.Id));
        Assert.All(Catalogue.Regions, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Source));
            Assert.False(string.IsNullOrWhiteSpace(r.ChineseName));
            Assert.False(string.IsNullOrWhiteSpace(r.EnglishName));
            Assert.NotEmpty(r.Members);
            Assert.All(r.Members, m => Assert.NotNull(Catalogue.Find(m.Code)));
        });
        Assert.Equal(["GBA"], Catalogue.Regions.Where(r => !r.RequiresDeclaration).Select(r => r.Id));
        Assert.Contains("Outline Development Plan", Catalogue.FindRegion("GBA")!.Source, StringComparison.Ordinal);
        Assert.Contains("2019-02-18", Catalogue.FindRegion("GBA")!.Source, StringComparison.Ordinal);
    }
}
