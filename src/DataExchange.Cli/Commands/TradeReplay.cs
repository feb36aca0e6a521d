using System.Globalization;
using System.Text.Json;
using DataExchange.Compliance;
using DataExchange.Contracts.V1;
using DataExchange.Domain.Trades;
using DomainTrade = DataExchange.Domain.Trades.Trade;
using DomainTradeState = DataExchange.Domain.Trades.TradeState;

namespace DataExchange.Cli.Commands;

/// <summary>
/// Rebuilds every trade from its events and compares it with what the service serves; re-runs the compliance engine
/// on each recorded decision's own inputs under its recorded rule set (the replay must reach the same decision);
/// recomputes the published statistics and the exporters' cumulative volumes from the rebuilt trades.
/// </summary>
internal sealed class TradeReplay() : ReplayModel<DomainTrade>("trades", DomainTrade.EventTypes, (state, e) => Version(DomainTrade.Evolve(state, e), state))
{
    private readonly List<string> decisionDifferences = [];
    private int decisionsReplayed;

    private static DomainTrade Version(DomainTrade next, DomainTrade? previous)
    {
        next.Version = (previous?.Version ?? 0) + 1;
        return next;
    }

    public override void Apply(Guid streamId, string eventType, string payloadJson)
    {
        base.Apply(streamId, eventType, payloadJson);
        (ComplianceInput, Compliance.ComplianceDecision)? recorded = eventType switch
        {
            "trade_contracted" => JsonSerializer.Deserialize<TradeContracted>(payloadJson, LedgerReplay.MartenJson) is { } c ? (c.ComplianceInput, c.Compliance) : null,
            "trade_refused" => JsonSerializer.Deserialize<TradeRefused>(payloadJson, LedgerReplay.MartenJson) is { } r ? (r.ComplianceInput, r.Compliance) : null,
            _ => null,
        };
        if (recorded is not { } decision)
        {
            return;
        }

        decisionsReplayed++;
        var ruleSet = RuleSetCatalog.Default.Find(decision.Item2.RuleSetVersion);
        if (ruleSet is null)
        {
            decisionDifferences.Add($"trades/{streamId}: recorded rule set {decision.Item2.RuleSetVersion} is unknown to this verifier");
            return;
        }

        var replayed = ComplianceEngine.Decide(decision.Item1, ruleSet);
        if (!replayed.Equals(decision.Item2))
        {
            decisionDifferences.Add($"trades/{streamId}: recorded decision {(decision.Item2.Accepted ? "accepted" : decision.Item2.RefusalReason)} " +
                $"under {ruleSet.Version}, replay gives {(replayed.Accepted ? "accepted" : replayed.RefusalReason)}: {replayed.Explanation}");
        }
    }

    /// <summary>How many recorded compliance decisions were re-decided, for the report.</summary>
    public int DecisionsReplayed => decisionsReplayed;

    public override async Task<IReadOnlyList<string>> CompareAsync(CliContext context, CancellationToken ct)
    {
        var differences = new List<string>(decisionDifferences);
        var served = new Dictionary<Guid, Contracts.V1.Trade>();
        foreach (var state in new[] { Contracts.V1.TradeState.Unspecified, Contracts.V1.TradeState.Refused })
        {
            var token = "";
            do
            {
                var page = await context.Trades.ListTradesAsync(new ListTradesRequest { State = state, PageSize = 200, PageToken = token }, context.Call(ct));
                foreach (var trade in page.Trades)
                {
                    served[Guid.Parse(trade.Name["trades/".Length..])] = trade;
                }

                token = page.NextPageToken;
            }
            while (token != "");
        }

        foreach (var (id, rebuilt) in States)
        {
            if (!served.Remove(id, out var trade))
            {
                differences.Add($"trades/{id}: in the ledger but not served");
                continue;
            }

            var etag = rebuilt.Version.ToString(CultureInfo.InvariantCulture);
            if ((int)trade.State != (int)rebuilt.State || trade.FilingNumber != (rebuilt.FilingNumber ?? "") || trade.Etag != etag
                || trade.Amount.AmountMinor != rebuilt.Amount.AmountMinor || trade.Amount.CurrencyCode != rebuilt.Amount.CurrencyCode
                || trade.Compliance.CrossBorder != rebuilt.CrossBorder)
            {
                differences.Add($"trades/{id}: served {trade.State} {trade.FilingNumber} {trade.Amount.CurrencyCode} {trade.Amount.AmountMinor} etag {trade.Etag}, " +
                    $"replayed {rebuilt.State} {rebuilt.FilingNumber} {rebuilt.Amount} etag {etag}");
            }
        }

        differences.AddRange(served.Keys.Select(id => $"trades/{id}: served but not in the ledger"));
        differences.AddRange(await CompareStatisticsAsync(context, ct));
        return differences;
    }

    /// <summary>The public figures, recomputed: filed = contracted and not cancelled; refused attempts apart.</summary>
    private async Task<IReadOnlyList<string>> CompareStatisticsAsync(CliContext context, CancellationToken ct)
    {
        var filed = States.Values.Where(t => t.State is not (DomainTradeState.Refused or DomainTradeState.Cancelled)).ToList();
        var statistics = await context.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), context.Call(ct));
        var overall = statistics.Overall;
        var differences = new List<string>();
        void Check(string what, long served, long replayed)
        {
            if (served != replayed)
            {
                differences.Add($"statistics: {what} served {served}, replayed {replayed}");
            }
        }

        Check("filed trades", overall.FiledTrades, filed.Count);
        Check("cross-border trades", overall.CrossBorderTrades, filed.Count(t => t.CrossBorder));
        Check("refused attempts", overall.RefusedAttempts, States.Values.Count(t => t.State == DomainTradeState.Refused));
        foreach (var currency in filed.Select(t => t.Amount.CurrencyCode).Union(overall.TotalValue.Select(m => m.CurrencyCode)).Distinct())
        {
            Check($"value {currency}", overall.TotalValue.FirstOrDefault(m => m.CurrencyCode == currency)?.AmountMinor ?? 0,
                filed.Where(t => t.Amount.CurrencyCode == currency).Sum(t => t.Amount.AmountMinor));
            Check($"cross-border value {currency}", overall.CrossBorderValue.FirstOrDefault(m => m.CurrencyCode == currency)?.AmountMinor ?? 0,
                filed.Where(t => t.CrossBorder && t.Amount.CurrencyCode == currency).Sum(t => t.Amount.AmountMinor));
        }

        return differences;
    }
}

/// <summary>Each exporter's yearly export volume, rebuilt from its stream and from the accepted trades that fed it.</summary>
internal sealed class ExportVolumeReplay() : ReplayModel<ExporterYearVolume>("export volumes", [typeof(ExportVolumeRecorded)],
    (state, e) => ExporterYearVolume.Evolve(state, (ExportVolumeRecorded)e))
{
    public override Task<IReadOnlyList<string>> CompareAsync(CliContext context, CancellationToken ct)
    {
        // Every exporter-year stream must sit at the name-based id of its exporter and year: a volume recorded under
        // another id would escape the cumulative threshold check.
        IReadOnlyList<string> differences = [.. States
            .Where(kv => kv.Key != ExporterYearVolume.StreamId(kv.Value.ExporterId, kv.Value.Year))
            .Select(kv => $"export volume stream {kv.Key} does not belong to exporter {kv.Value.ExporterId} in {kv.Value.Year}")];
        return Task.FromResult(differences);
    }
}
