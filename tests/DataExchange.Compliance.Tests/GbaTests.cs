namespace DataExchange.Compliance.Tests;

/// <summary>Row 8: the GBA (Mainland–Hong Kong) standard contract instead of the PI export standard contract.</summary>
public class GbaTests
{
    private static ExportApproval Gba(Region counterpart = Region.HongKong) =>
        Given.Approval(ExportMechanism.GbaStandardContract, "GBA-SC-1", counterpart: counterpart);

    private static ComplianceDecision DecideGba(
        string? exporterCity = "Shenzhen",
        Region importer = Region.HongKong,
        LicenceTerms? licence = null,
        DataLevel level = DataLevel.General,
        DateOnly? date = null,
        Region counterpart = Region.HongKong) =>
        ComplianceEngine.Decide(Given.Trade(individuals: 200_000, exporterCity: exporterCity, importer: importer,
            licence: licence, level: level, date: date, approvals: Gba(counterpart)));

    [Fact]
    public void Decide_ShenzhenToHongKongWithGbaContractNoOnwardTransfer_Accepted()
    {
        var d = DecideGba(licence: new LicenceTerms(false, "GLOBAL"));

        Assert.True(d.Accepted);
        Assert.Equal(ExportMechanism.GbaStandardContract, d.Mechanism);
        Assert.Equal("GBA-SC-1", d.ApprovalReference);
        Assert.Contains(d.Evaluations, e => e.RuleId == RuleIds.GbaStandardContract && e.Outcome == "SATISFIED_BY:GBA-SC-1");
    }

    [Theory]
    [InlineData("GBA")]
    [InlineData(" gba ")]
    [InlineData("HK")]
    public void Decide_GbaContractWithOnwardTransferOnlyInsideGba_Accepted(string territory)
    {
        Assert.True(DecideGba(licence: new LicenceTerms(true, territory)).Accepted);
    }

    [Theory]
    [InlineData("GLOBAL")]
    [InlineData("CN")]
    [InlineData("")]
    public void Decide_GbaContractWithOnwardTransferOutsideGba_RefusedOnwardTransferNotRestricted(string territory)
    {
        var d = DecideGba(licence: new LicenceTerms(true, territory));

        Assert.False(d.Accepted);
        Assert.Equal(RefusalReasons.GbaOnwardTransferNotRestricted, d.RefusalReason);
        Assert.Equal(RuleIds.GbaStandardContract, d.RefusedByRule);
        Assert.Contains("onward transfer outside the Greater Bay Area", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_GbaLicenceUnrestrictedButStandardContractOnFile_AcceptedByStandardContract()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 200_000, licence: new LicenceTerms(true, "GLOBAL"),
            approvals: [Gba(), Given.Approval(ExportMechanism.StandardContract, "SC-1")]));

        Assert.True(d.Accepted);
        Assert.Equal(ExportMechanism.StandardContract, d.Mechanism);
    }

    [Fact]
    public void Decide_ShenzhenToMacaoWithGbaContract_RefusedNotApplicable()
    {
        var d = DecideGba(importer: Region.Macao, counterpart: Region.Macao);

        Assert.False(d.Accepted);
        Assert.Equal(RefusalReasons.GbaStandardContractNotApplicable, d.RefusalReason);
        Assert.Contains("Macao", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BeijingToHongKongWithGbaContract_RefusedNotApplicable()
    {
        var d = DecideGba(exporterCity: "Beijing");

        Assert.Equal(RefusalReasons.GbaStandardContractNotApplicable, d.RefusalReason);
        Assert.Contains("9 mainland GBA cities", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ExporterWithoutCityAndGbaContract_RefusedNotApplicable() =>
        Assert.Equal(RefusalReasons.GbaStandardContractNotApplicable, DecideGba(exporterCity: null).RefusalReason);

    [Fact]
    public void Decide_ImportantDataWithGbaContract_RefusedSecurityAssessmentRequired()
    {
        var d = DecideGba(level: DataLevel.Important);

        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, d.RefusalReason);
    }

    [Theory]
    [InlineData("Guangzhou")]
    [InlineData("Shenzhen")]
    [InlineData("Zhuhai")]
    [InlineData("Foshan")]
    [InlineData("Huizhou")]
    [InlineData("Dongguan")]
    [InlineData("Zhongshan")]
    [InlineData("Jiangmen")]
    [InlineData("Zhaoqing")]
    [InlineData("  sHeNzHeN ")]
    public void Decide_ExporterInEachGbaCityToHongKong_Accepted(string city) =>
        Assert.True(DecideGba(exporterCity: city).Accepted);

    [Fact]
    public void Decide_GbaContractDayBeforeGuideline_RefusedUnderStandardContractRules()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 50, date: new DateOnly(2023, 12, 12),
            approvals: Given.Approval(ExportMechanism.GbaStandardContract, "GBA-SC-1", from: new DateOnly(2023, 12, 1))));

        Assert.Equal("CN-2023.06", d.RuleSetVersion);
        Assert.Equal(RefusalReasons.GbaStandardContractNotApplicable, d.RefusalReason);
    }

    [Fact]
    public void Decide_GbaContractOnGuidelineDate_AcceptedUnder2023Rules()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 50, date: new DateOnly(2023, 12, 13),
            approvals: Given.Approval(ExportMechanism.GbaStandardContract, "GBA-SC-1", from: new DateOnly(2023, 12, 13))));

        Assert.Equal("CN-2023.12", d.RuleSetVersion);
        Assert.True(d.Accepted);
        Assert.Equal(ExportMechanism.GbaStandardContract, d.Mechanism);
    }

    [Fact]
    public void Decide_EligiblePartiesWithoutApproval_ExplanationSuggestsGbaContract()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 200_000));

        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, d.RefusalReason);
        Assert.Contains("GBA standard contract", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_IneligiblePartiesWithoutApproval_ExplanationDoesNotSuggestGbaContract()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 200_000, exporterCity: "Beijing"));

        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, d.RefusalReason);
        Assert.DoesNotContain("GBA", d.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "GLOBAL", true)]
    [InlineData(true, "GBA", true)]
    [InlineData(true, "MO", true)]
    [InlineData(true, "HK", true)]
    [InlineData(true, "CN", false)]
    [InlineData(true, "GLOBAL", false)]
    public void LicenceTerms_ForbidsOnwardTransferOutsideGba_ByTerritory(bool onwardAllowed, string territory, bool expected) =>
        Assert.Equal(expected, new LicenceTerms(onwardAllowed, territory).ForbidsOnwardTransferOutsideGba);
}
