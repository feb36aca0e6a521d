using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using DataExchange.Server.Configuration;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace DataExchange.Server.Diagnostics;

/// <summary>
/// Where a request's time goes, for the benchmark (DX_STAGE_TIMINGS=1; off by default and then not even registered).
/// Kept out of the services on purpose: an outermost interceptor times the whole call, an innermost one the handler
/// (the difference is authentication and error translation), and an ActivityListener on Npgsql times every database
/// command and attributes it to the calling RPC through an AsyncLocal, classified by the SQL it ran. What is left of
/// the handler after its database time is CPU and waiting in .NET (validation, compliance, Marten, serialisation).
/// Histograms are cumulative and written to {DX_DATA_DIR}/stage-timings.json every second and at shutdown, so a
/// reader diffs two snapshots to get one phase; bucket bounds are fixed, which makes the diff exact.
/// </summary>
public static class StageTimings
{
    public static bool Enabled(Func<string, string?> env) => env("DX_STAGE_TIMINGS") is "1" or "true" or "sql";

    /// <summary>Passed to <see cref="DataExchangeApp.Build"/> as its configure hook; does nothing unless enabled.</summary>
    public static void AddIfEnabled(IServiceCollection services)
    {
        if (!Enabled(Environment.GetEnvironmentVariable))
        {
            return;
        }

        services.AddSingleton<Recorder>();
        services.AddHostedService(sp => sp.GetRequiredService<Recorder>());
        services.Configure<GrpcServiceOptions>(o =>
        {
            // Outermost: before the error and authentication interceptors registered by AddDataExchange.
            o.Interceptors.Add<OuterInterceptor>();
            var outer = o.Interceptors[^1];
            o.Interceptors.RemoveAt(o.Interceptors.Count - 1);
            o.Interceptors.Insert(0, outer);
            // Innermost: just around the service method.
            o.Interceptors.Add<InnerInterceptor>();
        });
    }

    /// <summary>Fixed log-scale buckets: upper bounds from 10 µs growing by 1/8 per bucket up to ~1,000 s.</summary>
    public static readonly long[] BucketUpperMicros = BuildBuckets();

    private static long[] BuildBuckets()
    {
        var bounds = new List<long>();
        for (double b = 10; b < 1e9; b *= 1.125)
        {
            var v = (long)Math.Ceiling(b);
            if (bounds.Count == 0 || v > bounds[^1]) bounds.Add(v);
        }

        return [.. bounds];
    }

    /// <summary>Lock-free: a handful of Interlocked adds per sample.</summary>
    public sealed class Histogram
    {
        public long Count;
        public long SumMicros;
        public readonly long[] Buckets = new long[BucketUpperMicros.Length + 1];

        public void Record(long micros)
        {
            Interlocked.Increment(ref Count);
            Interlocked.Add(ref SumMicros, micros);
            var i = Array.BinarySearch(BucketUpperMicros, micros);
            Interlocked.Increment(ref Buckets[i < 0 ? ~i : i]);
        }
    }

    /// <summary>The RPC a database command belongs to, and the database time it has used so far.</summary>
    private sealed class Scope(string method)
    {
        public readonly string Method = method;
        public long DbTicks;
    }

    private static readonly AsyncLocal<Scope?> Current = new();

    /// <summary>
    /// Attributes the database commands of the calling flow (and what it awaits) to <paramref name="name"/>, e.g.
    /// "(pipeline)": a background loop calls it once at its start so that its commands are not mixed with others'.
    /// </summary>
    public static void AttributeTo(string name) => Current.Value = new Scope(name);

    private static long Micros(long stopwatchTicks) => stopwatchTicks * 1_000_000 / Stopwatch.Frequency;

    private static string ShortMethod(string method) => method[(method.LastIndexOf('/') + 1)..];

    public sealed class Recorder(ServerSettings settings, ILogger<Recorder> logger) : IHostedService, IDisposable
    {
        private readonly ConcurrentDictionary<string, Histogram> stages = new(StringComparer.Ordinal);
        private ActivityListener? listener;
        private Timer? timer;

        private string FilePath => Path.Combine(settings.DataDirectory, "stage-timings.json");

        public void Record(string key, long micros) => stages.GetOrAdd(key, _ => new Histogram()).Record(micros);

        public Task StartAsync(CancellationToken cancellationToken)
        {
            listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = OnDatabaseCommand,
            };
            ActivitySource.AddActivityListener(listener);
            timer = new Timer(_ => Write(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            logger.LogInformation("Stage timings on; writing {File} every second", Path.GetFullPath(FilePath));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            timer?.Dispose();
            Write();
            foreach (var (key, h) in stages.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                if (h.Count > 0)
                {
                    logger.LogInformation("stage {Stage}: n={Count} mean={Mean:F3} ms", key, h.Count, h.SumMicros / 1000.0 / h.Count);
                }
            }

            return Task.CompletedTask;
        }

        private void OnDatabaseCommand(Activity activity)
        {
            var scope = Current.Value;
            Interlocked.Add(ref scope is null ? ref unattributed : ref scope.DbTicks, activity.Duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
            var sql = activity.GetTagItem("db.statement") as string ?? activity.GetTagItem("db.query.text") as string ?? activity.DisplayName;
            var stage = detailed ? "sql:" + Squash(sql) : Classify(sql);
            Record($"{scope?.Method ?? "(background)"} db:{stage}", (long)activity.Duration.TotalMicroseconds);
        }

        private long unattributed;

        // DX_STAGE_TIMINGS=sql keys database stages by the statement's text instead of its class, to refine Classify.
        private readonly bool detailed = Environment.GetEnvironmentVariable("DX_STAGE_TIMINGS") == "sql";

        private static string Squash(string sql)
        {
            var flat = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            return flat[..Math.Min(flat.Length, 90)];
        }

        /// <summary>Names a command by the table it touches; the first words of anything unknown.</summary>
        public static string Classify(string sql)
        {
            var s = sql.TrimStart();
            bool Has(string t) => s.Contains(t, StringComparison.OrdinalIgnoreCase);
            var write = s.StartsWith("insert", StringComparison.OrdinalIgnoreCase) || s.StartsWith("update", StringComparison.OrdinalIgnoreCase)
                || s.StartsWith("delete", StringComparison.OrdinalIgnoreCase) || Has("mt_quick_append") || Has("mt_upsert") || Has("mt_insert")
                || Has("mt_update") || Has("mt_append_event");
            if (Has("nextval(")) return "filing_number_nextval";
            if (Has("dx_filing_counters")) return "filing_number_draw";
            if (Has("create sequence")) return "filing_sequence_create";
            if (write) return "save_changes";
            if (Has("mt_doc_idempotencyrecord")) return "idempotency_lookup";
            if (Has("mt_doc_apitokenrecord")) return "token_lookup";
            if (Has("mt_doc_exporteryearvolume")) return "load_exporter_volume";
            if (Has("mt_doc_export_approval")) return "query_approvals";
            if (Has("mt_doc_listing")) return "load_listing";
            if (Has("mt_doc_participant")) return "load_participant";
            if (Has("mt_doc_trade")) return Has("group by") ? "statistics_aggregate" : "read_trade";
            if (Has("mt_streams") || Has("mt_events")) return "read_stream";
            if (s.Contains("pg_advisory", StringComparison.OrdinalIgnoreCase)) return "advisory_lock";
            if (s.StartsWith("select 1", StringComparison.OrdinalIgnoreCase)) return "health_select_1";
            var words = s.Split((char[]?)null, 4, StringSplitOptions.RemoveEmptyEntries);
            return "other:" + string.Join(' ', words.Take(3));
        }

        private void Write()
        {
            try
            {
                var snapshot = new Dictionary<string, object>
                {
                    ["bucket_upper_us"] = BucketUpperMicros,
                    ["unattributed_db_us"] = Micros(Interlocked.Read(ref unattributed)),
                    ["stages"] = stages.ToDictionary(s => s.Key, s => (object)new
                    {
                        count = Interlocked.Read(ref s.Value.Count),
                        sum_us = Interlocked.Read(ref s.Value.SumMicros),
                        buckets = s.Value.Buckets.Select(b => Interlocked.Read(ref b)).ToArray(),
                    }, StringComparer.Ordinal),
                };
                Directory.CreateDirectory(settings.DataDirectory);
                var temp = FilePath + ".tmp";
                File.WriteAllText(temp, JsonSerializer.Serialize(snapshot));
                File.Move(temp, FilePath, overwrite: true); // Readers never see half a file.
            }
            catch (IOException e)
            {
                logger.LogWarning(e, "Could not write stage timings");
            }
        }

        public void Dispose()
        {
            listener?.Dispose();
            timer?.Dispose();
        }
    }

    /// <summary>Times the whole call as the server sees it (after HTTP/2 and protobuf parsing).</summary>
    public sealed class OuterInterceptor(Recorder recorder) : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
            TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            var method = ShortMethod(context.Method);
            Current.Value = new Scope(method);
            var start = Stopwatch.GetTimestamp();
            var outcome = "ok";
            try
            {
                return await continuation(request, context);
            }
            catch (RpcException e)
            {
                outcome = e.StatusCode.ToString();
                throw;
            }
            finally
            {
                recorder.Record($"{method} total{(outcome == "ok" ? "" : " (" + outcome + ")")}", Micros(Stopwatch.GetTimestamp() - start));
            }
        }
    }

    /// <summary>Times the service method itself and splits it into database time and the rest.</summary>
    public sealed class InnerInterceptor(Recorder recorder) : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
            TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            var scope = Current.Value;
            var method = scope?.Method ?? ShortMethod(context.Method);
            var dbBefore = scope is null ? 0 : Interlocked.Read(ref scope.DbTicks);
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await continuation(request, context);
            }
            finally
            {
                var elapsed = Stopwatch.GetTimestamp() - start;
                var db = scope is null ? 0 : Interlocked.Read(ref scope.DbTicks) - dbBefore;
                recorder.Record($"{method} handler", Micros(elapsed));
                recorder.Record($"{method} handler db (sum)", Micros(db));
                recorder.Record($"{method} handler non-db", Micros(Math.Max(0, elapsed - db)));
                recorder.Record($"{method} before handler db (auth)", Micros(scope is null ? 0 : dbBefore));
            }
        }
    }
}
