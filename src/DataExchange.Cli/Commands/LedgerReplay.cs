using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using Grpc.Core;

namespace DataExchange.Cli.Commands;

/// <summary>One thing replay found that does not agree; <see cref="Area"/> groups them in the report.</summary>
internal sealed record ReplayDifference(string Area, string Subject, string Detail)
{
    public override string ToString() => $"{Subject}: {Detail}";
}

/// <summary>Outcome of <see cref="LedgerReplay.RunAsync"/>: every difference, and the report's lines (differences first, then a summary).</summary>
internal sealed record ReplayReport(IReadOnlyList<ReplayDifference> Found, IReadOnlyList<string> Lines, long Leaves, TimeSpan Elapsed)
{
    public int Differences => Found.Count;

    public void Deconstruct(out int differences, out IReadOnlyList<string> lines)
    {
        differences = Differences;
        lines = Lines;
    }
}

/// <summary>
/// <c>dx audit replay</c>. Reads the log up to a fresh checkpoint (leaf bytes and payloads, as <c>dx audit verify</c>
/// does), and trusts a payload only once it canonicalises to the digest its leaf commits to; a payload that does not
/// is named (leaf, event, type, stream) and left out. From the verified events, in log order, it rebuilds participants,
/// listings, export approvals, trades and export volumes (<see cref="ReplayHistory"/>), re-deriving every trade's
/// compliance inputs from the history as of that trade and deciding again; then it compares every field of what the
/// service serves with the rebuilt state (<see cref="ServedComparison"/>).
/// </summary>
internal static class LedgerReplay
{
    /// <summary>
    /// How Marten stores event payloads: System.Text.Json, property names as declared, enums as strings. Strict about
    /// what a payload leaves out or nulls: an event a verified leaf commits to may still have been crafted.
    /// </summary>
    public static readonly JsonSerializerOptions MartenJson = new()
    {
        Converters = { new JsonStringEnumConverter() },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static async Task<ReplayReport> RunAsync(CliContext context, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var found = new List<ReplayDifference>();
        var summary = new List<string>();

        // Replay exactly the leaves a signed checkpoint covers, so the root can be compared at the end.
        var checkpoint = await context.Ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true }, context.Call(ct));
        var remembered = await CheckpointMemory.For(context.Settings).CheckAsync(context, checkpoint.Note, checkpoint.HashAlgorithm, presentedAsLatest: true, givenKeys: null, ct);
        var algorithm = checkpoint.HashAlgorithm == HashAlgorithm.Sm3 ? LogHashAlgorithm.Sm3 : LogHashAlgorithm.Sha256;
        var hasher = TreeHasher.For(algorithm);
        var range = new CompactRange(hasher);
        var history = new ReplayHistory(found.Add);
        long rejected = 0;
        await foreach (var batch in ReadAsync(context, checkpoint.TreeSize, why => found.Add(new ReplayDifference("ledger", "ledger", why)), ct))
        {
            var first = range.Size;
            var checkedLeaves = ReplayLeafCheck.CheckAll(batch, first, algorithm);
            foreach (var leaf in checkedLeaves)
            {
                range.Append(leaf.LeafHash);
                if (leaf.Entry is { } decoded)
                {
                    history.Observe(leaf.Position, decoded);
                }

                if (leaf.Problem is { } problem)
                {
                    rejected++;
                    found.Add(new ReplayDifference("ledger", $"ledger leaf {leaf.Position}", problem));
                    continue;
                }

                history.Apply(leaf.Position, leaf.Entry!, leaf.Payload!);
            }
        }

        var rootMatches = range.Size == checkpoint.TreeSize && range.Root().AsSpan().SequenceEqual(checkpoint.RootHash.Span);
        if (range.Size != checkpoint.TreeSize)
        {
            found.Add(new ReplayDifference("ledger", "ledger", $"the log served {range.Size} leaves, the checkpoint has {checkpoint.TreeSize}"));
        }
        else if (!rootMatches)
        {
            found.Add(new ReplayDifference("ledger", "ledger",
                $"the replayed leaves hash to root {Convert.ToHexStringLower(range.Root())}, the checkpoint of size {checkpoint.TreeSize} signs " +
                $"{Convert.ToHexStringLower(checkpoint.RootHash.Span)}: stored leaves were changed (run dx audit verify)"));
        }

        history.Finish();
        var replayedAt = watch.Elapsed;
        await ServedComparison.CompareAsync(context, history, found.Add, ct);
        watch.Stop();

        int Count(string area) => found.Count(d => d.Area == area);
        var c = CultureInfo.InvariantCulture;
        summary.Add(string.Create(c,
            $"ledger: {range.Size} leaves replayed up to checkpoint size {checkpoint.TreeSize} (root {(rootMatches ? "matches" : "DIFFERS")}); " +
            $"{range.Size - rejected} payloads match their leaf digest, {rejected} rejected; {history.EventsApplied} events applied, " +
            $"{history.EventsNotReplayed} of other types; {Count("ledger") + Count("history")} difference(s)"));
        summary.Add($"participants: {history.Participants.Count} rebuilt, {Count("participants")} difference(s)");
        summary.Add($"listings: {history.Listings.Count} rebuilt, {Count("listings")} difference(s)");
        summary.Add($"export approvals: {history.Approvals.Count} rebuilt, {Count("approvals")} difference(s)");
        summary.Add($"trades: {history.Trades.Count} rebuilt, {Count("trades")} difference(s); " +
            $"{history.DecisionsRederived} compliance decisions re-derived from the rebuilt history, {Count("compliance")} difference(s)");
        summary.Add($"export volumes: {history.VolumeStreams.Count} rebuilt, {Count("export volumes")} difference(s)");
        summary.Add($"statistics: {Count("statistics")} difference(s)");
        summary.Add(string.Create(c,
            $"replay took {watch.Elapsed.TotalSeconds:F2} s (log read, checked and rebuilt in {replayedAt.TotalSeconds:F2} s, " +
            $"{range.Size / Math.Max(replayedAt.TotalSeconds, 1e-6):F0} leaves/s)"));
        summary.Add(found.Count == 0 ? "OK" : $"{found.Count} difference(s)");
        if (found.Count == 0)
        {
            remembered.Commit();
        }

        return new ReplayReport(found, [.. found.Select(d => d.ToString()), .. summary], range.Size, watch.Elapsed);
    }

    /// <summary>
    /// Leaves [0, size) in batches: StreamEntryBatches when the server has it, else StreamEntries. A stream that breaks
    /// off is reported through <paramref name="failed"/> (the replay goes on with what it has and the sizes differ).
    /// </summary>
    private static async IAsyncEnumerable<IReadOnlyList<LogEntry>> ReadAsync(CliContext context, long size, Action<string> failed,
        [EnumeratorCancellation] CancellationToken ct)
    {
        if (size == 0)
        {
            yield break;
        }

        var received = false;
        var fallBack = false;
        using (var batched = context.Ledger.StreamEntryBatches(new StreamEntryBatchesRequest { TreeSize = size }, context.Call(ct).WithDeadline(DateTime.MaxValue)))
        {
            await using var batches = batched.ResponseStream.ReadAllAsync(ct).GetAsyncEnumerator(ct);
            while (true)
            {
                try
                {
                    if (!await batches.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented && !received)
                {
                    fallBack = true;
                    break;
                }
                catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
                {
                    failed($"the server stopped streaming the log: {e.Status.StatusCode}: {e.Status.Detail}");
                    break;
                }

                received = true;
                yield return batches.Current.Entries;
            }
        }

        if (!fallBack)
        {
            yield break;
        }

        // An older server: one leaf per message.
        using var single = context.Ledger.StreamEntries(new StreamEntriesRequest { TreeSize = size }, context.Call(ct).WithDeadline(DateTime.MaxValue));
        await using var entries = single.ResponseStream.ReadAllAsync(ct).GetAsyncEnumerator(ct);
        var batch = new List<LogEntry>(1000);
        while (true)
        {
            try
            {
                if (!await entries.MoveNextAsync())
                {
                    break;
                }
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                failed($"the server stopped streaming the log: {e.Status.StatusCode}: {e.Status.Detail}");
                break;
            }

            batch.Add(entries.Current);
            if (batch.Count == 1000)
            {
                yield return batch;
                batch = new List<LogEntry>(1000);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}

/// <summary>One leaf as replay checked it: its hash (for the root), the decoded entry, and the payload if it may be used.</summary>
internal readonly record struct CheckedLeaf(long Position, byte[] LeafHash, LedgerEntry? Entry, byte[]? Payload, string? Problem);

/// <summary>
/// The check before replay uses a payload: the leaf decodes canonically, records its own position, and the payload,
/// canonicalised (RFC 8785), hashes to the payload digest the leaf commits to. Pure and thread-safe.
/// </summary>
internal static class ReplayLeafCheck
{
    public static CheckedLeaf[] CheckAll(IReadOnlyList<LogEntry> batch, long firstPosition, LogHashAlgorithm algorithm)
    {
        var results = new CheckedLeaf[batch.Count];
        if (batch.Count >= 256 && Environment.ProcessorCount > 1)
        {
            Parallel.For(0, batch.Count, i => results[i] = Check(firstPosition + i, batch[i].Leaf.Span, batch[i].Payload.Span, algorithm));
        }
        else
        {
            for (var i = 0; i < batch.Count; i++)
            {
                results[i] = Check(firstPosition + i, batch[i].Leaf.Span, batch[i].Payload.Span, algorithm);
            }
        }

        return results;
    }

    public static string Describe(LedgerEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"event {entry.EventId}, {entry.EventType}, stream {entry.StreamId} version {entry.StreamVersion}");

    public static CheckedLeaf Check(long position, ReadOnlySpan<byte> leaf, ReadOnlySpan<byte> payload, LogHashAlgorithm algorithm)
    {
        var hasher = TreeHasher.For(algorithm);
        var leafHash = hasher.HashLeaf(leaf);
        LedgerEntry entry;
        try
        {
            entry = LedgerEntry.Parse(leaf);
        }
        catch (FormatException e)
        {
            return new CheckedLeaf(position, leafHash, null, null, $"the leaf does not decode ({e.Message}); its event is not replayed");
        }

        if (entry.LeafIndex != position)
        {
            return new CheckedLeaf(position, leafHash, null, null,
                string.Create(CultureInfo.InvariantCulture, $"the leaf records leaf_index {entry.LeafIndex} ({Describe(entry)}); its event is not replayed"));
        }

        if (payload.IsEmpty)
        {
            return new CheckedLeaf(position, leafHash, entry, null, $"{Describe(entry)}: the payload is missing (the event was deleted); not replayed");
        }

        byte[] canonical;
        try
        {
            canonical = LedgerPayload.Canonical(payload);
        }
        catch (Exception e) when (e is JsonCanonicalizationException or JsonException)
        {
            return new CheckedLeaf(position, leafHash, entry, null, $"{Describe(entry)}: the payload is not canonicalizable JSON ({e.Message}); not replayed");
        }

        var digest = LedgerEntry.DigestPayload(algorithm, canonical);
        if (!string.Equals(digest, entry.PayloadDigest, StringComparison.Ordinal))
        {
            return new CheckedLeaf(position, leafHash, entry, null,
                $"{Describe(entry)}: the payload digest is {digest}, the leaf commits to {entry.PayloadDigest}: the payload was changed; not replayed");
        }

        // The ledger commits to a sealed text's commitment only: the text beside it must still open it.
        foreach (var sealedValue in LedgerPayload.SealedValues(System.Text.Json.Nodes.JsonNode.Parse(payload)))
        {
            if (sealedValue is { Commitment: { } c, Salt: { } salt, Text: { } text } && !LedgerPayload.Opens(c, salt, text))
            {
                return new CheckedLeaf(position, leafHash, entry, null,
                    $"{Describe(entry)}: the sealed text at {sealedValue.Path} does not open its commitment: the text was changed; not replayed");
            }
        }

        // Replayed from the stored form, whose sealed texts are still readable.
        return new CheckedLeaf(position, leafHash, entry, JsonCanonicalizer.Canonicalize(payload), null);
    }
}
