using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Merkle;

/// <summary>
/// A plain in-memory tree over a list of leaf hashes, computing everything by the RFC 9162 recursion. Slow
/// (O(n) per root) and obviously correct: the reference the storage-backed path is tested against.
/// </summary>
public sealed class MerkleTree
{
    private readonly IHasher hasher;
    private readonly List<byte[]> leafHashes = [];

    public MerkleTree(IHasher hasher) => this.hasher = hasher ?? throw new ArgumentNullException(nameof(hasher));

    public long Size => leafHashes.Count;

    public IReadOnlyList<byte[]> LeafHashes => leafHashes;

    /// <summary>Appends the leaf hash H(0x00 ‖ data) of raw leaf bytes.</summary>
    public void AppendLeafData(ReadOnlySpan<byte> leafData) => leafHashes.Add(hasher.HashLeaf(leafData));

    public void AppendLeafHash(byte[] leafHash) => leafHashes.Add((byte[])leafHash.Clone());

    /// <summary>MTH(D[0:size]).</summary>
    public byte[] Root(long? size = null) => SubtreeHash(0, CheckSize(size ?? Size));

    /// <summary>MTH(D[begin:end]) for any range (RFC 9162 recursion).</summary>
    public byte[] SubtreeHash(long begin, long end)
    {
        long n = end - begin;
        if (n == 0)
        {
            return hasher.EmptyRoot();
        }

        if (n == 1)
        {
            return (byte[])leafHashes[(int)begin].Clone();
        }

        long split = begin + ProofPlanner.LargestPowerOfTwoBelow(n);
        return hasher.HashChildren(SubtreeHash(begin, split), SubtreeHash(split, end));
    }

    /// <summary>Hash of a complete subtree node.</summary>
    public byte[] NodeHash(NodeId id) => SubtreeHash(id.FirstLeaf, id.EndLeaf);

    /// <summary>PATH(m, D[0:n]) of RFC 9162 §2.1.3.1.</summary>
    public IReadOnlyList<byte[]> InclusionProof(long leafIndex, long? size = null)
    {
        long n = CheckSize(size ?? Size);
        if (leafIndex < 0 || leafIndex >= n)
        {
            throw new ArgumentOutOfRangeException(nameof(leafIndex));
        }

        return Path(leafIndex, 0, n);
    }

    /// <summary>PROOF(m, D[0:n]) of RFC 9162 §2.1.4.1; empty for m = 0 or m = n.</summary>
    public IReadOnlyList<byte[]> ConsistencyProof(long size1, long size2)
    {
        CheckSize(size2);
        if (size1 < 0 || size1 > size2)
        {
            throw new ArgumentOutOfRangeException(nameof(size1));
        }

        return size1 == 0 || size1 == size2 ? [] : Subproof(size1, 0, size2, true);
    }

    private List<byte[]> Path(long m, long begin, long end)
    {
        long n = end - begin;
        if (n <= 1)
        {
            return [];
        }

        long k = ProofPlanner.LargestPowerOfTwoBelow(n);
        if (m - begin < k)
        {
            var path = Path(m, begin, begin + k);
            path.Add(SubtreeHash(begin + k, end));
            return path;
        }
        else
        {
            var path = Path(m, begin + k, end);
            path.Add(SubtreeHash(begin, begin + k));
            return path;
        }
    }

    private List<byte[]> Subproof(long m, long begin, long end, bool b)
    {
        long n = end - begin;
        if (m == n)
        {
            return b ? [] : [SubtreeHash(begin, end)];
        }

        long k = ProofPlanner.LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            var proof = Subproof(m, begin, begin + k, b);
            proof.Add(SubtreeHash(begin + k, end));
            return proof;
        }
        else
        {
            var proof = Subproof(m - k, begin + k, end, false);
            proof.Add(SubtreeHash(begin, begin + k));
            return proof;
        }
    }

    private long CheckSize(long size) =>
        size < 0 || size > Size ? throw new ArgumentOutOfRangeException(nameof(size), $"Size {size} is outside 0..{Size}.") : size;
}
