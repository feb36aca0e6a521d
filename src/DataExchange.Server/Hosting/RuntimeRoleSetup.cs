using DataExchange.Server.Configuration;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Ledger;
using Marten;
using Npgsql;

namespace DataExchange.Server.Hosting;

/// <summary>
/// With DX_DATABASE_OWNER_URL set: before anything else touches the database, migrates the whole schema as its owner
/// (Marten's tables and functions, the ledger's tables, the append-only guards) and grants the runtime role
/// (DX_DATABASE_URL) only what it needs (<see cref="AppendOnlyGuards.GrantRuntimeRoleAsync"/>). The runtime role does
/// not own the tables, so it cannot disable or drop a guard; Marten runs with AutoCreate.None under it.
/// </summary>
public sealed class RuntimeRoleSetup(ServerSettings settings, LedgerStorage storage, ILogger<RuntimeRoleSetup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var owner = settings.OwnerConnectionString ?? throw new InvalidOperationException("RuntimeRoleSetup needs DX_DATABASE_OWNER_URL.");
        using (var store = new DocumentStore(MartenSetup.Configure(settings with { ConnectionString = owner, OwnerConnectionString = null })))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        await storage.EnsureSchemaAsync(settings.Ledger, cancellationToken);
        await AppendOnlyGuards.InstallAsync(storage, logger, cancellationToken);

        string role;
        bool isSuperuser, sameAsOwner;
        await using (var connection = await storage.DataSource.OpenConnectionAsync(cancellationToken))
        await using (var who = new NpgsqlCommand(
            """
            select current_user, r.rolsuper, c.relowner = r.oid from pg_roles r, pg_class c join pg_namespace n on n.oid = c.relnamespace
            where r.rolname = current_user and n.nspname = @schema and c.relname = @events
            """, connection))
        {
            who.Parameters.AddWithValue("schema", storage.Schema);
            who.Parameters.AddWithValue("events", MartenTables.Events);
            await using var reader = await who.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (role, isSuperuser, sameAsOwner) = (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
        }

        if (isSuperuser || sameAsOwner)
        {
            logger.LogWarning("DX_DATABASE_URL connects as {Role}, which is {What}: it can still disable the append-only guards. Use a role that neither owns the schema nor is a superuser",
                role, isSuperuser ? "a superuser" : "the schema's owner");
            return;
        }

        await AppendOnlyGuards.GrantRuntimeRoleAsync(storage, role, cancellationToken);
        logger.LogInformation("Schema {Schema} migrated as its owner; the server runs as {Role} with DML rights only", settings.Schema, role);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
