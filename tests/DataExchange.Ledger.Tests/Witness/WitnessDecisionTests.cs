using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;

namespace DataExchange.Ledger.Tests.Witness;

/// <summary>
/// A witness cosigns only what extends what it cosigned before: the log's honest growth is cosigned, and a rollback,
/// a fork built with the log's own key, a stale old size, a stranger's signature or an unknown origin are refused
/// and named, with both notes kept as evidence where they prove misbehaviour.
/// </summary>
public sealed class WitnessDecisionTests
{
    private const string Origin = "exchange.example/ledger";
    private static readonly Ed25519NoteSigner LogKey = new("exchange.example/ledger", LedgerKeys.GenerateEd25519());
    private static readonly Cosigner Witness = new("witness.example/w1", LedgerKeys.GenerateEd25519());
    private static readonly Dictionary<string, WitnessedLog> Logs = new() { [Origin] = new WitnessedLog(Origin, [LogKey.Verifier], TreeHasher.Sha256) };

    private readonly BuiltLog honest = new(TreeHasher.Sha256, 40, seed: 7);
    private readonly BuiltLog forked = new(TreeHasher.Sha256, 40, seed: 8);
    private WitnessedCheckpoint? state;

    private static string Note(BuiltLog log, int size, INoteSigner? signer = null) =>
        SignedNote.Sign(new Checkpoint(Origin, size, log.RootsBySize[size]).ToNoteText(), signer ?? LogKey);

    private WitnessOutcome Offer(long oldSize, IReadOnlyList<byte[]> proof, string note)
    {
        var outcome = WitnessDecision.AddCheckpoint(Logs, _ => state, oldSize, proof, note, Witness, now: 1_764_806_400);
        if (outcome.Next is { } next)
        {
            state = next;
        }

        return outcome;
    }

    [Fact]
    public void The_logs_growth_is_cosigned_step_by_step_and_each_cosignature_verifies()
    {
        var first = Offer(0, [], Note(honest, 10));
        Assert.True(first.Cosigned, first.Message);
        var second = Offer(10, honest.Consistency(10, 25), Note(honest, 25));
        Assert.True(second.Cosigned, second.Message);
        Assert.Equal(25, state!.Size);

        var body = new Checkpoint(Origin, 25, honest.RootsBySize[25]).ToNoteText();
        Assert.Equal(1_764_806_400UL, Witness.Verifier.Verify(body, second.Cosignature!));
    }

    [Fact]
    public void A_fork_signed_with_the_logs_own_key_is_refused_and_both_notes_are_kept()
    {
        Offer(0, [], Note(honest, 10));
        var fork = Offer(10, forked.Consistency(10, 20), Note(forked, 20));

        Assert.Equal(WitnessRefusal.Inconsistent, fork.Refusal);
        Assert.Null(fork.Cosignature);
        Assert.Equal(Note(honest, 10), fork.KeptNote);
        Assert.Equal(Note(forked, 20), fork.OfferedNote);
        Assert.Equal(10, state!.Size);

        // Same size, another root: a fork too, answered as a conflict.
        var sameSize = Offer(10, [], Note(forked, 10));
        Assert.Equal(WitnessRefusal.ConflictingRoot, sameSize.Refusal);
        Assert.Equal(Note(forked, 10), sameSize.OfferedNote);
    }

    [Fact]
    public void A_rollback_is_refused_with_the_size_already_cosigned()
    {
        Offer(0, [], Note(honest, 30));
        var rollback = Offer(30, [], Note(honest, 20));

        Assert.Equal(WitnessRefusal.Rollback, rollback.Refusal);
        Assert.Equal(30, rollback.KnownSize);
        Assert.Equal(Note(honest, 30), rollback.KeptNote);
    }

    [Fact]
    public void A_stale_old_size_is_answered_with_the_size_the_witness_knows()
    {
        Offer(0, [], Note(honest, 10));
        var stale = Offer(5, honest.Consistency(5, 20), Note(honest, 20));

        Assert.Equal(WitnessRefusal.OldSizeMismatch, stale.Refusal);
        Assert.Equal(10, stale.KnownSize);
    }

    [Fact]
    public void A_checkpoint_not_signed_by_the_log_or_for_another_origin_or_malformed_is_refused()
    {
        var stranger = new Ed25519NoteSigner("exchange.example/ledger", LedgerKeys.GenerateEd25519());
        Assert.Equal(WitnessRefusal.BadSignature, Offer(0, [], Note(honest, 10, stranger)).Refusal);

        var other = SignedNote.Sign(new Checkpoint("elsewhere.example/log", 10, honest.RootsBySize[10]).ToNoteText(), LogKey);
        Assert.Equal(WitnessRefusal.UnknownOrigin, Offer(0, [], other).Refusal);

        Assert.Equal(WitnessRefusal.Malformed, Offer(0, [], "not a note").Refusal);
        Assert.Null(state);
    }

    [Fact]
    public void A_proof_with_one_bit_flipped_is_a_fork()
    {
        Offer(0, [], Note(honest, 10));
        var proof = honest.Consistency(10, 30).Select(p => (byte[])p.Clone()).ToList();
        proof[0][0] ^= 1;

        Assert.Equal(WitnessRefusal.Inconsistent, Offer(10, proof, Note(honest, 30)).Refusal);
    }
}
