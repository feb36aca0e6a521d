using DataExchange.Compliance.NegativeLists;

namespace DataExchange.Compliance.Tests.NegativeLists;

/// <summary>Whether declared data falls within a zone's list in force on the trade date.</summary>
public class MatchingTests
{
    private static readonly DateOnly Mid2025 = new(2025, 6, 1);

    private static NegativeListQuery Query(
        string zone,
        string sector,
        string[] categories,
        long individuals = 0,
        long sensitive = 0,
        DateOnly? date = null,
        bool ciio = false) =>
        new(zone, date ?? Mid2025, sector, categories, individuals > 0, individuals, sensitive, ciio);

    private static EntryMatch Single(NegativeListResult r, string entryId) =>
        Assert.Single(r.Matches, m => m.EntryId == entryId);

    [Fact]
    public void A_category_on_the_list_is_reported_with_its_entry_requirement_and_citation()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "pharmaceutical", ["genetic information of trial subjects"]));

        Assert.Equal(NegativeListOutcome.OnList, r.Outcome);
        Assert.False(r.Exempt);
        var m = Single(r, "BJ24-PHARMA-GENETIC");
        Assert.Equal(EntryMatchStatus.OnList, m.Status);
        Assert.Equal(EntryRequirement.OtherLegalPath, m.Requires);
        Assert.Null(m.Question);
        Assert.Contains("遗传信息", m.Citation, StringComparison.Ordinal);
        Assert.Contains("https://hankunlaw.com/portal/article/index/cid/8/id/14576.html", m.Citation, StringComparison.Ordinal);
        Assert.Contains("2024-08-30", m.Citation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99_999, NegativeListOutcome.Undetermined)]
    [InlineData(100_000, NegativeListOutcome.OnList)]
    public void Group_diagnosis_data_is_important_data_from_100000_people_inclusive(long individuals, NegativeListOutcome outcome)
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "医药", ["患者诊疗数据"], individuals: individuals, sensitive: individuals));

        Assert.Equal(outcome, r.Outcome);
        if (outcome == NegativeListOutcome.OnList)
            Assert.Equal(EntryRequirement.SecurityAssessment, Single(r, "BJ24-PHARMA-ID-GROUP").Requires);
        else
        {
            // Below the scale the important-data item drops out; the pharmaceutical PI items are not available offline.
            Assert.DoesNotContain(r.Matches, m => m.EntryId == "BJ24-PHARMA-ID-GROUP");
            Assert.Equal(EntryMatchStatus.Undetermined, Single(r, "BJ24-PHARMA-REST").Status);
            Assert.Contains("Below threshold: BJ24-PHARMA-ID-GROUP", r.Explanation, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_category_off_the_list_is_exempt()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-TIANJIN", "catering", ["restaurant menu prices", "opening hours"]));

        Assert.Equal(NegativeListOutcome.OffList, r.Outcome);
        Assert.True(r.Exempt);
        Assert.Empty(r.Matches);
        Assert.Contains("exempt", r.Explanation, StringComparison.Ordinal);
        Assert.Contains("category-level summary", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_category_the_list_might_contain_is_undetermined_naming_the_entry_and_the_question()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "pharmaceutical", ["clinical trial data"]));

        Assert.Equal(NegativeListOutcome.Undetermined, r.Outcome);
        Assert.False(r.Exempt);
        var m = Single(r, "BJ24-PHARMA-ID-TRIAL");
        Assert.Equal(EntryMatchStatus.Undetermined, m.Status);
        Assert.Equal(["category 'clinical trial data'"], m.Triggers);
        Assert.Contains("特定药品", m.Question, StringComparison.Ordinal);
        Assert.Contains("BJ24-PHARMA-ID-TRIAL —", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_describing_people_without_identifiable_individuals_asks_how_many_people_it_describes()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "pharmaceutical", ["de-identified medical imaging"]));

        var m = Single(r, "BJ24-PHARMA-ID-GROUP");
        Assert.Equal(EntryMatchStatus.Undetermined, m.Status);
        Assert.Contains("how many people does the data describe", m.Question, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_in_a_listed_sector_that_no_encoded_entry_names_is_undetermined_not_exempt()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "automotive", ["vehicle trajectory"]));

        Assert.Equal(NegativeListOutcome.Undetermined, r.Outcome);
        var m = Single(r, "BJ24-AUTO-REST");
        Assert.Contains("not available offline", m.Question, StringComparison.Ordinal);
        Assert.Equal(["AUTO"], r.Lists.Single().CoveredSectors);
    }

    [Fact]
    public void An_ota_export_asks_whether_the_upgrade_was_filed_with_miit()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "汽车", ["OTA升级包与可远程升级系统清单"]));

        var m = Single(r, "BJ24-AUTO-OTA");
        Assert.Equal(EntryMatchStatus.Undetermined, m.Status);
        Assert.Equal(EntryRequirement.SecurityAssessment, m.Requires);
        Assert.Contains("MIIT", m.Question, StringComparison.Ordinal);
    }

    [Fact]
    public void Personal_information_reaches_tianjins_personal_information_category_whose_thresholds_are_not_encoded()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-TIANJIN", "catering", ["customer personal information"], individuals: 500));

        Assert.Equal(NegativeListOutcome.Undetermined, r.Outcome);
        var m = Single(r, "TJ24-13");
        Assert.Contains("category 'customer personal information'", m.Triggers);
        Assert.Contains("personal information of 500 individuals (0 sensitive)", m.Triggers);
    }

    [Fact]
    public void A_broad_tianjin_category_match_is_undetermined_never_on_the_list()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-TIANJIN", "logistics", ["vehicle trajectory"]));

        Assert.Equal(NegativeListOutcome.Undetermined, r.Outcome);
        Assert.Equal(EntryMatchStatus.Undetermined, Single(r, "TJ24-08").Status);
    }

    [Fact]
    public void A_sector_the_list_does_not_name_gets_no_exemption()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "logistics", ["shipment tracking"], date: new DateOnly(2025, 1, 10)));

        Assert.Equal(NegativeListOutcome.SectorNotCovered, r.Outcome);
        Assert.False(r.Exempt);
        Assert.Contains("national rules apply", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Autonomous_driving_is_outside_the_2024_beijing_automotive_list()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "autonomous driving vehicles", ["road test logs"], date: new DateOnly(2025, 1, 10)));

        Assert.Equal(NegativeListOutcome.SectorNotCovered, r.Outcome);
    }

    [Fact]
    public void A_category_of_another_sector_asks_whether_the_export_is_made_in_that_sector()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "contract research", ["clinical trial data"]));

        Assert.Equal(NegativeListOutcome.Undetermined, r.Outcome);
        var m = Single(r, "BJ24-PHARMA-ID-TRIAL");
        Assert.Contains("is the export made in that sector", m.Question, StringComparison.Ordinal);
    }

    [Fact]
    public void A_declaration_without_a_sector_is_undetermined_against_a_sector_list()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTP-HAINAN", " ", ["survey results"]));

        Assert.Equal(NegativeListOutcome.Undetermined, r.Outcome);
        Assert.Equal(5, r.Matches.Count);
        Assert.All(r.Matches, m => Assert.Contains("names no sector", m.Question, StringComparison.Ordinal));
    }

    [Fact]
    public void A_declaration_without_a_data_category_is_undetermined_not_exempt()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-TIANJIN", "catering", ["  "]));

        Assert.Equal(NegativeListOutcome.Undetermined, r.Outcome);
        Assert.Equal(14, r.Matches.Count);
        Assert.All(r.Matches, m => Assert.Equal(["no data category declared"], m.Triggers));
    }

    [Fact]
    public void A_zone_without_a_list_gets_no_exemption()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-GUANGDONG", "logistics", ["shipment tracking"]));

        Assert.Equal(NegativeListOutcome.NoListInForce, r.Outcome);
        Assert.False(r.Exempt);
        Assert.Empty(r.Lists);
        Assert.Contains("No negative list is recorded for zone CN-FTZ-GUANGDONG", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void The_day_before_a_list_takes_effect_there_is_no_exemption_and_the_day_of_there_is()
    {
        var before = NegativeListMatcher.Match(Query("CN-FTZ-TIANJIN", "catering", ["restaurant menu prices"], date: new DateOnly(2024, 5, 8)));
        var on = NegativeListMatcher.Match(Query("CN-FTZ-TIANJIN", "catering", ["restaurant menu prices"], date: new DateOnly(2024, 5, 9)));

        Assert.Equal(NegativeListOutcome.NoListInForce, before.Outcome);
        Assert.Contains("takes effect on 2024-05-09", before.Explanation, StringComparison.Ordinal);
        Assert.Equal(NegativeListOutcome.OffList, on.Outcome);
    }

    [Fact]
    public void A_list_excluding_critical_infrastructure_operators_does_not_apply_to_one()
    {
        var r = NegativeListMatcher.Match(Query("CN-FTZ-SHANGHAI", "reinsurance", ["treaty portfolio data"], ciio: true));

        Assert.Equal(NegativeListOutcome.ListNotApplicable, r.Outcome);
        Assert.False(r.Exempt);
    }

    [Fact]
    public void Where_two_editions_are_in_force_the_stricter_answer_wins()
    {
        // Banking is only in the 2025 edition: the 2024 one does not cover it, the 2025 one cannot be applied offline.
        var r = NegativeListMatcher.Match(Query("CN-FTZ-BEIJING", "banking", ["customer account data"], individuals: 10, date: new DateOnly(2026, 6, 1)));

        Assert.Equal(NegativeListOutcome.Undetermined, r.Outcome);
        Assert.Equal(
            [NegativeListOutcome.SectorNotCovered, NegativeListOutcome.Undetermined],
            r.Lists.Select(l => l.Outcome));
        Assert.Equal("BJ25-BANKING-REST", Assert.Single(r.Matches).EntryId);
    }

    [Fact]
    public void A_listing_declaration_converts_to_a_query()
    {
        var data = new DataDeclaration(Guid.NewGuid(), DataLevel.General, true, 20, 5, Region.MainlandChina, "Beijing",
            "pharmaceutical", ["genetic information"]);
        var q = NegativeListQuery.FromDeclaration("CN-FTZ-BEIJING", Mid2025, data, exporterIsCiio: false);

        Assert.Equal(NegativeListOutcome.OnList, NegativeListMatcher.Match(q).Outcome);
    }

    [Theory]
    [InlineData(true, 0, 0)]
    [InlineData(false, 5, 0)]
    [InlineData(true, 5, 6)]
    [InlineData(true, -1, 0)]
    public void An_inconsistent_declaration_is_refused(bool pi, long individuals, long sensitive)
    {
        var q = new NegativeListQuery("CN-FTZ-TIANJIN", Mid2025, "x", ["y"], pi, individuals, sensitive, false);
        Assert.Throws<ArgumentException>(() => NegativeListMatcher.Match(q));
    }

    [Fact]
    public void The_same_query_gives_the_same_answer()
    {
        var q = Query("CN-FTZ-BEIJING", "pharmaceutical", ["clinical trial data", "genetic information"], individuals: 200_000, sensitive: 200_000);
        var a = NegativeListMatcher.Match(q);
        var b = NegativeListMatcher.Match(q);

        Assert.Equal(a.Outcome, b.Outcome);
        Assert.Equal(a.Explanation, b.Explanation);
        Assert.Equal(a.Matches.Select(m => (m.EntryId, m.Status, m.Question)), b.Matches.Select(m => (m.EntryId, m.Status, m.Question)));
    }
}
