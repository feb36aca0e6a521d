using System.Net;
using DataExchange.Server.Configuration;

namespace DataExchange.Server.Tests.Telemetry;

/// <summary>Telemetry settings come from DX_METRICS_LISTEN, DX_LOG_FORMAT and the standard OTEL_* variables; a bad one stops the start naming it.</summary>
public class TelemetrySettingsSpecs
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => name == "DX_DATABASE_URL" ? "Host=x" : variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Nothing_is_collected_by_default_and_logs_stay_text()
    {
        var telemetry = ServerSettings.FromEnvironment(Env()).Telemetry;

        Assert.Equal(new TelemetrySettings(), telemetry);
        Assert.False(telemetry.Traces || telemetry.Metrics || telemetry.Otlp || telemetry.JsonLogs);
        Assert.Null(telemetry.MetricsListen);
    }

    [Fact]
    public void An_otlp_endpoint_turns_on_traces_and_metrics_and_a_metrics_address_turns_on_metrics()
    {
        var otlp = TelemetrySettings.FromEnvironment(Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")));
        Assert.True(otlp.Otlp && otlp.Traces && otlp.Metrics);

        var prometheus = TelemetrySettings.FromEnvironment(Env(("DX_METRICS_LISTEN", "localhost:9464"), ("DX_LOG_FORMAT", "json"),
            ("OTEL_SERVICE_NAME", "dx-east"), ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", "0.25")));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9464), prometheus.MetricsListen);
        Assert.True(prometheus.Metrics && prometheus.JsonLogs);
        Assert.False(prometheus.Traces || prometheus.Otlp);
        Assert.Equal("dx-east", prometheus.ServiceName);
        Assert.Equal((TraceSampling.ParentBasedTraceIdRatio, 0.25), (prometheus.Sampling, prometheus.SamplingRatio));
    }

    [Theory]
    [InlineData("DX_METRICS_LISTEN", "9464", "DX_METRICS_LISTEN '9464' is not host:port, for example 127.0.0.1:9464.")]
    [InlineData("DX_METRICS_LISTEN", "127.0.0.1:0", "DX_METRICS_LISTEN '127.0.0.1:0' must name a port, for example 127.0.0.1:9464.")]
    [InlineData("DX_METRICS_LISTEN", "127.0.0.1:5080", "DX_METRICS_LISTEN 127.0.0.1:5080 and DX_LISTEN 127.0.0.1:5080 are the same port; the metrics endpoint needs a port of its own.")]
    [InlineData("DX_METRICS_LISTEN", "0.0.0.0:5081", "DX_METRICS_LISTEN 0.0.0.0:5081 and DX_HTTP_LISTEN 127.0.0.1:5081 are the same port; the metrics endpoint needs a port of its own.")]
    [InlineData("DX_LOG_FORMAT", "yaml", "DX_LOG_FORMAT 'yaml' must be text or json.")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT 'collector:4317' is not an http:// or https:// address, for example http://127.0.0.1:4317.")]
    [InlineData("OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER 'sometimes' must be parentbased_always_on, parentbased_always_off, parentbased_traceidratio, always_on, always_off or traceidratio.")]
    public void A_bad_value_stops_the_start_naming_the_variable(string variable, string value, string message)
    {
        var refused = Assert.Throws<SettingsException>(() => ServerSettings.FromEnvironment(Env((variable, value))));
        Assert.Equal(message, refused.Message);
    }

    [Fact]
    public void A_sampler_ratio_outside_zero_to_one_is_refused()
    {
        var refused = Assert.Throws<SettingsException>(() => TelemetrySettings.FromEnvironment(Env(("OTEL_TRACES_SAMPLER", "traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", "2"))));
        Assert.Equal("OTEL_TRACES_SAMPLER_ARG '2' must be a ratio between 0 and 1, for example 0.1.", refused.Message);
    }
}
