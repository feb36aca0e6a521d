using System.CommandLine;
using DataExchange.Contracts.V1;
using Grpc.Core;
using Spectre.Console;
using Region = DataExchange.Contracts.V1.Region;

namespace DataExchange.Cli.Commands;

/// <summary>dx participants: market entities and their API tokens.</summary>
internal static class ParticipantsCommands
{
    public static Command Build(GlobalOptions global) => new("participants", "Market participants (vendors, buyers, compliance, auditors, operators) and their API tokens")
    {
        new CreateCommand(global),
        new ShowCommand(global),
        new ListCommand(global),
        new UpdateCommand(global),
        new IssueTokenCommand(global),
        new RevokeTokenCommand(global),
    };

    /// <summary>
    /// "participants/{uuid}" for a resource name, a bare UUID, or else a display name (case-insensitive, must match
    /// exactly one participant; looked up by listing them).
    /// </summary>
    public static Task<string> ResolveAsync(CliContext context, string nameOrId, CancellationToken cancellationToken) =>
        context.Names.ResolveParticipantAsync(nameOrId);

    public static void Render(IAnsiConsole console, Participant participant, IDisplayNames? names = null)
    {
        console.Write(Output.Details($"Participant {participant.DisplayName}",
        [
            ("Name", participant.Name),
            ("Display name", participant.DisplayName),
            ("Legal name", participant.LegalName),
            ("Roles", string.Join(", ", participant.Roles.Select(EnumNames.Format))),
            ("Jurisdiction", Formatting.Jurisdiction(participant.Jurisdiction)),
            ("CIIO", Formatting.YesNo(participant.CriticalInformationInfrastructureOperator)),
            ("Created", Formatting.Time(participant.CreateTime)),
            ("Updated", Formatting.Time(participant.UpdateTime)),
            ("Etag", participant.Etag),
        ]));
        if (participant.CiioDesignations.Count > 0)
        {
            console.Write(DesignationsTable(participant, names));
        }
    }

    /// <summary>The CIIO designation changes by effective date; before the first, the registration's status held.</summary>
    public static TextTable DesignationsTable(Participant participant, IDisplayNames? names = null) =>
        Output.Table(
            [
                new("CIIO from", CellKind.Fixed), new("CIIO", CellKind.Fixed), new("Reference", CellKind.Id),
                new("Recorded by", Drop: 1), new("Recorded", CellKind.Fixed, Drop: 2),
            ],
            participant.CiioDesignations
                .Select((d, i) => (d, i))
                .OrderBy(x => Formatting.Date(x.d.EffectiveDate), StringComparer.Ordinal).ThenBy(x => x.i)
                .Select(x => (IReadOnlyList<string>)
                [
                    Formatting.Date(x.d.EffectiveDate), Formatting.YesNo(x.d.CriticalInformationInfrastructureOperator), x.d.Reference,
                    (names ?? NoDisplayNames.Instance).Participant(x.d.RecordedBy), Formatting.Time(x.d.CreateTime),
                ]));

    /// <summary>
    /// One row per participant: UUID and display name first; roles, jurisdiction and CIIO status go when the terminal
    /// is narrow.
    /// </summary>
    public static TextTable Table(IEnumerable<Participant> participants) => Output.Table(
        [
            new("Id", CellKind.Id), new("Display name"), new("Roles", Drop: 1), new("Jurisdiction", Drop: 2), new("CIIO", CellKind.Fixed, Drop: 3),
        ],
        participants.Select(p => (IReadOnlyList<string>)
        [
            Names.BareId(p.Name), p.DisplayName, string.Join(", ", p.Roles.Select(EnumNames.Format)),
            Formatting.Jurisdiction(p.Jurisdiction), Formatting.YesNo(p.CriticalInformationInfrastructureOperator),
        ]));

    /// <summary>Shows the participant: as JSON, or with the display names of whoever recorded its designations.</summary>
    public static async Task ShowAsync(CliContext context, Participant participant)
    {
        if (!context.Output.Json)
        {
            context.Names.Know(participant);
            await context.Names.LoadParticipantsAsync(participant.CiioDesignations.Select(d => d.RecordedBy));
        }

        context.Output.Show(participant, console => Render(console, participant, context.Names));
    }

    internal sealed class CreateCommand : Command
    {
        private readonly Option<string> displayName = new("--display-name") { Description = "Short name shown to people", Required = true };
        private readonly Option<string> legalName = new("--legal-name") { Description = "Registered legal name", Required = true };
        private readonly Option<Role[]> roles = CliOptions.EnumList<Role>("--role", "Role of the participant", required: true);
        private readonly Option<Region> region = CliOptions.Enum<Region>("--region", "Where the participant is registered", required: true);
        private readonly Option<string> city = new("--city") { Description = "City, required for the mainland (for example Shenzhen)" };
        private readonly Option<bool> ciio = new("--ciio")
        {
            Description = "Critical information infrastructure operator (关键信息基础设施运营者): stricter export rules",
        };

        private readonly Option<string> requestId = CliOptions.RequestId();

        public CreateCommand(GlobalOptions global)
            : base("create", "Register a participant (operators only)")
        {
            Add(displayName);
            Add(legalName);
            Add(roles);
            Add(region);
            Add(city);
            Add(ciio);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result);
                context.RequestId = request.RequestId;
                var participant = await context.Participants.CreateParticipantAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, participant);
                return ExitCodes.Success;
            }));
        }

        public CreateParticipantRequest BuildRequest(ParseResult result) => new()
        {
            Participant = new Participant
            {
                DisplayName = result.GetValue(displayName)?.Trim() ?? "",
                LegalName = result.GetValue(legalName)?.Trim() ?? "",
                Roles = { result.GetValue(roles) ?? [] },
                Jurisdiction = new Jurisdiction { Region = result.GetValue(region), City = result.GetValue(city)?.Trim() ?? "" },
                CriticalInformationInfrastructureOperator = result.GetValue(ciio),
            },
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    internal sealed class ShowCommand : Command
    {
        private readonly Argument<string> nameOrId = new("NAME_OR_ID")
        {
            Description = "participants/{uuid}, a bare UUID, or a display name",
        };

        public ShowCommand(GlobalOptions global)
            : base("show", "Show one participant")
        {
            Add(nameOrId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var name = await ResolveAsync(context, result.GetRequiredValue(nameOrId), cancellationToken);
                var participant = await context.Participants.GetParticipantAsync(new GetParticipantRequest { Name = name },
                    context.Call(cancellationToken));
                await ShowAsync(context, participant);
                return ExitCodes.Success;
            }));
        }
    }

    internal sealed class ListCommand : Command
    {
        private readonly Option<Role> role = CliOptions.Enum<Role>("--role", "Only participants holding this role");
        private readonly Option<Region> region = CliOptions.Enum<Region>("--region", "Only participants registered in this region");
        private readonly PagingOptions paging = new();

        public ListCommand(GlobalOptions global)
            : base("list", "List participants")
        {
            Add(role);
            Add(region);
            paging.AddTo(this);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var response = await paging.FetchAsync(result,
                    (pageSize, pageToken) =>
                    {
                        var request = BuildRequest(result);
                        request.PageSize = pageSize;
                        request.PageToken = pageToken;
                        return context.Participants.ListParticipantsAsync(request, context.Call(cancellationToken)).ResponseAsync;
                    },
                    page => page.NextPageToken,
                    (all, page) =>
                    {
                        all.Participants.Add(page.Participants);
                        all.NextPageToken = page.NextPageToken;
                    });
                context.Output.Show(response, console =>
                {
                    console.Write(Table(response.Participants));
                    if (response.NextPageToken.Length > 0)
                    {
                        console.Write(Output.NextPageHint(response.NextPageToken));
                        console.WriteLine();
                    }
                });
                return ExitCodes.Success;
            }));
        }

        public ListParticipantsRequest BuildRequest(ParseResult result) => new()
        {
            Role = result.GetValue(role),
            Region = result.GetValue(region),
            PageSize = result.GetValue(paging.PageSize),
            PageToken = result.GetValue(paging.PageToken) ?? "",
        };
    }

    /// <summary>
    /// dx participants update: a dated change of the participant's facts. Only the CIIO designation changes, from
    /// --effective-date on, on the strength of the designation document --reference (compliance officers, operators).
    /// </summary>
    internal sealed class UpdateCommand : Command
    {
        private readonly Argument<string> nameOrId = new("NAME_OR_ID")
        {
            Description = "participants/{uuid}, a bare UUID, or a display name",
        };

        // A string, not a bool: a bool option would default to false when left out, and read a bare --ciio as true.
        private readonly Option<string> ciio = new Option<string>("--ciio")
        {
            Description = "Designated a critical information infrastructure operator (关键信息基础设施运营者) from --effective-date on: true or false",
            HelpName = "true|false",
            Required = true,
        }.AcceptOnlyFromAmong("true", "false");

        private readonly Option<DateOnly> effectiveDate = CliOptions.Date("--effective-date",
            "The day the designation (or its end) takes effect; trades are judged by the status in force on their contract date", required: true);

        private readonly Option<string> reference = new("--reference")
        {
            Description = "The designation document's number", HelpName = "ref", Required = true,
        };

        private readonly Option<string> etag = CliOptions.Etag();
        private readonly Option<string> requestId = CliOptions.RequestId();

        public UpdateCommand(GlobalOptions global)
            : base("update", "Record a CIIO designation, or its end, with the date it takes effect (compliance officers and operators)")
        {
            Add(nameOrId);
            Add(ciio);
            Add(effectiveDate);
            Add(reference);
            Add(etag);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var name = await ResolveAsync(context, result.GetRequiredValue(nameOrId), cancellationToken);
                var request = BuildRequest(result, name);
                context.RequestId = request.RequestId;
                var participant = await context.Participants.UpdateParticipantAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, participant);
                return ExitCodes.Success;
            }));
        }

        public UpdateParticipantRequest BuildRequest(ParseResult result, string name) => new()
        {
            Participant = new Participant
            {
                Name = name,
                CriticalInformationInfrastructureOperator = result.GetValue(ciio) == "true",
                Etag = result.GetValue(etag)?.Trim() ?? "",
            },
            UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "critical_information_infrastructure_operator" } },
            EffectiveDate = Formatting.ProtoDate(result.GetValue(effectiveDate)),
            Reference = result.GetValue(reference)?.Trim() ?? "",
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    internal sealed class IssueTokenCommand : Command
    {
        private readonly Argument<string> nameOrId = new("NAME_OR_ID")
        {
            Description = "The participant: participants/{uuid}, a bare UUID, or a display name",
        };

        private readonly Option<string> label = new("--label") { Description = "What the token is for, for example 'ci-pipeline'", Required = true };
        private readonly Option<string> requestId = CliOptions.RequestId();

        public IssueTokenCommand(GlobalOptions global)
            : base("issue-token", "Issue an API token; its secret is shown only this once (operators only)")
        {
            Add(nameOrId);
            Add(label);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var parent = await ResolveAsync(context, result.GetRequiredValue(nameOrId), cancellationToken);
                var request = BuildRequest(result, parent);
                context.RequestId = request.RequestId;
                var response = await context.Participants.IssueApiTokenAsync(request, context.Call(cancellationToken));
                context.Output.Show(response, console =>
                {
                    console.Write(Output.Details("API token issued",
                    [
                        ("Id", Names.BareId(response.Token.Name)),
                        ("Participant", TokensCommands.Owner(response.Token.Name)),
                        ("Label", response.Token.Label),
                        ("Created", Formatting.Time(response.Token.CreateTime)),
                    ]));
                    console.MarkupLine("[bold yellow]Secret (shown once; store it now, it cannot be retrieved later):[/]");
                    // The secret alone on its own line, unstyled, so it can be copied or captured exactly.
                    console.Profile.Out.Writer.WriteLine(response.Secret);
                });
                return ExitCodes.Success;
            }));
        }

        public IssueApiTokenRequest BuildRequest(ParseResult result, string parent) => new()
        {
            Parent = parent,
            Label = result.GetValue(label)?.Trim() ?? "",
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    internal sealed class RevokeTokenCommand : Command
    {
        private readonly Argument<string> tokenName = new("TOKEN") { Description = "participants/{uuid}/tokens/{uuid}, or the token's UUID (as 'dx tokens list' shows it)" };
        private readonly Option<string> reason = CliOptions.Reason();
        private readonly Option<string> requestId = CliOptions.RequestId();

        public RevokeTokenCommand(GlobalOptions global)
            : base("revoke-token", "Revoke an API token; it stops authenticating at once (operators only)")
        {
            Add(tokenName);
            Add(reason);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result, await context.Names.ResolveTokenAsync(result.GetRequiredValue(tokenName)));
                context.RequestId = request.RequestId;
                var token = await context.Participants.RevokeApiTokenAsync(request, context.Call(cancellationToken));
                context.Output.Show(token, console => console.Write(Output.Details("API token revoked",
                [
                    ("Id", Names.BareId(token.Name)),
                    ("Participant", TokensCommands.Owner(token.Name)),
                    ("Label", token.Label),
                    ("Created", Formatting.Time(token.CreateTime)),
                    ("Revoked", Formatting.Time(token.RevokeTime)),
                ])));
                return ExitCodes.Success;
            }));
        }

        public RevokeApiTokenRequest BuildRequest(ParseResult result, string? resolved = null) => new()
        {
            Name = resolved ?? ResourceNames.NormalizeToken(result.GetRequiredValue(tokenName)),
            Reason = result.GetValue(reason)?.Trim() ?? "",
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }
}
