using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>A witness's cosignature on the checkpoint of <paramref name="Size"/> leaves, as its note signature line.</summary>
public sealed record StoredCosignature(long Size, string Witness, uint KeyId, string Line, DateTimeOffset CosignedAt);

/// <summary>
/// ledger_cosignatures: the cosignatures witnesses returned, kept beside the checkpoints (append-only). They are
/// self-authenticating (each verifies against the witness's key), so a row changed by someone with database access can
/// only be left out when served, never counted.
/// </summary>
public sealed partial class LedgerStorage
{
    private async Task EnsureCosignaturesTableAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await Exec(connection, $"""
            create table if not exists {Table("ledger_cosignatures")} (
                size bigint not null,
                witness text not null,
                key_id bigint not null,
                line text not null,
                cosigned_at timestamptz not null,
                received_at timestamptz not null default now(),
                primary key (size, witness, key_id));
            create index if not exists ledger_cosignatures_witness on {Table("ledger_cosignatures")} (witness, key_id, size desc);
            """, ct);

    public async Task InsertCosignatureAsync(StoredCosignature cosignature, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // No WAL flush of its own (one per witness per checkpoint would compete with the trades' commits): a cosignature
        // lost in a crash is asked for again, since the witness then answers with the size it holds and is re-proved.
        await Exec(connection, "set local synchronous_commit = off", ct);
        await Exec(connection, $"""
            insert into {Table("ledger_cosignatures")} (size, witness, key_id, line, cosigned_at) values (@s, @w, @k, @l, @t)
            on conflict do nothing
            """, ct, ("s", cosignature.Size), ("w", cosignature.Witness), ("k", (long)cosignature.KeyId), ("l", cosignature.Line),
            ("t", cosignature.CosignedAt));
        await tx.CommitAsync(ct);
    }

    /// <summary>The cosignatures stored for the checkpoints of these sizes.</summary>
    public async Task<ILookup<long, StoredCosignature>> ReadCosignaturesAsync(IReadOnlyCollection<long> sizes, CancellationToken ct)
    {
        var rows = new List<StoredCosignature>();
        if (sizes.Count > 0)
        {
            await using var connection = await DataSource.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand(
                $"select size, witness, key_id, line, cosigned_at from {Table("ledger_cosignatures")} where size = any(@sizes) order by size, witness", connection);
            command.Parameters.AddWithValue("sizes", sizes.Distinct().ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add(new StoredCosignature(reader.GetInt64(0), reader.GetString(1), (uint)reader.GetInt64(2), reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4)));
            }
        }

        return rows.ToLookup(r => r.Size);
    }

    /// <summary>The largest tree size this witness (name and key id) cosigned for the exchange; null when none.</summary>
    public async Task<long?> LastCosignedSizeAsync(string witness, uint keyId, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select max(size) from {Table("ledger_cosignatures")} where witness = @w and key_id = @k", connection);
        command.Parameters.AddWithValue("w", witness);
        command.Parameters.AddWithValue("k", (long)keyId);
        return await command.ExecuteScalarAsync(ct) is long size ? size : null;
    }
}
