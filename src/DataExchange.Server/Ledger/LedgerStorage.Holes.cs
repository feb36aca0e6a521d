using DataExchange.Server.Infrastructure;
using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>Why <see cref="LedgerStorage.FindUnloggedEventsAsync"/> names a row.</summary>
public enum UnloggedKind
{
    /// <summary>A committed event at or below ledger_state.last_seq_id that no leaf holds.</summary>
    EventWithoutLeaf,

    /// <summary>A leaf whose event row (same seq_id and event id) is no longer in mt_events.</summary>
    LeafWithoutEvent,
}

/// <summary>
/// A difference between mt_events and the leaves. <paramref name="HolePassedAt"/> is set when the event fills a seq_id
/// the sequencer passed as a hole and has not integrated yet (it does so on its next loop): the caller may look again
/// before calling it missing. Event type is null for <see cref="UnloggedKind.LeafWithoutEvent"/>, leaf index for
/// <see cref="UnloggedKind.EventWithoutLeaf"/>.
/// </summary>
public sealed record UnloggedEvent(UnloggedKind Kind, long SeqId, Guid EventId, string? StreamId, string? EventType, long? LeafIndex, DateTimeOffset? HolePassedAt);

/// <summary>An mt_events row the sequencer is about to make a leaf.</summary>
public sealed record PendingEventRow(long SeqId, Guid EventId, string StreamId, long Version, string Type, DateTimeOffset Timestamp, string DataJson);

/// <summary>
/// ledger_holes: every seq_id the sequencer passed without a leaf, recorded in the transaction of the batch that passed
/// it, so that an event committed later with that seq_id (Marten's tombstones reserve their seq_ids in one
/// transaction and write them in a later one) still becomes a leaf. filled_leaf_index says which.
/// </summary>
public sealed partial class LedgerStorage
{
    private async Task EnsureHolesTableAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        bool isNew;
        await using (var exists = new NpgsqlCommand("select to_regclass(@t) is null", connection))
        {
            exists.Parameters.AddWithValue("t", Table("ledger_holes"));
            isNew = (bool)(await exists.ExecuteScalarAsync(ct))!;
        }

        await Exec(connection, $"""
            create table if not exists {Table("ledger_holes")} (
                seq_id bigint primary key,
                passed_at_size bigint not null,
                passed_at timestamptz not null default now(),
                filled_leaf_index bigint unique,
                filled_at timestamptz);
            create index if not exists ledger_holes_open on {Table("ledger_holes")} (seq_id) where filled_leaf_index is null;
            """, ct);
        if (isNew)
        {
            // A ledger written before holes were recorded: every seq_id it passed without a leaf is a hole.
            await Exec(connection, $"""
                insert into {Table("ledger_holes")} (seq_id, passed_at_size)
                select s.s, st.size from {Table("ledger_state")} st cross join generate_series(1, st.last_seq_id) as s(s)
                where st.id = 1 and not exists (select 1 from {Table("ledger_leaves")} l where l.seq_id = s.s)
                """, ct);
        }
    }

    /// <summary>
    /// Committed events that fill open holes, in seq_id order (at most <paramref name="limit"/>), among the first
    /// <paramref name="pageSize"/> open holes above <paramref name="afterSeq"/>: a bounded, indexed probe however many
    /// holes are open. PageEnd is the highest hole looked at; FullPage says whether more holes lie above it.
    /// Events whose seq_id or event id is already a leaf are left to the audits (integrating them would duplicate).
    /// </summary>
    public async Task<(IReadOnlyList<PendingEventRow> Rows, long PageEnd, bool FullPage)> ReadLateArrivalsAsync(
        NpgsqlConnection connection, long afterSeq, int pageSize, int limit, CancellationToken ct)
    {
        var page = $"select seq_id from {Table("ledger_holes")} where filled_leaf_index is null and seq_id > @after order by seq_id limit @page";
        await using var batch = new NpgsqlBatch(connection);
        var summary = new NpgsqlBatchCommand($"select count(*), coalesce(max(seq_id), 0) from ({page}) p");
        summary.Parameters.AddWithValue("after", afterSeq);
        summary.Parameters.AddWithValue("page", pageSize);
        batch.BatchCommands.Add(summary);
        var rows = new NpgsqlBatchCommand($"""
            select e.seq_id, e.id, e.stream_id::text, e.version, e.type, e.timestamp, e.data::text
            from ({page}) p join {Table(MartenTables.Events)} e on e.seq_id = p.seq_id
            where not exists (select 1 from {Table("ledger_leaves")} l where l.seq_id = e.seq_id)
              and not exists (select 1 from {Table("ledger_leaves")} l where l.event_id = e.id)
            order by e.seq_id limit @limit
            """);
        rows.Parameters.AddWithValue("after", afterSeq);
        rows.Parameters.AddWithValue("page", pageSize);
        rows.Parameters.AddWithValue("limit", limit);
        batch.BatchCommands.Add(rows);

        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (count, pageEnd) = (reader.GetInt64(0), reader.GetInt64(1));
        await reader.NextResultAsync(ct);
        var events = new List<PendingEventRow>();
        while (await reader.ReadAsync(ct))
        {
            events.Add(new PendingEventRow(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6)));
        }

        return (events, pageEnd, count >= pageSize);
    }

    /// <summary>
    /// For audits: committed events at or below ledger_state.last_seq_id that no leaf holds (same seq_id and event
    /// id), except those filling a hole the sequencer passed less than <paramref name="holeGrace"/> ago (it
    /// integrates them on its next loop); and leaves whose event row is gone or has another seq_id or event id.
    /// Both lists in seq_id order, at most <paramref name="limit"/> rows in all. A full scan of both tables.
    /// </summary>
    public async Task<IReadOnlyList<UnloggedEvent>> FindUnloggedEventsAsync(TimeSpan holeGrace, int limit, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select * from (
                select 0 as kind, e.seq_id, e.id, e.stream_id::text, e.type::text, null::bigint as leaf_index, h.passed_at
                from {Table(MartenTables.Events)} e
                left join {Table("ledger_holes")} h on h.seq_id = e.seq_id and h.filled_leaf_index is null
                where e.seq_id <= (select last_seq_id from {Table("ledger_state")} where id = 1)
                  and not exists (select 1 from {Table("ledger_leaves")} l where l.seq_id = e.seq_id and l.event_id = e.id)
                  and (h.passed_at is null or h.passed_at <= now() - @grace)
                union all
                select 1, l.seq_id, l.event_id, l.stream_id, null, l.leaf_index, null
                from {Table("ledger_leaves")} l
                where not exists (select 1 from {Table(MartenTables.Events)} e where e.seq_id = l.seq_id and e.id = l.event_id)
            ) u order by u.seq_id, u.kind limit @limit
            """, connection);
        command.Parameters.AddWithValue("grace", holeGrace);
        command.Parameters.AddWithValue("limit", limit);
        var found = new List<UnloggedEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(new UnloggedEvent((UnloggedKind)reader.GetInt32(0), reader.GetInt64(1), reader.GetGuid(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return found;
    }
}
