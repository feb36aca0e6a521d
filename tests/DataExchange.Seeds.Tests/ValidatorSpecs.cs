using DataExchange.Compliance;

namespace DataExchange.Seeds.Tests;

public class ValidatorSpecs
{
    private static readonly SeedDataSet DataSet = SeedGenerator.Generate();

    [Fact]
    public void Every_trade_gets_the_outcome_the_seed_expects_from_the_compliance_engine()
    {
        var report = SeedValidator.Validate(DataSet);
        Assert.True(report.IsValid, string.Join("\n", report.Problems));
        Assert.Equal(DataSet.Trades.Count, report.Decisions.Count);
        Assert.Equal(415, report.Figures.FiledTrades);
        Assert.Equal(110_700_000_000L, report.Figures.TotalValueMinor);
        Assert.Equal(14, report.Figures.CrossBorderTrades);
        Assert.Equal(1_115_000_000L, report.Figures.CrossBorderValueMinor);
    }

    [Fact]
    public void The_committed_file_passes_the_validator_too()
    {
        var report = SeedValidator.Validate(SeedFormat.Deserialize(File.ReadAllText(RepositoryFiles.CommittedSeedFile)));
        Assert.True(report.IsValid, string.Join("\n", report.Problems));
    }

    [Fact]
    public void Cross_border_trades_rely_on_the_mechanisms_the_seed_provides()
    {
        var decisions = SeedValidator.Validate(DataSet).Decisions.Where(d => d.CrossBorder).ToList();
        var accepted = decisions.Where(d => d.Decision.Accepted).Select(d => d.Decision).ToList();
        Assert.Equal(14, accepted.Count);
        Assert.Contains(accepted, d => d.Mechanism == ExportMechanism.Exempt);
        Assert.Contains(accepted, d => d.Mechanism == ExportMechanism.StandardContract);
        Assert.Contains(accepted, d => d.Mechanism == ExportMechanism.Certification);
        Assert.Contains(accepted, d => d.Mechanism == ExportMechanism.SecurityAssessment);
        Assert.DoesNotContain(accepted, d => d.Mechanism == ExportMechanism.GbaStandardContract);
        Assert.All(accepted, d => Assert.Contains(d.RuleSetVersion, new[] { "CN-2021.11", "CN-2022.09" }));
        var refusals = decisions.Where(d => !d.Decision.Accepted).Select(d => d.Decision.RefusalReason).ToList();
        Assert.Contains(RefusalReasons.StandardContractOrCertificationRequired, refusals);
        Assert.Contains(RefusalReasons.SecurityAssessmentRequired, refusals);
        Assert.Contains(RefusalReasons.CoreDataExportProhibited, refusals);
    }

    [Fact]
    public void A_cumulative_volume_refusal_depends_on_the_exporters_earlier_exports()
    {
        var cumulative = SeedValidator.Validate(DataSet).Decisions.Single(d =>
            d.Decision.RefusalReason == RefusalReasons.SecurityAssessmentRequired && d.Decision.RefusedByRule == RuleIds.SecurityAssessmentVolume);
        Assert.Equal(90_000, cumulative.PriorVolume.Individuals);
    }

    [Fact]
    public void A_wrong_expectation_is_reported()
    {
        var first = DataSet.Trades.First(t => t.Listing == "l-shenlan-port-basemap" && TradeOutcomes.IsRefused(t.Outcome));
        var tampered = DataSet with { Trades = [.. DataSet.Trades.Select(t => t.Id == first.Id ? t with { Outcome = TradeOutcomes.Filed } : t)] };
        var report = SeedValidator.Validate(tampered);
        Assert.Contains(report.Problems, p => p.Contains(first.Id, StringComparison.Ordinal) && p.Contains("refuses", StringComparison.Ordinal));
    }

    [Fact]
    public void Removing_an_approval_makes_its_trades_fail()
    {
        var tampered = DataSet with { Approvals = [.. DataSet.Approvals.Where(a => a.Id != "a-xinheng-standard-contract-hk")] };
        var report = SeedValidator.Validate(tampered);
        Assert.Contains(report.Problems, p => p.Contains(RefusalReasons.StandardContractOrCertificationRequired, StringComparison.Ordinal));
    }

    [Fact]
    public void Headline_figures_that_do_not_add_up_are_reported()
    {
        var tampered = DataSet with { Headline = DataSet.Headline with { FiledTrades = 416 } };
        Assert.Contains(SeedValidator.Validate(tampered).Problems, p => p.StartsWith("headline filed trades", StringComparison.Ordinal));
    }
}
