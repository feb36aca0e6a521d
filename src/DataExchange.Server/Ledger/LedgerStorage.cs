using System.Security.Cryptography;
using System.Text;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace DataExchange.Server.Ledger;

/// <summary>The ledger's state row: the log's identity (hash, origin) and how far the sequencer has come.</summary>
public sealed record LedgerState(LogHashAlgorithm HashAlgorithm, string Origin, long Size, long LastSeqId);

/// <summary>A stored leaf, with the event payload (jsonb as text, UTF-8) as it is stored now, or null when the event row is gone.</summary>
public sealed record StoredLeaf(long LeafIndex, long SeqId, byte[] LeafBytes, byte[]? Payload)
{
    /// <summary>The leaf_hash column as stored (an audit compares it with H(0x00 ‖ leaf bytes)); null when not read.</summary>
    public byte[]? LeafHash { get; init; }
}

/// <summary>A committed event row that no leaf records (see <see cref="LedgerStorage.ReadEventsWithoutLeafAsync"/>).</summary>
public sealed record EventWithoutLeaf(long SeqId, Guid EventId, string StreamId, long StreamVersion, string EventType, DateTimeOffset Timestamp);

/// <summary>A stored signed checkpoint.</summary>
public sealed record StoredCheckpoint(long Size, byte[] Root, string Note, DateTimeOffset CreatedAt);

/// <summary>A public checkpoint-signing key as published in ledger_keys.</summary>
public sealed record StoredKey(string Name, uint KeyId, string Type, string PublicKeyPem, string VerifierKey, long ValidFromSize, long? ValidUntilSize);

/// <summary>
/// The ledger's tables, in the Marten schema, and every query on them. DDL is idempotent and runs under an advisory
/// transaction lock so several servers may start at once.
/// </summary>
public sealed partial class LedgerStorage(NpgsqlDataSource dataSource, ServerSettings settings) : IAsyncDisposable
{
    /// <summary>
    /// For the sequencer's leader connection: a pooled connection would keep the advisory lock after Close. Its
    /// application name says which process leads (pg_stat_activity with pg_locks shows it to operators and the benchmark).
    /// </summary>
    public string UnpooledConnectionString { get; } = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
    {
        Pooling = false, ApplicationName = SequencerApplicationName,
    }.ConnectionString;

    /// <summary>"dx-sequencer pid N on HOST", cut to PostgreSQL's 63 bytes.</summary>
    public static string SequencerApplicationName { get; } = $"dx-sequencer pid {Environment.ProcessId} on {Environment.MachineName}" is var name && name.Length > 63 ? name[..63] : name;

    /// <summary>Disposes the owner's connections; <see cref="DataSource"/> is the process's one pool, which the container owns.</summary>
    public async ValueTask DisposeAsync()
    {
        if (ownerDataSource is not null)
        {
            await ownerDataSource.DisposeAsync();
        }
    }

    private readonly NpgsqlDataSource? ownerDataSource = settings.OwnerConnectionString is { } owner ? NpgsqlDataSource.Create(owner) : null;

    /// <summary>For DDL (tables, guards, grants): the schema owner's connections when DX_DATABASE_OWNER_URL is set.</summary>
    public NpgsqlDataSource SchemaDataSource => ownerDataSource ?? DataSource;

    public const string KeyTypeEd25519 = "ed25519";
    public const string KeyTypeSm2 = "sm2-sm3";

    public string Schema { get; } = settings.Schema;

    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>Advisory lock key of this schema's sequencer (and of its DDL), stable across processes.</summary>
    public long LockKey { get; } = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("dataexchange-ledger:" + settings.Schema)), 0);

    public string Table(string name) => $"\"{Schema}\".{name}";

    public async Task EnsureSchemaAsync(LedgerSettings ledger, CancellationToken ct)
    {
        await using var connection = await SchemaDataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Exec(connection, "select pg_advisory_xact_lock(@k)", ct, ("k", LockKey + 1));
        await Exec(connection, $"""
            create schema if not exists "{Schema}";
            create table if not exists {Table("ledger_state")} (
                id int primary key check (id = 1),
                hash_algorithm text not null,
                origin text not null,
                size bigint not null,
                last_seq_id bigint not null,
                updated_at timestamptz not null default now());
            create table if not exists {Table("ledger_leaves")} (
                leaf_index bigint primary key,
                seq_id bigint not null unique,
                event_id uuid not null unique,
                stream_id text not null,
                leaf_bytes bytea not null,
                leaf_hash bytea not null);
            create index if not exists ledger_leaves_stream_id on {Table("ledger_leaves")} (stream_id, leaf_index);
            create table if not exists {Table("ledger_nodes")} (
                level int not null,
                idx bigint not null,
                hash bytea not null,
                primary key (level, idx));
            create table if not exists {Table("ledger_checkpoints")} (
                size bigint primary key,
                root bytea not null,
                note text not null,
                created_at timestamptz not null);
            create table if not exists {Table("ledger_keys")} (
                key_name text not null,
                key_id bigint not null,
                key_type text not null,
                public_key_pem text not null,
                verifier_key text not null,
                valid_from_size bigint not null,
                valid_until_size bigint,
                created_at timestamptz not null default now(),
                primary key (key_name, key_id));
            insert into {Table("ledger_state")} (id, hash_algorithm, origin, size, last_seq_id)
                values (1, @hash, @origin, 0, 0) on conflict (id) do nothing;
            """, ct, ("hash", LedgerSettings.Name(ledger.HashAlgorithm)), ("origin", ledger.Origin));
        await EnsureHolesTableAsync(connection, ct);
        await EnsureCosignaturesTableAsync(connection, ct);
        await tx.CommitAsync(ct);
    }

    public async Task<LedgerState> ReadStateAsync(NpgsqlConnection? connection, CancellationToken ct)
    {
        await using var owned = connection is null ? await DataSource.OpenConnectionAsync(ct) : null;
        await using var command = new NpgsqlCommand($"select hash_algorithm, origin, size, last_seq_id from {Table("ledger_state")} where id = 1", connection ?? owned);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new InvalidOperationException("ledger_state has no row; the ledger schema was not created.");
        }

        return new LedgerState(LedgerSettings.ParseHash(reader.GetString(0)), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public async Task<Dictionary<NodeId, byte[]>> ReadNodesAsync(NpgsqlConnection? connection, IReadOnlyCollection<NodeId> ids, CancellationToken ct)
    {
        var result = new Dictionary<NodeId, byte[]>();
        if (ids.Count == 0)
        {
            return result;
        }

        await using var owned = connection is null ? await DataSource.OpenConnectionAsync(ct) : null;
        await using var command = new NpgsqlCommand(
            $"select n.level, n.idx, n.hash from {Table("ledger_nodes")} n join unnest(@levels, @idxs) as w(level, idx) on n.level = w.level and n.idx = w.idx",
            connection ?? owned);
        command.Parameters.AddWithValue("levels", ids.Select(i => i.Level).ToArray());
        command.Parameters.AddWithValue("idxs", ids.Select(i => i.Index).ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[new NodeId(reader.GetInt32(0), reader.GetInt64(1))] = (byte[])reader[2];
        }

        return result;
    }

    /// <summary>RFC 9162 root of the first <paramref name="size"/> leaves, from the stored peaks (no rehashing of the log).</summary>
    public async Task<byte[]> RootAsync(IHasher hasher, long size, CancellationToken ct)
    {
        var peakIds = CompactRange.PeakIds(size);
        var nodes = await ReadNodesAsync(null, peakIds, ct);
        return new CompactRange(hasher, size, peakIds.Select(id => nodes[id])).Root();
    }

    public async Task<IReadOnlyList<byte[]>> ProofAsync(IHasher hasher, ProofPlan plan, CancellationToken ct) =>
        ProofPlanner.Assemble(plan, await ReadNodesAsync(null, plan.RequiredNodes.ToList(), ct), hasher);

    /// <summary>Stores a checkpoint unless one of that size exists, and returns the stored one.</summary>
    public async Task<StoredCheckpoint> InsertCheckpointAsync(long size, byte[] root, string note, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await Exec(connection, $"insert into {Table("ledger_checkpoints")} (size, root, note, created_at) values (@s, @r, @n, @t) on conflict (size) do nothing",
            ct, ("s", size), ("r", root), ("n", note), ("t", now));
        return (await QueryCheckpointAsync(connection, "where size = @s", ct, ("s", size)))!;
    }

    public Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken ct) => QueryCheckpointAsync(null, "order by size desc limit 1", ct);

    public Task<StoredCheckpoint?> SmallestCheckpointCoveringAsync(long size, CancellationToken ct) =>
        QueryCheckpointAsync(null, "where size >= @s order by size limit 1", ct, ("s", size));

    public Task<StoredCheckpoint?> CheckpointOfSizeAsync(long size, CancellationToken ct) =>
        QueryCheckpointAsync(null, "where size = @s", ct, ("s", size));

    private async Task<StoredCheckpoint?> QueryCheckpointAsync(NpgsqlConnection? connection, string tail, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var owned = connection is null ? await DataSource.OpenConnectionAsync(ct) : null;
        await using var command = new NpgsqlCommand($"select size, root, note, created_at from {Table("ledger_checkpoints")} {tail}", connection ?? owned);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new StoredCheckpoint(reader.GetInt64(0), (byte[])reader[1], reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    /// <summary>Leaves [from, to) in index order, joined with the event rows they were made from (current payload).</summary>
    public async Task<IReadOnlyList<StoredLeaf>> ReadLeavesAsync(long from, long to, int limit, CancellationToken ct) =>
        await QueryLeavesAsync("l.leaf_index >= @from and l.leaf_index < @to order by l.leaf_index limit @limit", ct,
            ("from", from), ("to", to), ("limit", limit));

    public async Task<IReadOnlyList<StoredLeaf>> ReadStreamLeavesAsync(string streamId, CancellationToken ct) =>
        await QueryLeavesAsync("l.stream_id = @sid order by l.leaf_index limit 10000", ct, ("sid", streamId));

    public async Task<StoredLeaf?> ReadLeafByEventIdAsync(Guid eventId, CancellationToken ct) =>
        (await QueryLeavesAsync("l.event_id = @eid", ct, ("eid", eventId))).FirstOrDefault();

    /// <summary>
    /// Leaves [from, to) for the ledger's streams: one prepared statement (a whole-log stream runs it thousands of
    /// times, and planning it each time cost more than executing it), rows in index order.
    /// </summary>
    public async Task<IReadOnlyList<StoredLeaf>> ReadLeafRangeAsync(long from, long to, CancellationToken ct) =>
        await QueryLeavesAsync("l.leaf_index >= @from and l.leaf_index < @to order by l.leaf_index", ct, prepare: true, ("from", from), ("to", to));

    private Task<List<StoredLeaf>> QueryLeavesAsync(string where, CancellationToken ct, params (string Name, object Value)[] parameters) =>
        QueryLeavesAsync(where, ct, prepare: false, parameters);

    private async Task<List<StoredLeaf>> QueryLeavesAsync(string where, CancellationToken ct, bool prepare, params (string Name, object Value)[] parameters)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        // The payload as PostgreSQL writes the jsonb as text, in UTF-8 bytes (convert_to): no UTF-16 string on the way.
        await using var command = new NpgsqlCommand($"""
            select l.leaf_index, l.seq_id, l.leaf_bytes, convert_to(e.data::text, 'UTF8'), l.leaf_hash
            from {Table("ledger_leaves")} l left join {Table(MartenTables.Events)} e on e.seq_id = l.seq_id
            where {where}
            """, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        if (prepare)
        {
            // Npgsql keeps prepared statements with the physical connection: after the first time this finds it.
            await command.PrepareAsync(ct);
        }

        var leaves = new List<StoredLeaf>();
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            leaves.Add(new StoredLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3))
            {
                LeafHash = reader.GetFieldValue<byte[]>(4),
            });
        }

        return leaves;
    }

    /// <summary>
    /// Stored checkpoints with a size above <paramref name="afterSize"/>, by size then creation time: about
    /// <paramref name="limit"/> of them, never splitting the rows of one size (the table's key should make a size
    /// unique; an audit must still see every row if it was not).
    /// </summary>
    public async Task<(IReadOnlyList<StoredCheckpoint> Page, bool More)> ReadCheckpointsAsync(long afterSize, int limit, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        var page = await ReadCheckpointRowsAsync(connection, "size > @after order by size, created_at, note limit @limit", ct, ("after", afterSize), ("limit", limit + 1));
        if (page.Count <= limit)
        {
            return (page, false);
        }

        var last = page[limit - 1].Size;
        page.RemoveRange(limit, page.Count - limit);
        page.RemoveAll(c => c.Size == last);
        page.AddRange(await ReadCheckpointRowsAsync(connection, "size = @last order by created_at, note", ct, ("last", last)));
        return (page, true);
    }

    private async Task<List<StoredCheckpoint>> ReadCheckpointRowsAsync(NpgsqlConnection connection, string tail, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand($"select size, root, note, created_at from {Table("ledger_checkpoints")} where {tail}", connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var rows = new List<StoredCheckpoint>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new StoredCheckpoint(reader.GetInt64(0), (byte[])reader[1], reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return rows;
    }

    /// <summary>
    /// The stored nodes completed by leaves [<paramref name="from"/>, <paramref name="to"/>): every (level, idx) whose
    /// last leaf is in the range, ordered as appending those leaves produces them (by the completing leaf, then level).
    /// One index range per level, so the primary key serves the query.
    /// </summary>
    public async Task<IReadOnlyList<MerkleNode>> ReadNodesCompletedByAsync(long from, long to, CancellationToken ct)
    {
        var levels = new List<int>();
        var lows = new List<long>();
        var highs = new List<long>();
        for (var level = 0; level < 63 && (to >> level) > 0; level++)
        {
            // (idx + 1)·2^level in (from, to]  ⇔  idx in [from >> level, (to >> level) − 1].
            long low = from >> level, high = (to >> level) - 1;
            if (low <= high)
            {
                levels.Add(level);
                lows.Add(low);
                highs.Add(high);
            }
        }

        var nodes = new List<MerkleNode>();
        if (levels.Count == 0)
        {
            return nodes;
        }

        await using var connection = await DataSource.OpenConnectionAsync(ct);
        // One index range scan per level. "offset 0" keeps the planner from flattening the lateral subquery into a
        // hash join, which read the whole node table for every chunk (a whole-log stream was quadratic in the log).
        await using var command = new NpgsqlCommand($"""
            select r.level, n.idx, n.hash
            from unnest(@levels, @lows, @highs) as r(level, low, high)
            cross join lateral (
                select n.idx, n.hash from {Table("ledger_nodes")} n
                where n.level = r.level and n.idx between r.low and r.high offset 0) n
            """, connection);
        command.Parameters.AddWithValue("levels", levels.ToArray());
        command.Parameters.AddWithValue("lows", lows.ToArray());
        command.Parameters.AddWithValue("highs", highs.ToArray());
        await command.PrepareAsync(ct);
        var keys = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var id = new NodeId(reader.GetInt32(0), reader.GetInt64(1));
                nodes.Add(new MerkleNode(id, reader.GetFieldValue<byte[]>(2)));
                keys.Add((id.EndLeaf << 6) | (long)id.Level); // completing leaf, then level (levels < 64)
            }
        }

        var ordered = nodes.ToArray();
        Array.Sort(keys.ToArray(), ordered);
        return ordered;
    }

    /// <summary>
    /// Committed events at or below the sequencer's high-water mark (ledger_state.last_seq_id) that no leaf records,
    /// after <paramref name="afterSeqId"/> in sequence order; and that high-water mark. Events above it are simply not
    /// integrated yet.
    /// </summary>
    public async Task<(IReadOnlyList<EventWithoutLeaf> Events, long LastSeqId)> ReadEventsWithoutLeafAsync(long afterSeqId, int limit, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        var lastSeq = (await ReadStateAsync(connection, ct)).LastSeqId;
        await using var command = new NpgsqlCommand($"""
            select e.seq_id, e.id, e.stream_id::text, e.version, e.type, e.timestamp
            from {Table(MartenTables.Events)} e
            where e.seq_id > @after and e.seq_id <= @last
              and not exists (select 1 from {Table("ledger_leaves")} l where l.seq_id = e.seq_id)
            order by e.seq_id limit @limit
            """, connection);
        command.Parameters.AddWithValue("after", afterSeqId);
        command.Parameters.AddWithValue("last", lastSeq);
        command.Parameters.AddWithValue("limit", limit);
        var events = new List<EventWithoutLeaf>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(new EventWithoutLeaf(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return (events, lastSeq);
    }

    public async Task<IReadOnlyList<StoredKey>> ReadKeysAsync(CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select key_name, key_id, key_type, public_key_pem, verifier_key, valid_from_size, valid_until_size from {Table("ledger_keys")} order by valid_from_size, key_name, key_id",
            connection);
        var keys = new List<StoredKey>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            keys.Add(new StoredKey(reader.GetString(0), (uint)reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6)));
        }

        return keys;
    }

    /// <summary>
    /// Publishes a signing key. A key not seen before is a rotation: the current key of the same type stops at the
    /// current tree size and the new one starts there; old checkpoints stay verifiable with the old public key.
    /// </summary>
    public async Task RegisterKeyAsync(StoredKey key, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Exec(connection, "select pg_advisory_xact_lock(@k)", ct, ("k", LockKey + 2));
        await using (var exists = new NpgsqlCommand($"select 1 from {Table("ledger_keys")} where key_name = @n and key_id = @i", connection))
        {
            exists.Parameters.AddWithValue("n", key.Name);
            exists.Parameters.AddWithValue("i", (long)key.KeyId);
            if (await exists.ExecuteScalarAsync(ct) is not null)
            {
                return;
            }
        }

        var size = (await ReadStateAsync(connection, ct)).Size;
        await Exec(connection, $"update {Table("ledger_keys")} set valid_until_size = @s where key_type = @t and valid_until_size is null", ct,
            ("s", size), ("t", key.Type));
        await Exec(connection, $"""
            insert into {Table("ledger_keys")} (key_name, key_id, key_type, public_key_pem, verifier_key, valid_from_size)
            values (@n, @i, @t, @p, @v, @s)
            """, ct, ("n", key.Name), ("i", (long)key.KeyId), ("t", key.Type), ("p", key.PublicKeyPem), ("v", key.VerifierKey), ("s", size));
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// One batch of the sequencer, atomically; fails (and rolls back) unless the state is still at <paramref name="expectedSize"/>.
    /// Every seq_id the batch passes without a leaf (between the stored last_seq_id and the batch's highest) is recorded
    /// in ledger_holes in the same transaction; a batch of late arrivals (<see cref="SequencedBatch.FillsHoles"/>) marks
    /// its holes filled instead, and must consist of open holes only.
    /// </summary>
    public static async Task AppendBatchAsync(NpgsqlConnection connection, string schema, SequencedBatch batch, CancellationToken ct)
    {
        string T(string name) => $"\"{schema}\".{name}";
        await using var tx = await connection.BeginTransactionAsync(ct);

        // One round trip for every statement (arrays through unnest, not a row per parameter set).
        await using var write = new NpgsqlBatch(connection, tx);
        var seqIds = batch.Leaves.Select(l => l.SeqId).ToArray();
        NpgsqlBatchCommand? fills = null;
        if (batch.FillsHoles)
        {
            fills = new NpgsqlBatchCommand($"""
                update {T("ledger_holes")} h set filled_leaf_index = u.idx, filled_at = now()
                from unnest(@idx, @seq) as u(idx, seq) where h.seq_id = u.seq and h.filled_leaf_index is null
                """);
            fills.Parameters.AddWithValue("idx", batch.Leaves.Select(l => l.LeafIndex).ToArray());
            fills.Parameters.AddWithValue("seq", seqIds);
            write.BatchCommands.Add(fills);
        }
        else
        {
            // Before the state moves: the holes are the seq_ids above the stored last_seq_id that this batch passes.
            var holes = new NpgsqlBatchCommand($"""
                insert into {T("ledger_holes")} (seq_id, passed_at_size)
                select h.s, @expected from (
                    select generate_series((select last_seq_id + 1 from {T("ledger_state")} where id = 1), @last)
                    except select unnest(@seq)) as h(s)
                on conflict (seq_id) do nothing
                """);
            holes.Parameters.AddWithValue("expected", batch.ExpectedSize);
            holes.Parameters.AddWithValue("last", seqIds.Max());
            holes.Parameters.AddWithValue("seq", seqIds);
            write.BatchCommands.Add(holes);
        }

        var leaves = new NpgsqlBatchCommand($"""
            insert into {T("ledger_leaves")} (leaf_index, seq_id, event_id, stream_id, leaf_bytes, leaf_hash)
            select * from unnest(@idx, @seq, @eid, @sid, @bytes, @hash)
            """);
        leaves.Parameters.AddWithValue("idx", batch.Leaves.Select(l => l.LeafIndex).ToArray());
        leaves.Parameters.AddWithValue("seq", seqIds);
        leaves.Parameters.AddWithValue("eid", batch.Leaves.Select(l => l.EventId).ToArray());
        leaves.Parameters.AddWithValue("sid", batch.Leaves.Select(l => l.StreamId).ToArray());
        leaves.Parameters.Add(new NpgsqlParameter("bytes", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = batch.Leaves.Select(l => l.LeafBytes).ToArray() });
        leaves.Parameters.Add(new NpgsqlParameter("hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = batch.Leaves.Select(l => l.LeafHash).ToArray() });
        write.BatchCommands.Add(leaves);

        var nodes = new NpgsqlBatchCommand($"insert into {T("ledger_nodes")} (level, idx, hash) select * from unnest(@level, @idx, @hash)");
        nodes.Parameters.AddWithValue("level", batch.Nodes.Select(n => n.Level).ToArray());
        nodes.Parameters.AddWithValue("idx", batch.Nodes.Select(n => n.Index).ToArray());
        nodes.Parameters.Add(new NpgsqlParameter("hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = batch.Nodes.Select(n => n.Hash).ToArray() });
        write.BatchCommands.Add(nodes);

        // last_seq_id never moves back: a batch of late arrivals lies below it.
        var state = new NpgsqlBatchCommand($"update {T("ledger_state")} set size = @size, last_seq_id = greatest(last_seq_id, @seq), updated_at = now() where id = 1 and size = @expected");
        state.Parameters.AddWithValue("size", batch.ExpectedSize + batch.Leaves.Count);
        state.Parameters.AddWithValue("seq", seqIds.Max());
        state.Parameters.AddWithValue("expected", batch.ExpectedSize);
        write.BatchCommands.Add(state);

        await write.ExecuteNonQueryAsync(ct);
        if (state.RecordsAffected != 1)
        {
            throw new InvalidOperationException($"ledger_state is no longer at size {batch.ExpectedSize}: another sequencer wrote; stepping down.");
        }

        if (fills is not null && fills.RecordsAffected != batch.Leaves.Count)
        {
            throw new InvalidOperationException($"A batch of {batch.Leaves.Count} late events filled {fills.RecordsAffected} open holes; only open holes may be integrated out of order.");
        }

        await tx.CommitAsync(ct);
    }

    public static async Task Exec(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A leaf ready to store.</summary>
public sealed record SequencedLeaf(long LeafIndex, long SeqId, Guid EventId, string StreamId, byte[] LeafBytes, byte[] LeafHash);

/// <summary>What one sequencer transaction writes: leaves, the Merkle nodes they complete (level 0 included), the state move.</summary>
public sealed record SequencedBatch(long ExpectedSize, IReadOnlyList<SequencedLeaf> Leaves, IReadOnlyList<MerkleNode> Nodes)
{
    /// <summary>True for late arrivals: events whose seq_id an earlier batch passed as a hole (see <see cref="LateArrivals"/>).</summary>
    public bool FillsHoles { get; init; }
}
