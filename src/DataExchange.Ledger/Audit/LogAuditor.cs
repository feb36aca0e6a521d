using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Audit;

/// <summary>Why the first bad leaf failed.</summary>
public sealed record AuditFailure(long LeafIndex, string Reason);

/// <summary>
/// Replays a log leaf by leaf, in index order, from the leaf bytes and the events' payloads: checks that the indexes
/// are gapless, every leaf decodes canonically and commits to its own index, and every payload's digest matches the
/// leaf; rebuilds the root with <see cref="CompactRange"/> and remembers the roots of the sizes asked for (to compare
/// with signed checkpoints). Stops at the first failure. Not thread-safe.
/// </summary>
public sealed class LogAuditor
{
    private readonly IHasher hasher;
    private readonly CompactRange range;
    private readonly Dictionary<long, byte[]> rootsOfInterest = [];

    /// <param name="sizesOfInterest">Tree sizes whose roots to remember, e.g. of a checkpoint the auditor kept.</param>
    public LogAuditor(LogHashAlgorithm algorithm, params IEnumerable<long> sizesOfInterest)
    {
        Algorithm = algorithm;
        hasher = TreeHasher.For(algorithm);
        range = new CompactRange(hasher);
        foreach (var size in sizesOfInterest)
        {
            rootsOfInterest[size] = size == 0 ? hasher.EmptyRoot() : [];
        }
    }

    public LogHashAlgorithm Algorithm { get; }

    public long Size => range.Size;

    public AuditFailure? Failure { get; private set; }

    public byte[] Root() => range.Root();

    /// <summary>The root of a size of interest once the audit has reached it, else null.</summary>
    public byte[]? RootAt(long size) => rootsOfInterest.TryGetValue(size, out var root) && root.Length > 0 ? root : null;

    /// <summary>Checks and appends one leaf; false (and <see cref="Failure"/> set) at the first problem.</summary>
    /// <param name="payload">The event's payload (JSON) as the store holds it now; null when the event is gone.</param>
    public bool Add(long leafIndex, ReadOnlySpan<byte> leaf, ReadOnlySpan<byte> payload, bool payloadPresent = true)
    {
        if (Failure is not null)
        {
            return false;
        }

        if (leafIndex != range.Size)
        {
            return Fail(range.Size, leafIndex > range.Size
                ? $"leaf {range.Size} is missing: the next leaf served is {leafIndex}"
                : $"leaf {leafIndex} was served again or out of order (expected {range.Size})");
        }

        LedgerEntry entry;
        try
        {
            entry = LedgerEntry.Parse(leaf);
        }
        catch (FormatException e)
        {
            return Fail(leafIndex, $"leaf does not decode: {e.Message}");
        }

        if (entry.LeafIndex != leafIndex)
        {
            return Fail(leafIndex, $"leaf records leaf_index {entry.LeafIndex}");
        }

        if (!payloadPresent || payload.IsEmpty)
        {
            return Fail(leafIndex, $"the payload of event {entry.EventId} ({entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}) is missing: the event was deleted");
        }

        string digest;
        try
        {
            digest = LedgerEntry.DigestPayload(Algorithm, JsonCanonicalizer.Canonicalize(payload));
        }
        catch (Exception e) when (e is JsonCanonicalizationException or System.Text.Json.JsonException)
        {
            return Fail(leafIndex, $"the payload of event {entry.EventId} is not canonicalizable JSON: {e.Message}");
        }

        if (digest != entry.PayloadDigest)
        {
            return Fail(leafIndex, $"the payload of event {entry.EventId} ({entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}) has digest {digest}, the leaf commits to {entry.PayloadDigest}: the payload was changed");
        }

        range.Append(hasher.HashLeaf(leaf));
        if (rootsOfInterest.ContainsKey(range.Size))
        {
            rootsOfInterest[range.Size] = range.Root();
        }

        return true;
    }

    private bool Fail(long leafIndex, string reason)
    {
        Failure = new AuditFailure(leafIndex, reason);
        return false;
    }
}
