using System.Collections.Concurrent;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Audit;

/// <summary>One leaf as served for an audit: its index, its bytes, and the event's payload now (absent when the event is gone).</summary>
public readonly record struct AuditLeaf(long LeafIndex, ReadOnlyMemory<byte> Leaf, ReadOnlyMemory<byte> Payload, bool PayloadPresent = true);

/// <summary>Why the first bad leaf failed.</summary>
public sealed record AuditFailure(long LeafIndex, string Reason);

/// <summary>
/// Replays a log leaf by leaf, in index order, from the leaf bytes and the events' payloads: checks that the indexes
/// are gapless, every leaf decodes canonically and commits to its own index, and every payload's digest matches the
/// leaf; rebuilds the root with <see cref="CompactRange"/> and remembers the roots of the sizes asked for (to compare
/// with signed checkpoints). Stops at the first failure. Not thread-safe (AddRange parallelises internally).
/// </summary>
public sealed class LogAuditor
{
    private readonly TreeHasher hasher;
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
            return Fail(range.Size, OrderProblem(leafIndex));
        }

        var (leafHash, problem) = Check(leafIndex, leaf, payload, payloadPresent);
        return problem is not null ? Fail(leafIndex, problem) : Append(leafHash!);
    }

    /// <summary>
    /// Checks and appends a batch of consecutive leaves, exactly as <see cref="Add"/> one by one would (same first
    /// failure, same roots). The per-leaf work (decoding, payload digest, leaf hash) does not depend on other leaves, so
    /// it runs on up to <paramref name="maxDegreeOfParallelism"/> cores; only the Merkle fold is sequential.
    /// </summary>
    public bool AddRange(IReadOnlyList<AuditLeaf> leaves, int maxDegreeOfParallelism = -1)
    {
        if (Failure is not null)
        {
            return false;
        }

        var results = new (byte[]? LeafHash, string? Problem)[leaves.Count];
        var cores = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
        if (cores > 1 && leaves.Count >= 256)
        {
            // Contiguous ranges rather than one task item per leaf: a leaf is a few microseconds of work.
            Parallel.ForEach(Partitioner.Create(0, leaves.Count, Math.Max(64, leaves.Count / (cores * 4))),
                new ParallelOptions { MaxDegreeOfParallelism = cores },
                span =>
                {
                    for (var i = span.Item1; i < span.Item2; i++)
                    {
                        var leaf = leaves[i];
                        results[i] = Check(leaf.LeafIndex, leaf.Leaf.Span, leaf.Payload.Span, leaf.PayloadPresent);
                    }
                });
        }
        else
        {
            for (var i = 0; i < leaves.Count; i++)
            {
                var leaf = leaves[i];
                results[i] = Check(leaf.LeafIndex, leaf.Leaf.Span, leaf.Payload.Span, leaf.PayloadPresent);
            }
        }

        for (var i = 0; i < leaves.Count; i++)
        {
            if (leaves[i].LeafIndex != range.Size)
            {
                return Fail(range.Size, OrderProblem(leaves[i].LeafIndex));
            }

            if (results[i].Problem is { } problem)
            {
                return Fail(leaves[i].LeafIndex, problem);
            }

            Append(results[i].LeafHash!);
        }

        return true;
    }

    private string OrderProblem(long leafIndex) => leafIndex > range.Size
        ? $"leaf {range.Size} is missing: the next leaf served is {leafIndex}"
        : $"leaf {leafIndex} was served again or out of order (expected {range.Size})";

    private bool Append(byte[] leafHash)
    {
        range.Append(leafHash);
        if (rootsOfInterest.ContainsKey(range.Size))
        {
            rootsOfInterest[range.Size] = range.Root();
        }

        return true;
    }

    /// <summary>Everything about one leaf that does not depend on the others; thread-safe. The leaf hash, or why it fails.</summary>
    private (byte[]? LeafHash, string? Problem) Check(long leafIndex, ReadOnlySpan<byte> leaf, ReadOnlySpan<byte> payload, bool payloadPresent)
    {
        LedgerEntry entry;
        try
        {
            entry = LedgerEntry.Parse(leaf);
        }
        catch (FormatException e)
        {
            return (null, $"leaf does not decode: {e.Message}");
        }

        if (entry.LeafIndex != leafIndex)
        {
            return (null, $"leaf records leaf_index {entry.LeafIndex}");
        }

        if (!payloadPresent || payload.IsEmpty)
        {
            return (null, $"the payload of event {entry.EventId} ({entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}) is missing: the event was deleted");
        }

        // Fast path: the payload as served hashes to the committed digest, so (SHA-256/SM3 being collision resistant)
        // it is the committed canonical payload byte for byte; canonicalising it again would prove nothing more.
        // Otherwise canonicalise (a server may serve an equivalent non-canonical form) and compare again.
        if (!DigestMatches(entry.PayloadDigest, payload))
        {
            string digest;
            try
            {
                digest = LedgerEntry.DigestPayload(Algorithm, JsonCanonicalizer.Canonicalize(payload));
            }
            catch (Exception e) when (e is JsonCanonicalizationException or System.Text.Json.JsonException)
            {
                return (null, $"the payload of event {entry.EventId} is not canonicalizable JSON: {e.Message}");
            }

            if (digest != entry.PayloadDigest)
            {
                return (null, $"the payload of event {entry.EventId} ({entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}) has digest {digest}, the leaf commits to {entry.PayloadDigest}: the payload was changed");
            }
        }

        return (hasher.HashLeaf(leaf), null);
    }

    private bool DigestMatches(string committed, ReadOnlySpan<byte> payload)
    {
        var prefix = Algorithm == LogHashAlgorithm.Sm3 ? "sm3:" : "sha256:";
        if (!committed.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[32];
        Span<char> hex = stackalloc char[64];
        hasher.Digest(payload, digest);
        return Convert.TryToHexStringLower(digest, hex, out var written) && committed.AsSpan(prefix.Length).SequenceEqual(hex[..written]);
    }

    private bool Fail(long leafIndex, string reason)
    {
        Failure = new AuditFailure(leafIndex, reason);
        return false;
    }
}
