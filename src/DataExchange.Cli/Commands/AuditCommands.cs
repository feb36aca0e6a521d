using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DataExchange.Contracts.V1;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Ledger.Audit;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using Grpc.Core;
using Spectre.Console;
using LedgerCheckpoint = DataExchange.Ledger.Notes.Checkpoint;

namespace DataExchange.Cli.Commands;

/// <summary>dx audit: replay and verify the whole ledger.</summary>
internal static class AuditCommands
{
    public static Command Build(GlobalOptions global) => new("audit", "Audit the whole ledger (auditors, compliance, operators)")
    {
        new VerifyCommand(global),
        new ReplayCommand(global),
    };

    internal sealed class VerifyCommand : Command
    {
        private readonly Option<string[]> keys = new("--keys")
        {
            Description = "Trusted public keys (folder of *.pem/*.vkey, or files); every key given must sign. Default: the keys the server publishes",
            AllowMultipleArgumentsPerToken = true,
        };

        private readonly Option<string> trusted = new("--trusted-checkpoint")
        {
            Description = "A signed checkpoint kept from an earlier audit: the log must extend it (consistency proof)",
            HelpName = "file",
        };

        public VerifyCommand(GlobalOptions global)
            : base("verify", "Recompute every leaf and the root from the events, compare with a signed checkpoint")
        {
            Add(keys);
            Add(trusted);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var verifiers = result.GetValue(keys) is { Length: > 0 } given ? KeyFiles.Load(given) : null;
                var trustedNote = result.GetValue(trusted) is { Length: > 0 } file ? await File.ReadAllTextAsync(file, ct) : null;
                var interactive = !context.Output.Json && context.Output.Console.Profile.Capabilities.Interactive;
                AuditReport report;
                if (interactive)
                {
                    report = await context.Output.Console.Progress().StartAsync(async progress =>
                    {
                        var task = progress.AddTask("Verifying leaves");
                        return await LedgerAudit.VerifyAsync(context.Ledger, () => context.Call(ct).WithDeadline(DateTime.MaxValue), verifiers, trustedNote,
                            (done, total) => { task.MaxValue = Math.Max(1, total); task.Value = done; }, ct);
                    });
                }
                else
                {
                    report = await LedgerAudit.VerifyAsync(context.Ledger, () => context.Call(ct).WithDeadline(DateTime.MaxValue), verifiers, trustedNote, null, ct);
                }

                if (context.Output.Json)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(report, LedgerAudit.ReportJson));
                }
                else
                {
                    foreach (var line in report.Lines)
                    {
                        context.Output.Console.WriteLine(line);
                    }
                }

                if (!report.Ok)
                {
                    throw new CliException($"Audit FAILED: {report.Failure}", StatusCode.DataLoss);
                }

                return ExitCodes.Success;
            }));
        }
    }

    internal sealed class ReplayCommand : Command
    {
        public ReplayCommand(GlobalOptions global)
            : base("replay", "Check every event against its leaf, rebuild the exchange and re-derive every compliance decision from the history, "
                + "and compare with what the service serves")
        {
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var report = await LedgerReplay.RunAsync(context, ct);
                foreach (var line in report.Lines)
                {
                    context.Output.Console.WriteLine(line);
                }

                return report.Differences == 0
                    ? ExitCodes.Success
                    : throw new CliException($"Replay found {report.Differences} difference(s).", StatusCode.DataLoss);
            }));
        }
    }
}

/// <summary>Outcome of <see cref="LedgerAudit.VerifyAsync"/>.</summary>
internal sealed record AuditReport(bool Ok, long TreeSize, long LeavesChecked, long? FailingLeafIndex, string? Failure, double LeavesPerSecond, IReadOnlyList<string> Lines);

/// <summary>The audit itself, separate from the command so tests can run it in-process.</summary>
internal static class LedgerAudit
{
    public static readonly JsonSerializerOptions ReportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static async Task<AuditReport> VerifyAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call,
        IReadOnlyList<INoteVerifier>? trustedKeys, string? trustedCheckpointNote, Action<long, long>? progress, CancellationToken ct)
    {
        var lines = new List<string>();
        AuditReport Fail(string why, long checkedLeaves = 0, long size = 0, long? leaf = null) =>
            new(false, size, checkedLeaves, leaf, why, 0, [.. lines, $"FAILED{(leaf is { } l ? $" at leaf {l}" : "")}: {why}"]);

        var keys = trustedKeys;
        if (keys is null)
        {
            var published = await client.ListSigningKeysAsync(new ListSigningKeysRequest(), call());
            keys = published.Keys.Where(k => k.ValidUntilTreeSize == 0).Select(k => NoteKeys.ParseVerifierKey(k.VerifierKey)).ToList();
            lines.Add("warning: checking against the keys the server publishes; pass --keys with keys you obtained independently");
        }

        var checkpoint = await client.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true }, call());
        var (current, why) = CheckNote(checkpoint.Note, keys, requireAll: true);
        if (current is null)
        {
            return Fail($"the latest checkpoint does not verify: {why}");
        }

        lines.Add($"checkpoint: {current.Origin} size {current.Size}, signed by {string.Join(", ", keys.Select(k => k.KeyName).Distinct())}");
        var algorithm = checkpoint.HashAlgorithm == HashAlgorithm.Sm3 ? LogHashAlgorithm.Sm3 : LogHashAlgorithm.Sha256;

        LedgerCheckpoint? kept = null;
        if (trustedCheckpointNote is not null)
        {
            (kept, why) = CheckNote(trustedCheckpointNote, keys, requireAll: false);
            if (kept is null)
            {
                return Fail($"the trusted checkpoint does not verify: {why}");
            }

            if (kept.Origin != current.Origin || kept.Size > current.Size)
            {
                return Fail($"the trusted checkpoint ({kept.Origin}, size {kept.Size}) is not an earlier state of {current.Origin} size {current.Size}");
            }
        }

        var auditor = new LogAuditor(algorithm, kept is null ? [] : [kept.Size]);
        var watch = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        await foreach (var batch in ReadLeavesAsync(client, call, current.Size, ct))
        {
            if (!auditor.AddRange(batch))
            {
                break;
            }

            // A progress bar redraws on its own; updating it ten times a second is plenty.
            if (progress is not null && watch.Elapsed - lastProgress >= TimeSpan.FromMilliseconds(100))
            {
                lastProgress = watch.Elapsed;
                progress(auditor.Size, current.Size);
            }
        }

        watch.Stop();
        progress?.Invoke(auditor.Size, current.Size);
        var rate = auditor.Size / Math.Max(watch.Elapsed.TotalSeconds, 1e-6);
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{auditor.Size} leaves checked in {watch.Elapsed.TotalSeconds:F2} s ({rate:F0} leaves/s)"));
        if (auditor.Failure is { } failure)
        {
            return Fail(failure.Reason, auditor.Size, current.Size, failure.LeafIndex) with { LeavesPerSecond = rate };
        }

        if (auditor.Size != current.Size)
        {
            return Fail($"the log served {auditor.Size} leaves but the checkpoint has {current.Size}", auditor.Size, current.Size, auditor.Size);
        }

        if (!auditor.Root().AsSpan().SequenceEqual(current.RootHash))
        {
            return Fail($"the recomputed root {Convert.ToHexStringLower(auditor.Root())} differs from the signed root {Convert.ToHexStringLower(current.RootHash)}: stored leaves were changed", auditor.Size, current.Size);
        }

        lines.Add($"root {Convert.ToHexStringLower(current.RootHash)} matches the signed checkpoint");
        if (kept is not null)
        {
            if (!(auditor.RootAt(kept.Size) ?? []).AsSpan().SequenceEqual(kept.RootHash))
            {
                return Fail($"the log's first {kept.Size} leaves do not hash to the trusted checkpoint's root: history was rewritten", auditor.Size, current.Size);
            }

            var proof = await client.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = kept.Size, SecondTreeSize = current.Size }, call());
            if (kept.Size < current.Size && !MerkleProofs.VerifyConsistency(TreeHasher.For(algorithm), kept.Size, current.Size, kept.RootHash, current.RootHash,
                    proof.Hashes.Select(h => h.ToByteArray()).ToList()))
            {
                return Fail($"the consistency proof from size {kept.Size} to {current.Size} does not verify", auditor.Size, current.Size);
            }

            lines.Add($"consistent with the trusted checkpoint of size {kept.Size}");
        }

        lines.Add("OK");
        return new AuditReport(true, current.Size, auditor.Size, null, null, rate, lines);
    }

    /// <summary>
    /// The log's leaves [0, size) in batches. StreamEntryBatches (many leaves per message) when the server has it, else
    /// StreamEntries; a reader task keeps up to a few batches in hand, so receiving overlaps with checking.
    /// </summary>
    private static async IAsyncEnumerable<IReadOnlyList<AuditLeaf>> ReadLeavesAsync(LedgerService.LedgerServiceClient client, Func<CallOptions> call,
        long size, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var batches = System.Threading.Channels.Channel.CreateBounded<IReadOnlyList<AuditLeaf>>(4);

        static AuditLeaf Leaf(LogEntry e) => new(e.LeafIndex, e.Leaf.Memory, e.Payload.Memory, !e.Payload.IsEmpty);

        async Task ReadAsync()
        {
            try
            {
                var received = false;
                try
                {
                    using var batched = client.StreamEntryBatches(new StreamEntryBatchesRequest { TreeSize = size }, call().WithCancellationToken(stop.Token));
                    await foreach (var message in batched.ResponseStream.ReadAllAsync(stop.Token))
                    {
                        received = true;
                        await batches.Writer.WriteAsync(message.Entries.Select(Leaf).ToList(), stop.Token);
                    }

                    batches.Writer.TryComplete();
                    return;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented && !received)
                {
                    // An older server: one leaf per message.
                }

                using var single = client.StreamEntries(new StreamEntriesRequest { TreeSize = size }, call().WithCancellationToken(stop.Token));
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
            // The audit may stop at the first bad leaf: end the stream rather than read the rest of the log.
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
