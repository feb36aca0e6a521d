using System.Net;
using DataExchange.Contracts.V1;
using DataExchange.Server.Configuration;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Grpc.Core;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Listings.Samples;
using static DataExchange.Server.Tests.Telemetry.TelemetryTestSupport;

namespace DataExchange.Server.Tests.Telemetry;

/// <summary>
/// DX_METRICS_LISTEN serves Prometheus' text format at /metrics on a port of its own, with the exchange's metrics
/// under their Prometheus names (dots become underscores, counters end in _total, seconds in _seconds); the gRPC port
/// does not answer /metrics.
/// </summary>
public class MetricsEndpointSpecs(ITestOutputHelper output)
{
    /// <summary>The exchange's metrics as the Prometheus exporter names them.</summary>
    public static readonly string[] ExchangeMetricNames =
    [
        "dx_trades_total",
        "dx_compliance_decisions_total",
        "dx_auth_token_failures_total",
        "dx_ledger_size",
        "dx_ledger_sequencer_lag",
        "dx_ledger_checkpoint_age_seconds",
        "dx_ledger_checkpoint_signing_duration_seconds_bucket",
    ];

    private static bool HasMetric(string text, string name) =>
        text.Split('\n').Any(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal));

    [Fact]
    public async Task The_metrics_port_serves_the_exchange_metrics_and_the_grpc_port_does_not()
    {
        var port = FreePort();
        var server = new ServerFixture
        {
            Telemetry = new TelemetrySettings
            {
                MetricsListen = new IPEndPoint(IPAddress.Loopback, port), Metrics = true, LedgerSampleInterval = TimeSpan.FromMilliseconds(100),
            },
        };
        await server.InitializeAsync();
        try
        {
            var world = await TradeWorld.CreateAsync(server);
            var listing = await world.ListedAsync(Listing("Measured feed", individuals: 0));
            var request = TradeWorld.Buy(listing);
            request.WaitForReceipt = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10)); // a checkpoint is signed
            var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(request);
            Assert.True(trade.ReceiptCheckpointSize > 0);
            var refused = await Assert.ThrowsAsync<RpcException>(() => server.As("dx_not_a_token").Trades
                .GetTradeAsync(new GetTradeRequest { Name = trade.Name }).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

            using var http = new HttpClient();
            var metrics = new Uri($"http://127.0.0.1:{port}/metrics");
            var text = await Waiting.UntilAsync(() => http.GetStringAsync(metrics), t => ExchangeMetricNames.All(n => HasMetric(t, n)), TimeSpan.FromSeconds(15));
            output.WriteLine(string.Join('\n', text.Split('\n').Where(l => l.StartsWith("dx_", StringComparison.Ordinal) || l.StartsWith("# HELP dx_", StringComparison.Ordinal))));

            Assert.All(ExchangeMetricNames, name => Assert.True(HasMetric(text, name), $"{name} is missing from /metrics"));
            Assert.Contains("dx_trades_total{otel_scope_name=\"DataExchange\",", text, StringComparison.Ordinal);
            Assert.Matches("dx_trades_total\\{[^}]*origin=\"executed\",outcome=\"accepted\"[^}]*\\} [1-9]", text);
            Assert.Matches("dx_compliance_decisions_total\\{[^}]*mechanism=\"none\",outcome=\"accepted\",refused_by_rule=\"none\",rule_set=\"[^\"]+\"[^}]*\\} [1-9]", text);
            Assert.Matches("dx_auth_token_failures_total\\{[^}]*reason=\"invalid\"[^}]*\\} [1-9]", text);
            Assert.True(HasMetric(text, "http_server_request_duration_seconds_bucket"), "ASP.NET Core's request duration");
            Assert.True(HasMetric(text, "dotnet_gc_heap_total_allocated_bytes_total"), "the runtime's metrics");
            Assert.True(HasMetric(text, "db_client_commands_duration_seconds_bucket"), "Npgsql's metrics");
            Assert.True(HasMetric(text, "marten_event_append_events_total"), "Marten's event counters");

            using var other = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/anything-else"));
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);

            // The gRPC port speaks HTTP/2 only: asked over h2c, it has no /metrics.
            using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var onGrpcPort = await h2c.GetAsync(new Uri(server.Address, "/metrics"));
            Assert.NotEqual(HttpStatusCode.OK, onGrpcPort.StatusCode);
            Assert.DoesNotContain("dx_", await onGrpcPort.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
