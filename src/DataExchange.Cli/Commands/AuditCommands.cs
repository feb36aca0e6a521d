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

        private readonly WitnessOptions witnesses = new();

        public VerifyCommand(GlobalOptions global)
            : base("verify", "Check every checkpoint, leaf, tree node and event against the signed checkpoints; name everything that changed")
        {
            Add(keys);
            Add(trusted);
            witnesses.AddTo(this);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var policy = witnesses.Read(result);
                var memory = CheckpointMemory.For(context.Settings);
                var verifiers = result.GetValue(keys) is { Length: > 0 } given ? KeyFiles.Load(given) : null;
                SignedCheckpoint? latest = null;
                var trustedNote = result.GetValue(trusted) is { Length: > 0 } file ? await File.ReadAllTextAsync(file, ct) : null;
                var interactive = !context.Output.Json && context.Output.Console.Profile.Capabilities.Interactive;
                AuditReport report;
                if (interactive)
                {
                    report = await context.Output.Console.Progress().StartAsync(async progress =>
                    {
                        var task = progress.AddTask("Verifying leaves");
                        return await LedgerAudit.VerifyAsync(context.Ledger, () => context.Call(ct).WithDeadline(DateTime.MaxValue), verifiers, trustedNote,
                            (done, total) => { task.MaxValue = Math.Max(1, total); task.Value = done; }, ct, served => latest = served);
                    });
                }
                else
                {
                    report = await LedgerAudit.VerifyAsync(context.Ledger, () => context.Call(ct).WithDeadline(DateTime.MaxValue), verifiers, trustedNote, null, ct, served => latest = served);
                }

                if (context.Output.Json)
                {
                    context.Output.WriteJson(JsonSerializer.Serialize(report, LedgerAudit.ReportJson));
                }
                else
                {
                    foreach (var line in report.Lines)
                    {
                        context.Output.Console.WriteLine(line);
                    }
                }

                // The memory after the audit: a fork or a rollback outranks the audit's findings (its own exit code, evidence
                // written); keys the memory does not trust outrank only a clean audit, whose findings say more.
                CheckedCheckpoint? remembered = null;
                if (latest is not null)
                {
                    try
                    {
                        remembered = await memory.CheckAsync(context, latest.Note, latest.HashAlgorithm, presentedAsLatest: true, verifiers, ct);
                    }
                    catch (CliException e) when (e.ExitCode == ExitCodes.Refused && !report.Ok)
                    {
                        context.Output.Error.WriteLine($"dx: {e.Message}");
                    }
                }

                if (!report.Ok)
                {
                    throw new CliException($"Audit FAILED: {report.Failure}", StatusCode.DataLoss);
                }

                if (policy is not null && latest is not null)
                {
                    var witnessed = policy.Evaluate(latest.Note, remembered?.LogKeys ?? verifiers ?? []);
                    if (!context.Output.Json)
                    {
                        context.Output.Console.WriteLine($"witnesses: {(witnessed.Satisfied ? witnessed.Summary : $"NOT MET: {witnessed.Failure}")}");
                    }

                    if (!witnessed.Satisfied)
                    {
                        throw new CliException($"Audit FAILED: checkpoint.note: witness policy not met: {witnessed.Failure}", StatusCode.DataLoss);
                    }
                }

                remembered?.Commit();
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
