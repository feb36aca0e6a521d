using DataExchange.Contracts.V1;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// DX_DATABASE_OWNER_URL: the schema is migrated as its owner and the server runs as a role with DML rights only, which
/// can neither remove history nor switch the append-only guards off.
/// </summary>
public class RuntimeRoleSpecs
{
    [Fact]
    public async Task A_server_running_as_a_restricted_role_works_and_that_role_cannot_disable_a_guard_or_remove_history()
    {
        var owner = new NpgsqlConnectionStringBuilder(new ServerFixture { OwnsSchema = false }.ConnectionString);
        var role = "dx_runtime_" + Guid.NewGuid().ToString("N")[..12];
        await ExecAsync(owner.ConnectionString, $"create role {role} login");
        var runtime = new NpgsqlConnectionStringBuilder(owner.ConnectionString) { Username = role, Password = null };
        var server = new ServerFixture { ServerConnectionString = runtime.ConnectionString };
        try
        {
            await server.InitializeAsync();

            // The exchange works: RPCs write documents and events, the ledger integrates and signs, archiving works.
            var (participant, _, _) = await server.NewParticipantAsync("Runtime Role Ltd", Region.MainlandChina, "Shenzhen", Role.Buyer);
            Assert.StartsWith("participants/", participant, StringComparison.Ordinal);
            var stream = Guid.CreateVersion7();
            await using (var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession())
            {
                session.Events.Append(stream, new LedgerProbe(8, 0, "runtime role"), new LedgerProbe(8, 1, "runtime role"));
                await session.SaveChangesAsync();
            }

            await using (var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession())
            {
                session.Events.ArchiveStream(stream);
                await session.SaveChangesAsync();
            }

            var checkpoint = await server.CaughtUpCheckpointAsync();
            Assert.Equal(await server.CountEventRowsAsync(), checkpoint.TreeSize);
            var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
            Assert.True(audit.Ok, audit.Failure);
            Assert.Equal(role, await ScalarAsync(runtime.ConnectionString, "select current_user"));

            // The runtime role's own attempts.
            var schema = server.Schema;
            async Task Denied(string sql, string sqlState)
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(runtime.ConnectionString, sql));
                Assert.True(refused.SqlState == sqlState, $"{sql}: {refused.SqlState} {refused.MessageText}");
            }

            const string insufficientPrivilege = "42501";
            await Denied($"alter table {schema}.mt_events disable trigger dx_append_only", insufficientPrivilege);
            await Denied($"alter table {schema}.ledger_leaves disable trigger all", insufficientPrivilege);
            await Denied($"drop trigger dx_append_only on {schema}.ledger_checkpoints", insufficientPrivilege);
            await Denied($"set session_replication_role = replica", insufficientPrivilege);
            await Denied($"delete from {schema}.mt_events", insufficientPrivilege);
            await Denied($"update {schema}.mt_events set data = '{{}}'", insufficientPrivilege);
            await Denied($"truncate {schema}.ledger_leaves", insufficientPrivilege);
            await Denied($"delete from {schema}.ledger_checkpoints", insufficientPrivilege);
            await Denied($"update {schema}.ledger_nodes set hash = hash", insufficientPrivilege);
            await Denied($"create table {schema}.shadow (id int)", insufficientPrivilege);
            // Columns the server may update are still guarded.
            await Denied($"update {schema}.ledger_state set size = size - 1", AppendOnlyGuards.SqlState);
            Assert.Equal(checkpoint.TreeSize, await server.LedgerSizeAsync());
        }
        finally
        {
            await server.DisposeAsync();
            await ExecAsync(owner.ConnectionString, $"drop owned by {role}; drop role {role}");
        }
    }

    private static async Task ExecAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
