using DataExchange.Contracts.V1;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// Hostile review: attacks by whoever can write PostgreSQL (superuser, no signing keys, no access to DX_DATA_DIR) that
/// the tampering suites do not try. Each asserts the SAFE outcome, so a failing test is a finding.
/// </summary>
public class HostileSpecs(Xunit.Abstractions.ITestOutputHelper output)
{
    private static async Task KillSequencerConnectionAsync(TamperedExchange exchange)
    {
        var key = exchange.Server.Services.GetRequiredService<LedgerStorage>().LockKey;
        var (hi, lo) = ((long)(uint)(key >> 32), (long)(uint)key);
        await exchange.AttackAsync($"""
            select pg_terminate_backend(pid) from pg_locks
            where locktype = 'advisory' and granted and objsubid = 1 and classid::bigint = {hi} and objid::bigint = {lo}
            """);
    }

    private static async Task<long?> LockHolderAsync(TamperedExchange exchange)
    {
        var key = exchange.Server.Services.GetRequiredService<LedgerStorage>().LockKey;
        var (hi, lo) = ((long)(uint)(key >> 32), (long)(uint)key);
        var pid = await exchange.Server.ScalarAsync($"""
            select coalesce(max(pid), 0) from pg_locks
            where locktype = 'advisory' and granted and objsubid = 1 and classid::bigint = {hi} and objid::bigint = {lo}
            """);
        return pid == 0 ? null : pid;
    }

    private static async Task<string> StatusAsync(Func<Task> call)
    {
        try
        {
            await call();
            return "OK";
        }
        catch (RpcException e)
        {
            return $"{e.StatusCode}: {e.Status.Detail}";
        }
    }

    /// <summary>
    /// ledger_state.last_seq_id raised, the sequencer's connection killed (a superuser can), so the sequencer resumes
    /// from the forged high-water mark; then last_seq_id is put back. Events committed afterwards, by real clients, must
    /// still reach the log, or the signer must refuse, or the audit must name them.
    /// </summary>
    [Fact]
    public async Task A_raised_high_water_mark_and_a_killed_sequencer_connection_do_not_let_committed_events_escape_log_and_audit()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        var server = exchange.Server;
        var trueLast = await server.ScalarAsync("select last_seq_id from {schema}.ledger_state");
        var before = await LockHolderAsync(exchange);
        await exchange.AttackAsync($"update {{schema}}.ledger_state set last_seq_id = {trueLast + 1000}");
        await KillSequencerConnectionAsync(exchange);
        // The resumed sequencer must not trust the moved mark: its signer compares it with the last event in the log.
        var integrity = server.Services.GetRequiredService<LedgerIntegrity>();
        await Eventually(() => Task.FromResult(integrity.Failed), "the signer to refuse the moved high-water mark", TimeSpan.FromSeconds(60));
        Assert.Equal(DataExchange.Ledger.Signing.ViolationKind.SequenceMarkAltered, integrity.Violation!.Kind);
        output.WriteLine(integrity.Violation.Message);
    }

    /// <summary>
    /// ledger_state.last_seq_id lowered and the sequencer's connection killed: the resumed sequencer re-reads events it
    /// already logged. It must refuse (with evidence) or go on logging new events, not wedge silently while healthy.
    /// </summary>
    [Fact]
    public async Task A_lowered_high_water_mark_does_not_silently_stop_the_log()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        await exchange.AttackAsync("update {schema}.ledger_state set last_seq_id = last_seq_id - 5");
        await KillSequencerConnectionAsync(exchange);
        await exchange.AppendProbesAsync(5);

        // Resuming below the last logged event would log events twice: the signer refuses, with evidence, and health says so.
        var violation = await exchange.RefusalAsync();
        Assert.Equal(DataExchange.Ledger.Signing.ViolationKind.SequenceMarkAltered, violation.Kind);
        await exchange.AssertStoppedAsync();
        output.WriteLine(violation.Message);
    }

    /// <summary>Interior (non-peak) nodes deleted or cut short: the signer checks only peaks, so proofs are built from them.</summary>
    [Fact]
    public async Task A_deleted_or_truncated_interior_node_never_makes_a_ledger_rpc_answer_internal()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        var ledger = exchange.Server.Operator.Ledger;
        var sibling = (exchange.TradeLeaf >> 1) ^ 1;
        await exchange.AttackAsync($"delete from {{schema}}.ledger_nodes where level = 1 and idx = {sibling}");
        await exchange.AttackAsync("update {schema}.ledger_nodes set hash = '\\x01'::bytea where level = 0 and idx = 3");
        var results = new List<string>
        {
            "inclusion(trade leaf, deleted sibling) → " + await StatusAsync(() => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = exchange.TradeLeaf }).ResponseAsync),
            "receipt(trade, deleted sibling) → " + await StatusAsync(() => ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = $"trades/{exchange.TradeId}" }).ResponseAsync),
            "inclusion(leaf 2, 1-byte sibling) → " + await StatusAsync(() => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 2 }).ResponseAsync),
            "consistency(3, latest) → " + await StatusAsync(() => ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = 3 }).ResponseAsync),
        };
        string audit;
        try
        {
            var report = await exchange.AuditAsync();
            audit = $"audit ok={report.Ok}: {string.Join("; ", report.Findings.Select(f => f.Kind))}";
        }
        catch (Exception e)
        {
            audit = $"audit threw {e.GetType().Name}: {e.Message}";
        }

        results.Add(audit);
        var all = string.Join("\n", results);
        output.WriteLine(all);
        Assert.False(all.Contains("Internal:") || all.Contains("Unknown:") || all.Contains("audit threw"), all);
    }

    /// <summary>
    /// A checkpoint row filed for a size far beyond the log (the note of an existing one, so the proof guard cannot read a
    /// root for it): receipts and latest-size proofs use the latest stored row before the signer's next look.
    /// </summary>
    [Fact]
    public async Task A_checkpoint_row_for_a_future_size_never_makes_a_ledger_rpc_answer_internal()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        var ledger = exchange.Server.Operator.Ledger;
        await exchange.AttackAsync("""
            insert into {schema}.ledger_checkpoints (size, root, note, created_at)
            select size + 100000, root, note, now() from {schema}.ledger_checkpoints order by size desc limit 1
            """);
        var results = new List<string>
        {
            "receipt → " + await StatusAsync(() => ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = $"trades/{exchange.TradeId}" }).ResponseAsync),
            "inclusion(tree_size 0) → " + await StatusAsync(() => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0 }).ResponseAsync),
            "consistency(1, latest) → " + await StatusAsync(() => ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = 1 }).ResponseAsync),
        };
        var all = string.Join("\n", results);
        output.WriteLine(all);
        Assert.False(all.Contains("Internal:") || all.Contains("Unknown:"), all);
    }

    /// <summary>
    /// ledger_keys rows swapped for an attacker's key under the exchange's key name. `dx ledger keys --out` (the README's
    /// first auditor step) and receipts' key lookups read this table through ListSigningKeys: the server must not publish,
    /// as its current key, a key that does not verify what it signs.
    /// </summary>
    [Fact]
    public async Task A_forged_ledger_keys_row_is_never_published_as_the_exchange_s_current_key()
    {
        await using var exchange = await TamperedExchange.StartAsync();
        var attacker = DataExchange.Ledger.Notes.Ed25519NoteSigner.FromSeed("dataexchange-ed25519", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await exchange.AttackAsync("update {schema}.ledger_keys set key_id = @id, verifier_key = @v where key_name = 'dataexchange-ed25519' and valid_until_size is null",
            ("id", (long)attacker.KeyId), ("v", DataExchange.Ledger.Notes.NoteKeys.FormatVerifierKey(attacker.Verifier)));
        var ledger = exchange.Server.Operator.Ledger;
        await exchange.AppendProbesAsync(2);
        var note = (await ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true })).Note;
        var keys = await ledger.ListSigningKeysAsync(new ListSigningKeysRequest());
        var bad = keys.Keys.Where(k => k.ValidUntilTreeSize == 0)
            .Where(k => !DataExchange.Ledger.Notes.SignedNote.Verify(note, [DataExchange.Ledger.Notes.NoteKeys.ParseVerifierKey(k.VerifierKey)]).IsValid)
            .Select(k => $"{k.KeyName} {k.KeyId} ({k.VerifierKey})").ToList();
        output.WriteLine($"published current keys that do not verify the fresh checkpoint: {string.Join(", ", bad)}");
        Assert.True(bad.Count == 0 || exchange.Server.Services.GetRequiredService<LedgerIntegrity>().Failed,
            $"the server publishes as its current key(s), without noticing, key(s) that do not verify its own fresh checkpoint: {string.Join(", ", bad)}");
    }
}
