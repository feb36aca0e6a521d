using System.Numerics;

namespace DataExchange.Ledger.Merkle;

/// <summary>
/// A complete (perfect) subtree of the log: the one at <paramref name="Level"/> covering leaves
/// [Index·2^Level, (Index+1)·2^Level). Level 0 nodes are the leaf hashes themselves.
/// </summary>
public readonly record struct NodeId(int Level, long Index)
{
    /// <summary>First leaf covered.</summary>
    public long FirstLeaf => Index << Level;

    /// <summary>One past the last leaf covered.</summary>
    public long EndLeaf => (Index + 1) << Level;

    public override string ToString() => $"({Level},{Index})";

    /// <summary>
    /// Splits leaves [begin, end) into maximal complete subtrees, left to right. For the ranges that appear in
    /// RFC 9162 proofs (begin aligned to a power of two at least end − begin) their sizes strictly decrease,
    /// so hashing them right-to-left gives MTH(D[begin:end]).
    /// </summary>
    public static IReadOnlyList<NodeId> Decompose(long begin, long end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(begin);
        ArgumentOutOfRangeException.ThrowIfLessThan(end, begin);
        var nodes = new List<NodeId>();
        while (begin < end)
        {
            // Largest power of two that both divides begin (alignment) and fits in what is left.
            int level = begin == 0 ? 62 : BitOperations.TrailingZeroCount(begin);
            level = Math.Min(level, 63 - BitOperations.LeadingZeroCount((ulong)(end - begin)));
            nodes.Add(new NodeId(level, begin >> level));
            begin += 1L << level;
        }

        return nodes;
    }
}

/// <summary>A complete subtree and its hash, e.g. as emitted by <see cref="CompactRange.Append"/> for persistence.</summary>
public sealed record MerkleNode(NodeId Id, byte[] Hash)
{
    public int Level => Id.Level;

    public long Index => Id.Index;
}
