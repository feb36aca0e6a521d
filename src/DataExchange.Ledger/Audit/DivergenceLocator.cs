using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Audit;

/// <summary>What the audit knows of one tree node: the stored hash and the hash recomputed from the leaves.</summary>
public interface IAuditTreeView
{
    /// <summary>False when the node's hashes are not loaded yet: the caller must load the window of leaves around it.</summary>
    bool Has(NodeId id);

    /// <summary>The stored hash, or null when the node is not stored.</summary>
    byte[]? Stored(NodeId id);

    /// <summary>The hash recomputed from the leaves as served.</summary>
    byte[]? Recomputed(NodeId id);
}

/// <summary>Where the leaves first diverge from a signed root: exactly one leaf, or the narrowest range the evidence allows.</summary>
/// <param name="Begin">First leaf of the range (inclusive).</param>
/// <param name="End">End of the range (exclusive).</param>
/// <param name="Explanation">How the range was found, for people.</param>
public sealed record Divergence(long Begin, long End, string Explanation)
{
    /// <summary>The first diverging leaf when the range is one leaf.</summary>
    public long? Leaf => End - Begin == 1 ? Begin : null;
}

/// <summary>
/// Bisects to the first leaf whose recomputed hash differs from what a signed checkpoint committed to. The signed root
/// authenticates the root of its tree; going down, a child's hash is authenticated when it and its sibling hash to the
/// authenticated parent, each side being either the stored node or the node recomputed from the leaves (the pair of
/// two recomputed hashes is excluded: it is what differs). The descent goes into the left child when its recomputed
/// hash differs from its authenticated one, else into the right, until one leaf remains or no pair hashes to the
/// authenticated parent (the stored nodes there were changed too): then the answer is that subtree's range. The range
/// is narrowed by <c>matchedBelow</c>, the largest signed size whose root the leaves still reproduce.
/// </summary>
public static class DivergenceLocator
{
    /// <summary>One step: the divergence, or a node whose hashes <paramref name="view"/> must load first (then call again).</summary>
    /// <param name="size">Tree size of the signed checkpoint whose root the recomputed root does not match.</param>
    /// <param name="signedRoot">Its signed root.</param>
    /// <param name="matchedBelow">The largest signed size below <paramref name="size"/> whose root matches (0 if none).</param>
    public static (Divergence? Result, NodeId? Need) Locate(IHasher hasher, long size, byte[] signedRoot, long matchedBelow, IAuditTreeView view)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(matchedBelow, size);
        long begin = 0, end = size;
        byte[] authenticated = signedRoot;
        while (end - begin > 1)
        {
            long split = begin + ProofPlanner.LargestPowerOfTwoBelow(end - begin);
            var (storedLeft, recomputedLeft, needLeft) = RangeHashes(hasher, begin, split, view);
            var (storedRight, recomputedRight, needRight) = RangeHashes(hasher, split, end, view);
            if ((needLeft ?? needRight) is { } need)
            {
                return (null, need);
            }

            if (Matches(hasher, recomputedLeft, storedRight, authenticated))
            {
                begin = split;
                authenticated = storedRight!;
            }
            else if (Matches(hasher, storedLeft, recomputedRight, authenticated))
            {
                end = split;
                authenticated = storedLeft!;
            }
            else if (Matches(hasher, storedLeft, storedRight, authenticated))
            {
                if (!storedLeft!.AsSpan().SequenceEqual(recomputedLeft))
                {
                    end = split;
                    authenticated = storedLeft!;
                }
                else
                {
                    begin = split;
                    authenticated = storedRight!;
                }
            }
            else
            {
                break;
            }
        }

        var (from, to) = (Math.Max(begin, matchedBelow), end);
        if (from >= to)
        {
            from = begin;
        }

        var bound = matchedBelow > 0 ? $"the signed checkpoint of size {matchedBelow} still matches the leaves, the one of size {size} does not" : $"the signed checkpoint of size {size} does not match the leaves";
        if (to - from == 1)
        {
            return (new Divergence(from, to, end - begin == 1
                ? $"{bound}; the stored nodes that hash up to its signed root lead to leaf {from}"
                : $"{bound}, so leaf {from} is the first that differs"), null);
        }

        return (new Divergence(from, to, end - begin < size
            ? $"{bound}; the stored nodes authenticate down to leaves [{begin}, {end}) only (the nodes below were changed as well)"
            : $"{bound}; no stored nodes hash up to its signed root (they were rewritten to match the changed leaves)"), null);
    }

    private static bool Matches(IHasher hasher, byte[]? left, byte[]? right, byte[] parent) =>
        left is not null && right is not null && hasher.HashChildren(left, right).AsSpan().SequenceEqual(parent);

    /// <summary>MTH of leaves [begin, end) from stored nodes and from recomputed ones (null when a node is not stored), or a node to load first.</summary>
    private static (byte[]? Stored, byte[]? Recomputed, NodeId? Need) RangeHashes(IHasher hasher, long begin, long end, IAuditTreeView view)
    {
        var ids = NodeId.Decompose(begin, end);
        foreach (var id in ids)
        {
            if (!view.Has(id))
            {
                return (null, null, id);
            }
        }

        return (Fold(hasher, ids, view.Stored), Fold(hasher, ids, view.Recomputed), null);
    }

    private static byte[]? Fold(IHasher hasher, IReadOnlyList<NodeId> ids, Func<NodeId, byte[]?> get)
    {
        var hash = get(ids[^1]);
        if (hash is null)
        {
            return null;
        }

        hash = (byte[])hash.Clone();
        for (var i = ids.Count - 2; i >= 0; i--)
        {
            if (get(ids[i]) is not { } left)
            {
                return null;
            }

            hasher.HashChildren(left, hash, hash);
        }

        return hash;
    }
}

/// <summary>
/// The <see cref="IAuditTreeView"/> of an audit: the nodes a <see cref="LogAuditor"/> retained (level ≥ its
/// <see cref="LogAuditor.RetainLevel"/>) plus windows of leaves and stored nodes reloaded for the levels below.
/// </summary>
public sealed class AuditTreeView(LogAuditor auditor) : IAuditTreeView
{
    private readonly Dictionary<NodeId, byte[]> stored = [];
    private readonly Dictionary<NodeId, byte[]> recomputed = [];
    private readonly List<(long Begin, long End)> windows = [];

    /// <summary>The window of leaves to reload for a node below the retained levels: [begin, end).</summary>
    public (long Begin, long End) WindowOf(NodeId id)
    {
        var begin = id.FirstLeaf >> auditor.RetainLevel << auditor.RetainLevel;
        return (begin, Math.Min(begin + (1L << auditor.RetainLevel), auditor.Size));
    }

    /// <summary>
    /// Adds a reloaded window: the leaf hashes of leaves [begin, begin + count) as served now and the stored nodes
    /// completed by them; every complete node inside the window is recomputed.
    /// </summary>
    public void AddWindow(long begin, IReadOnlyList<byte[]> leafHashes, IEnumerable<MerkleNode> storedNodes)
    {
        var end = begin + leafHashes.Count;
        foreach (var node in storedNodes)
        {
            stored[node.Id] = node.Hash;
        }

        var level = leafHashes.ToList();
        for (var l = 0; level.Count > 0; l++)
        {
            var first = begin >> l;
            for (var i = 0; i < level.Count; i++)
            {
                var id = new NodeId(l, first + i);
                if (id.EndLeaf <= end)
                {
                    recomputed[id] = level[i];
                }
            }

            // Parents of aligned pairs; the window starts at a multiple of 2^RetainLevel, so pairs stay aligned.
            if ((first & 1) != 0)
            {
                break;
            }

            var next = new List<byte[]>(level.Count / 2);
            for (var i = 0; i + 1 < level.Count; i += 2)
            {
                next.Add(auditor.Hasher.HashChildren(level[i], level[i + 1]));
            }

            level = next;
        }

        windows.Add((begin, end));
    }

    public bool Has(NodeId id) =>
        (id.Level >= auditor.RetainLevel && id.EndLeaf <= auditor.Size)
        || windows.Any(w => w.Begin <= id.FirstLeaf && id.EndLeaf <= w.End);

    public byte[]? Stored(NodeId id) => stored.GetValueOrDefault(id) ?? (auditor.ComparesNodes && id.EndLeaf <= auditor.StoredNodesThrough ? auditor.RetainedStored(id) : null);

    public byte[]? Recomputed(NodeId id) => recomputed.GetValueOrDefault(id) ?? auditor.RetainedRecomputed(id);
}
