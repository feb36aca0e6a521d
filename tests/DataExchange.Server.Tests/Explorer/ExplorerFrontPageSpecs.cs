using DataExchange.Contracts.V1;
using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

[Collection(ExplorerCollection.Name)]
public class ExplorerFrontPageSpecs(ExplorerWorld world)
{
    [Fact]
    public async Task The_front_page_totals_equal_the_statistics_rpc()
    {
        var page = await world.OpenAsync("#/");
        await page.Locator("[data-testid=\"filed-trades\"]").WaitForAsync();
        var statistics = await world.Server.Operator.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
        var overall = statistics.Overall;

        Assert.True(overall.FiledTrades >= 2, $"the world files trades, statistics say {overall.FiledTrades}");
        Assert.Equal(overall.FiledTrades.ToString(), ExplorerPages.Digits(await page.TextAsync("filed-trades")));
        Assert.Equal(overall.CrossBorderTrades.ToString(), ExplorerPages.Digits(await page.TextAsync("cross-border-trades")));
        Assert.Equal(overall.RefusedAttempts.ToString(), ExplorerPages.Digits(await page.TextAsync("refused-attempts")));
        Assert.Equal(Amounts(overall.TotalValue), ExplorerPages.Digits(await page.TextAsync("total-value")));
        Assert.Equal(Amounts(overall.CrossBorderValue), ExplorerPages.Digits(await page.TextAsync("cross-border-value")));

        // Cross-border filings by destination: one row per destination, with its filings and value.
        foreach (var destination in statistics.CrossBorderDestinations)
        {
            var row = page.Locator($"[data-testid=\"destinations\"] tr[data-code=\"{destination.Code}\"]");
            Assert.Equal(destination.FiledTrades.ToString(), ExplorerPages.Digits(await row.Locator("[data-testid=\"dest-filings\"]").InnerTextAsync()));
            Assert.Equal(Amounts(destination.Value), ExplorerPages.Digits(await row.Locator("[data-testid=\"dest-value\"]").InnerTextAsync()));
        }

        Assert.Equal(statistics.CrossBorderDestinations.Count, await page.Locator("[data-testid=\"destinations\"] tbody tr").CountAsync());

        // The monthly chart is drawn, and its table holds one row per month with the statistics' figures.
        await Assertions.Expect(page.Locator("svg.chart")).ToBeVisibleAsync();
        Assert.Equal(statistics.Months.Count, await page.Locator("[data-testid=\"monthly-table\"] tbody tr").CountAsync());
        var filingsByMonth = statistics.Months.Sum(m => m.Totals.FiledTrades);
        Assert.Equal(overall.FiledTrades, filingsByMonth);
    }

    [Fact]
    public async Task The_front_page_shows_the_latest_checkpoint_with_each_signature_key_id_and_algorithm()
    {
        var page = await world.OpenAsync("#/");
        await page.Locator("[data-testid=\"signatures\"] tbody tr").First.WaitForAsync();
        var checkpoint = await world.Server.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest());
        var keys = (await world.Server.Operator.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest())).Keys;

        Assert.Equal(checkpoint.Origin, await page.TextAsync("checkpoint-origin"));
        var shownSize = long.Parse(ExplorerPages.Digits(await page.TextAsync("checkpoint-size")));
        Assert.True(shownSize > 0 && shownSize <= checkpoint.TreeSize, $"size shown {shownSize}, latest {checkpoint.TreeSize}");
        Assert.Matches("^[0-9a-f]{64}$", await page.TextAsync("checkpoint-root"));
        Assert.Contains("ago", await page.TextAsync("checkpoint-age"), StringComparison.Ordinal);

        var signatures = await page.Locator("[data-testid=\"signatures\"] tbody").InnerTextAsync();
        foreach (var key in keys)
        {
            Assert.Contains(key.KeyName, signatures, StringComparison.Ordinal);
            Assert.Contains(key.KeyId, signatures, StringComparison.Ordinal);
        }

        Assert.Contains("Ed25519", signatures, StringComparison.Ordinal);
        Assert.Contains("SM2", signatures, StringComparison.Ordinal);
        Assert.Contains("no witnesses", await page.TextAsync("witnesses"), StringComparison.Ordinal);
    }

    /// <summary>All the digits of the amounts, in order: what the page shows for one currency per list.</summary>
    private static string Amounts(IEnumerable<Money> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? "000" : string.Concat(list.Select(m => m.AmountMinor.ToString("D3")));
    }
}
