using JasperFx.Events;
using Marten;
using DataExchange.Server.Infrastructure;
using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>
/// Triggers that make the ledger tables and Marten's event table append-only for every role that does not bypass
/// triggers (the server's own role included): the server never changes or removes a leaf, node, checkpoint or event,
/// so a statement that tries is an attack or a mistake, and PostgreSQL refuses it with SQLSTATE
/// <see cref="SqlState"/> and a message "&lt;schema&gt;.&lt;table&gt; is append-only: …".
///
/// What may still change, and how:
/// - ledger_leaves, ledger_nodes, ledger_checkpoints, ledger_cosignatures: nothing (no UPDATE, DELETE or TRUNCATE at all).
/// - ledger_state: size and last_seq_id only grow; updated_at is free; hash_algorithm and origin never change.
/// - ledger_keys: valid_until_size is set once, from null (key rotation); nothing else changes.
/// - ledger_holes: filled_leaf_index and filled_at are set once, from null (a late event got its leaf).
/// - mt_events: only is_archived (Marten's stream archiving); no DELETE (a cascade from mt_streams included).
/// No DELETE or TRUNCATE on any of them.
///
/// A superuser can skip triggers (session_replication_role = replica) and a table owner can disable them; neither is
/// defended here: the signer's own state outside the database and the audits catch what they do (README, "What an
/// attacker with database access can still do"). A start re-enables a disabled guard and says so in the log.
/// </summary>
public sealed class AppendOnlyGuards(LedgerStorage storage, IDocumentStore store, ILogger<AppendOnlyGuards> logger) : IHostedService
{
    /// <summary>SQLSTATE of every refusal (class "DX", not used by PostgreSQL).</summary>
    public const string SqlState = "DXA01";

    /// <summary>Every refusal's message contains this after the table's name.</summary>
    public const string Marker = "is append-only";

    /// <summary>Table → the columns an UPDATE may change (free, ":grow" = never decreases, ":once" = set from null); null → no UPDATE at all.</summary>
    public static readonly IReadOnlyDictionary<string, string[]?> Rules = new Dictionary<string, string[]?>
    {
        ["ledger_leaves"] = null,
        ["ledger_nodes"] = null,
        ["ledger_checkpoints"] = null,
        ["ledger_cosignatures"] = null,
        ["ledger_state"] = ["size:grow", "last_seq_id:grow", "updated_at"],
        ["ledger_keys"] = ["valid_until_size:once"],
        ["ledger_holes"] = ["filled_leaf_index:once", "filled_at:once"],
        [MartenTables.Events] = ["is_archived"],
    };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Marten creates mt_events (ApplyAllDatabaseChangesOnStartup, or lazily on first use): make sure it exists.
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(IEvent), cancellationToken);
        await InstallAsync(storage, logger, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Installs (or re-installs) every guard, idempotently, under the ledger's DDL lock.</summary>
    public static async Task InstallAsync(LedgerStorage storage, ILogger logger, CancellationToken ct)
    {
        await using var connection = await storage.SchemaDataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LedgerStorage.Exec(connection, "select pg_advisory_xact_lock(@k)", ct, ("k", storage.LockKey + 1));

        var existing = new List<(string Table, string Trigger, char Enabled)>();
        await using (var query = new NpgsqlCommand("""
            select c.relname, t.tgname, t.tgenabled from pg_trigger t
            join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = @schema and t.tgname like 'dx\_append\_only%'
            """, connection))
        {
            query.Parameters.AddWithValue("schema", storage.Schema);
            await using var reader = await query.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                existing.Add((reader.GetString(0), reader.GetString(1), reader.GetChar(2)));
            }
        }

        foreach (var (table, trigger, _) in existing.Where(e => e.Enabled == 'D'))
        {
            logger.LogWarning("Append-only guard {Trigger} on {Schema}.{Table} was DISABLED in the database; enabling it again. Whoever disabled it could change rows meanwhile: run dx audit verify",
                trigger, storage.Schema, table);
        }

        var hasLeaves = (await storage.ReadStateAsync(connection, ct)).Size > 0;
        if (hasLeaves && existing.Count < ExpectedTriggerCount)
        {
            logger.LogWarning("Append-only guards in schema {Schema} were missing ({Found} of {Expected}): first start with guards on an existing ledger, or someone dropped them",
                storage.Schema, existing.Count, ExpectedTriggerCount);
        }

        await LedgerStorage.Exec(connection, Ddl(storage.Schema), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Grants <paramref name="role"/> (the runtime role, not the owner) what the server needs and no more: DML on
    /// Marten's document tables; SELECT and INSERT on the guarded tables plus UPDATE of exactly the columns their
    /// guards allow; no DELETE or TRUNCATE of history; the schema's sequences and functions. Idempotent; run at every
    /// start after the schema is migrated, so tables Marten added since are covered.
    /// </summary>
    public static async Task GrantRuntimeRoleAsync(LedgerStorage storage, string role, CancellationToken ct)
    {
        var s = $"\"{storage.Schema}\"";
        var r = "\"" + role.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        var sql = new System.Text.StringBuilder($"""
            grant usage on schema {s} to {r};
            grant select, insert, update, delete on all tables in schema {s} to {r};
            grant usage, select, update on all sequences in schema {s} to {r};
            grant execute on all functions in schema {s} to {r};

            """);
        foreach (var (table, updatable) in Rules)
        {
            sql.AppendLine($"revoke all on {s}.{table} from {r};");
            sql.AppendLine($"grant select, insert on {s}.{table} to {r};");
            if (updatable is not null)
            {
                sql.AppendLine($"grant update ({string.Join(", ", updatable.Select(u => u.Split(':')[0]))}) on {s}.{table} to {r};");
            }
        }

        await using var connection = await storage.SchemaDataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LedgerStorage.Exec(connection, "select pg_advisory_xact_lock(@k)", ct, ("k", storage.LockKey + 1));
        await LedgerStorage.Exec(connection, sql.ToString(), ct);
        await tx.CommitAsync(ct);
    }

    private static int ExpectedTriggerCount => Rules.Count + Rules.Values.Count(r => r is not null);

    /// <summary>The functions and triggers, for one schema; every statement is idempotent.</summary>
    public static string Ddl(string schema)
    {
        var s = $"\"{schema}\"";
        var sql = new System.Text.StringBuilder($$"""
            create or replace function {{s}}.dx_append_only_refuse() returns trigger language plpgsql as $fn$
            begin
              raise exception using errcode = '{{SqlState}}',
                message = format('%s.%s {{Marker}}: %s refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP),
                hint = 'Ledger and event rows are never changed or removed once written.';
            end
            $fn$;

            -- Row-level UPDATE guard. Arguments name the columns that may change: 'col' freely, 'col:grow' never to a
            -- smaller value, 'col:once' only from null. Any other changed column refuses the whole statement.
            create or replace function {{s}}.dx_append_only_update() returns trigger language plpgsql as $fn$
            declare
              o jsonb := to_jsonb(old);
              refused text[] := '{}';
              changed record;
              kind text;
              rule text;
            begin
              for changed in select n.key, o -> n.key as before, n.value as after from jsonb_each(to_jsonb(new)) n
                              where n.value is distinct from o -> n.key loop
                kind := null;
                foreach rule in array coalesce(TG_ARGV, '{}') loop
                  if split_part(rule, ':', 1) = changed.key then
                    kind := coalesce(nullif(split_part(rule, ':', 2), ''), 'free');
                  end if;
                end loop;
                continue when kind = 'free'
                  or (kind = 'grow' and jsonb_typeof(changed.after) = 'number' and jsonb_typeof(changed.before) = 'number'
                      and (changed.after #>> '{}')::numeric >= (changed.before #>> '{}')::numeric)
                  or (kind = 'once' and changed.before = 'null'::jsonb);
                refused := refused || format('%s: %s -> %s', changed.key, left(changed.before::text, 80), left(changed.after::text, 80));
              end loop;
              if cardinality(refused) > 0 then
                raise exception using errcode = '{{SqlState}}',
                  message = format('%s.%s {{Marker}}: UPDATE of %s refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, array_to_string(array(
                    select split_part(r, ':', 1) from unnest(refused) r), ', ')),
                  detail = array_to_string(refused, '; '),
                  hint = 'Only these columns may change: ' || coalesce(replace(replace(array_to_string(TG_ARGV, ', '),
                    ':grow', ' (never decreases)'), ':once', ' (only from null)'), 'none') || '.';
              end if;
              return new;
            end
            $fn$;

            """);
        foreach (var (table, updatable) in Rules)
        {
            var t = $"{s}.{table}";
            if (updatable is null)
            {
                sql.AppendLine($"create or replace trigger dx_append_only before update or delete or truncate on {t} for each statement execute function {s}.dx_append_only_refuse();");
            }
            else
            {
                sql.AppendLine($"create or replace trigger dx_append_only before delete or truncate on {t} for each statement execute function {s}.dx_append_only_refuse();");
                var args = string.Join(", ", updatable.Select(a => $"'{a}'"));
                sql.AppendLine($"create or replace trigger dx_append_only_update before update on {t} for each row execute function {s}.dx_append_only_update({args});");
            }

            sql.AppendLine($"alter table {t} enable trigger dx_append_only;");
            if (updatable is not null)
            {
                sql.AppendLine($"alter table {t} enable trigger dx_append_only_update;");
            }
        }

        return sql.ToString();
    }
}
