using DataExchange.Contracts.V1;
using DataExchange.Server.Configuration;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Trades;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>
/// One generated workload (filings by compliance, domestic and to Hong Kong, exclusive licences, volumes that cross the
/// thresholds during the run, one request id sent twice) through a server contracting one trade per transaction and
/// through a server batching them, in the same order: every answer and every recorded event agree.
/// </summary>
public class TradePipelineEquivalenceSpecs
{
    private const int Trades = 96;
    private const int BatchMax = 24;

    [Fact]
    public async Task A_generated_workload_is_answered_alike_one_by_one_and_by_the_batched_pipeline()
    {
        var unbatched = new ServerFixture { Trades = new TradePipelineSettings { Enabled = false } };
        // Batches fill to BatchMax (the window is long), so the 96 trades commit as 4 batches of 24 in sending order.
        var batched = new ServerFixture { Trades = new TradePipelineSettings { Enabled = true, BatchMax = BatchMax, Window = TimeSpan.FromMinutes(5) } };
        await unbatched.InitializeAsync();
        await batched.InitializeAsync();
        try
        {
            var one = await RunAsync(unbatched, inOneBatch: false);
            var many = await RunAsync(batched, inOneBatch: true);

            Assert.Equal(Trades, one.Answers.Count);
            for (var i = 0; i < Trades; i++)
            {
                Assert.True(one.Answers[i] == many.Answers[i], $"request {i}:\n one by one: {one.Answers[i]}\n batched:    {many.Answers[i]}");
            }

            Assert.Equal(one.Events, many.Events);
            Assert.Contains(one.Answers, a => a.StartsWith("OK", StringComparison.Ordinal) && a.Contains("cross_border=True", StringComparison.Ordinal));
            Assert.Contains(one.Answers, a => a.StartsWith("OK", StringComparison.Ordinal) && a.Contains("cross_border=False", StringComparison.Ordinal));
            Assert.Contains(one.Answers, a => a.Contains("EXCLUSIVE_LICENCE_TAKEN", StringComparison.Ordinal));
            Assert.Contains(one.Answers, a => a.StartsWith("FailedPrecondition", StringComparison.Ordinal) && !a.Contains("EXCLUSIVE", StringComparison.Ordinal));
        }
        finally
        {
            await batched.DisposeAsync();
            await unbatched.DisposeAsync();
        }
    }

    private sealed record Run(List<string> Answers, string Events);

    private static async Task<Run> RunAsync(ServerFixture server, bool inOneBatch)
    {
        var world = await TradeWorld.CreateAsync(server);
        var listings = new List<DataExchange.Contracts.V1.Listing>();
        long[] sizes = [0, 4_000, 30_000, 60_000, 250_000];
        for (var i = 0; i < 8; i++)
        {
            var listing = await world.ListedAsync(Listing($"Feed {i}", individuals: sizes[i % sizes.Length], exclusive: i % 4 == 3));
            if (i % 2 == 0)
            {
                await world.ApproveAsync(ExportMechanism.StandardContract, listing);
            }

            listings.Add(listing);
        }

        var random = new Random(20261203);
        string[] dates = ["2025-12-30", "2026-01-15", "2026-03-01", "2026-06-30"];
        var requests = new List<FileTradeRequest>();
        for (var i = 0; i < Trades; i++)
        {
            var listing = listings[random.Next(listings.Count)];
            requests.Add(i == 40 ? requests[12].Clone() : new FileTradeRequest
            {
                Listing = listing.Name, Buyer = random.Next(2) == 0 ? world.HongKongBuyerName : world.DomesticBuyerName,
                Licence = listing.Licence, Amount = random.Next(12) == 0 ? new Money { CurrencyCode = "CNY", AmountMinor = 1 } : listing.Price,
                ContractDate = dates[random.Next(dates.Length)], ExternalReference = $"EXT-{i}", RequestId = $"workload-{i}",
            });
        }

        var answers = new string[Trades];
        if (!inOneBatch)
        {
            for (var i = 0; i < Trades; i++)
            {
                answers[i] = await AnswerAsync(world, requests[i]);
            }
        }
        else
        {
            // Queue the trades in sending order: each is sent once the one before it is in the pipeline's queue.
            var pipeline = server.Services.GetRequiredService<TradePipeline>();
            var start = pipeline.Received;
            var calls = new List<Task<string>>();
            for (var i = 0; i < Trades; i++)
            {
                calls.Add(AnswerAsync(world, requests[i]));
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (pipeline.Received < start + i + 1)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"trade {i} was not queued within 30 s");
                    await Task.Yield();
                }
            }

            answers = await Task.WhenAll(calls);
        }

        return new Run([.. answers], await EventsAsync(server));
    }

    /// <summary>The answer without what differs between two servers (ids, names, times): status, reason, filing and compliance.</summary>
    private static async Task<string> AnswerAsync(TradeWorld world, FileTradeRequest request)
    {
        try
        {
            var t = await world.Compliance.Trades.FileTradeAsync(request);
            var c = t.Compliance;
            return $"OK {t.FilingNumber} {t.State} {t.ContractDate} cross_border={c.CrossBorder} accepted={c.Accepted} {c.Mechanism} {c.RuleSetVersion} " +
                $"cumulative={c.CumulativeIndividuals}/{c.CumulativeSensitiveIndividuals} evaluations={c.Evaluations.Count}";
        }
        catch (RpcException e)
        {
            var info = e.GetRpcStatus()?.GetDetail<ErrorInfo>();
            return $"{e.StatusCode} {info?.Reason} {info?.Metadata.GetValueOrDefault("rule")}";
        }
    }

    /// <summary>
    /// Every recorded event by type, with the filing number, volume and year it carries. Sorted: within one batch's commit
    /// the events are stored stream by stream, not in decision order (the filing numbers carry that order).
    /// </summary>
    private static async Task<string> EventsAsync(ServerFixture server)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            select type, coalesce(data->>'FilingNumber', ''), coalesce(data->>'Individuals', ''), coalesce(data->>'Year', '')
            from {server.Schema}.mt_events
            where type in ('trade_contracted', 'trade_refused', 'exclusive_licence_granted', 'export_volume_recorded')
            order by seq_id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<string>();
        while (await reader.ReadAsync())
        {
            events.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)} {reader.GetString(3)}");
        }

        Assert.NotEmpty(events);
        events.Sort(StringComparer.Ordinal);
        return string.Join('\n', events);
    }
}
