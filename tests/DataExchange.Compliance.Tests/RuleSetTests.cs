using System.Runtime.CompilerServices;

namespace DataExchange.Compliance.Tests;

/// <summary>Rule-set versions, selection by trade date, and judging old trades by old rules.</summary>
public class RuleSetTests
{
    [Theory]
    [InlineData("2016-01-01", "CN-2017.06")] // before the first: the first applies (callers refuse such dates)
    [InlineData("2017-06-01", "CN-2017.06")]
    [InlineData("2021-08-31", "CN-2017.06")]
    [InlineData("2021-09-01", "CN-2021.09")]
    [InlineData("2021-10-31", "CN-2021.09")]
    [InlineData("2021-11-01", "CN-2021.11")]
    [InlineData("2021-12-15", "CN-2021.11")]
    [InlineData("2022-08-31", "CN-2021.11")]
    [InlineData("2022-09-01", "CN-2022.09")]
    [InlineData("2023-05-31", "CN-2022.09")]
    [InlineData("2023-06-01", "CN-2023.06")]
    [InlineData("2023-12-12", "CN-2023.06")]
    [InlineData("2023-12-13", "CN-2023.12")]
    [InlineData("2024-03-21", "CN-2023.12")]
    [InlineData("2024-03-22", "CN-2024.03")]
    [InlineData("2024-09-09", "CN-2024.03")]
    [InlineData("2024-09-10", "CN-2024.09")]
    [InlineData("2024-12-31", "CN-2024.09")]
    [InlineData("2025-01-01", "CN-2025.01")]
    [InlineData("2025-06-26", "CN-2025.01")]
    [InlineData("2025-06-27", "CN-2025.06")]
    [InlineData("2025-12-31", "CN-2025.06")]
    [InlineData("2026-01-01", "CN-2026.01")]
    [InlineData("2030-01-01", "CN-2026.01")]
    public void RuleSetFor_TradeDate_PicksLatestEffectiveOnOrBefore(string date, string version) =>
        Assert.Equal(version, RuleSetCatalog.Default.RuleSetFor(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)).Version);

    [Fact]
    public void Decide_SmallPersonalInformationExportIn2022_RefusedContractRequiredBut2024Exempt()
    {
        var in2022 = ComplianceEngine.Decide(Given.Trade(individuals: 50, date: new DateOnly(2022, 11, 15)));
        var in2024 = ComplianceEngine.Decide(Given.Trade(individuals: 50, date: new DateOnly(2024, 11, 15)));

        Assert.Equal("CN-2022.09", in2022.RuleSetVersion);
        Assert.False(in2022.Accepted);
        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, in2022.RefusalReason);
        Assert.Contains("no small-volume exemption", in2022.Explanation, StringComparison.Ordinal);
        Assert.Equal("CN-2024.09", in2024.RuleSetVersion);
        Assert.True(in2024.Accepted);
        Assert.Equal(ExportMechanism.Exempt, in2024.Mechanism);
    }

    [Fact]
    public void Decide_150000IndividualsIn2022_SecurityAssessmentButContractIn2024()
    {
        var sc = Given.Approval(ExportMechanism.StandardContract, "SC-1", from: new DateOnly(2022, 1, 1));
        var in2022 = ComplianceEngine.Decide(Given.Trade(individuals: 150_000, date: new DateOnly(2022, 10, 1), approvals: sc));
        var in2024 = ComplianceEngine.Decide(Given.Trade(individuals: 150_000, date: new DateOnly(2024, 10, 1), approvals: sc));

        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, in2022.RefusalReason);
        Assert.True(in2024.Accepted);
        Assert.Equal(ExportMechanism.StandardContract, in2024.Mechanism);
    }

    [Theory]
    [InlineData(99_999, RefusalReasons.StandardContractOrCertificationRequired)]
    [InlineData(100_000, RefusalReasons.SecurityAssessmentRequired)]
    public void Decide_2022AssessmentThresholdAt100000_BandChanges(long individuals, string reason) =>
        Assert.Equal(reason, ComplianceEngine.Decide(Given.Trade(individuals: individuals, date: new DateOnly(2023, 3, 1))).RefusalReason);

    [Fact]
    public void Decide_December2021Trade_JudgedByPiplRuleSet()
    {
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 10, date: new DateOnly(2021, 12, 20),
            approvals: Given.Approval(ExportMechanism.StandardContract, "SC-2021", from: new DateOnly(2021, 12, 1))));

        Assert.Equal("CN-2021.11", d.RuleSetVersion);
        Assert.True(d.Accepted);
        Assert.Equal(ExportMechanism.StandardContract, d.Mechanism);
    }

    [Fact]
    public void Decide_ReplayWithRecordedVersion_EqualsOriginalDecision()
    {
        var input = Given.Trade(individuals: 150_000, date: new DateOnly(2022, 10, 1));
        var original = ComplianceEngine.Decide(input);
        var replayed = ComplianceEngine.Decide(input, RuleSetCatalog.Default.Find(original.RuleSetVersion)!);

        Assert.Equal(original, replayed);
    }

    [Fact]
    public void Decide_ExplicitCatalog_UsesThatCatalog()
    {
        var strict = RuleSetCatalog.Cn2024_03 with { Version = "TEST-STRICT", ContractIndividuals = 10 };
        var d = ComplianceEngine.Decide(Given.Trade(individuals: 10), new RuleSetCatalog([strict]));

        Assert.Equal("TEST-STRICT", d.RuleSetVersion);
        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, d.RefusalReason);
    }

    [Fact]
    public void VolumeWindowStart_2022RulesCountFromPreviousYear_2024RulesFromCurrentYear()
    {
        var date = new DateOnly(2023, 5, 5);
        Assert.Equal(new DateOnly(2022, 1, 1), RuleSetCatalog.Cn2022_09.VolumeWindowStart(date));
        Assert.Equal(new DateOnly(2023, 1, 1), RuleSetCatalog.Cn2024_03.VolumeWindowStart(date));
    }

    [Fact]
    public void Catalog_DuplicateVersion_Throws() =>
        Assert.Throws<ArgumentException>(() => new RuleSetCatalog(
            [RuleSetCatalog.Cn2022_09, RuleSetCatalog.Cn2024_03 with { Version = "CN-2022.09" }]));

    [Fact]
    public void Catalog_Empty_Throws() => Assert.Throws<ArgumentException>(() => new RuleSetCatalog([]));

    [Fact]
    public void Catalog_Default_IsOrderedByEffectiveDate()
    {
        var versions = RuleSetCatalog.Default.Versions;
        Assert.Equal(
            ["CN-2017.06", "CN-2021.09", "CN-2021.11", "CN-2022.09", "CN-2023.06", "CN-2023.12", "CN-2024.03", "CN-2024.09", "CN-2025.01", "CN-2025.06", "CN-2026.01"],
            versions.Select(v => v.Version));
        Assert.Null(RuleSetCatalog.Default.Find("CN-1999.01"));
    }

    [Fact]
    public void Describe_ListsEveryVersionWithEffectiveDate()
    {
        var text = RuleSetCatalog.Default.Describe();

        foreach (var r in RuleSetCatalog.Default.Versions)
            Assert.Contains($"| {r.Version} | {r.EffectiveFrom:yyyy-MM-dd} |", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Readme_ContainsCurrentDescribeTable()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "src", "DataExchange.Compliance", "README.md"));

        Assert.Contains(RuleSetCatalog.Default.Describe(), readme.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    private static string RepoRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
