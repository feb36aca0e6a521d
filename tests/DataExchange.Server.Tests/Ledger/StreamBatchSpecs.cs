using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Audit;
using DataExchange.Ledger.Hashing;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>StreamEntryBatches: the same leaves as StreamEntries, many per message; audits over it still name the first bad leaf.</summary>
public class StreamBatchSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task AppendAsync(int streams, int eventsEach)
    {
        var store = server.Services.GetRequiredService<IDocumentStore>();
        for (var s = 0; s < streams; s++)
        {
            await using var session = store.LightweightSession();
            session.Events.Append(Guid.CreateVersion7(), Enumerable.Range(0, eventsEach).Select(i => (object)new LedgerProbe(s, i, $"batch {s}/{i}")).ToArray());
            await session.SaveChangesAsync();
        }
    }

    private static async Task<List<T>> ReadAllAsync<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            var all = new List<T>();
            await foreach (var item in call.ResponseStream.ReadAllAsync())
            {
                all.Add(item);
            }

            return all;
        }
    }

    [Fact]
    public async Task Batches_carry_exactly_the_streamed_entries_in_order_and_validate_their_size()
    {
        await AppendAsync(6, 5);
        var size = (await server.CaughtUpCheckpointAsync()).TreeSize;
        var ledger = server.Operator.Ledger;

        var single = await ReadAllAsync(ledger.StreamEntries(new StreamEntriesRequest { StartLeafIndex = 2, TreeSize = size }));
        var batches = await ReadAllAsync(ledger.StreamEntryBatches(new StreamEntryBatchesRequest { StartLeafIndex = 2, TreeSize = size, MaxBatchSize = 7 }));
        Assert.All(batches, b => Assert.InRange(b.Entries.Count, 1, 7));
        Assert.Equal((int)Math.Ceiling((size - 2) / 7.0), batches.Count);
        Assert.Equal(single, batches.SelectMany(b => b.Entries));
        Assert.Equal(LongRange(2, size), batches.SelectMany(b => b.Entries).Select(e => e.LeafIndex));

        // Default batch size, whole log; an empty range sends nothing.
        var whole = await ReadAllAsync(ledger.StreamEntryBatches(new StreamEntryBatchesRequest()));
        Assert.Equal(LongRange(0, size), whole.SelectMany(b => b.Entries).Select(e => e.LeafIndex));
        Assert.Empty(await ReadAllAsync(ledger.StreamEntryBatches(new StreamEntryBatchesRequest { StartLeafIndex = size, TreeSize = size })));

        async Task Invalid(StreamEntryBatchesRequest request, params string[] fields) =>
            Assert.Equal(fields, (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => ReadAllAsync(ledger.StreamEntryBatches(request)))).Fields());
        await Invalid(new StreamEntryBatchesRequest { MaxBatchSize = 10_001 }, "max_batch_size");
        await Invalid(new StreamEntryBatchesRequest { StartLeafIndex = -1, TreeSize = -1, MaxBatchSize = -1 }, "start_leaf_index", "tree_size", "max_batch_size");
        await Errors.Expect(StatusCode.NotFound, "TREE_SIZE_BEYOND_LOG",
            () => ReadAllAsync(ledger.StreamEntryBatches(new StreamEntryBatchesRequest { TreeSize = size + 1000 })));

        var (_, vendor, _) = await server.NewParticipantAsync("Qianhai Data", Region.MainlandChina, "Shenzhen", Role.Vendor);
        await Errors.Expect(StatusCode.PermissionDenied, "AUDITOR_ROLE_REQUIRED", () => ReadAllAsync(vendor.Ledger.StreamEntryBatches(new StreamEntryBatchesRequest())));
        await Errors.Expect(StatusCode.Unauthenticated, "MISSING_TOKEN", () => ReadAllAsync(server.As(null).Ledger.StreamEntryBatches(new StreamEntryBatchesRequest())));
    }

    [Fact]
    public async Task Tampering_in_several_batches_is_reported_at_the_first_bad_leaf()
    {
        await AppendAsync(8, 4);
        var size = (await server.CaughtUpCheckpointAsync()).TreeSize;
        var (early, late) = (size - 20, size - 3); // different batches of 5
        await server.TamperAsync($"update {{schema}}.mt_events set data = data || '{{\"Note\": \"changed\"}}' where seq_id in (select seq_id from {{schema}}.ledger_leaves where leaf_index in ({early}, {late}))");

        var auditor = new LogAuditor(LogHashAlgorithm.Sha256);
        foreach (var batch in await ReadAllAsync(server.Operator.Ledger.StreamEntryBatches(new StreamEntryBatchesRequest { TreeSize = size, MaxBatchSize = 5 })))
        {
            if (!auditor.AddRange([.. batch.Entries.Select(e => new AuditLeaf(e.LeafIndex, e.Leaf.Memory, e.Payload.Memory, !e.Payload.IsEmpty))], maxDegreeOfParallelism: 4))
            {
                break;
            }
        }

        Assert.Equal(early, auditor.Failure?.LeafIndex);
        Assert.Contains("payload was changed", auditor.Failure?.Reason);

        var report = await LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
        Assert.False(report.Ok);
        Assert.Equal(early, report.FailingLeafIndex);
    }

    [Fact]
    public async Task The_basic_view_carries_the_stored_leaf_its_hash_and_the_payload_as_stored_and_audits_the_same()
    {
        await AppendAsync(5, 6);
        var size = (await server.CaughtUpCheckpointAsync()).TreeSize;
        var ledger = server.Operator.Ledger;
        var full = (await ReadAllAsync(ledger.StreamEntryBatches(new StreamEntryBatchesRequest { TreeSize = size, MaxBatchSize = 9 }))).ToList();
        var basic = (await ReadAllAsync(ledger.StreamEntryBatches(new StreamEntryBatchesRequest { TreeSize = size, MaxBatchSize = 9, View = LogEntryView.Basic }))).ToList();
        Assert.All(full, b => Assert.Equal(LogEntryView.Full, b.View));
        Assert.All(basic, b => Assert.Equal(LogEntryView.Basic, b.View));
        var fullEntries = full.SelectMany(b => b.Entries).ToList();
        var basicEntries = basic.SelectMany(b => b.Entries).ToList();
        Assert.Equal(fullEntries.Select(e => (e.LeafIndex, e.Leaf, e.LeafHash)), basicEntries.Select(e => (e.LeafIndex, e.Leaf, e.LeafHash)));
        Assert.All(basicEntries, e => Assert.True(e.EventId.Length == 0 && e.StreamId.Length == 0 && e.PayloadDigest.Length == 0 && e.RecordTime is null));

        // The payload as stored is PostgreSQL's text of the jsonb (not canonical); canonicalised, it is the full view's.
        Assert.All(basicEntries.Zip(fullEntries), p =>
            Assert.Equal(p.Second.Payload.ToByteArray(), DataExchange.Ledger.Canonical.JsonCanonicalizer.Canonicalize(p.First.Payload.Span)));
        Assert.Contains(basicEntries, e => !e.Payload.Span.SequenceEqual(fullEntries[(int)e.LeafIndex].Payload.Span));

        // A changed payload: the auditor's own canonicalisation of the stored text names the leaf. (Put back afterwards:
        // the other specs of this class share the log.)
        async Task<List<(string, long?)>> FindingsAsync()
        {
            var auditor = new LogAuditor(LogHashAlgorithm.Sha256);
            foreach (var batch in await ReadAllAsync(ledger.StreamEntryBatches(new StreamEntryBatchesRequest { TreeSize = size, View = LogEntryView.Basic })))
            {
                auditor.AddRange([.. batch.Entries.Select(e => new AuditLeaf(e.LeafIndex, e.Leaf.Memory, e.Payload.Memory, !e.Payload.IsEmpty, e.LeafHash.Memory, PayloadAsStored: true))]);
            }

            return [.. auditor.Findings.Select(f => (f.Kind, f.LeafIndex))];
        }

        // (The other specs of this class may have tampered with the shared log already: only what this change adds counts.)
        var before = await FindingsAsync();
        var changed = size - 4;
        var where = $"where seq_id = (select seq_id from {{schema}}.ledger_leaves where leaf_index = {changed})";
        await server.TamperAsync($"update {{schema}}.mt_events set data = jsonb_set(data, '{{Note}}', to_jsonb((data->>'Note') || ' changed')) {where}");
        try
        {
            Assert.Equal([(AuditFindingKinds.PayloadChanged, (long?)changed)], (await FindingsAsync()).Except(before));
        }
        finally
        {
            await server.TamperAsync($"update {{schema}}.mt_events set data = jsonb_set(data, '{{Note}}', to_jsonb(left(data->>'Note', -8))) {where}");
        }
    }

    private static IEnumerable<long> LongRange(long from, long to)
    {
        for (var i = from; i < to; i++)
        {
            yield return i;
        }
    }
}
