using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Memory;
using DataExchange.Ledger.Notes;

namespace DataExchange.Ledger.Tests.Memory;

/// <summary>A client's memory of a log: growth that a proof joins advances it; anything else is named, never remembered.</summary>
public sealed class CheckpointMemoryDecisionTests
{
    private const string Origin = "exchange.example/ledger";
    private static readonly IHasher Hasher = TreeHasher.For(LogHashAlgorithm.Sha256);
    private static readonly Ed25519NoteSigner LogKey = new("exchange-ed25519", LedgerKeys.GenerateEd25519());
    private static readonly Ed25519NoteSigner OtherKey = new("exchange-ed25519", LedgerKeys.GenerateEd25519());

    private readonly BuiltLog honest = new(Hasher, 20, seed: 1);
    private readonly BuiltLog forked = new(Hasher, 20, seed: 2);

    private static Checkpoint At(BuiltLog log, int size) => new(Origin, size, log.RootsBySize[size]);

    private static string Note(Checkpoint checkpoint, params INoteSigner[] signers) => SignedNote.Sign(checkpoint.ToNoteText(), signers);

    private static RememberedCheckpoint Remember(BuiltLog log, int size) =>
        new(Origin, size, log.RootsBySize[size], Note(At(log, size), LogKey), [NoteKeys.FormatVerifierKey(LogKey.Verifier)]);

    [Fact]
    public void Nothing_remembered_the_first_checkpoint_is_remembered_without_a_proof()
    {
        Assert.Null(CheckpointMemoryDecision.ProofNeeded(null, At(honest, 5), presentedAsLatest: true));
        var decision = CheckpointMemoryDecision.Decide(null, At(honest, 5), true, Hasher, null);
        Assert.Equal(MemoryVerdict.FirstSeen, decision.Verdict);
        Assert.True(decision.Advances);
    }

    [Fact]
    public void Growth_joined_by_a_consistency_proof_advances()
    {
        var remembered = Remember(honest, 7);
        Assert.Equal(new ConsistencyRequest(7, 15), CheckpointMemoryDecision.ProofNeeded(remembered, At(honest, 15), true));

        var decision = CheckpointMemoryDecision.Decide(remembered, At(honest, 15), true, Hasher, honest.Consistency(7, 15));

        Assert.Equal(MemoryVerdict.Extends, decision.Verdict);
        Assert.True(decision.Advances);
    }

    [Fact]
    public void Growth_whose_proof_does_not_verify_is_a_fork_and_keeps_the_failed_proof()
    {
        var remembered = Remember(honest, 7);

        var decision = CheckpointMemoryDecision.Decide(remembered, At(forked, 15), true, Hasher, forked.Consistency(7, 15));

        Assert.Equal(MemoryVerdict.Fork, decision.Verdict);
        Assert.False(decision.Advances);
        Assert.Equal(new ConsistencyRequest(7, 15), decision.FailedProof);
        Assert.Contains("no consistency proof joins size 7 to size 15", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Growth_without_any_proof_is_not_taken_on_trust()
    {
        var decision = CheckpointMemoryDecision.Decide(Remember(honest, 7), At(honest, 15), true, Hasher, proof: null);
        Assert.Equal(MemoryVerdict.Fork, decision.Verdict);
    }

    [Fact]
    public void The_same_size_with_another_root_is_a_fork()
    {
        var remembered = Remember(honest, 9);
        Assert.Null(CheckpointMemoryDecision.ProofNeeded(remembered, At(forked, 9), true));

        var decision = CheckpointMemoryDecision.Decide(remembered, At(forked, 9), true, Hasher, null);

        Assert.Equal(MemoryVerdict.Fork, decision.Verdict);
        Assert.Contains("two different roots for size 9", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_checkpoint_again_is_consistent_and_does_not_move_the_state()
    {
        var decision = CheckpointMemoryDecision.Decide(Remember(honest, 9), At(honest, 9), true, Hasher, null);
        Assert.Equal(MemoryVerdict.Consistent, decision.Verdict);
        Assert.False(decision.Advances);
    }

    [Fact]
    public void A_smaller_latest_is_a_rollback_whatever_proof_there_is()
    {
        var remembered = Remember(honest, 12);
        Assert.Null(CheckpointMemoryDecision.ProofNeeded(remembered, At(honest, 8), presentedAsLatest: true));

        var decision = CheckpointMemoryDecision.Decide(remembered, At(honest, 8), true, Hasher, honest.Consistency(8, 12));

        Assert.Equal(MemoryVerdict.Rollback, decision.Verdict);
        Assert.True(decision.IsMisbehaviour);
        Assert.False(decision.Advances);
    }

    [Fact]
    public void An_older_checkpoint_asked_for_as_such_is_checked_as_a_prefix_and_keeps_the_state()
    {
        var remembered = Remember(honest, 12);
        Assert.Equal(new ConsistencyRequest(8, 12), CheckpointMemoryDecision.ProofNeeded(remembered, At(honest, 8), presentedAsLatest: false));

        var prefix = CheckpointMemoryDecision.Decide(remembered, At(honest, 8), false, Hasher, honest.Consistency(8, 12));
        var other = CheckpointMemoryDecision.Decide(remembered, At(forked, 8), false, Hasher, forked.Consistency(8, 12));

        Assert.Equal((MemoryVerdict.Consistent, false), (prefix.Verdict, prefix.Advances));
        Assert.Equal(MemoryVerdict.Fork, other.Verdict);
    }

    [Fact]
    public void Keys_nothing_remembered_and_no_keys_given_trusts_the_published_keys_on_first_use()
    {
        var trust = CheckpointMemoryDecision.TrustKeys(Note(At(honest, 3), LogKey), null, null, [LogKey.Verifier]);

        Assert.True(trust.Trusted);
        Assert.True(trust.FirstUse);
        Assert.Equal([NoteKeys.FormatVerifierKey(LogKey.Verifier)], trust.KeysToRemember);
    }

    [Fact]
    public void Keys_a_checkpoint_signed_by_none_of_the_remembered_keys_is_refused()
    {
        // The server now publishes (and signs with) another key: that is no reason to believe it.
        var trust = CheckpointMemoryDecision.TrustKeys(Note(At(honest, 9), OtherKey), Remember(honest, 7), null, [OtherKey.Verifier]);

        Assert.False(trust.Trusted);
        Assert.Contains("signed by none of the keys remembered", trust.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_a_new_key_is_remembered_when_it_signs_beside_a_remembered_one()
    {
        var rotated = new Ed25519NoteSigner("exchange-ed25519-2026", LedgerKeys.GenerateEd25519());

        var trust = CheckpointMemoryDecision.TrustKeys(Note(At(honest, 9), LogKey, rotated), Remember(honest, 7), null, [LogKey.Verifier, rotated.Verifier]);

        Assert.True(trust.Trusted);
        Assert.Equal([NoteKeys.FormatVerifierKey(rotated.Verifier)], trust.NewKeys);
        Assert.Contains(NoteKeys.FormatVerifierKey(LogKey.Verifier), trust.KeysToRemember);
        Assert.Contains(NoteKeys.FormatVerifierKey(rotated.Verifier), trust.KeysToRemember);
    }

    [Fact]
    public void Keys_given_on_the_command_line_replace_the_remembered_ones()
    {
        var trust = CheckpointMemoryDecision.TrustKeys(Note(At(honest, 9), OtherKey), Remember(honest, 7), [OtherKey.Verifier], []);

        Assert.True(trust.Trusted);
        Assert.Equal([NoteKeys.FormatVerifierKey(OtherKey.Verifier)], trust.KeysToRemember);
    }

    [Fact]
    public void Keys_a_remembered_key_whose_signature_is_wrong_is_refused()
    {
        var note = Note(At(honest, 9), LogKey);
        var tampered = note.Replace("\n9\n", "\n10\n", StringComparison.Ordinal);

        var trust = CheckpointMemoryDecision.TrustKeys(tampered, Remember(honest, 7), null, []);

        Assert.False(trust.Trusted);
        Assert.Contains("Invalid signature", trust.Refusal, StringComparison.Ordinal);
    }
}
