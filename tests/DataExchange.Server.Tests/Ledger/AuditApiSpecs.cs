using DataExchange.Contracts.V1;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>What the audit reads: ListCheckpoints, StreamTreeNodes, ListUnloggedEvents and the stored leaf hash of every entry.</summary>
public class AuditApiSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<long> GrowAsync(int checkpoints)
    {
        var store = server.Services.GetRequiredService<IDocumentStore>();
        for (var c = 0; c < checkpoints; c++)
        {
            await using var session = store.LightweightSession();
            session.Events.Append(Guid.CreateVersion7(), Enumerable.Range(0, 3).Select(i => (object)new LedgerProbe(c, i, "api")).ToArray());
            await session.SaveChangesAsync();
            await server.CaughtUpCheckpointAsync();
        }

        return (await server.CaughtUpCheckpointAsync()).TreeSize;
    }

    [Fact]
    public async Task Checkpoints_are_listed_by_size_in_pages_for_anyone_signed_in()
    {
        await GrowAsync(5);
        var ledger = server.Operator.Ledger;
        var all = (await ledger.ListCheckpointsAsync(new ListCheckpointsRequest { PageSize = 1000 })).Checkpoints;
        Assert.True(all.Count >= 5);
        Assert.Equal(all.Select(c => c.TreeSize).Order(), all.Select(c => c.TreeSize));
        Assert.All(all, c => Assert.Contains($"\n{c.TreeSize}\n{Convert.ToBase64String(c.RootHash.ToByteArray())}\n", c.Note));

        var paged = new List<SignedCheckpoint>();
        var token = "";
        do
        {
            var page = await ledger.ListCheckpointsAsync(new ListCheckpointsRequest { PageSize = 2, PageToken = token });
            Assert.InRange(page.Checkpoints.Count, 1, 2);
            paged.AddRange(page.Checkpoints);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(all, paged);

        var (_, vendor, _) = await server.NewParticipantAsync("Checkpoint Reader", Region.MainlandChina, "Shenzhen", Role.Vendor);
        Assert.NotEmpty((await vendor.Ledger.ListCheckpointsAsync(new ListCheckpointsRequest())).Checkpoints);
        Assert.Equal(["page_size"], (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => ledger.ListCheckpointsAsync(new ListCheckpointsRequest { PageSize = 1001 }))).Fields());
        Assert.NotEmpty((await server.As(null).Ledger.ListCheckpointsAsync(new ListCheckpointsRequest())).Checkpoints); // published: no token needed
    }

    [Fact]
    public async Task Tree_nodes_stream_in_append_order_and_match_the_leaves_stored_hashes()
    {
        var size = await GrowAsync(4);
        var ledger = server.Operator.Ledger;
        var leaves = (await ledger.ListEntriesAsync(new ListEntriesRequest { PageSize = 200 })).Entries.Take((int)size).ToList();
        Assert.All(leaves, e => Assert.Equal(TreeHasher.Sha256.HashLeaf(e.Leaf.Span), e.LeafHash.ToByteArray()));
        Assert.All(leaves, e => Assert.Empty(e.LeafDecodeError));

        // The nodes a CompactRange completes appending leaves [3, size), in that order.
        var range = new CompactRange(TreeHasher.Sha256);
        var expected = new List<MerkleNode>();
        foreach (var leaf in leaves)
        {
            var hash = leaf.LeafHash.ToByteArray();
            var completed = range.Append(hash);
            if (leaf.LeafIndex >= 3)
            {
                expected.Add(new MerkleNode(new NodeId(0, leaf.LeafIndex), hash));
                expected.AddRange(completed);
            }
        }

        using var call = ledger.StreamTreeNodes(new StreamTreeNodesRequest { StartLeafIndex = 3, TreeSize = size });
        var messages = await call.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Equal(3, messages[0].StartLeafIndex);
        Assert.Equal(size, messages[^1].EndLeafIndex);
        var served = messages.SelectMany(m => m.Nodes).ToList();
        Assert.Equal(expected.Select(n => (n.Level, n.Index)), served.Select(n => (n.Level, n.Index)));
        Assert.Equal(expected.Select(n => Convert.ToHexString(n.Hash)), served.Select(n => Convert.ToHexString(n.Hash.Span)));

        await Errors.Expect(StatusCode.NotFound, "TREE_SIZE_BEYOND_LOG", async () =>
        {
            using var beyond = ledger.StreamTreeNodes(new StreamTreeNodesRequest { TreeSize = size + 1000 });
            await beyond.ResponseStream.ReadAllAsync().ToListAsync();
        });
        var (_, vendor, _) = await server.NewParticipantAsync("Node Reader", Region.MainlandChina, "Shenzhen", Role.Vendor);
        await Errors.Expect(StatusCode.PermissionDenied, "AUDITOR_ROLE_REQUIRED", async () =>
        {
            using var denied = vendor.Ledger.StreamTreeNodes(new StreamTreeNodesRequest());
            await denied.ResponseStream.ReadAllAsync().ToListAsync();
        });
    }

    [Fact]
    public async Task Unlogged_events_are_listed_for_auditors_only()
    {
        await GrowAsync(1);
        var response = await server.Operator.Ledger.ListUnloggedEventsAsync(new ListUnloggedEventsRequest());
        Assert.Empty(response.Events);
        Assert.True(response.LastSeqId > 0);
        Assert.Empty(response.NextPageToken);

        var (_, vendor, _) = await server.NewParticipantAsync("Event Reader", Region.MainlandChina, "Shenzhen", Role.Vendor);
        await Errors.Expect(StatusCode.PermissionDenied, "AUDITOR_ROLE_REQUIRED", () => vendor.Ledger.ListUnloggedEventsAsync(new ListUnloggedEventsRequest()));
        await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => server.Operator.Ledger.ListUnloggedEventsAsync(new ListUnloggedEventsRequest { PageSize = -1 }));
    }
}
