using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataExchange.Bench;
using DataExchange.Contracts.V1;
using Grpc.Core;

namespace DataExchange.Faults;

/// <summary>One printed and checked figure.</summary>
public sealed record CheckLine(string Name, long Value, bool Ok, string Detail, bool Checked = true);

/// <summary>
/// After the faults: what the clients were told against what the database holds (read directly with psql, not
/// through the server), the statuses answered during the outage, and the ledger through `dx audit verify`.
/// </summary>
public static partial class Checks
{
    private const int ShownExamples = 5;

    public static async Task<bool> RunAsync(Options options, string token, World world, TradeLoad load, StormResult? storm,
        (long From, long To, long StoppedAt, long StartedAt) outage, IReadOnlyList<FaultRecord> faults, IReadOnlyList<string> unexpectedExits,
        Action<string> say)
    {
        var s = $"\"{options.Schema}\"";
        var url = options.DatabaseUrl;
        var lines = new List<CheckLine>();

        // Let the sequencer integrate every committed event and the signer cover it, so the audit sees the whole history.
        say("waiting for the ledger to log and sign every committed event ...");
        long events = 0, logged = 0, signed = 0;
        var wait = Stopwatch.StartNew();
        while (wait.Elapsed < TimeSpan.FromSeconds(60))
        {
            var row = (await Sql.RowsAsync(url, $"select (select count(*) from {s}.mt_events), (select size from {s}.ledger_state), (select coalesce(max(size), 0) from {s}.ledger_checkpoints)"))[0];
            (events, logged, signed) = (Long(row[0]), Long(row[1]), Long(row[2]));
            if (logged == events && signed == events)
            {
                break;
            }

            await Task.Delay(250);
        }

        var acks = load.Acks.ToList();
        var stormAcks = storm?.Answers ?? [];
        var buyerIds = world.Buyers.Select(b => Guid.Parse(b.Name["participants/".Length..])).ToHashSet();

        // What the database holds: every trade's read model, every filing event, the year counters, the stored outcomes.
        var trades = (await Sql.RowsAsync(url, $"select id::text, coalesce(data->>'FilingNumber', ''), data->>'BuyerId', data->>'State' from {s}.mt_doc_trade"))
            .ToDictionary(r => Guid.Parse(r[0]), r => (Filing: r[1], Buyer: Guid.Parse(r[2]), State: r[3]));
        var contracted = (await Sql.RowsAsync(url, $"select stream_id::text, data->>'FilingNumber' from {s}.mt_events where type = 'trade_contracted'"))
            .Select(r => (Trade: Guid.Parse(r[0]), Filing: r[1])).ToList();
        var counters = (await Sql.RowsAsync(url, $"select year, last from {s}.dx_filing_counters"))
            .ToDictionary(r => int.Parse(r[0], CultureInfo.InvariantCulture), r => Long(r[1]));
        var stored = (await Sql.RowsAsync(url, $"select id, data->>'ResponseBase64' from {s}.mt_doc_idempotencyrecord where id like '%/ExecuteTrade/%'"))
            .ToDictionary(r => r[0], r => r[1] is { Length: > 0 } b ? Trade.Parser.ParseFrom(Convert.FromBase64String(b)) : null);
        var tombstones = await Sql.ScalarAsync(url, $"select count(*) from {s}.mt_events where type = 'tombstone'");
        var filingByTrade = contracted.GroupBy(c => c.Trade).ToDictionary(g => g.Key, g => g.Select(c => c.Filing).ToList());

        // 1. Every acknowledged trade is in the database with the filing number the client was given.
        var acknowledged = acks.Concat(stormAcks).GroupBy(a => a.Trade).Select(g => g.First()).ToList();
        var lost = new List<string>();
        foreach (var ack in acknowledged)
        {
            var id = TradeId(ack.Trade);
            if (!trades.TryGetValue(id, out var row) || row.Filing != ack.FilingNumber
                || !filingByTrade.TryGetValue(id, out var filed) || !filed.Contains(ack.FilingNumber))
            {
                var model = trades.TryGetValue(id, out var r) ? $"read model '{r.Filing}' ({r.State})" : "no read model";
                var filedAs = filingByTrade.TryGetValue(id, out var f) ? $"trade_contracted '{string.Join("', '", f)}'" : "no trade_contracted event";
                lost.Add($"{ack.Trade} {ack.FilingNumber} (request {ack.RequestId}): the database has {model}, {filedAs}");
            }
        }

        lines.Add(new CheckLine("acknowledged trades lost", lost.Count, lost.Count == 0,
            $"{acknowledged.Count:N0} acknowledged (request id, trade, filing number in acks.tsv), each looked up in mt_doc_trade and its trade_contracted event"
            + Examples(lost)));

        // 2. One trade per request id: every trade of the suite's buyers answers exactly one acknowledged request, each
        // request's stored outcome names the trade its client was given, and the storm's 50 copies got one answer.
        var ackedIds = acknowledged.Select(a => TradeId(a.Trade)).ToHashSet();
        var extra = trades.Where(t => buyerIds.Contains(t.Value.Buyer) && !ackedIds.Contains(t.Key)).Select(t => $"{TradeName(t.Key)} {t.Value.Filing} {t.Value.State} (no request answered with it)").ToList();
        var perRequest = acks.Concat(stormAcks).GroupBy(a => (a.Buyer, a.RequestId)).Where(g => g.Select(a => a.Trade).Distinct().Count() > 1)
            .Select(g => $"request {g.Key.RequestId} answered with {string.Join(", ", g.Select(a => a.Trade).Distinct())}").ToList();
        var mismatched = new List<string>();
        foreach (var ack in acks.Concat(stormAcks).GroupBy(a => (a.Buyer, a.RequestId)).Select(g => g.First()))
        {
            var key = $"{Guid.Parse(ack.Buyer["participants/".Length..]):N}/ExecuteTrade/{ack.RequestId}";
            if (!stored.TryGetValue(key, out var outcome) || outcome?.Name != ack.Trade || outcome.FilingNumber != ack.FilingNumber)
            {
                mismatched.Add($"request {ack.RequestId}: stored outcome {(stored.ContainsKey(key) ? outcome?.Name ?? "an error" : "missing")}, client was given {ack.Trade}");
            }
        }

        var stormTrades = trades.Count(t => storm is not null && t.Value.Buyer == Guid.Parse(storm.Buyer["participants/".Length..]));
        var stormExtra = storm is null ? 0 : Math.Max(0, storm.Distinct.Count - 1) + Math.Max(0, stormTrades - 1);
        var duplicates = extra.Count + perRequest.Count + mismatched.Count + stormExtra;
        lines.Add(new CheckLine("duplicates (a request id recorded twice)", duplicates, duplicates == 0,
            $"{extra.Count} trade(s) of the suite's buyers no request was answered with, {perRequest.Count} request(s) answered with two trades, "
            + $"{mismatched.Count} stored outcome(s) disagreeing with the answer, storm: {storm?.Distinct.Count ?? 0} distinct answer(s) to {storm?.Answers.Count ?? 0} client(s), {stormTrades} trade(s) in the database"
            + Examples([.. extra, .. perRequest, .. mismatched])));

        // 3. No filing number on two trades, in the events or in the read model.
        var twice = contracted.GroupBy(c => c.Filing).Where(g => g.Select(c => c.Trade).Distinct().Count() > 1 || g.Count() > 1).Select(g => g.Key)
            .Union(trades.Values.Where(t => t.Filing.Length > 0).GroupBy(t => t.Filing).Where(g => g.Count() > 1).Select(g => g.Key)).ToList();
        lines.Add(new CheckLine("filing numbers issued twice", twice.Count, twice.Count == 0,
            $"{contracted.Count:N0} trade_contracted events, {contracted.Select(c => c.Filing).Distinct().Count():N0} distinct filing numbers" + Examples(twice)));

        // 4. Each year's numbers are exactly 1..N, and its counter stands at N (a counter ahead would leave a hole).
        var holes = 0L;
        var years = new List<string>();
        var unexplained = new List<string>();
        foreach (var year in contracted.Select(c => FilingPattern().Match(c.Filing)).Where(m => m.Success)
                     .GroupBy(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
                     .OrderBy(g => g.Key))
        {
            var numbers = year.ToHashSet();
            var max = numbers.Max();
            var missing = max - numbers.Count(n => n >= 1); // numbers 1..max that nobody holds
            var counter = counters.GetValueOrDefault(year.Key);
            var ahead = Math.Max(0, counter - max); // drawn and never issued
            holes += missing + ahead;
            years.Add($"{year.Key}: {numbers.Count:N0} numbers, 1..{max:N0}, counter at {counter:N0}");
            if (missing > 0)
            {
                unexplained.AddRange(Enumerable.Range(1, (int)Math.Min(max, int.MaxValue)).Where(n => !numbers.Contains(n)).Take(ShownExamples)
                    .Select(n => $"DX-{year.Key}-{n:D6} was never issued"));
            }
        }

        var malformed = contracted.Count(c => !FilingPattern().IsMatch(c.Filing));
        holes += malformed;
        lines.Add(new CheckLine("unexplained holes in the filing sequence", holes, holes == 0,
            string.Join("; ", years) + (malformed > 0 ? $"; {malformed} malformed" : "") + "; nothing records a skipped number, so every hole is unexplained"
            + Examples(unexplained)));

        // 5. The outage: every call answered while PostgreSQL was down (and just after it came back, when pooled
        // connections that died with it are found) says "retry later".
        var during = load.Calls.Where(c => c.EndMs >= outage.From && c.EndMs <= outage.To).ToList();
        var down = during.Where(c => c.EndMs <= outage.StartedAt).ToList();
        var after = during.Where(c => c.EndMs > outage.StartedAt).ToList();
        var wrong = during.Where(c => c.Code is not (StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.OK)).ToList();
        var internalOrUnknown = during.Count(c => c.Code is StatusCode.Internal or StatusCode.Unknown);
        string Tally(IEnumerable<CallRecord> calls) => calls.Any()
            ? string.Join(", ", calls.GroupBy(c => c.Code).OrderByDescending(g => g.Count()).Select(g => $"{Code(g.Key)} {g.Count()}"))
            : "no calls";
        lines.Add(new CheckLine("outage: calls answered INTERNAL or UNKNOWN", internalOrUnknown, internalOrUnknown == 0,
            $"{during.Count:N0} calls answered from `pg_ctl stop` until {(outage.To - outage.StartedAt) / 1000.0:F0} s after `pg_ctl start`; "
            + $"until the start: {Tally(down)}; after it: {Tally(after)}"));
        lines.Add(new CheckLine("outage: calls answered other than UNAVAILABLE/DEADLINE_EXCEEDED/OK", wrong.Count, wrong.Count == 0,
            "by RPC, status and reason: " + (during.Count == 0 ? "no calls" : string.Join(", ", during.GroupBy(c => $"{c.Rpc} {Code(c.Code)}{(c.Reason.Length > 0 ? "/" + c.Reason : "")}")
                .OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")))));

        // 6. Requests that never got an answer, or got a refusal (every trade of the load is lawful).
        var failed = load.Failed.Concat(storm?.Failed ?? []).ToList();
        lines.Add(new CheckLine("requests refused or never answered", failed.Count, failed.Count == 0,
            failed.Count == 0 ? "every request was answered with its trade" : Examples([.. failed.Select(f => $"request {f.RequestId}: {Code(f.LastCode)}/{f.LastReason} after {f.Attempts} attempts")])));

        // 7. Faults: each recovered, and the server only ever exited when it was killed.
        var unrecovered = faults.Where(f => double.IsNaN(f.RecoveredSeconds)).ToList();
        lines.Add(new CheckLine("faults not recovered from within 120 s", unrecovered.Count, unrecovered.Count == 0,
            $"{faults.Count} faults; slowest first trade after a fault: {faults.Where(f => !double.IsNaN(f.RecoveredSeconds)).Select(f => f.RecoveredSeconds).DefaultIfEmpty().Max():F1} s"));
        lines.Add(new CheckLine("server exits nobody caused", unexpectedExits.Count, unexpectedExits.Count == 0, Examples([.. unexpectedExits])));

        // 8. The ledger: everything committed is logged and signed, health is SERVING, and dx audit verify passes.
        lines.Add(new CheckLine("committed events missing from the signed log", events - Math.Min(logged, signed), logged == events && signed == events,
            $"{events:N0} events in mt_events ({tombstones} tombstones), ledger size {logged:N0}, latest checkpoint {signed:N0}"));
        var health = await HealthAsync(options.Address);
        var notServing = health.Count(h => !h.Serving);
        lines.Add(new CheckLine("health not SERVING within 30 s (server, ledger)", notServing, notServing == 0, string.Join("; ", health.Select(h => h.Detail))));
        var audit = await AuditAsync(options, token);
        lines.Add(new CheckLine("dx audit verify failures", audit.Ok ? 0 : 1, audit.Ok, audit.Detail));

        // Idempotency at work (reported, not a pass/fail figure).
        var retried = acks.Count(a => a.Attempts > 1);
        var replayed = acks.Count(a => a.CommittedByEarlierAttempt);
        lines.Add(new CheckLine("requests retried with the same request id", retried, true,
            $"{acks.Sum(a => a.Attempts - 1):N0} retry calls; {replayed} answered with the trade an earlier, cut-off attempt had committed", Checked: false));

        Print(lines, faults);
        await WriteReportAsync(Path.Combine(options.OutDir, "report.json"), options, lines, faults, acknowledged.Count, during);
        return lines.All(l => l.Ok);
    }

    private static void Print(IReadOnlyList<CheckLine> lines, IReadOnlyList<FaultRecord> faults)
    {
        Console.WriteLine();
        Console.WriteLine("== Faults (statuses the clients saw from the fault until the first trade after it)");
        foreach (var f in faults)
        {
            Console.WriteLine($"  {f.Kind,-24} first trade after {f.RecoveredSeconds,5:F1} s   "
                + string.Join(", ", f.Statuses.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}")));
            Console.WriteLine($"  {"",-24} health then: {f.Health}");
        }

        Console.WriteLine();
        Console.WriteLine("== Checks (the database read directly)");
        foreach (var line in lines)
        {
            var verdict = !line.Checked ? "    " : line.Ok ? "ok  " : "FAIL";
            Console.WriteLine($"  {verdict} {line.Name,-68} {line.Value,8:N0}");
            if (line.Detail.Length > 0)
            {
                Console.WriteLine($"         {line.Detail}");
            }
        }

        var failures = lines.Count(l => !l.Ok);
        Console.WriteLine();
        Console.WriteLine(failures == 0 ? "FAULT SUITE PASSED" : $"FAULT SUITE FAILED: {failures} check(s) failed");
    }

    private static async Task WriteReportAsync(string path, Options options, IReadOnlyList<CheckLine> lines, IReadOnlyList<FaultRecord> faults,
        int acknowledged, IReadOnlyList<CallRecord> outage)
    {
        var report = new JsonObject
        {
            ["mode"] = options.Short ? "short" : "full",
            ["buyers"] = options.Buyers,
            ["acknowledged_trades"] = acknowledged,
            ["passed"] = lines.All(l => l.Ok),
            ["checks"] = new JsonArray([.. lines.Select(l => (JsonNode)new JsonObject
            {
                ["name"] = l.Name, ["value"] = l.Value, ["ok"] = l.Ok, ["checked"] = l.Checked, ["detail"] = l.Detail,
            })]),
            ["faults"] = new JsonArray([.. faults.Select(f => (JsonNode)new JsonObject
            {
                ["kind"] = f.Kind,
                ["at"] = DateTimeOffset.FromUnixTimeMilliseconds(f.At).ToString("O", CultureInfo.InvariantCulture),
                ["first_trade_after_seconds"] = double.IsNaN(f.RecoveredSeconds) ? null : Math.Round(f.RecoveredSeconds, 2),
                ["health_after_first_trade"] = f.Health,
                ["statuses"] = new JsonObject(f.Statuses.Select(k => KeyValuePair.Create(k.Key, (JsonNode?)k.Value))),
            })]),
            ["outage_statuses"] = new JsonObject(outage.GroupBy(c => $"{c.Rpc} {Code(c.Code)}{(c.Reason.Length > 0 ? "/" + c.Reason : "")}")
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
        };
        await File.WriteAllTextAsync(path, report.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML
        }));
    }

    /// <summary>Server and ledger health at the end: SERVING within 30 s, and what was answered before.</summary>
    private static async Task<List<(string Service, bool Serving, string Detail)>> HealthAsync(string address)
    {
        var answers = new List<(string, bool, string)>();
        foreach (var service in new[] { "", "dataexchange.v1.LedgerService" })
        {
            var (seconds, before) = await HealthProbe.UntilServingAsync(address, TimeSpan.FromSeconds(30), service);
            var name = service.Length == 0 ? "server" : service;
            answers.Add((name, !double.IsNaN(seconds), before.Count == 0 ? $"{name} SERVING"
                : $"{name} {string.Join(", ", before.GroupBy(a => a).Select(g => $"{g.Key} x{g.Count()}"))}, then {(double.IsNaN(seconds) ? "still not SERVING after 30 s" : $"SERVING ({seconds:F1} s later)")}"));
        }

        return answers;
    }

    /// <summary>`dx audit verify --json` over the whole log, the Release build in its own process; the token goes by environment.</summary>
    private static async Task<(bool Ok, string Detail)> AuditAsync(Options options, string token)
    {
        var (exit, output, error) = await Run.CaptureAsync("dotnet", [options.DxDll, "audit", "verify", "--json"],
            new Dictionary<string, string> { ["DX_ADDRESS"] = options.Address, ["DX_TOKEN"] = token });
        try
        {
            var report = JsonNode.Parse(output)!;
            var ok = exit == 0 && report["ok"]?.GetValue<bool>() == true;
            return (ok, $"exit {exit}: {report["leaves_checked"]} leaves checked against the signed checkpoint of size {report["tree_size"]}"
                + (ok ? "" : $"; {report["failure"]}"));
        }
        catch (JsonException)
        {
            return (false, $"exit {exit}: {(error + output).Trim()}");
        }
    }

    private static Guid TradeId(string name) => Guid.Parse(name["trades/".Length..]);

    private static string TradeName(Guid id) => $"trades/{id}";

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>UNAVAILABLE rather than Unavailable: statuses as gRPC names them.</summary>
    public static string Code(StatusCode code) => code switch
    {
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.DataLoss => "DATA_LOSS",
        _ => code.ToString().ToUpperInvariant(),
    };

    private static string Examples(IReadOnlyList<string> items) =>
        items.Count == 0 ? "" : "; e.g. " + string.Join("; ", items.Take(ShownExamples)) + (items.Count > ShownExamples ? $"; … {items.Count - ShownExamples} more" : "");

    [GeneratedRegex("^DX-([0-9]{4})-([0-9]+)$")]
    private static partial Regex FilingPattern();
}
