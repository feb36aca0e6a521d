using System.Globalization;
using DataExchange.Domain.Common;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using Marten;
using Npgsql;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Trades;

/// <summary>
/// The exchange's public figures, aggregated in PostgreSQL from the trade read model at query time: there is no
/// statistics row every trade would have to lock. Filed = contracted and not cancelled (a cancellation withdraws the
/// filing); refused attempts are counted separately.
/// </summary>
public sealed class ExchangeStatisticsReader(NpgsqlDataSource dataSource, IDocumentStore store, ServerSettings settings, TimeProvider time)
{
    private sealed record Row(int Year, int Month, string State, bool CrossBorder, string Currency, Guid? Buyer, long Count, long Total);

    /// <summary>Published figures may be this old (a second by default); one aggregation serves every caller meanwhile.</summary>
    private readonly TimeSpan MaxAge = settings.StatisticsMaxAge;
    private readonly SemaphoreSlim refresh = new(1, 1);
    private (V1.ExchangeStatistics Value, DateTimeOffset At)? cached;

    public async Task<V1.ExchangeStatistics> ReadAsync(CancellationToken ct)
    {
        if (cached is { } hit && time.GetUtcNow() - hit.At < MaxAge)
        {
            return hit.Value;
        }

        await refresh.WaitAsync(ct);
        try
        {
            if (cached is { } fresh && time.GetUtcNow() - fresh.At < MaxAge)
            {
                return fresh.Value;
            }

            var value = await AggregateAsync(ct);
            cached = (value, time.GetUtcNow());
            return value;
        }
        finally
        {
            refresh.Release();
        }
    }

    private async Task<V1.ExchangeStatistics> AggregateAsync(CancellationToken ct)
    {
        // One row per month, state, border, currency and (for mainland exports only) buyer: the buyer's place is the
        // export's destination, looked up once per buyer below rather than joined per trade.
        var sql = $"""
            select substr(data->>'ContractDate', 1, 7), data->>'State', (data->>'CrossBorder')::boolean,
                   data->'Amount'->>'CurrencyCode',
                   case when (data->>'CrossBorder')::boolean then (data->>'BuyerId')::uuid end,
                   count(*), coalesce(sum((data->'Amount'->>'AmountMinor')::bigint), 0)::bigint
            from {MartenTables.Qualified(settings.Schema, MartenTables.Trades)}
            group by 1, 2, 3, 4, 5
            """;
        var rows = new List<Row>();
        await using (var command = dataSource.CreateCommand(sql))
        {
            try
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var month = reader.GetString(0);
                    rows.Add(new Row(int.Parse(month[..4], CultureInfo.InvariantCulture), int.Parse(month[5..7], CultureInfo.InvariantCulture),
                        reader.GetString(1), reader.GetBoolean(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetGuid(4),
                        reader.GetInt64(5), reader.GetInt64(6)));
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // No trade yet: Marten creates the table on first use.
            }
        }

        var statistics = new V1.ExchangeStatistics { Overall = Totals(rows), AsOf = time.GetUtcNow().ToTimestamp() };
        foreach (var year in rows.Select(r => r.Year).Distinct().Order())
        {
            statistics.Years.Add(new V1.YearStatistics { Year = year, Totals = Totals([.. rows.Where(r => r.Year == year)]) });
        }

        statistics.Months.Add(Months(rows));
        statistics.CrossBorderDestinations.Add(await DestinationsAsync(rows, ct));
        return statistics;
    }

    /// <summary>Every month from the first to the last with a trade, empty months included, so a chart has no holes.</summary>
    private static IEnumerable<V1.MonthStatistics> Months(IReadOnlyList<Row> rows)
    {
        if (rows.Count == 0)
        {
            yield break;
        }

        var byMonth = rows.ToLookup(r => (r.Year, r.Month));
        var first = rows.Min(r => r.Year * 12 + r.Month - 1);
        var last = rows.Max(r => r.Year * 12 + r.Month - 1);
        for (var m = first; m <= last; m++)
        {
            var (year, month) = (m / 12, m % 12 + 1);
            yield return new V1.MonthStatistics { Year = year, Month = month, Totals = Totals([.. byMonth[(year, month)]]) };
        }
    }

    private async Task<IEnumerable<V1.DestinationStatistics>> DestinationsAsync(IReadOnlyList<Row> rows, CancellationToken ct)
    {
        var exports = rows.Where(r => r.Buyer is not null && IsFiled(r)).ToList();
        if (exports.Count == 0)
        {
            return [];
        }

        var buyerIds = exports.Select(r => r.Buyer!.Value).Distinct().ToArray();
        await using var session = store.QuerySession();
        var buyers = (await session.LoadManyAsync<Participant>(ct, buyerIds)).ToDictionary(p => p.Id);
        string Destination(Guid buyer) => buyers.TryGetValue(buyer, out var p) ? p.Jurisdiction.Canonical().Code ?? "" : "";
        return exports.GroupBy(r => Destination(r.Buyer!.Value))
            .Select(g =>
            {
                var place = JurisdictionCodes.Describe(g.Key);
                return new V1.DestinationStatistics
                {
                    Code = g.Key,
                    ChineseName = place?.ChineseName ?? "",
                    EnglishName = place?.EnglishName ?? "",
                    FiledTrades = g.Sum(r => r.Count),
                    Value = { Sum(g) },
                };
            })
            .OrderByDescending(d => d.FiledTrades).ThenBy(d => d.Code, StringComparer.Ordinal);
    }

    private static bool IsFiled(Row r) => r.State != nameof(TradeState.Refused) && r.State != nameof(TradeState.Cancelled);

    private static V1.FilingTotals Totals(IReadOnlyList<Row> rows)
    {
        var refused = nameof(TradeState.Refused);
        var filed = rows.Where(IsFiled).ToList();
        var crossBorder = filed.Where(r => r.CrossBorder).ToList();
        return new V1.FilingTotals
        {
            FiledTrades = filed.Sum(r => r.Count),
            TotalValue = { Sum(filed) },
            CrossBorderTrades = crossBorder.Sum(r => r.Count),
            CrossBorderValue = { Sum(crossBorder) },
            RefusedAttempts = rows.Where(r => r.State == refused).Sum(r => r.Count),
        };
    }

    private static IEnumerable<V1.Money> Sum(IEnumerable<Row> rows) =>
        rows.GroupBy(r => r.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new V1.Money { CurrencyCode = g.Key, AmountMinor = g.Sum(r => r.Total) });
}
