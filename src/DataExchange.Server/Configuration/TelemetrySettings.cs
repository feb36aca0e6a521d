using System.Globalization;
using System.Net;

namespace DataExchange.Server.Configuration;

/// <summary>How the server samples traces (OTEL_TRACES_SAMPLER), by the OpenTelemetry specification's names.</summary>
public enum TraceSampling
{
    ParentBasedAlwaysOn,
    ParentBasedAlwaysOff,
    ParentBasedTraceIdRatio,
    AlwaysOn,
    AlwaysOff,
    TraceIdRatio,
}

/// <summary>
/// Traces, metrics and log format (DX_METRICS_LISTEN, DX_LOG_FORMAT and the standard OTEL_* variables). Nothing is
/// collected unless something reads it: traces only with an OTLP endpoint (or a test's exporter), metrics only with an
/// OTLP endpoint or a Prometheus scrape endpoint. The OTLP exporter itself reads OTEL_EXPORTER_OTLP_* (protocol,
/// headers, timeouts), OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; only the endpoints and the sampler are checked here,
/// so that a typo stops the start with one line instead of silently exporting nowhere.
/// </summary>
public sealed record TelemetrySettings
{
    public const string MetricsListenVariable = "DX_METRICS_LISTEN";
    public const string LogFormatVariable = "DX_LOG_FORMAT";

    /// <summary>The OTLP endpoint variables: any one set turns the OTLP exporter on (for traces, metrics and logs).</summary>
    public static readonly string[] OtlpEndpointVariables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    ];

    /// <summary>DX_METRICS_LISTEN: where Kestrel serves the Prometheus scrape endpoint (/metrics, HTTP/1.1, cleartext); null: none.</summary>
    public IPEndPoint? MetricsListen { get; init; }

    /// <summary>DX_LOG_FORMAT=json: one JSON object per log line, with scopes and the current trace and span ids.</summary>
    public bool JsonLogs { get; init; }

    /// <summary>An OTEL_EXPORTER_OTLP_*ENDPOINT is set: traces, metrics and logs are exported over OTLP.</summary>
    public bool Otlp { get; init; }

    /// <summary>Spans are recorded: with OTLP, or when a test registers its own exporter.</summary>
    public bool Traces { get; init; }

    /// <summary>Instruments are collected: with OTLP or a Prometheus endpoint (or a test's reader).</summary>
    public bool Metrics { get; init; }

    /// <summary>OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on).</summary>
    public TraceSampling Sampling { get; init; } = TraceSampling.ParentBasedAlwaysOn;

    /// <summary>The ratio of the traceidratio samplers, in [0, 1].</summary>
    public double SamplingRatio { get; init; } = 1.0;

    /// <summary>OTEL_SERVICE_NAME, or null for the default (dataexchange-server).</summary>
    public string? ServiceName { get; init; }

    /// <summary>How often the ledger's gauges (size, sequencer lag, checkpoint age) are read from the database.</summary>
    public TimeSpan LedgerSampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    public static TelemetrySettings FromEnvironment(Func<string, string?> env)
    {
        var metricsListen = env(MetricsListenVariable) is { Length: > 0 } m ? ParseMetricsListen(m) : null;
        var jsonLogs = env(LogFormatVariable) switch
        {
            null or "" or "text" => false,
            "json" => true,
            var other => throw new SettingsException($"{LogFormatVariable} '{other}' must be text or json."),
        };

        var otlp = false;
        foreach (var variable in OtlpEndpointVariables)
        {
            if (env(variable) is { Length: > 0 } endpoint)
            {
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    throw new SettingsException($"{variable} '{endpoint}' is not an http:// or https:// address, for example http://127.0.0.1:4317.");
                }

                otlp = true;
            }
        }

        var (sampling, ratio) = ParseSampler(env("OTEL_TRACES_SAMPLER"), env("OTEL_TRACES_SAMPLER_ARG"));
        return new TelemetrySettings
        {
            MetricsListen = metricsListen,
            JsonLogs = jsonLogs,
            Otlp = otlp,
            Traces = otlp,
            Metrics = otlp || metricsListen is not null,
            Sampling = sampling,
            SamplingRatio = ratio,
            ServiceName = env("OTEL_SERVICE_NAME") is { Length: > 0 } name ? name : null,
        };
    }

    private static IPEndPoint ParseMetricsListen(string text)
    {
        var endpoint = text.Contains(':', StringComparison.Ordinal)
            ? ServerSettings.ParseEndpoint(text, MetricsListenVariable, "127.0.0.1:9464")
            : throw new SettingsException($"{MetricsListenVariable} '{text}' is not host:port, for example 127.0.0.1:9464.");
        return endpoint.Port != 0
            ? endpoint
            : throw new SettingsException($"{MetricsListenVariable} '{text}' must name a port, for example 127.0.0.1:9464.");
    }

    public static (TraceSampling Sampling, double Ratio) ParseSampler(string? sampler, string? argument)
    {
        var sampling = sampler switch
        {
            null or "" or "parentbased_always_on" => TraceSampling.ParentBasedAlwaysOn,
            "parentbased_always_off" => TraceSampling.ParentBasedAlwaysOff,
            "parentbased_traceidratio" => TraceSampling.ParentBasedTraceIdRatio,
            "always_on" => TraceSampling.AlwaysOn,
            "always_off" => TraceSampling.AlwaysOff,
            "traceidratio" => TraceSampling.TraceIdRatio,
            var other => throw new SettingsException(
                $"OTEL_TRACES_SAMPLER '{other}' must be parentbased_always_on, parentbased_always_off, parentbased_traceidratio, always_on, always_off or traceidratio."),
        };
        if (sampling is not (TraceSampling.TraceIdRatio or TraceSampling.ParentBasedTraceIdRatio) || string.IsNullOrEmpty(argument))
        {
            return (sampling, 1.0);
        }

        return double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? (sampling, ratio)
            : throw new SettingsException($"OTEL_TRACES_SAMPLER_ARG '{argument}' must be a ratio between 0 and 1, for example 0.1.");
    }
}
