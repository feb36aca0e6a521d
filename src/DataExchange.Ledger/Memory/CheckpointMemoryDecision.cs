using System.Globalization;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;

namespace DataExchange.Ledger.Memory;

/// <summary>
/// What a client remembers of one log: the last checkpoint it verified (its signed note, size and root) and the
/// verifier keys (name+id+key strings) it trusts for that log.
/// </summary>
public sealed record RememberedCheckpoint(string Origin, long Size, byte[] RootHash, string Note, IReadOnlyList<string> VerifierKeys)
{
    public IReadOnlyList<INoteVerifier> Verifiers() => [.. VerifierKeys.Select(NoteKeys.ParseVerifierKey)];
}

/// <summary>How a presented checkpoint relates to the remembered one.</summary>
public enum MemoryVerdict
{
    /// <summary>Nothing was remembered for the origin: remember this one (trust on first use, or the keys given).</summary>
    FirstSeen,
    /// <summary>Larger, and a verified consistency proof joins it to the remembered one: remember it instead.</summary>
    Extends,
    /// <summary>The remembered one itself, or an older prefix of it (a verified proof joins them): keep what is remembered.</summary>
    Consistent,
    /// <summary>Two signed checkpoints that no consistency proof joins: the log showed two histories (a split view).</summary>
    Fork,
    /// <summary>Asked for the latest, the log presented one smaller than a checkpoint it signed before.</summary>
    Rollback,
}

/// <summary>The verdict, a sentence for people, and the proof that failed (for the evidence), if any.</summary>
public sealed record MemoryDecision(MemoryVerdict Verdict, string Message, ConsistencyRequest? FailedProof = null, IReadOnlyList<byte[]>? Proof = null)
{
    public bool IsMisbehaviour => Verdict is MemoryVerdict.Fork or MemoryVerdict.Rollback;

    /// <summary>The state moves to the presented checkpoint (never backwards).</summary>
    public bool Advances => Verdict is MemoryVerdict.FirstSeen or MemoryVerdict.Extends;
}

/// <summary>The consistency proof to ask the log for: from the smaller tree size to the larger.</summary>
public sealed record ConsistencyRequest(long FirstSize, long SecondSize);

/// <summary>Which keys a client trusts for a checkpoint, or why it refuses it.</summary>
/// <param name="Refusal">Why the checkpoint is not trusted; null when it is.</param>
/// <param name="SignedBy">The trusted keys whose signatures verified.</param>
/// <param name="KeysToRemember">The verifier keys to keep for the origin once the checkpoint is accepted.</param>
/// <param name="FirstUse">Trusted on first use: nothing was remembered and no keys were given.</param>
/// <param name="NewKeys">Keys the log published that sign beside a remembered one (a rotation), now remembered too.</param>
public sealed record KeyTrust(string? Refusal, IReadOnlyList<VerifiedKey> SignedBy, IReadOnlyList<string> KeysToRemember, bool FirstUse,
    IReadOnlyList<string> NewKeys)
{
    public bool Trusted => Refusal is null;
}

/// <summary>
/// A client's memory of a log, decided purely: which keys it trusts for a checkpoint, and whether the checkpoint extends,
/// repeats, forks from or rolls back the one remembered. Proofs are fetched by the caller (<see cref="ProofNeeded"/>),
/// so this is testable without a server.
/// </summary>
public static class CheckpointMemoryDecision
{
    /// <summary>
    /// Keys: with <paramref name="givenKeys"/> (--keys), exactly those are trusted and remembered from now on. Otherwise
    /// the remembered keys: at least one must sign, and a key the log publishes is added only when it signs the same
    /// checkpoint as a remembered key (rotation without a leap of faith). With nothing remembered and no keys given,
    /// the keys the log publishes are trusted on first use, and every key name among them must sign.
    /// </summary>
    public static KeyTrust TrustKeys(string signedNote, RememberedCheckpoint? remembered, IReadOnlyList<INoteVerifier>? givenKeys,
        IReadOnlyList<INoteVerifier> publishedKeys)
    {
        if (givenKeys is { Count: > 0 })
        {
            var verified = SignedNote.Verify(signedNote, givenKeys);
            return verified.IsValid
                ? new KeyTrust(null, verified.VerifiedKeys, [.. givenKeys.Select(NoteKeys.FormatVerifierKey).Distinct(StringComparer.Ordinal)], false, [])
                : new KeyTrust($"the checkpoint does not verify with the keys given: {verified.Error}", [], [], false, []);
        }

        if (remembered is not null)
        {
            var known = remembered.Verifiers();
            var verified = SignedNote.Verify(signedNote, known);
            if (!verified.IsValid)
            {
                var names = string.Join(", ", known.Select(k => $"{k.KeyName}+{k.KeyId:x8}"));
                return new KeyTrust(verified.VerifiedKeys.Count == 0 && verified.Text is not null && verified.Error!.Contains("no signature", StringComparison.Ordinal)
                    ? $"the checkpoint of {remembered.Origin} is signed by none of the keys remembered for it ({names})"
                    : $"the checkpoint of {remembered.Origin} does not verify with the keys remembered for it: {verified.Error}", [], [], false, []);
            }

            // A rotation: a published key that also verifies this note joins the remembered ones.
            var added = publishedKeys
                .Where(p => !known.Any(k => k.KeyName == p.KeyName && k.KeyId == p.KeyId))
                .Where(p => SignedNote.Verify(signedNote, [p]).IsValid)
                .Select(NoteKeys.FormatVerifierKey)
                .ToList();
            return new KeyTrust(null, verified.VerifiedKeys, [.. remembered.VerifierKeys.Concat(added).Distinct(StringComparer.Ordinal)], false, added);
        }

        if (publishedKeys.Count == 0)
        {
            return new KeyTrust("the log publishes no signing keys and none were given", [], [], false, []);
        }

        var first = SignedNote.Verify(signedNote, publishedKeys);
        var missing = publishedKeys.GroupBy(k => k.KeyName).Where(g => !g.Any(k => first.IsVerifiedBy(k.KeyName, k.KeyId))).Select(g => g.Key).ToList();
        if (!first.IsValid || missing.Count > 0)
        {
            return new KeyTrust(first.IsValid
                ? $"the checkpoint is not signed by the log's published key(s) {string.Join(", ", missing)}"
                : $"the checkpoint does not verify with the keys the log publishes: {first.Error}", [], [], false, []);
        }

        return new KeyTrust(null, first.VerifiedKeys,
            [.. publishedKeys.Where(k => first.IsVerifiedBy(k.KeyName, k.KeyId)).Select(NoteKeys.FormatVerifierKey).Distinct(StringComparer.Ordinal)], true, []);
    }

    /// <summary>The consistency proof needed to compare, or null when none is (nothing remembered, same size, or a rollback).</summary>
    public static ConsistencyRequest? ProofNeeded(RememberedCheckpoint? remembered, Checkpoint presented, bool presentedAsLatest)
    {
        if (remembered is null || presented.Size == remembered.Size || presented.Origin != remembered.Origin)
        {
            return null;
        }

        if (presented.Size < remembered.Size)
        {
            // A log asked for its latest that answers with less than it signed before has rolled back; no proof changes that.
            return presentedAsLatest || presented.Size == 0 ? null : new ConsistencyRequest(presented.Size, remembered.Size);
        }

        return remembered.Size == 0 ? null : new ConsistencyRequest(remembered.Size, presented.Size);
    }

    /// <summary>
    /// Compares a presented checkpoint (already signature-checked) with the remembered one, given the proof
    /// <see cref="ProofNeeded"/> asked for (null when it asked for none).
    /// </summary>
    public static MemoryDecision Decide(RememberedCheckpoint? remembered, Checkpoint presented, bool presentedAsLatest, IHasher hasher,
        IReadOnlyList<byte[]>? proof)
    {
        if (remembered is null)
        {
            return new MemoryDecision(MemoryVerdict.FirstSeen, string.Create(CultureInfo.InvariantCulture,
                $"remembering {presented.Origin} at size {presented.Size}"));
        }

        if (presented.Origin != remembered.Origin)
        {
            throw new ArgumentException($"The presented checkpoint is of {presented.Origin}, the remembered one of {remembered.Origin}.", nameof(presented));
        }

        if (presented.Size == remembered.Size)
        {
            return presented.RootHash.AsSpan().SequenceEqual(remembered.RootHash)
                ? new MemoryDecision(MemoryVerdict.Consistent, string.Create(CultureInfo.InvariantCulture, $"size {presented.Size}, as remembered"))
                : new MemoryDecision(MemoryVerdict.Fork, string.Create(CultureInfo.InvariantCulture,
                    $"the log forked: it signed two different roots for size {presented.Size} of {presented.Origin} (remembered {Hex(remembered.RootHash)}, now {Hex(presented.RootHash)})"));
        }

        if (presented.Size < remembered.Size && presentedAsLatest)
        {
            return new MemoryDecision(MemoryVerdict.Rollback, string.Create(CultureInfo.InvariantCulture,
                $"the log rolled back: its latest checkpoint of {presented.Origin} has size {presented.Size}, but it signed size {remembered.Size} before"));
        }

        var (small, large) = presented.Size < remembered.Size
            ? ((Size: presented.Size, Root: presented.RootHash), (Size: remembered.Size, Root: remembered.RootHash))
            : ((Size: remembered.Size, Root: remembered.RootHash), (Size: presented.Size, Root: presented.RootHash));
        var request = new ConsistencyRequest(small.Size, large.Size);
        // Size 0 is the empty tree: any tree extends it, whatever the (absent) proof says.
        var consistent = small.Size == 0
            ? small.Root.AsSpan().SequenceEqual(hasher.EmptyRoot())
            : proof is not null && MerkleProofs.VerifyConsistency(hasher, small.Size, large.Size, small.Root, large.Root, proof);
        if (!consistent)
        {
            return new MemoryDecision(MemoryVerdict.Fork, string.Create(CultureInfo.InvariantCulture,
                $"the log forked: no consistency proof joins size {small.Size} to size {large.Size} of {presented.Origin} (the proof it served does not verify)"),
                request, proof);
        }

        return presented.Size > remembered.Size
            ? new MemoryDecision(MemoryVerdict.Extends, string.Create(CultureInfo.InvariantCulture, $"size {presented.Size} extends the remembered size {remembered.Size}"))
            : new MemoryDecision(MemoryVerdict.Consistent, string.Create(CultureInfo.InvariantCulture, $"size {presented.Size} is a prefix of the remembered size {remembered.Size}"));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
