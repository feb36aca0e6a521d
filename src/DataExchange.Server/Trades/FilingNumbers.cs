using System.Collections.Concurrent;
using DataExchange.Server.Hosting;
using Npgsql;

namespace DataExchange.Server.Trades;

/// <summary>
/// Filing numbers (登记备案编号) "DX-{year}-{n:D6}": one PostgreSQL sequence per year. Sequences are not transactional
/// and take no row lock, so concurrent trades never queue on a counter row; the price is that a number drawn by a
/// transaction that then fails is skipped. Numbers are unique, increase within a year and are never reused.
/// </summary>
public sealed class FilingNumbers(NpgsqlDataSource dataSource, ServerSettings settings)
{
    private readonly ConcurrentDictionary<int, bool> createdSequences = new();

    public async Task<string> NextAsync(int year, CancellationToken ct)
    {
        var sequence = $"\"{settings.Schema}\".dx_filing_number_{year}";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (!createdSequences.ContainsKey(year))
        {
            await using var create = new NpgsqlCommand($"create sequence if not exists {sequence} minvalue 1 start 1", connection);
            try
            {
                await create.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject
                or PostgresErrorCodes.DuplicateTable) // 42P07: what a concurrent `create sequence if not exists` raises (seen under bench load)
            {
                // Another process created it at the same moment.
            }

            createdSequences[year] = true;
        }

        await using var next = new NpgsqlCommand($"select nextval('{sequence}')", connection);
        var number = (long)(await next.ExecuteScalarAsync(ct))!;
        return $"DX-{year}-{number:D6}";
    }
}
