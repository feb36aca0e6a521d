using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DataExchange.Contracts.V1;
using DataExchange.Seeds;
using Grpc.Core;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>dx seed: load the seed data set through the API (operator token); dx seed generate: write it.</summary>
internal static class SeedCommands
{
    public const string DefaultFile = "seeds/exchange-2022.json";

    public static Command Build(GlobalOptions global) => new LoadCommand(global);

    internal sealed class LoadCommand : Command
    {
        private readonly Option<string> file = new("--file")
        {
            Description = "Seed data set to load",
            HelpName = "path",
            DefaultValueFactory = _ => DefaultFile,
        };

        private readonly Option<int> parallelism = new("--parallelism")
        {
            Description = "Independent calls in flight at once",
            DefaultValueFactory = _ => 8,
        };

        public LoadCommand(GlobalOptions global)
            : base("seed", "Load the seed data set through the public API with an operator token (idempotent: loading twice changes nothing)")
        {
            Add(file);
            Add(parallelism);
            Add(new GenerateCommand(global));
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var token = context.Settings.Token
                    ?? throw new CliException("dx seed needs an operator token: --token or DX_TOKEN.", StatusCode.Unauthenticated);
                var path = result.GetValue(file) ?? DefaultFile;
                var workers = result.GetValue(parallelism);
                if (workers is < 1 or > 64)
                {
                    throw new CliException("--parallelism must be between 1 and 64.");
                }

                SeedDataSet dataSet;
                try
                {
                    dataSet = await SeedFormat.ReadFileAsync(path, cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException)
                {
                    throw new CliException($"Cannot read seed file '{path}': {e.Message}");
                }

                var loader = new SeedLoader(context.Channel, token, new SeedLoaderOptions
                {
                    Parallelism = workers,
                    CallTimeout = context.Settings.Timeout,
                });
                var stopwatch = Stopwatch.StartNew();
                try
                {
                    if (context.Output.Json)
                    {
                        await loader.LoadAsync(dataSet, progress: null, cancellationToken);
                    }
                    else
                    {
                        await LoadWithProgressAsync(context.Output.Console, loader, dataSet, cancellationToken);
                    }
                }
                catch (SeedLoadException e)
                {
                    throw new CliException(e.Message, e.InnerException is RpcException rpc ? rpc.StatusCode : StatusCode.FailedPrecondition);
                }

                var statistics = await context.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), context.Call(cancellationToken));
                var elapsed = stopwatch.Elapsed;
                context.Output.Show(statistics, console => RenderSummary(console, dataSet, statistics, elapsed));
                return ExitCodes.Success;
            }));
        }

        private static async Task LoadWithProgressAsync(IAnsiConsole console, SeedLoader loader, SeedDataSet dataSet, CancellationToken cancellationToken)
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var tasks = SeedPhases.Ordered.ToDictionary(phase => phase, phase => progress.AddTask(phase, autoStart: false));
                    void Report(SeedProgress p)
                    {
                        var task = tasks[p.Phase];
                        // Spectre's ProgressTask is safe to update from the loader's worker threads.
                        task.MaxValue = Math.Max(1, p.Total);
                        if (!task.IsStarted)
                        {
                            task.StartTask();
                        }

                        task.Value = p.Total == 0 ? 1 : Math.Max(task.Value, p.Completed);
                    }

                    await loader.LoadAsync(dataSet, Report, cancellationToken);
                    foreach (var task in tasks.Values)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                });
        }

        private static void RenderSummary(IAnsiConsole console, SeedDataSet dataSet, ExchangeStatistics statistics, TimeSpan elapsed)
        {
            var overall = statistics.Overall ?? new FilingTotals();
            console.Write(Output.Details($"Loaded {dataSet.Name}",
            [
                ("Participants", dataSet.Participants.Count.ToString(CultureInfo.InvariantCulture)),
                ("Listings", dataSet.Listings.Count.ToString(CultureInfo.InvariantCulture)),
                ("Export approvals", dataSet.Approvals.Count.ToString(CultureInfo.InvariantCulture)),
                ("Filed trades", overall.FiledTrades.ToString("N0", CultureInfo.InvariantCulture)),
                ("Total value", StatsCommand.Values(overall.TotalValue)),
                ("Cross-border trades", overall.CrossBorderTrades.ToString("N0", CultureInfo.InvariantCulture)),
                ("Cross-border value", StatsCommand.Values(overall.CrossBorderValue)),
                ("Refused attempts", overall.RefusedAttempts.ToString("N0", CultureInfo.InvariantCulture)),
                ("Elapsed", elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"),
            ]));
        }
    }

    internal sealed class GenerateCommand : Command
    {
        private readonly Option<string> output = new("--out")
        {
            Description = "Where to write the generated data set [default: stdout]",
            HelpName = "path",
        };

        public GenerateCommand(GlobalOptions global)
            : base("generate", "Write the deterministic seed data set (seeds/exchange-2022.json) generated from scratch")
        {
            Add(output);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var json = SeedGenerator.GenerateJson();
                var report = SeedValidator.Validate(SeedGenerator.Generate());
                if (!report.IsValid)
                {
                    throw new CliException("The generated data set does not validate: " + string.Join("; ", report.Problems.Take(3)), StatusCode.Internal);
                }

                if (result.GetValue(output) is { Length: > 0 } path)
                {
                    await File.WriteAllTextAsync(path, json, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken);
                    context.Output.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"Wrote {path}: {report.Figures.FiledTrades} filed trades, ¥{report.Figures.TotalValueMinor / 100:N0}, {report.Figures.CrossBorderTrades} cross-border."));
                }
                else
                {
                    await Console.Out.WriteAsync(json);
                }

                return ExitCodes.Success;
            }));
        }
    }
}
