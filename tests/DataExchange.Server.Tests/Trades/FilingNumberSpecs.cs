using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>
/// Filing numbers are public certificate numbers: issued without holes, never to a duplicate or a refused trade, and a
/// storm of retries of one request records one trade and leaves no trace of the others.
/// </summary>
public class FilingNumberSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Fifty_concurrent_copies_of_one_request_record_one_trade_draw_one_number_and_leave_no_tombstone()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Storm feed", individuals: 0));
        var eventsBefore = await server.CountEventRowsAsync();
        var request = TradeWorld.Buy(listing);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => world.DomesticBuyer.Trades.ExecuteTradeAsync(request).ResponseAsync));

        Assert.Single(answers.Select(a => (a.Name, a.FilingNumber)).Distinct());
        Assert.Equal(1, await server.ScalarAsync("select count(*) from {schema}.mt_events where type = 'trade_contracted'") - await ContractedBeforeAsync(answers[0].Name));
        Assert.Equal(0, await server.ScalarAsync("select count(*) from {schema}.mt_events where type = 'tombstone'"));
        Assert.Equal(eventsBefore + 1, await server.CountEventRowsAsync());
        await AssertNoHolesAsync();
    }

    [Fact]
    public async Task Concurrent_trades_refusals_and_retries_leave_the_years_numbers_contiguous()
    {
        var world = await TradeWorld.CreateAsync(server);
        var domestic = await world.ListedAsync(Listing("Contiguous feed", individuals: 0));
        var personal = await world.ListedAsync(Listing("Refused abroad", individuals: 200_000));
        var calls = new List<Task>();
        for (var i = 0; i < 20; i++)
        {
            var request = TradeWorld.Buy(domestic);
            calls.Add(world.DomesticBuyer.Trades.ExecuteTradeAsync(request).ResponseAsync);
            calls.Add(world.DomesticBuyer.Trades.ExecuteTradeAsync(request).ResponseAsync); // a retry racing the first
            calls.Add(Refused(world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(personal)).ResponseAsync));
        }

        await Task.WhenAll(calls);
        await AssertNoHolesAsync();
        Assert.Equal(0, await server.ScalarAsync("select count(*) from {schema}.mt_events where type = 'tombstone'"));
    }

    private static async Task Refused(Task<Trade> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    private Task<long> ContractedBeforeAsync(string exceptTrade) =>
        server.ScalarAsync($"select count(*) from {{schema}}.mt_events where type = 'trade_contracted' and stream_id <> '{exceptTrade["trades/".Length..]}'");

    /// <summary>The numbers issued this year are exactly 1…N, each once.</summary>
    private async Task AssertNoHolesAsync()
    {
        var year = DateTime.UtcNow.AddHours(8).Year;
        var issued = await server.ScalarAsync($"select count(*) from {{schema}}.mt_doc_trade where data->>'FilingNumber' like 'DX-{year}-%'");
        var distinct = await server.ScalarAsync($"select count(distinct data->>'FilingNumber') from {{schema}}.mt_doc_trade where data->>'FilingNumber' like 'DX-{year}-%'");
        var highest = await server.ScalarAsync($"select coalesce(max(substring(data->>'FilingNumber' from 9)::bigint), 0) from {{schema}}.mt_doc_trade where data->>'FilingNumber' like 'DX-{year}-%'");
        Assert.Equal(issued, distinct);
        Assert.Equal(issued, highest);
    }
}
