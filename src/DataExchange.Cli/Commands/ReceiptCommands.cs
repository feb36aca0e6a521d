using System.CommandLine;
using System.Globalization;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Receipts;
using Google.Protobuf;
using Grpc.Core;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>dx receipt: fetch a trade's receipt, and verify one offline.</summary>
internal static class ReceiptCommands
{
    public static Command Build(GlobalOptions global) => new("receipt", "Trade receipts: signed, offline-verifiable proof that a trade is in the ledger")
    {
        new GetCommand(global),
        new VerifyCommand(global),
    };

    internal sealed class GetCommand : Command
    {
        private readonly Argument<string> trade = new("TRADE") { Description = "trades/{uuid}, a bare UUID, or its filing number", Arity = ArgumentArity.ZeroOrOne };
        private readonly Option<string> filingNumber = new("--filing-number") { Description = "The trade's filing number instead of its name", HelpName = "number" };
        private readonly Option<string> outFile = new("--out") { Description = "Write the receipt (protobuf JSON) to this file", HelpName = "file", Required = true };

        public GetCommand(GlobalOptions global)
            : base("get", "Fetch a trade's receipt into a file")
        {
            Add(trade);
            Add(filingNumber);
            Add(outFile);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var receipt = await context.Ledger.GetTradeReceiptAsync(BuildRequest(result), context.Call(ct));

                // The receipt's checkpoint is the one covering the trade, not necessarily the latest: an older one must be a prefix of what dx remembers.
                var verified = await CheckpointMemory.For(context.Settings).CheckAsync(context, receipt.Checkpoint.Note, receipt.Checkpoint.HashAlgorithm,
                    presentedAsLatest: false, givenKeys: null, ct);
                verified.Commit();
                await File.WriteAllTextAsync(result.GetRequiredValue(outFile), Output.ToJson(receipt) + "\n", ct);
                context.Output.Show(receipt, console => console.Write(Output.Details("Receipt",
                [
                    ("Trade", receipt.Trade),
                    ("Leaves", receipt.Leaves.Count.ToString(CultureInfo.InvariantCulture)),
                    ("Tree size", receipt.TreeSize.ToString(CultureInfo.InvariantCulture)),
                    ("Written to", result.GetRequiredValue(outFile)),
                ])));
                return ExitCodes.Success;
            }));
        }

        public GetTradeReceiptRequest BuildRequest(ParseResult result)
        {
            var name = result.GetValue(trade);
            var filing = result.GetValue(filingNumber);
            if (string.IsNullOrEmpty(name) == string.IsNullOrEmpty(filing))
            {
                throw new CliException("Give either TRADE or --filing-number.");
            }

            if (string.IsNullOrEmpty(name))
            {
                return new GetTradeReceiptRequest { FilingNumber = filing!.Trim().ToUpperInvariant() };
            }

            return ResourceNames.TryNormalize(name, ResourceNames.Trades) is null && Names.LooksLikeFilingNumber(name)
                ? new GetTradeReceiptRequest { FilingNumber = name.Trim().ToUpperInvariant() }
                : new GetTradeReceiptRequest { Trade = ResourceNames.Normalize(name, ResourceNames.Trades) };
        }
    }

    internal sealed class VerifyCommand : Command
    {
        private readonly Argument<string> file = new("FILE") { Description = "A receipt written by 'dx receipt get'" };
        private readonly Option<string[]> keys = new("--keys")
        {
            Description = "Trusted public keys: a folder of *.pem/*.vkey (as 'dx ledger keys --out' writes) or files; every key given must have signed",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };

        private readonly Option<string> origin = new("--origin") { Description = "The log's expected origin (default: accept the receipt's own)", HelpName = "origin" };

        private readonly WitnessOptions witnesses = new();

        public VerifyCommand(GlobalOptions global)
            : base("verify", "Verify a receipt offline: checkpoint signatures, witness cosignatures, leaves and inclusion proofs (no server needed)")
        {
            Add(file);
            Add(keys);
            Add(origin);
            witnesses.AddTo(this);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var path = result.GetRequiredValue(file);
                if (!File.Exists(path))
                {
                    throw new CliException($"No receipt file at {path}.");
                }

                var policy = witnesses.Read(result);
                var text = await File.ReadAllTextAsync(path, ct);
                var verifiers = KeyFiles.Load(result.GetRequiredValue(keys));
                var outcome = Verify(text, verifiers, result.GetValue(origin));
                var note = outcome.IsValid ? NoteOf(text) : "";
                // The witness policy judges a checkpoint that verified; a receipt that did not keeps its own failure.
                var (cosignatures, witnessed) = outcome.IsValid ? WitnessOptions.Evaluate(policy, note, verifiers) : ([], null);
                if (witnessed is { Satisfied: false })
                {
                    outcome = outcome with { IsValid = false, Field = "checkpoint.note", Failure = witnessed.Failure };
                }

                if (!outcome.IsValid)
                {
                    var exit = outcome.Field switch
                    {
                        "$" => ExitCodes.NotJson,
                        "format" => ExitCodes.UnknownReceiptFormat,
                        _ => ExitCodes.ReceiptInvalid,
                    };
                    throw new CliException(exit == ExitCodes.ReceiptInvalid ? $"Receipt does NOT verify: {outcome.Describe()}" : $"{path} is not a receipt this dx reads: {outcome.Describe()}",
                        StatusCode.FailedPrecondition, exit);
                }

                // Offline, only a remembered checkpoint of the same size can be compared: another root is a fork.
                if (context.Settings.StateDirectory is { } stateDirectory)
                {
                    new CheckpointMemory(stateDirectory).CheckOffline(context.Output.Error, note, verifiers);
                }

                context.Output.Show(VerifiedJson(outcome, witnessed, cosignatures), console =>
                {
                    console.MarkupLine(
                        $"[green]Receipt verifies[/]: {Markup.Escape(outcome.Trade!)}{(outcome.FilingNumber is { } f ? $" (filing {Markup.Escape(f)})" : "")}, "
                        + $"all {outcome.EventCount} event(s) as of tree size {outcome.Checkpoint!.Size} of {Markup.Escape(outcome.Checkpoint.Origin)}, signed by "
                        + Markup.Escape(string.Join(", ", outcome.SignedBy.Select(k => k.KeyName))));
                    console.WriteLine(witnessed is null
                        ? $"Witnesses: {cosignatures.Count} cosignature(s), not checked (no --witness)"
                        : $"Witnesses: {witnessed.Summary}");
                    if (cosignatures.Count > 0)
                    {
                        console.Write(WitnessOptions.Table(cosignatures));
                    }
                });
                return ExitCodes.Success;
            }));
        }
    }

    /// <summary>
    /// What --json prints for a receipt that verifies (a verification, not an API resource): verified, trade,
    /// filingNumber, events, treeSize, origin and signedBy, as a google.protobuf.Struct in the proto JSON mapping.
    /// </summary>
    public static Google.Protobuf.WellKnownTypes.Struct VerifiedJson(TradeReceiptVerification outcome,
        DataExchange.Ledger.Witness.WitnessPolicyResult? witnessed = null, IReadOnlyList<DataExchange.Ledger.Witness.CosignatureLine>? cosignatures = null)
    {
        var json = new Google.Protobuf.WellKnownTypes.Struct();
        json.Fields["verified"] = Google.Protobuf.WellKnownTypes.Value.ForBool(outcome.IsValid);
        json.Fields["trade"] = Google.Protobuf.WellKnownTypes.Value.ForString(outcome.Trade ?? "");
        json.Fields["filingNumber"] = Google.Protobuf.WellKnownTypes.Value.ForString(outcome.FilingNumber ?? "");
        json.Fields["events"] = Google.Protobuf.WellKnownTypes.Value.ForNumber(outcome.EventCount);
        json.Fields["treeSize"] = Google.Protobuf.WellKnownTypes.Value.ForString((outcome.Checkpoint?.Size ?? 0).ToString(CultureInfo.InvariantCulture));
        json.Fields["origin"] = Google.Protobuf.WellKnownTypes.Value.ForString(outcome.Checkpoint?.Origin ?? "");
        json.Fields["signedBy"] = Google.Protobuf.WellKnownTypes.Value.ForList([.. outcome.SignedBy.Select(k => Google.Protobuf.WellKnownTypes.Value.ForString(k.KeyName))]);
        if (cosignatures is { Count: > 0 } || witnessed is not null)
        {
            json.Fields["cosignatures"] = Google.Protobuf.WellKnownTypes.Value.ForList([.. (cosignatures ?? []).Select(c =>
            {
                var line = new Google.Protobuf.WellKnownTypes.Struct();
                line.Fields["witness"] = Google.Protobuf.WellKnownTypes.Value.ForString(c.WitnessName);
                line.Fields["keyId"] = Google.Protobuf.WellKnownTypes.Value.ForString(c.KeyId.ToString("x8", CultureInfo.InvariantCulture));
                line.Fields["time"] = Google.Protobuf.WellKnownTypes.Value.ForString(c.Time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "");
                line.Fields["verified"] = Google.Protobuf.WellKnownTypes.Value.ForBool(c.Verified);
                return Google.Protobuf.WellKnownTypes.Value.ForStruct(line);
            })]);
        }

        if (witnessed is not null)
        {
            json.Fields["witnesses"] = Google.Protobuf.WellKnownTypes.Value.ForString(witnessed.Summary);
        }

        return json;
    }

    /// <summary>
    /// The keys a checkpoint must be signed by: one per key name (that is, per algorithm). When the auditor holds several
    /// keys of one name (before and after a rotation), the one whose key id the note names is required.
    /// </summary>
    internal static List<INoteVerifier> RequiredKeys(string note, IReadOnlyList<INoteVerifier> keys)
    {
        IReadOnlyList<NoteSignature> signatures;
        try
        {
            signatures = SignedNote.Parse(note).Signatures;
        }
        catch (FormatException)
        {
            return [.. keys];
        }

        return [.. keys.GroupBy(k => k.KeyName).SelectMany(g =>
            g.Where(k => signatures.Any(s => s.KeyName == k.KeyName && s.KeyId == k.KeyId)) is var named && named.Any() ? named : g)];
    }

    /// <summary>The receipt's checkpoint.note, or "" when there is none to read.</summary>
    private static string NoteOf(string receiptJson)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(receiptJson);
            return document.RootElement.TryGetProperty("checkpoint", out var checkpoint) && checkpoint.ValueKind == System.Text.Json.JsonValueKind.Object
                && checkpoint.TryGetProperty("note", out var n) && n.ValueKind == System.Text.Json.JsonValueKind.String
                ? n.GetString()!
                : "";
        }
        catch (System.Text.Json.JsonException)
        {
            return "";
        }
    }

    /// <summary>Offline check of a receipt file with the ledger library's <see cref="TradeReceiptVerifier"/>; every key name given must sign.</summary>
    public static TradeReceiptVerification Verify(string receiptJson, IReadOnlyList<INoteVerifier> keys, string? expectedOrigin)
    {
        string note = "";
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(receiptJson);
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("checkpoint", out var checkpoint) && checkpoint.ValueKind == System.Text.Json.JsonValueKind.Object
                && checkpoint.TryGetProperty("note", out var n) && n.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                note = n.GetString()!;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // The verifier names it.
        }

        return TradeReceiptVerifier.Verify(receiptJson, RequiredKeys(note, keys), expectedOrigin);
    }
}
