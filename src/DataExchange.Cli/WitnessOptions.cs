using System.CommandLine;
using System.Globalization;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;

namespace DataExchange.Cli;

/// <summary>
/// The witness policy options of a command: --witness (a vkey file, or the vkey itself; repeatable) with
/// --witness-quorum, or --witness-policy FILE (lines 'witness &lt;vkey&gt;' and 'quorum &lt;K&gt;', # comments).
/// </summary>
internal sealed class WitnessOptions
{
    public Option<string[]> Witness { get; } = new("--witness")
    {
        Description = "A witness that must cosign: a file holding its verifier key as 'dx witness keygen' prints it, or the key itself; repeatable",
        HelpName = "vkey-file",
    };

    public Option<int?> Quorum { get; } = new("--witness-quorum")
    {
        Description = "How many of the --witness witnesses must have cosigned (default: all)",
        HelpName = "k",
    };

    public Option<string> PolicyFile { get; } = new("--witness-policy")
    {
        Description = "A witness policy file: lines 'witness <vkey>' and 'quorum <k>', '#' starts a comment",
        HelpName = "file",
    };

    public void AddTo(Command command)
    {
        command.Add(Witness);
        command.Add(Quorum);
        command.Add(PolicyFile);
    }

    /// <summary>The policy the options give, or null when none is given. Bad input is a <see cref="CliException"/> (exit 2).</summary>
    public WitnessPolicy? Read(ParseResult result)
    {
        var witnesses = result.GetValue(Witness) ?? [];
        var quorum = result.GetValue(Quorum);
        var file = result.GetValue(PolicyFile);
        if (file is { Length: > 0 })
        {
            if (witnesses.Length > 0 || quorum is not null)
            {
                throw new CliException("Give --witness-policy, or --witness with --witness-quorum, not both.");
            }

            if (!File.Exists(file))
            {
                throw new CliException($"No witness policy file at {file}.");
            }

            try
            {
                return WitnessPolicy.Parse(File.ReadAllText(file));
            }
            catch (FormatException e)
            {
                throw new CliException($"{file}: {e.Message}");
            }
        }

        if (witnesses.Length == 0)
        {
            return quorum is null ? null : throw new CliException("--witness-quorum needs --witness.");
        }

        var verifiers = witnesses.Select(ReadVerifier).ToList();
        try
        {
            return new WitnessPolicy(verifiers, quorum);
        }
        catch (FormatException e)
        {
            throw new CliException($"--witness-quorum: {e.Message}");
        }
    }

    private static CosignatureVerifier ReadVerifier(string given)
    {
        string text;
        if (File.Exists(given))
        {
            text = File.ReadAllText(given);
        }
        else if (given.Contains('+', StringComparison.Ordinal))
        {
            text = given;
        }
        else
        {
            throw new CliException($"--witness '{given}' is neither a file nor a witness verifier key (name+id+key).");
        }

        try
        {
            return CosignatureVerifier.Parse(text.Trim());
        }
        catch (FormatException e)
        {
            throw new CliException($"--witness '{given}': {e.Message}");
        }
    }

    /// <summary>The cosignature lines of a note (witness, key id, time, verified or not), for people.</summary>
    public static TextTable Table(IReadOnlyList<CosignatureLine> lines) => Output.Table(
        [new("Witness", CellKind.Id), new("Key id", CellKind.Id), new("Time (UTC)", CellKind.Fixed, Drop: 1), new("Cosignature", CellKind.Fixed)],
        lines.Select(l => (IReadOnlyList<string>)
        [
            l.WitnessName, l.KeyId.ToString("x8", CultureInfo.InvariantCulture),
            l.Time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "",
            l switch { { Verified: true } => "verified", { InPolicy: true } => "INVALID", _ => "not checked (no --witness key)" },
        ]));

    /// <summary>The cosignature lines of a note under the policy (or all unchecked without one), and the policy's verdict.</summary>
    public static (IReadOnlyList<CosignatureLine> Lines, WitnessPolicyResult? Result) Evaluate(WitnessPolicy? policy, string note, IEnumerable<INoteVerifier> logKeys)
    {
        var keys = logKeys.ToList();
        if (policy is null)
        {
            return (WitnessPolicy.Cosignatures(note, keys, [], out _), null);
        }

        var result = policy.Evaluate(note, keys);
        return (result.Lines, result);
    }
}
