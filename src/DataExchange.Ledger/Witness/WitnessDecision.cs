using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;

namespace DataExchange.Ledger.Witness;

/// <summary>A log a witness follows: its origin, the keys that must have signed its checkpoints, and its tree hash.</summary>
public sealed record WitnessedLog(string Origin, IReadOnlyList<INoteVerifier> Verifiers, IHasher Hasher);

/// <summary>The latest checkpoint a witness cosigned for one origin: what it will only ever extend.</summary>
public sealed record WitnessedCheckpoint(string Origin, long Size, byte[] RootHash, string Note);

/// <summary>Why a witness refused a checkpoint, as C2SP tlog-witness answers it (the HTTP status in brackets).</summary>
public enum WitnessRefusal
{
    None,
    /// <summary>Not a signed checkpoint, or a proof line that is not base64 [400].</summary>
    Malformed,
    /// <summary>The origin is not one the witness follows [404].</summary>
    UnknownOrigin,
    /// <summary>None of the log's keys signed it [403].</summary>
    BadSignature,
    /// <summary>The old size is not the size the witness last cosigned: the log must prove from there [409, with the size].</summary>
    OldSizeMismatch,
    /// <summary>Smaller than what the witness already cosigned: a rollback [400].</summary>
    Rollback,
    /// <summary>The proof does not show the new tree extends the cosigned one: a fork [422].</summary>
    Inconsistent,
    /// <summary>The size already cosigned, with another root: a fork [409].</summary>
    ConflictingRoot,
}

/// <summary>
/// The outcome of offering a checkpoint: the cosignature and the state to keep, or the refusal with what the witness
/// knows (its size) and, for a fork or a rollback, both signed notes as evidence.
/// </summary>
public sealed record WitnessOutcome(
    WitnessRefusal Refusal,
    string Message,
    NoteSignature? Cosignature = null,
    WitnessedCheckpoint? Next = null,
    long? KnownSize = null,
    string? KeptNote = null,
    string? OfferedNote = null)
{
    public bool Cosigned => Refusal == WitnessRefusal.None;
}

/// <summary>
/// A witness's decision (C2SP tlog-witness add-checkpoint), pure: the log's configuration, the witness's state for
/// that origin, the request (old size, consistency proof, signed checkpoint) and the time in; a cosignature or a named
/// refusal out. It cosigns only a checkpoint the log signed that extends, by a verified RFC 9162 consistency proof,
/// the one it cosigned last; so no two clients can be shown diverging histories that the same witness both cosigned.
/// </summary>
public static class WitnessDecision
{
    /// <summary>A client must not send more (tlog-witness).</summary>
    public const int MaxProofLines = 63;

    public static WitnessOutcome AddCheckpoint(IReadOnlyDictionary<string, WitnessedLog> logs, Func<string, WitnessedCheckpoint?> stateOf,
        long oldSize, IReadOnlyList<byte[]> proof, string signedNote, Cosigner cosigner, ulong now)
    {
        SignedNote parsed;
        Checkpoint checkpoint;
        try
        {
            parsed = SignedNote.Parse(signedNote);
            checkpoint = Checkpoint.Parse(parsed.Text);
        }
        catch (FormatException e)
        {
            return new WitnessOutcome(WitnessRefusal.Malformed, $"not a signed checkpoint: {e.Message}");
        }

        if (!logs.TryGetValue(checkpoint.Origin, out var log))
        {
            return new WitnessOutcome(WitnessRefusal.UnknownOrigin, $"unknown log origin '{checkpoint.Origin}'");
        }

        if (!SignedNote.Verify(signedNote, log.Verifiers).IsValid)
        {
            return new WitnessOutcome(WitnessRefusal.BadSignature, $"no key of {log.Origin} signed the checkpoint");
        }

        // The checks in the order C2SP tlog-witness gives them.
        var kept = stateOf(log.Origin);
        var keptSize = kept?.Size ?? 0;
        if (oldSize > checkpoint.Size)
        {
            return checkpoint.Size < keptSize && oldSize == keptSize
                ? new WitnessOutcome(WitnessRefusal.Rollback, $"size {checkpoint.Size} is smaller than {keptSize}, already cosigned: the log rolled back",
                    KnownSize: keptSize, KeptNote: kept!.Note, OfferedNote: signedNote)
                : new WitnessOutcome(WitnessRefusal.Malformed, $"old size {oldSize} is larger than the checkpoint's {checkpoint.Size}");
        }

        if (oldSize != keptSize)
        {
            return new WitnessOutcome(WitnessRefusal.OldSizeMismatch, $"old size {oldSize} is not {keptSize}, the size last cosigned", KnownSize: keptSize);
        }

        var keptRoot = kept?.RootHash ?? log.Hasher.EmptyRoot();
        if (checkpoint.Size == keptSize && !checkpoint.RootHash.AsSpan().SequenceEqual(keptRoot))
        {
            return new WitnessOutcome(WitnessRefusal.ConflictingRoot,
                $"size {keptSize} was cosigned with another root: a fork", KnownSize: keptSize, KeptNote: kept?.Note, OfferedNote: signedNote);
        }

        if (proof.Count > MaxProofLines
            || !MerkleProofs.VerifyConsistency(log.Hasher, keptSize, checkpoint.Size, keptRoot, checkpoint.RootHash, proof))
        {
            return new WitnessOutcome(WitnessRefusal.Inconsistent,
                $"the proof does not show size {checkpoint.Size} extends size {keptSize} cosigned before: a fork",
                KnownSize: keptSize, KeptNote: kept?.Note, OfferedNote: signedNote);
        }

        var cosignature = cosigner.Cosign(parsed.Text, now);
        return new WitnessOutcome(WitnessRefusal.None, $"cosigned size {checkpoint.Size}", cosignature,
            new WitnessedCheckpoint(log.Origin, checkpoint.Size, checkpoint.RootHash, signedNote));
    }
}
