using System.Numerics;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Merkle;

/// <summary>
/// The right edge of an append-only Merkle tree: one "peak" (complete subtree hash) per set bit of the size,
/// largest (leftmost) first. Enough to append leaves and compute the root without touching older nodes.
/// Not thread-safe: one writer (the sequencer) owns it.
/// </summary>
public sealed class CompactRange
{
    private readonly IHasher hasher;
    private readonly List<byte[]> peaks;

    /// <summary>An empty tree.</summary>
    public CompactRange(IHasher hasher)
    {
        this.hasher = hasher ?? throw new ArgumentNullException(nameof(hasher));
        peaks = [];
    }

    /// <summary>
    /// Resumes a tree of <paramref name="size"/> leaves from its peaks, leftmost first: the hashes of
    /// <see cref="PeakIds(long)"/>(size), e.g. loaded from the node table on start-up.
    /// </summary>
    public CompactRange(IHasher hasher, long size, IEnumerable<byte[]> peakHashes)
    {
        this.hasher = hasher ?? throw new ArgumentNullException(nameof(hasher));
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        peaks = peakHashes.Select(p => (byte[])p.Clone()).ToList();
        if (peaks.Count != BitOperations.PopCount((ulong)size))
        {
            throw new ArgumentException($"A tree of size {size} has {BitOperations.PopCount((ulong)size)} peaks, got {peaks.Count}.", nameof(peakHashes));
        }

        if (peaks.Any(p => p.Length != hasher.HashSize))
        {
            throw new ArgumentException($"Peak hashes must be {hasher.HashSize} bytes.", nameof(peakHashes));
        }

        Size = size;
    }

    /// <summary>Number of leaves appended so far.</summary>
    public long Size { get; private set; }

    /// <summary>Current peaks, leftmost (largest) first; copies.</summary>
    public IReadOnlyList<byte[]> Peaks => peaks.Select(p => (byte[])p.Clone()).ToList();

    /// <summary>The node ids of the peaks of a tree of <paramref name="size"/> leaves, leftmost first.</summary>
    public static IReadOnlyList<NodeId> PeakIds(long size) => NodeId.Decompose(0, size);

    /// <summary>
    /// Appends a leaf hash (node (0, Size)) and returns the internal nodes (level ≥ 1) this completes, lowest first.
    /// Persist them together with the leaf hash so proofs can later be served from storage.
    /// </summary>
    public IReadOnlyList<MerkleNode> Append(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != hasher.HashSize)
        {
            throw new ArgumentException($"Leaf hash must be {hasher.HashSize} bytes.", nameof(leafHash));
        }

        var completed = new List<MerkleNode>();
        byte[] hash = leafHash.ToArray();
        long index = Size;
        int level = 0;

        // Each trailing 1 bit of the old size is a peak of the same level that merges with the new node.
        while (((Size >> level) & 1) == 1)
        {
            byte[] left = peaks[^1];
            peaks.RemoveAt(peaks.Count - 1);
            hash = hasher.HashChildren(left, hash);
            level++;
            index >>= 1;
            completed.Add(new MerkleNode(new NodeId(level, index), hash));
        }

        peaks.Add(hash);
        Size++;
        return completed;
    }

    /// <summary>RFC 9162 root of the current tree: the peaks folded right to left; H("") when empty.</summary>
    public byte[] Root()
    {
        if (peaks.Count == 0)
        {
            return hasher.EmptyRoot();
        }

        byte[] root = (byte[])peaks[^1].Clone();
        for (int i = peaks.Count - 2; i >= 0; i--)
        {
            hasher.HashChildren(peaks[i], root, root);
        }

        return root;
    }
}
