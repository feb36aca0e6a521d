using System.Collections.Concurrent;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using Marten;
using Npgsql;

namespace DataExchange.Server.Trades;

/// <summary>
/// Filing numbers (登记备案编号) "DX-{year}-{n:D6}", without holes: a filing number is a public certificate number, so
/// the one issued next is the counter row of its year, moved inside the trade's own transaction. A trade that does
/// not commit (a crash, a lost race, a duplicate request) rolls its number back with it; refused trades never draw
/// one. The row lock is held from the draw to the commit, so one year's filings commit one after another.
/// </summary>
public sealed class FilingNumbers(NpgsqlDataSource dataSource, ServerSettings settings)
{
    /// <summary>The counters' table, one row per year; MartenSetup creates it with the rest of the schema.</summary>
    public const string TableName = "dx_filing_counters";

    private readonly ConcurrentDictionary<int, bool> readyYears = new();
    private string Counters => $"\"{settings.Schema}\".{TableName}";

    /// <summary>The next number of <paramref name="year"/>, drawn in <paramref name="session"/>'s transaction (begun here if need be).</summary>
    public async Task<string> NextAsync(IDocumentSession session, int year, CancellationToken ct) =>
        Domain.Trades.FilingNumber.Format(year, await DrawAsync(session, year, 1, ct));

    /// <summary>
    /// Draws the next <paramref name="count"/> numbers of <paramref name="year"/> with one counter update, in
    /// <paramref name="session"/>'s transaction (begun here if need be), and returns the last: a batch of trades files
    /// under last − count + 1 … last.
    /// </summary>
    public async Task<long> DrawAsync(IDocumentSession session, int year, int count, CancellationToken ct)
    {
        if (!readyYears.ContainsKey(year))
        {
            await EnsureYearAsync(year, ct);
            readyYears[year] = true;
        }

        await session.BeginTransactionAsync(ct);
        // Marten reads a statement that starts with neither "select" nor "with" as a where clause.
        var drawn = await session.QueryAsync<long>($"with drawn as (update {Counters} set last = last + ? where year = ? returning last) select last from drawn", ct, count, year);
        return drawn.Single();
    }

    /// <summary>
    /// The year's counter row, created once (concurrently harmless: the insert does nothing on conflict). A log from before counters (numbered by a sequence that skipped numbers on
    /// failed transactions) continues after the highest number actually issued.
    /// </summary>
    private async Task EnsureYearAsync(int year, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var insert = new NpgsqlCommand($$"""
            insert into {{Counters}} (year, last)
            select @year, coalesce(max(substring(data->>'FilingNumber' from '^DX-[0-9]{4}-([0-9]+)$')::bigint), 0)
            from {{MartenTables.Qualified(settings.Schema, MartenTables.Trades)}} where data->>'FilingNumber' like @prefix
            on conflict (year) do nothing
            """, connection);
        insert.Parameters.AddWithValue("year", year);
        insert.Parameters.AddWithValue("prefix", $"DX-{year}-%");
        await insert.ExecuteNonQueryAsync(ct);
    }
}
