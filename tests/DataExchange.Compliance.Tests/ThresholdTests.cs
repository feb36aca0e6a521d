namespace DataExchange.Compliance.Tests;

/// <summary>Rows 4–7 of the 2024 table at and around every threshold.</summary>
public class ThresholdTests
{
    [Fact]
    public void Decide_99999IndividualsNoSensitive_ExemptUnderRule6()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 99_999));

        Assert.True(d.Accepted);
        Assert.True(d.CrossBorder);
        Assert.Equal(ExportMechanism.Exempt, d.Mechanism);
        Assert.Equal("CN-2024.03", d.RuleSetVersion);
        Assert.Contains(d.Evaluations, e => e.RuleId == RuleIds.SmallVolumeExempt && e.Outcome == Outcomes.Exempt);
    }

    [Fact]
    public void Decide_100000IndividualsWithoutApproval_RefusedContractRequired()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 100_000));

        Assert.False(d.Accepted);
        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, d.RefusalReason);
        Assert.Equal(RuleIds.ContractBand, d.RefusedByRule);
        Assert.Equal(ExportMechanism.StandardContract, d.Mechanism);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void Decide_SmallVolumeWithZeroOrOneSensitive_ExemptOnlyWithoutSensitive(long sensitive, bool accepted)
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 50, sensitive: sensitive));

        Assert.Equal(accepted, d.Accepted);
        if (!accepted) Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, d.RefusalReason);
    }

    [Fact]
    public void Decide_999999IndividualsWithStandardContract_AcceptedInContractBand()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 999_999,
            approvals: Given.Approval(ExportMechanism.StandardContract, "SC-1")));

        Assert.True(d.Accepted);
        Assert.Equal(ExportMechanism.StandardContract, d.Mechanism);
        Assert.Contains(d.Evaluations, e => e.RuleId == RuleIds.SecurityAssessmentVolume && e.Outcome == Outcomes.NotTriggered);
    }

    [Fact]
    public void Decide_1000000IndividualsWithOnlyStandardContract_RefusedSecurityAssessmentRequired()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 1_000_000,
            approvals: Given.Approval(ExportMechanism.StandardContract, "SC-1")));

        Assert.False(d.Accepted);
        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
        Assert.Equal(RuleIds.SecurityAssessmentVolume, d.RefusedByRule);
        Assert.Equal(ExportMechanism.SecurityAssessment, d.Mechanism);
    }

    [Theory]
    [InlineData(9_999, RefusalReasons.StandardContractOrCertificationRequired)]
    [InlineData(10_000, RefusalReasons.SecurityAssessmentRequired)]
    public void Decide_SensitiveAroundTenThousand_BandChangesAtThreshold(long sensitive, string reason)
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 20_000, sensitive: sensitive));

        Assert.False(d.Accepted);
        Assert.Equal(reason, d.RefusalReason);
    }

    [Fact]
    public void Decide_1000000IndividualsWithSecurityAssessment_Accepted()
    {
        var sa = Given.Approval(ExportMechanism.SecurityAssessment, "SA-1");
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 1_000_000, approvals: sa));

        Assert.True(d.Accepted);
        Assert.Equal(ExportMechanism.SecurityAssessment, d.Mechanism);
        Assert.Equal(sa.ApprovalId, d.ApprovalId);
        Assert.Equal("SA-1", d.ApprovalReference);
        Assert.Contains(d.Evaluations, e => e.RuleId == RuleIds.SecurityAssessmentApproval && e.Outcome == "SATISFIED_BY:SA-1");
    }

    [Fact]
    public void Decide_SmallTradePushedOverContractThresholdByPriorVolume_RefusedContractRequired()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 1_000, prior: new ExportVolume(99_000, 0)));

        Assert.False(d.Accepted);
        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, d.RefusalReason);
        Assert.Contains("100,000", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SmallTradePushedOverAssessmentThresholdByPriorVolume_RefusedSecurityAssessmentRequired()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 1_000, prior: new ExportVolume(999_000, 0),
            approvals: Given.Approval(ExportMechanism.StandardContract, "SC-1")));

        Assert.False(d.Accepted);
        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
    }

    [Fact]
    public void Decide_OneSensitiveIndividualPushedOverByPriorSensitiveVolume_RefusedSecurityAssessmentRequired()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 1, sensitive: 1, prior: new ExportVolume(9_999, 9_999)));

        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
    }

    [Fact]
    public void Decide_ExportSplitIntoTwoHalves_SecondHalfRefused()
    {
        var first = ComplianceEngine.Decide(Given.Trade(individuals: 60_000));
        var second = ComplianceEngine.Decide(Given.Trade(individuals: 60_000, prior: first.VolumeAfter));

        Assert.True(first.Accepted);
        Assert.Equal(new ExportVolume(60_000, 0), first.VolumeAfter);
        Assert.False(second.Accepted);
        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, second.RefusalReason);
        Assert.Equal(first.VolumeAfter, second.VolumeAfter);
    }

    [Fact]
    public void Decide_AcceptedCrossBorderTrade_VolumeAfterAddsTradeToPrior()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 500, prior: new ExportVolume(1_000, 0)));

        Assert.Equal(new ExportVolume(1_500, 0), d.VolumeAfter);
    }

    [Fact]
    public void Decide_NoPersonalInformationGeneralData_ExemptUnderRule7()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 0, prior: new ExportVolume(5_000_000, 50_000)));

        Assert.True(d.Accepted);
        Assert.Equal(ExportMechanism.Exempt, d.Mechanism);
        Assert.Contains(d.Evaluations, e => e.RuleId == RuleIds.NonPersonalDataExempt && e.Outcome == Outcomes.Exempt);
        Assert.Contains("rule 7", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_CoreData_RefusedEvenWithSecurityAssessment()
    {
        var d = ComplianceEngine.Decide(Given.Trade(level: DataLevel.Core,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-1")));

        Assert.False(d.Accepted);
        Assert.Equal(RefusalReasons.CoreDataExportProhibited, d.RefusalReason);
        Assert.Equal(RuleIds.CoreData, d.RefusedByRule);
        Assert.Equal(ExportMechanism.None, d.Mechanism);
    }

    [Fact]
    public void Decide_ImportantDataWithoutPersonalInformation_RefusedSecurityAssessmentRequired()
    {
        var d = ComplianceEngine.Decide(Given.Trade(level: DataLevel.Important));

        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
        Assert.Equal(RuleIds.ImportantData, d.RefusedByRule);
    }

    [Fact]
    public void Decide_ImportantDataWithSecurityAssessment_Accepted()
    {
        var d = ComplianceEngine.Decide(Given.Trade(level: DataLevel.Important,
            approvals: Given.Approval(ExportMechanism.SecurityAssessment, "SA-9")));

        Assert.True(d.Accepted);
        Assert.Equal("SA-9", d.ApprovalReference);
    }

    [Fact]
    public void Decide_ImportantDataWithStandardContract_RefusedSecurityAssessmentRequired()
    {
        var d = ComplianceEngine.Decide(Given.Trade(level: DataLevel.Important,
            approvals: Given.Approval(ExportMechanism.StandardContract, "SC-1")));

        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
    }

    [Fact]
    public void Decide_CiioExportingOnePerson_RefusedSecurityAssessmentRequired()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 1, ciio: true));

        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
        Assert.Equal(RuleIds.CriticalInfrastructure, d.RefusedByRule);
    }

    [Fact]
    public void Decide_CiioExportingNoPersonalInformation_ExemptUnderRule7()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 0, ciio: true));

        Assert.True(d.Accepted);
        Assert.Equal(ExportMechanism.Exempt, d.Mechanism);
    }

    [Theory]
    [InlineData(ExportMechanism.StandardContract)]
    [InlineData(ExportMechanism.Certification)]
    [InlineData(ExportMechanism.SecurityAssessment)]
    public void Decide_ContractBandWithCoveringMechanism_AcceptedByThatMechanism(ExportMechanism kind)
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 150_000, approvals: Given.Approval(kind, "X-1")));

        Assert.True(d.Accepted);
        Assert.Equal(kind, d.Mechanism);
        Assert.Equal("X-1", d.ApprovalReference);
        Assert.Contains(d.Evaluations, e => e.RuleId == RuleIds.ContractApproval && e.Outcome == "SATISFIED_BY:X-1");
    }

    [Theory]
    [InlineData(ExportMechanism.None)]
    [InlineData(ExportMechanism.Exempt)]
    public void Decide_ApprovalOfNonApprovalKind_Ignored(ExportMechanism kind)
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 150_000, approvals: Given.Approval(kind, "X-1")));

        Assert.False(d.Accepted);
    }

    [Fact]
    public void Decide_SensitiveExceedsTotal_RefusedInvalidDeclaration()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 10, sensitive: 11));

        Assert.Equal(RefusalReasons.InvalidDataDeclaration, d.RefusalReason);
        Assert.Equal(RuleIds.Declaration, d.RefusedByRule);
    }

    [Fact]
    public void Decide_IndividualsWithoutPersonalInformationFlag_RefusedInvalidDeclaration()
    {
        var input = Given.Trade(individuals: 10);
        input = input with { Data = input.Data with { ContainsPersonalInformation = false } };

        Assert.Equal(RefusalReasons.InvalidDataDeclaration, ComplianceEngine.Decide(input).RefusalReason);
    }

    [Fact]
    public void Decide_NegativePriorVolume_RefusedInvalidPriorVolume()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 10, prior: new ExportVolume(-1, 0)));

        Assert.Equal(RefusalReasons.InvalidPriorVolume, d.RefusalReason);
    }

    [Fact]
    public void RefusalReasons_All_AreUpperSnakeCase()
    {
        Assert.All(RefusalReasons.All, r => Assert.Matches("^[A-Z]+(_[A-Z]+)*$", r));
    }
}
