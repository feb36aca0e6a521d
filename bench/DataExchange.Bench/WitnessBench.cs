using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DataExchange.Bench;

/// <summary>
/// Scenario 5, the cost of witnesses: the same trade load on a server without witnesses and on one with DX_WITNESSES
/// (its own fresh database of the same cluster), back to back. From the witnessed server's database: checkpoints signed,
/// cosignatures received (ledger_cosignatures.received_at) and the commit → quorum-of-cosignatures latency; from its
/// Prometheus endpoint (DX_METRICS_LISTEN): dx.witness.requests by witness and outcome, and the round-trip histogram.
/// </summary>
public static partial class WitnessBench
{
    /// <summary>One scrape of the witness instruments: requests by (witness, outcome) and the round-trip histogram's cumulative buckets.</summary>
    public sealed record Scrape(DateTime At, IReadOnlyDictionary<(string Witness, string Outcome), double> Requests,
        IReadOnlyDictionary<double, double> RoundTripBuckets, double RoundTripCount);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)""")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<v>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();

    public static async Task<Scrape> ScrapeAsync(string metricsUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync(metricsUrl);
        var requests = new Dictionary<(string, string), double>();
        var buckets = new Dictionary<double, double>();
        var count = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || Sample().Match(line) is not { Success: true } m) continue;
            var name = m.Groups["name"].Value;
            var labels = Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["k"].Value, l => l.Groups["v"].Value);
            var value = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            if (name == "dx_witness_requests_total")
            {
                var key = (labels.GetValueOrDefault("witness", "?"), labels.GetValueOrDefault("outcome", "?"));
                requests[key] = requests.GetValueOrDefault(key) + value;
            }
            else if (name == "dx_witness_round_trip_duration_seconds_bucket" && labels.TryGetValue("le", out var le))
            {
                var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                buckets[bound] = buckets.GetValueOrDefault(bound) + value; // summed over witnesses
            }
            else if (name == "dx_witness_round_trip_duration_seconds_count")
            {
                count += value;
            }
        }

        return new Scrape(DateTime.UtcNow, requests, buckets, count);
    }

    /// <summary>
    /// A quantile from cumulative bucket counts as Prometheus' histogram_quantile computes it (linear within the bucket):
    /// an estimate bounded by the bucket's edges, not an exact figure.
    /// </summary>
    public static double HistogramQuantile(double q, IReadOnlyList<(double Upper, double Cumulative)> buckets)
    {
        if (buckets.Count == 0 || buckets[^1].Cumulative <= 0) return double.NaN;
        var rank = q * buckets[^1].Cumulative;
        var lower = 0.0;
        var below = 0.0;
        foreach (var (upper, cumulative) in buckets)
        {
            if (cumulative >= rank)
            {
                if (double.IsPositiveInfinity(upper)) return lower; // beyond the last finite bound: report that bound
                var inBucket = cumulative - below;
                return inBucket <= 0 ? upper : lower + (upper - lower) * (rank - below) / inBucket;
            }

            (lower, below) = (upper, cumulative);
        }

        return lower;
    }

    private static double D(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>
    /// Commit → witnessed latency of every event committed in [from, to): the earliest time any checkpoint covering the
    /// event's leaf had <paramref name="quorum"/> cosignatures stored (the quorum-th received_at of that checkpoint's
    /// cosignatures), minus the event's timestamp. The pusher sends each witness the latest checkpoint, so a checkpoint
    /// signed while a push was in flight may never be cosigned; the next, larger one covers its events.
    /// </summary>
    public static async Task<JsonObject> WitnessedCoverageAsync(string databaseUrl, string schema, IReadOnlyList<(DateTime From, DateTime To)> windows, int quorum)
    {
        var row = (await LedgerBench.SqlAsync(databaseUrl, $"""
            with ranked as (
              select size, received_at, row_number() over (partition by size order by received_at) as n
              from {schema}.ledger_cosignatures),
            quorum as (select size, received_at as at from ranked where n = {quorum}),
            witnessed as (
              select extract(epoch from (q.at - e.timestamp)) * 1000 as ms
              from {schema}.mt_events e
              left join {schema}.ledger_leaves l on l.seq_id = e.seq_id
              left join lateral (select min(at) as at from quorum q where q.size > l.leaf_index) q on true
              where {LedgerBench.InWindows(windows)})
            select count(*), count(ms),
                   coalesce(percentile_cont(0.5) within group (order by ms), 'NaN'), coalesce(percentile_cont(0.95) within group (order by ms), 'NaN'),
                   coalesce(percentile_cont(0.99) within group (order by ms), 'NaN'), coalesce(max(ms), 'NaN')
            from witnessed
            """))[0].Split('|');
        return new JsonObject
        {
            ["quorum"] = quorum,
            ["events"] = long.Parse(row[0], CultureInfo.InvariantCulture),
            ["witnessed"] = long.Parse(row[1], CultureInfo.InvariantCulture),
            ["p50_ms"] = Report.R(D(row[2]), 1),
            ["p95_ms"] = Report.R(D(row[3]), 1),
            ["p99_ms"] = Report.R(D(row[4]), 1),
            ["max_ms"] = Report.R(D(row[5]), 1),
        };
    }

    /// <summary>
    /// Checkpoints signed in [from, to) and, per witness, the cosignatures stored for them with the delay from the
    /// checkpoint's signing to the cosignature's arrival (proof read, one HTTP round trip, the insert): exact, from the rows.
    /// </summary>
    public static async Task<(long Checkpoints, JsonObject PerWitness)> CosignaturesAsync(string databaseUrl, string schema, DateTime fromUtc, DateTime toUtc)
    {
        var from = fromUtc.ToString("O", CultureInfo.InvariantCulture);
        var to = toUtc.ToString("O", CultureInfo.InvariantCulture);
        var checkpoints = long.Parse((await LedgerBench.SqlAsync(databaseUrl,
            $"select count(*) from {schema}.ledger_checkpoints where created_at >= '{from}' and created_at < '{to}'"))[0], CultureInfo.InvariantCulture);
        var rows = await LedgerBench.SqlAsync(databaseUrl, $"""
            select s.witness, count(*),
                   coalesce(percentile_cont(0.5) within group (order by extract(epoch from (s.received_at - c.created_at)) * 1000), 'NaN'),
                   coalesce(percentile_cont(0.99) within group (order by extract(epoch from (s.received_at - c.created_at)) * 1000), 'NaN'),
                   coalesce(max(extract(epoch from (s.received_at - c.created_at)) * 1000), 'NaN')
            from {schema}.ledger_cosignatures s join {schema}.ledger_checkpoints c on c.size = s.size
            where c.created_at >= '{from}' and c.created_at < '{to}'
            group by s.witness order by s.witness
            """);
        var perWitness = new JsonObject();
        foreach (var line in rows)
        {
            var f = line.Split('|');
            perWitness[f[0]] = new JsonObject
            {
                ["cosigned_checkpoints"] = long.Parse(f[1], CultureInfo.InvariantCulture),
                ["signed_to_cosignature_stored_p50_ms"] = Report.R(D(f[2]), 1),
                ["signed_to_cosignature_stored_p99_ms"] = Report.R(D(f[3]), 1),
                ["signed_to_cosignature_stored_max_ms"] = Report.R(D(f[4]), 1),
            };
        }

        return (checkpoints, perWitness);
    }

    /// <summary>What the witnesses were asked between two scrapes, per witness and outcome, against the checkpoints signed between them.</summary>
    public static JsonObject Requests(Scrape before, Scrape after, long checkpoints, JsonObject cosignatures)
    {
        var witnesses = after.Requests.Keys.Select(k => k.Witness).Concat(cosignatures.Select(c => c.Key)).Distinct().Order(StringComparer.Ordinal);
        var perWitness = new JsonObject();
        var worst = 0.0;
        foreach (var w in witnesses)
        {
            var outcomes = new JsonObject();
            double total = 0, resized = 0;
            foreach (var ((witness, outcome), value) in after.Requests.Where(r => r.Key.Witness == w).OrderBy(r => r.Key.Outcome, StringComparer.Ordinal))
            {
                var delta = value - before.Requests.GetValueOrDefault((witness, outcome));
                outcomes[outcome] = delta;
                total += delta;
                if (outcome == "resized") resized += delta;
            }

            var perCheckpoint = checkpoints == 0 ? double.NaN : (total - resized) / checkpoints;
            worst = Math.Max(worst, double.IsFinite(perCheckpoint) ? perCheckpoint : double.PositiveInfinity);
            var entry = new JsonObject
            {
                ["requests"] = total,
                ["by_outcome"] = outcomes,
                ["requests_per_checkpoint_excluding_resized"] = Report.R(perCheckpoint, 3),
                ["requests_per_checkpoint"] = Report.R(checkpoints == 0 ? double.NaN : total / checkpoints, 3),
            };
            if (cosignatures[w] is JsonObject c)
            {
                foreach (var (k, v) in c) entry[k] = v?.DeepClone();
            }

            perWitness[w] = entry;
        }

        IReadOnlyList<(double, double)> Buckets() => [.. after.RoundTripBuckets.OrderBy(b => b.Key)
            .Select(b => (b.Key, b.Value - before.RoundTripBuckets.GetValueOrDefault(b.Key)))];
        var buckets = Buckets();
        return new JsonObject
        {
            ["seconds"] = Report.R((after.At - before.At).TotalSeconds, 1),
            ["checkpoints_signed"] = checkpoints,
            ["per_witness"] = perWitness,
            ["max_requests_per_witness_per_checkpoint_excluding_resized"] = Report.R(worst, 3),
            ["round_trips"] = after.RoundTripCount - before.RoundTripCount,
            ["round_trip_p50_ms_histogram"] = Report.R(HistogramQuantile(0.5, buckets) * 1000, 2),
            ["round_trip_p99_ms_histogram"] = Report.R(HistogramQuantile(0.99, buckets) * 1000, 2),
        };
    }
}
