using DataExchange.Server.Configuration;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// Events committed after the sequencer passed their seq_id (Marten reserves seq_ids in one transaction and writes its
/// tombstones with them in a later one): each still becomes exactly one leaf, and the audit query names any committed
/// event that is in no leaf and any leaf whose event is gone.
/// </summary>
public class LateArrivalSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static async Task AppendAsync(ServerFixture server, int events)
    {
        await using var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.Append(Guid.CreateVersion7(), Enumerable.Range(0, events).Select(i => (object)new LedgerProbe(3, i, "late")).ToArray());
        await session.SaveChangesAsync();
    }

    /// <summary>Draws a seq_id as Marten does for an append it may later tombstone: nextval in a transaction that writes nothing.</summary>
    internal static async Task<long> ReserveSeqIdAsync(ServerFixture server)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var next = new NpgsqlCommand($"select nextval('{server.Schema}.mt_events_sequence')", connection, tx);
        var seq = (long)(await next.ExecuteScalarAsync())!;
        await tx.CommitAsync();
        return seq;
    }

    /// <summary>Waits until the sequencer has passed <paramref name="seq"/> as a hole (later events are leaves).</summary>
    private static Task PassedAsync(ServerFixture server, long seq) =>
        Eventually(async () => await server.ScalarAsync($"select count(*) from {{schema}}.ledger_holes where seq_id = {seq} and filled_leaf_index is null") == 1
                               && await server.ScalarAsync("select last_seq_id from {schema}.ledger_state") > seq,
            $"the sequencer to pass seq_id {seq} as a hole");

    /// <summary>Writes a row shaped like Marten's tombstone (its own stream, version = seq_id, empty payload) in a new transaction.</summary>
    internal static async Task<Guid> WriteTombstoneAsync(ServerFixture server, long seq)
    {
        var eventId = Guid.CreateVersion7();
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($$"""
            insert into {{server.Schema}}.mt_streams (id, tenant_id, version, is_archived) values (@stream, '*DEFAULT*', 0, false) on conflict (id) do nothing;
            insert into {{server.Schema}}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
            values (@seq, @id, @stream, @seq, '{}', 'tombstone', now(), '*DEFAULT*', 'Marten.Events.Operations.Tombstone, Marten', false);
            """, connection);
        command.Parameters.AddWithValue("stream", TombstoneStream);
        command.Parameters.AddWithValue("seq", seq);
        command.Parameters.AddWithValue("id", eventId);
        await command.ExecuteNonQueryAsync();
        return eventId;
    }

    private static readonly Guid TombstoneStream = Guid.NewGuid();

    private static Task<long> LeavesOfAsync(ServerFixture server, long seq) => server.ScalarAsync($"select count(*) from {{schema}}.ledger_leaves where seq_id = {seq}");

    /// <summary>Every committed event is a leaf exactly once, nothing is unlogged, and the audit passes.</summary>
    private static async Task AssertCompleteAsync(ServerFixture server)
    {
        // A tombstone Marten writes for a failed append may commit after the sequencer passed its seq_id: it arrives
        // late, and the hole filler appends it then. Wait for that before counting.
        var storage = server.Services.GetRequiredService<LedgerStorage>();
        await Eventually(async () => (await storage.FindUnloggedEventsAsync(TimeSpan.Zero, 100, CancellationToken.None)).Count == 0,
            "every committed event to be a leaf");
        var checkpoint = await server.CaughtUpCheckpointAsync();
        Assert.Equal(await server.CountEventRowsAsync(), checkpoint.TreeSize);
        Assert.Equal(checkpoint.TreeSize, await server.ScalarAsync(
            "select count(*) from {schema}.mt_events e join {schema}.ledger_leaves l on l.seq_id = e.seq_id and l.event_id = e.id"));
        Assert.Empty(await storage.FindUnloggedEventsAsync(TimeSpan.Zero, 100, CancellationToken.None));
        var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
        Assert.True(audit.Ok, audit.Failure);
    }

    [Fact]
    public async Task An_event_committed_after_the_sequencer_passed_its_seq_id_becomes_the_next_leaf_exactly_once()
    {
        await server.CaughtUpCheckpointAsync();
        var reserved = await ReserveSeqIdAsync(server);
        await AppendAsync(server, 5);
        await PassedAsync(server, reserved);
        var sizeBefore = await server.LedgerSizeAsync();

        var eventId = await WriteTombstoneAsync(server, reserved);
        await Eventually(async () => await LeavesOfAsync(server, reserved) == 1, "the late event to become a leaf");

        var (leafIndex, leafEvent) = (await server.ReadLeavesAsync()).Where(l => l.SeqId == reserved).Select(l => (l.LeafIndex, l.EventId)).Single();
        Assert.Equal(eventId, leafEvent);
        Assert.True(leafIndex >= sizeBefore, "the late event is appended after the leaves of the events that followed its seq_id");
        Assert.Equal(leafIndex, await server.ScalarAsync($"select filled_leaf_index from {{schema}}.ledger_holes where seq_id = {reserved}"));

        // The log goes on; the event is never integrated a second time.
        await AppendAsync(server, 3);
        await AssertCompleteAsync(server);
        Assert.Equal(1, await LeavesOfAsync(server, reserved));
    }

    [Fact]
    public async Task Marten_tombstones_of_failed_appends_pass_the_guards_and_every_one_becomes_a_leaf()
    {
        // Failed saves: a duplicate stream id (fails before drawing sequence numbers), then appends rolled back by a
        // failing document insert after their numbers were drawn: Marten writes tombstones for those, in a new transaction.
        var stream = Guid.CreateVersion7();
        await using (var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.StartStream(stream, new LedgerProbe(4, 0, "first"));
            await session.SaveChangesAsync();
        }

        for (var i = 0; i < 3; i++)
        {
            await using var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession();
            session.Events.StartStream(stream, new LedgerProbe(4, 1, "duplicate"), new LedgerProbe(4, 2, "duplicate"));
            await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());
        }

        // Events appended, then a document insert that fails (the bootstrap record exists): the transaction rolls back.
        for (var i = 0; i < 3; i++)
        {
            await using var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession();
            session.Events.Append(stream, new LedgerProbe(4, 3, "rolled back"), new LedgerProbe(4, 4, "rolled back"));
            session.Insert(new DataExchange.Server.Hosting.BootstrapRecord { OperatorId = Guid.CreateVersion7() });
            await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());
        }

        await AppendAsync(server, 2);
        await AssertCompleteAsync(server);
        Assert.True(await server.ScalarAsync("select count(*) from {schema}.mt_events where type = 'tombstone'") >= 6,
            "Marten writes a tombstone for each event of a failed append that drew its sequence number");
    }

    [Fact]
    public async Task An_event_slipped_in_below_the_high_water_mark_and_a_deleted_event_are_named_by_the_unlogged_query()
    {
        var storage = server.Services.GetRequiredService<LedgerStorage>();
        await AppendAsync(server, 4);
        await AssertCompleteAsync(server);

        // Below every seq_id the sequencer will ever read, and not a hole it passed: it stays out of the log.
        var slipped = Guid.CreateVersion7();
        await server.ExecAsync($$"""
            insert into {schema}.mt_streams (id, tenant_id, version, is_archived) values ('{{slipped}}', '*DEFAULT*', 1, false);
            insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
            values (0, '{{slipped}}', '{{slipped}}', 1, '{"Note": "slipped in"}', 'ledger_probe', now(), '*DEFAULT*', null, false);
            """);
        var deletedLeaf = await server.LedgerSizeAsync() - 2;
        var deleted = await server.ReadLeavesAsync();
        var deletedSeq = deleted[(int)deletedLeaf].SeqId;
        await server.ExecAsync($"create table {{schema}}.late_backup as select * from {{schema}}.mt_events where seq_id = {deletedSeq}");
        await server.TamperAsync($"delete from {{schema}}.mt_events where seq_id = {deletedSeq}");

        var unlogged = await storage.FindUnloggedEventsAsync(TimeSpan.FromSeconds(5), 100, CancellationToken.None);
        Assert.Equal(2, unlogged.Count);
        Assert.Equal(new UnloggedEvent(UnloggedKind.EventWithoutLeaf, 0, slipped, slipped.ToString(), "ledger_probe", null, null), unlogged[0]);
        Assert.Equal(UnloggedKind.LeafWithoutEvent, unlogged[1].Kind);
        Assert.Equal((deletedSeq, deletedLeaf, deleted[(int)deletedLeaf].EventId), (unlogged[1].SeqId, unlogged[1].LeafIndex!.Value, unlogged[1].EventId));

        // Restore, so the class's other tests see a clean log again.
        await server.TamperAsync($$"""
            delete from {schema}.mt_events where seq_id = 0; delete from {schema}.mt_streams where id = '{{slipped}}';
            insert into {schema}.mt_events select * from {schema}.late_backup; drop table {schema}.late_backup;
            """);
        await AssertCompleteAsync(server);
    }

    [Fact]
    public async Task The_unlogged_query_gives_a_young_open_hole_time_and_then_names_it()
    {
        // No sequencer: the test sets the ledger's state by hand, forward only, as the guards allow.
        var quiet = new ServerFixture { Ledger = new LedgerSettings { RunSequencer = false } };
        await quiet.InitializeAsync();
        try
        {
            var storage = quiet.Services.GetRequiredService<LedgerStorage>();
            var events = await quiet.CountEventRowsAsync();
            Assert.True(events >= 2);
            Assert.Empty(await storage.FindUnloggedEventsAsync(TimeSpan.Zero, 100, CancellationToken.None)); // all above last_seq_id

            await quiet.ExecAsync($"update {{schema}}.ledger_state set last_seq_id = {events}");
            await quiet.ExecAsync($"insert into {{schema}}.ledger_holes (seq_id, passed_at_size) values ({events}, 0)");
            var young = await storage.FindUnloggedEventsAsync(TimeSpan.FromMinutes(1), 100, CancellationToken.None);
            Assert.Equal(Enumerable.Range(1, (int)events - 1).Select(i => (long)i), young.Select(u => u.SeqId));
            Assert.All(young, u => Assert.Null(u.HolePassedAt));

            var all = await storage.FindUnloggedEventsAsync(TimeSpan.Zero, 100, CancellationToken.None);
            Assert.Equal(Enumerable.Range(1, (int)events).Select(i => (long)i), all.Select(u => u.SeqId));
            Assert.All(all, u => Assert.Equal(UnloggedKind.EventWithoutLeaf, u.Kind));
            Assert.NotNull(all[^1].HolePassedAt);
            Assert.Single(await storage.FindUnloggedEventsAsync(TimeSpan.Zero, 1, CancellationToken.None));
        }
        finally
        {
            await quiet.DisposeAsync();
        }
    }
}

/// <summary>Late arrivals across restarts: the holes are durable, and a filled hole is never filled twice.</summary>
public class LateArrivalRestartSpecs
{
    [Fact]
    public async Task A_hole_still_open_at_a_restart_is_filled_by_the_next_sequencer_and_never_twice()
    {
        var first = new ServerFixture();
        await first.InitializeAsync();
        try
        {
            var reserved = await LateArrivalSpecs.ReserveSeqIdAsync(first);
            await using (var session = first.Services.GetRequiredService<IDocumentStore>().LightweightSession())
            {
                session.Events.Append(Guid.CreateVersion7(), new LedgerProbe(6, 0, "after the hole"), new LedgerProbe(6, 1, "after the hole"));
                await session.SaveChangesAsync();
            }

            await Eventually(async () => await first.ScalarAsync($"select count(*) from {{schema}}.ledger_holes where seq_id = {reserved}") == 1
                                         && await first.ScalarAsync("select last_seq_id from {schema}.ledger_state") > reserved, "the hole to be passed");
            await first.CaughtUpCheckpointAsync();
            await first.StopAsync();

            // Committed while no server runs.
            await LateArrivalSpecs.WriteTombstoneAsync(first, reserved);

            for (var restart = 0; restart < 2; restart++)
            {
                var next = new ServerFixture { Schema = first.Schema, DataDirectory = first.DataDirectory, OwnsSchema = false };
                await next.InitializeAsync();
                try
                {
                    await Eventually(async () => await next.ScalarAsync($"select count(*) from {{schema}}.ledger_leaves where seq_id = {reserved}") == 1,
                        "the restarted sequencer to integrate the late event");
                    await using (var session = next.Services.GetRequiredService<IDocumentStore>().LightweightSession())
                    {
                        session.Events.Append(Guid.CreateVersion7(), new LedgerProbe(6, 2, $"restart {restart}"));
                        await session.SaveChangesAsync();
                    }

                    var checkpoint = await next.CaughtUpCheckpointAsync();
                    Assert.Equal(await next.CountEventRowsAsync(), checkpoint.TreeSize);
                    Assert.Equal(1, await next.ScalarAsync($"select count(*) from {{schema}}.ledger_leaves where seq_id = {reserved}"));
                    Assert.Equal(await next.ScalarAsync($"select leaf_index from {{schema}}.ledger_leaves where seq_id = {reserved}"),
                        await next.ScalarAsync($"select filled_leaf_index from {{schema}}.ledger_holes where seq_id = {reserved}"));
                    Assert.Empty(await next.Services.GetRequiredService<LedgerStorage>().FindUnloggedEventsAsync(TimeSpan.Zero, 10, CancellationToken.None));
                    var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(next.Operator.Ledger, () => new CallOptions(), next.Verifiers(), null, null, CancellationToken.None);
                    Assert.True(audit.Ok, audit.Failure);
                }
                finally
                {
                    await next.DisposeAsync();
                }
            }
        }
        finally
        {
            await first.DisposeAsync();
        }
    }
}
