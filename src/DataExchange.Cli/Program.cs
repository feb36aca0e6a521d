using System.CommandLine;
using DataExchange.Cli.Commands;

namespace DataExchange.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>
    /// Parses and runs one command line. A usage error (unknown command or option, missing or bad argument) is reported
    /// on <paramref name="stderr"/> with a hint, never the whole help on stdout, and exits 2 (<see cref="ExitCodes.InvalidInput"/>).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildRootCommand();
        if (args.Length == 0)
        {
            // 'dx' alone asks what there is: the help, as --help shows it.
            return await root.Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        }

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var line in UsageErrorLines(parseResult))
            {
                await stderr.WriteLineAsync(line);
            }

            return ExitCodes.InvalidInput;
        }

        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>"dx: …" per parse error, a "did you mean" when a mistyped command is close to one, and where help is.</summary>
    public static IReadOnlyList<string> UsageErrorLines(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        var path = CommandPath(parseResult);
        var subcommands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        var unmatched = parseResult.UnmatchedTokens.FirstOrDefault();
        var lines = new List<string>();
        if (unmatched is not null && !unmatched.StartsWith('-'))
        {
            // A mistyped command: the first unknown word says it; "required command" and the words after it are noise.
            lines.Add($"dx: unknown command '{unmatched}' for '{path}'.");
        }
        else
        {
            lines.AddRange(parseResult.Errors.Select(e => $"dx: {e.Message}"));
        }

        if (unmatched is not null && !unmatched.StartsWith('-') && Closest(unmatched, subcommands) is { } suggestion)
        {
            lines.Add($"Did you mean '{path} {suggestion}'?");
        }
        else if (subcommands.Count > 0 && parseResult.Errors.Any(e => e.Message.Contains("Required command", StringComparison.Ordinal)))
        {
            lines.Add($"'{path}' takes one of: {string.Join(", ", subcommands)}.");
        }

        lines.Add($"Run '{path} --help' for its commands and options.");
        return lines;
    }

    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command is RootCommand ? "dx" : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The candidate a typo most likely meant: a prefix of it, or within two edits.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        var scored = candidates
            .Select(c => (Name: c, Distance: c.StartsWith(typed, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(typed.ToLowerInvariant(), c)))
            .Where(x => x.Distance <= 2)
            .OrderBy(x => x.Distance)
            .ToList();
        return scored.Count > 0 && (scored.Count == 1 || scored[0].Distance < scored[1].Distance) ? scored[0].Name : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    public static RootCommand BuildRootCommand() => BuildRootCommand(new GlobalOptions());

    public static RootCommand BuildRootCommand(GlobalOptions global)
    {
        var root = new RootCommand($"""
            dx: command-line client of DataExchange (gRPC).
            Wherever a resource is named, a bare UUID works too, and so do a participant's display name, a listing's
            title, a trade's filing number and an export approval's reference number.

            {ExitCodes.HelpText}
            """);
        global.AddTo(root);

        // Command groups, one file each under Commands/. Add later groups here in the same way.
        root.Add(new HealthCommand(global));
        root.Add(ParticipantsCommands.Build(global));
        root.Add(TokensCommands.Build(global));
        root.Add(ListingsCommands.Build(global));
        root.Add(TradesCommands.Build(global));
        root.Add(ApprovalsCommands.Build(global));
        root.Add(new StatsCommand(global));
        root.Add(RegisterCommands.Build(global));
        root.Add(RulesCommands.Build(global));
        root.Add(WitnessCommands.Build(global));
        root.Add(SeedCommands.Build(global));
        root.Add(LedgerCommands.Build(global));
        root.Add(ReceiptCommands.Build(global));
        root.Add(AuditCommands.Build(global));
        return root;
    }
}
