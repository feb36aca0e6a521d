namespace DataExchange.Compliance.Tests;

/// <summary>Which approvals cover a trade: exporter, counterpart, scope, validity window, revocation.</summary>
public class ApprovalTests
{
    private static readonly DateOnly From = new(2024, 4, 1);
    private static readonly DateOnly Until = new(2026, 3, 31);

    private static ComplianceDecision DecideOn(DateOnly date, ExportApproval approval) =>
        ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000, date: date, approvals: approval));

    private static ExportApproval Sa(DateOnly? revoked = null) =>
        Given.Approval(ExportMechanism.SecurityAssessment, "SA-2024-7", from: From, until: Until, revoked: revoked);

    [Fact]
    public void Decide_DayBeforeValidFrom_Refused()
    {
        var d = DecideOn(From.AddDays(-1), Sa());

        Assert.False(d.Accepted);
        Assert.Contains("not valid until 2024-04-01", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_OnValidFrom_Accepted() => Assert.True(DecideOn(From, Sa()).Accepted);

    [Fact]
    public void Decide_OnValidUntil_Accepted() => Assert.True(DecideOn(Until, Sa()).Accepted);

    [Fact]
    public void Decide_DayAfterValidUntil_Refused()
    {
        var d = DecideOn(Until.AddDays(1), Sa());

        Assert.False(d.Accepted);
        Assert.Contains("expired after 2026-03-31", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RevokedOnTradeDate_Refused()
    {
        var date = new DateOnly(2024, 8, 1);
        var d = DecideOn(date, Sa(revoked: date));

        Assert.False(d.Accepted);
        Assert.Contains("revoked 2024-08-01", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RevokedBeforeTradeDate_Refused() =>
        Assert.False(DecideOn(new DateOnly(2024, 8, 1), Sa(revoked: new DateOnly(2024, 7, 1))).Accepted);

    [Fact]
    public void Decide_RevokedDayAfterTradeDate_Accepted() =>
        Assert.True(DecideOn(new DateOnly(2024, 8, 1), Sa(revoked: new DateOnly(2024, 8, 2))).Accepted);

    [Fact]
    public void Decide_ApprovalOfAnotherExporter_Refused()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-X", exporter: Guid.NewGuid())));

        Assert.False(d.Accepted);
        Assert.Contains("issued to another exporter", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ApprovalForAnotherListingOnly_Refused()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-X", listings: [Given.OtherListingId])));

        Assert.False(d.Accepted);
        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
    }

    [Fact]
    public void Decide_ApprovalCoveringAllListingCategories_Accepted()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-CAT", listings: [],
                categories: ["Customs", "shipping", "finance"])));

        Assert.True(d.Accepted);
        Assert.Equal("SA-CAT", d.ApprovalReference);
    }

    [Fact]
    public void Decide_ApprovalCoveringSomeListingCategories_Refused()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-CAT", listings: [], categories: ["shipping"])));

        Assert.False(d.Accepted);
    }

    [Fact]
    public void Decide_ListingWithoutCategoriesAndCategoryApproval_Refused()
    {
        var input = Given.Trade(individuals: 2_000_000,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-CAT", listings: [], categories: ["shipping"]));
        input = input with { Data = input.Data with { Categories = [] } };

        Assert.False(ComplianceEngine.Decide(input).Accepted);
    }

    [Fact]
    public void Decide_ApprovalForAnotherCounterpartRegion_Refused()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-MO", counterpart: Region.Macao)));

        Assert.False(d.Accepted);
        Assert.Contains("counterpart region Macao", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_MacaoImporterWithMacaoApproval_Accepted()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000, importer: Region.Macao,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-MO", counterpart: Region.Macao)));

        Assert.True(d.Accepted);
    }

    [Fact]
    public void Decide_ExpiredAndValidApprovals_ChoosesTheValidOne()
    {
        var expired = Given.Approval(ExportMechanism.SecurityAssessment, "SA-OLD", from: new DateOnly(2022, 1, 1), until: new DateOnly(2023, 12, 31));
        var valid = Given.Approval(ExportMechanism.SecurityAssessment, "SA-NEW");
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000, approvals: [expired, valid]));

        Assert.True(d.Accepted);
        Assert.Equal("SA-NEW", d.ApprovalReference);
        var eval = Assert.Single(d.Evaluations, e => e.RuleId == RuleIds.SecurityAssessmentApproval);
        Assert.Equal("expired after 2023-12-31", eval.Inputs["approval:SA-OLD"]);
    }

    [Fact]
    public void Decide_ContractBandWithContractAndAssessment_PrefersTheContract()
    {
        var sa = Given.Approval(ExportMechanism.SecurityAssessment, "SA-1");
        var sc = Given.Approval(ExportMechanism.StandardContract, "SC-1");
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 200_000, approvals: [sa, sc]));

        Assert.Equal(ExportMechanism.StandardContract, d.Mechanism);
        Assert.Equal("SC-1", d.ApprovalReference);
    }
}
