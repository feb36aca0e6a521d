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
            : base("verify", "Check every checkpoint, leaf, tree node and event against the signed checkpoints; name everything that changed")
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
            : base("replay", "Rebuild read models (participants, listings) from the ledger's events and compare with what the service serves")
        {
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var differences = await LedgerReplay.RunAsync(context, ct);
                foreach (var line in differences.Lines)
                {
                    context.Output.Console.WriteLine(line);
                }

                return differences.Differences == 0
                    ? ExitCodes.Success
                    : throw new CliException($"Replay found {differences.Differences} difference(s).", StatusCode.DataLoss);
            }));
        }
    }
}

/// <summary>
/// Rebuilds read models from the ledger's events. EXTENSION POINT: add an <see cref="IReplayModel"/> per capability
/// (trades, statistics) to <see cref="Models"/>.
/// </summary>
internal static class LedgerReplay
{
    /// <summary>How Marten stores event payloads: System.Text.Json, property names as declared, enums as strings.</summary>
    public static readonly JsonSerializerOptions MartenJson = new() { Converters = { new JsonStringEnumConverter() } };

    public static IReadOnlyList<IReplayModel> Models() => [new ParticipantReplay(), new ListingReplay(), new TradeReplay(), new ExportVolumeReplay()];

    /// <summary>Marten's event type name: the CLR name in snake_case (ListingDrafted → listing_drafted).</summary>
    public static string EventTypeName(Type type) => JsonNamingPolicy.SnakeCaseLower.ConvertName(type.Name);

    public static async Task<(int Differences, IReadOnlyList<string> Lines)> RunAsync(CliContext context, CancellationToken ct)
    {
        var models = Models();
        var lines = new List<string>();
        long count = 0;
        using (var stream = context.Ledger.StreamEntries(new StreamEntriesRequest(), context.Call(ct).WithDeadline(DateTime.MaxValue)))
        {
            await foreach (var entry in stream.ResponseStream.ReadAllAsync(ct))
            {
                count++;
                if (models.FirstOrDefault(m => m.Handles(entry.EventType)) is { } model)
                {
                    model.Apply(Guid.Parse(entry.StreamId), entry.EventType, entry.Payload.ToStringUtf8());
                }
            }
        }

        lines.Add($"{count} entries replayed");
        var differences = 0;
        foreach (var model in models)
        {
            var found = await model.CompareAsync(context, ct);
            differences += found.Count;
            lines.AddRange(found);
            lines.Add($"{model.Name}: {model.Count} rebuilt, {found.Count} difference(s)"
                + (model is TradeReplay trades ? $"; {trades.DecisionsReplayed} compliance decisions re-decided from their recorded inputs" : ""));
        }

        return (differences, lines);
    }
}

/// <summary>One read model rebuilt by <c>dx audit replay</c>.</summary>
internal interface IReplayModel
{
    string Name { get; }

    int Count { get; }

    bool Handles(string eventType);

    void Apply(Guid streamId, string eventType, string payloadJson);

    /// <summary>Differences between the rebuilt models and what the service serves, one line each.</summary>
    Task<IReadOnlyList<string>> CompareAsync(CliContext context, CancellationToken ct);
}

internal abstract class ReplayModel<TState>(string name, IEnumerable<Type> eventTypes, Func<TState?, object, TState> evolve) : IReplayModel
    where TState : class
{
    private readonly Dictionary<string, Type> types = eventTypes.ToDictionary(LedgerReplay.EventTypeName);

    protected Dictionary<Guid, TState> States { get; } = [];

    public string Name => name;

    public int Count => States.Count;

    public bool Handles(string eventType) => types.ContainsKey(eventType);

    public virtual void Apply(Guid streamId, string eventType, string payloadJson)
    {
        var e = JsonSerializer.Deserialize(payloadJson, types[eventType], LedgerReplay.MartenJson)!;
        States[streamId] = evolve(States.GetValueOrDefault(streamId), e);
    }

    public abstract Task<IReadOnlyList<string>> CompareAsync(CliContext context, CancellationToken ct);
}

internal sealed class ParticipantReplay() : ReplayModel<DataExchange.Domain.Participants.Participant>(
    "participants", ParticipantEvolution.EventTypes, (state, e) => Version(ParticipantEvolution.Evolve(state, e), state))
{
    private static DataExchange.Domain.Participants.Participant Version(DataExchange.Domain.Participants.Participant next, DataExchange.Domain.Participants.Participant? previous)
    {
        next.Version = (previous?.Version ?? 0) + 1;
        return next;
    }

    public override async Task<IReadOnlyList<string>> CompareAsync(CliContext context, CancellationToken ct)
    {
        var differences = new List<string>();
        foreach (var (id, rebuilt) in States)
        {
            var served = await context.Participants.GetParticipantAsync(new GetParticipantRequest { Name = $"participants/{id}" }, context.Call(ct));
            var etag = rebuilt.Version.ToString(CultureInfo.InvariantCulture);
            if (served.DisplayName != rebuilt.DisplayName || served.LegalName != rebuilt.LegalName || served.Etag != etag)
            {
                differences.Add($"participants/{id}: served '{served.DisplayName}' etag {served.Etag}, replayed '{rebuilt.DisplayName}' etag {etag}");
            }
        }

        return differences;
    }
}

internal sealed class ListingReplay() : ReplayModel<DataExchange.Domain.Listings.Listing>(
    "listings", ListingEvolution.EventTypes, (state, e) => Version(ListingEvolution.Evolve(state, e), state))
{
    private static DataExchange.Domain.Listings.Listing Version(DataExchange.Domain.Listings.Listing next, DataExchange.Domain.Listings.Listing? previous)
    {
        next.Version = (previous?.Version ?? 0) + 1;
        return next;
    }

    public override async Task<IReadOnlyList<string>> CompareAsync(CliContext context, CancellationToken ct)
    {
        var differences = new List<string>();
        foreach (var (id, rebuilt) in States)
        {
            var served = await context.Listings.GetListingAsync(new GetListingRequest { Name = $"listings/{id}" }, context.Call(ct));
            var etag = rebuilt.Version.ToString(CultureInfo.InvariantCulture);
            if ((int)served.State != (int)rebuilt.State || served.Title != rebuilt.Content.Title || served.Etag != etag)
            {
                differences.Add($"listings/{id}: served {served.State} '{served.Title}' etag {served.Etag}, replayed {rebuilt.State} '{rebuilt.Content.Title}' etag {etag}");
            }
        }

        return differences;
    }
}
