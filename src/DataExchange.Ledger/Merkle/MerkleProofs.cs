using System.Security.Cryptography;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Merkle;

/// <summary>
/// RFC 9162 proof verification (§2.1.3.2 inclusion, §2.1.4.2 consistency). Never throws on malformed input:
/// anything wrong (sizes, lengths, counts, hashes) is simply "false".
/// </summary>
public static class MerkleProofs
{
    public static bool VerifyInclusion(IHasher hasher, long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> expectedRoot)
    {
        var root = RootFromInclusionProof(hasher, leafIndex, treeSize, leafHash, proof);
        return root is not null && expectedRoot.Length == root.Length && CryptographicOperations.FixedTimeEquals(root, expectedRoot);
    }

    /// <summary>The root implied by an inclusion proof, or null when the proof cannot be walked (wrong length/shape).</summary>
    public static byte[]? RootFromInclusionProof(IHasher hasher, long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]>? proof)
    {
        if (hasher is null || proof is null || leafIndex < 0 || leafIndex >= treeSize || leafHash.Length != hasher.HashSize)
        {
            return null;
        }

        long fn = leafIndex;
        long sn = treeSize - 1;
        byte[] r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0 || p is null || p.Length != hasher.HashSize)
            {
                return null;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                hasher.HashChildren(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                hasher.HashChildren(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 ? r : null;
    }

    /// <summary>
    /// True when <paramref name="proof"/> shows the tree (size1, root1) is a prefix of (size2, root2). For equal sizes
    /// the proof must be empty and the roots equal; from size 0 any tree is consistent with an empty proof.
    /// </summary>
    public static bool VerifyConsistency(IHasher hasher, long size1, long size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, IReadOnlyList<byte[]>? proof)
    {
        if (hasher is null || proof is null || size1 < 0 || size2 < size1)
        {
            return false;
        }

        if (size1 == size2)
        {
            return proof.Count == 0 && root1.SequenceEqual(root2);
        }

        if (size1 == 0)
        {
            return proof.Count == 0;
        }

        if (proof.Count == 0 || root1.Length != hasher.HashSize || root2.Length != hasher.HashSize)
        {
            return false;
        }

        foreach (var p in proof)
        {
            if (p is null || p.Length != hasher.HashSize)
            {
                return false;
            }
        }

        // Step 2: when size1 is a power of two, the old root is itself the first path element.
        var path = new List<byte[]>(proof.Count + 1);
        if ((size1 & (size1 - 1)) == 0)
        {
            path.Add(root1.ToArray());
        }

        path.AddRange(proof);

        long fn = size1 - 1;
        long sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        byte[] fr = (byte[])path[0].Clone();
        byte[] sr = (byte[])path[0].Clone();
        for (int i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                hasher.HashChildren(c, fr, fr);
                hasher.HashChildren(c, sr, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                hasher.HashChildren(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.AsSpan().SequenceEqual(root1) && sr.AsSpan().SequenceEqual(root2);
    }
}
