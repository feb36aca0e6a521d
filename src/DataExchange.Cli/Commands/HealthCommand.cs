using System.CommandLine;
using Grpc.Health.V1;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>dx health: the standard grpc.health.v1 check (no token needed).</summary>
internal sealed class HealthCommand : Command
{
    private readonly Option<string> service = new("--service")
    {
        Description = "Service to check, for example dataexchange.v1.ListingService [default: the whole server]",
    };

    public HealthCommand(GlobalOptions global)
        : base("health", "Check whether the service is SERVING (exit 0) or not (exit 4)")
    {
        Add(service);
        SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
        {
            var response = await context.Health.CheckAsync(BuildRequest(result), context.Call(cancellationToken));
            var serving = response.Status == HealthCheckResponse.Types.ServingStatus.Serving;
            context.Output.Show(response, console =>
                console.MarkupLine($"[{(serving ? "green" : "red")}]{StatusName(response.Status)}[/]"));
            return serving ? ExitCodes.Success : ExitCodes.Unavailable;
        }));
    }

    public HealthCheckRequest BuildRequest(ParseResult result) => new() { Service = result.GetValue(service) ?? "" };

    /// <summary>"NOT_SERVING", as grpc.health.v1 spells it.</summary>
    public static string StatusName(HealthCheckResponse.Types.ServingStatus status) =>
        EnumNames.Kebab(status.ToString()).Replace('-', '_').ToUpperInvariant();
}
