using DataExchange.Server.Tests.Infrastructure;
using Npgsql;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>How the tests attack the database: the one way in for every tampering with events, leaves or read models.</summary>
internal static class Tampering
{
    /// <summary>
    /// Runs <paramref name="sql"/> ("{schema}" replaced) as a superuser attacker would: in a session with
    /// <c>session_replication_role = replica</c>, so ordinary triggers (the append-only guards on the event and ledger
    /// tables among them) do not fire. Returns the number of rows changed.
    /// </summary>
    public static async Task<int> TamperAsync(this ServerFixture server, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using (var replica = new NpgsqlCommand("set session_replication_role = replica", connection))
        {
            await replica.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql.Replace("{schema}", server.Schema, StringComparison.Ordinal), connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync();
    }
}
