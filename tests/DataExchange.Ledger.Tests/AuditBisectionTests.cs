using System.Text;
using DataExchange.Ledger.Audit;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Tests;

/// <summary>
/// The audit without a database: stored nodes compared with recomputed ones, and the bisection of a root mismatch
/// through the stored nodes that still authenticate against the signed root.
/// </summary>
public class AuditBisectionTests
{
    private static readonly TreeHasher Hasher = TreeHasher.Sha256;

    /// <summary>A log as stored: leaves (with payloads and stored leaf hashes) and every stored node in append order.</summary>
    private sealed class StoredLog
    {
        public List<AuditLeaf> Leaves { get; } = [];

        public List<MerkleNode> Nodes { get; } = [];

        public byte[] Root { get; init; } = [];

        public static StoredLog Create(int count)
        {
            var leaves = new List<AuditLeaf>();
            var nodes = new List<MerkleNode>();
            var range = new CompactRange(Hasher);
            for (var i = 0; i < count; i++)
            {
                var payload = JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes($"{{\"Number\":{i}}}"));
                var leaf = new LedgerEntry(i, $"stream-{i % 5}", (i / 5) + 1, Guid.NewGuid(), "probe", LedgerEntry.TruncateToMicroseconds(DateTimeOffset.UnixEpoch.AddSeconds(i)),
                    null, LedgerEntry.DigestPayload(LogHashAlgorithm.Sha256, payload)).ToCanonicalBytes();
                var hash = Hasher.HashLeaf(leaf);
                leaves.Add(new AuditLeaf(i, leaf, payload, true, hash));
                nodes.Add(new MerkleNode(new NodeId(0, i), hash));
                nodes.AddRange(range.Append(hash));
            }

            var log = new StoredLog { Root = range.Root() };
            log.Leaves.AddRange(leaves);
            log.Nodes.AddRange(nodes);
            return log;
        }

        /// <summary>Leaf <paramref name="index"/> edited (still canonical); its stored hash and nodes untouched.</summary>
        public void EditLeaf(int index)
        {
            var entry = LedgerEntry.Parse(Leaves[index].Leaf.Span) with { StreamVersion = 999 };
            Leaves[index] = Leaves[index] with { Leaf = entry.ToCanonicalBytes() };
        }

        public void SetNode(NodeId id, byte[] hash)
        {
            var at = Nodes.FindIndex(n => n.Id == id);
            Nodes[at] = new MerkleNode(id, hash);
        }

        /// <summary>Every stored node over the edited leaves recomputed, and the stored leaf hashes: a consistent rewrite.</summary>
        public void MakeConsistent()
        {
            var range = new CompactRange(Hasher);
            Nodes.Clear();
            for (var i = 0; i < Leaves.Count; i++)
            {
                var hash = Hasher.HashLeaf(Leaves[i].Leaf.Span);
                Leaves[i] = Leaves[i] with { StoredLeafHash = hash };
                Nodes.Add(new MerkleNode(new NodeId(0, i), hash));
                Nodes.AddRange(range.Append(hash));
            }
        }

        public LogAuditor Audit(int retainLevel)
        {
            var auditor = new LogAuditor(LogHashAlgorithm.Sha256) { RetainLevel = retainLevel };
            auditor.AddStoredNodes(Nodes, Leaves.Count);
            Assert.True(auditor.AddRange(Leaves));
            return auditor;
        }

        /// <summary>Runs the locator, loading windows from this log as it asks.</summary>
        public Divergence Locate(LogAuditor auditor, long size, byte[] signedRoot, long matchedBelow)
        {
            var view = new AuditTreeView(auditor);
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var (result, need) = DivergenceLocator.Locate(Hasher, size, signedRoot, matchedBelow, view);
                if (result is not null)
                {
                    return result;
                }

                var (begin, end) = view.WindowOf(need!.Value);
                view.AddWindow(begin, Leaves.Skip((int)begin).Take((int)(end - begin)).Select(l => Hasher.HashLeaf(l.Leaf.Span)).ToList(),
                    Nodes.Where(n => n.Id.EndLeaf > begin && n.Id.EndLeaf <= end));
            }

            throw new InvalidOperationException("no convergence");
        }
    }

    [Theory]
    [InlineData(1000, 700, 4)]
    [InlineData(1000, 0, 8)]
    [InlineData(1000, 999, 3)]
    [InlineData(37, 36, 8)]
    [InlineData(2, 1, 1)]
    public void An_edited_leaf_under_intact_stored_nodes_is_found_exactly(int count, int edited, int retainLevel)
    {
        var log = StoredLog.Create(count);
        log.EditLeaf(edited);
        var auditor = log.Audit(retainLevel);

        Assert.Equal(edited, auditor.Failure?.LeafIndex);
        Assert.Equal(AuditFindingKinds.LeafHashMismatch, auditor.Findings[0].Kind);
        var node = Assert.Single(auditor.Findings, f => f.Kind == AuditFindingKinds.NodeDiffers);
        Assert.Equal(new NodeId(0, edited), node.Node);
        Assert.Equal(new NodeId(0, edited), auditor.FirstDifferingNode);
        Assert.Equal(2 * count - System.Numerics.BitOperations.PopCount((ulong)count), auditor.NodesCompared);

        var divergence = log.Locate(auditor, count, log.Root, 0);
        Assert.Equal(edited, divergence.Leaf);
    }

    [Fact]
    public void A_changed_interior_node_is_one_finding_and_the_root_still_matches()
    {
        var log = StoredLog.Create(300);
        log.SetNode(new NodeId(5, 3), new byte[32]);
        var auditor = log.Audit(4);
        var finding = Assert.Single(auditor.Findings);
        Assert.Equal(AuditFindingKinds.NodeDiffers, finding.Kind);
        Assert.Equal(new NodeId(5, 3), finding.Node);
        Assert.Contains("covering leaves [96, 128)", finding.Message);
        Assert.Null(auditor.Failure);
        Assert.Equal(log.Root, auditor.Root());
    }

    [Fact]
    public void A_missing_stored_node_is_named()
    {
        var log = StoredLog.Create(50);
        log.Nodes.RemoveAll(n => n.Id == new NodeId(3, 2));
        var auditor = log.Audit(8);
        var finding = Assert.Single(auditor.Findings);
        Assert.Equal(AuditFindingKinds.NodeMissing, finding.Kind);
        Assert.Equal(new NodeId(3, 2), finding.Node);
    }

    [Fact]
    public void A_consistent_rewrite_is_bounded_by_the_signed_checkpoints_only()
    {
        var log = StoredLog.Create(1000);
        log.EditLeaf(700);
        log.MakeConsistent();
        var auditor = log.Audit(4);
        Assert.Empty(auditor.Findings);

        // Nothing stored authenticates: the range is what the checkpoints allow.
        var whole = log.Locate(auditor, 1000, log.Root, 0);
        Assert.Equal((0L, 1000L), (whole.Begin, whole.End));
        Assert.Null(whole.Leaf);
        var bounded = log.Locate(auditor, 1000, log.Root, 650);
        Assert.Equal((650L, 1000L), (bounded.Begin, bounded.End));

        // Signed checkpoints of sizes 700 (matches) and 701 (does not): exactly leaf 700.
        var exact = log.Locate(auditor, 701, SignedRootAt701(log), 700);
        Assert.Equal(700, exact.Leaf);
    }

    [Fact]
    public void A_leaf_and_its_level_0_node_changed_under_an_intact_parent_narrow_to_the_pair()
    {
        var log = StoredLog.Create(1000);
        log.EditLeaf(700);
        log.SetNode(new NodeId(0, 700), Hasher.HashLeaf(log.Leaves[700].Leaf.Span));
        var auditor = log.Audit(4);
        var divergence = log.Locate(auditor, 1000, log.Root, 0);
        Assert.Equal((700L, 702L), (divergence.Begin, divergence.End));
        Assert.Contains("authenticate down to leaves [700, 702)", divergence.Explanation);
    }

    [Fact]
    public void A_retained_level_node_changed_with_its_leaf_narrows_to_its_parent()
    {
        var log = StoredLog.Create(1000);
        log.EditLeaf(700);

        // The leaf, and the nodes over it up to level 5 made to match it; the level-6 node above is intact.
        var recomputed = new MerkleTree(Hasher);
        foreach (var leaf in log.Leaves)
        {
            recomputed.AppendLeafData(leaf.Leaf.Span);
        }

        for (var level = 0; level <= 5; level++)
        {
            var id = new NodeId(level, 700 >> level);
            log.SetNode(id, recomputed.NodeHash(id));
        }

        var auditor = log.Audit(4);
        var divergence = log.Locate(auditor, 1000, log.Root, 0);
        Assert.Equal((640L, 704L), (divergence.Begin, divergence.End));
    }

    /// <summary>The root the exchange signed at size 701, before leaf 700 was rewritten: from a fresh copy of the original leaves.</summary>
    private static byte[] SignedRootAt701(StoredLog rewritten)
    {
        var tree = new MerkleTree(Hasher);
        for (var i = 0; i < 700; i++)
        {
            tree.AppendLeafHash(rewritten.Nodes.First(n => n.Id == new NodeId(0, i)).Hash);
        }

        // Any other leaf 700 than the rewritten one: the signed history had its original bytes.
        tree.AppendLeafData("{\"original\":700}"u8);
        return tree.Root();
    }
}
