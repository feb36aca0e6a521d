using System.Collections.Concurrent;
using DataExchange.Contracts.V1;

namespace DataExchange.Seeds.Tests;

/// <summary>
/// End to end: the committed data set loaded through the public API into a real server on a real PostgreSQL.
/// </summary>
public class SeedLoadSpecs(SeedServerFixture server) : IClassFixture<SeedServerFixture>
{
    [Fact]
    public async Task Loading_reproduces_the_published_figures_and_loading_again_changes_nothing()
    {
        await server.StartAsync();
        var dataSet = await SeedFormat.ReadFileAsync(RepositoryFiles.CommittedSeedFile);
        using var channel = server.Channel();
        var trades = new TradeService.TradeServiceClient(channel);
        var seen = new ConcurrentDictionary<string, int>();

        var first = await new SeedLoader(channel, SeedServerFixture.OperatorToken)
            .LoadAsync(dataSet, p => seen.AddOrUpdate(p.Phase, p.Completed, (_, old) => Math.Max(old, p.Completed)));

        var statistics = await trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), SeedServerFixture.AsOperator());
        AssertHeadline(statistics);
        Assert.Equal(dataSet.Trades.Count(t => TradeOutcomes.IsRefused(t.Outcome)), statistics.Overall.RefusedAttempts);
        Assert.Equal(dataSet.Trades.Count, seen[SeedPhases.Trades]);
        Assert.Equal(dataSet.Participants.Count, first.ParticipantNames.Count);
        Assert.Equal(dataSet.Listings.Count, first.ListingNames.Count);

        // The second load is a series of idempotent retries: same names, not one event more.
        var events = await server.CountEventsAsync();
        var second = await new SeedLoader(channel, SeedServerFixture.OperatorToken).LoadAsync(dataSet);
        Assert.Equal(events, await server.CountEventsAsync());
        Assert.Equal(first.ParticipantNames.OrderBy(kv => kv.Key), second.ParticipantNames.OrderBy(kv => kv.Key));
        Assert.Equal(first.ListingNames.OrderBy(kv => kv.Key), second.ListingNames.OrderBy(kv => kv.Key));
        Assert.Equal(first.TradeNames.OrderBy(kv => kv.Key), second.TradeNames.OrderBy(kv => kv.Key));
        AssertHeadline(await trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), SeedServerFixture.AsOperator()));
    }

    private static void AssertHeadline(ExchangeStatistics statistics)
    {
        Assert.Equal(415, statistics.Overall.FiledTrades);
        Assert.Equal(110_700_000_000L, statistics.Overall.TotalValue.Single(m => m.CurrencyCode == "CNY").AmountMinor);
        Assert.Equal(14, statistics.Overall.CrossBorderTrades);
        Assert.Equal(1_115_000_000L, statistics.Overall.CrossBorderValue.Single(m => m.CurrencyCode == "CNY").AmountMinor);
    }
}
