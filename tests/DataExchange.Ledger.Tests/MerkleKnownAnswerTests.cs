using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Tests;

/// <summary>RFC 6962 reference tree vectors, as published in transparency-dev/merkle proof/verify_test.go.</summary>
public class MerkleKnownAnswerTests
{
    private static readonly IHasher Sha256 = TreeHasher.Sha256;

    private static readonly string[] LeafData =
    [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ];

    private static readonly string[] RootsBySize =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    // (leaf index, tree size, proof); the Go file numbers leaves from 1, these are 0-based.
    public static TheoryData<long, long, string[]> InclusionVectors => new()
    {
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
        { 0, 1, [] },
    };

    public static TheoryData<long, long, string[]> ConsistencyVectors => new()
    {
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
        { 6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 1, 1, [] },
    };

    private static BuiltLogFromData ReferenceLog() => new(LeafData.Select(Hex.Decode));

    [Fact]
    public void Root_EmptyTree_IsHashOfEmptyString()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex.Encode(new MerkleTree(Sha256).Root()));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex.Encode(new CompactRange(Sha256).Root()));
    }

    [Fact]
    public void Root_Rfc6962ReferenceTree_MatchesPublishedRootsForSizes1To8()
    {
        var log = ReferenceLog();
        for (int size = 1; size <= 8; size++)
        {
            Assert.Equal(RootsBySize[size - 1], Hex.Encode(log.Tree.Root(size)));
            Assert.Equal(RootsBySize[size - 1], Hex.Encode(log.RootsBySize[size]));
        }
    }

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void InclusionProof_Rfc6962ReferenceTree_MatchesPublishedProofAndVerifies(long index, long size, string[] expected)
    {
        var log = ReferenceLog();
        Assert.Equal(expected, log.Tree.InclusionProof(index, size).Select(Hex.Encode));
        var assembled = ProofPlanner.Assemble(ProofPlanner.InclusionPlan(index, size), log.Nodes, Sha256);
        Assert.Equal(expected, assembled.Select(Hex.Encode));

        byte[] leafHash = Sha256.HashLeaf(Hex.Decode(LeafData[index]));
        byte[] root = Hex.Decode(RootsBySize[size - 1]);
        Assert.True(MerkleProofs.VerifyInclusion(Sha256, index, size, leafHash, assembled, root));
        Assert.Equal(root, MerkleProofs.RootFromInclusionProof(Sha256, index, size, leafHash, assembled));
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void ConsistencyProof_Rfc6962ReferenceTree_MatchesPublishedProofAndVerifies(long size1, long size2, string[] expected)
    {
        var log = ReferenceLog();
        Assert.Equal(expected, log.Tree.ConsistencyProof(size1, size2).Select(Hex.Encode));
        var assembled = ProofPlanner.Assemble(ProofPlanner.ConsistencyPlan(size1, size2), log.Nodes, Sha256);
        Assert.Equal(expected, assembled.Select(Hex.Encode));
        Assert.True(MerkleProofs.VerifyConsistency(Sha256, size1, size2, Hex.Decode(RootsBySize[size1 - 1]), Hex.Decode(RootsBySize[size2 - 1]), assembled));
    }

    // Node lists from transparency-dev/merkle proof/proof_test.go; "+" joins nodes hashed together right to left.
    [Theory]
    [InlineData(0, 1, "")]
    [InlineData(0, 2, "0:1")]
    [InlineData(1, 3, "0:0|0:2")]
    [InlineData(0, 7, "0:1|1:1|1:2+0:6")]
    [InlineData(3, 7, "0:2|1:0|1:2+0:6")]
    [InlineData(4, 7, "0:5|0:6|2:0")]
    [InlineData(6, 7, "1:2|2:0")]
    [InlineData(3, 5, "0:2|1:0|0:4")]
    [InlineData(4, 6, "0:5|2:0")]
    [InlineData(10, 15, "0:11|1:4|1:6+0:14|3:0")]
    [InlineData(24, 31, "0:25|1:13|1:14+0:30|3:2|4:0")]
    [InlineData(81, 95, "0:80|1:41|2:21|2:22+1:46+0:94|4:4|6:0")]
    public void InclusionPlan_TransparencyDevCases_ListsExpectedNodes(long index, long size, string expected)
    {
        Assert.Equal(expected, Describe(ProofPlanner.InclusionPlan(index, size)));
    }

    [Theory]
    [InlineData(1, 2, "0:1")]
    [InlineData(1, 4, "0:1|1:1")]
    [InlineData(1, 6, "0:1|1:1|1:2")]
    [InlineData(2, 3, "0:2")]
    [InlineData(2, 8, "1:1|2:1")]
    [InlineData(3, 7, "0:2|0:3|1:0|1:2+0:6")]
    [InlineData(4, 7, "1:2+0:6")]
    [InlineData(5, 7, "0:4|0:5|0:6|2:0")]
    [InlineData(6, 7, "1:2|0:6|2:0")]
    [InlineData(7, 8, "0:6|0:7|1:2|2:0")]
    [InlineData(5, 5, "")]
    [InlineData(0, 5, "")]
    [InlineData(3, 5, "0:2|0:3|1:0|0:4")]
    [InlineData(10, 15, "1:4|1:5|1:6+0:14|3:0")]
    [InlineData(24, 31, "3:2|2:6+1:14+0:30|4:0")]
    [InlineData(81, 95, "0:80|0:81|1:41|2:21|2:22+1:46+0:94|4:4|6:0")]
    public void ConsistencyPlan_TransparencyDevCases_ListsExpectedNodes(long size1, long size2, string expected)
    {
        Assert.Equal(expected, Describe(ProofPlanner.ConsistencyPlan(size1, size2)));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(7, 7)]
    [InlineData(-1, 5)]
    public void InclusionPlan_IndexOutsideTree_Throws(long index, long size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProofPlanner.InclusionPlan(index, size));
    }

    [Theory]
    [InlineData(9, 8)]
    [InlineData(-1, 3)]
    public void ConsistencyPlan_SizesOutOfOrder_Throws(long size1, long size2)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProofPlanner.ConsistencyPlan(size1, size2));
    }

    [Fact]
    public void Assemble_MissingNode_ThrowsNamingTheNode()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => ProofPlanner.Assemble(ProofPlanner.InclusionPlan(0, 2), new Dictionary<NodeId, byte[]>(), Sha256));
        Assert.Contains("(0,1)", error.Message);
    }

    [Fact]
    public void VerifyConsistency_EdgeCasesFromTransparencyDev_BehaveAsSpecified()
    {
        byte[] root1 = "don't care 1"u8.ToArray();
        byte[] root2 = "don't care 2"u8.ToArray();
        byte[] empty = Sha256.EmptyRoot();
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 0, 0, root1, root2, []));
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 1, 1, root1, root2, []));
        Assert.True(MerkleProofs.VerifyConsistency(Sha256, 0, 0, root1, root1, []));
        Assert.True(MerkleProofs.VerifyConsistency(Sha256, 0, 1, root1, root2, []));
        Assert.True(MerkleProofs.VerifyConsistency(Sha256, 1, 1, root2, root2, []));
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 1, 0, root1, root2, []));
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 2, 1, root1, root2, []));
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 1, 2, root1, root2, []));
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 0, 0, empty, empty, [empty]));
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 0, 1, empty, empty, [empty]));
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 1, 1, empty, empty, [empty]));
        Assert.False(MerkleProofs.VerifyConsistency(Sha256, 1, 2, root1, root2, null));
    }

    [Fact]
    public void VerifyInclusion_DegenerateInputs_ReturnFalse()
    {
        byte[] hash = Sha256.HashLeaf("data"u8);
        Assert.True(MerkleProofs.VerifyInclusion(Sha256, 0, 1, hash, [], hash));
        Assert.False(MerkleProofs.VerifyInclusion(Sha256, 0, 1, hash, [], []));
        Assert.False(MerkleProofs.VerifyInclusion(Sha256, 0, 1, [], [], hash));
        Assert.False(MerkleProofs.VerifyInclusion(Sha256, 0, 0, hash, [], hash));
        Assert.False(MerkleProofs.VerifyInclusion(Sha256, 1, 1, hash, [], hash));
        Assert.False(MerkleProofs.VerifyInclusion(Sha256, -1, 1, hash, [], hash));
        Assert.False(MerkleProofs.VerifyInclusion(Sha256, 0, 2, hash, [new byte[5]], hash));
        Assert.False(MerkleProofs.VerifyInclusion(Sha256, 0, 2, hash, null!, hash));
    }

    [Fact]
    public void VerifyInclusion_CorruptedPublishedProofs_AreRejected()
    {
        var log = ReferenceLog();
        foreach (var row in InclusionVectors)
        {
            long index = (long)row[0];
            long size = (long)row[1];
            var proof = ((string[])row[2]).Select(Hex.Decode).ToList();
            byte[] leaf = Sha256.HashLeaf(Hex.Decode(LeafData[index]));
            byte[] root = log.Tree.Root(size);
            Assert.True(MerkleProofs.VerifyInclusion(Sha256, index, size, leaf, proof, root));
            Assert.False(MerkleProofs.VerifyInclusion(Sha256, index, size * 2, leaf, proof, root));
            Assert.False(MerkleProofs.VerifyInclusion(Sha256, index, size, leaf, [.. proof, root], root));
            Assert.False(MerkleProofs.VerifyInclusion(Sha256, index, size, leaf, [root, .. proof], root));
            Assert.False(MerkleProofs.VerifyInclusion(Sha256, index, size, leaf, proof, Sha256.EmptyRoot()));
            if (proof.Count > 0)
            {
                Assert.False(MerkleProofs.VerifyInclusion(Sha256, index + 1 < size ? index + 1 : index - 1, size, leaf, proof, root));
                Assert.False(MerkleProofs.VerifyInclusion(Sha256, index, size, leaf, proof[..^1], root));
            }
        }
    }

    private static string Describe(ProofPlan plan) =>
        string.Join("|", plan.Elements.Select(e => string.Join("+", e.Nodes.Select(n => $"{n.Level}:{n.Index}"))));

    private sealed class BuiltLogFromData
    {
        public BuiltLogFromData(IEnumerable<byte[]> leaves)
        {
            var range = new CompactRange(Sha256);
            RootsBySize.Add(range.Root());
            foreach (var data in leaves)
            {
                byte[] leafHash = Sha256.HashLeaf(data);
                Tree.AppendLeafHash(leafHash);
                Nodes[new NodeId(0, range.Size)] = leafHash;
                foreach (var node in range.Append(leafHash))
                {
                    Nodes[node.Id] = node.Hash;
                }

                RootsBySize.Add(range.Root());
            }
        }

        public MerkleTree Tree { get; } = new(Sha256);

        public Dictionary<NodeId, byte[]> Nodes { get; } = [];

        public List<byte[]> RootsBySize { get; } = [];
    }
}
