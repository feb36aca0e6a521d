using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Receipts;

namespace DataExchange.Ledger.Tests;

public class ReceiptVerifierTests
{
    private const string Origin = "exchange.example/ledger/trades";
    private const int LogSize = 20;

    private static readonly Sm2NoteSigner Sm2 = new("exchange-sm2", LedgerKeys.GenerateSm2());
    private static readonly Ed25519NoteSigner Ed = new("exchange-ed25519", LedgerKeys.GenerateEd25519());
    private static readonly Ed25519NoteSigner Witness = new("witness", LedgerKeys.GenerateEd25519());

    /// <summary>A log of ledger entries built the way the server would: leaf bytes, CompactRange, node table, signed checkpoint.</summary>
    private sealed class Log
    {
        public Log(LogHashAlgorithm algorithm)
        {
            Algorithm = algorithm;
            var hasher = TreeHasher.For(algorithm);
            var range = new CompactRange(hasher);
            for (int i = 0; i < LogSize; i++)
            {
                var entry = new LedgerEntry(
                    i,
                    $"trade-{i % 4}",
                    (i / 4) + 1,
                    new Guid(i + 1, 0, 0, new byte[8]),
                    "TradeRecorded",
                    new DateTimeOffset(2026, 11, 27, 10, 0, i, TimeSpan.Zero),
                    i % 5 == 0 ? new DateOnly(2026, 11, 1) : null,
                    LedgerEntry.DigestPayload(algorithm, System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")));
                byte[] leaf = entry.ToCanonicalBytes();
                Leaves.Add(leaf);
                byte[] leafHash = hasher.HashLeaf(leaf);
                Nodes[new NodeId(0, range.Size)] = leafHash;
                foreach (var node in range.Append(leafHash))
                {
                    Nodes[node.Id] = node.Hash;
                }
            }

            Checkpoint = new Checkpoint(Origin, LogSize, range.Root());
            SignedCheckpoint = SignedNote.Sign(Checkpoint.ToNoteText(), Sm2, Ed);
        }

        public LogHashAlgorithm Algorithm { get; }

        public List<byte[]> Leaves { get; } = [];

        public Dictionary<NodeId, byte[]> Nodes { get; } = [];

        public Checkpoint Checkpoint { get; }

        public string SignedCheckpoint { get; }

        public ReceiptLeaf Receipt(int index) => new(
            index,
            Leaves[index],
            ProofPlanner.Assemble(ProofPlanner.InclusionPlan(index, LogSize), Nodes, TreeHasher.For(Algorithm)));
    }

    private static readonly Log Sm3Log = new(LogHashAlgorithm.Sm3);

    private static ReceiptVerificationResult Verify(IReadOnlyList<ReceiptLeaf> leaves, string? note = null, long treeSize = LogSize, IReadOnlyCollection<INoteVerifier>? required = null, IReadOnlyCollection<INoteVerifier>? optional = null) =>
        ReceiptVerifier.Verify(leaves, treeSize, LogHashAlgorithm.Sm3, note ?? Sm3Log.SignedCheckpoint, required ?? [Sm2.Verifier, Ed.Verifier], optional, Origin);

    [Fact]
    public void Verify_ValidReceiptWithTwoLeaves_SucceedsAndDecodesEntries()
    {
        var result = Verify([Sm3Log.Receipt(3), Sm3Log.Receipt(17)]);
        Assert.True(result.IsValid, result.Failure);
        Assert.Equal([3L, 17L], result.Entries.Select(e => e.LeafIndex));
        Assert.Equal(2, result.VerifiedKeys.Count);
    }

    [Fact]
    public void Verify_Sha256Log_Succeeds()
    {
        var log = new Log(LogHashAlgorithm.Sha256);
        var result = ReceiptVerifier.Verify([log.Receipt(0), log.Receipt(19)], LogSize, LogHashAlgorithm.Sha256, log.SignedCheckpoint, [Ed.Verifier]);
        Assert.True(result.IsValid, result.Failure);
        Assert.False(ReceiptVerifier.Verify([log.Receipt(0)], LogSize, LogHashAlgorithm.Sm3, log.SignedCheckpoint, [Ed.Verifier]).IsValid);
    }

    [Fact]
    public void Verify_LeafByteChanged_FailsNamingTheLeaf()
    {
        var good = Sm3Log.Receipt(17);
        byte[] tampered = (byte[])good.CanonicalLeaf.Clone();
        int digit = Array.LastIndexOf(tampered, (byte)'1');
        tampered[digit] = (byte)'2';
        var result = Verify([Sm3Log.Receipt(3), good with { CanonicalLeaf = tampered }]);
        Assert.False(result.IsValid);
        Assert.Equal(17, result.FailingLeafIndex);
        Assert.Contains("Leaf 17", result.Failure);
    }

    [Fact]
    public void Verify_NonCanonicalLeaf_FailsNamingTheLeaf()
    {
        var good = Sm3Log.Receipt(4);
        byte[] spaced = [.. good.CanonicalLeaf[..^1], (byte)' ', (byte)'}'];
        var result = Verify([good with { CanonicalLeaf = spaced }]);
        Assert.False(result.IsValid);
        Assert.Equal(4, result.FailingLeafIndex);
        Assert.Contains("canonical", result.Failure);
    }

    [Fact]
    public void Verify_ProofElementFlipped_Fails()
    {
        var good = Sm3Log.Receipt(9);
        var proof = good.InclusionProof.Select(p => (byte[])p.Clone()).ToList();
        proof[2][0] ^= 0x80;
        var result = Verify([good with { InclusionProof = proof }]);
        Assert.False(result.IsValid);
        Assert.Equal(9, result.FailingLeafIndex);
    }

    [Fact]
    public void Verify_LeafClaimedAtAnotherIndex_Fails()
    {
        var result = Verify([Sm3Log.Receipt(5) with { LeafIndex = 6 }]);
        Assert.False(result.IsValid);
        Assert.Equal(6, result.FailingLeafIndex);
        Assert.Contains("leaf_index 5", result.Failure);
    }

    [Fact]
    public void Verify_TreeSizeDiffersFromCheckpoint_Fails()
    {
        var result = Verify([Sm3Log.Receipt(5)], treeSize: LogSize + 1);
        Assert.False(result.IsValid);
        Assert.Contains("size", result.Failure);
    }

    [Fact]
    public void Verify_RequiredKeyDidNotSign_Fails()
    {
        string onlyEd = SignedNote.Sign(Sm3Log.Checkpoint.ToNoteText(), Ed);
        var result = Verify([Sm3Log.Receipt(1)], note: onlyEd);
        Assert.False(result.IsValid);
        Assert.Contains("exchange-sm2", result.Failure);
        Assert.True(Verify([Sm3Log.Receipt(1)], note: onlyEd, required: [Ed.Verifier]).IsValid);
    }

    [Fact]
    public void Verify_CheckpointRootChangedAndResigned_ByUntrustedKeyFails()
    {
        var forged = Sm3Log.Checkpoint with { RootHash = TreeHasher.Sm3.EmptyRoot() };
        var intruder = new Ed25519NoteSigner("exchange-ed25519", LedgerKeys.GenerateEd25519());
        string note = SignedNote.Sign(forged.ToNoteText(), intruder);
        Assert.False(Verify([Sm3Log.Receipt(1)], note: note).IsValid);
    }

    [Fact]
    public void Verify_CheckpointTextTampered_Fails()
    {
        string note = Sm3Log.SignedCheckpoint.Replace($"\n{LogSize}\n", $"\n{LogSize + 1}\n", StringComparison.Ordinal);
        var result = Verify([Sm3Log.Receipt(1)], note: note, treeSize: LogSize + 1);
        Assert.False(result.IsValid);
        Assert.Contains("signature", result.Failure);
    }

    [Fact]
    public void Verify_WitnessCosignature_OptionalKeyAcceptedAndBadOneRejected()
    {
        string cosigned = SignedNote.Parse(Sm3Log.SignedCheckpoint).AddSignatures(Witness).Encode();
        Assert.True(Verify([Sm3Log.Receipt(2)], note: cosigned, optional: [Witness.Verifier]).IsValid);

        var badWitness = SignedNote.Parse(cosigned);
        var signatures = badWitness.Signatures.ToList();
        var last = signatures[^1];
        byte[] sig = (byte[])last.Signature.Clone();
        sig[0] ^= 1;
        signatures[^1] = last with { Signature = sig };
        string badNote = (badWitness with { Signatures = signatures }).Encode();
        Assert.False(Verify([Sm3Log.Receipt(2)], note: badNote, optional: [Witness.Verifier]).IsValid);
        Assert.True(Verify([Sm3Log.Receipt(2)], note: badNote).IsValid);
    }

    [Fact]
    public void Verify_WrongOrigin_Fails()
    {
        var result = ReceiptVerifier.Verify([Sm3Log.Receipt(0)], LogSize, LogHashAlgorithm.Sm3, Sm3Log.SignedCheckpoint, [Sm2.Verifier], null, "other.example/log");
        Assert.False(result.IsValid);
        Assert.Contains("origin", result.Failure);
    }
}
