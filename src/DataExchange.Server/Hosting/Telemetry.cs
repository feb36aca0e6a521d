using System.Diagnostics;
using System.Text.Json;
using DataExchange.Server.Configuration;
using DataExchange.Server.Diagnostics;
using DataExchange.Server.Ledger;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DataExchange.Server.Hosting;

/// <summary>
/// OpenTelemetry for the server (see <see cref="TelemetrySettings"/>): a trace per RPC (ASP.NET Core's span, named
/// after the gRPC method and carrying its status), with the exchange's own spans (<see cref="ExchangeTelemetry"/>) and
/// one per SQL statement (Npgsql's ActivitySource "Npgsql"); the DataExchange meter with ASP.NET Core's,
/// Npgsql's, Marten's and the runtime's; OTLP export when an OTEL_EXPORTER_OTLP_*ENDPOINT is set; a Prometheus scrape
/// endpoint on DX_METRICS_LISTEN; JSON log lines with DX_LOG_FORMAT=json. Nothing is collected that nothing reads.
/// </summary>
public static class Telemetry
{
    /// <summary>The service name when OTEL_SERVICE_NAME does not give one.</summary>
    public const string DefaultServiceName = "dataexchange-server";

    private static readonly string[] Meters = [ExchangeTelemetry.Name, "Npgsql", "Marten", "System.Runtime"];

    private static readonly string[] Sources = [ExchangeTelemetry.Name, "Npgsql"];

    public static void AddTelemetry(this WebApplicationBuilder builder, ServerSettings settings)
    {
        var telemetry = settings.Telemetry;
        if (telemetry.JsonLogs)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true; // the request's scopes, with the trace and span ids below
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
            builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        }

        if (telemetry.MetricsListen is { } metricsListen)
        {
            // Prometheus scrapes plain HTTP/1.1; the gRPC endpoint stays HTTP/2 only and never answers /metrics.
            builder.WebHost.ConfigureKestrel(k => k.Listen(metricsListen, o => o.Protocols = HttpProtocols.Http1));
        }

        if (!telemetry.Traces && !telemetry.Metrics)
        {
            return;
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(telemetry.ServiceName ?? DefaultServiceName, serviceVersion: ExchangeTelemetry.Version));
        if (telemetry.Traces)
        {
            otel.WithTracing(tracing => tracing
                .SetSampler(new BackgroundDatabaseSpansDropped(Sampler(telemetry)))
                .AddSource(Sources)
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.RecordException = true;
                    o.Filter = http => !IsHealthCheck(http) && !IsMetricsScrape(http, telemetry);
                    o.EnrichWithHttpRequest = (activity, request) =>
                    {
                        if (request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
                        {
                            NameAfterGrpcMethod(activity, request.Path.Value); // REST/JSON requests keep ASP.NET Core's route name
                        }
                    };
                    o.EnrichWithHttpResponse = TagGrpcStatus;
                }));
        }

        if (telemetry.Metrics)
        {
            otel.WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters).AddAspNetCoreInstrumentation();
                if (telemetry.MetricsListen is not null)
                {
                    metrics.AddPrometheusExporter();
                }
            });
            builder.Services.AddHostedService<LedgerGauges>();
        }

        if (telemetry.Otlp)
        {
            otel.UseOtlpExporter(); // endpoint, protocol, headers and the rest from the standard OTEL_EXPORTER_OTLP_* variables
        }
    }

    /// <summary>Serves the Prometheus scrape endpoint at /metrics on DX_METRICS_LISTEN's port only (404 for anything else there).</summary>
    public static void UseTelemetry(this WebApplication app, ServerSettings settings)
    {
        if (settings.Telemetry.MetricsListen is not { } metricsListen)
        {
            return;
        }

        var port = metricsListen.Port;
        app.MapWhen(http => http.Connection.LocalPort == port, metrics =>
        {
            metrics.UseOpenTelemetryPrometheusScrapingEndpoint(http => http.Request.Path == "/metrics");
            metrics.Run(http =>
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
    }

    /// <summary>
    /// A line for the operator (the listening address, the operator's name): on stdout as it always was, or as a log
    /// entry with DX_LOG_FORMAT=json so that every line of the output is JSON.
    /// </summary>
    public static void Announce(this WebApplication app, string line)
    {
        if (app.Services.GetRequiredService<ServerSettings>().Telemetry.JsonLogs)
        {
            app.Logger.LogInformation("{Announcement}", line);
        }
        else
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>
    /// The process's connection pool. Npgsql's spans are named after what the statement does (the classes of
    /// <see cref="StageTimings.Recorder.Classify"/>: load_listing, save_changes, advisory_lock, ...), not the database
    /// name it uses by default; the statement itself is in db.statement, without parameter values.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConfigureTracing(t => t
            .ConfigureCommandSpanNameProvider(command => SpanName(command.CommandText, 1))
            .ConfigureBatchSpanNameProvider(batch => SpanName(batch.BatchCommands.Count > 0 ? batch.BatchCommands[0].CommandText : "", batch.BatchCommands.Count)));
        return builder.Build();
    }

    private static string SpanName(string sql, int statements) =>
        statements > 1 ? $"sql {StageTimings.Recorder.Classify(sql)} (+{statements - 1})" : $"sql {StageTimings.Recorder.Classify(sql)}";

    private static Sampler Sampler(TelemetrySettings telemetry) => telemetry.Sampling switch
    {
        TraceSampling.AlwaysOn => new AlwaysOnSampler(),
        TraceSampling.AlwaysOff => new AlwaysOffSampler(),
        TraceSampling.TraceIdRatio => new TraceIdRatioBasedSampler(telemetry.SamplingRatio),
        TraceSampling.ParentBasedAlwaysOff => new ParentBasedSampler(new AlwaysOffSampler()),
        TraceSampling.ParentBasedTraceIdRatio => new ParentBasedSampler(new TraceIdRatioBasedSampler(telemetry.SamplingRatio)),
        _ => new ParentBasedSampler(new AlwaysOnSampler()),
    };

    private static bool IsHealthCheck(HttpContext http) => http.Request.Path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal);

    private static bool IsMetricsScrape(HttpContext http, TelemetrySettings telemetry) =>
        telemetry.MetricsListen is { } m && http.Connection.LocalPort == m.Port;

    /// <summary>The RPC semantic conventions: span "dataexchange.v1.TradeService/ExecuteTrade", rpc.system, rpc.service, rpc.method.</summary>
    private static void NameAfterGrpcMethod(Activity activity, string? path)
    {
        if (path is not { Length: > 1 } || path.LastIndexOf('/') is not (> 1 and var slash) || slash == path.Length - 1)
        {
            return;
        }

        activity.DisplayName = path[1..];
        activity.SetTag("rpc.system", "grpc");
        activity.SetTag("rpc.service", path[1..slash]);
        activity.SetTag("rpc.method", path[(slash + 1)..]);
    }

    /// <summary>The gRPC status (a trailer, or a header for a trailers-only answer): any status but OK marks the span as failed.</summary>
    private static void TagGrpcStatus(Activity activity, HttpResponse response)
    {
        if (activity.GetTagItem("rpc.system") is null)
        {
            return;
        }

        NameAfterGrpcMethod(activity, response.HttpContext.Request.Path.Value); // ASP.NET Core names it after the route when it stops
        var status = response.HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"] is { Count: > 0 } trailer
            ? trailer.ToString()
            : response.Headers["grpc-status"].ToString();
        if (int.TryParse(status, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            activity.SetTag("rpc.grpc.status_code", code);
            if (code != 0)
            {
                activity.SetStatus(ActivityStatusCode.Error, ((Grpc.Core.StatusCode)code).ToString());
            }
        }
    }

    /// <summary>
    /// The configured sampler, except that SQL spans (the only client spans) with no parent are dropped: those are the background
    /// loops (the ledger sequencer polls every 50 ms, the gauges, the token cache), which would otherwise make a trace
    /// each. Everything under an RPC, a pipeline batch included, is sampled as its trace is.
    /// </summary>
    private sealed class BackgroundDatabaseSpansDropped(Sampler inner) : Sampler
    {
        private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            samplingParameters.ParentContext.TraceId == default && samplingParameters.Kind == ActivityKind.Client
                ? Drop
                : inner.ShouldSample(samplingParameters);
    }
}
