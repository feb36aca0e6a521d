using System.CommandLine;
using System.CommandLine.Invocation;
using DataExchange.Cli.Commands;

namespace DataExchange.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var parseResult = BuildRootCommand().Parse(args);
        var exitCode = await parseResult.InvokeAsync();
        // Parse errors are the caller's input mistakes: same exit code as INVALID_ARGUMENT.
        return parseResult.Action is ParseErrorAction ? ExitCodes.InvalidInput : exitCode;
    }

    public static RootCommand BuildRootCommand() => BuildRootCommand(new GlobalOptions());

    public static RootCommand BuildRootCommand(GlobalOptions global)
    {
        var root = new RootCommand($"""
            dx: command-line client of DataExchange (gRPC).
            Resource names may be given as 'listings/{"{uuid}"}' or as a bare UUID.

            {ExitCodes.HelpText}
            """);
        global.AddTo(root);

        // Command groups, one file each under Commands/. Add later groups here in the same way.
        root.Add(new HealthCommand(global));
        root.Add(ParticipantsCommands.Build(global));
        root.Add(ListingsCommands.Build(global));
        root.Add(TradesCommands.Build(global));
        root.Add(ApprovalsCommands.Build(global));
        root.Add(new StatsCommand(global));
        root.Add(RulesCommands.Build(global));
        root.Add(SeedCommands.Build(global));
        root.Add(LedgerCommands.Build(global));
        root.Add(ReceiptCommands.Build(global));
        root.Add(AuditCommands.Build(global));
        return root;
    }
}
