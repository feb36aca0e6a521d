using DataExchange.Compliance.NegativeLists;

namespace DataExchange.Compliance.Tests.NegativeLists;

/// <summary>The embedded list files: they load, cite their sources, and bad files fail loudly.</summary>
public class ListFileTests
{
    private static readonly NegativeListCatalog Catalog = NegativeListCatalog.Default;

    [Fact]
    public void Every_embedded_list_file_loads()
    {
        Assert.Equal(
            ["CN-FTZ-TIANJIN-2024", "CN-FTZ-BEIJING-2024", "CN-FTZ-SHANGHAI-2024", "CN-FTP-HAINAN-2024", "CN-BEIJING-2025"],
            Catalog.Lists.Select(l => l.Id));
    }

    [Fact]
    public void List_and_entry_ids_are_unique_across_the_catalog()
    {
        Assert.Equal(Catalog.Lists.Count, Catalog.Lists.Select(l => l.Id).Distinct(StringComparer.Ordinal).Count());
        var entries = Catalog.Lists.SelectMany(l => l.Entries).Select(e => e.Id).ToArray();
        Assert.Equal(entries.Length, entries.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Publication_comes_before_effect_and_effect_before_any_end()
    {
        Assert.All(Catalog.Lists, l =>
        {
            Assert.True(l.Published <= l.EffectiveFrom, l.Id);
            Assert.True(l.EffectiveUntil is null || l.EffectiveFrom <= l.EffectiveUntil, l.Id);
        });
        Assert.Equal(Catalog.Lists.Select(l => l.EffectiveFrom).Order(), Catalog.Lists.Select(l => l.EffectiveFrom));
    }

    [Theory]
    [InlineData("CN-FTZ-TIANJIN-2024", "2024-05-09", "天津")]
    [InlineData("CN-FTZ-BEIJING-2024", "2024-08-30", "北京")]
    [InlineData("CN-FTZ-SHANGHAI-2024", "2025-02-08", "上海")]
    [InlineData("CN-FTP-HAINAN-2024", "2025-02-19", "海南")]
    public void A_list_carries_its_title_in_both_languages_its_authorities_and_its_dates(string id, string effective, string place)
    {
        var list = Catalog.Find(id)!;
        Assert.Contains(place, list.TitleZh, StringComparison.Ordinal);
        Assert.Contains("Negative List", list.TitleEn, StringComparison.Ordinal);
        Assert.NotEmpty(list.IssuingAuthorities);
        Assert.Equal(DateOnly.Parse(effective, System.Globalization.CultureInfo.InvariantCulture), list.EffectiveFrom);
        Assert.False(string.IsNullOrWhiteSpace(list.DateNotes));
    }

    [Fact]
    public void Every_entry_cites_a_source_with_an_address_and_a_date()
    {
        Assert.All(Catalog.Lists, l =>
        {
            Assert.NotEmpty(l.Sources);
            Assert.All(l.Sources, s => Assert.StartsWith("http", s.Url, StringComparison.Ordinal));
            Assert.All(l.Entries, e => Assert.All(e.SourceIds, id => Assert.Contains(l.Sources, s => s.Id == id)));
        });
    }

    [Fact]
    public void Every_list_says_at_what_detail_it_was_encoded()
    {
        Assert.All(Catalog.Lists, l => Assert.Matches("^(item|scenario|sector|category)-level", l.Detail));
        Assert.All(Catalog.Lists.Where(l => l.Detail.StartsWith("sector-level", StringComparison.Ordinal)),
            l => Assert.Contains("item-level text not available offline", l.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_sector_of_a_summarised_list_keeps_an_undetermined_remainder()
    {
        // Without one, data in a listed sector that no encoded entry names would look exempt.
        Assert.All(Catalog.Lists.Where(l => l.Scope == ListScope.ListedSectors), l =>
            Assert.All(l.Sectors, s => Assert.Contains(l.Entries, e => e.SectorId == s.Id && e.Residual && e.OpenQuestion is not null)));
    }

    [Fact]
    public void Tianjin_is_encoded_as_its_thirteen_published_categories()
    {
        var categories = Catalog.Find("CN-FTZ-TIANJIN-2024")!.Entries.Where(e => e.CategoryZh.EndsWith('类')).ToArray();
        Assert.Equal(13, categories.Length);
        Assert.Equal(ListScope.AllSectors, Catalog.Find("CN-FTZ-TIANJIN-2024")!.Scope);
    }

    [Fact]
    public void A_file_with_a_malformed_date_is_refused_naming_the_field()
    {
        var json = Minimal().Replace("\"effectiveFrom\": \"2024-05-09\"", "\"effectiveFrom\": \"9 May 2024\"", StringComparison.Ordinal);
        var e = Assert.Throws<FormatException>(() => NegativeListFile.Parse(json));
        Assert.Contains("effectiveFrom", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_taking_effect_before_publication_is_refused()
    {
        var json = Minimal().Replace("\"effectiveFrom\": \"2024-05-09\"", "\"effectiveFrom\": \"2024-05-01\"", StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => NegativeListFile.Parse(json));
    }

    [Fact]
    public void A_file_whose_entry_cites_an_unknown_source_is_refused()
    {
        var json = Minimal().Replace("\"sourceIds\": [\"S1\"]", "\"sourceIds\": [\"S9\"]", StringComparison.Ordinal);
        var e = Assert.Throws<FormatException>(() => NegativeListFile.Parse(json));
        Assert.Contains("S9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_with_an_unknown_field_is_refused()
    {
        var json = Minimal().Replace("\"detail\":", "\"detial\": \"x\", \"detail\":", StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => NegativeListFile.Parse(json));
    }

    [Fact]
    public void A_catalog_refuses_two_lists_with_one_id()
    {
        var list = NegativeListFile.Parse(Minimal());
        Assert.Throws<ArgumentException>(() => new NegativeListCatalog([list, list with { ZoneIds = ["CN-FTZ-OTHER"] }]));
    }

    internal static string Minimal() => """
        {
          "schemaVersion": 1,
          "id": "TEST-LIST",
          "zoneIds": ["cn-ftz-test"],
          "titleZh": "测试清单", "titleEn": "Test list",
          "issuingAuthorities": ["test"],
          "published": "2024-05-09", "effectiveFrom": "2024-05-09", "effectiveUntil": null,
          "dateNotes": "test",
          "scope": "AllSectors",
          "excludesCriticalInformationInfrastructureOperators": false,
          "detail": "item-level: test",
          "sources": [{ "id": "S1", "publisher": "test", "date": "2024-05-09", "url": "https://example.test/", "usedFor": "test" }],
          "notes": [],
          "sectors": [],
          "entries": [{
            "id": "T-1", "sectorId": null, "scenario": null, "categoryZh": "测试", "categoryEn": "Test",
            "descriptionZh": null, "descriptionEn": null, "requires": "SecurityAssessment", "keys": ["Test data"],
            "personalInformation": false, "residual": false, "minIndividuals": null, "minSensitiveIndividuals": null,
            "thresholdBasis": null, "openQuestion": null, "sourceIds": ["S1"]
          }]
        }
        """;
}
