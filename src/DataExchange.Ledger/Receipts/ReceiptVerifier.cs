using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;

namespace DataExchange.Ledger.Receipts;

/// <summary>One leaf of a receipt: its index, its exact canonical bytes, and its inclusion proof for the receipt's tree size.</summary>
public sealed record ReceiptLeaf(long LeafIndex, byte[] CanonicalLeaf, IReadOnlyList<byte[]> InclusionProof);

/// <summary>Outcome of a receipt check. On failure <see cref="Failure"/> says what, and <see cref="FailingLeafIndex"/> which leaf, if a leaf.</summary>
public sealed record ReceiptVerificationResult(
    bool IsValid,
    string? Failure,
    long? FailingLeafIndex,
    Checkpoint? Checkpoint,
    IReadOnlyList<LedgerEntry> Entries,
    IReadOnlyList<VerifiedKey> VerifiedKeys)
{
    internal static ReceiptVerificationResult Fail(string failure, long? leafIndex = null, Checkpoint? checkpoint = null) =>
        new(false, failure, leafIndex, checkpoint, [], []);
}

/// <summary>
/// Offline receipt verification, the same steps an auditor can script with OpenSSL: the checkpoint note is signed by
/// every required key, its size is the receipt's tree size, and each leaf parses canonically, commits to its own
/// index, and hashes up its inclusion proof to the checkpoint's root.
/// </summary>
public static class ReceiptVerifier
{
    /// <param name="leaves">The receipt's leaves (at least one).</param>
    /// <param name="treeSize">Tree size the proofs are for.</param>
    /// <param name="algorithm">The log's hash function.</param>
    /// <param name="signedCheckpoint">Signed note whose text is a C2SP checkpoint.</param>
    /// <param name="requiredVerifiers">Keys that must all have signed the checkpoint.</param>
    /// <param name="optionalVerifiers">Further trusted keys (e.g. witnesses): not required, but a bad signature from one still fails.</param>
    /// <param name="expectedOrigin">When given, the checkpoint origin must equal it (stops a checkpoint of another log being replayed).</param>
    public static ReceiptVerificationResult Verify(
        IReadOnlyList<ReceiptLeaf> leaves,
        long treeSize,
        LogHashAlgorithm algorithm,
        string signedCheckpoint,
        IReadOnlyCollection<INoteVerifier> requiredVerifiers,
        IReadOnlyCollection<INoteVerifier>? optionalVerifiers = null,
        string? expectedOrigin = null)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentNullException.ThrowIfNull(requiredVerifiers);
        if (requiredVerifiers.Count == 0)
        {
            return ReceiptVerificationResult.Fail("No required checkpoint key was given; a receipt must be checked against at least one trusted key.");
        }

        if (leaves.Count == 0)
        {
            return ReceiptVerificationResult.Fail("The receipt has no leaves.");
        }

        var noteResult = SignedNote.Verify(signedCheckpoint ?? string.Empty, requiredVerifiers.Concat(optionalVerifiers ?? []));
        if (!noteResult.IsValid)
        {
            return ReceiptVerificationResult.Fail($"Checkpoint signature check failed: {noteResult.Error}");
        }

        var missing = requiredVerifiers.Where(v => !noteResult.IsVerifiedBy(v.KeyName, v.KeyId)).ToList();
        if (missing.Count > 0)
        {
            return ReceiptVerificationResult.Fail($"Checkpoint is not signed by required key(s): {string.Join(", ", missing.Select(v => $"{v.KeyName}+{v.KeyId:x8}"))}.");
        }

        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(noteResult.Text!);
        }
        catch (FormatException e)
        {
            return ReceiptVerificationResult.Fail($"Signed note is not a checkpoint: {e.Message}");
        }

        if (expectedOrigin is not null && checkpoint.Origin != expectedOrigin)
        {
            return ReceiptVerificationResult.Fail($"Checkpoint origin \"{checkpoint.Origin}\" is not the expected \"{expectedOrigin}\".", null, checkpoint);
        }

        if (checkpoint.Size != treeSize)
        {
            return ReceiptVerificationResult.Fail($"Checkpoint size {checkpoint.Size} differs from the receipt's tree size {treeSize}.", null, checkpoint);
        }

        var hasher = TreeHasher.For(algorithm);
        if (checkpoint.RootHash.Length != hasher.HashSize)
        {
            return ReceiptVerificationResult.Fail($"Checkpoint root is {checkpoint.RootHash.Length} bytes, expected {hasher.HashSize} for {algorithm}.", null, checkpoint);
        }

        var entries = new List<LedgerEntry>(leaves.Count);
        foreach (var leaf in leaves)
        {
            if (leaf?.CanonicalLeaf is null || leaf.InclusionProof is null)
            {
                return ReceiptVerificationResult.Fail("A receipt leaf is missing its bytes or proof.", leaf?.LeafIndex, checkpoint);
            }

            LedgerEntry entry;
            try
            {
                entry = LedgerEntry.Parse(leaf.CanonicalLeaf);
            }
            catch (FormatException e)
            {
                return ReceiptVerificationResult.Fail($"Leaf {leaf.LeafIndex}: {e.Message}", leaf.LeafIndex, checkpoint);
            }

            if (entry.LeafIndex != leaf.LeafIndex)
            {
                return ReceiptVerificationResult.Fail($"Leaf {leaf.LeafIndex}: the entry records leaf_index {entry.LeafIndex}.", leaf.LeafIndex, checkpoint);
            }

            if (leaf.LeafIndex < 0 || leaf.LeafIndex >= treeSize)
            {
                return ReceiptVerificationResult.Fail($"Leaf {leaf.LeafIndex}: outside a tree of size {treeSize}.", leaf.LeafIndex, checkpoint);
            }

            byte[] leafHash = hasher.HashLeaf(leaf.CanonicalLeaf);
            if (!MerkleProofs.VerifyInclusion(hasher, leaf.LeafIndex, treeSize, leafHash, leaf.InclusionProof, checkpoint.RootHash))
            {
                return ReceiptVerificationResult.Fail($"Leaf {leaf.LeafIndex}: inclusion proof does not lead to the checkpoint root.", leaf.LeafIndex, checkpoint);
            }

            entries.Add(entry);
        }

        return new ReceiptVerificationResult(true, null, null, checkpoint, entries, noteResult.VerifiedKeys);
    }
}
