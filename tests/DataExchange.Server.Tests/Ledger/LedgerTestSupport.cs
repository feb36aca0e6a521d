using DataExchange.Contracts.V1;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Notes;
using DataExchange.Server.Configuration;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>An SM3 log with fast checkpoints.</summary>
public sealed class Sm3ServerFixture : IAsyncLifetime
{
    public ServerFixture Server { get; } = new() { Ledger = new LedgerSettings { HashAlgorithm = DataExchange.Ledger.Hashing.LogHashAlgorithm.Sm3 } };

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}

internal static class LedgerTestSupport
{
    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (then fails with <paramref name="what"/>).</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        if (!await Waiting.UntilAsync(condition, holds => holds, limit))
        {
            Assert.Fail($"Timed out after {limit.TotalSeconds:F0} s waiting for {what}.");
        }
    }

    /// <summary>The receipt of <paramref name="trade"/> once it holds <paramref name="events"/> events (a checkpoint covers them).</summary>
    public static async Task<TradeReceipt> ReceiptWithAsync(this ServerFixture server, string trade, int events)
    {
        TradeReceipt? receipt = null;
        await Eventually(async () =>
        {
            try
            {
                receipt = await server.Operator.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = trade });
                return receipt.Leaves.Count == events;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.Unavailable)
            {
                return false;
            }
        }, $"the receipt of {trade} to hold its {events} event(s)");
        return receipt!;
    }

    public static async Task<long> ScalarAsync(this ServerFixture server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", server.Schema, StringComparison.Ordinal), connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task ExecAsync(this ServerFixture server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", server.Schema, StringComparison.Ordinal), connection);
        await command.ExecuteNonQueryAsync();
    }

    public static Task<long> LedgerSizeAsync(this ServerFixture server) => server.ScalarAsync("select size from {schema}.ledger_state");

    /// <summary>Waits until every event in mt_events is a leaf, then returns a fresh checkpoint of that size.</summary>
    public static async Task<SignedCheckpoint> CaughtUpCheckpointAsync(this ServerFixture server)
    {
        await Eventually(async () => await server.LedgerSizeAsync() == await server.CountEventRowsAsync(), "the ledger to integrate every event");
        return await server.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true });
    }

    public static IReadOnlyList<INoteVerifier> Verifiers(this ServerFixture server)
    {
        var signing = server.Services.GetRequiredService<LedgerSigning>();
        return [signing.Sm2.Verifier, signing.Ed25519.Verifier];
    }

    public static async Task<IReadOnlyList<(long LeafIndex, long SeqId, Guid EventId, LedgerEntry Entry)>> ReadLeavesAsync(this ServerFixture server)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select leaf_index, seq_id, event_id, leaf_bytes from {server.Schema}.ledger_leaves order by leaf_index", connection);
        var leaves = new List<(long, long, Guid, LedgerEntry)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            leaves.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), LedgerEntry.Parse((byte[])reader[3])));
        }

        return leaves;
    }

    public static CallOptions NoDeadline => new(deadline: DateTime.UtcNow.AddMinutes(5));
}
