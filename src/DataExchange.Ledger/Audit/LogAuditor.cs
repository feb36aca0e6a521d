using System.Collections.Concurrent;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Receipts;

namespace DataExchange.Ledger.Audit;

/// <summary>
/// One leaf as served for an audit: its index, its bytes, the event's payload now (absent when the event is gone) and
/// the leaf hash stored beside the leaf (empty when the server does not serve it). <see cref="PayloadAsStored"/>: the
/// payload is the stored JSON text, not canonicalised (the auditor canonicalises it); otherwise the server served it
/// canonical, or as stored when it could not canonicalise it.
/// </summary>
public readonly record struct AuditLeaf(long LeafIndex, ReadOnlyMemory<byte> Leaf, ReadOnlyMemory<byte> Payload, bool PayloadPresent = true,
    ReadOnlyMemory<byte> StoredLeafHash = default, bool PayloadAsStored = false);

/// <summary>The first altered leaf: its index and why.</summary>
public sealed record AuditFailure(long LeafIndex, string Reason);

/// <summary>
/// Replays a log leaf by leaf, in index order, from the leaf bytes and the events' payloads: checks that the indexes
/// are gapless, every leaf decodes canonically and commits to its own index, every payload's digest matches the leaf
/// and every stored leaf hash is H(0x00 ‖ leaf); rebuilds every tree node with <see cref="CompactRange"/>, compares
/// each with the stored node when those are fed (<see cref="AddStoredNodes"/>), and remembers the roots of the sizes
/// asked for (to compare with signed checkpoints). A bad leaf does not stop the audit: its hash is what the stored
/// bytes hash to, and every finding is kept (up to <see cref="MaxFindings"/>); only a gap or reordering of leaf
/// indexes stops it. Not thread-safe (AddRange parallelises internally).
/// </summary>
public sealed class LogAuditor
{
    private readonly TreeHasher hasher;
    private readonly CompactRange range;
    private readonly Dictionary<long, byte[]> rootsOfInterest = [];
    private readonly List<AuditFinding> findings = [];
    private readonly Queue<MerkleNode> storedQueue = new();
    private readonly Dictionary<NodeId, byte[]> retainedRecomputed = [];
    private readonly Dictionary<NodeId, byte[]> retainedStored = [];

    // Differing stored nodes whose parent is not compared yet → the differing node they descend from (its "cause"),
    // and per cause how many nodes above it differ only because it does, and where its finding is.
    private readonly Dictionary<NodeId, NodeId> differingBelow = [];
    private readonly Dictionary<NodeId, (int Finding, int Above)> causes = [];
    private bool fatal;
    private readonly StreamHeadMap streamHeads;
    private readonly Dictionary<long, StreamHeadsCommitment> headsOfInterest = [];

    /// <param name="sizesOfInterest">Tree sizes whose roots to remember, e.g. of the signed checkpoints.</param>
    public LogAuditor(LogHashAlgorithm algorithm, params IEnumerable<long> sizesOfInterest)
    {
        Algorithm = algorithm;
        hasher = TreeHasher.For(algorithm);
        range = new CompactRange(hasher);
        streamHeads = new StreamHeadMap(hasher);
        foreach (var size in sizesOfInterest)
        {
            rootsOfInterest[size] = size == 0 ? hasher.EmptyRoot() : [];
        }
    }

    public LogHashAlgorithm Algorithm { get; }

    public IHasher Hasher => hasher;

    public long Size => range.Size;

    /// <summary>Most findings kept; later ones are only counted in <see cref="FindingCount"/>.</summary>
    public int MaxFindings { get; init; } = 100;

    /// <summary>
    /// Nodes of this level and above (recomputed, and stored as fed) are kept for <see cref="DivergenceLocator"/>:
    /// about 2n / 2^level of them. Below it, a locator reloads one window of 2^level leaves.
    /// </summary>
    public int RetainLevel { get; init; } = 8;

    /// <summary>The first altered leaf (the lowest leaf of a leaf finding), or null.</summary>
    public AuditFailure? Failure { get; private set; }

    /// <summary>
    /// Findings in leaf order, at most <see cref="MaxFindings"/>. A stored node that differs only because a node
    /// below it differs is not a finding of its own: the lower node's finding counts it.
    /// </summary>
    public IReadOnlyList<AuditFinding> Findings => causes.Count == 0
        ? findings
        : findings.Select((f, i) => f.Node is { } id && causes.TryGetValue(id, out var cause) && cause.Finding == i && cause.Above > 0
            ? f with { Message = f.Message + $"; the {cause.Above} stored node(s) above it that cover the same leaves differ accordingly" }
            : f).ToList();

    /// <summary>All findings, including those beyond <see cref="MaxFindings"/>.</summary>
    public long FindingCount { get; private set; }

    /// <summary>True once a gap or reordering of leaf indexes stopped the audit.</summary>
    public bool Stopped => fatal;

    /// <summary>The first stored node that differs from (or is missing against) the recomputed one, in append order.</summary>
    public NodeId? FirstDifferingNode { get; private set; }

    /// <summary>Stored nodes compared with recomputed ones.</summary>
    public long NodesCompared { get; private set; }

    /// <summary>True once stored nodes have been fed: every node completed below <see cref="StoredNodesThrough"/> is compared.</summary>
    public bool ComparesNodes { get; private set; }

    /// <summary>Stored nodes have been fed for every node completed by leaves below this index.</summary>
    public long StoredNodesThrough { get; private set; }

    public byte[] Root() => range.Root();

    /// <summary>The root of a size of interest once the audit has reached it, else null.</summary>
    public byte[]? RootAt(long size) => rootsOfInterest.TryGetValue(size, out var root) && root.Length > 0 ? root : null;

    /// <summary>
    /// The stream-heads map (RECEIPTS.md) recomputed at a size of interest once reached, or null (not reached, or a leaf
    /// below it does not decode).
    /// </summary>
    public StreamHeadsCommitment? StreamHeadsAt(long size) => headsOfInterest.GetValueOrDefault(size);

    /// <summary>A recomputed node of level ≥ <see cref="RetainLevel"/> already completed, else null.</summary>
    public byte[]? RetainedRecomputed(NodeId id) => retainedRecomputed.GetValueOrDefault(id);

    /// <summary>A stored node of level ≥ <see cref="RetainLevel"/> as fed, else null (not stored, or not fed).</summary>
    public byte[]? RetainedStored(NodeId id) => retainedStored.GetValueOrDefault(id);

    /// <summary>
    /// Feeds stored nodes, in the order appending leaves completes them (by the completing leaf, then by level), and
    /// states that every stored node completed by leaves below <paramref name="coveredThroughLeaf"/> has now been fed.
    /// Feed them ahead of the leaves that complete them; a node fed later is not compared.
    /// </summary>
    public void AddStoredNodes(IEnumerable<MerkleNode> nodes, long coveredThroughLeaf)
    {
        ComparesNodes = true;
        foreach (var node in nodes)
        {
            storedQueue.Enqueue(node);
        }

        StoredNodesThrough = Math.Max(StoredNodesThrough, coveredThroughLeaf);
    }

    /// <summary>Checks and appends one leaf; false only when the leaf index is out of order (the audit stops there).</summary>
    /// <param name="payload">The event's payload (JSON) as the store holds it now; null when the event is gone.</param>
    public bool Add(long leafIndex, ReadOnlySpan<byte> leaf, ReadOnlySpan<byte> payload, bool payloadPresent = true, ReadOnlySpan<byte> storedLeafHash = default)
    {
        if (fatal)
        {
            return false;
        }

        if (leafIndex != range.Size)
        {
            return Stop(leafIndex);
        }

        var checkedLeaf = Check(leafIndex, leaf, payload, payloadPresent, storedLeafHash, payloadAsStored: false);
        Append(leafIndex, checkedLeaf);
        return true;
    }

    /// <summary>
    /// Checks and appends a batch of consecutive leaves, exactly as <see cref="Add"/> one by one would (same findings,
    /// same roots). The per-leaf work (decoding, payload digest, leaf hash) does not depend on other leaves, so it runs
    /// on up to <paramref name="maxDegreeOfParallelism"/> cores; the Merkle fold and node comparison are sequential.
    /// </summary>
    public bool AddRange(IReadOnlyList<AuditLeaf> leaves, int maxDegreeOfParallelism = -1)
    {
        if (fatal)
        {
            return false;
        }

        var results = new CheckedLeaf[leaves.Count];
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
                        results[i] = Check(leaf.LeafIndex, leaf.Leaf.Span, leaf.Payload.Span, leaf.PayloadPresent, leaf.StoredLeafHash.Span, leaf.PayloadAsStored);
                    }
                });
        }
        else
        {
            for (var i = 0; i < leaves.Count; i++)
            {
                var leaf = leaves[i];
                results[i] = Check(leaf.LeafIndex, leaf.Leaf.Span, leaf.Payload.Span, leaf.PayloadPresent, leaf.StoredLeafHash.Span, leaf.PayloadAsStored);
            }
        }

        for (var i = 0; i < leaves.Count; i++)
        {
            if (leaves[i].LeafIndex != range.Size)
            {
                return Stop(leaves[i].LeafIndex);
            }

            Append(leaves[i].LeafIndex, results[i]);
        }

        return true;
    }

    private bool Stop(long leafIndex)
    {
        var message = leafIndex > range.Size
            ? $"leaf {range.Size} is missing: the next leaf served is {leafIndex}; the audit stops there"
            : $"leaf {leafIndex} was served again or out of order (expected {range.Size}); the audit stops there";
        Report(new AuditFinding(AuditFindingKinds.LeafOrder, message) { LeafIndex = range.Size });
        fatal = true;
        return false;
    }

    private void Append(long leafIndex, CheckedLeaf leaf)
    {
        if (leaf.Problems is { } problems)
        {
            foreach (var problem in problems)
            {
                Report(problem);
            }
        }

        CompareNode(new NodeId(0, leafIndex), leaf.LeafHash);
        foreach (var node in range.Append(leaf.LeafHash))
        {
            CompareNode(node.Id, node.Hash);
        }

        // The stream-heads map follows the decodable leaves; one that does not decode leaves it unknown from there on.
        if (leaf.Entry is { } entry && entry.LeafIndex == streamHeads.LogSize && streamHeads.LogSize == leafIndex)
        {
            streamHeads.Apply(entry);
        }

        if (rootsOfInterest.ContainsKey(range.Size))
        {
            rootsOfInterest[range.Size] = range.Root();
            if (streamHeads.LogSize == range.Size)
            {
                headsOfInterest[range.Size] = streamHeads.Commitment();
            }
        }
    }

    private static bool Before(NodeId a, NodeId b) => a.EndLeaf < b.EndLeaf || (a.EndLeaf == b.EndLeaf && a.Level < b.Level);

    private void CompareNode(NodeId id, byte[] recomputed)
    {
        if (id.Level >= RetainLevel)
        {
            retainedRecomputed[id] = recomputed;
        }

        if (!ComparesNodes || id.EndLeaf > StoredNodesThrough)
        {
            return;
        }

        // Stored nodes come in the same order as the recomputed ones; anything before this one is not a node of the
        // tree (it cannot be, given how the server selects them) and is skipped.
        while (storedQueue.Count > 0 && Before(storedQueue.Peek().Id, id))
        {
            storedQueue.Dequeue();
        }

        if (storedQueue.Count > 0 && storedQueue.Peek().Id == id)
        {
            var stored = storedQueue.Dequeue().Hash;
            if (id.Level >= RetainLevel)
            {
                retainedStored[id] = stored;
            }

            NodesCompared++;
            if (!stored.AsSpan().SequenceEqual(recomputed))
            {
                Differs(id, () => new AuditFinding(AuditFindingKinds.NodeDiffers, id.Level == 0
                    ? $"stored node {Describe(id)} is {Hex(stored)} but the leaf hashes to {Hex(recomputed)}: the node or the leaf row was changed (inclusion proofs of this leaf fail)"
                    : $"stored node {Describe(id)} is {Hex(stored)} but the leaves hash to {Hex(recomputed)}: the node was changed (proofs through it fail)")
                { Node = id });
            }
            else
            {
                Forget(id);
            }
        }
        else
        {
            Differs(id, () => new AuditFinding(AuditFindingKinds.NodeMissing, $"stored node {Describe(id)} is missing: proofs through it cannot be served") { Node = id });
        }
    }

    /// <summary>A differing node: its own finding, unless a child differs (then it only counts for that child's cause).</summary>
    private void Differs(NodeId id, Func<AuditFinding> finding)
    {
        FirstDifferingNode ??= id;
        NodeId? cause = null;
        if (id.Level > 0)
        {
            foreach (var child in new[] { new NodeId(id.Level - 1, 2 * id.Index), new NodeId(id.Level - 1, (2 * id.Index) + 1) })
            {
                if (differingBelow.Remove(child, out var c))
                {
                    cause ??= c;
                }
            }
        }

        if (cause is { } known)
        {
            var entry = causes[known];
            causes[known] = entry with { Above = entry.Above + 1 };
            differingBelow[id] = known;
            return;
        }

        causes[id] = (Report(finding()) ? findings.Count - 1 : -1, 0);
        differingBelow[id] = id;
    }

    private void Forget(NodeId id)
    {
        if (id.Level > 0 && differingBelow.Count > 0)
        {
            differingBelow.Remove(new NodeId(id.Level - 1, 2 * id.Index));
            differingBelow.Remove(new NodeId(id.Level - 1, (2 * id.Index) + 1));
        }
    }

    /// <summary>"(level 3, index 5), leaves [40, 48)".</summary>
    public static string Describe(NodeId id) => id.Level == 0
        ? $"(level 0, index {id.Index}), the hash of leaf {id.Index}"
        : $"(level {id.Level}, index {id.Index}), covering leaves [{id.FirstLeaf}, {id.EndLeaf})";

    private static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    /// <summary>Counts a finding and keeps it while the list has room; true when kept.</summary>
    private bool Report(AuditFinding finding)
    {
        FindingCount++;
        if (finding.LeafIndex is { } leaf && Failure is null && (AuditFindingKinds.IsLeafKind(finding.Kind) || finding.Kind == AuditFindingKinds.LeafOrder))
        {
            Failure = new AuditFailure(leaf, finding.Message);
        }

        if (findings.Count < MaxFindings)
        {
            findings.Add(finding);
            return true;
        }

        return false;
    }

    private readonly record struct CheckedLeaf(byte[] LeafHash, List<AuditFinding>? Problems, LedgerEntry? Entry = null);

    /// <summary>Everything about one leaf that does not depend on the others; thread-safe.</summary>
    private CheckedLeaf Check(long leafIndex, ReadOnlySpan<byte> leaf, ReadOnlySpan<byte> payload, bool payloadPresent, ReadOnlySpan<byte> storedLeafHash,
        bool payloadAsStored)
    {
        List<AuditFinding>? problems = null;
        void Problem(string kind, string message) => (problems ??= []).Add(new AuditFinding(kind, message) { LeafIndex = leafIndex });

        var leafHash = hasher.HashLeaf(leaf);
        if (!storedLeafHash.IsEmpty && !storedLeafHash.SequenceEqual(leafHash))
        {
            Problem(AuditFindingKinds.LeafHashMismatch,
                $"leaf {leafIndex}: the stored leaf_hash is {Hex(storedLeafHash)} but the stored leaf bytes hash to {Hex(leafHash)}: the leaf row was edited");
        }

        LedgerEntry entry;
        try
        {
            entry = LedgerEntry.Parse(leaf);
        }
        catch (FormatException e)
        {
            Problem(AuditFindingKinds.LeafMalformed, $"leaf {leafIndex} is malformed: its stored bytes do not decode as a canonical leaf ({e.Message}); the leaf row was edited");
            return new CheckedLeaf(leafHash, problems);
        }

        if (entry.LeafIndex != leafIndex)
        {
            Problem(AuditFindingKinds.LeafIndexMismatch, $"leaf {leafIndex} records leaf_index {entry.LeafIndex}");
        }

        if (!payloadPresent || payload.IsEmpty)
        {
            Problem(AuditFindingKinds.EventDeleted,
                $"the payload of event {entry.EventId} ({entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}) is missing: the event was deleted");
            return new CheckedLeaf(leafHash, problems, entry);
        }

        // Fast path for a payload served canonical: it hashes to the committed digest, so (SHA-256/SM3 being collision
        // resistant) it is the committed canonical payload byte for byte; canonicalising it again would prove nothing
        // more. Otherwise (served as stored, or a server that serves an equivalent non-canonical form) canonicalise it
        // here and compare.
        if (payloadAsStored || !DigestMatches(entry.PayloadDigest, payload))
        {
            string digest;
            try
            {
                digest = DigestOfCanonical(payload);
            }
            catch (Exception e) when (e is JsonCanonicalizationException or System.Text.Json.JsonException)
            {
                Problem(AuditFindingKinds.PayloadNotJson, $"the payload of event {entry.EventId} is not canonicalizable JSON: {e.Message}");
                return new CheckedLeaf(leafHash, problems, entry);
            }

            if (digest != entry.PayloadDigest)
            {
                Problem(AuditFindingKinds.PayloadChanged,
                    $"the payload of event {entry.EventId} ({entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}) has digest {digest}, the leaf commits to {entry.PayloadDigest}: the payload was changed");
            }

            // The leaf commits to sealed texts' commitments only; the stored text must still open its commitment. A
            // sealed value has a "Salt" member; a payload without that name (and without escapes that could spell it)
            // has none, and is not parsed a second time.
            if (payloadAsStored && payload.IndexOf("\"Salt\""u8) < 0 && payload.IndexOf("\\u"u8) < 0)
            {
                return new CheckedLeaf(leafHash, problems, entry);
            }

            foreach (var sealedValue in LedgerPayload.SealedValues(System.Text.Json.Nodes.JsonNode.Parse(payload)))
            {
                if (sealedValue is { Commitment: { } c, Salt: { } salt, Text: { } text } && !LedgerPayload.Opens(c, salt, text))
                {
                    Problem(AuditFindingKinds.SealedTextChanged,
                        $"the sealed text at {sealedValue.Path} of event {entry.EventId} ({entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}) does not open its commitment: the text was changed");
                }
            }
        }

        return new CheckedLeaf(leafHash, problems, entry);
    }

    [ThreadStatic]
    private static CanonicalBuffer? canonicalScratch;

    /// <summary>
    /// The digest of the payload's canonical ledger form (<see cref="LedgerPayload.Canonical"/>). A payload without
    /// sealed values is canonicalised into a per-thread buffer and hashed there: no array per leaf (every leaf of an
    /// audit served as stored comes through here).
    /// </summary>
    private string DigestOfCanonical(ReadOnlySpan<byte> payload)
    {
        if (payload.IndexOf("\"Salt\""u8) >= 0)
        {
            return LedgerEntry.DigestPayload(Algorithm, LedgerPayload.Canonical(payload));
        }

        var scratch = canonicalScratch ??= new CanonicalBuffer(4096);
        scratch.Clear();
        JsonCanonicalizer.CanonicalizeTo(payload, scratch);
        return LedgerEntry.DigestPayload(Algorithm, scratch.WrittenSpan);
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
}
