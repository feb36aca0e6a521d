using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataExchange.Bench;

public sealed record Options(string Address, string Token, bool Quick, double TradeSeconds, string? StageFile, string OutDir,
    string? PgbenchFile, string? LedgerFile, string? SeedFile, string PgVersion, string Commit, int? ServerPid, int? PostmasterPid, string? ServerEnv,
    string? DatabaseUrl, string Schema, string? DxDll, string? SecondAddress, int? SecondServerPid,
    string? WitnessedAddress, string? WitnessedDatabaseUrl, int? WitnessedServerPid, string? WitnessedMetrics, int WitnessQuorum, int[] WitnessPids,
    string? UnwitnessedAddress, string? UnwitnessedDatabaseUrl, int? UnwitnessedServerPid)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick") { map["quick"] = "1"; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            map[args[i][2..]] = args[++i];
        }

        string? Opt(string k) => map.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        var quick = map.ContainsKey("quick");
        return new Options(
            Opt("address") ?? "http://127.0.0.1:5080",
            Opt("token") ?? Environment.GetEnvironmentVariable("DX_TOKEN") ?? throw new ArgumentException("--token or DX_TOKEN (an operator token) is required"),
            quick,
            double.Parse(Opt("trade-seconds") ?? (quick ? "8" : "30"), CultureInfo.InvariantCulture),
            Opt("stage-file"),
            Opt("out-dir") ?? "bench/results",
            Opt("pgbench"), Opt("ledger"), Opt("seed"),
            Opt("pg-version") ?? "unknown",
            Opt("commit") ?? "unknown",
            Opt("server-pid") is { } sp ? int.Parse(sp, CultureInfo.InvariantCulture) : null,
            Opt("postmaster-pid") is { } pp ? int.Parse(pp, CultureInfo.InvariantCulture) : null,
            Opt("server-env"),
            Opt("database-url"),
            Opt("schema") ?? "dataexchange",
            Opt("dx"),
            Opt("second-address"),
            Opt("second-server-pid") is { } sp2 ? int.Parse(sp2, CultureInfo.InvariantCulture) : null,
            Opt("witnessed-address"),
            Opt("witnessed-database-url"),
            Opt("witnessed-server-pid") is { } wp ? int.Parse(wp, CultureInfo.InvariantCulture) : null,
            Opt("witnessed-metrics"),
            int.Parse(Opt("witness-quorum") ?? "0", CultureInfo.InvariantCulture),
            [.. (Opt("witness-pids") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture))],
            Opt("unwitnessed-address"),
            Opt("unwitnessed-database-url"),
            Opt("unwitnessed-server-pid") is { } up ? int.Parse(up, CultureInfo.InvariantCulture) : null);
    }
}

public static class Report
{
    /// <summary>/proc/loadavg when the load generator started: other work on the machine skews every figure.</summary>
    public static readonly string LoadAverageAtStart =
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static double? R(double v, int digits) => double.IsFinite(v) ? Math.Round(v, digits) : null;

    private static JsonObject? ReadObject(string? path) =>
        path is not null && File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject : null;

    public static void Write(Options o, IReadOnlyList<ScenarioResult> results, double crossBorderShare, long tradesInTable, JsonObject? measuredLedger,
        JsonObject? twoServers, JsonObject? witnessing = null)
    {
        var t32 = results.First(r => r.Name == "execute_trade_32");
        var t8 = results.First(r => r.Name == "execute_trade_8");
        var oneExporter = results.FirstOrDefault(r => r.Name == "execute_trade_32_one_exporter");
        var oneExporterShare = oneExporter is null || t32.Throughput <= 0 ? (double?)null : oneExporter.Throughput / t32.Throughput;
        var pgbench = ReadObject(o.PgbenchFile);
        var ledger = measuredLedger ?? ReadObject(o.LedgerFile) ?? new JsonObject { ["measured"] = false, ["reason"] = "not measured: no --database-url" };
        var seed = ReadObject(o.SeedFile) ?? new JsonObject { ["measured"] = false, ["reason"] = "not measured: dx seed not on main yet" };
        var pgTps = pgbench?["tps"]?.GetValue<double>();
        var ratio = pgTps is > 0 ? t32.Throughput / pgTps.Value : (double?)null;
        var pg8Tps = pgbench?["scale8"]?["tps"]?.GetValue<double>();
        var ratio8 = pg8Tps is > 0 ? t32.Throughput / pg8Tps.Value : (double?)null;
        var auditRate = ledger["audit_verify_leaves_per_second"]?.GetValue<double>();
        var checkpointP99 = ledger["checkpoint_p99_ms"]?.GetValue<double>();
        var seedSeconds = seed["seed_load_seconds"]?.GetValue<double>();
        witnessing ??= new JsonObject { ["measured"] = false, ["reason"] = "no --witnessed-address" };
        var witnessTradesRatio = witnessing["trades_ratio"]?.GetValue<double>();
        var witnessRequests = witnessing["requests"]?["max_requests_per_witness_per_checkpoint_excluding_resized"]?.GetValue<double>();

        var json = new JsonObject
        {
            ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["commit"] = o.Commit,
            ["mode"] = o.Quick ? "quick" : "full",
            ["server_env_experiment"] = o.ServerEnv,
            ["trades_per_second"] = R(t32.Throughput, 1),
            ["p50_ms"] = R(t32.Percentile(0.50), 2),
            ["p99_ms"] = R(t32.Percentile(0.99), 2),
            ["trades_per_second_8"] = R(t8.Throughput, 1),
            ["p99_ms_8"] = R(t8.Percentile(0.99), 2),
            ["trades_per_second_one_exporter"] = oneExporter is null ? null : R(oneExporter.Throughput, 1),
            ["one_exporter_share_of_mixed"] = oneExporterShare is null ? null : R(oneExporterShare.Value, 3),
            ["pgbench_tps"] = pgTps is null ? null : R(pgTps.Value, 1),
            ["ratio_to_pgbench"] = ratio is null ? null : R(ratio.Value, 3),
            ["pgbench_tps_scale8"] = pg8Tps is null ? null : R(pg8Tps.Value, 1),
            ["ratio_to_pgbench_scale8"] = ratio8 is null ? null : R(ratio8.Value, 3),
            ["audit_verify_leaves_per_second"] = auditRate,
            ["checkpoint_p99_ms"] = checkpointP99,
            ["seed_load_seconds"] = seedSeconds,
            ["errors"] = results.Sum(r => r.ErrorCount),
            ["cross_border_share"] = R(crossBorderShare, 3),
            ["trades_in_table_at_statistics"] = tradesInTable,
            ["targets"] = new JsonObject
            {
                ["trades_ratio_ge_1_0"] = ratio is null ? null : ratio >= 1.0,
                ["p99_le_50ms"] = t32.Percentile(0.99) <= 50,
                ["p99_8_le_25ms"] = t8.Percentile(0.99) <= 25,
                ["one_exporter_ge_half_mixed"] = oneExporterShare is null ? null : oneExporterShare >= 0.5,
                ["audit_ge_100000_leaves_s"] = auditRate is null ? null : auditRate >= 100_000,
                ["checkpoint_p99_le_250ms"] = checkpointP99 is null ? null : checkpointP99 <= 250,
                ["two_servers_ge_one"] = twoServers?["ratio_to_one_server"]?.GetValue<double>() >= 1.0,
                ["failover_nothing_lost"] = twoServers?["failover"]?["lost"]?.GetValue<int>() == 0 && twoServers?["failover"]?["recorded_twice"]?.GetValue<long>() == 0,
                ["failover_leader_within_5s"] = twoServers?["failover"]?["new_leader_seconds"]?.GetValue<double>() <= 5,
                ["witnessed_trades_ge_0_95_without"] = witnessTradesRatio is null ? null : witnessTradesRatio >= 0.95,
                ["witness_requests_per_checkpoint_le_1"] = witnessRequests is null ? null : witnessRequests <= 1.0,
                ["zero_errors"] = results.All(r => r.ErrorCount == 0),
            },
            ["machine"] = Machine(o.PgVersion),
            ["pgbench"] = pgbench,
            ["ledger"] = ledger,
            ["seed"] = seed,
            ["two_servers"] = twoServers ?? new JsonObject { ["measured"] = false, ["reason"] = "no --second-address" },
            ["witnesses"] = witnessing,
            ["scenarios"] = new JsonArray([.. results.Select(r => (JsonNode)r.ToJson())]),
        };

        Directory.CreateDirectory(o.OutDir);
        File.WriteAllText(Path.Combine(o.OutDir, "latest.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(Path.Combine(o.OutDir, "latest.md"), Markdown(json, results));
        Console.WriteLine($"Wrote {Path.Combine(o.OutDir, "latest.json")} and latest.md");
    }

    private static JsonObject Machine(string pgVersion)
    {
        static string? Line(string file, string prefix) =>
            File.Exists(file) ? File.ReadLines(file).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) : null;
        var cpu = Line("/proc/cpuinfo", "model name")?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = Line("/proc/meminfo", "MemTotal:")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var os = Line("/etc/os-release", "PRETTY_NAME=")?.Split('=', 2)[1].Trim('"') ?? RuntimeInformation.OSDescription;
        return new JsonObject
        {
            ["cores"] = Environment.ProcessorCount,
            ["memory_gb"] = memKb is null ? null : Math.Round(long.Parse(memKb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1),
            ["cpu"] = cpu,
            ["os"] = $"{os} ({RuntimeInformation.OSDescription})",
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["postgresql"] = pgVersion,
            ["load_average_at_start"] = LoadAverageAtStart,
        };
    }

    private static string F(double v, string format = "F1") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Markdown(JsonObject json, IReadOnlyList<ScenarioResult> results)
    {
        var m = json["machine"]!;
        var sb = new StringBuilder();
        sb.AppendLine($"# Benchmark ({json["mode"]}, {json["date"]}, commit {json["commit"]})").AppendLine();
        if (json["server_env_experiment"] is { } experiment)
        {
            sb.AppendLine($"**Experiment: the server ran with `{experiment}`, unlike scripts/run.sh.**").AppendLine();
        }

        sb.AppendLine($"Machine: {m["cores"]} cores, {m["memory_gb"]} GB, {m["cpu"]}; {m["os"]}; {m["dotnet"]}; PostgreSQL {m["postgresql"]}. ")
            .AppendLine($"Server, PostgreSQL, pgbench and the load generator share these cores, and so does whatever else runs on the machine (load average at start: {m["load_average_at_start"]}; the \"other processes\" column below).").AppendLine();
        var pg = json["pgbench"];
        sb.AppendLine("| headline | value | target |").AppendLine("|---|---|---|");
        sb.AppendLine($"| trades/s, 32 buyers | {json["trades_per_second"]} | ≥ 1.0 × pgbench |");
        sb.AppendLine($"| trade p50 / p99, 32 buyers | {json["p50_ms"]} / {json["p99_ms"]} ms | p99 ≤ 50 ms |");
        sb.AppendLine($"| trades/s, 8 buyers (p99) | {json["trades_per_second_8"]} ({json["p99_ms_8"]} ms) | p99 ≤ 25 ms |");
        sb.AppendLine($"| trades/s, 32 buyers, every trade a cross-border PI export of one vendor | {json["trades_per_second_one_exporter"]?.ToString() ?? "–"} ({json["one_exporter_share_of_mixed"]?.ToString() ?? "–"} × mixed) | ≥ 0.5 × mixed |");
        var two = json["two_servers"];
        var fo = two?["failover"];
        sb.AppendLine($"| trades/s, 32 buyers across two server processes | {two?["trades_per_second"]?.ToString() ?? "–"} ({two?["ratio_to_one_server"]?.ToString() ?? "–"} × one) | ≥ 1.0 × one |");
        sb.AppendLine($"| sequencer leader killed under load: new leader after; trades lost / recorded twice | {fo?["new_leader_seconds"]?.ToString() ?? "–"} s (log grows again after {fo?["log_grows_again_seconds"]?.ToString() ?? "–"} s); {fo?["lost"]?.ToString() ?? "–"} / {fo?["recorded_twice"]?.ToString() ?? "–"} of {fo?["acknowledged_trades"]?.ToString() ?? "–"} | ≤ 5 s; 0 / 0 |");
        sb.AppendLine($"| pgbench TPC-B tps (same cluster, -c {pg?["clients"]} -j {pg?["threads"]} -T {pg?["seconds"]}, scale {pg?["scale"]}) | {json["pgbench_tps"]?.ToString() ?? "–"} | |");
        sb.AppendLine($"| ratio trades/s ÷ pgbench tps | {json["ratio_to_pgbench"]?.ToString() ?? "–"} | ≥ 1.0 |");
        sb.AppendLine($"| pgbench at scale 8 (no branch-row queue) tps; ratio | {json["pgbench_tps_scale8"]?.ToString() ?? "–"}; {json["ratio_to_pgbench_scale8"]?.ToString() ?? "–"} | |");
        sb.AppendLine($"| audit verify leaves/s | {json["audit_verify_leaves_per_second"]?.ToString() ?? "– (" + json["ledger"]?["reason"] + ")"} | ≥ 100,000 |");
        sb.AppendLine($"| checkpoint coverage p99 (commit → signed checkpoint, trade windows) | {json["checkpoint_p99_ms"]?.ToString() ?? "– (" + json["ledger"]?["reason"] + ")"} | ≤ 250 ms |");
        var wi = json["witnesses"];
        if (wi?["measured"]?.GetValue<bool>() == true)
        {
            var rq = wi["requests"];
            sb.AppendLine($"| trades/s, 8 buyers, without / with {wi["witnesses"]} witnesses (same run, alternated) | {wi["trades_per_second_without"]} / {wi["trades_per_second_with"]} ({wi["trades_ratio"]} ×) | ≥ 0.95 × without |");
            sb.AppendLine($"| checkpoint coverage p99 (commit → signed checkpoint), without / with witnesses | {wi["checkpoint_coverage_without"]?["p99_ms"]} / {wi["checkpoint_coverage_with"]?["p99_ms"]} ms | |");
            sb.AppendLine($"| witnessed coverage p99 (commit → a checkpoint covering it has {wi["quorum"]} of {wi["witnesses"]} cosignatures stored) | {wi["witnessed_coverage"]?["p99_ms"]} ms | |");
            sb.AppendLine($"| witness requests per witness per checkpoint (most of any witness; 409 re-proves apart) | {rq?["max_requests_per_witness_per_checkpoint_excluding_resized"]?.ToString() ?? "–"} | ≤ 1.0 |");
            sb.AppendLine($"| witness round trip p50 / p99 (dx.witness.round_trip.duration histogram, interpolated) | {rq?["round_trip_p50_ms_histogram"]?.ToString() ?? "–"} / {rq?["round_trip_p99_ms_histogram"]?.ToString() ?? "–"} ms | |");
        }

        sb.AppendLine($"| seed load | {json["seed_load_seconds"]?.ToString() ?? "– (" + json["seed"]?["reason"] + ")"} | |");
        sb.AppendLine($"| errors in measured windows | {json["errors"]} | 0 |").AppendLine();
        sb.AppendLine($"Trades: non-exclusive listings of 8 Shenzhen vendors; half the buyers in Hong Kong, so {F((json["cross_border_share"]?.GetValue<double>() ?? 0) * 100, "F0")}% of trades are cross-border (no-PI exempt, or PI under the small-volume exemption / a recorded standard contract).").AppendLine();

        sb.AppendLine("| scenario | clients | calls/s | p50 ms | p95 ms | p99 ms | max ms | errors | cores busy: server / PG / generator / other processes | CPU ms per call: server / PG |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var errors = r.ErrorCount == 0 ? "0" : $"{r.ErrorCount} ({string.Join(", ", r.Errors.Select(e => $"{e.Key}={e.Value}"))})";
            sb.AppendLine($"| {r.Name} | {r.Clients} | {F(r.Throughput)} | {F(r.Percentile(0.5), "F2")} | {F(r.Percentile(0.95), "F2")} | {F(r.Percentile(0.99), "F2")} | {F(r.Max, "F2")} | {errors} | {r.Cpu?["cores_busy_server"]} / {r.Cpu?["cores_busy_postgres"]} / {r.Cpu?["cores_busy_generator"]} / {r.Cpu?["cores_busy_other"]} | {r.Cpu?["cpu_ms_per_call_server"]} / {r.Cpu?["cpu_ms_per_call_postgres"]} |");
        }

        if (json["ledger"] is JsonObject l && l["measured"]?.GetValue<bool>() == true)
        {
            sb.AppendLine().AppendLine("## Ledger (scenario 3)").AppendLine();
            var a = l["audit"];
            var b = l["backlog"];
            var o = l["offline_receipt_verification"];
            var w = l["wait_for_receipt_8"];
            sb.AppendLine("| figure | value |").AppendLine("|---|---|");
            sb.AppendLine($"| `dx audit verify` (Release, own process), whole log | {a?["leaves"]} leaves at {a?["leaves_per_second"]} leaves/s; {a?["process_seconds"]} s wall incl. process start ({a?["leaves_per_second_incl_process_start"]} leaves/s) |");
            sb.AppendLine($"| sequencer backlog ({b?["events"]} events committed at once) | {b?["events_per_second"]} events/s ({b?["integrate_seconds"]} s) |");
            foreach (var (name, c) in (JsonObject)l["coverage_by_window"]!)
            {
                sb.AppendLine($"| coverage commit → checkpoint, events in {name} | p50 {c?["p50_ms"]} / p95 {c?["p95_ms"]} / p99 {c?["p99_ms"]} / max {c?["max_ms"]} ms ({c?["covered"]} of {c?["events"]} events) |");
            }

            sb.AppendLine($"| ExecuteTrade with wait_for_receipt, 8 buyers | p50 {w?["p50_ms"]} / p99 {w?["p99_ms"]} ms; {w?["covered_within_wait"]} of {w?["trades"]} covered within the wait |");
            sb.AppendLine($"| GetTradeReceipt, 32 clients | {l["receipts_served_per_second"]} receipts/s |");
            sb.AppendLine($"| offline receipt verification (both signatures, every leaf and proof) | {o?["per_second_one_core"]}/s on one core, {o?["per_second_all_cores"]}/s on all; {o?["invalid"]} of {o?["receipts"]} invalid |");
            foreach (var (key, title) in new[] { ("sequencer_stages_execute_trade_32", "execute_trade_32"), ("sequencer_stages_wait_receipt_8", "execute_trade_8_wait_receipt") })
            {
                foreach (var st in l[key]?.AsArray() ?? [])
                {
                    sb.AppendLine($"| sequencer `{st?["stage"]}` during {title} | {st?["count"]} × mean {st?["mean_ms"]} / p50 {st?["p50_ms"]} / p99 {st?["p99_ms"]} ms |");
                }
            }
        }

        if (json["witnesses"] is JsonObject wj && wj["measured"]?.GetValue<bool>() == true)
        {
            sb.AppendLine().AppendLine("## Witnesses (scenario 5)").AppendLine();
            sb.AppendLine($"The same 8-buyer trade load on a server without witnesses ({wj["without_side"]?.GetValue<string>() ?? "the benchmark's first server"}) and on one with `DX_WITNESSES` naming {wj["witnesses"]} `dx witness serve` processes (quorum {wj["quorum"]}), on its own fresh database of the same cluster, in the order {wj["order"]} (trades/s without {wj["runs_trades_per_second_without"]?.ToJsonString()}, with {wj["runs_trades_per_second_with"]?.ToJsonString()}). " +
                "Coverage is from each server's tables (an event's timestamp to the first signed checkpoint covering it; witnessed: to the earliest time a checkpoint covering it had the quorum of cosignatures stored, `ledger_cosignatures.received_at`). " +
                "Requests are the `dx_witness_requests_total` deltas on the witnessed server's Prometheus endpoint between a scrape before its load and one 2.5 s after, against the checkpoints signed (`ledger_checkpoints.created_at`) between the two scrapes. " +
                "\"Signed → stored\" is exact per cosignature row: the checkpoint's created_at to the cosignature's received_at (proof read, one HTTP round trip to the witness, its verification and state write, the insert).").AppendLine();
            sb.AppendLine("| figure | without witnesses | with witnesses |").AppendLine("|---|---|---|");
            sb.AppendLine($"| trades/s (p99 ms) | {wj["trades_per_second_without"]} ({wj["trade_p99_ms_without"]}) | {wj["trades_per_second_with"]} ({wj["trade_p99_ms_with"]}) |");
            string Cov(JsonNode? c) => $"p50 {c?["p50_ms"]} / p95 {c?["p95_ms"]} / p99 {c?["p99_ms"]} / max {c?["max_ms"]} ms ({c?["covered"] ?? c?["witnessed"]} of {c?["events"]})";
            sb.AppendLine($"| coverage commit → signed checkpoint | {Cov(wj["checkpoint_coverage_without"])} | {Cov(wj["checkpoint_coverage_with"])} |");
            sb.AppendLine($"| coverage commit → quorum of cosignatures | – | {Cov(wj["witnessed_coverage"])} |");
            var rq = wj["requests"];
            sb.AppendLine($"| checkpoints signed while measured | | {rq?["checkpoints_signed"]} in {rq?["seconds"]?.ToString() ?? "–"} s |");
            foreach (var (name, w) in rq?["per_witness"] as JsonObject ?? [])
            {
                var outcomes = w?["by_outcome"] is JsonObject bo ? string.Join(", ", bo.Select(o => $"{o.Key} {o.Value}")) : "–";
                sb.AppendLine($"| witness {name}: requests ({outcomes}); per checkpoint; cosigned checkpoints; signed → stored p50 / p99 / max | | {w?["requests"]?.ToString() ?? "–"}; {w?["requests_per_checkpoint"]?.ToString() ?? "–"}; {w?["cosigned_checkpoints"]}; {w?["signed_to_cosignature_stored_p50_ms"]} / {w?["signed_to_cosignature_stored_p99_ms"]} / {w?["signed_to_cosignature_stored_max_ms"]} ms |");
            }

            sb.AppendLine($"| round trip p50 / p99 (histogram, interpolated within its buckets) | | {rq?["round_trip_p50_ms_histogram"]?.ToString() ?? "–"} / {rq?["round_trip_p99_ms_histogram"]?.ToString() ?? "–"} ms over {rq?["round_trips"]?.ToString() ?? "–"} round trips |");
            sb.AppendLine($"| CPU of the witness processes during the witnessed window | | {wj["witness_processes_cpu_seconds"]} s |");
        }

        foreach (var name in new[] { "execute_trade_8", "execute_trade_32", "execute_trade_32_one_exporter" })
        {
            if (results.FirstOrDefault(x => x.Name == name) is not { } r) continue;
            if (r.Stages is null) continue;
            sb.AppendLine().AppendLine($"## Where an ExecuteTrade's time goes ({name}, server side, DX_STAGE_TIMINGS=1)").AppendLine();
            sb.AppendLine($"Client-observed mean {F(r.Mean, "F2")} ms. Stages are nested: total ⊃ handler ⊃ db:*; counts per call show how often a stage runs.").AppendLine();
            sb.AppendLine("| stage | calls | per trade | mean ms | p50 ms | p99 ms | ms per trade |").AppendLine("|---|---|---|---|---|---|---|");
            var totalRow = r.Stages.Rows.FirstOrDefault(x => x.Stage == "ExecuteTrade total");
            var trades = totalRow?.Count ?? 1;
            foreach (var s in r.Stages.For("ExecuteTrade").OrderByDescending(x => x.MeanMs * x.Count))
            {
                sb.AppendLine($"| {s.Stage["ExecuteTrade ".Length..]} | {s.Count} | {F((double)s.Count / trades, "F2")} | {F(s.MeanMs, "F3")} | {F(s.P50Ms, "F3")} | {F(s.P99Ms, "F3")} | {F(s.MeanMs * s.Count / trades, "F3")} |");
            }

            // The batched pipeline (TradePipeline): stages per batch, its database commands, and the ledger's share.
            var pipeline = r.Stages.For("(pipeline)").ToList();
            var perBatch = pipeline.FirstOrDefault(x => x.Stage == "(pipeline) trades_per_batch");
            foreach (var s in pipeline.Where(x => x != perBatch).OrderByDescending(x => x.MeanMs * x.Count))
            {
                sb.AppendLine($"| pipeline {s.Stage["(pipeline) ".Length..]} | {s.Count} | {F((double)s.Count / trades, "F2")} | {F(s.MeanMs, "F3")} | {F(s.P50Ms, "F3")} | {F(s.P99Ms, "F3")} | {F(s.MeanMs * s.Count / trades, "F3")} |");
            }

            foreach (var s in r.Stages.For("(ledger)").Where(x => x.Stage.StartsWith("(ledger) db:", StringComparison.Ordinal)).OrderByDescending(x => x.MeanMs * x.Count))
            {
                sb.AppendLine($"| ledger sequencer {s.Stage["(ledger) ".Length..]} | {s.Count} | {F((double)s.Count / trades, "F2")} | {F(s.MeanMs, "F3")} | {F(s.P50Ms, "F3")} | {F(s.P99Ms, "F3")} | {F(s.MeanMs * s.Count / trades, "F3")} |");
            }

            long RoundTrips(string prefix) => r.Stages.Rows.Where(x => x.Stage.StartsWith(prefix, StringComparison.Ordinal)).Sum(x => x.Count);
            var tradePath = RoundTrips("ExecuteTrade db:") + RoundTrips("(pipeline) db:");
            sb.AppendLine().AppendLine(
                $"Per trade: {F((double)tradePath / trades, "F2")} database round trips on the trade path (RPC and pipeline), " +
                $"{F((double)RoundTrips("(ledger) db:") / trades, "F2")} more in the ledger sequencer; " +
                (perBatch is null ? "" : $"{F(perBatch.MeanMs * 1000, "F1")} trades per batch on average (p99 {F(perBatch.P99Ms * 1000, "F0")}); ") +
                $"CPU {r.Cpu?["cpu_ms_per_call_server"]} ms in the server and {r.Cpu?["cpu_ms_per_call_postgres"]} ms in PostgreSQL.");
        }

        var others = results.Where(r => r.Stages is not null && !r.Name.StartsWith("execute_trade", StringComparison.Ordinal));
        sb.AppendLine().AppendLine("## Other RPCs, server side (mean ms per call)").AppendLine();
        sb.AppendLine("| scenario | stage | calls | mean ms | p99 ms |").AppendLine("|---|---|---|---|---|");
        foreach (var r in others)
        {
            var method = r.Rpc[(r.Rpc.LastIndexOf('/') + 1)..];
            foreach (var s in r.Stages!.For(method).OrderByDescending(x => x.MeanMs * x.Count))
            {
                sb.AppendLine($"| {r.Name} | {s.Stage} | {s.Count} | {F(s.MeanMs, "F3")} | {F(s.P99Ms, "F3")} |");
            }
        }

        return sb.ToString();
    }
}
