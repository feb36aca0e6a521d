namespace DataExchange.Compliance.Tests;

/// <summary>What counts as a mainland export at all.</summary>
public class ScopeTests
{
    [Fact]
    public void Decide_DomesticTrade_AcceptedNotCrossBorder()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 5_000_000, sensitive: 50_000, importer: Region.MainlandChina,
            prior: new ExportVolume(7, 0)));

        Assert.True(d.Accepted);
        Assert.False(d.CrossBorder);
        Assert.Equal(ExportMechanism.None, d.Mechanism);
        Assert.Null(d.RefusalReason);
        Assert.Equal(new ExportVolume(7, 0), d.VolumeAfter);
        var scope = Assert.Single(d.Evaluations);
        Assert.Equal(RuleIds.Scope, scope.RuleId);
        Assert.Equal(Outcomes.Domestic, scope.Outcome);
        Assert.Contains("domestic", d.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_DomesticCoreData_AcceptedBecauseNotAnExport() =>
        Assert.True(ComplianceEngine.Decide(Given.Trade(level: DataLevel.Core, importer: Region.MainlandChina)).Accepted);

    [Theory]
    [InlineData(Region.MainlandChina)]
    [InlineData(Region.HongKong)]
    [InlineData(Region.Other)]
    public void Decide_HongKongLocatedData_NotMainlandExport(Region importer)
    {
        var input = Given.Trade(individuals: 2_000_000, sensitive: 20_000, importer: importer);
        input = input with { Data = input.Data with { Location = Region.HongKong, LocationCity = null } };
        var d = ComplianceEngine.Decide(input);

        Assert.True(d.Accepted);
        Assert.False(d.CrossBorder);
        Assert.Equal(Outcomes.NotMainlandExport, Assert.Single(d.Evaluations).Outcome);
        Assert.Contains("not an export out of the mainland", d.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Region.HongKong)]
    [InlineData(Region.Macao)]
    [InlineData(Region.Other)]
    public void Decide_MainlandDataToImporterOutsideMainland_CrossBorder(Region importer)
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 10, importer: importer));

        Assert.True(d.CrossBorder);
        Assert.Equal(Outcomes.CrossBorder, d.Evaluations[0].Outcome);
    }

    [Fact]
    public void Decide_CrossBorderRefusal_RecordsRulesInDecisionOrder()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 200_000));

        Assert.Equal(
            [RuleIds.Scope, RuleIds.Declaration, RuleIds.CoreData, RuleIds.ImportantData, RuleIds.CriticalInfrastructure,
             RuleIds.SecurityAssessmentVolume, RuleIds.ContractBand, RuleIds.ContractApproval, RuleIds.GbaStandardContract],
            d.Evaluations.Select(e => e.RuleId));
        var band = d.Evaluations.Single(e => e.RuleId == RuleIds.ContractBand);
        Assert.Equal("200000", band.Inputs["cumulativeIndividuals"]);
        Assert.Equal("100000", band.Inputs["individualsThreshold"]);
    }
}
