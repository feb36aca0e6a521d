using DataExchange.Cli;
using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary><c>dx audit replay</c> over trades: rebuilt trades, re-decided compliance and recomputed statistics agree.</summary>
public class TradeReplaySpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Replaying_the_ledger_rebuilds_trades_decisions_and_statistics_exactly()
    {
        var world = await TradeWorld.CreateAsync(server);
        var small = await world.ListedAsync(Listing("Replay small", individuals: 60_000));
        var large = await world.ListedAsync(Listing("Replay large", individuals: 60_000));
        await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(small));
        await Assert.ThrowsAsync<RpcException>(() => world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(large)).ResponseAsync);
        var cancelled = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(large));
        await world.DomesticBuyer.Trades.CancelTradeAsync(new CancelTradeRequest { Name = cancelled.Name, Reason = "duplicate", RequestId = Rid() });
        await server.Operator.Trades.FileTradeAsync(new FileTradeRequest
        {
            Listing = small.Name, Buyer = world.DomesticBuyerName, Licence = small.Licence, Amount = small.Price, ContractDate = "2022-06-01", RequestId = Rid(),
        });
        await server.CaughtUpCheckpointAsync();

        using var context = new CliContext(new CliSettings(server.Address, ServerFixture.OperatorToken, false, TimeSpan.FromSeconds(30), StateDirectory: DxStateDirectory.Path),
            new Output(false, TextWriter.Null, TextWriter.Null));
        var (differences, lines) = await LedgerReplay.RunAsync(context, CancellationToken.None);
        Assert.True(differences == 0, string.Join("\n", lines));
        Assert.Contains(lines, l => l.StartsWith("trades: 4 rebuilt, 0 difference(s); 4 compliance decisions re-derived from the rebuilt history, 0 difference(s)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("export volumes: 1 rebuilt", StringComparison.Ordinal));

        // A served trade that disagrees with its events is reported.
        await server.TamperAsync($"update {{schema}}.mt_doc_trade set data = jsonb_set(data, '{{State}}', '\"Settled\"') where id = '{cancelled.Name["trades/".Length..]}'");
        var (afterTampering, tamperedLines) = await LedgerReplay.RunAsync(context, CancellationToken.None);
        Assert.True(afterTampering >= 1, string.Join("\n", tamperedLines));
        Assert.Contains($"{cancelled.Name}: state: served Settled, replayed Cancelled", tamperedLines);
    }
}
