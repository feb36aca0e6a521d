using DataExchange.Ledger.Audit;
using DataExchange.Ledger.Signing;
using DataExchange.Server.Tests.Infrastructure;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// Attacks by whoever can write PostgreSQL but holds no signing key: each one on its own exchange. For each, no forged
/// extension is signed, and either the signer refuses (and the ledger stops, naming what changed) or the signed
/// history is untouched and the audit, with only the public keys, fails and names what changed.
/// </summary>
public class TamperingWhileRunningSpecs
{
    [Fact]
    public async Task A_trade_rewritten_consistently_in_event_leaf_and_nodes_is_never_signed_and_stops_the_ledger()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        await exchange.RewriteConsistentlyAsync(exchange.TradeLeaf, "{Amount,AmountMinor}", "1");
        await exchange.AppendProbesAsync(3);

        var refusal = await exchange.RefusalAsync();
        Assert.Equal(ViolationKind.NodeAltered, refusal.Kind);
        Assert.Equal(exchange.TradeLeaf, refusal.LeafIndex);
        await exchange.AssertStoppedAsync();
        await exchange.AssertOnlyTrueHistorySignedAsync();

        // A restart does not launder it: the signer verifies the stored tree against its own state first.
        await exchange.RestartAsync();
        Assert.Equal(exchange.TradeLeaf, (await exchange.RefusalAsync()).LeafIndex);
        await exchange.AssertOnlyTrueHistorySignedAsync();
        await exchange.AuditNamesAsync(AuditFindingKinds.RootMismatch);
    }

    [Fact]
    public async Task The_latest_checkpoint_row_edited_or_replaced_by_an_older_note_stops_the_ledger()
    {
        await using var edited = await TamperedExchange.StartAsync();
        await edited.AttackAsync("update {schema}.ledger_checkpoints set note = replace(note, E'\n\n', E'\nextra\n\n') where size = (select max(size) from {schema}.ledger_checkpoints)");
        Assert.Equal(ViolationKind.CheckpointForged, (await edited.RefusalAsync()).Kind);
        await edited.AssertStoppedAsync();
        await edited.AuditNamesAsync(AuditFindingKinds.CheckpointInvalid);

        await using var replaced = await TamperedExchange.StartAsync();
        await replaced.AttackAsync("""
            update {schema}.ledger_checkpoints set note = (select note from {schema}.ledger_checkpoints order by size limit 1)
            where size = (select max(size) from {schema}.ledger_checkpoints)
            """);
        var refusal = await replaced.RefusalAsync();
        Assert.Equal(ViolationKind.CheckpointForged, refusal.Kind);
        Assert.NotNull(refusal.ConflictingNote);
        await replaced.AssertOnlyTrueHistorySignedAsync();
        await replaced.AuditNamesAsync(AuditFindingKinds.CheckpointRowAltered);
    }

    [Fact]
    public async Task Deleted_checkpoints_never_lead_to_a_second_root_for_a_size_and_the_latest_is_filed_again()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        var latest = await exchange.Server.ScalarAsync("select max(size) from {schema}.ledger_checkpoints");
        await exchange.AttackAsync("delete from {schema}.ledger_checkpoints");
        await Eventually(async () => await exchange.Server.ScalarAsync($"select count(*) from {{schema}}.ledger_checkpoints where size = {latest}") == 1,
            "the signer to file its latest checkpoint again");
        await exchange.StillSignsAsync();
        await exchange.AssertOnlyTrueHistorySignedAsync();
    }

    [Fact]
    public async Task A_log_rolled_back_under_a_running_server_stops_the_ledger()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        var keep = exchange.TrueLeafHashes.Count - 5;
        await exchange.AttackAsync($$"""
            delete from {schema}.ledger_leaves where leaf_index >= {{keep}};
            delete from {schema}.ledger_nodes where ((idx + 1) << level) > {{keep}};
            update {schema}.ledger_state set size = {{keep}}, last_seq_id = (select max(seq_id) from {schema}.ledger_leaves);
            """);
        var refusal = await exchange.RefusalAsync();
        Assert.Equal(ViolationKind.LogRolledBack, refusal.Kind);
        Assert.Equal(keep, refusal.LeafIndex);
        await exchange.AssertStoppedAsync();
        await exchange.AssertOnlyTrueHistorySignedAsync();
        await exchange.AuditNamesAsync(AuditFindingKinds.RolledBack);
    }

    [Fact]
    public async Task A_changed_interior_node_is_caught_before_a_proof_through_it_is_served()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        await exchange.AttackAsync($"update {{schema}}.ledger_nodes set hash = decode(repeat('ef', 32), 'hex') where level = 1 and idx = {(exchange.TradeLeaf >> 1) ^ 1}");
        var refused = await Errors.Expect(Grpc.Core.StatusCode.FailedPrecondition, "LEDGER_INTEGRITY_FAILURE",
            () => exchange.Server.Operator.Ledger.GetTradeReceiptAsync(new DataExchange.Contracts.V1.GetTradeReceiptRequest { Trade = $"trades/{exchange.TradeId}" }));
        Assert.Contains($"leaf {exchange.TradeLeaf}", refused.Message);
        var refusal = await exchange.RefusalAsync();
        Assert.Equal(ViolationKind.NodeAltered, refusal.Kind);
        await exchange.AssertStoppedAsync();
        await exchange.AssertOnlyTrueHistorySignedAsync();
        var node = (await exchange.AuditNamesAsync(AuditFindingKinds.NodeDiffers)).Findings.First(f => f.Kind == AuditFindingKinds.NodeDiffers).Node;
        Assert.Equal((1, (exchange.TradeLeaf >> 1) ^ 1), (node!.Level, node.Index));
    }

    [Fact]
    public async Task Edited_payloads_leaves_and_interior_nodes_leave_the_signed_history_untouched_and_the_signer_goes_on()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        await exchange.AttackAsync($"update {{schema}}.mt_events set data = jsonb_set(data, '{{Amount,AmountMinor}}', '1') where seq_id = (select seq_id from {{schema}}.ledger_leaves where leaf_index = {exchange.TradeLeaf})");
        await exchange.AttackAsync("update {schema}.ledger_leaves set leaf_bytes = leaf_bytes || ' '::bytea where leaf_index = 3");
        await exchange.AttackAsync("update {schema}.ledger_nodes set hash = decode(repeat('ab', 32), 'hex') where level = 1 and idx = 2");
        await exchange.StillSignsAsync();
        await exchange.AssertOnlyTrueHistorySignedAsync();
        await exchange.AuditNamesAsync(AuditFindingKinds.PayloadChanged, exchange.TradeLeaf);
        await exchange.AuditNamesAsync(AuditFindingKinds.LeafMalformed, 3);
        var nodes = (await exchange.AuditNamesAsync(AuditFindingKinds.NodeDiffers)).Findings.Where(f => f.Kind == AuditFindingKinds.NodeDiffers).Select(f => (f.Node!.Level, f.Node.Index));
        Assert.Contains((1, 2L), nodes);
    }

    [Fact]
    public async Task Deleted_and_swapped_events_leave_the_signed_history_untouched_and_the_signer_goes_on()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        var (a, b) = (exchange.TradeLeaf + 1, exchange.TradeLeaf + 3);
        await exchange.AttackAsync($$"""
            update {schema}.mt_events set seq_id = -1 where seq_id = (select seq_id from {schema}.ledger_leaves where leaf_index = {{a}});
            update {schema}.mt_events set seq_id = (select seq_id from {schema}.ledger_leaves where leaf_index = {{a}})
                where seq_id = (select seq_id from {schema}.ledger_leaves where leaf_index = {{b}});
            update {schema}.mt_events set seq_id = (select seq_id from {schema}.ledger_leaves where leaf_index = {{b}}) where seq_id = -1;
            delete from {schema}.mt_events where seq_id = (select seq_id from {schema}.ledger_leaves where leaf_index = 5);
            """);
        await exchange.StillSignsAsync();
        await exchange.AssertOnlyTrueHistorySignedAsync();
        await exchange.AuditNamesAsync(AuditFindingKinds.PayloadChanged, a);
        await exchange.AuditNamesAsync(AuditFindingKinds.PayloadChanged, b);
        await exchange.AuditNamesAsync(AuditFindingKinds.EventDeleted, 5);
    }
}

/// <summary>Attacks made while the server is down, found when it starts again.</summary>
public class TamperingWhileStoppedSpecs
{
    [Fact]
    public async Task A_changed_peak_node_is_found_on_restart_before_anything_is_signed()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        await exchange.Server.StopAsync();
        var size = exchange.TrueLeafHashes.Count;
        var peak = DataExchange.Ledger.Merkle.CompactRange.PeakIds(size)[0];
        await exchange.AttackAsync($"update {{schema}}.ledger_nodes set hash = decode(repeat('cd', 32), 'hex') where level = {peak.Level} and idx = {peak.Index}");
        await exchange.RestartAsync();
        var refusal = await exchange.RefusalAsync();
        Assert.Equal(ViolationKind.NodeAltered, refusal.Kind);
        Assert.Equal(peak, refusal.Node);
        await exchange.AssertStoppedAsync();
        await exchange.AssertOnlyTrueHistorySignedAsync();
        var node = (await exchange.AuditNamesAsync(AuditFindingKinds.NodeDiffers)).Findings.First(f => f.Kind == AuditFindingKinds.NodeDiffers).Node;
        Assert.Equal((peak.Level, peak.Index), (node!.Level, node.Index));
    }

    [Fact]
    public async Task A_log_rolled_back_and_grown_again_while_the_server_was_down_is_refused_on_restart()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        await exchange.Server.StopAsync();
        var keep = exchange.TrueLeafHashes.Count - 8;
        await exchange.AttackAsync($$"""
            delete from {schema}.ledger_leaves where leaf_index >= {{keep}};
            delete from {schema}.ledger_nodes where ((idx + 1) << level) > {{keep}};
            update {schema}.ledger_state set size = {{keep}}, last_seq_id = (select max(seq_id) from {schema}.ledger_leaves);
            """);

        // The log then grows again on a rolled-back base: another server without the signer's state sequences it.
        await exchange.RestartAsync();
        var refusal = await exchange.RefusalAsync();
        Assert.Equal(ViolationKind.LogRolledBack, refusal.Kind);
        await exchange.AssertOnlyTrueHistorySignedAsync();
        await exchange.AuditNamesAsync(AuditFindingKinds.RolledBack);
    }

    [Fact]
    public async Task A_whole_trade_rewritten_in_every_table_while_the_server_was_down_is_refused_on_restart()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        await exchange.Server.StopAsync();
        await exchange.RewriteConsistentlyAsync(exchange.TradeLeaf, "{Amount,AmountMinor}", "1");
        await exchange.AttackAsync($"update {{schema}}.mt_doc_trade set data = jsonb_set(data, '{{Amount,AmountMinor}}', '1') where id = '{exchange.TradeId}'");
        await exchange.AttackAsync($"delete from {{schema}}.ledger_checkpoints where size > {exchange.TradeLeaf}");
        await exchange.RestartAsync();
        var refusal = await exchange.RefusalAsync();
        Assert.Equal(ViolationKind.NodeAltered, refusal.Kind);
        Assert.Equal(exchange.TradeLeaf, refusal.LeafIndex);
        await exchange.AssertStoppedAsync();
        await exchange.AssertOnlyTrueHistorySignedAsync();
        await exchange.AuditNamesAsync(AuditFindingKinds.RootMismatch);
    }

    [Fact]
    public async Task A_signer_whose_own_state_was_damaged_refuses_to_sign()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        await exchange.Server.StopAsync();
        var folder = Directory.GetDirectories(Path.Combine(exchange.Server.DataDirectory, "ledger")).Single();
        var hashes = Path.Combine(folder, "leaf-hashes.bin");
        var bytes = await File.ReadAllBytesAsync(hashes);
        bytes[40] ^= 0xff;
        await File.WriteAllBytesAsync(hashes, bytes);
        await exchange.RestartAsync();
        Assert.Equal(ViolationKind.SignerRecordCorrupt, (await exchange.RefusalAsync()).Kind);
    }
}
