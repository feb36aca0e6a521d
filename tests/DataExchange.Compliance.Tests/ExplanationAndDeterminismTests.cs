namespace DataExchange.Compliance.Tests;

public class ExplanationAndDeterminismTests
{
    [Fact]
    public void Decide_SensitiveThresholdCrossedCumulatively_ExplanationNamesAssessmentAndNumbers()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 500, sensitive: 20, prior: new ExportVolume(40_000, 9_990)));

        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
        Assert.Contains("security assessment", d.Explanation, StringComparison.Ordinal);
        Assert.Contains("rule 4", d.Explanation, StringComparison.Ordinal);
        Assert.Contains("10,010", d.Explanation, StringComparison.Ordinal);
        Assert.Contains("prior 9,990 + this trade 20", d.Explanation, StringComparison.Ordinal);
        Assert.Contains("10,000 threshold", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ContractThresholdCrossed_ExplanationNamesContractCertificationAndNumbers()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 30_000, prior: new ExportVolume(80_000, 0), exporterCity: "Beijing"));

        Assert.Contains("standard contract", d.Explanation, StringComparison.Ordinal);
        Assert.Contains("certification", d.Explanation, StringComparison.Ordinal);
        Assert.Contains("110,000 individuals since 2024-01-01 (prior 80,000 + this trade 30,000)", d.Explanation, StringComparison.Ordinal);
        Assert.Contains("100,000 threshold", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SameInputTwice_EqualDecisions()
    {
        var a = ComplianceEngine.Decide(Given.Trade(individuals: 200_000, approvals: Given.Approval(ExportMechanism.Certification, "C-1")));
        var b = ComplianceEngine.Decide(Given.Trade(individuals: 200_000, approvals: Given.Approval(ExportMechanism.Certification, "C-1")));

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Decide_ApprovalsInDifferentOrder_EqualDecisions()
    {
        ExportApproval[] approvals =
        [
            Given.Approval(ExportMechanism.SecurityAssessment, "SA-A"),
            Given.Approval(ExportMechanism.SecurityAssessment, "SA-B"),
            Given.Approval(ExportMechanism.SecurityAssessment, "SA-C", revoked: new DateOnly(2024, 2, 1)),
        ];
        var a = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000, approvals: approvals));
        var b = ComplianceEngine.Decide(Given.Trade(individuals: 2_000_000, approvals: [.. approvals.Reverse()]));

        Assert.Equal(a, b);
        Assert.Equal("SA-A", a.ApprovalReference);
    }

    [Fact]
    public void Decide_DifferentInputs_UnequalDecisions() =>
        Assert.NotEqual(ComplianceEngine.Decide(Given.Trade(individuals: 1)), ComplianceEngine.Decide(Given.Trade(individuals: 2)));
}
