using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataExchange.Bench;

/// <summary>The server's cumulative stage histograms (DX_STAGE_TIMINGS=1 writes them every second).</summary>
public sealed record StageSnapshot(long[] Bounds, Dictionary<string, (long Count, long SumUs, long[] Buckets)> Stages, DateTime WrittenUtc);

public sealed class StageFile(string path)
{
    public StageSnapshot? Read()
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            var bounds = root.GetProperty("bucket_upper_us").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var stages = new Dictionary<string, (long, long, long[])>(StringComparer.Ordinal);
            foreach (var s in root.GetProperty("stages").EnumerateObject())
            {
                stages[s.Name] = (s.Value.GetProperty("count").GetInt64(), s.Value.GetProperty("sum_us").GetInt64(),
                    s.Value.GetProperty("buckets").EnumerateArray().Select(e => e.GetInt64()).ToArray());
            }

            return new StageSnapshot(bounds, stages, info.LastWriteTimeUtc);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Waits for the server's next write (at most ~2 s) so the snapshot includes the whole window.</summary>
    public async Task<StageSnapshot?> ReadAfterNextWriteAsync()
    {
        var now = DateTime.UtcNow;
        for (var i = 0; i < 25; i++)
        {
            var s = Read();
            if (s is not null && s.WrittenUtc > now) return s;
            await Task.Delay(100);
        }

        return Read();
    }
}

/// <summary>One phase's share of the histograms: after minus before, per stage.</summary>
public sealed record StageDiff(IReadOnlyList<StageRow> Rows)
{
    public static StageDiff Between(StageSnapshot before, StageSnapshot after)
    {
        var rows = new List<StageRow>();
        foreach (var (key, a) in after.Stages)
        {
            var b = before.Stages.TryGetValue(key, out var x) ? x : (0, 0, new long[a.Buckets.Length]);
            var count = a.Count - b.Item1;
            if (count <= 0) continue;
            var buckets = a.Buckets.Select((v, i) => v - (i < b.Item3.Length ? b.Item3[i] : 0)).ToArray();
            rows.Add(new StageRow(key, count, (a.SumUs - b.Item2) / 1000.0 / count, Quantile(buckets, count, 0.5, after.Bounds),
                Quantile(buckets, count, 0.99, after.Bounds)));
        }

        return new StageDiff([.. rows.OrderBy(r => r.Stage, StringComparer.Ordinal)]);
    }

    /// <summary>Upper bound of the bucket holding the quantile (buckets grow by 12.5%, so that is its resolution).</summary>
    private static double Quantile(long[] buckets, long count, double q, long[] bounds)
    {
        var target = (long)Math.Ceiling(q * count);
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= target) return (i < bounds.Length ? bounds[i] : bounds[^1] * 2) / 1000.0;
        }

        return double.NaN;
    }

    /// <summary>Rows of one RPC, e.g. "ExecuteTrade".</summary>
    public IEnumerable<StageRow> For(string method) => Rows.Where(r => r.Stage.StartsWith(method + " ", StringComparison.Ordinal));

    public JsonArray ToJson() => [.. Rows.Select(r => (JsonNode)new JsonObject
    {
        ["stage"] = r.Stage, ["count"] = r.Count, ["mean_ms"] = Report.R(r.MeanMs, 3), ["p50_ms"] = Report.R(r.P50Ms, 3),
        ["p99_ms"] = Report.R(r.P99Ms, 3),
    })];
}

public sealed record StageRow(string Stage, long Count, double MeanMs, double P50Ms, double P99Ms);
