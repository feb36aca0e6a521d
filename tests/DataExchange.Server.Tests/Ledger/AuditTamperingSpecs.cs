using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Audit;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// The attacker writes PostgreSQL (as a superuser, past any trigger) but holds no signing key. Each scenario runs on
/// a server and schema of its own: a trade with a signed checkpoint just before and just after it, more history after
/// it, then one tampering through <see cref="LedgerTestSupport.TamperAsync"/>; <c>dx audit verify</c> with only the
/// public keys must fail and name what changed.
/// </summary>
public class AuditTamperingSpecs(ITestOutputHelper output)
{
    private sealed record Log(ServerFixture Server, TradeWorld World, Trade Trade, long TradeLeaf, SignedCheckpoint BeforeTrade, SignedCheckpoint AfterTrade,
        SignedCheckpoint Latest);

    private static async Task<T> WithServerAsync<T>(Func<ServerFixture, Task<T>> test)
    {
        var server = new ServerFixture();
        await server.InitializeAsync();
        try
        {
            return await test(server);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static Task WithLogAsync(Func<Log, Task> test) => WithServerAsync<bool>(async server =>
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Tamper-evident feed", individuals: 0));
        var beforeTrade = await server.CaughtUpCheckpointAsync();
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        var afterTrade = await server.CaughtUpCheckpointAsync();
        var store = server.Services.GetRequiredService<IDocumentStore>();
        for (var s = 0; s < 4; s++)
        {
            await using var session = store.LightweightSession();
            session.Events.Append(Guid.CreateVersion7(), Enumerable.Range(0, 6).Select(i => (object)new LedgerProbe(s, i, $"after the trade {s}/{i}")).ToArray());
            await session.SaveChangesAsync();
            await server.CaughtUpCheckpointAsync();
        }

        var latest = await server.CaughtUpCheckpointAsync();
        var tradeLeaf = await server.ScalarAsync($"select min(leaf_index) from {{schema}}.ledger_leaves where stream_id = '{trade.Name["trades/".Length..]}'");
        Assert.InRange(tradeLeaf, beforeTrade.TreeSize, afterTrade.TreeSize - 1);
        await test(new Log(server, world, trade, tradeLeaf, beforeTrade, afterTrade, latest));
        return true;
    });

    private static Task<AuditReport> AuditAsync(ServerFixture server, string? trustedNote = null) =>
        LedgerAudit.VerifyAsync(server.Operator.Ledger, () => LedgerTestSupport.NoDeadline, server.Verifiers(), trustedNote, null, CancellationToken.None);

    private AuditReport Show(AuditReport report)
    {
        output.WriteLine(string.Join("\n", report.Lines));
        return report;
    }

    private static IEnumerable<AuditReportFinding> Of(AuditReport report, string kind) => report.Findings.Where(f => f.Kind == kind);

    [Fact]
    public async Task An_untouched_log_audits_clean_with_every_check()
    {
        await WithLogAsync(async log =>
        {
            var report = Show(await AuditAsync(log.Server));
            Assert.True(report.Ok, report.Failure);
            Assert.Equal(log.Latest.TreeSize, report.LeavesChecked);
            Assert.True(report.CheckpointsChecked >= 6, $"{report.CheckpointsChecked} checkpoints");
            Assert.Equal(2 * log.Latest.TreeSize - System.Numerics.BitOperations.PopCount((ulong)log.Latest.TreeSize), report.NodesCompared);
            Assert.Empty(report.Findings);
            Assert.Contains(report.Lines, l => l.StartsWith("every committed event up to the sequencer's high-water mark", StringComparison.Ordinal));

            // The JSON report keeps its fields and adds the new ones.
            var json = JsonSerializer.Serialize(report, LedgerAudit.ReportJson);
            foreach (var field in new[] { "ok", "tree_size", "leaves_checked", "failing_leaf_index", "failure", "leaves_per_second", "lines", "findings", "first_divergence", "first_differing_node" })
            {
                Assert.Contains($"\"{field}\":", json);
            }
        });
    }

    [Fact]
    public async Task A_changed_payload_is_named_by_its_leaf()
    {
        await WithLogAsync(async log =>
        {
            await log.Server.TamperAsync($"update {{schema}}.mt_events set data = jsonb_set(data, '{{Amount,AmountMinor}}', '1') where stream_id = '{log.Trade.Name["trades/".Length..]}'");
            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            var finding = Assert.Single(report.Findings);
            Assert.Equal(AuditFindingKinds.PayloadChanged, finding.Kind);
            Assert.Equal(log.TradeLeaf, finding.LeafIndex);
            Assert.Equal(log.TradeLeaf, report.FirstAlteredLeaf);
            Assert.Equal(log.TradeLeaf, report.FailingLeafIndex);
        });
    }

    [Fact]
    public async Task A_deleted_event_is_named_by_its_leaf()
    {
        await WithLogAsync(async log =>
        {
            var leaf = log.Latest.TreeSize - 3;
            await log.Server.TamperAsync($"delete from {{schema}}.mt_events where seq_id = (select seq_id from {{schema}}.ledger_leaves where leaf_index = {leaf})");
            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            var finding = Assert.Single(report.Findings);
            Assert.Equal(AuditFindingKinds.EventDeleted, finding.Kind);
            Assert.Equal(leaf, finding.LeafIndex);
            Assert.Contains("the event was deleted", finding.Message);
        });
    }

    [Fact]
    public async Task An_event_committed_below_the_high_water_mark_without_a_leaf_is_named()
    {
        await WithServerAsync<bool>(async server =>
        {
            var store = server.Services.GetRequiredService<IDocumentStore>();
            async Task AppendAsync(int writer)
            {
                await using var session = store.LightweightSession();
                session.Events.Append(Guid.CreateVersion7(), new LedgerProbe(writer, 0, "probe"), new LedgerProbe(writer, 1, "probe"));
                await session.SaveChangesAsync();
            }

            await AppendAsync(1);
            await server.CaughtUpCheckpointAsync();

            // A sequence number drawn and never used (an aborted writer), then later events: the sequencer passes the hole.
            var hole = await server.ScalarAsync("select nextval('{schema}.mt_events_sequence')");
            await AppendAsync(2);
            await server.CaughtUpCheckpointAsync();
            Assert.True(await server.ScalarAsync("select last_seq_id from {schema}.ledger_state") > hole);

            // Then an event row appears in that hole, and in the same transaction the sequencer's record of the hole is
            // erased (else it would integrate the event as a late arrival): committed, below the high-water mark, in no leaf.
            var eventId = Guid.CreateVersion7();
            await server.TamperAsync($$"""
                insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type)
                select {{hole}}, '{{eventId}}', '{{Guid.CreateVersion7()}}', 1, data, type, now(), tenant_id, mt_dotnet_type
                from {schema}.mt_events order by seq_id limit 1;
                delete from {schema}.ledger_holes where seq_id = {{hole}};
                """);
            var report = Show(await AuditAsync(server));
            Assert.False(report.Ok);
            var finding = Assert.Single(report.Findings);
            Assert.Equal(AuditFindingKinds.EventNotLogged, finding.Kind);
            Assert.Contains(eventId.ToString(), finding.Message);
            Assert.Contains($"seq_id {hole}", finding.Message);
            Assert.Equal(1, report.UnloggedEvents);
            return true;
        });
    }

    [Fact]
    public async Task A_leaf_row_edited_but_canonical_is_named_and_the_root_mismatch_bisected_to_it()
    {
        await WithLogAsync(async log =>
        {
            var server = log.Server;
            var leaf = log.TradeLeaf;
            var bytes = await LeafBytesAsync(server, leaf);
            var edited = (LedgerEntry.Parse(bytes) with { StreamVersion = 7 }).ToCanonicalBytes();
            await server.TamperAsync($"update {{schema}}.ledger_leaves set leaf_bytes = @bytes where leaf_index = {leaf}", ("bytes", edited));

            var report = Show(await AuditAsync(server));
            Assert.False(report.Ok);
            Assert.Equal(leaf, Assert.Single(Of(report, AuditFindingKinds.LeafHashMismatch)).LeafIndex);
            Assert.Equal(leaf, report.FirstAlteredLeaf);
            Assert.Equal(new AuditNodeRef(0, leaf, leaf, leaf + 1), report.FirstDifferingNode);
            Assert.Contains(Of(report, AuditFindingKinds.RootMismatch), f => f.TreeSize == log.AfterTrade.TreeSize);
            Assert.DoesNotContain(Of(report, AuditFindingKinds.RootMismatch), f => f.TreeSize == log.BeforeTrade.TreeSize);
            Assert.Equal(leaf, report.FirstDivergence?.Leaf);
            Assert.Equal(log.AfterTrade.TreeSize, report.FirstDivergence?.CheckpointSize);

            // The leaf_hash column edited to match: the stored level-0 node still names the leaf, and the bisection does.
            await server.TamperAsync($"update {{schema}}.ledger_leaves set leaf_hash = @hash where leaf_index = {leaf}", ("hash", TreeHasher.Sha256.HashLeaf(edited)));
            report = Show(await AuditAsync(server));
            Assert.False(report.Ok);
            Assert.Empty(Of(report, AuditFindingKinds.LeafHashMismatch));
            var node = Assert.Single(Of(report, AuditFindingKinds.NodeDiffers));
            Assert.Equal(new AuditNodeRef(0, leaf, leaf, leaf + 1), node.Node);
            Assert.Contains("stored node(s) above it that cover the same leaves differ accordingly", node.Message);
            Assert.Equal(leaf, report.FirstDivergence?.Leaf);
            Assert.Equal(leaf, report.FailingLeafIndex);
        });
    }

    [Fact]
    public async Task A_non_canonical_leaf_row_is_named_malformed_and_no_ledger_call_answers_internal()
    {
        await WithLogAsync(async log =>
        {
            var server = log.Server;
            var leaf = log.TradeLeaf;
            await server.TamperAsync($"update {{schema}}.ledger_leaves set leaf_bytes = leaf_bytes || '\\x20'::bytea where leaf_index = {leaf}");

            var ledger = server.Operator.Ledger;
            void Malformed(LogEntry entry)
            {
                Assert.Equal(leaf, entry.LeafIndex);
                Assert.NotEmpty(entry.LeafDecodeError);
                Assert.Equal("", entry.StreamId);
                Assert.Equal((byte)' ', entry.Leaf.Span[^1]);
            }

            var page = await ledger.ListEntriesAsync(new ListEntriesRequest { StartLeafIndex = leaf - 1, PageSize = 3 });
            Malformed(page.Entries[1]);
            Assert.Empty(page.Entries[0].LeafDecodeError);
            using (var stream = ledger.StreamEntries(new StreamEntriesRequest { StartLeafIndex = leaf, TreeSize = leaf + 1 }))
            {
                Malformed(Assert.Single(await stream.ResponseStream.ReadAllAsync().ToListAsync()));
            }

            using (var stream = ledger.StreamEntryBatches(new StreamEntryBatchesRequest()))
            {
                Malformed((await stream.ResponseStream.ReadAllAsync().ToListAsync()).SelectMany(b => b.Entries).Single(e => e.LeafIndex == leaf));
            }

            // A proof through the malformed leaf cannot reach the signed root: it is refused, never INTERNAL, and the
            // ledger stops (the log itself stays readable to auditors).
            var refused = await Errors.Expect(StatusCode.FailedPrecondition, "LEDGER_INTEGRITY_FAILURE",
                () => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = leaf }));
            Assert.Contains($"leaf {leaf}", refused.Message);
            var eventId = await EventIdOfLeafAsync(server, leaf);
            await Errors.Expect(StatusCode.FailedPrecondition, "LEDGER_INTEGRITY_FAILURE",
                () => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EventId = eventId.ToString("D") }));
            await Errors.Expect(StatusCode.FailedPrecondition, "LEDGER_INTEGRITY_FAILURE",
                () => log.World.DomesticBuyer.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = log.Trade.Name }));
            using (var stream = ledger.StreamEntries(new StreamEntriesRequest { StartLeafIndex = leaf, TreeSize = leaf + 1 }))
            {
                Malformed(Assert.Single(await stream.ResponseStream.ReadAllAsync().ToListAsync()));
            }

            var report = Show(await AuditAsync(server));
            Assert.False(report.Ok);
            var malformed = Assert.Single(Of(report, AuditFindingKinds.LeafMalformed));
            Assert.Equal(leaf, malformed.LeafIndex);
            Assert.Contains("is malformed", malformed.Message);
            Assert.Equal(leaf, report.FirstAlteredLeaf);
            Assert.Equal(leaf, report.FirstDivergence?.Leaf);
        });
    }

    [Fact]
    public async Task A_changed_interior_node_is_named_with_the_leaves_it_covers()
    {
        await WithLogAsync(async log =>
        {
            var node = new NodeId(2, 1);
            await log.Server.TamperAsync($"update {{schema}}.ledger_nodes set hash = @hash where level = 2 and idx = 1", ("hash", new byte[32]));
            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            var finding = Assert.Single(report.Findings);
            Assert.Equal(AuditFindingKinds.NodeDiffers, finding.Kind);
            Assert.Equal(new AuditNodeRef(2, 1, 4, 8), finding.Node);
            Assert.Contains("covering leaves [4, 8)", finding.Message);
            Assert.Equal(AuditNodeRef.Of(node), report.FirstDifferingNode);
            Assert.Null(report.FirstAlteredLeaf);
        });
    }

    [Fact]
    public async Task A_changed_peak_node_is_named()
    {
        await WithLogAsync(async log =>
        {
            var size = await log.Server.LedgerSizeAsync();
            var peak = CompactRange.PeakIds(size)[0];
            await log.Server.TamperAsync($"update {{schema}}.ledger_nodes set hash = @hash where level = {peak.Level} and idx = {peak.Index}", ("hash", new byte[32]));
            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            Assert.Equal(AuditNodeRef.Of(peak), Assert.Single(report.Findings).Node);
            Assert.Equal(AuditNodeRef.Of(peak), report.FirstDifferingNode);
        });
    }

    [Fact]
    public async Task A_consistent_rewrite_of_event_leaf_and_nodes_is_bisected_to_its_leaf_by_the_signed_checkpoints()
    {
        await WithLogAsync(async log =>
        {
            await RewriteConsistentlyAsync(log.Server, log.TradeLeaf, payload => payload["Amount"]!["AmountMinor"] = 1);

            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            Assert.Null(report.FirstAlteredLeaf); // every row agrees with every other: only the signatures tell
            Assert.Null(report.FirstDifferingNode);
            Assert.Contains(Of(report, AuditFindingKinds.RootMismatch), f => f.TreeSize == log.AfterTrade.TreeSize);
            Assert.Contains(Of(report, AuditFindingKinds.RootMismatch), f => f.TreeSize == log.Latest.TreeSize && f.Message.Contains("the latest checkpoint", StringComparison.Ordinal));
            var first = Assert.Single(Of(report, AuditFindingKinds.FirstDivergingLeaf));
            Assert.Equal(log.TradeLeaf, first.LeafIndex);
            Assert.Contains("trade_contracted", first.Message);
            Assert.Equal(log.TradeLeaf, report.FailingLeafIndex);
        });
    }

    [Fact]
    public async Task Deleting_checkpoint_rows_after_a_rewrite_still_leaves_it_named_against_a_kept_checkpoint()
    {
        await WithLogAsync(async log =>
        {
            var server = log.Server;
            await RewriteConsistentlyAsync(server, log.TradeLeaf, payload => payload["Amount"]!["AmountMinor"] = 1);
            await server.TamperAsync($"delete from {{schema}}.ledger_checkpoints where size > {log.TradeLeaf}");

            // A buyer kept the checkpoint of its receipt: the one just after the trade.
            var report = Show(await AuditAsync(server, log.AfterTrade.Note));
            Assert.False(report.Ok);
            Assert.Equal(log.Latest.TreeSize, report.LeavesChecked); // the whole log, not an older prefix
            Assert.Contains(Of(report, AuditFindingKinds.RootMismatch), f => f.TreeSize == log.AfterTrade.TreeSize && f.Message.Contains("history was rewritten", StringComparison.Ordinal));
            Assert.Equal(log.TradeLeaf, report.FirstDivergence?.Leaf);
        });
    }

    [Fact]
    public async Task The_latest_checkpoint_row_replaced_by_an_older_note_is_named_and_the_whole_log_still_audited()
    {
        await WithLogAsync(async log =>
        {
            await log.Server.TamperAsync($"update {{schema}}.ledger_checkpoints set note = @note where size = {log.Latest.TreeSize}", ("note", log.AfterTrade.Note));
            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            Assert.Equal(log.Latest.TreeSize, report.TreeSize);
            Assert.Equal(log.Latest.TreeSize, report.LeavesChecked);
            Assert.Contains(Of(report, AuditFindingKinds.CheckpointRowAltered), f => f.TreeSize == log.Latest.TreeSize && f.Message.Contains("the latest checkpoint", StringComparison.Ordinal));
            Assert.Contains(Of(report, AuditFindingKinds.CheckpointRowAltered), f => f.TreeSize == log.Latest.TreeSize && f.Message.Contains("stored checkpoint row", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task A_second_signed_note_for_an_existing_size_is_named_a_split_view()
    {
        await WithLogAsync(async log =>
        {
            // Simulates the exchange's keys signing another history for a size it already signed.
            var signing = log.Server.Services.GetRequiredService<LedgerSigning>();
            var root = new byte[32];
            root[0] = 1;
            var forged = signing.Sign(log.Server.Origin, log.AfterTrade.TreeSize, root, new DataExchange.Ledger.Receipts.StreamHeadsCommitment(0, new byte[32]));
            await log.Server.TamperAsync($$"""
                alter table {schema}.ledger_checkpoints drop constraint if exists ledger_checkpoints_pkey;
                insert into {schema}.ledger_checkpoints (size, root, note, created_at) values ({{log.AfterTrade.TreeSize}}, @root, @note, now());
                """, ("root", root), ("note", forged));
            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            var split = Assert.Single(Of(report, AuditFindingKinds.SplitView));
            Assert.Equal(log.AfterTrade.TreeSize, split.TreeSize);
            Assert.Equal(split, report.Findings[0]);
            Assert.StartsWith("split view", report.Failure);
        });
    }

    [Fact]
    public async Task A_signed_checkpoint_stating_a_false_stream_heads_map_is_named()
    {
        await WithLogAsync(async log =>
        {
            // Simulates the exchange's keys signing the true root with a map that hides the trade's head: receipts
            // checked against it could leave events out. Same root, so no split view; only the map is false.
            var signing = log.Server.Services.GetRequiredService<LedgerSigning>();
            var size = log.AfterTrade.TreeSize;
            var falseMap = signing.Sign(log.Server.Origin, size, log.AfterTrade.RootHash.ToByteArray(),
                new DataExchange.Ledger.Receipts.StreamHeadsCommitment(1, new byte[32]));
            await log.Server.TamperAsync($$"""
                alter table {schema}.ledger_checkpoints drop constraint if exists ledger_checkpoints_pkey;
                insert into {schema}.ledger_checkpoints (size, root, note, created_at) values ({{size}}, @root, @note, now());
                """, ("root", log.AfterTrade.RootHash.ToByteArray()), ("note", falseMap));
            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            var finding = Assert.Single(Of(report, AuditFindingKinds.StreamHeadsMismatch));
            Assert.Equal(size, finding.TreeSize);
            Assert.Empty(Of(report, AuditFindingKinds.SplitView));
        });
    }

    [Fact]
    public async Task A_sealed_note_rewritten_in_the_event_row_is_named_though_its_leaf_digest_still_matches()
    {
        await WithLogAsync(async log =>
        {
            var delivered = await log.World.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest
            {
                Name = log.Trade.Name, Note = "Handed to Wang Fang, +86 138 0013 8000", RequestId = Guid.CreateVersion7().ToString(),
            });
            Assert.Equal("Handed to Wang Fang, +86 138 0013 8000", delivered.DeliveryNote);
            await log.Server.CaughtUpCheckpointAsync();
            await log.Server.TamperAsync("""
                update {schema}.mt_events set data = jsonb_set(data, '{Note,Text}', '"Handed over on time"') where type = 'trade_delivered'
                """);
            var report = Show(await AuditAsync(log.Server));
            Assert.False(report.Ok);
            Assert.Single(Of(report, AuditFindingKinds.SealedTextChanged));
            Assert.Empty(Of(report, AuditFindingKinds.PayloadChanged));
        });
    }

    [Fact]
    public async Task A_log_rolled_back_to_an_earlier_checkpoint_is_named()
    {
        await WithLogAsync(async log =>
        {
            var server = log.Server;
            var back = log.AfterTrade.TreeSize;
            var lastSeq = await server.ScalarAsync($"select seq_id from {{schema}}.ledger_leaves where leaf_index = {back - 1}");
            await server.TamperAsync($$"""
                delete from {schema}.mt_events where seq_id in (select seq_id from {schema}.ledger_leaves where leaf_index >= {{back}});
                delete from {schema}.ledger_leaves where leaf_index >= {{back}};
                delete from {schema}.ledger_nodes where ((idx + 1) << level) > {{back}};
                update {schema}.ledger_state set size = {{back}}, last_seq_id = {{lastSeq}};
                """);
            var report = Show(await AuditAsync(server));
            Assert.False(report.Ok);
            Assert.Equal(back, report.LeavesChecked);
            var rolledBack = Assert.Single(Of(report, AuditFindingKinds.RolledBack));
            Assert.Equal(log.Latest.TreeSize, rolledBack.TreeSize);
            Assert.Contains("rolled back", rolledBack.Message);
        });
    }

    private static async Task<byte[]> LeafBytesAsync(ServerFixture server, long leaf)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select leaf_bytes from {server.Schema}.ledger_leaves where leaf_index = {leaf}", connection);
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Guid> EventIdOfLeafAsync(ServerFixture server, long leaf)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select event_id from {server.Schema}.ledger_leaves where leaf_index = {leaf}", connection);
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// What an attacker without the keys does best: changes an event's payload and makes its leaf, leaf hash and every
    /// tree node agree with it, so no stored row contradicts another.
    /// </summary>
    private static async Task RewriteConsistentlyAsync(ServerFixture server, long leaf, Action<JsonNode> change)
    {
        var hasher = TreeHasher.Sha256;
        var seq = await server.ScalarAsync($"select seq_id from {{schema}}.ledger_leaves where leaf_index = {leaf}");
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        string data;
        await using (var read = new NpgsqlCommand($"select data::text from {server.Schema}.mt_events where seq_id = {seq}", connection))
        {
            data = (string)(await read.ExecuteScalarAsync())!;
        }

        var payload = JsonNode.Parse(data)!;
        change(payload);
        var canonical = JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var entry = LedgerEntry.Parse(await LeafBytesAsync(server, leaf)) with { PayloadDigest = LedgerEntry.DigestPayload(LogHashAlgorithm.Sha256, canonical) };
        var leafBytes = entry.ToCanonicalBytes();

        var hashes = new List<byte[]>();
        await using (var read = new NpgsqlCommand($"select leaf_hash from {server.Schema}.ledger_leaves order by leaf_index", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                hashes.Add((byte[])reader[0]);
            }
        }

        hashes[(int)leaf] = hasher.HashLeaf(leafBytes);
        var range = new CompactRange(hasher);
        var path = new List<MerkleNode>();
        for (var i = 0; i < hashes.Count; i++)
        {
            var completed = range.Append(hashes[i]);
            if (i == leaf)
            {
                path.Add(new MerkleNode(new NodeId(0, i), hashes[i]));
            }

            path.AddRange(completed.Where(n => n.Id.FirstLeaf <= leaf && leaf < n.Id.EndLeaf));
        }

        await server.TamperAsync($$"""
            update {schema}.mt_events set data = @data::jsonb where seq_id = {{seq}};
            update {schema}.ledger_leaves set leaf_bytes = @bytes, leaf_hash = @hash where leaf_index = {{leaf}};
            update {schema}.ledger_nodes n set hash = p.hash from unnest(@levels, @idxs, @hashes) as p(level, idx, hash) where n.level = p.level and n.idx = p.idx;
            """,
            ("data", Encoding.UTF8.GetString(canonical)), ("bytes", leafBytes), ("hash", hashes[(int)leaf]),
            ("levels", path.Select(n => n.Level).ToArray()), ("idxs", path.Select(n => n.Index).ToArray()), ("hashes", path.Select(n => n.Hash).ToArray()));
    }
}
