using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// The append-only guards, tried as the server's own database user (the connection the server uses, without the
/// trigger bypass <see cref="LedgerTestSupport.TamperAsync"/> uses): every change to history is refused with the
/// append-only error and changes nothing; what Marten and the ledger legitimately do still works.
/// </summary>
public class AppendOnlySpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<Guid> AppendAsync(int events)
    {
        var stream = Guid.CreateVersion7();
        await using var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.Append(stream, Enumerable.Range(0, events).Select(i => (object)new LedgerProbe(5, i, "append-only")).ToArray());
        await session.SaveChangesAsync();
        return stream;
    }

    /// <summary>A digest of every row of a table, to show a refused statement changed nothing.</summary>
    private Task<string> FingerprintAsync(string table) => StringAsync($"select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {{schema}}.{table} t");

    private async Task<string> StringAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", server.Schema, StringComparison.Ordinal), connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    /// <summary>Runs <paramref name="sql"/> as the server's user and expects the append-only refusal naming <paramref name="table"/>, with no row changed.</summary>
    private async Task RefusedAsync(string table, string sql, string? changedTable = null)
    {
        var watched = changedTable ?? table;
        var before = await FingerprintAsync(watched);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => server.ExecAsync(sql));
        Assert.Equal(AppendOnlyGuards.SqlState, refused.SqlState);
        Assert.Contains($"{server.Schema}.{table} {AppendOnlyGuards.Marker}", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(before, await FingerprintAsync(watched));
    }

    [Fact]
    public async Task Leaves_nodes_and_checkpoints_refuse_update_delete_and_truncate_and_stay_unchanged()
    {
        await AppendAsync(6);
        var checkpoint = await server.CaughtUpCheckpointAsync();
        Assert.True(checkpoint.TreeSize > 0);

        await RefusedAsync("ledger_leaves", "update {schema}.ledger_leaves set leaf_hash = sha256(leaf_bytes) where leaf_index = 1");
        await RefusedAsync("ledger_leaves", "update {schema}.ledger_leaves set seq_id = seq_id where false");
        await RefusedAsync("ledger_leaves", "delete from {schema}.ledger_leaves where leaf_index = (select max(leaf_index) from {schema}.ledger_leaves)");
        await RefusedAsync("ledger_leaves", "truncate {schema}.ledger_leaves");
        await RefusedAsync("ledger_nodes", "update {schema}.ledger_nodes set hash = '\\x00' where level = 1 and idx = 0");
        await RefusedAsync("ledger_nodes", "delete from {schema}.ledger_nodes where level > 0");
        await RefusedAsync("ledger_nodes", "truncate {schema}.ledger_nodes");
        await RefusedAsync("ledger_checkpoints", "update {schema}.ledger_checkpoints set note = note || ' ' where size = (select max(size) from {schema}.ledger_checkpoints)");
        await RefusedAsync("ledger_checkpoints", "delete from {schema}.ledger_checkpoints");
        await RefusedAsync("ledger_checkpoints", "truncate {schema}.ledger_checkpoints");

        // The log still grows, is signed and audits clean.
        await AppendAsync(3);
        var after = await server.CaughtUpCheckpointAsync();
        Assert.True(after.TreeSize > checkpoint.TreeSize);
        var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new Grpc.Core.CallOptions(), server.Verifiers(), checkpoint.Note, null, CancellationToken.None);
        Assert.True(audit.Ok, audit.Failure);
    }

    [Fact]
    public async Task An_events_content_cannot_change_or_disappear_but_its_stream_can_be_archived()
    {
        var stream = await AppendAsync(3);
        await server.CaughtUpCheckpointAsync();
        var seq = await server.ScalarAsync($"select min(seq_id) from {{schema}}.mt_events where stream_id = '{stream}'");
        foreach (var change in new[]
                 {
                     "data = data || '{\"Note\": \"forged\"}'", "type = 'forged'", $"stream_id = '{Guid.CreateVersion7()}'", "version = version + 100",
                     "seq_id = seq_id + 1000000", "id = gen_random_uuid()", "timestamp = timestamp - interval '1 day'", "tenant_id = 'other'",
                     "mt_dotnet_type = 'Forged, Forged'", "bdata = '\\x01'", "data = data, is_archived = true, version = version + 1",
                 })
        {
            await RefusedAsync("mt_events", $"update {{schema}}.mt_events set {change} where seq_id = {seq}");
        }

        await RefusedAsync("mt_events", $"delete from {{schema}}.mt_events where seq_id = {seq}");
        await RefusedAsync("mt_events", "truncate {schema}.mt_events cascade");
        // Marten's stream table cascades its deletes to mt_events: refused there too.
        await RefusedAsync("mt_events", $"delete from {{schema}}.mt_streams where id = '{stream}'", changedTable: "mt_events");
        await RefusedAsync("mt_events", "truncate {schema}.mt_streams cascade", changedTable: "mt_events");

        // Marten's own archiving (it flips is_archived on the stream's events) still works and the log still verifies.
        await using (var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.ArchiveStream(stream);
            await session.SaveChangesAsync();
        }

        Assert.Equal(3, await server.ScalarAsync($"select count(*) from {{schema}}.mt_events where stream_id = '{stream}' and is_archived"));
        await server.ExecAsync($"update {{schema}}.mt_events set is_archived = false where stream_id = '{stream}'");
        var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new Grpc.Core.CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
        Assert.True(audit.Ok, audit.Failure);
    }

    [Fact]
    public async Task The_ledger_state_never_moves_back_never_changes_identity_and_cannot_be_removed()
    {
        await AppendAsync(2);
        await server.CaughtUpCheckpointAsync();

        await RefusedAsync("ledger_state", "update {schema}.ledger_state set size = size - 1");
        await RefusedAsync("ledger_state", "update {schema}.ledger_state set last_seq_id = last_seq_id - 1");
        await RefusedAsync("ledger_state", "update {schema}.ledger_state set size = 0, last_seq_id = 0");
        await RefusedAsync("ledger_state", "update {schema}.ledger_state set hash_algorithm = 'sm3'");
        await RefusedAsync("ledger_state", "update {schema}.ledger_state set origin = 'elsewhere.example/ledger'");
        await RefusedAsync("ledger_state", "update {schema}.ledger_state set size = null");
        await RefusedAsync("ledger_state", "delete from {schema}.ledger_state");
        await RefusedAsync("ledger_state", "truncate {schema}.ledger_state");

        // Forward moves are what the sequencer does: allowed (tried in a transaction that is rolled back).
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var forward = new NpgsqlCommand($"update {server.Schema}.ledger_state set size = size + 1, last_seq_id = last_seq_id + 1, updated_at = now()", connection, tx);
        Assert.Equal(1, await forward.ExecuteNonQueryAsync());
        await tx.RollbackAsync();
    }

    [Fact]
    public async Task Holes_record_what_the_sequencer_passed_and_can_only_be_filled_once()
    {
        // A hole: a seq_id drawn and never used, passed once later events are leaves.
        var hole = await server.ScalarAsync("select nextval('{schema}.mt_events_sequence')");
        await AppendAsync(2);
        await Eventually(async () => await server.ScalarAsync($"select count(*) from {{schema}}.ledger_holes where seq_id = {hole}") == 1, "the sequencer to pass the hole");

        await RefusedAsync("ledger_holes", $"delete from {{schema}}.ledger_holes where seq_id = {hole}");
        await RefusedAsync("ledger_holes", "truncate {schema}.ledger_holes");
        await RefusedAsync("ledger_holes", $"update {{schema}}.ledger_holes set seq_id = seq_id + 1000000 where seq_id = {hole}");
        await RefusedAsync("ledger_holes", $"update {{schema}}.ledger_holes set passed_at_size = 0 where seq_id = {hole}");

        // Setting filled_leaf_index from null is the one allowed change; once set it stays (rolled back here: the hole is real).
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var fill = new NpgsqlCommand($"update {server.Schema}.ledger_holes set filled_leaf_index = 1000000, filled_at = now() where seq_id = {hole}", connection, tx))
        {
            Assert.Equal(1, await fill.ExecuteNonQueryAsync());
        }

        await using (var refill = new NpgsqlCommand($"update {server.Schema}.ledger_holes set filled_leaf_index = 1000001 where seq_id = {hole}", connection, tx))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => refill.ExecuteNonQueryAsync());
            Assert.Equal(AppendOnlyGuards.SqlState, refused.SqlState);
        }

        await tx.RollbackAsync();
    }

    [Fact]
    public async Task Key_rotation_still_works_and_a_retired_key_can_be_neither_revived_nor_removed()
    {
        var storage = server.Services.GetRequiredService<LedgerStorage>();
        await AppendAsync(2);
        await server.CaughtUpCheckpointAsync();
        var size = await server.LedgerSizeAsync();

        // Two rotations of a key type of its own (the server's real keys stay current for the other tests).
        await storage.RegisterKeyAsync(new StoredKey("test-rotation-a", 1, "x-test", "pem a", "vkey a", 0, null), CancellationToken.None);
        await storage.RegisterKeyAsync(new StoredKey("test-rotation-b", 2, "x-test", "pem b", "vkey b", 0, null), CancellationToken.None);
        await storage.RegisterKeyAsync(new StoredKey("test-rotation-c", 3, "x-test", "pem c", "vkey c", 0, null), CancellationToken.None);
        var keys = (await storage.ReadKeysAsync(CancellationToken.None)).Where(k => k.Type == "x-test").OrderBy(k => k.KeyId).ToList();
        Assert.Equal([size, size, null], keys.Select(k => k.ValidUntilSize));
        Assert.Equal([size, size, size], keys.Select(k => k.ValidFromSize));

        await RefusedAsync("ledger_keys", "update {schema}.ledger_keys set valid_until_size = null where key_name = 'test-rotation-a'");
        await RefusedAsync("ledger_keys", "update {schema}.ledger_keys set valid_until_size = valid_until_size + 5 where key_name = 'test-rotation-a'");
        await RefusedAsync("ledger_keys", "update {schema}.ledger_keys set public_key_pem = 'forged' where key_name = 'test-rotation-c'");
        await RefusedAsync("ledger_keys", "update {schema}.ledger_keys set valid_until_size = 7, valid_from_size = 0 where key_name = 'test-rotation-c'");
        await RefusedAsync("ledger_keys", "delete from {schema}.ledger_keys where key_name = 'test-rotation-a'");
        await RefusedAsync("ledger_keys", "truncate {schema}.ledger_keys");
    }
}
