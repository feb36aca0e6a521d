using DataExchange.Cli;
using DataExchange.Cli.Commands;

namespace DataExchange.Cli.Tests;

public sealed class RulesCommandsTests
{
    [Theory]
    [InlineData("CN-2024.03", "CN-2024.03")]
    [InlineData("cn-2024.03", "CN-2024.03")]
    [InlineData("2024-03-21", "CN-2023.12")]
    [InlineData("2024-03-22", "CN-2024.03")]
    [InlineData("2017-06-01", "CN-2017.06")]
    [InlineData("2026-12-04", "CN-2026.01")]
    public void Show_finds_a_version_by_name_or_by_the_date_it_was_in_force(string text, string version) =>
        Assert.Equal(version, RulesCommands.ShowCommand.Find(text).Version);

    [Theory]
    [InlineData("2017-05-31", "earliest took effect on 2017-06-01")]
    [InlineData("CN-2019.01", "neither a rule-set version")]
    public void Show_refuses_a_day_before_the_law_or_an_unknown_version(string text, string message) =>
        Assert.Contains(message, Assert.Throws<CliException>(() => RulesCommands.ShowCommand.Find(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void The_json_view_carries_every_citation_of_the_version()
    {
        var rules = DataExchange.Compliance.RuleSetCatalog.Default.Find("CN-2026.01")!;
        var view = RulesCommands.View(rules);
        Assert.Equal(rules.Citations.Count, view.Citations.Count);
        Assert.Equal(3, view.CertificationValidityYears);
        Assert.Equal(20, view.ExtensionMaxGrowthPercent);
    }
}
