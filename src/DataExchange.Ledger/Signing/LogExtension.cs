using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Signing;

/// <summary>
/// One leaf the signer is asked to add to what it signed: the leaf as stored (bytes and the stored leaf hash) and the
/// leaf the signer rebuilt itself from the event row as stored now (null when the event row is gone).
/// </summary>
public sealed record LeafWitness(long LeafIndex, byte[] StoredLeaf, byte[]? StoredLeafHash, byte[]? EventLeaf);

/// <summary>A stored checkpoint row: the size it is filed under, its note, and the checkpoint the note states (null when it does not parse).</summary>
public sealed record PublishedCheckpoint(long RowSize, string Note, DataExchange.Ledger.Notes.Checkpoint? Stated)
{
    public static PublishedCheckpoint FromRow(long rowSize, string note)
    {
        try
        {
            return new(rowSize, note, DataExchange.Ledger.Notes.Checkpoint.Parse(DataExchange.Ledger.Notes.SignedNote.Parse(note).Text));
        }
        catch (FormatException)
        {
            return new(rowSize, note, null);
        }
    }
}

/// <summary>Everything the database says about the tree beyond what the signer last signed.</summary>
/// <param name="StoredSize">The number of leaves the database holds.</param>
/// <param name="NewLeaves">Leaves [signed size, <paramref name="StoredSize"/>), in index order.</param>
/// <param name="StoredPeaks">The stored nodes at <see cref="CompactRange.PeakIds"/>(<paramref name="StoredSize"/>); absent ones left out.</param>
/// <param name="Published">Stored checkpoint rows at or above the signed size.</param>
public sealed record StoredTree(long StoredSize, IReadOnlyList<LeafWitness> NewLeaves, IReadOnlyList<MerkleNode> StoredPeaks, IReadOnlyList<PublishedCheckpoint> Published);

public enum ViolationKind
{
    /// <summary>The database holds fewer leaves than the signer signed, or a signed checkpoint beyond them.</summary>
    LogRolledBack,

    /// <summary>A leaf index is missing or repeated among the new leaves.</summary>
    LeafMissing,

    /// <summary>A leaf's event row is gone.</summary>
    EventMissing,

    /// <summary>A stored leaf is not the leaf of its event as stored.</summary>
    LeafAltered,

    /// <summary>A stored leaf hash is not the hash of the stored leaf.</summary>
    LeafHashAltered,

    /// <summary>A stored tree node is not the hash the signer computed.</summary>
    NodeAltered,

    /// <summary>A checkpoint signed with the signer's key has another root than the signer computes for its size.</summary>
    ForkedCheckpoint,

    /// <summary>A stored checkpoint row is not a note the signer signed: unreadable, filed under another size, or another root without the signer's signature.</summary>
    CheckpointForged,

    /// <summary>The sequencer's high-water mark is not the last event the log holds (events would be skipped or logged twice).</summary>
    SequenceMarkAltered,

    /// <summary>The signer's own record is inconsistent.</summary>
    SignerRecordCorrupt,
}

/// <summary>Why the signer refused, with the facts an investigator needs.</summary>
public sealed record IntegrityViolation(ViolationKind Kind, string Message)
{
    /// <summary>The first leaf known to differ from what was signed, when known.</summary>
    public long? LeafIndex { get; init; }

    /// <summary>The first stored node known to differ, when known.</summary>
    public NodeId? Node { get; init; }

    /// <summary>The tree size the conflicting fact is about.</summary>
    public long? TreeSize { get; init; }

    /// <summary>The hash the signer expected (hex), and the one the database holds (hex).</summary>
    public string? Expected { get; init; }

    public string? Found { get; init; }

    /// <summary>A conflicting signed note found in the database, when there is one.</summary>
    public string? ConflictingNote { get; init; }

    /// <summary>Stable UPPER_SNAKE_CASE name of the kind.</summary>
    public string Code => Kind switch
    {
        ViolationKind.LogRolledBack => "LOG_ROLLED_BACK",
        ViolationKind.LeafMissing => "LEAF_MISSING",
        ViolationKind.EventMissing => "EVENT_MISSING",
        ViolationKind.LeafAltered => "LEAF_ALTERED",
        ViolationKind.LeafHashAltered => "LEAF_HASH_ALTERED",
        ViolationKind.NodeAltered => "NODE_ALTERED",
        ViolationKind.ForkedCheckpoint => "FORKED_CHECKPOINT",
        ViolationKind.CheckpointForged => "CHECKPOINT_FORGED",
        ViolationKind.SequenceMarkAltered => "SEQUENCE_MARK_ALTERED",
        _ => "SIGNER_RECORD_CORRUPT",
    };
}

/// <summary>The signer's decision: extend to a new tree (with the leaf hashes it computed), or refuse.</summary>
public abstract record ExtensionDecision
{
    private ExtensionDecision()
    {
    }

    /// <summary>The stored tree is an append-only extension of the signed one; <see cref="Range"/> holds the new tree.</summary>
    public sealed record Extend(CompactRange Range, IReadOnlyList<byte[]> NewLeafHashes) : ExtensionDecision
    {
        public long Size => Range.Size;

        public byte[] Root => Range.Root();
    }

    public sealed record Refuse(IntegrityViolation Violation) : ExtensionDecision;
}

/// <summary>
/// The signer's rule, as pure code: a tree may be signed only if it is an append-only extension of the last signed
/// tree, proven from leaf hashes the signer computes itself (never from stored interior nodes), and the stored tree agrees
/// with it (so the proofs served from storage verify against what is signed). One root per size: a checkpoint already
/// signed with the signer's key for any size must have the root the signer computes for that size.
/// </summary>
public static class LogExtension
{
    /// <param name="signedBySigner">Whether a note carries a valid signature by one of the signer's keys (asked only about conflicting notes).</param>
    public static ExtensionDecision Decide(SignerState signed, StoredTree stored, Func<string, bool> signedBySigner)
    {
        var hasher = TreeHasher.For(signed.Algorithm);
        if (stored.StoredSize < signed.Size)
        {
            return Refuse(ViolationKind.LogRolledBack,
                $"the database holds {stored.StoredSize} leaves but the signer signed a tree of {signed.Size}: the log was rolled back",
                leaf: stored.StoredSize, size: signed.Size);
        }

        foreach (var row in stored.Published.Where(p => p.RowSize >= signed.Size))
        {
            if (Malformed(row, signed.Origin) is { } malformed)
            {
                return new ExtensionDecision.Refuse(malformed);
            }

            if (row.Note != signed.Note && !signedBySigner(row.Note))
            {
                return new ExtensionDecision.Refuse(new IntegrityViolation(ViolationKind.CheckpointForged,
                    $"the stored checkpoint of size {row.RowSize} does not carry a valid signature of the signer")
                {
                    TreeSize = row.RowSize,
                    ConflictingNote = row.Note,
                });
            }

            if (row.RowSize > stored.StoredSize)
            {
                return new ExtensionDecision.Refuse(Violation(
                    signedBySigner(row.Note) ? ViolationKind.LogRolledBack : ViolationKind.CheckpointForged,
                    $"a checkpoint of size {row.RowSize} is stored, but the database holds only {stored.StoredSize} leaves",
                    leaf: stored.StoredSize, size: row.RowSize) with { ConflictingNote = row.Note });
            }
        }

        var published = stored.Published.Where(p => p.RowSize >= signed.Size).ToLookup(p => p.RowSize);
        var range = signed.ToRange();
        foreach (var checkpoint in published[range.Size])
        {
            if (Conflict(checkpoint, range, signedBySigner) is { } conflict)
            {
                return new ExtensionDecision.Refuse(conflict);
            }
        }

        var hashes = new List<byte[]>(stored.NewLeaves.Count);
        foreach (var leaf in stored.NewLeaves)
        {
            if (leaf.LeafIndex != range.Size)
            {
                return Refuse(ViolationKind.LeafMissing,
                    leaf.LeafIndex > range.Size
                        ? $"leaf {range.Size} is missing from the database: the next stored leaf is {leaf.LeafIndex}"
                        : $"leaf {leaf.LeafIndex} is stored twice or out of order (expected {range.Size})",
                    leaf: range.Size);
            }

            if (leaf.EventLeaf is null)
            {
                return Refuse(ViolationKind.EventMissing, $"the event of leaf {leaf.LeafIndex} is gone from the database", leaf: leaf.LeafIndex);
            }

            if (!leaf.StoredLeaf.AsSpan().SequenceEqual(leaf.EventLeaf))
            {
                return new ExtensionDecision.Refuse(Violation(ViolationKind.LeafAltered,
                    $"stored leaf {leaf.LeafIndex} is not the leaf of its event as stored: the leaf or the event was changed",
                    leaf: leaf.LeafIndex) with { Expected = Convert.ToHexStringLower(hasher.HashLeaf(leaf.EventLeaf)), Found = Convert.ToHexStringLower(hasher.HashLeaf(leaf.StoredLeaf)) });
            }

            var hash = hasher.HashLeaf(leaf.EventLeaf);
            if (leaf.StoredLeafHash is { } storedHash && !storedHash.AsSpan().SequenceEqual(hash))
            {
                return new ExtensionDecision.Refuse(Violation(ViolationKind.LeafHashAltered, $"the stored hash of leaf {leaf.LeafIndex} is not the hash of the leaf",
                    leaf: leaf.LeafIndex) with { Expected = Convert.ToHexStringLower(hash), Found = Convert.ToHexStringLower(storedHash) });
            }

            range.Append(hash);
            hashes.Add(hash);
            foreach (var checkpoint in published[range.Size])
            {
                if (Conflict(checkpoint, range, signedBySigner) is { } conflict)
                {
                    return new ExtensionDecision.Refuse(conflict);
                }
            }
        }

        if (range.Size != stored.StoredSize)
        {
            return Refuse(ViolationKind.LeafMissing, $"the database claims {stored.StoredSize} leaves but holds leaves up to {range.Size}", leaf: range.Size);
        }

        if (CompareNodes(range, stored.StoredPeaks) is { } node)
        {
            return new ExtensionDecision.Refuse(node);
        }

        return new ExtensionDecision.Extend(range, hashes);
    }

    /// <summary>The first stored peak that is missing or differs from the computed one, as a violation; null when all agree.</summary>
    public static IntegrityViolation? CompareNodes(CompactRange range, IReadOnlyList<MerkleNode> storedPeaks)
    {
        var computed = range.Peaks;
        var ids = CompactRange.PeakIds(range.Size);
        var byId = storedPeaks.ToDictionary(n => n.Id, n => n.Hash);
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            if (!byId.TryGetValue(id, out var hash) || !hash.AsSpan().SequenceEqual(computed[i]))
            {
                return new IntegrityViolation(ViolationKind.NodeAltered,
                    $"stored tree node {id} (leaves {id.FirstLeaf}–{id.EndLeaf - 1}) {(hash is null ? "is missing" : "differs from the hash of the signed leaves")}")
                {
                    Node = id,
                    TreeSize = range.Size,
                    LeafIndex = id.FirstLeaf,
                    Expected = Convert.ToHexStringLower(computed[i]),
                    Found = hash is null ? null : Convert.ToHexStringLower(hash),
                };
            }
        }

        return null;
    }

    /// <summary>
    /// Checks the signer's own record of leaf hashes against its state (they must fold to the signed root) and every
    /// checkpoint signed with its key at or below the signed size (each must have the root of the record at its size).
    /// </summary>
    public static IntegrityViolation? CheckRecord(SignerState signed, LeafHashRecord record, IReadOnlyList<PublishedCheckpoint> published, Func<string, bool> signedBySigner)
    {
        var hasher = TreeHasher.For(signed.Algorithm);
        if (record.Count < signed.Size)
        {
            return new IntegrityViolation(ViolationKind.SignerRecordCorrupt,
                $"the signer's record holds {record.Count} leaf hashes but its state signed {signed.Size}");
        }

        var mine = published.Where(p => p.RowSize <= signed.Size).ToList();
        if (mine.Select(p => Malformed(p, signed.Origin)).FirstOrDefault(v => v is not null) is { } malformed)
        {
            return malformed;
        }

        // The record must first agree with the signer's own state: a damaged record is not evidence against the database.
        var sizes = mine.ToLookup(p => p.RowSize);
        var range = new CompactRange(hasher);
        IntegrityViolation? firstConflict = null;
        for (long i = 0; ; i++)
        {
            foreach (var checkpoint in sizes[range.Size])
            {
                firstConflict ??= Conflict(checkpoint, range, signedBySigner);
            }

            if (i == signed.Size)
            {
                break;
            }

            range.Append(record[i]);
        }

        return range.Root().AsSpan().SequenceEqual(signed.Root)
            ? firstConflict
            : new IntegrityViolation(ViolationKind.SignerRecordCorrupt, $"the signer's leaf hashes do not fold to the root it signed for size {signed.Size}");
    }

    /// <summary>The first stored leaf whose hash differs from the signer's record, or null (bisection by a linear scan of the given range).</summary>
    public static long? FirstDivergingLeaf(IHasher hasher, LeafHashRecord record, IEnumerable<(long LeafIndex, byte[] StoredLeaf)> stored, long end)
    {
        long expected = -1;
        foreach (var (index, leaf) in stored)
        {
            if (expected >= 0 && index != expected)
            {
                return expected;
            }

            expected = index + 1;
            if (index >= record.Count || !hasher.HashLeaf(leaf).AsSpan().SequenceEqual(record[index]))
            {
                return index;
            }
        }

        return expected >= 0 && expected < end ? expected : null;
    }

    /// <summary>A stored row whose note does not parse, names another origin or another size than the row.</summary>
    private static IntegrityViolation? Malformed(PublishedCheckpoint row, string origin) =>
        row.Stated is null || row.Stated.Origin != origin || row.Stated.Size != row.RowSize
            ? new IntegrityViolation(ViolationKind.CheckpointForged,
                row.Stated is null
                    ? $"the stored checkpoint of size {row.RowSize} is not a readable signed note"
                    : $"the stored checkpoint filed under size {row.RowSize} is a note for {row.Stated.Origin} size {row.Stated.Size}")
            {
                TreeSize = row.RowSize,
                ConflictingNote = row.Note,
            }
            : null;

    /// <summary>A stored note whose root differs from the signer's root at its size: a fork if the signer's key signed it, else a forgery.</summary>
    private static IntegrityViolation? Conflict(PublishedCheckpoint row, CompactRange range, Func<string, bool> signedBySigner)
    {
        if (row.Stated!.RootHash.AsSpan().SequenceEqual(range.Root()))
        {
            return null;
        }

        var forked = signedBySigner(row.Note);
        return new IntegrityViolation(forked ? ViolationKind.ForkedCheckpoint : ViolationKind.CheckpointForged,
            forked
                ? $"a checkpoint of size {row.RowSize} signed with the signer's key has another root than the signer's own record: two histories were signed"
                : $"the stored checkpoint of size {row.RowSize} has a root the signer never signed, and no valid signature of the signer")
        {
            TreeSize = row.RowSize,
            Expected = Convert.ToHexStringLower(range.Root()),
            Found = Convert.ToHexStringLower(row.Stated.RootHash),
            ConflictingNote = row.Note,
        };
    }

    private static IntegrityViolation Violation(ViolationKind kind, string message, long? leaf = null, long? size = null) =>
        new(kind, message) { LeafIndex = leaf, TreeSize = size };

    private static ExtensionDecision.Refuse Refuse(ViolationKind kind, string message, long? leaf = null, long? size = null) =>
        new(Violation(kind, message, leaf, size));
}
