using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Merkle;

/// <summary>
/// One hash of an RFC 9162 proof, described by the stored complete subtrees that make it up. A single node is used
/// as is; several nodes (the right edge of a tree whose size is not a power of two) are hashed right to left:
/// H(n0, H(n1, … H(n[k-2], n[k-1]))).
/// </summary>
public sealed record ProofElement(IReadOnlyList<NodeId> Nodes);

/// <summary>
/// Which stored nodes an inclusion or consistency proof needs, in proof order. Phase one of the two-phase API:
/// fetch <see cref="RequiredNodes"/> from storage, then call <see cref="ProofPlanner.Assemble"/>.
/// </summary>
public sealed record ProofPlan(IReadOnlyList<ProofElement> Elements)
{
    /// <summary>Distinct node ids to load, in first-use order.</summary>
    public IReadOnlyList<NodeId> RequiredNodes => Elements.SelectMany(e => e.Nodes).Distinct().ToList();
}

/// <summary>Builds RFC 9162 proofs from stored complete-subtree hashes, without rehashing the log.</summary>
public static class ProofPlanner
{
    /// <summary>Plan of the inclusion proof of leaf <paramref name="leafIndex"/> in the tree of size <paramref name="treeSize"/> (RFC 9162 §2.1.3.1).</summary>
    public static ProofPlan InclusionPlan(long leafIndex, long treeSize)
    {
        if (leafIndex < 0 || leafIndex >= treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(leafIndex), $"Leaf index {leafIndex} is not in a tree of size {treeSize}.");
        }

        var elements = new List<ProofElement>();
        AddPath(leafIndex, 0, treeSize, elements);
        return new ProofPlan(elements);
    }

    /// <summary>
    /// Plan of the consistency proof between tree sizes <paramref name="size1"/> ≤ <paramref name="size2"/>
    /// (RFC 9162 §2.1.4.1). Empty when the sizes are equal or size1 is 0.
    /// </summary>
    public static ProofPlan ConsistencyPlan(long size1, long size2)
    {
        if (size1 < 0 || size2 < size1)
        {
            throw new ArgumentOutOfRangeException(nameof(size1), $"Need 0 ≤ size1 ≤ size2, got {size1} and {size2}.");
        }

        var elements = new List<ProofElement>();
        if (size1 > 0 && size1 < size2)
        {
            AddSubproof(size1, 0, size2, true, elements);
        }

        return new ProofPlan(elements);
    }

    /// <summary>Phase two: combines the loaded node hashes into the proof hashes.</summary>
    /// <exception cref="KeyNotFoundException">A node of the plan is missing from <paramref name="nodes"/>.</exception>
    public static IReadOnlyList<byte[]> Assemble(ProofPlan plan, IReadOnlyDictionary<NodeId, byte[]> nodes, IHasher hasher)
    {
        var proof = new List<byte[]>(plan.Elements.Count);
        foreach (var element in plan.Elements)
        {
            var ids = element.Nodes;
            byte[] hash = (byte[])Lookup(nodes, ids[^1]).Clone();
            for (int i = ids.Count - 2; i >= 0; i--)
            {
                hasher.HashChildren(Lookup(nodes, ids[i]), hash, hash);
            }

            proof.Add(hash);
        }

        return proof;
    }

    private static byte[] Lookup(IReadOnlyDictionary<NodeId, byte[]> nodes, NodeId id) =>
        nodes.TryGetValue(id, out var hash) ? hash : throw new KeyNotFoundException($"Merkle node {id} is needed for the proof but was not supplied.");

    // PATH(m, D[begin:end]) from RFC 9162, with m absolute; the element order is leaf-to-root.
    private static void AddPath(long leafIndex, long begin, long end, List<ProofElement> elements)
    {
        if (end - begin <= 1)
        {
            return;
        }

        long split = begin + LargestPowerOfTwoBelow(end - begin);
        if (leafIndex < split)
        {
            AddPath(leafIndex, begin, split, elements);
            elements.Add(Range(split, end));
        }
        else
        {
            AddPath(leafIndex, split, end, elements);
            elements.Add(Range(begin, split));
        }
    }

    // SUBPROOF(m, D[begin:end], b) from RFC 9162, where m = oldEnd − begin.
    private static void AddSubproof(long oldEnd, long begin, long end, bool isCompleteOldRoot, List<ProofElement> elements)
    {
        if (oldEnd == end)
        {
            if (!isCompleteOldRoot)
            {
                elements.Add(Range(begin, end));
            }

            return;
        }

        long split = begin + LargestPowerOfTwoBelow(end - begin);
        if (oldEnd <= split)
        {
            AddSubproof(oldEnd, begin, split, isCompleteOldRoot, elements);
            elements.Add(Range(split, end));
        }
        else
        {
            AddSubproof(oldEnd, split, end, false, elements);
            elements.Add(Range(begin, split));
        }
    }

    private static ProofElement Range(long begin, long end) => new(NodeId.Decompose(begin, end));

    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n ≥ 2).</summary>
    internal static long LargestPowerOfTwoBelow(long n) => 1L << (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1)));
}
