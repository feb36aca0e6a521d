using System.Diagnostics;
using System.Diagnostics.Metrics;
using DataExchange.Contracts.V1;
using DataExchange.Server.Configuration;
using DataExchange.Server.Diagnostics;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Listings.Samples;
using static DataExchange.Server.Tests.Telemetry.TelemetryTestSupport;

namespace DataExchange.Server.Tests.Telemetry;

/// <summary>
/// With an exporter registered (here in memory, in production OTLP), one ExecuteTrade is one trace: the RPC's server
/// span, the pipeline batch that carried the trade (on its background loop, parented by the caller), the compliance
/// decision and the SQL statements.
/// </summary>
public class TradeTraceSpecs(ITestOutputHelper output)
{
    private const string ExecuteTrade = "dataexchange.v1.TradeService/ExecuteTrade";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static ServerFixture TracedServer(RecordedSpans spans, TradePipelineSettings? trades = null) => new()
    {
        Telemetry = new TelemetrySettings { Traces = true },
        Trades = trades ?? new TradePipelineSettings(),
        ConfigureServices = services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)),
    };

    /// <summary>The RPC, the decision and SQL have ended, and so has every span between them (spans are exported as they end).</summary>
    private static bool Complete(IReadOnlyList<Activity> trace) =>
        trace.Any(IsRpc) && trace.Any(s => s.OperationName == ExchangeTelemetry.ComplianceSpan) && trace.Any(s => s.Source.Name == "Npgsql") && Closed(trace);

    private static bool Closed(IReadOnlyList<Activity> trace) =>
        trace.All(s => IsRpc(s) || trace.Any(p => p.SpanId == s.ParentSpanId));

    private static bool IsRpc(Activity span) => span.Kind == ActivityKind.Server && span.DisplayName == ExecuteTrade;

    [Fact]
    public async Task One_batched_ExecuteTrade_is_one_trace_with_the_rpc_the_compliance_decision_and_the_sql()
    {
        var spans = new RecordedSpans();
        var server = TracedServer(spans);
        await server.InitializeAsync();
        try
        {
            var world = await TradeWorld.CreateAsync(server);
            var listing = await world.ListedAsync(Listing("Traced feed", individuals: 0));
            var (traceId, headers) = NewTrace();

            var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing), headers);

            var trace = await Waiting.UntilAsync(() => spans.OfTrace(traceId), Complete, Deadline);
            output.WriteLine(Tree(trace));
            var rpc = Assert.Single(trace, IsRpc);
            Assert.Equal("grpc", rpc.GetTagItem("rpc.system"));
            Assert.Equal(0, rpc.GetTagItem("rpc.grpc.status_code"));
            var batch = Assert.Single(trace, s => s.OperationName == ExchangeTelemetry.TradeBatchSpan);
            Assert.Equal(rpc.SpanId, batch.ParentSpanId);
            var decision = Assert.Single(trace, s => s.OperationName == ExchangeTelemetry.ComplianceSpan);
            Assert.True(DescendsFrom(decision, rpc, trace), "the compliance span is under the RPC");
            Assert.Equal("accepted", decision.GetTagItem("dx.trade.outcome"));
            Assert.Equal("accepted", decision.GetTagItem("dx.compliance.outcome"));
            Assert.Equal("none", decision.GetTagItem("dx.compliance.mechanism"));
            Assert.Equal(trade.Compliance.RuleSetVersion, decision.GetTagItem("dx.compliance.rule_set"));
            var sql = trace.Where(s => s.Source.Name == "Npgsql").ToList();
            Assert.NotEmpty(sql);
            Assert.All(sql, s => Assert.True(DescendsFrom(s, rpc, trace), $"{s.DisplayName} is under the RPC"));
            Assert.Contains(sql, s => s.DisplayName.StartsWith("sql save_changes", StringComparison.Ordinal));
            Assert.All(sql, s => Assert.False(string.IsNullOrEmpty(s.GetTagItem("db.statement") as string ?? s.GetTagItem("db.query.text") as string)));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_batch_carrying_two_callers_trades_belongs_to_one_trace_and_links_the_other()
    {
        var spans = new RecordedSpans();
        // A long window so that both trades, sent together, share one batch.
        var server = TracedServer(spans, new TradePipelineSettings { Window = TimeSpan.FromMilliseconds(500) });
        await server.InitializeAsync();
        try
        {
            var world = await TradeWorld.CreateAsync(server);
            var listing = await world.ListedAsync(Listing("Twice traced feed", individuals: 0));
            var (firstTrace, firstHeaders) = NewTrace();
            var (secondTrace, secondHeaders) = NewTrace();

            await Task.WhenAll(
                world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing), firstHeaders).ResponseAsync,
                world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing), secondHeaders).ResponseAsync);

            bool Decided(IReadOnlyList<Activity> trace) => trace.Any(IsRpc) && trace.Any(s => s.OperationName == ExchangeTelemetry.ComplianceSpan) && Closed(trace);
            var first = await Waiting.UntilAsync(() => spans.OfTrace(firstTrace), Decided, Deadline);
            var second = await Waiting.UntilAsync(() => spans.OfTrace(secondTrace), Decided, Deadline);
            output.WriteLine(Tree(first));
            output.WriteLine(Tree(second));
            var traces = new[] { first, second };
            var carrier = Assert.Single(traces, t => t.Any(s => s.OperationName == ExchangeTelemetry.TradeBatchSpan));
            var other = traces.Single(t => t != carrier);
            var batch = carrier.Single(s => s.OperationName == ExchangeTelemetry.TradeBatchSpan);
            Assert.Equal(2, batch.GetTagItem("dx.trade.batch.size"));
            Assert.Contains(batch.Links, l => l.Context.TraceId == other[0].TraceId);
            Assert.True(Complete(carrier));
            var otherDecision = Assert.Single(other, s => s.OperationName == ExchangeTelemetry.ComplianceSpan);
            Assert.Equal(other.Single(IsRpc).SpanId, otherDecision.ParentSpanId);
            Assert.Contains(otherDecision.Links, l => l.Context.SpanId == batch.SpanId);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_the_pipeline_the_decision_and_the_sql_are_under_the_rpc_and_the_trade_is_counted_once_committed()
    {
        var spans = new RecordedSpans();
        var server = TracedServer(spans, new TradePipelineSettings { Enabled = false });
        await server.InitializeAsync();
        try
        {
            var world = await TradeWorld.CreateAsync(server);
            var listing = await world.ListedAsync(Listing("Unbatched traced feed", individuals: 0));
            var (traceId, headers) = NewTrace();
            // This server's dx.trades (its meter comes from its own IMeterFactory; other servers run in parallel).
            var counted = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var factory = server.Services.GetRequiredService<IMeterFactory>();
            using var meters = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Name == "dx.trades" && instrument.Meter.Scope == factory)
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
                counted.Enqueue(string.Join(",", tags.ToArray().OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}")) + $":{value}"));
            meters.Start();

            await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing), headers);

            Assert.Equal(["origin=executed,outcome=accepted:1"], counted.ToArray()); // counted once committed
            var trace = await Waiting.UntilAsync(() => spans.OfTrace(traceId), Complete, Deadline);
            output.WriteLine(Tree(trace));
            var rpc = Assert.Single(trace, IsRpc);
            Assert.DoesNotContain(trace, s => s.OperationName == ExchangeTelemetry.TradeBatchSpan);
            Assert.True(DescendsFrom(trace.Single(s => s.OperationName == ExchangeTelemetry.ComplianceSpan), rpc, trace));
            Assert.All(trace.Where(s => s.Source.Name == "Npgsql"), s => Assert.True(DescendsFrom(s, rpc, trace)));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
