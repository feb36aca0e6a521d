using DataExchange.Compliance.Jurisdictions;

namespace DataExchange.Compliance.Tests.Jurisdictions;

/// <summary>Free-text place names to one jurisdiction, or an honest "ambiguous" / "unknown".</summary>
public class ResolveTests
{
    private static readonly JurisdictionCatalogue Catalogue = JurisdictionCatalogue.Default;

    private static Jurisdiction Resolved(string text)
    {
        var r = Catalogue.Resolve(text);
        Assert.True(r.IsResolved, r.Explanation);
        Assert.Empty(r.Candidates);
        return r.Jurisdiction!;
    }

    [Theory]
    [InlineData("深圳")]
    [InlineData("深圳市")]
    [InlineData("Shenzhen")]
    [InlineData(" shenzhen ")]
    [InlineData("SHENZHEN")]
    [InlineData("440300")]
    [InlineData("Shenzhen City")]
    [InlineData("广东省深圳市")]
    [InlineData("广东深圳")]
    [InlineData("中国广东省深圳市")]
    public void Resolve_ShenzhenWrittenAnyWay_IsOneCity440300(string text)
    {
        var j = Resolved(text);

        Assert.Equal("440300", j.Code);
        Assert.Equal(JurisdictionKind.Mainland, j.Kind);
        Assert.Equal(JurisdictionLevel.PrefectureLevel, j.Level);
        Assert.Equal("深圳市", j.ChineseName);
        Assert.Equal("深圳", j.ChineseShortName);
        Assert.Equal("Shenzhen", j.EnglishName);
        Assert.Equal("440000", j.ProvinceCode);
        Assert.True(j.IsMainland);
    }

    [Theory]
    [InlineData("440100", "广州", "廣州", "Guangzhou")]
    [InlineData("440300", "深圳", "深圳", "Shenzhen")]
    [InlineData("440400", "珠海", "珠海", "Zhuhai")]
    [InlineData("440600", "佛山", "佛山", "Foshan")]
    [InlineData("441300", "惠州", "惠州", "Huizhou")]
    [InlineData("441900", "东莞", "東莞", "Dongguan")]
    [InlineData("442000", "中山", "中山", "Zhongshan")]
    [InlineData("440700", "江门", "江門", "Jiangmen")]
    [InlineData("441200", "肇庆", "肇慶", "Zhaoqing")]
    public void Resolve_GbaCityInSimplifiedTraditionalOrEnglish_IsTheSameCity(
        string code, string simplified, string traditional, string english)
    {
        foreach (var text in new[] { simplified, simplified + "市", traditional, traditional + "市", english, english.ToUpperInvariant(), code })
            Assert.Equal(code, Resolved(text).Code);
        Assert.Equal(english, Resolved(code).EnglishName);
        Assert.Equal(simplified, Resolved(code).ChineseShortName);
    }

    [Theory]
    [InlineData("香港")]
    [InlineData("香港特别行政区")]
    [InlineData("香港特別行政區")]
    [InlineData("Hong Kong")]
    [InlineData("hong kong")]
    [InlineData("HONGKONG")]
    [InlineData("Hong Kong SAR")]
    [InlineData("HKSAR")]
    [InlineData("HK")]
    [InlineData("hk")]
    [InlineData("HKG")]
    [InlineData("810000")]
    [InlineData("中国香港")]
    public void Resolve_HongKongSpellings_AreHongKongOutsideTheMainland(string text)
    {
        var j = Resolved(text);

        Assert.Equal("HK", j.Code);
        Assert.Equal(JurisdictionKind.HongKong, j.Kind);
        Assert.Equal("810000", j.DivisionCode);
        Assert.Equal("HKG", j.Alpha3);
        Assert.Equal("Hong Kong", j.EnglishName);
        Assert.Equal("香港特别行政区", j.ChineseName);
        Assert.False(j.IsMainland);
        Assert.Null(j.ProvinceCode);
    }

    [Theory]
    [InlineData("澳门")]
    [InlineData("澳門")]
    [InlineData("澳门特别行政区")]
    [InlineData("Macau")]
    [InlineData("Macao")]
    [InlineData("macao sar")]
    [InlineData("MO")]
    [InlineData("MAC")]
    [InlineData("820000")]
    public void Resolve_MacaoSpellings_AreMacaoOutsideTheMainland(string text)
    {
        var j = Resolved(text);

        Assert.Equal("MO", j.Code);
        Assert.Equal(JurisdictionKind.Macao, j.Kind);
        Assert.Equal("820000", j.DivisionCode);
        Assert.False(j.IsMainland);
    }

    [Theory]
    [InlineData("美国")]
    [InlineData("美國")]
    [InlineData("USA")]
    [InlineData("United States")]
    [InlineData("united states of america")]
    [InlineData("U.S.")]
    [InlineData("US")]
    [InlineData("us")]
    [InlineData("美利坚合众国")]
    public void Resolve_UnitedStatesSpellings_AreOneForeignCountry(string text)
    {
        var j = Resolved(text);

        Assert.Equal("US", j.Code);
        Assert.Equal("USA", j.Alpha3);
        Assert.Equal(JurisdictionKind.Foreign, j.Kind);
        Assert.Equal(JurisdictionLevel.Country, j.Level);
        Assert.Equal("美国", j.ChineseName);
        Assert.Equal("United States", j.EnglishName);
    }

    [Theory]
    [InlineData("新加坡")]
    [InlineData("Singapore")]
    [InlineData("SG")]
    [InlineData("sg")]
    [InlineData("SGP")]
    [InlineData("ＳＧ")]
    public void Resolve_SingaporeSpellings_AreSingapore(string text) =>
        Assert.Equal("SG", Resolved(text).Code);

    [Fact]
    public void Resolve_SingaporeAndUnitedStates_AreDifferentForeignCountries()
    {
        var sg = Resolved("Singapore");
        var us = Resolved("United States");

        Assert.NotEqual(sg, us);
        Assert.Equal(JurisdictionKind.Foreign, sg.Kind);
        Assert.Equal(JurisdictionKind.Foreign, us.Kind);
    }

    [Theory]
    [InlineData("台湾")]
    [InlineData("臺灣")]
    [InlineData("Taiwan")]
    [InlineData("TW")]
    [InlineData("TWN")]
    [InlineData("710000")]
    public void Resolve_Taiwan_IsOutsideTheMainlandButNotForeign(string text)
    {
        var j = Resolved(text);

        Assert.Equal("TW", j.Code);
        Assert.Equal(JurisdictionKind.Taiwan, j.Kind);
        Assert.Equal("710000", j.DivisionCode);
        Assert.False(j.IsMainland);
    }

    [Theory]
    [InlineData("China")]
    [InlineData("中国")]
    [InlineData("CN")]
    [InlineData("CHN")]
    [InlineData("中国内地")]
    public void Resolve_China_IsTheWholeMainlandNotAForeignCountry(string text)
    {
        var j = Resolved(text);

        Assert.Equal("CN", j.Code);
        Assert.Equal(JurisdictionKind.Mainland, j.Kind);
        Assert.Equal(JurisdictionLevel.Country, j.Level);
        Assert.Null(j.ProvinceCode);
    }

    [Theory]
    [InlineData("吉林", "220000", "220200")] // the province and its capital city
    [InlineData("Jilin", "220000", "220200")]
    [InlineData("海南", "460000", "632500")] // the province and 海南藏族自治州 in Qinghai
    [InlineData("Fuzhou", "350100", "361000")] // 福州 and 抚州
    [InlineData("Taizhou", "321200", "331000")] // 泰州 and 台州
    [InlineData("Suzhou", "320500", "341300")] // 苏州 and 宿州
    [InlineData("Korea", "KP", "KR")] // either Korea: the user must say which
    [InlineData("Shanxi", "140000", "610000")] // 山西, and 陕西 as its plain pinyin is often written
    public void Resolve_NameOfTwoPlaces_IsAmbiguousAndListsBoth(string text, string first, string second)
    {
        var r = Catalogue.Resolve(text);

        Assert.Equal(ResolutionOutcome.Ambiguous, r.Outcome);
        Assert.False(r.IsResolved);
        Assert.Null(r.Jurisdiction);
        Assert.Equal([first, second], r.Candidates.Select(j => j.Code));
        Assert.Contains($"'{text}'", r.Explanation, StringComparison.Ordinal);
        Assert.Contains(first, r.Explanation, StringComparison.Ordinal);
        Assert.Contains(second, r.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("吉林省", "220000")]
    [InlineData("吉林市", "220200")]
    [InlineData("吉林省吉林市", "220200")]
    [InlineData("吉林吉林", "220200")]
    [InlineData("福州", "350100")]
    [InlineData("抚州", "361000")]
    [InlineData("Jilin Province", "220000")]
    [InlineData("Jilin City", "220200")]
    [InlineData("Beijing Municipality", "110000")]
    [InlineData("Beijing City", "110000")]
    [InlineData("Alashan League", "152900")]
    [InlineData("青海海南", "632500")]
    public void Resolve_FullNameOrProvince_SettlesAnAmbiguousName(string text, string code) =>
        Assert.Equal(code, Resolved(text).Code);

    [Theory]
    [InlineData("Atlantis")]
    [InlineData("Shenzhen Bay Science Park")]
    [InlineData("广东省吉林市")] // 吉林市 is not in Guangdong
    [InlineData("999999")]
    public void Resolve_UnknownText_FailsQuotingTheInput(string text)
    {
        var r = Catalogue.Resolve(text);

        Assert.Equal(ResolutionOutcome.Unknown, r.Outcome);
        Assert.Null(r.Jurisdiction);
        Assert.Empty(r.Candidates);
        Assert.Equal(text, r.Input);
        Assert.Contains($"'{text}'", r.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("·")]
    public void Resolve_NoText_IsUnknown(string? text)
    {
        var r = Catalogue.Resolve(text);

        Assert.Equal(ResolutionOutcome.Unknown, r.Outcome);
        Assert.Contains("No place given", r.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Xi'an", "610100")]
    [InlineData("xian", "610100")]
    [InlineData("XI AN", "610100")]
    [InlineData("Lüliang", "141100")]
    [InlineData("Lvliang", "141100")]
    [InlineData("Inner Mongolia", "150000")]
    [InlineData("Nei Mongol", "150000")]
    [InlineData("Shaanxi", "610000")]
    [InlineData("山西", "140000")]
    [InlineData("Urumqi", "650100")]
    [InlineData("Wulumuqi", "650100")]
    [InlineData("乌鲁木齐", "650100")]
    [InlineData("延边", "222400")]
    [InlineData("延边朝鲜族自治州", "222400")]
    [InlineData("神农架", "429021")]
    [InlineData("仙桃", "429004")]
    public void Resolve_PinyinExonymsAndAutonomousAreas_Resolve(string text, string code) =>
        Assert.Equal(code, Resolved(text).Code);

    [Theory]
    [InlineData("Côte d'Ivoire", "CI")]
    [InlineData("Cote d'Ivoire", "CI")]
    [InlineData("Ivory Coast", "CI")]
    [InlineData("Türkiye", "TR")]
    [InlineData("Turkey", "TR")]
    [InlineData("South Korea", "KR")]
    [InlineData("Korea, Republic of", "KR")]
    [InlineData("韩国", "KR")]
    [InlineData("United Kingdom", "GB")]
    [InlineData("UK", "GB")]
    [InlineData("英国", "GB")]
    [InlineData("新西蘭", "NZ")]
    [InlineData("紐西蘭", "NZ")]
    public void Resolve_CommonCountryNames_Resolve(string text, string code) =>
        Assert.Equal(code, Resolved(text).Code);

    [Fact]
    public void Resolve_EveryJurisdictionByItsOwnCodeAndChineseName_FindsIt()
    {
        foreach (var j in Catalogue.All)
        {
            Assert.Equal(j, Resolved(j.Code));
            var byName = Catalogue.Resolve(j.ChineseName);
            Assert.True(byName.Jurisdiction == j || byName.Candidates.Contains(j), $"{j}: {byName.Explanation}");
        }
    }

    [Fact]
    public void Resolve_SameTextTwice_EqualResults() =>
        Assert.Equal(Catalogue.Resolve("Fuzhou"), Catalogue.Resolve("Fuzhou"));

    [Theory]
    [InlineData("440300", "440300")]
    [InlineData(" hk ", "HK")]
    [InlineData("810000", "HK")]
    [InlineData("820000", "MO")]
    [InlineData("sgp", "SG")]
    [InlineData("USA", "US")]
    public void Find_AnyCodeOfAPlace_FindsIt(string code, string expected) =>
        Assert.Equal(expected, Catalogue.Find(code)?.Code);

    [Theory]
    [InlineData("Shenzhen")]
    [InlineData("深圳")]
    [InlineData("")]
    [InlineData(null)]
    public void Find_NameOrNothing_IsNull(string? text) => Assert.Null(Catalogue.Find(text));
}
