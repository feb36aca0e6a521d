using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Audit;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Receipts;
using Grpc.Core;
using LedgerCheckpoint = DataExchange.Ledger.Notes.Checkpoint;

namespace DataExchange.Cli.Commands;

/// <summary>Outcome of <see cref="LedgerAudit.VerifyAsync"/>.</summary>
/// <param name="Ok">No finding.</param>
/// <param name="TreeSize">The size audited: the served latest checkpoint's.</param>
/// <param name="LeavesChecked">Leaves recomputed.</param>
/// <param name="FailingLeafIndex">The lowest leaf any finding names exactly.</param>
/// <param name="Failure">The first finding, and how many more.</param>
/// <param name="LeavesPerSecond">Streaming and checking rate.</param>
/// <param name="Lines">The report for people.</param>
internal sealed record AuditReport(bool Ok, long TreeSize, long LeavesChecked, long? FailingLeafIndex, string? Failure, double LeavesPerSecond, IReadOnlyList<string> Lines)
{
    /// <summary>Every finding (the list holds the first <see cref="LedgerAudit.MaxFindings"/>).</summary>
    public long FindingsTotal { get; init; }

    public IReadOnlyList<AuditReportFinding> Findings { get; init; } = [];

    /// <summary>Signed checkpoints checked: the served latest, every stored one, the trusted one.</summary>
    public int CheckpointsChecked { get; init; }

    /// <summary>Stored tree nodes compared with the recomputed ones.</summary>
    public long NodesCompared { get; init; }

    /// <summary>The lowest leaf whose own row or payload was found altered.</summary>
    public long? FirstAlteredLeaf { get; init; }

    /// <summary>The first stored node (in append order) that differs from the recomputed one or is missing.</summary>
    public AuditNodeRef? FirstDifferingNode { get; init; }

    /// <summary>On a root mismatch against a signed checkpoint: where the leaves first diverge from what was signed.</summary>
    public AuditDivergence? FirstDivergence { get; init; }

    /// <summary>Committed events below the sequencer's high-water mark that no leaf records.</summary>
    public long UnloggedEvents { get; init; }
}

internal sealed record AuditReportFinding(string Kind, string Message, long? LeafIndex, AuditNodeRef? Node, long? TreeSize);

internal sealed record AuditNodeRef(int Level, long Index, long FirstLeaf, long EndLeaf)
{
    public static AuditNodeRef? Of(NodeId? id) => id is { } n ? new AuditNodeRef(n.Level, n.Index, n.FirstLeaf, n.EndLeaf) : null;
}

/// <summary>Leaves [Begin, End) hold the first divergence; Leaf when that is one leaf.</summary>
internal sealed record AuditDivergence(long Begin, long End, long? Leaf, long CheckpointSize, string Explanation);

/// <summary>
/// dx audit verify, separate from the command so tests can run it in-process. Checks everything the exchange serves:
/// the latest checkpoint and every stored one (signatures with the trusted keys, one origin, one root per size, each a
/// prefix of the latest), every leaf (decodes canonically, commits to its index, stored leaf hash, payload digest),
/// every stored tree node against the one recomputed from the leaves, bisects a root mismatch to the first diverging
/// leaf, and lists committed events that are missing from the log. Every finding is reported, not only the first.
/// </summary>
internal static class LedgerAudit
{
    public static readonly JsonSerializerOptions ReportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Most findings listed in a report (all are counted).</summary>
    public const int MaxFindings = 100;

    private sealed record SignedRoot(string Source, long Size, byte[] Root);

    /// <param name="servedLatest">Told the latest checkpoint the audit checks against (dx's memory compares it with the one it remembers).</param>
    public static async Task<AuditReport> VerifyAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call,
        IReadOnlyList<INoteVerifier>? trustedKeys, string? trustedCheckpointNote, Action<long, long>? progress, CancellationToken ct,
        Action<SignedCheckpoint>? servedLatest = null)
    {
        var lines = new List<string>();
        try
        {
            return await VerifyAsync(client, call, trustedKeys, trustedCheckpointNote, progress, lines, servedLatest, ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && ReasonOf(e) == "LEDGER_INTEGRITY_FAILURE")
        {
            // The server found its own ledger inconsistent and stopped serving it: that is the audit's result.
            var message = $"the server stopped serving its ledger (LEDGER_INTEGRITY_FAILURE): {e.Status.Detail}";
            lines.Add($"FAILED: {message}");
            return new AuditReport(false, 0, 0, null, message, 0, lines)
            {
                FindingsTotal = 1,
                Findings = [new AuditReportFinding(AuditFindingKinds.ServerRefused, message, null, null, null)],
            };
        }
    }

    private static async Task<AuditReport> VerifyAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call,
        IReadOnlyList<INoteVerifier>? trustedKeys, string? trustedCheckpointNote, Action<long, long>? progress, List<string> lines,
        Action<SignedCheckpoint>? servedLatest, CancellationToken ct)
    {
        var before = new List<AuditFinding>(); // checkpoints: reported ahead of the leaves
        var after = new List<AuditFinding>();  // roots, bisection, consistency, events: after the leaves

        var keys = trustedKeys;
        var everyKey = trustedKeys;
        if (keys is null)
        {
            var published = await client.ListSigningKeysAsync(new ListSigningKeysRequest(), call());
            keys = published.Keys.Where(k => k.ValidUntilTreeSize == 0).Select(k => NoteKeys.ParseVerifierKey(k.VerifierKey)).ToList();
            everyKey = published.Keys.Select(k => NoteKeys.ParseVerifierKey(k.VerifierKey)).ToList();
            lines.Add("warning: checking against the keys the server publishes; pass --keys with keys you obtained independently");
        }

        // Stored checkpoints first: each was signed for a size the log had reached before the fresh latest below.
        var stored = await ListCheckpointsAsync(client, call, ct);
        if (stored is null)
        {
            lines.Add("note: the server does not list its stored checkpoints; only the latest is checked");
        }

        SignedCheckpoint served;
        var fresh = true;
        try
        {
            served = await client.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true }, call());
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && ReasonOf(e) != "NO_CHECKPOINT_YET")
        {
            before.Add(new AuditFinding(AuditFindingKinds.ServerRefused,
                $"the server refuses to sign a checkpoint of its whole log ({ReasonOf(e) ?? "FAILED_PRECONDITION"}: {e.Status.Detail}); auditing up to its latest stored checkpoint"));
            served = await client.GetCheckpointAsync(new GetCheckpointRequest(), call());
            fresh = false;
        }

        servedLatest?.Invoke(served);
        var algorithm = served.HashAlgorithm == HashAlgorithm.Sm3 ? LogHashAlgorithm.Sm3 : LogHashAlgorithm.Sha256;
        var hasher = TreeHasher.For(algorithm);
        var (current, why) = CheckNote(served.Note, keys, requireAll: true);
        var origin = current?.Origin ?? served.Origin;
        var signed = new List<SignedRoot>();
        if (current is null)
        {
            before.Add(new AuditFinding(AuditFindingKinds.CheckpointInvalid, $"the latest checkpoint (size {served.TreeSize}) does not verify: {why}") { TreeSize = served.TreeSize });
        }
        else
        {
            lines.Add($"checkpoint: {current.Origin} size {current.Size}, signed by {string.Join(", ", keys.Select(k => k.KeyName).Distinct())}");
            signed.Add(new SignedRoot($"the latest checkpoint (size {current.Size})", current.Size, current.RootHash));
            if (current.Size != served.TreeSize || !current.RootHash.AsSpan().SequenceEqual(served.RootHash.Span))
            {
                before.Add(new AuditFinding(AuditFindingKinds.CheckpointRowAltered,
                    $"the latest checkpoint is served as size {served.TreeSize} root {Hex(served.RootHash.Span)}, but its signed note is of size {current.Size} root {Hex(current.RootHash)}: the stored checkpoint row was altered (an older note put in its place?)")
                { TreeSize = served.TreeSize });
            }
        }

        // The size audited: what the log holds now (a fresh checkpoint is of everything integrated).
        var size = fresh ? served.TreeSize : Math.Max(served.TreeSize, current?.Size ?? 0);
        if (await LogSizeBelowAsync(client, call, size, ct) is { } shorter)
        {
            // A checkpoint beyond the log (a rollback): audit what is there; the signed sizes beyond it are a finding below.
            lines.Add($"note: the server holds only {shorter} leaves, fewer than the checkpoint of size {size}");
            size = shorter;
        }

        LedgerCheckpoint? kept = null;
        if (trustedCheckpointNote is not null)
        {
            (kept, why) = CheckNote(trustedCheckpointNote, everyKey!, requireAll: false);
            if (kept is null)
            {
                before.Add(new AuditFinding(AuditFindingKinds.CheckpointInvalid, $"the trusted checkpoint does not verify: {why}"));
            }
            else if (kept.Origin != origin)
            {
                before.Add(new AuditFinding(AuditFindingKinds.CheckpointOrigin,
                    $"the trusted checkpoint is of {kept.Origin}, not of {origin}") { TreeSize = kept.Size });
                kept = null;
            }
            else
            {
                signed.Add(new SignedRoot($"the trusted checkpoint (size {kept.Size})", kept.Size, kept.RootHash));
            }
        }

        // Signatures of the stored checkpoints are checked on the side while the leaves stream (SM2 is slow).
        var storedRows = stored ?? [];
        var storedNotes = storedRows.Select(c => TryParseCheckpoint(c.Note)).ToList();
        var verification = Task.Run(() => VerifyAll(storedRows, everyKey!), ct);

        var sizesOfInterest = signed.Select(s => s.Size).Concat(storedNotes.Where(n => n is not null).Select(n => n!.Size)).Where(s => s > 0 && s <= size).ToHashSet();
        var auditor = new LogAuditor(algorithm, sizesOfInterest) { MaxFindings = MaxFindings };
        var watch = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        var nodesServed = true;
        await using (var nodes = new NodeFeed(client, call, size, ct))
        {
            await foreach (var batch in ReadLeavesAsync(client, call, 0, size, ct))
            {
                if (nodesServed && batch.Count > 0)
                {
                    nodesServed = await nodes.FeedThroughAsync(auditor, batch[^1].LeafIndex + 1);
                }

                if (!auditor.AddRange(batch))
                {
                    break;
                }

                // A progress bar redraws on its own; updating it ten times a second is plenty.
                if (progress is not null && watch.Elapsed - lastProgress >= TimeSpan.FromMilliseconds(100))
                {
                    lastProgress = watch.Elapsed;
                    progress(auditor.Size, size);
                }
            }
        }

        watch.Stop();
        progress?.Invoke(auditor.Size, size);
        var rate = auditor.Size / Math.Max(watch.Elapsed.TotalSeconds, 1e-6);
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{auditor.Size} leaves checked in {watch.Elapsed.TotalSeconds:F2} s ({rate:F0} leaves/s)"));
        lines.Add(nodesServed
            ? $"{auditor.NodesCompared} stored tree nodes compared with the nodes recomputed from the leaves"
            : "note: the server does not serve its tree nodes; stored nodes were not compared");
        if (!auditor.Stopped && auditor.Size != size)
        {
            after.Add(new AuditFinding(AuditFindingKinds.LogIncomplete, $"the log served {auditor.Size} leaves but the checkpoint has {size}") { LeafIndex = auditor.Size, TreeSize = size });
        }

        // Every stored checkpoint: signed by the trusted keys, of this log, its row matching its note.
        var verified = await verification;
        var withHeads = new List<(string Source, LedgerCheckpoint Checkpoint)>();
        if (current is not null)
        {
            withHeads.Add(("the served checkpoint", current));
        }

        if (kept is not null)
        {
            withHeads.Add(("the trusted checkpoint", kept));
        }
        for (var i = 0; i < storedRows.Count; i++)
        {
            var row = storedRows[i];
            var (note, noteWhy) = verified[i];
            if (note is null)
            {
                before.Add(new AuditFinding(AuditFindingKinds.CheckpointInvalid,
                    $"the stored checkpoint of size {row.TreeSize} does not verify with the trusted keys ({noteWhy}): the row was forged or altered") { TreeSize = row.TreeSize });
                continue;
            }

            if (note.Origin != origin)
            {
                before.Add(new AuditFinding(AuditFindingKinds.CheckpointOrigin, $"the stored checkpoint of size {note.Size} is of {note.Origin}, not of {origin}") { TreeSize = note.Size });
                continue;
            }

            if (note.Size != row.TreeSize || !note.RootHash.AsSpan().SequenceEqual(row.RootHash.Span))
            {
                before.Add(new AuditFinding(AuditFindingKinds.CheckpointRowAltered,
                    $"the stored checkpoint row of size {row.TreeSize} root {Hex(row.RootHash.Span)} holds the signed note of size {note.Size} root {Hex(note.RootHash)}: the row was altered")
                { TreeSize = row.TreeSize });
            }

            withHeads.Add(($"the stored checkpoint of size {note.Size}", note));
            var created = row.CreateTime?.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            signed.Add(new SignedRoot($"the stored checkpoint of size {note.Size}{(created is null ? "" : $" (created {created})")}", note.Size, note.RootHash));
        }

        // One root per size: two signed roots for one size is a split view.
        foreach (var group in signed.GroupBy(s => s.Size).Where(g => g.DistinctBy(s => Hex(s.Root)).Count() > 1))
        {
            var roots = group.DistinctBy(s => Hex(s.Root)).ToList();
            before.Add(new AuditFinding(AuditFindingKinds.SplitView,
                $"split view: {roots.Count} different roots are signed for tree size {group.Key}: "
                + string.Join("; ", roots.Select(r => $"{r.Source} {Hex(r.Root)}")) + ". The exchange's keys signed two histories")
            { TreeSize = group.Key });
        }

        // Nothing signed may be larger than the log served.
        if (signed.Where(s => s.Size > size).MaxBy(s => s.Size) is { } largest)
        {
            before.Add(new AuditFinding(AuditFindingKinds.RolledBack,
                $"{largest.Source} is larger than the log the server serves ({size} leaves, latest checkpoint size {served.TreeSize}): "
                + $"the log was rolled back or its latest checkpoint withheld; {signed.Where(s => s.Size > size).Select(s => s.Size).Distinct().Count()} signed size(s) beyond the log")
            { TreeSize = largest.Size });
        }

        // Every signed checkpoint must be a prefix of the log: its root is the root recomputed at its size. The
        // smallest mismatch, the latest and the trusted one are named; further stored ones are summed up in one finding.
        var mismatched = new List<SignedRoot>();
        var matched = new List<long>();
        var others = new List<long>();
        foreach (var checkpoint in signed.Where(s => s.Size <= auditor.Size).DistinctBy(s => (s.Size, Hex(s.Root))).OrderBy(s => s.Size))
        {
            var recomputed = auditor.RootAt(checkpoint.Size);
            if (recomputed is null)
            {
                continue;
            }

            if (recomputed.AsSpan().SequenceEqual(checkpoint.Root))
            {
                matched.Add(checkpoint.Size);
                continue;
            }

            mismatched.Add(checkpoint);
            var sources = signed.Where(s => s.Size == checkpoint.Size && s.Root.AsSpan().SequenceEqual(checkpoint.Root)).Select(s => s.Source).Distinct().ToList();
            var isKept = kept is not null && checkpoint.Size == kept.Size && checkpoint.Root.AsSpan().SequenceEqual(kept.RootHash);
            var isLatest = current is not null && checkpoint.Size == current.Size && checkpoint.Root.AsSpan().SequenceEqual(current.RootHash);
            if (mismatched.Count > 1 && !isKept && !isLatest)
            {
                others.Add(checkpoint.Size);
                continue;
            }

            after.Add(new AuditFinding(AuditFindingKinds.RootMismatch, isKept
                ? $"the log's first {checkpoint.Size} leaves do not hash to the trusted checkpoint's root: history was rewritten (they hash to {Hex(recomputed)}, {string.Join(", ", sources)} signed {Hex(checkpoint.Root)})"
                : $"the leaves hash to {Hex(recomputed)} at size {checkpoint.Size} but {string.Join(", ", sources)} signed {Hex(checkpoint.Root)}: it is not a prefix of the log served (stored rows were changed after it was signed, or it signs another history)")
            { TreeSize = checkpoint.Size });
        }

        if (others.Count > 0)
        {
            after.Add(new AuditFinding(AuditFindingKinds.RootMismatch,
                $"{others.Count} more signed checkpoint(s), of sizes {others[0]} to {others[^1]}, are not prefixes of the log served either") { TreeSize = others[0] });
        }

        // The stream-heads map each signed checkpoint states (what receipts prove completeness with) must be the one its
        // leaves give: an exchange that signs a false map could otherwise hide a stream's later events from receipts.
        var headsCompared = 0;
        foreach (var (source, checkpoint) in withHeads.DistinctBy(c => (c.Checkpoint.Size, Hex(c.Checkpoint.RootHash), string.Join("\n", c.Checkpoint.Extensions))))
        {
            StreamHeadsCommitment? stated;
            try
            {
                stated = StreamHeadsCommitment.Find(checkpoint.Extensions);
            }
            catch (FormatException e)
            {
                after.Add(new AuditFinding(AuditFindingKinds.StreamHeadsMismatch, $"{source} has a malformed stream-heads line: {e.Message}") { TreeSize = checkpoint.Size });
                continue;
            }

            if (stated is null || auditor.StreamHeadsAt(checkpoint.Size) is not { } recomputed)
            {
                continue;
            }

            headsCompared++;
            if (recomputed.Count != stated.Count || !recomputed.Root.AsSpan().SequenceEqual(stated.Root))
            {
                after.Add(new AuditFinding(AuditFindingKinds.StreamHeadsMismatch,
                    $"{source} states a stream-heads map of {stated.Count} streams, root {Hex(stated.Root)}, but its leaves give {recomputed.Count} streams, root {Hex(recomputed.Root)}: receipts checked against it may omit events")
                { TreeSize = checkpoint.Size });
            }
        }

        lines.Add($"{headsCompared} stream-heads map(s) recomputed from the leaves and compared with the checkpoints stating them");

        if (mismatched.Count == 0 && current is not null && auditor.RootAt(current.Size) is { } root && current.Size == auditor.Size)
        {
            lines.Add($"root {Hex(root)} matches the signed checkpoint");
        }

        if (stored is not null)
        {
            lines.Add($"{storedRows.Count} stored checkpoint(s) checked: signatures, origin, one root per size, each a prefix of the log");
        }

        // On a root mismatch: bisect to the first diverging leaf.
        AuditDivergence? divergence = null;
        if (mismatched.Count > 0)
        {
            var first = mismatched.MinBy(s => s.Size)!;
            var below = matched.Where(s => s < first.Size).DefaultIfEmpty(0).Max();
            var found = await LocateAsync(client, call, auditor, nodesServed, first, below, ct);
            divergence = new AuditDivergence(found.Begin, found.End, found.Leaf, first.Size, found.Explanation);
            var leafText = found.Leaf is { } leaf ? await DescribeLeafAsync(client, call, leaf, ct) : null;
            after.Add(new AuditFinding(AuditFindingKinds.FirstDivergingLeaf, found.Leaf is { } l
                ? $"first diverging leaf: {l}{(leafText is null ? "" : $" ({leafText})")}: {found.Explanation}"
                : $"the first diverging leaf is in [{found.Begin}, {found.End}): {found.Explanation}")
            { LeafIndex = found.Leaf, TreeSize = first.Size });
        }

        // A kept checkpoint: the server's consistency proof to the latest must verify too.
        if (kept is not null && current is not null && kept.Size < current.Size && current.Size <= size && mismatched.Count == 0)
        {
            var proof = await client.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = kept.Size, SecondTreeSize = current.Size }, call());
            if (!MerkleProofs.VerifyConsistency(hasher, kept.Size, current.Size, kept.RootHash, current.RootHash, proof.Hashes.Select(h => h.ToByteArray()).ToList()))
            {
                after.Add(new AuditFinding(AuditFindingKinds.ConsistencyProof, $"the consistency proof from size {kept.Size} to {current.Size} does not verify") { TreeSize = kept.Size });
            }
            else
            {
                lines.Add($"consistent with the trusted checkpoint of size {kept.Size}");
            }
        }
        else if (kept is not null && kept.Size == current?.Size && mismatched.Count == 0)
        {
            lines.Add($"consistent with the trusted checkpoint of size {kept.Size}");
        }

        // Events the log passed over.
        var (unlogged, highWater) = await ListUnloggedEventsAsync(client, call, ct);
        if (unlogged is null)
        {
            lines.Add("note: the server does not list events missing from the log; not checked");
        }
        else
        {
            foreach (var e in unlogged)
            {
                after.Add(new AuditFinding(AuditFindingKinds.EventNotLogged,
                    $"event {e.EventId} ({e.EventType}, stream {e.StreamId} version {e.StreamVersion}, seq_id {e.SeqId}) is committed below the sequencer's high-water mark (seq_id {highWater}) but no leaf records it: it is missing from the log"));
            }

            if (unlogged.Count == 0)
            {
                lines.Add($"every committed event up to the sequencer's high-water mark (seq_id {highWater}) is a leaf");
            }
        }

        var all = before.Concat(auditor.Findings).Concat(after).ToList();
        var total = before.Count + auditor.FindingCount + after.Count;
        var findings = all.Take(MaxFindings).Select(f => new AuditReportFinding(f.Kind, f.Message, f.LeafIndex, AuditNodeRef.Of(f.Node), f.TreeSize)).ToList();
        var report = new AuditReport(total == 0, size, auditor.Size, all.Where(f => f.LeafIndex is not null).Select(f => f.LeafIndex).Min(),
            total == 0 ? null : all[0].Message + (total > 1 ? $" (and {total - 1} more finding(s))" : ""), rate, lines)
        {
            FindingsTotal = total,
            Findings = findings,
            CheckpointsChecked = 1 + storedRows.Count + (trustedCheckpointNote is null ? 0 : 1),
            NodesCompared = auditor.NodesCompared,
            FirstAlteredLeaf = auditor.Failure?.LeafIndex,
            FirstDifferingNode = AuditNodeRef.Of(auditor.FirstDifferingNode),
            FirstDivergence = divergence,
            UnloggedEvents = unlogged?.Count ?? 0,
        };
        if (total == 0)
        {
            lines.Add("OK");
            return report;
        }

        lines.Add($"FAILED: {total} finding(s){(total > findings.Count ? $", the first {findings.Count} listed" : "")}");
        if (report.FirstAlteredLeaf is { } altered)
        {
            lines.Add($"  first altered leaf: {altered}");
        }

        if (auditor.FirstDifferingNode is { } node)
        {
            lines.Add($"  first stored node that differs: {LogAuditor.Describe(node)}");
        }

        if (divergence is not null)
        {
            lines.Add(divergence.Leaf is { } d
                ? $"  first diverging leaf: {d} (against the signed checkpoint of size {divergence.CheckpointSize})"
                : $"  first diverging leaf: within [{divergence.Begin}, {divergence.End}) (against the signed checkpoint of size {divergence.CheckpointSize})");
        }

        lines.AddRange(findings.Select(f => $"  - [{f.Kind}] {f.Message}"));
        lines.Add($"FAILED{(report.FailingLeafIndex is { } at ? $" at leaf {at}" : "")}: {report.Failure}");
        return report;
    }

    private static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    /// <summary>The number of leaves the server holds when it is fewer than <paramref name="size"/>, else null.</summary>
    private static async Task<long?> LogSizeBelowAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call, long size, CancellationToken ct)
    {
        if (size == 0)
        {
            return null;
        }

        try
        {
            using var probe = client.StreamEntryBatches(new StreamEntryBatchesRequest { StartLeafIndex = size, TreeSize = size }, call().WithCancellationToken(ct));
            await foreach (var _ in probe.ResponseStream.ReadAllAsync(ct))
            {
            }

            return null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && ReasonOf(e) == "TREE_SIZE_BEYOND_LOG")
        {
            var info = e.GetRpcStatus()?.Details.Select(d => d.TryUnpack<Google.Rpc.ErrorInfo>(out var i) ? i : null).FirstOrDefault(i => i is not null);
            return info is not null && info.Metadata.TryGetValue("log_size", out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var held) && held < size
                ? held
                : null;
        }
    }

    private static string? ReasonOf(RpcException e) =>
        e.GetRpcStatus()?.Details.Select(d => d.TryUnpack<Google.Rpc.ErrorInfo>(out var info) ? info : null).FirstOrDefault(i => i is not null)?.Reason;

    private static LedgerCheckpoint? TryParseCheckpoint(string note)
    {
        try
        {
            return LedgerCheckpoint.Parse(SignedNote.Parse(note).Text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Every stored checkpoint, or null when the server has no ListCheckpoints.</summary>
    private static async Task<List<SignedCheckpoint>?> ListCheckpointsAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call, CancellationToken ct)
    {
        var all = new List<SignedCheckpoint>();
        var token = "";
        do
        {
            ListCheckpointsResponse page;
            try
            {
                page = await client.ListCheckpointsAsync(new ListCheckpointsRequest { PageSize = 1000, PageToken = token }, call().WithCancellationToken(ct));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                return null;
            }

            all.AddRange(page.Checkpoints);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    private static async Task<(List<UnloggedEvent>? Events, long HighWater)> ListUnloggedEventsAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call, CancellationToken ct)
    {
        var all = new List<UnloggedEvent>();
        var token = "";
        long highWater = 0;
        do
        {
            ListUnloggedEventsResponse page;
            try
            {
                page = await client.ListUnloggedEventsAsync(new ListUnloggedEventsRequest { PageSize = 200, PageToken = token }, call().WithCancellationToken(ct));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                return (null, 0);
            }

            all.AddRange(page.Events);
            highWater = page.LastSeqId;
            token = page.NextPageToken;
        }
        while (token.Length > 0 && all.Count < 10 * MaxFindings);
        return (all, highWater);
    }

    /// <summary>
    /// Verifies the stored notes on every core. SM2 verifiers serialise their calls, so each worker gets its own copy
    /// of the SM2 keys.
    /// </summary>
    private static List<(LedgerCheckpoint? Checkpoint, string? Why)> VerifyAll(IReadOnlyList<SignedCheckpoint> rows, IReadOnlyList<INoteVerifier> keys)
    {
        var results = new (LedgerCheckpoint?, string?)[rows.Count];
        var workers = Math.Max(1, Math.Min(Environment.ProcessorCount, rows.Count / 16));
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker =>
        {
            var own = keys.Select(k => k is Sm2NoteVerifier sm2 ? Sm2NoteVerifier.FromSubjectPublicKeyInfo(sm2.KeyName, sm2.SubjectPublicKeyInfo) : k).ToList();
            for (var i = worker; i < rows.Count; i += workers)
            {
                results[i] = CheckNote(rows[i].Note, own, requireAll: false);
            }
        });
        return [.. results];
    }

    /// <summary>Bisection: runs the locator, loading a window of leaves and stored nodes whenever it needs nodes below the retained levels.</summary>
    private static async Task<Divergence> LocateAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call, LogAuditor auditor, bool nodesServed,
        SignedRoot checkpoint, long matchedBelow, CancellationToken ct)
    {
        var view = new AuditTreeView(auditor);
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var (result, need) = DivergenceLocator.Locate(auditor.Hasher, checkpoint.Size, checkpoint.Root, matchedBelow, view);
            if (result is not null)
            {
                return result;
            }

            var (begin, end) = view.WindowOf(need!.Value);
            var hashes = new List<byte[]>();
            await foreach (var batch in ReadLeavesAsync(client, call, begin, end, ct))
            {
                hashes.AddRange(batch.Select(l => auditor.Hasher.HashLeaf(l.Leaf.Span)));
            }

            var nodes = new List<MerkleNode>();
            if (nodesServed)
            {
                using var stream = client.StreamTreeNodes(new StreamTreeNodesRequest { StartLeafIndex = begin, TreeSize = end }, call().WithCancellationToken(ct));
                await foreach (var message in stream.ResponseStream.ReadAllAsync(ct))
                {
                    nodes.AddRange(message.Nodes.Select(n => new MerkleNode(new NodeId(n.Level, n.Index), n.Hash.ToByteArray())));
                }
            }

            view.AddWindow(begin, hashes, nodes);
        }

        throw new InvalidOperationException("The bisection did not converge.");
    }

    private static async Task<string?> DescribeLeafAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call, long leaf, CancellationToken ct)
    {
        var page = await client.ListEntriesAsync(new ListEntriesRequest { StartLeafIndex = leaf, PageSize = 1 }, call().WithCancellationToken(ct));
        return page.Entries.FirstOrDefault(e => e.LeafIndex == leaf) is { } entry
            ? entry.LeafDecodeError.Length > 0
                ? "a malformed leaf"
                : $"event {entry.EventId}, {entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}"
            : null;
    }

    /// <summary>
    /// The stored tree nodes, fed to the auditor ahead of the leaves that complete them. A reader task keeps a few
    /// messages in hand. False when the server has no StreamTreeNodes.
    /// </summary>
    private sealed class NodeFeed : IAsyncDisposable
    {
        private readonly CancellationTokenSource stop;
        private readonly System.Threading.Channels.Channel<(List<MerkleNode> Nodes, long End)> messages =
            System.Threading.Channels.Channel.CreateBounded<(List<MerkleNode>, long)>(4);

        private readonly Task reader;
        private bool unavailable;

        public NodeFeed(LedgerService.LedgerServiceClient client, Func<CallOptions> call, long size, CancellationToken ct)
        {
            stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            reader = size == 0 ? Task.CompletedTask : ReadAsync(client, call, size);
            if (size == 0)
            {
                messages.Writer.TryComplete();
            }
        }

        private async Task ReadAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call, long size)
        {
            try
            {
                using var stream = client.StreamTreeNodes(new StreamTreeNodesRequest { TreeSize = size }, call().WithCancellationToken(stop.Token));
                await foreach (var message in stream.ResponseStream.ReadAllAsync(stop.Token))
                {
                    var nodes = new List<MerkleNode>(message.Nodes.Count);
                    foreach (var n in message.Nodes)
                    {
                        nodes.Add(new MerkleNode(new NodeId(n.Level, n.Index), n.Hash.ToByteArray()));
                    }

                    await messages.Writer.WriteAsync((nodes, message.EndLeafIndex), stop.Token);
                }

                messages.Writer.TryComplete();
            }
            catch (Exception e)
            {
                messages.Writer.TryComplete(e);
            }
        }

        /// <summary>Feeds nodes until every node completed below <paramref name="end"/> is fed; false when nodes are not served.</summary>
        public async Task<bool> FeedThroughAsync(LogAuditor auditor, long end)
        {
            if (unavailable)
            {
                return false;
            }

            try
            {
                while (auditor.StoredNodesThrough < end && await messages.Reader.WaitToReadAsync(stop.Token))
                {
                    while (auditor.StoredNodesThrough < end && messages.Reader.TryRead(out var message))
                    {
                        auditor.AddStoredNodes(message.Nodes, message.End);
                    }
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented && !auditor.ComparesNodes)
            {
                unavailable = true;
                return false;
            }

            return true;
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await reader;
            stop.Dispose();
        }
    }

    /// <summary>
    /// The log's leaves [start, end) in batches. StreamEntryBatches (many leaves per message) when the server has it,
    /// else StreamEntries; a reader task keeps up to a few batches in hand, so receiving overlaps with checking.
    /// </summary>
    private static async IAsyncEnumerable<IReadOnlyList<AuditLeaf>> ReadLeavesAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call,
        long start, long end, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (end <= start)
        {
            yield break;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var batches = System.Threading.Channels.Channel.CreateBounded<IReadOnlyList<AuditLeaf>>(4);

        static AuditLeaf Leaf(LogEntry e) => new(e.LeafIndex, e.Leaf.Memory, e.Payload.Memory, !e.Payload.IsEmpty, e.LeafHash.Memory);
        static AuditLeaf AsStored(LogEntry e) => Leaf(e) with { PayloadAsStored = true };

        async Task ReadAsync()
        {
            try
            {
                var received = false;
                try
                {
                    // The basic view: the stored leaf, its stored hash and the payload as stored, canonicalised here
                    // rather than by the server (a server that predates views answers with full entries).
                    using var batched = client.StreamEntryBatches(new StreamEntryBatchesRequest { StartLeafIndex = start, TreeSize = end, View = LogEntryView.Basic },
                        call().WithCancellationToken(stop.Token));
                    await foreach (var message in batched.ResponseStream.ReadAllAsync(stop.Token))
                    {
                        received = true;
                        await batches.Writer.WriteAsync(message.Entries.Select<LogEntry, AuditLeaf>(message.View == LogEntryView.Basic ? AsStored : Leaf).ToList(), stop.Token);
                    }

                    batches.Writer.TryComplete();
                    return;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented && !received)
                {
                    // An older server: one leaf per message.
                }

                using var single = client.StreamEntries(new StreamEntriesRequest { StartLeafIndex = start, TreeSize = end }, call().WithCancellationToken(stop.Token));
                var batch = new List<AuditLeaf>(1000);
                await foreach (var entry in single.ResponseStream.ReadAllAsync(stop.Token))
                {
                    batch.Add(Leaf(entry));
                    if (batch.Count == 1000)
                    {
                        await batches.Writer.WriteAsync(batch, stop.Token);
                        batch = new List<AuditLeaf>(1000);
                    }
                }

                if (batch.Count > 0)
                {
                    await batches.Writer.WriteAsync(batch, stop.Token);
                }
            }
            catch (Exception e)
            {
                batches.Writer.TryComplete(e);
                return;
            }

            batches.Writer.TryComplete();
        }

        var reader = ReadAsync();
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(ct))
            {
                yield return batch;
            }
        }
        finally
        {
            // The audit may stop early (a gap in the leaf indexes): end the stream rather than read the rest of the log.
            await stop.CancelAsync();
            await reader;
        }
    }

    private static (LedgerCheckpoint? Checkpoint, string? Why) CheckNote(string note, IReadOnlyList<INoteVerifier> keys, bool requireAll)
    {
        var verified = SignedNote.Verify(note, keys);
        if (!verified.IsValid)
        {
            return (null, verified.Error);
        }

        // Every key name (one per algorithm) must sign; after a rotation the retired key of a name need not.
        var missing = keys.GroupBy(k => k.KeyName).Where(g => !g.Any(k => verified.IsVerifiedBy(k.KeyName, k.KeyId))).Select(g => g.Key).ToList();
        if (requireAll && missing.Count > 0)
        {
            return (null, $"not signed by {string.Join(", ", missing)}");
        }

        try
        {
            return (LedgerCheckpoint.Parse(verified.Text!), null);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }
}
