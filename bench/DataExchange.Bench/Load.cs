using System.Diagnostics;
using System.Text.Json.Nodes;
using Grpc.Core;

namespace DataExchange.Bench;

/// <summary>One scenario's figures: completed calls inside the measured window, their latencies, and every error.</summary>
public sealed record ScenarioResult(string Name, string Rpc, int Clients, double Seconds, long Ok, double[] SortedMs,
    IReadOnlyDictionary<string, long> Errors, StageDiff? Stages, JsonObject? Cpu)
{
    public long ErrorCount => Errors.Values.Sum();

    public double Throughput => Ok / Seconds;

    public double Percentile(double p) => SortedMs.Length == 0 ? double.NaN : SortedMs[Math.Clamp((int)Math.Ceiling(p * SortedMs.Length) - 1, 0, SortedMs.Length - 1)];

    public double Max => SortedMs.Length == 0 ? double.NaN : SortedMs[^1];

    public double Mean => SortedMs.Length == 0 ? double.NaN : SortedMs.Average();

    /// <summary>Several runs of one scenario as one: calls and seconds summed, latencies and errors merged.</summary>
    public static ScenarioResult Merge(string name, IReadOnlyList<ScenarioResult> runs) => new(name, runs[0].Rpc, runs[0].Clients,
        runs.Sum(r => r.Seconds), runs.Sum(r => r.Ok), [.. runs.SelectMany(r => r.SortedMs).Order()],
        runs.SelectMany(r => r.Errors).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value)), null, runs[0].Cpu);

    public string Line() =>
        $"{Name,-28} clients={Clients,2} {Throughput,9:F1}/s  p50={Percentile(0.50),7:F2} p95={Percentile(0.95),7:F2} p99={Percentile(0.99),7:F2} max={Max,8:F2} ms  errors={ErrorCount}"
        + (ErrorCount > 0 ? " (" + string.Join(", ", Errors.Select(e => $"{e.Key}={e.Value}")) + ")" : "");

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["rpc"] = Rpc,
        ["clients"] = Clients,
        ["seconds"] = Math.Round(Seconds, 2),
        ["completed"] = Ok,
        ["per_second"] = Report.R(Throughput, 1),
        ["mean_ms"] = Report.R(Mean, 2),
        ["p50_ms"] = Report.R(Percentile(0.50), 2),
        ["p95_ms"] = Report.R(Percentile(0.95), 2),
        ["p99_ms"] = Report.R(Percentile(0.99), 2),
        ["max_ms"] = Report.R(Max, 2),
        ["errors"] = ErrorCount,
        ["errors_by_status"] = new JsonObject(Errors.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))),
        ["cpu"] = Cpu?.DeepClone(),
        ["server_stages"] = Stages?.ToJson(),
    };
}

/// <summary>
/// Closed-loop load: each client issues its next call when the previous one answers. All clients run through a warm-up
/// and then a measured window; a call counts if it completes inside the window. Errors are never retried and never
/// dropped: every non-OK status is counted by its code (and reason, when the server sent one).
/// </summary>
public static class Load
{
    public static async Task<ScenarioResult> RunAsync(string name, string rpc, int clients, TimeSpan warmup, TimeSpan window,
        Func<int, Task> call, StageFile? stageFile = null, Func<CpuSample?>? cpu = null)
    {
        var latencies = new List<double>[clients];
        var errors = new Dictionary<string, long>[clients];
        var measuring = 0;
        var stop = 0;
        var windowStart = 0L;
        var windowEnd = long.MaxValue;

        async Task Client(int i)
        {
            await Task.Yield();
            var mine = latencies[i] = new List<double>(4096);
            var bad = errors[i] = new Dictionary<string, long>(StringComparer.Ordinal);
            while (Volatile.Read(ref stop) == 0)
            {
                var start = Stopwatch.GetTimestamp();
                string? error = null;
                try
                {
                    await call(i);
                }
                catch (RpcException e)
                {
                    error = e.StatusCode + Reason(e);
                }

                var end = Stopwatch.GetTimestamp();
                if (Volatile.Read(ref measuring) == 1 && start >= Volatile.Read(ref windowStart) && end <= Volatile.Read(ref windowEnd))
                {
                    if (error is null)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
                    }
                    else
                    {
                        bad[error] = bad.GetValueOrDefault(error) + 1;
                    }
                }
            }
        }

        var tasks = Enumerable.Range(0, clients).Select(Client).ToArray();
        await Task.Delay(warmup);
        var before = stageFile?.Read();
        var cpuBefore = cpu?.Invoke();
        Volatile.Write(ref windowStart, Stopwatch.GetTimestamp());
        Volatile.Write(ref measuring, 1);
        await Task.Delay(window);
        var endTicks = Stopwatch.GetTimestamp();
        Volatile.Write(ref windowEnd, endTicks);
        var cpuAfter = cpu?.Invoke();
        var after = stageFile is null ? null : await stageFile.ReadAfterNextWriteAsync();
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(tasks);

        var seconds = Stopwatch.GetElapsedTime(windowStart, endTicks).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var merged = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in errors.SelectMany(d => d))
        {
            merged[e.Key] = merged.GetValueOrDefault(e.Key) + e.Value;
        }

        var stages = before is not null && after is not null ? StageDiff.Between(before, after) : null;
        var result = new ScenarioResult(name, rpc, clients, seconds, all.Length, all, merged, stages,
            CpuSample.Diff(cpuBefore, cpuAfter, all.Length + merged.Values.Sum()));
        Console.WriteLine(result.Line());
        return result;
    }

    /// <summary>The google.rpc.ErrorInfo reason, so "Aborted" and "FailedPrecondition/SECURITY_ASSESSMENT_REQUIRED" read apart.</summary>
    private static string Reason(RpcException e)
    {
        try
        {
            var info = e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>();
            return info is null ? "" : "/" + info.Reason;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return "";
        }
    }
}
