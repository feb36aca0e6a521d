using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Signing;

namespace DataExchange.Ledger.Tests.Signing;

/// <summary>The signer's rule without a database: sign only an append-only extension of what was signed.</summary>
public class LogExtensionTests
{
    private const string Origin = "dataexchange.test/ledger";
    private static readonly TreeHasher Hasher = TreeHasher.Sha256;
    private static readonly Ed25519NoteSigner Key = Ed25519NoteSigner.FromSeed("exchange", new byte[32]);
    private static readonly Ed25519NoteSigner OtherKey = Ed25519NoteSigner.FromSeed("intruder", Enumerable.Repeat((byte)7, 32).ToArray());

    private static bool SignedByKey(string note) => SignedNote.Verify(note, [Key.Verifier]).IsValid;

    private static byte[] Leaf(long i) => System.Text.Encoding.UTF8.GetBytes($"{{\"leaf\":{i}}}");

    /// <summary>A stored log of <paramref name="size"/> leaves, built correctly: leaves, nodes and roots.</summary>
    private static BuiltLog Log(int size)
    {
        var log = new BuiltLog(Hasher, 0, 0);
        for (var i = 0; i < size; i++)
        {
            log.Append(Leaf(i));
        }

        return log;
    }

    private static SignerState Signed(BuiltLog log, int size)
    {
        var range = new CompactRange(Hasher);
        for (var i = 0; i < size; i++)
        {
            range.Append(Hasher.HashLeaf(Leaf(i)));
        }

        return SignerState.Empty(Origin, LogHashAlgorithm.Sha256).Advance(range, Note(size, log.RootsBySize[size]), DateTimeOffset.UnixEpoch);
    }

    private static string Note(long size, byte[] root, Ed25519NoteSigner? key = null) =>
        SignedNote.Sign(new Checkpoint(Origin, size, root).ToNoteText(), key ?? Key);

    private static List<LeafWitness> Witnesses(long from, long to) =>
        [.. Enumerable.Range((int)from, (int)(to - from)).Select(i => new LeafWitness(i, Leaf(i), Hasher.HashLeaf(Leaf(i)), Leaf(i)))];

    private static List<MerkleNode> Peaks(BuiltLog log, long size) =>
        [.. CompactRange.PeakIds(size).Select(id => new MerkleNode(id, log.Nodes[id]))];

    private static StoredTree Stored(BuiltLog log, long signedSize, long storedSize, List<LeafWitness>? witnesses = null, List<PublishedCheckpoint>? published = null) =>
        new(storedSize, witnesses ?? Witnesses(signedSize, storedSize), Peaks(log, storedSize), published ?? []);

    private static IntegrityViolation Refused(ExtensionDecision decision) =>
        Assert.IsType<ExtensionDecision.Refuse>(decision).Violation;

    [Fact]
    public void A_stored_log_that_appends_to_the_signed_tree_is_signed_with_the_root_of_all_its_leaves()
    {
        var log = Log(13);
        var decision = LogExtension.Decide(Signed(log, 5), Stored(log, 5, 13), SignedByKey);
        var extend = Assert.IsType<ExtensionDecision.Extend>(decision);
        Assert.Equal(13, extend.Size);
        Assert.Equal(log.RootsBySize[13], extend.Root);
        Assert.Equal(8, extend.NewLeafHashes.Count);
    }

    [Fact]
    public void An_unchanged_log_with_its_checkpoint_row_is_accepted_without_new_leaves()
    {
        var log = Log(6);
        var rows = new List<PublishedCheckpoint> { PublishedCheckpoint.FromRow(6, Note(6, log.RootsBySize[6])) };
        Assert.IsType<ExtensionDecision.Extend>(LogExtension.Decide(Signed(log, 6), Stored(log, 6, 6, published: rows), SignedByKey));
    }

    [Fact]
    public void A_log_rolled_back_below_the_signed_size_is_refused()
    {
        var log = Log(10);
        var violation = Refused(LogExtension.Decide(Signed(log, 10), Stored(log, 10, 7, witnesses: []), SignedByKey));
        Assert.Equal(ViolationKind.LogRolledBack, violation.Kind);
        Assert.Equal(7, violation.LeafIndex);
        Assert.Equal("LOG_ROLLED_BACK", violation.Code);
    }

    [Fact]
    public void A_checkpoint_signed_by_the_signer_beyond_the_stored_log_shows_a_rollback()
    {
        var log = Log(12);
        var rows = new List<PublishedCheckpoint> { PublishedCheckpoint.FromRow(12, Note(12, log.RootsBySize[12])) };
        var violation = Refused(LogExtension.Decide(Signed(log, 8), Stored(log, 8, 10, published: rows), SignedByKey));
        Assert.Equal(ViolationKind.LogRolledBack, violation.Kind);
        Assert.NotNull(violation.ConflictingNote);
    }

    [Fact]
    public void A_missing_leaf_index_is_refused_and_named()
    {
        var log = Log(8);
        var witnesses = Witnesses(4, 8);
        witnesses.RemoveAt(1);
        var violation = Refused(LogExtension.Decide(Signed(log, 4), Stored(log, 4, 8, witnesses), SignedByKey));
        Assert.Equal(ViolationKind.LeafMissing, violation.Kind);
        Assert.Equal(5, violation.LeafIndex);
    }

    [Fact]
    public void A_leaf_whose_event_row_is_gone_is_refused()
    {
        var log = Log(8);
        var witnesses = Witnesses(4, 8);
        witnesses[2] = witnesses[2] with { EventLeaf = null };
        var violation = Refused(LogExtension.Decide(Signed(log, 4), Stored(log, 4, 8, witnesses), SignedByKey));
        Assert.Equal(ViolationKind.EventMissing, violation.Kind);
        Assert.Equal(6, violation.LeafIndex);
    }

    [Fact]
    public void A_stored_leaf_that_is_not_the_leaf_of_its_event_is_refused_and_named()
    {
        var log = Log(8);
        var witnesses = Witnesses(4, 8);
        witnesses[3] = witnesses[3] with { EventLeaf = Leaf(99) };
        var violation = Refused(LogExtension.Decide(Signed(log, 4), Stored(log, 4, 8, witnesses), SignedByKey));
        Assert.Equal(ViolationKind.LeafAltered, violation.Kind);
        Assert.Equal(7, violation.LeafIndex);
        Assert.NotEqual(violation.Expected, violation.Found);
    }

    [Fact]
    public void A_stored_leaf_hash_that_is_not_the_hash_of_the_leaf_is_refused()
    {
        var log = Log(8);
        var witnesses = Witnesses(4, 8);
        witnesses[0] = witnesses[0] with { StoredLeafHash = new byte[32] };
        var violation = Refused(LogExtension.Decide(Signed(log, 4), Stored(log, 4, 8, witnesses), SignedByKey));
        Assert.Equal(ViolationKind.LeafHashAltered, violation.Kind);
        Assert.Equal(4, violation.LeafIndex);
    }

    [Fact]
    public void A_changed_stored_peak_is_refused_and_named_even_when_the_leaves_are_right()
    {
        var log = Log(11);
        log.Nodes[new NodeId(3, 0)] = new byte[32];
        var violation = Refused(LogExtension.Decide(Signed(log, 8), Stored(log, 8, 11), SignedByKey));
        Assert.Equal(ViolationKind.NodeAltered, violation.Kind);
        Assert.Equal(new NodeId(3, 0), violation.Node);
    }

    [Fact]
    public void A_rewritten_history_with_consistent_nodes_is_refused_because_the_signer_extends_its_own_peaks()
    {
        // The attacker rewrote leaf 2 and every node above it: the stored tree is self-consistent, but not what was signed.
        var signedLog = Log(8);
        var forged = new BuiltLog(Hasher, 0, 0);
        for (var i = 0; i < 10; i++)
        {
            forged.Append(i == 2 ? Leaf(1002) : Leaf(i));
        }

        var violation = Refused(LogExtension.Decide(Signed(signedLog, 8), Stored(forged, 8, 10), SignedByKey));
        Assert.Equal(ViolationKind.NodeAltered, violation.Kind);
        Assert.Equal(0, violation.Node!.Value.FirstLeaf);
    }

    [Fact]
    public void A_checkpoint_with_another_root_signed_by_the_signer_is_a_fork_and_one_without_its_signature_a_forgery()
    {
        var log = Log(10);
        var forkedRows = new List<PublishedCheckpoint> { PublishedCheckpoint.FromRow(9, Note(9, new byte[32])) };
        Assert.Equal(ViolationKind.ForkedCheckpoint, Refused(LogExtension.Decide(Signed(log, 4), Stored(log, 4, 10, published: forkedRows), SignedByKey)).Kind);

        var forgedRows = new List<PublishedCheckpoint> { PublishedCheckpoint.FromRow(9, Note(9, new byte[32], OtherKey)) };
        var forged = Refused(LogExtension.Decide(Signed(log, 4), Stored(log, 4, 10, published: forgedRows), SignedByKey));
        Assert.Equal(ViolationKind.CheckpointForged, forged.Kind);
        Assert.Equal(9, forged.TreeSize);
    }

    [Fact]
    public void An_older_note_filed_under_the_latest_size_is_a_forgery()
    {
        var log = Log(10);
        var rows = new List<PublishedCheckpoint> { PublishedCheckpoint.FromRow(10, Note(6, log.RootsBySize[6])) };
        var violation = Refused(LogExtension.Decide(Signed(log, 10), Stored(log, 10, 10, published: rows), SignedByKey));
        Assert.Equal(ViolationKind.CheckpointForged, violation.Kind);
        Assert.Contains("size 6", violation.Message);
    }

    [Fact]
    public void A_stored_note_with_the_right_root_but_no_valid_signature_is_a_forgery()
    {
        var log = Log(10);
        var state = Signed(log, 10);
        var edited = state.Note!.Replace("\n\n", "\nextension line\n\n", StringComparison.Ordinal);
        var violation = Refused(LogExtension.Decide(state, Stored(log, 10, 10, published: [PublishedCheckpoint.FromRow(10, edited)]), SignedByKey));
        Assert.Equal(ViolationKind.CheckpointForged, violation.Kind);
        Assert.Equal(edited, violation.ConflictingNote);
    }

    [Fact]
    public void The_signers_record_must_fold_to_its_signed_root_and_agree_with_every_older_checkpoint()
    {
        var log = Log(9);
        var state = Signed(log, 9);
        var record = new LeafHashRecord();
        for (var i = 0; i < 9; i++)
        {
            record.Append(Hasher.HashLeaf(Leaf(i)));
        }

        var rows = new List<PublishedCheckpoint> { PublishedCheckpoint.FromRow(3, Note(3, log.RootsBySize[3])), PublishedCheckpoint.FromRow(9, state.Note!) };
        Assert.Null(LogExtension.CheckRecord(state, record, rows, SignedByKey));

        var forkAt5 = rows.Append(PublishedCheckpoint.FromRow(5, Note(5, new byte[32]))).ToList();
        var fork = LogExtension.CheckRecord(state, record, forkAt5, SignedByKey);
        Assert.Equal(ViolationKind.ForkedCheckpoint, fork!.Kind);
        Assert.Equal(5, fork.TreeSize);

        var damaged = new LeafHashRecord();
        for (var i = 0; i < 9; i++)
        {
            damaged.Append(i == 4 ? new byte[32] : Hasher.HashLeaf(Leaf(i)));
        }

        Assert.Equal(ViolationKind.SignerRecordCorrupt, LogExtension.CheckRecord(state, damaged, [], SignedByKey)!.Kind);
    }

    [Fact]
    public void The_first_diverging_leaf_is_the_first_stored_leaf_whose_hash_the_signer_did_not_record()
    {
        var record = new LeafHashRecord();
        for (var i = 0; i < 16; i++)
        {
            record.Append(Hasher.HashLeaf(Leaf(i)));
        }

        var stored = Enumerable.Range(0, 16).Select(i => ((long)i, i == 11 ? Leaf(1011) : Leaf(i)));
        Assert.Equal(11, LogExtension.FirstDivergingLeaf(Hasher, record, stored, 16));
        Assert.Equal(14, LogExtension.FirstDivergingLeaf(Hasher, record, Enumerable.Range(0, 14).Select(i => ((long)i, Leaf(i))), 16));
        Assert.Null(LogExtension.FirstDivergingLeaf(Hasher, record, Enumerable.Range(0, 16).Select(i => ((long)i, Leaf(i))), 16));
    }

    [Fact]
    public void A_signer_state_round_trips_through_its_file_format_and_a_tampered_one_is_rejected()
    {
        var log = Log(7);
        var state = Signed(log, 7);
        var parsed = SignerState.Parse(state.ToJson());
        Assert.Equal(state.Size, parsed.Size);
        Assert.Equal(state.Root, parsed.Root);
        Assert.Equal(state.Note, parsed.Note);

        var document = System.Text.Json.Nodes.JsonNode.Parse(state.ToJson())!;
        document["root"] = Convert.ToBase64String(new byte[32]);
        var tampered = document.ToJsonString();
        Assert.Throws<FormatException>(() => SignerState.Parse(tampered));
        Assert.Throws<FormatException>(() => SignerState.Parse("{\"format\":\"something-else\"}"));
        Assert.Throws<FormatException>(() => SignerState.Parse("not json"));
    }
}
