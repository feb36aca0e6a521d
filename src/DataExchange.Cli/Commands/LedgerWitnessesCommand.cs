using System.CommandLine;
using System.Globalization;
using DataExchange.Contracts.V1;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>dx ledger witnesses: the witnesses the exchange pushes its checkpoints to, and how each is doing.</summary>
internal sealed class LedgerWitnessesCommand : Command
{
    public LedgerWitnessesCommand(GlobalOptions global)
        : base("witnesses", "List the exchange's witnesses: state, the size each cosigned, its last error")
    {
        SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
        {
            var response = await context.Ledger.ListWitnessesAsync(new ListWitnessesRequest(), context.Call(ct));
            context.Output.Show(response, console =>
            {
                console.WriteLine(response.Witnesses.Count == 0
                    ? "No witnesses configured (DX_WITNESSES on the server)."
                    : $"Quorum {response.Quorum} of {response.Witnesses.Count}; latest checkpoint {response.LatestTreeSize} leaves.");
                if (response.Witnesses.Count > 0)
                {
                    console.Write(Table(response.Witnesses));
                }
            });
            return ExitCodes.Success;
        }));
    }

    /// <summary>Name, state and cosigned size first; the address, last contact and the key go when narrow.</summary>
    public static TextTable Table(IEnumerable<Witness> witnesses) => Output.Table(
        [
            new("Witness", CellKind.Id), new("State", CellKind.Fixed), new("Cosigned size", CellKind.Fixed),
            new("Last contact", CellKind.Fixed, Drop: 2), new("Address", CellKind.Id, Drop: 3), new("Last error", CellKind.Text, Drop: 1),
        ],
        witnesses.Select(w => (IReadOnlyList<string>)
        [
            w.KeyName, EnumNames.Format(w.State), w.CosignedTreeSize.ToString(CultureInfo.InvariantCulture),
            w.LastContactTime is null ? "never" : Formatting.Time(w.LastContactTime), w.Uri, w.LastError,
        ]));
}
