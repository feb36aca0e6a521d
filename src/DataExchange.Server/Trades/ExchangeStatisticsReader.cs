using DataExchange.Domain.Trades;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using Npgsql;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Trades;

/// <summary>
/// The exchange's public figures, aggregated in PostgreSQL from the trade read model at query time: there is no
/// statistics row every trade would have to lock. Filed = contracted and not cancelled (a cancellation withdraws the
/// filing); refused attempts are counted separately.
/// </summary>
public sealed class ExchangeStatisticsReader(NpgsqlDataSource dataSource, ServerSettings settings, TimeProvider time)
{
    private sealed record Row(int Year, string State, bool CrossBorder, string Currency, long Count, long Total);

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
        var sql = $"""
            select (data->>'FilingYear')::int, data->>'State', (data->>'CrossBorder')::boolean,
                   data->'Amount'->>'CurrencyCode', count(*), coalesce(sum((data->'Amount'->>'AmountMinor')::bigint), 0)::bigint
            from {MartenTables.Qualified(settings.Schema, MartenTables.Trades)}
            group by 1, 2, 3, 4
            """;
        var rows = new List<Row>();
        await using (var command = dataSource.CreateCommand(sql))
        {
            try
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    rows.Add(new Row(reader.GetInt32(0), reader.GetString(1), reader.GetBoolean(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5)));
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

        return statistics;
    }

    private static V1.FilingTotals Totals(IReadOnlyList<Row> rows)
    {
        var refused = nameof(TradeState.Refused);
        var cancelled = nameof(TradeState.Cancelled);
        var filed = rows.Where(r => r.State != refused && r.State != cancelled).ToList();
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
