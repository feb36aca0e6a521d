using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Tests;

internal static class Hex
{
    public static byte[] Decode(string hex) => Convert.FromHexString(hex);

    public static string Encode(byte[] bytes) => Convert.ToHexStringLower(bytes);
}

/// <summary>A log built through the production path (CompactRange, node table) next to the reference tree.</summary>
internal sealed class BuiltLog
{
    public BuiltLog(IHasher hasher, int size, int seed)
    {
        Hasher = hasher;
        Reference = new MerkleTree(hasher);
        Range = new CompactRange(hasher);
        var random = new Random(seed);
        for (int i = 0; i < size; i++)
        {
            var data = new byte[random.Next(0, 40)];
            random.NextBytes(data);
            Append(data);
        }
    }

    public IHasher Hasher { get; }

    public MerkleTree Reference { get; }

    public CompactRange Range { get; }

    /// <summary>Every stored node: leaves at level 0 plus what CompactRange emitted.</summary>
    public Dictionary<NodeId, byte[]> Nodes { get; } = [];

    /// <summary>Root after each size (index = size).</summary>
    public List<byte[]> RootsBySize { get; } = [];

    public void Append(byte[] leafData)
    {
        if (RootsBySize.Count == 0)
        {
            RootsBySize.Add(Range.Root());
        }

        byte[] leafHash = Hasher.HashLeaf(leafData);
        Nodes[new NodeId(0, Range.Size)] = leafHash;
        foreach (var node in Range.Append(leafHash))
        {
            Nodes.Add(node.Id, node.Hash);
        }

        Reference.AppendLeafHash(leafHash);
        RootsBySize.Add(Range.Root());
    }

    public IReadOnlyList<byte[]> Inclusion(long index, long size) =>
        ProofPlanner.Assemble(ProofPlanner.InclusionPlan(index, size), Nodes, Hasher);

    public IReadOnlyList<byte[]> Consistency(long size1, long size2) =>
        ProofPlanner.Assemble(ProofPlanner.ConsistencyPlan(size1, size2), Nodes, Hasher);
}
