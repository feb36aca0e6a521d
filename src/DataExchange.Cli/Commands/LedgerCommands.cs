using System.CommandLine;
using System.Globalization;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Notes;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>dx ledger: checkpoints, signing keys and entries of the verifiable ledger.</summary>
internal static class LedgerCommands
{
    public static Command Build(GlobalOptions global) => new("ledger", "The verifiable ledger: signed checkpoints, signing keys, entries")
    {
        new CheckpointCommand(global),
        new KeysCommand(global),
        new EntriesCommand(global),
        new LedgerWitnessesCommand(global),
    };

    /// <summary>The signing keys: name and key id first; type and the tree sizes they sign go when narrow.</summary>
    public static TextTable KeysTable(IEnumerable<SigningKey> keys) => Output.Table(
        [
            new("Name", CellKind.Id), new("Key id", CellKind.Id), new("Type", CellKind.Fixed, Drop: 1),
            new("Valid from size", CellKind.Fixed, Drop: 2), new("Valid until size", CellKind.Fixed, Drop: 2),
        ],
        keys.Select(k => (IReadOnlyList<string>)
        [
            k.KeyName, k.KeyId, EnumNames.Format(k.Type), k.ValidFromTreeSize.ToString(CultureInfo.InvariantCulture),
            k.ValidUntilTreeSize == 0 ? "(current)" : k.ValidUntilTreeSize.ToString(CultureInfo.InvariantCulture),
        ]));

    /// <summary>Ledger entries: leaf, stream, version and event type first; the digest, times and dates go when narrow.</summary>
    public static TextTable EntriesTable(IEnumerable<LogEntry> entries) => Output.Table(
        [
            new("Leaf", CellKind.Fixed), new("Recorded", CellKind.Fixed, Drop: 2), new("Stream", CellKind.Id), new("Version", CellKind.Fixed),
            new("Event type", CellKind.Id), new("Effective", CellKind.Fixed, Drop: 3), new("Payload digest", CellKind.Id, Drop: 1),
        ],
        entries.Select(e => (IReadOnlyList<string>)
        [
            e.LeafIndex.ToString(CultureInfo.InvariantCulture), Formatting.Time(e.RecordTime), e.StreamId,
            e.StreamVersion.ToString(CultureInfo.InvariantCulture), e.LeafDecodeError.Length > 0 ? $"(malformed leaf: {e.LeafDecodeError})" : e.EventType,
            e.EffectiveDate, e.PayloadDigest,
        ]));

    internal sealed class CheckpointCommand : Command
    {
        private readonly Option<long> size = new("--size") { Description = "The smallest checkpoint covering this tree size (default: the latest)", HelpName = "n" };
        private readonly Option<bool> fresh = new("--fresh") { Description = "Sign a checkpoint of everything integrated so far, now" };
        private readonly Option<string> note = new("--out") { Description = "Also write the signed note to this file (keep it to check consistency later)", HelpName = "file" };

        public CheckpointCommand(GlobalOptions global)
            : base("checkpoint", "Show a signed checkpoint (C2SP signed note)")
        {
            Add(size);
            Add(fresh);
            Add(note);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var checkpoint = await context.Ledger.GetCheckpointAsync(
                    new GetCheckpointRequest { MinTreeSize = result.GetValue(size), Fresh = result.GetValue(fresh) }, context.Call(ct));
                if (result.GetValue(note) is { Length: > 0 } file)
                {
                    await File.WriteAllTextAsync(file, checkpoint.Note, ct);
                }

                context.Output.Show(checkpoint, console =>
                {
                    console.Write(Output.Details("Checkpoint",
                    [
                        ("Origin", checkpoint.Origin),
                        ("Tree size", checkpoint.TreeSize.ToString(CultureInfo.InvariantCulture)),
                        ("Root", Convert.ToHexStringLower(checkpoint.RootHash.ToByteArray())),
                        ("Hash", EnumNames.Format(checkpoint.HashAlgorithm)),
                        ("Signed", Formatting.Time(checkpoint.CreateTime)),
                    ]));
                    console.WriteLine();
                    console.Profile.Out.Writer.Write(checkpoint.Note);
                });
                return ExitCodes.Success;
            }));
        }
    }

    internal sealed class KeysCommand : Command
    {
        private readonly Option<string> outDir = new("--out") { Description = "Write each key as <name>.pem (OpenSSL) and <name>.vkey (note verifier key) into this folder", HelpName = "dir" };

        public KeysCommand(GlobalOptions global)
            : base("keys", "List the public keys that sign checkpoints")
        {
            Add(outDir);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var keys = await context.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest(), context.Call(ct));
                if (result.GetValue(outDir) is { Length: > 0 } dir)
                {
                    Directory.CreateDirectory(dir);
                    foreach (var key in keys.Keys.Where(k => k.ValidUntilTreeSize == 0))
                    {
                        await File.WriteAllTextAsync(Path.Combine(dir, key.KeyName + ".pem"), key.PublicKeyPem, ct);
                        await File.WriteAllTextAsync(Path.Combine(dir, key.KeyName + ".vkey"), key.VerifierKey + "\n", ct);
                    }
                }

                context.Output.Show(keys, console => console.Write(KeysTable(keys.Keys)));
                return ExitCodes.Success;
            }));
        }
    }

    internal sealed class EntriesCommand : Command
    {
        private readonly Option<long> from = new("--from") { Description = "First leaf index", HelpName = "n" };
        private readonly Option<int> limit = new("--limit") { Description = "Most entries to show (default 50, at most 200)", HelpName = "n" };

        public EntriesCommand(GlobalOptions global)
            : base("entries", "List ledger entries from a leaf index (auditors, compliance, operators)")
        {
            Add(from);
            Add(limit);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var page = await context.Ledger.ListEntriesAsync(
                    new ListEntriesRequest { StartLeafIndex = result.GetValue(from), PageSize = result.GetValue(limit) }, context.Call(ct));
                context.Output.Show(page, console => console.Write(EntriesTable(page.Entries)));
                return ExitCodes.Success;
            }));
        }
    }
}

/// <summary>Loads trusted checkpoint keys from files: *.vkey (note verifier key strings) and *.pem (public keys named by their file).</summary>
internal static class KeyFiles
{
    public static IReadOnlyList<INoteVerifier> Load(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path).Where(f => f.EndsWith(".vkey", StringComparison.Ordinal) || f.EndsWith(".pem", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new CliException($"Key file or folder '{path}' does not exist.");
            }
        }

        var verifiers = new List<INoteVerifier>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            INoteVerifier verifier;
            try
            {
                verifier = text.Contains("-----BEGIN", StringComparison.Ordinal)
                    ? FromPem(Path.GetFileNameWithoutExtension(file), text)
                    : NoteKeys.ParseVerifierKey(text.Trim());
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                throw new CliException($"{file} is not an Ed25519 or SM2 public key: {e.Message}");
            }

            if (!verifiers.Any(v => v.KeyName == verifier.KeyName && v.KeyId == verifier.KeyId))
            {
                verifiers.Add(verifier);
            }
        }

        return verifiers.Count > 0 ? verifiers : throw new CliException("No *.pem or *.vkey key was found in the given --keys.");
    }

    private static INoteVerifier FromPem(string name, string pem)
    {
        try
        {
            return Ed25519NoteVerifier.FromPem(name, pem);
        }
        catch (ArgumentException)
        {
            return Sm2NoteVerifier.FromPem(name, pem);
        }
    }
}
