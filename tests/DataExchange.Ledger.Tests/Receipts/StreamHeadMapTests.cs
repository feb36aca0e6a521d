using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Receipts;

namespace DataExchange.Ledger.Tests.Receipts;

/// <summary>The stream-heads map against a plain RFC 9162 tree (itself checked against published known answers) over its entries.</summary>
public class StreamHeadMapTests
{
    private static LedgerEntry Entry(long index, string stream, long version) =>
        new(index, stream, version, Guid.CreateVersion7(), "e", new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero), null,
            LedgerEntry.DigestPayload(LogHashAlgorithm.Sha256, "{}"u8));

    [Fact]
    public void An_empty_map_has_the_empty_tree_root()
    {
        var map = new StreamHeadMap(TreeHasher.Sha256);
        Assert.Equal(TreeHasher.Sha256.EmptyRoot(), map.Root());
        Assert.Null(map.Prove("nothing"));
    }

    [Theory]
    [InlineData(LogHashAlgorithm.Sha256, 1)]
    [InlineData(LogHashAlgorithm.Sha256, 7)]
    [InlineData(LogHashAlgorithm.Sm3, 13)]
    [InlineData(LogHashAlgorithm.Sha256, 64)]
    public void After_every_leaf_the_root_and_every_proof_match_a_tree_of_the_heads_in_first_appearance_order(LogHashAlgorithm algorithm, int streams)
    {
        var hasher = TreeHasher.For(algorithm);
        var random = new Random(streams);
        var map = new StreamHeadMap(hasher);
        var order = new List<string>();
        var heads = new Dictionary<string, StreamHead>();
        for (long leaf = 0; leaf < 300; leaf++)
        {
            var stream = $"00000000-0000-0000-0000-{random.Next(streams):000000000000}";
            var version = heads.TryGetValue(stream, out var h) ? h.StreamVersion + 1 : 1;
            if (!heads.ContainsKey(stream))
            {
                order.Add(stream);
            }

            heads[stream] = new StreamHead(stream, version, leaf);
            map.Apply(Entry(leaf, stream, version));

            var oracle = new MerkleTree(hasher);
            foreach (var s in order)
            {
                oracle.AppendLeafData(heads[s].ToCanonicalBytes());
            }

            Assert.Equal(oracle.Root(), map.Root());
            Assert.Equal(order.Count, map.Commitment().Count);
            if (leaf % 37 == 0 || leaf == 299)
            {
                foreach (var s in order)
                {
                    var (head, index, proof) = map.Prove(s)!.Value;
                    Assert.Equal(heads[s], head);
                    Assert.Equal(oracle.InclusionProof(index), proof);
                    Assert.True(MerkleProofs.VerifyInclusion(hasher, index, order.Count, hasher.HashLeaf(head.ToCanonicalBytes()), proof, map.Root()));
                }
            }
        }
    }

    [Fact]
    public void Entries_are_canonical_json_and_anything_else_is_refused()
    {
        var head = new StreamHead("01a23be6-8057-7ec8-8590-7f8eb0563ce7", 3, 42);
        Assert.Equal("""{"leaf_index":42,"stream_id":"01a23be6-8057-7ec8-8590-7f8eb0563ce7","stream_version":3}""",
            System.Text.Encoding.UTF8.GetString(head.ToCanonicalBytes()));
        Assert.Equal(head, StreamHead.Parse(head.ToCanonicalBytes()));
        Assert.Throws<FormatException>(() => StreamHead.Parse("""{"stream_id":"x","leaf_index":42,"stream_version":3}"""u8));
        Assert.Throws<FormatException>(() => StreamHead.Parse("""{"leaf_index":42,"stream_id":"x","stream_version":3,"extra":1}"""u8));
    }

    [Fact]
    public void The_checkpoint_line_round_trips_and_malformed_lines_are_refused()
    {
        var commitment = new StreamHeadsCommitment(12, new byte[32]);
        Assert.Equal(commitment.Root, StreamHeadsCommitment.Find(["other", commitment.ToExtensionLine()])!.Root);
        Assert.Null(StreamHeadsCommitment.Find(["other"]));
        Assert.Throws<FormatException>(() => StreamHeadsCommitment.Find(["stream-heads 012 AAAA"]));
        Assert.Throws<FormatException>(() => StreamHeadsCommitment.Find([commitment.ToExtensionLine(), commitment.ToExtensionLine()]));
    }
}
