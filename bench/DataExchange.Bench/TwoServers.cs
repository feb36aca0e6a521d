using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using DataExchange.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace DataExchange.Bench;

/// <summary>
/// Scenario 4: two server processes on one PostgreSQL. Trades at 32 buyers split across both (their pipelines take
/// turns on one advisory lock); then the same load while the process that leads the ledger's sequencer is killed with
/// SIGKILL. Callers of the killed process retry the same request (same request_id) on the survivor, as a client with
/// two addresses would. Reported: how long until the survivor leads and the log grows again, and whether every
/// acknowledged trade is there exactly once.
/// </summary>
public static class TwoServers
{
    /// <summary>The process id of the sequencer's leader, from its connection's application name (see LedgerStorage).</summary>
    public static async Task<int?> LeaderPidAsync(string databaseUrl)
    {
        var rows = await LedgerBench.SqlAsync(databaseUrl,
            "select a.application_name from pg_stat_activity a join pg_locks l on l.pid = a.pid " +
            "where l.locktype = 'advisory' and l.granted and a.application_name like 'dx-sequencer pid %' " +
            // pg_locks and pg_stat_activity span the cluster: only this database's sequencer (scenario 5's server has its own).
            "and a.datname = current_database()");
        foreach (var row in rows)
        {
            var words = row.Split(' ');
            if (words.Length > 2 && int.TryParse(words[2], out var pid))
            {
                return pid;
            }
        }

        return null;
    }

    private static async Task<long> LogSizeAsync(string databaseUrl, string schema) =>
        long.Parse((await LedgerBench.SqlAsync(databaseUrl, $"select coalesce(max(leaf_index) + 1, 0) from \"{schema}\".ledger_leaves"))[0],
            System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<long> TradeCountAsync(string databaseUrl, string schema) =>
        long.Parse((await LedgerBench.SqlAsync(databaseUrl, $"select count(*) from \"{schema}\".mt_doc_trade"))[0],
            System.Globalization.CultureInfo.InvariantCulture);

    public sealed record Server(string Address, int Pid, GrpcChannel[] Channels);

    /// <summary>Kills the leader mid-load and reports the failover; every caller ends on the survivor.</summary>
    public static async Task<JsonObject> FailoverAsync(World world, Server a, Server b, string databaseUrl, string schema, TimeSpan window,
        int clientsPerChannel)
    {
        const int Clients = 32;
        var leaderPid = await LeaderPidAsync(databaseUrl);
        if (leaderPid is null || (leaderPid != a.Pid && leaderPid != b.Pid))
        {
            return new JsonObject { ["measured"] = false, ["reason"] = $"no sequencer leader among the two servers (leader pid {leaderPid})" };
        }

        var (victim, survivor) = leaderPid == a.Pid ? (a, b) : (b, a);
        var acknowledged = new ConcurrentDictionary<string, int>(StringComparer.Ordinal); // trade name → client
        var retried = 0L;
        var failedCalls = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var stop = new CancellationTokenSource();
        var killedAt = 0L;
        var lastAckBeforeKill = new long[Clients];
        var firstAckAfterKill = new long[Clients];

        async Task Client(int i)
        {
            var rng = new Random(5000 + i);
            var onVictim = i % 2 == 0;
            while (!stop.IsCancellationRequested)
            {
                var buyer = world.Buyers[i];
                var listing = world.Pick(buyer, rng);
                var request = new ExecuteTradeRequest
                {
                    Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = Guid.CreateVersion7().ToString(),
                };
                var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
                while (true)
                {
                    var server = onVictim ? victim : survivor;
                    try
                    {
                        var trade = await new TradeService.TradeServiceClient(server.Channels[i / clientsPerChannel % server.Channels.Length])
                            .ExecuteTradeAsync(request, buyer.Auth, deadline: DateTime.UtcNow.AddSeconds(10));
                        acknowledged[trade.Name] = i;
                        var now = Stopwatch.GetTimestamp();
                        if (Volatile.Read(ref killedAt) == 0) lastAckBeforeKill[i] = now;
                        else if (firstAckAfterKill[i] == 0) firstAckAfterKill[i] = now;
                        break;
                    }
                    catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown
                        or StatusCode.Cancelled or StatusCode.DeadlineExceeded))
                    {
                        failedCalls.AddOrUpdate(e.StatusCode + " (not retried)", 1, (_, n) => n + 1);
                        break;
                    }
                    catch (RpcException e) when (Stopwatch.GetTimestamp() < deadline)
                    {
                        failedCalls.AddOrUpdate(e.StatusCode.ToString(), 1, (_, n) => n + 1);
                        if (onVictim && Volatile.Read(ref killedAt) != 0)
                        {
                            onVictim = false; // the victim is gone: the same request again, on the survivor
                            Interlocked.Increment(ref retried);
                        }
                        else
                        {
                            await Task.Delay(50);
                        }
                    }
                }
            }
        }

        var sizeBefore = await LogSizeAsync(databaseUrl, schema);
        var tradesBefore = await TradeCountAsync(databaseUrl, schema);
        var load = Enumerable.Range(0, Clients).Select(i => Task.Run(() => Client(i))).ToArray();
        await Task.Delay(window / 3);
        Volatile.Write(ref killedAt, Stopwatch.GetTimestamp());
        Process.GetProcessById(victim.Pid).Kill();
        var killed = Stopwatch.GetTimestamp();
        var sizeAtKill = await LogSizeAsync(databaseUrl, schema);

        double? newLeaderSeconds = null, logGrowsSeconds = null;
        var watchUntil = killed + Stopwatch.Frequency * 30;
        while (Stopwatch.GetTimestamp() < watchUntil && (newLeaderSeconds is null || logGrowsSeconds is null))
        {
            if (newLeaderSeconds is null && await LeaderPidAsync(databaseUrl) == survivor.Pid)
            {
                newLeaderSeconds = Stopwatch.GetElapsedTime(killed).TotalSeconds;
            }

            if (newLeaderSeconds is not null && logGrowsSeconds is null && await LogSizeAsync(databaseUrl, schema) > sizeAtKill)
            {
                logGrowsSeconds = Stopwatch.GetElapsedTime(killed).TotalSeconds;
            }

            await Task.Delay(50);
        }

        var remaining = window - window / 3 - Stopwatch.GetElapsedTime(killed);
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining);
        stop.Cancel();
        await Task.WhenAll(load);

        // Every acknowledged trade must be readable on the survivor. Each trade had its own request id and was retried
        // until acknowledged, so the trades recorded during the phase must be exactly the acknowledged ones: more means
        // a retry was recorded twice.
        var lost = 0;
        var trades = new TradeService.TradeServiceClient(survivor.Channels[0]);
        foreach (var (name, client) in acknowledged)
        {
            try
            {
                await trades.GetTradeAsync(new GetTradeRequest { Name = name }, world.Buyers[client].Auth);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                lost++;
            }
        }

        var gaps = Enumerable.Range(0, Clients).Where(i => firstAckAfterKill[i] > 0 && lastAckBeforeKill[i] > 0)
            .Select(i => (firstAckAfterKill[i] - killedAt) / (double)Stopwatch.Frequency).DefaultIfEmpty(double.NaN).Max();
        var json = new JsonObject
        {
            ["measured"] = true,
            ["killed"] = victim.Address,
            ["acknowledged_trades"] = acknowledged.Count,
            ["lost"] = lost,
            // Refusals are recorded but not acknowledged (and never retried here).
            ["recorded_twice"] = await TradeCountAsync(databaseUrl, schema) - tradesBefore - acknowledged.Count
                - failedCalls.GetValueOrDefault(StatusCode.FailedPrecondition + " (not retried)"),
            ["retried_on_survivor"] = Interlocked.Read(ref retried),
            ["failed_calls_by_status"] = new JsonObject(failedCalls.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))),
            ["new_leader_seconds"] = newLeaderSeconds is null ? null : Report.R(newLeaderSeconds.Value, 2),
            ["log_grows_again_seconds"] = logGrowsSeconds is null ? null : Report.R(logGrowsSeconds.Value, 2),
            ["longest_wait_for_first_ack_after_kill_seconds"] = double.IsNaN(gaps) ? null : Report.R(gaps, 2),
            ["log_size_before"] = sizeBefore,
        };
        Console.WriteLine($"  failover: killed the leader {victim.Address}; survivor led after {json["new_leader_seconds"]} s, log grew again after " +
            $"{json["log_grows_again_seconds"]} s; {acknowledged.Count} trades acknowledged, {lost} lost, {json["recorded_twice"]} recorded twice, {json["retried_on_survivor"]} retried on the survivor");
        return json;
    }
}
