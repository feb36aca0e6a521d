using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>
/// Two servers batching trades on one database take turns on the pipeline's advisory lock and load their state inside
/// it: an exclusive licence is granted once, and the filing numbers of both servers' batches leave no gap and no repeat.
/// </summary>
public class TradePipelineTwoServerSpecs
{
    [Fact]
    public async Task Two_batching_servers_grant_one_exclusive_licence_and_file_gapless_numbers()
    {
        var first = new ServerFixture();
        await first.InitializeAsync();
        var second = new ServerFixture { Schema = first.Schema, DataDirectory = first.DataDirectory, OwnsSchema = false };
        try
        {
            await second.InitializeAsync();
            var world = await TradeWorld.CreateAsync(first);
            var exclusive = await world.ListedAsync(Listing("Exclusive corpus", individuals: 0, exclusive: true));
            var shared = await world.ListedAsync(Listing("Shared feed", individuals: 0));
            var buyers = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
                first.NewParticipantAsync($"Racer {i}", Region.MainlandChina, "Dongguan", Role.Buyer)));

            // Every buyer, half through each server: one exclusive trade and one ordinary trade each, all at once.
            var calls = buyers.SelectMany((b, i) =>
            {
                var trades = (i % 2 == 0 ? first : second).As(b.Token).Trades;
                return new[] { Outcome(trades, exclusive, exclusive: true), Outcome(trades, shared, exclusive: false) };
            });
            var outcomes = await Task.WhenAll(calls);

            Assert.Equal(1, outcomes.Count(o => o.Exclusive && o.Code == StatusCode.OK));
            Assert.All(outcomes.Where(o => o.Exclusive && o.Code != StatusCode.OK), o => Assert.Equal(StatusCode.FailedPrecondition, o.Code));
            Assert.All(outcomes.Where(o => !o.Exclusive), o => Assert.Equal(StatusCode.OK, o.Code));
            var numbers = outcomes.Where(o => o.Code == StatusCode.OK).Select(o => int.Parse(o.FilingNumber[^6..], System.Globalization.CultureInfo.InvariantCulture))
                .Order().ToList();
            Assert.Equal(Enumerable.Range(numbers[0], buyers.Length + 1), numbers);
        }
        finally
        {
            await second.DisposeAsync();
            await first.DisposeAsync();
        }
    }

    private static async Task<(bool Exclusive, StatusCode Code, string FilingNumber)> Outcome(
        TradeService.TradeServiceClient trades, DataExchange.Contracts.V1.Listing listing, bool exclusive)
    {
        try
        {
            var trade = await trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
            return (exclusive, StatusCode.OK, trade.FilingNumber);
        }
        catch (RpcException e)
        {
            return (exclusive, e.StatusCode, "");
        }
    }
}
