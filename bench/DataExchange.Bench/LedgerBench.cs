using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Receipts;
using Grpc.Core;
using Grpc.Net.Client;

namespace DataExchange.Bench;

/// <summary>
/// Scenario 3, the verifiable ledger: checkpoint coverage of trades under load (from the server's own records),
/// receipts served and verified offline, the sequencer's backlog throughput, and `dx audit verify` over the whole log.
/// Talks to PostgreSQL through psql (the bench stays a plain gRPC client otherwise).
/// </summary>
public static class LedgerBench
{
    /// <summary>psql -AtX against the server's database; one row per line, columns separated by '|'.</summary>
    public static async Task<string[]> SqlAsync(string databaseUrl, string sql)
    {
        var start = new ProcessStartInfo("psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", databaseUrl, "-c", sql])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"psql failed ({process.ExitCode}): {error}");
        }

        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static double D(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>
    /// Commit-to-checkpoint latency of every event committed in [from, to): the first signed checkpoint whose size
    /// covers the event's leaf, its created_at minus the event's timestamp. Marten stamps the event before the commit,
    /// so this slightly overstates the latency (by the rest of the transaction).
    /// </summary>
    public static Task<JsonObject> CoverageAsync(string databaseUrl, string schema, DateTime fromUtc, DateTime toUtc) =>
        CoverageAsync(databaseUrl, schema, [(fromUtc, toUtc)]);

    /// <summary>SQL: e.timestamp in any of the windows [from, to).</summary>
    public static string InWindows(IReadOnlyList<(DateTime From, DateTime To)> windows) =>
        "(" + string.Join(" or ", windows.Select(w =>
            $"(e.timestamp >= '{w.From.ToString("O", CultureInfo.InvariantCulture)}' and e.timestamp < '{w.To.ToString("O", CultureInfo.InvariantCulture)}')")) + ")";

    /// <summary>As above, over the events committed in any of <paramref name="windows"/>.</summary>
    public static async Task<JsonObject> CoverageAsync(string databaseUrl, string schema, IReadOnlyList<(DateTime From, DateTime To)> windows)
    {
        var row = (await SqlAsync(databaseUrl, $"""
            with covered as (
              select extract(epoch from (c.created_at - e.timestamp)) * 1000 as ms
              from {schema}.mt_events e
              left join {schema}.ledger_leaves l on l.seq_id = e.seq_id
              left join lateral (select created_at from {schema}.ledger_checkpoints c where c.size > l.leaf_index order by c.size limit 1) c on true
              where {InWindows(windows)})
            select count(*), count(ms),
                   coalesce(percentile_cont(0.5) within group (order by ms), 'NaN'), coalesce(percentile_cont(0.95) within group (order by ms), 'NaN'),
                   coalesce(percentile_cont(0.99) within group (order by ms), 'NaN'), coalesce(max(ms), 'NaN')
            from covered
            """))[0].Split('|');
        return new JsonObject
        {
            ["events"] = long.Parse(row[0], CultureInfo.InvariantCulture),
            ["covered"] = long.Parse(row[1], CultureInfo.InvariantCulture),
            ["p50_ms"] = Report.R(D(row[2]), 1),
            ["p95_ms"] = Report.R(D(row[3]), 1),
            ["p99_ms"] = Report.R(D(row[4]), 1),
            ["max_ms"] = Report.R(D(row[5]), 1),
        };
    }

    /// <summary>The sequencer's own stages over a window (DX_STAGE_TIMINGS=1): hole waits, batches, commit-to-leaf lag.</summary>
    public static JsonArray? SequencerStages(StageDiff? stages) => stages is null
        ? null
        : [.. stages.Rows.Where(r => r.Stage.StartsWith("(ledger) ", StringComparison.Ordinal)).Select(r => (JsonNode)new JsonObject
        {
            ["stage"] = r.Stage["(ledger) ".Length..], ["count"] = r.Count, ["mean_ms"] = Report.R(r.MeanMs, 2),
            ["p50_ms"] = Report.R(r.P50Ms, 2), ["p99_ms"] = Report.R(r.P99Ms, 2),
        })];

    /// <summary>
    /// Commits <paramref name="events"/> synthetic events in one transaction (payloads copied from the newest real
    /// events, each in a new stream; no projection sees them) and times how long the running sequencer takes to turn
    /// them into leaves: the backlog a restarted server finds.
    /// </summary>
    public static async Task<JsonObject> BacklogAsync(string databaseUrl, string schema, int events)
    {
        var before = long.Parse((await SqlAsync(databaseUrl, $"select size from {schema}.ledger_state"))[0], CultureInfo.InvariantCulture);
        var insert = Stopwatch.StartNew();
        var inserted = (await SqlAsync(databaseUrl, $"""
            with sample as (select data, (row_number() over ()) - 1 as i from (select data from {schema}.mt_events order by seq_id desc limit 500) x),
            streams as (insert into {schema}.mt_streams (id, version) select gen_random_uuid(), 1 from generate_series(1, {events}) returning id),
            numbered as (select id, (row_number() over ()) - 1 as g from streams),
            added as (
              insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id)
              select nextval('{schema}.mt_events_sequence'), gen_random_uuid(), n.id, 1, s.data, 'bench_backlog_event', clock_timestamp(), '*DEFAULT*'
              from numbered n join sample s on s.i = n.g % (select count(*) from sample)
              returning 1)
            select count(*) from added
            """))[0];
        var committed = insert.Elapsed;
        var target = before + long.Parse(inserted, CultureInfo.InvariantCulture);
        var watch = Stopwatch.StartNew();
        long size;
        while ((size = long.Parse((await SqlAsync(databaseUrl, $"select size from {schema}.ledger_state"))[0], CultureInfo.InvariantCulture)) < target)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                return new JsonObject { ["events"] = events, ["integrated"] = size - before, ["error"] = "the sequencer did not catch up within 5 minutes" };
            }

            await Task.Delay(20);
        }

        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"  backlog: {events:N0} events committed in {committed.TotalSeconds:F2} s, integrated {seconds:F2} s later: {events / seconds:F0} events/s");
        return new JsonObject
        {
            ["events"] = events,
            ["insert_seconds"] = Report.R(committed.TotalSeconds, 2),
            ["integrate_seconds"] = Report.R(seconds, 2),
            ["events_per_second"] = Report.R(events / seconds, 0),
        };
    }

    /// <summary>`dx audit verify --json` over the whole log, as an auditor runs it (the Release build, its own process).</summary>
    public static async Task<JsonObject> AuditAsync(string dxDll, string address, string token)
    {
        var start = new ProcessStartInfo("dotnet", [dxDll, "audit", "verify", "--json", "--address", address, "--token", token])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        var wall = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        wall.Stop();
        if (process.ExitCode != 0)
        {
            return new JsonObject { ["ok"] = false, ["exit_code"] = process.ExitCode, ["error"] = (error + output).Trim() };
        }

        var report = JsonNode.Parse(output)!;
        var leaves = report["leaves_checked"]!.GetValue<long>();
        var rate = report["leaves_per_second"]!.GetValue<double>();
        Console.WriteLine($"  dx audit verify: {leaves:N0} leaves at {rate:F0} leaves/s (process wall time {wall.Elapsed.TotalSeconds:F2} s)");
        return new JsonObject
        {
            ["ok"] = report["ok"]!.GetValue<bool>(),
            ["leaves"] = leaves,
            ["leaves_per_second"] = Report.R(rate, 0),
            ["process_seconds"] = Report.R(wall.Elapsed.TotalSeconds, 2),
            ["leaves_per_second_incl_process_start"] = Report.R(leaves / wall.Elapsed.TotalSeconds, 0),
        };
    }

    /// <summary>Offline receipt verification (the whole dataexchange.trade-receipt/1 check) with the library, on one core and on all.</summary>
    public static JsonObject VerifyReceiptsOffline(IReadOnlyList<TradeReceipt> receipts, IReadOnlyList<INoteVerifier> keys, TimeSpan window)
    {
        if (receipts.Count == 0)
        {
            return new JsonObject { ["measured"] = false };
        }

        // The whole document as a verifier holds it: payloads, replay, proofs, stream head, both signatures.
        var files = receipts.Select(r => (Json: Google.Protobuf.JsonFormatter.Default.Format(r), r.Origin)).ToList();
        bool VerifyOne(int i) => TradeReceiptVerifier.Verify(files[i].Json, keys.ToList(), files[i].Origin).IsValid;

        var invalid = Enumerable.Range(0, files.Count).Count(i => !VerifyOne(i));
        double Rate(int threads)
        {
            long done = 0;
            var watch = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var i = t;
                while (watch.Elapsed < window)
                {
                    VerifyOne(i++ % files.Count);
                    Interlocked.Increment(ref done);
                }
            });
            return done / watch.Elapsed.TotalSeconds;
        }

        var one = Rate(1);
        var all = Rate(Environment.ProcessorCount);
        Console.WriteLine($"  offline receipt verification: {one:F0}/s on one core, {all:F0}/s on {Environment.ProcessorCount}; {invalid} of {receipts.Count} invalid");
        return new JsonObject
        {
            ["receipts"] = receipts.Count,
            ["invalid"] = invalid,
            ["leaves_per_receipt"] = Report.R(receipts.Average(r => r.Leaves.Count), 2),
            ["per_second_one_core"] = Report.R(one, 0),
            ["per_second_all_cores"] = Report.R(all, 0),
        };
    }

    public static async Task<IReadOnlyList<INoteVerifier>> KeysAsync(GrpcChannel channel, Metadata auth)
    {
        var keys = await new LedgerService.LedgerServiceClient(channel).ListSigningKeysAsync(new ListSigningKeysRequest(), auth);
        return [.. keys.Keys.Where(k => k.ValidUntilTreeSize == 0).Select(k => NoteKeys.ParseVerifierKey(k.VerifierKey))];
    }
}
