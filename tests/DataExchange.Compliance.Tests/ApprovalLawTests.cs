namespace DataExchange.Compliance.Tests;

/// <summary>Approvals judged by the law of their own dates: mechanisms that existed, validity limits, extension caps.</summary>
public class ApprovalLawTests
{
    private static DateOnly D(string s) => DateOnly.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(ExportMechanism.SecurityAssessment, Region.Other, "2017-05-31", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.SecurityAssessment, Region.Other, "2017-06-01", null)]
    [InlineData(ExportMechanism.StandardContract, Region.Other, "2021-10-31", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.StandardContract, Region.Other, "2021-11-01", null)]
    [InlineData(ExportMechanism.Certification, Region.HongKong, "2021-10-31", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.Certification, Region.HongKong, "2021-11-01", null)]
    [InlineData(ExportMechanism.GbaStandardContract, Region.HongKong, "2022-01-01", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.GbaStandardContract, Region.HongKong, "2023-12-12", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.GbaStandardContract, Region.HongKong, "2023-12-13", null)]
    [InlineData(ExportMechanism.GbaStandardContract, Region.Macao, "2024-09-09", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.GbaStandardContract, Region.Macao, "2024-09-10", null)]
    [InlineData(ExportMechanism.GbaStandardContract, Region.Other, "2025-01-01", "MECHANISM_NOT_AVAILABLE_FOR_DESTINATION")]
    public void A_mechanism_cannot_be_granted_before_the_instrument_providing_it(ExportMechanism kind, Region to, string from, string? reason) =>
        Assert.Equal(reason, ApprovalRules.CheckGrant(kind, to, D(from), D(from).AddMonths(6))?.Reason);

    [Theory]
    [InlineData("2022-09-01", "2024-08-31", null)] // 2022 Measures art. 14: 2 years
    [InlineData("2022-09-01", "2024-09-01", "APPROVAL_VALIDITY_TOO_LONG")]
    [InlineData("2024-03-22", "2027-03-21", null)] // Provisions 2024 art. 9: 3 years
    [InlineData("2024-03-22", "2027-03-22", "APPROVAL_VALIDITY_TOO_LONG")]
    [InlineData("2021-12-01", "2030-01-01", null)] // before the 2022 Measures no statutory limit
    public void An_assessment_is_valid_at_most_as_long_as_the_rules_of_its_grant_date_allow(string from, string until, string? reason) =>
        Assert.Equal(reason, ApprovalRules.CheckGrant(ExportMechanism.SecurityAssessment, Region.HongKong, D(from), D(until))?.Reason);

    [Theory]
    [InlineData("2025-12-31", "2030-12-31", null)]
    [InlineData("2026-01-01", "2028-12-31", null)] // Certification Measures 2026: 3 years
    [InlineData("2026-01-01", "2029-01-01", "APPROVAL_VALIDITY_TOO_LONG")]
    public void A_certification_is_valid_at_most_three_years_from_2026(string from, string until, string? reason) =>
        Assert.Equal(reason, ApprovalRules.CheckGrant(ExportMechanism.Certification, Region.HongKong, D(from), D(until))?.Reason);

    private static ExportApproval Assessment(long? scale) =>
        Given.Approval(ExportMechanism.SecurityAssessment, "SA-1", from: D("2023-01-01"), until: D("2025-12-31")) with { CoveredIndividuals = scale };

    [Theory]
    [InlineData("2025-06-26", 1_300_000, null)]                          // before the 2025 guide: no cap
    [InlineData("2025-06-27", 1_200_000, null)]                          // exactly +20 %
    [InlineData("2025-06-27", 1_200_001, "EXTENSION_GROWTH_TOO_LARGE")]  // one more
    public void From_2025_06_27_an_extension_grows_the_scale_by_at_most_twenty_percent(string today, long newScale, string? reason) =>
        Assert.Equal(reason, ApprovalRules.CheckExtension(Assessment(1_000_000), D(today), D("2028-12-31"), newScale)?.Reason);

    [Fact]
    public void An_extension_adds_at_most_three_years_after_the_current_term() =>
        Assert.Equal("APPROVAL_VALIDITY_TOO_LONG", ApprovalRules.CheckExtension(Assessment(10), D("2025-07-01"), D("2029-01-01"), 10)?.Reason);

    [Fact]
    public void Only_an_assessment_extends_and_a_scale_never_stated_cannot_prove_its_growth()
    {
        var contract = Given.Approval(ExportMechanism.StandardContract, "SC-1", from: D("2024-01-01"), until: D("2025-12-31"));
        Assert.Equal("ONLY_ASSESSMENTS_EXTEND", ApprovalRules.CheckExtension(contract, D("2025-07-01"), D("2026-12-31"), null)?.Reason);
        Assert.Equal("APPROVAL_SCALE_UNKNOWN", ApprovalRules.CheckExtension(Assessment(null), D("2025-07-01"), D("2026-12-31"), 100)?.Reason);
        Assert.Equal("EXTENSION_DOES_NOT_EXTEND", ApprovalRules.CheckExtension(Assessment(10), D("2025-07-01"), D("2025-12-31"), 10)?.Reason);
    }
}
