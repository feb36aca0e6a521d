using DataExchange.Compliance.NegativeLists;

namespace DataExchange.Compliance.Tests.NegativeLists;

/// <summary>Which lists are in force for a zone on a date.</summary>
public class InForceTests
{
    private static readonly NegativeListCatalog Catalog = NegativeListCatalog.Default;

    private static string[] InForce(string zone, string date) =>
        [.. Catalog.InForce(zone, DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)).Select(l => l.Id)];

    [Theory]
    [InlineData("CN-FTZ-TIANJIN", "2024-05-08", "2024-05-09", "CN-FTZ-TIANJIN-2024")]
    [InlineData("CN-FTZ-BEIJING", "2024-08-29", "2024-08-30", "CN-FTZ-BEIJING-2024")]
    [InlineData("CN-FTZ-SHANGHAI", "2025-02-07", "2025-02-08", "CN-FTZ-SHANGHAI-2024")]
    [InlineData("CN-FTP-HAINAN", "2025-02-18", "2025-02-19", "CN-FTP-HAINAN-2024")]
    public void No_list_is_in_force_the_day_before_it_takes_effect_and_it_is_on_the_day(string zone, string dayBefore, string day, string listId)
    {
        Assert.Empty(InForce(zone, dayBefore));
        Assert.Equal([listId], InForce(zone, day));
    }

    [Fact]
    public void The_shanghai_list_applies_in_the_pilot_zone_and_in_lingang()
    {
        Assert.Equal(["CN-FTZ-SHANGHAI-2024"], InForce("CN-FTZ-SHANGHAI-LINGANG", "2025-06-01"));
        Assert.Equal(["CN-FTZ-SHANGHAI-2024"], InForce("CN-FTZ-SHANGHAI", "2025-06-01"));
    }

    [Fact]
    public void From_may_2026_both_beijing_editions_are_in_force_in_the_zone_and_only_the_new_one_city_wide()
    {
        Assert.Equal(["CN-FTZ-BEIJING-2024"], InForce("CN-FTZ-BEIJING", "2026-05-10"));
        Assert.Equal(["CN-FTZ-BEIJING-2024", "CN-BEIJING-2025"], InForce("CN-FTZ-BEIJING", "2026-05-11"));
        Assert.Empty(InForce("CN-BEIJING", "2026-05-10"));
        Assert.Equal(["CN-BEIJING-2025"], InForce("CN-BEIJING", "2026-05-11"));
    }

    [Fact]
    public void A_zone_without_a_list_has_none_in_force_on_any_date()
    {
        Assert.Empty(InForce("CN-FTZ-GUANGDONG", "2025-06-01"));
        Assert.Empty(Catalog.ForZone("CN-FTZ-GUANGDONG"));
    }

    [Fact]
    public void Zone_ids_compare_trimmed_and_case_insensitively()
    {
        Assert.Equal(["CN-FTZ-TIANJIN-2024"], InForce(" cn-ftz-tianjin ", "2024-06-01"));
    }

    [Fact]
    public void A_list_with_an_end_date_is_in_force_through_that_day_and_not_after()
    {
        var list = NegativeListFile.Parse(ListFileTests.Minimal()) with { EffectiveUntil = new DateOnly(2025, 2, 7) };
        var catalog = new NegativeListCatalog([list]);
        Assert.Single(catalog.InForce("CN-FTZ-TEST", new DateOnly(2025, 2, 7)));
        Assert.Empty(catalog.InForce("CN-FTZ-TEST", new DateOnly(2025, 2, 8)));
    }
}
