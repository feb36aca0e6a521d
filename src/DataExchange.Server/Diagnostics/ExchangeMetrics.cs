using System.Diagnostics;
using System.Diagnostics.Metrics;
using DataExchange.Compliance;

namespace DataExchange.Server.Diagnostics;

/// <summary>
/// The exchange's own instruments, on the Meter "DataExchange". Recording costs next to nothing when no reader listens
/// (no OTLP endpoint, no DX_METRICS_LISTEN), so the services record unconditionally. The ledger's gauges are values the
/// ledger pushes in (<see cref="ObserveLedger"/>); they report nothing until the first sample.
/// </summary>
public sealed class ExchangeMetrics
{
    private readonly Counter<long> trades;
    private readonly Counter<long> decisions;
    private readonly Counter<long> tokenFailures;
    private readonly Histogram<double> signing;
    private readonly TimeProvider time;
    private volatile LedgerSample? ledger;

    public ExchangeMetrics(IMeterFactory meters, TimeProvider time)
    {
        this.time = time;
        var meter = meters.Create(ExchangeTelemetry.Name, ExchangeTelemetry.Version);
        trades = meter.CreateCounter<long>("dx.trades", "{trade}",
            "Trades contracted or filed, by outcome (accepted, refused, manual_review, rejected) and origin (executed, filed).");
        decisions = meter.CreateCounter<long>("dx.compliance.decisions", "{decision}",
            "Decisions of the compliance engine, by rule set, outcome, mechanism and the rule that refused (none when not refused).");
        tokenFailures = meter.CreateCounter<long>("dx.auth.token_failures", "{call}",
            "Calls refused for their bearer token, by reason (missing, malformed, invalid, throttled).");
        signing = meter.CreateHistogram("dx.ledger.checkpoint.signing.duration", "s",
            "Time to sign a checkpoint, save the signer's state and publish the checkpoint.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        meter.CreateObservableGauge("dx.ledger.size", () => ledger is { } l ? [new Measurement<long>(l.Size)] : Array.Empty<Measurement<long>>(),
            "{leaf}", "Leaves in the verifiable ledger.");
        meter.CreateObservableGauge("dx.ledger.sequencer.lag", () => ledger is { } l ? [new Measurement<long>(l.Lag)] : Array.Empty<Measurement<long>>(),
            "{event}", "Committed events the sequencer has not yet turned into leaves.");
        meter.CreateObservableGauge("dx.ledger.checkpoint.age", ObserveCheckpointAge,
            "s", "Seconds since the latest signed checkpoint was created.");
    }

    /// <summary>One trade's outcome, once its transaction committed (rejections record nothing, and are counted when decided).</summary>
    public void TradeDecided(string outcome, string origin) =>
        trades.Add(1, new TagList { { "outcome", outcome }, { "origin", origin } });

    public void ComplianceDecided(ComplianceDecision decision)
    {
        if (!decisions.Enabled)
        {
            return;
        }

        decisions.Add(1, new TagList
        {
            { "rule_set", decision.RuleSetVersion },
            { "outcome", ExchangeTelemetry.OutcomeName(decision.OutcomeOrDerived) },
            { "mechanism", ExchangeTelemetry.MechanismName(decision.Mechanism) },
            { "refused_by_rule", decision.RefusedByRule ?? "none" },
        });
    }

    public void TokenFailed(string reason) => tokenFailures.Add(1, new TagList { { "reason", reason } });

    public void CheckpointSigned(TimeSpan elapsed) => signing.Record(elapsed.TotalSeconds);

    /// <summary>The ledger as last read: its size, the events not yet in it, and when the latest checkpoint was signed.</summary>
    public void ObserveLedger(long size, long lag, DateTimeOffset? lastCheckpointAt) => ledger = new LedgerSample(size, lag, lastCheckpointAt);

    private IEnumerable<Measurement<double>> ObserveCheckpointAge()
    {
        if (ledger is { LastCheckpointAt: { } at })
        {
            yield return new Measurement<double>(Math.Max(0, (time.GetUtcNow() - at).TotalSeconds));
        }
    }

    private sealed record LedgerSample(long Size, long Lag, DateTimeOffset? LastCheckpointAt);
}
