using CsCheck;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Tests;

/// <summary>The storage-backed path (CompactRange + plan/assemble) against the RFC recursion, over random logs.</summary>
public class MerklePropertyTests
{
    private const int LargeLogSize = 3000;

    // Built once: appending is cheap, the reference recursion is what costs.
    private static readonly Lazy<BuiltLog> Sha256Log = new(() => new BuiltLog(TreeHasher.Sha256, LargeLogSize, seed: 1));
    private static readonly Lazy<BuiltLog> Sm3Log = new(() => new BuiltLog(TreeHasher.Sm3, 600, seed: 2));

    public static TheoryData<LogHashAlgorithm> Algorithms => new() { LogHashAlgorithm.Sha256, LogHashAlgorithm.Sm3 };

    private static BuiltLog LogFor(LogHashAlgorithm algorithm) => algorithm == LogHashAlgorithm.Sha256 ? Sha256Log.Value : Sm3Log.Value;

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void CompactRangeRoot_EverySize_EqualsReferenceRoot(LogHashAlgorithm algorithm)
    {
        var log = LogFor(algorithm);
        int sizes = (int)Math.Min(log.Reference.Size, 1100);
        for (int size = 0; size <= sizes; size++)
        {
            Assert.Equal(log.Reference.Root(size), log.RootsBySize[size]);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void CompactRangeAppend_EmittedNodes_EqualReferenceSubtreeHashes(LogHashAlgorithm algorithm)
    {
        var log = LogFor(algorithm);
        foreach (var (id, hash) in log.Nodes)
        {
            Assert.Equal(log.Reference.NodeHash(id), hash);
        }

        // Every complete subtree of the final tree was emitted exactly once: n leaves, n − popcount(n) internal nodes.
        long n = log.Reference.Size;
        Assert.Equal((2 * n) - System.Numerics.BitOperations.PopCount((ulong)n), log.Nodes.Count);
    }

    [Fact]
    public void CompactRange_ResumedFromStoredPeaks_ContinuesIdentically()
    {
        var log = Sha256Log.Value;
        var hasher = log.Hasher;
        for (long size = 0; size < 300; size += 7)
        {
            var peaks = CompactRange.PeakIds(size).Select(id => log.Nodes[id]);
            var resumed = new CompactRange(hasher, size, peaks);
            Assert.Equal(log.RootsBySize[(int)size], resumed.Root());
            var emitted = resumed.Append(log.Reference.LeafHashes[(int)size]);
            Assert.Equal(log.RootsBySize[(int)size + 1], resumed.Root());
            Assert.All(emitted, node => Assert.Equal(log.Nodes[node.Id], node.Hash));
        }
    }

    [Fact]
    public void CompactRange_WrongPeakCount_Throws()
    {
        Assert.Throws<ArgumentException>(() => new CompactRange(TreeHasher.Sha256, 3, [new byte[32]]));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void InclusionProof_RandomIndexAndSize_AssembledEqualsReferenceAndVerifies(LogHashAlgorithm algorithm)
    {
        var log = LogFor(algorithm);
        var hasher = log.Hasher;
        Gen.Long[1, log.Reference.Size].SelectMany(size => Gen.Long[0, size - 1].Select(index => (index, size)))
            .Sample(
                t =>
                {
                    var proof = log.Inclusion(t.index, t.size);
                    Assert.Equal(log.Reference.InclusionProof(t.index, t.size), proof);
                    Assert.True(MerkleProofs.VerifyInclusion(hasher, t.index, t.size, log.Reference.LeafHashes[(int)t.index], proof, log.RootsBySize[(int)t.size]));
                },
                iter: algorithm == LogHashAlgorithm.Sha256 ? 400 : 150,
                seed: "0N0XIzNsQ0O2");
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ConsistencyProof_RandomSizes_AssembledEqualsReferenceAndVerifies(LogHashAlgorithm algorithm)
    {
        var log = LogFor(algorithm);
        var hasher = log.Hasher;
        Gen.Long[0, log.Reference.Size].SelectMany(size2 => Gen.Long[0, size2].Select(size1 => (size1, size2)))
            .Sample(
                t =>
                {
                    var proof = log.Consistency(t.size1, t.size2);
                    Assert.Equal(log.Reference.ConsistencyProof(t.size1, t.size2), proof);
                    Assert.True(MerkleProofs.VerifyConsistency(hasher, t.size1, t.size2, log.RootsBySize[(int)t.size1], log.RootsBySize[(int)t.size2], proof));
                },
                iter: algorithm == LogHashAlgorithm.Sha256 ? 400 : 150,
                seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void Proofs_AllPairsOfSmallTrees_VerifyAndEqualReference()
    {
        var log = Sha256Log.Value;
        for (long size = 1; size <= 70; size++)
        {
            for (long index = 0; index < size; index++)
            {
                var proof = log.Inclusion(index, size);
                Assert.Equal(log.Reference.InclusionProof(index, size), proof);
                Assert.True(MerkleProofs.VerifyInclusion(log.Hasher, index, size, log.Reference.LeafHashes[(int)index], proof, log.RootsBySize[(int)size]));
            }

            for (long size1 = 0; size1 <= size; size1++)
            {
                var proof = log.Consistency(size1, size);
                Assert.Equal(log.Reference.ConsistencyProof(size1, size), proof);
                Assert.True(MerkleProofs.VerifyConsistency(log.Hasher, size1, size, log.RootsBySize[(int)size1], log.RootsBySize[(int)size], proof));
            }
        }
    }

    [Fact]
    public void VerifyInclusion_AnySingleBitFlipped_Fails()
    {
        var log = Sha256Log.Value;
        var hasher = log.Hasher;
        Gen.Long[2, log.Reference.Size].SelectMany(size => Gen.Long[0, size - 1].Select(index => (index, size)))
            .SelectMany(t => Gen.Int[0, 255].Select(bit => (t.index, t.size, bit)))
            .Sample(
                t =>
                {
                    var proof = log.Inclusion(t.index, t.size).Select(p => (byte[])p.Clone()).ToList();
                    byte[] leaf = (byte[])log.Reference.LeafHashes[(int)t.index].Clone();
                    byte[] root = (byte[])log.RootsBySize[(int)t.size].Clone();

                    Assert.False(MerkleProofs.VerifyInclusion(hasher, t.index, t.size, Flip(leaf, t.bit), proof, root));
                    Assert.False(MerkleProofs.VerifyInclusion(hasher, t.index, t.size, leaf, proof, Flip(root, t.bit)));
                    for (int i = 0; i < proof.Count; i++)
                    {
                        var tampered = proof.ToList();
                        tampered[i] = Flip(proof[i], t.bit);
                        Assert.False(MerkleProofs.VerifyInclusion(hasher, t.index, t.size, leaf, tampered, root));
                    }

                    Assert.True(MerkleProofs.VerifyInclusion(hasher, t.index, t.size, leaf, proof, root));
                },
                iter: 300,
                seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void VerifyConsistency_AnySingleBitFlipped_Fails()
    {
        var log = Sha256Log.Value;
        var hasher = log.Hasher;
        Gen.Long[2, log.Reference.Size].SelectMany(size2 => Gen.Long[1, size2 - 1].Select(size1 => (size1, size2)))
            .SelectMany(t => Gen.Int[0, 255].Select(bit => (t.size1, t.size2, bit)))
            .Sample(
                t =>
                {
                    var proof = log.Consistency(t.size1, t.size2).ToList();
                    byte[] root1 = log.RootsBySize[(int)t.size1];
                    byte[] root2 = log.RootsBySize[(int)t.size2];

                    Assert.False(MerkleProofs.VerifyConsistency(hasher, t.size1, t.size2, Flip(root1, t.bit), root2, proof));
                    Assert.False(MerkleProofs.VerifyConsistency(hasher, t.size1, t.size2, root1, Flip(root2, t.bit), proof));
                    for (int i = 0; i < proof.Count; i++)
                    {
                        var tampered = proof.ToList();
                        tampered[i] = Flip(proof[i], t.bit);
                        Assert.False(MerkleProofs.VerifyConsistency(hasher, t.size1, t.size2, root1, root2, tampered));
                    }

                    Assert.False(MerkleProofs.VerifyConsistency(hasher, t.size1, t.size2, root1, root2, proof[..^1]));
                    Assert.False(MerkleProofs.VerifyConsistency(hasher, t.size1, t.size2, root1, root2, [.. proof, root2]));
                    Assert.True(MerkleProofs.VerifyConsistency(hasher, t.size1, t.size2, root1, root2, proof));
                },
                iter: 300,
                seed: "0N0XIzNsQ0O2");
    }

    private static byte[] Flip(byte[] bytes, int bit)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[bit / 8 % copy.Length] ^= (byte)(1 << (bit % 8));
        return copy;
    }
}
