using System.Collections.Concurrent;
using DataExchange.Contracts.V1;
using Xunit.Abstractions;

namespace DataExchange.Seeds.Tests;

/// <summary>
/// End to end: the committed data set loaded through the public API into a real server on a real PostgreSQL.
/// </summary>
public class SeedLoadSpecs(SeedServerFixture server, ITestOutputHelper output) : IClassFixture<SeedServerFixture>
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

        await EverySeededReceiptAndTheWholeLogVerifyAsync(channel, first.TradeNames.Values, first.TradeNames.Count);
        await TheSeededExchangeReplaysWithoutADifferenceAsync(dataSet.Trades.Count);

        // The second load is a series of idempotent retries: same names, not one event more.
        var events = await server.CountEventsAsync();
        var second = await new SeedLoader(channel, SeedServerFixture.OperatorToken).LoadAsync(dataSet);
        Assert.Equal(events, await server.CountEventsAsync());
        Assert.Equal(first.ParticipantNames.OrderBy(kv => kv.Key), second.ParticipantNames.OrderBy(kv => kv.Key));
        Assert.Equal(first.ListingNames.OrderBy(kv => kv.Key), second.ListingNames.OrderBy(kv => kv.Key));
        Assert.Equal(first.TradeNames.OrderBy(kv => kv.Key), second.TradeNames.OrderBy(kv => kv.Key));
        AssertHeadline(await trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), SeedServerFixture.AsOperator()));
    }

    /// <summary>
    /// Every seeded trade's receipt (refused attempts too) verifies offline with the C# verifier and with the independent
    /// tools/verify_receipt.py (one process over all of them), and `dx audit verify` passes over the seeded log.
    /// </summary>
    private async Task EverySeededReceiptAndTheWholeLogVerifyAsync(Grpc.Net.Client.GrpcChannel channel, IEnumerable<string> tradeNames, int tradeCount)
    {
        var ledger = new LedgerService.LedgerServiceClient(channel);
        var events = await server.CountEventsAsync();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        SignedCheckpoint checkpoint;
        while (true)
        {
            checkpoint = await ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true }, SeedServerFixture.AsOperator());
            if (checkpoint.TreeSize >= events)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the ledger holds {checkpoint.TreeSize} of {events} events after two minutes");
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            await tick.WaitForNextTickAsync();
        }

        // What `dx ledger keys --out` writes: <name>.pem and <name>.vkey.
        var keysDirectory = Directory.CreateTempSubdirectory("dx-seed-keys-").FullName;
        foreach (var key in (await ledger.ListSigningKeysAsync(new ListSigningKeysRequest(), SeedServerFixture.AsOperator())).Keys)
        {
            await File.WriteAllTextAsync(Path.Combine(keysDirectory, key.KeyName + ".pem"), key.PublicKeyPem);
            await File.WriteAllTextAsync(Path.Combine(keysDirectory, key.KeyName + ".vkey"), key.VerifierKey + "\n");
        }

        var keys = DataExchange.Cli.Commands.KeyFiles.Load([keysDirectory]);
        var receiptsDirectory = Directory.CreateTempSubdirectory("dx-seed-receipts-").FullName;
        var files = new List<string>();
        foreach (var name in tradeNames)
        {
            var receipt = await ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = name }, SeedServerFixture.AsOperator());
            var json = Google.Protobuf.JsonFormatter.Default.Format(receipt);
            var result = DataExchange.Cli.Commands.ReceiptCommands.Verify(json, keys, null);
            Assert.True(result.IsValid, $"{name}: {result.Describe()}");
            files.Add(Path.Combine(receiptsDirectory, name["trades/".Length..] + ".json"));
            await File.WriteAllTextAsync(files[^1], json);
        }

        Assert.Equal(tradeCount, files.Count);
        var python = await PythonVerifierAsync([.. files, "--key", keysDirectory]);
        var lines = python.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(python.Exit == 0 && python.Stderr.Length == 0, $"verify_receipt.py exit {python.Exit}: {string.Join("\n", lines.Where(l => !l.Contains(": OK: ", StringComparison.Ordinal)).Take(10))}{python.Stderr}");
        Assert.Equal(files.Count, lines.Length);
        Assert.All(files.Zip(lines), pair => Assert.StartsWith($"{pair.First}: OK: ", pair.Second, StringComparison.Ordinal));
        Directory.Delete(receiptsDirectory, recursive: true);

        var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(ledger, () => SeedServerFixture.AsOperator(), keys, null, null, CancellationToken.None);
        Assert.True(audit.Ok, audit.Failure);
    }

    /// <summary>python3 tools/verify_receipt.py with the given arguments, to its end (at most five minutes).</summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> PythonVerifierAsync(IEnumerable<string> arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryFiles.Root,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryFiles.Root, "tools", "verify_receipt.py"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1"; // no __pycache__ left in tools/

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("tools/verify_receipt.py did not finish within five minutes.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>`dx audit replay`: every payload matches its leaf, every decision re-derives from the history, every served field agrees.</summary>
    private async Task TheSeededExchangeReplaysWithoutADifferenceAsync(int trades)
    {
        // dx's memory of checkpoints: a folder of this replay's own, never the user's (the seeded log's origin is the default one).
        var state = Directory.CreateTempSubdirectory("dx-state-").FullName;
        using var context = new DataExchange.Cli.CliContext(
            new DataExchange.Cli.CliSettings(server.Address, SeedServerFixture.OperatorToken, false, TimeSpan.FromMinutes(1), StateDirectory: state),
            new DataExchange.Cli.Output(false, TextWriter.Null, TextWriter.Null));
        var report = await DataExchange.Cli.Commands.LedgerReplay.RunAsync(context, CancellationToken.None);
        output.WriteLine(string.Join("\n", report.Lines));
        Directory.Delete(state, recursive: true);
        Assert.True(report.Differences == 0, string.Join("\n", report.Lines));
        Assert.Contains(report.Lines, l => l.StartsWith($"trades: {trades} rebuilt, 0 difference(s); {trades} compliance decisions re-derived", StringComparison.Ordinal));
    }

    private static void AssertHeadline(ExchangeStatistics statistics)
    {
        Assert.Equal(415, statistics.Overall.FiledTrades);
        Assert.Equal(110_700_000_000L, statistics.Overall.TotalValue.Single(m => m.CurrencyCode == "CNY").AmountMinor);
        Assert.Equal(14, statistics.Overall.CrossBorderTrades);
        Assert.Equal(1_115_000_000L, statistics.Overall.CrossBorderValue.Single(m => m.CurrencyCode == "CNY").AmountMinor);
    }
}
