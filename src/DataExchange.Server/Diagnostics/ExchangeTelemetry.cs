using System.Diagnostics;
using DataExchange.Compliance;
using DataExchange.Domain.Trades;

namespace DataExchange.Server.Diagnostics;

/// <summary>
/// The exchange's own spans, on the ActivitySource "DataExchange": a batch of the trade pipeline
/// (<see cref="StartTradeBatch"/>) and each compliance decision (<see cref="DecideTrade"/>). The domain stays pure:
/// spans are started here, around the calls into it. Without a listener (no tracing configured) StartActivity
/// returns null and nothing is allocated.
/// </summary>
public static class ExchangeTelemetry
{
    public const string Name = "DataExchange";

    public static readonly string Version = typeof(ExchangeTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    public static readonly ActivitySource Source = new(Name, Version);

    public const string TradeBatchSpan = "dx.trade.batch";

    public const string ComplianceSpan = "dx.compliance.decide";

    /// <summary>
    /// A pipeline batch, on its background loop: parented by the first trade's caller (so that caller's trace holds the
    /// batch's SQL), linked to every other caller whose trade it carries.
    /// </summary>
    public static Activity? StartTradeBatch(IReadOnlyList<ActivityContext> callers)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = callers.FirstOrDefault(c => c != default);
        List<ActivityLink>? links = null;
        foreach (var caller in callers)
        {
            if (caller != default && caller.TraceId != parent.TraceId)
            {
                (links ??= []).Add(new ActivityLink(caller));
            }
        }

        var activity = Source.StartActivity(TradeBatchSpan, ActivityKind.Internal, parent, links: links);
        activity?.SetTag("dx.trade.batch.size", callers.Count);
        return activity;
    }

    /// <summary>
    /// Runs the domain's decision inside a span tagged with its verdict, and counts the compliance decision. The span's
    /// parent is <paramref name="parent"/> when given (a batched trade's caller), otherwise the current activity; a
    /// batched trade's span links to its batch. The current activity is the same afterwards as before.
    /// </summary>
    public static TradeContractDecision DecideTrade(Func<TradeContractDecision> decide, ExchangeMetrics metrics, TradeOrigin origin,
        ActivityContext parent = default, ActivityContext batch = default)
    {
        var outer = Activity.Current;
        var activity = Source.HasListeners()
            ? Source.StartActivity(ComplianceSpan, ActivityKind.Internal, parent, links: batch == default ? null : [new ActivityLink(batch)])
            : null;
        try
        {
            var decision = decide();
            var verdict = Verdict(decision);
            if (verdict is not null)
            {
                metrics.ComplianceDecided(verdict);
            }

            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("dx.trade.origin", OriginName(origin));
                activity.SetTag("dx.trade.outcome", OutcomeOf(decision));
                if (verdict is not null)
                {
                    activity.SetTag("dx.compliance.rule_set", verdict.RuleSetVersion);
                    activity.SetTag("dx.compliance.outcome", OutcomeName(verdict.OutcomeOrDerived));
                    activity.SetTag("dx.compliance.mechanism", MechanismName(verdict.Mechanism));
                    activity.SetTag("dx.compliance.crossing", CrossingName(verdict.CrossingOrDerived));
                    if (verdict.RefusedByRule is { } rule)
                    {
                        activity.SetTag("dx.compliance.refused_by_rule", rule);
                    }
                }

                if (decision is RejectedTrade rejected)
                {
                    activity.SetTag("dx.trade.rejection", rejected.Error.Reason);
                }
            }

            return decision;
        }
        catch (Exception e)
        {
            activity?.AddException(e);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        finally
        {
            activity?.Dispose();
            Activity.Current = outer; // a span with an explicit parent would otherwise leave nothing current
        }
    }

    /// <summary>The engine's verdict behind a decision; null when a precondition failed first.</summary>
    public static ComplianceDecision? Verdict(TradeContractDecision decision) => decision switch
    {
        AcceptedTrade accepted => accepted.Verdict.Decision,
        RefusedTrade refused => refused.Refused.Compliance,
        _ => null,
    };

    /// <summary>The dx.trades outcome: accepted, refused, manual_review, or rejected (a precondition failed; nothing recorded).</summary>
    public static string OutcomeOf(TradeContractDecision decision) => decision switch
    {
        AcceptedTrade => "accepted",
        RefusedTrade refused => OutcomeName(refused.Refused.Compliance.OutcomeOrDerived),
        _ => "rejected",
    };

    public static string OutcomeName(DecisionOutcome outcome) => outcome switch
    {
        DecisionOutcome.Accepted => "accepted",
        DecisionOutcome.Refused => "refused",
        DecisionOutcome.ManualReview => "manual_review",
        _ => "unspecified",
    };

    public static string MechanismName(ExportMechanism mechanism) => mechanism switch
    {
        ExportMechanism.None => "none",
        ExportMechanism.Exempt => "exempt",
        ExportMechanism.SecurityAssessment => "security_assessment",
        ExportMechanism.StandardContract => "standard_contract",
        ExportMechanism.Certification => "certification",
        ExportMechanism.GbaStandardContract => "gba_standard_contract",
        _ => "unknown",
    };

    public static string CrossingName(BorderCrossing crossing) => crossing switch
    {
        BorderCrossing.Domestic => "domestic",
        BorderCrossing.MainlandExport => "mainland_export",
        BorderCrossing.IntoMainland => "into_mainland",
        BorderCrossing.OutsideMainland => "outside_mainland",
        _ => "unspecified",
    };

    public static string OriginName(TradeOrigin origin) => origin switch
    {
        TradeOrigin.Executed => "executed",
        TradeOrigin.Filed => "filed",
        _ => "unknown",
    };
}
