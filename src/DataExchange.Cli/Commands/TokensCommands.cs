using System.CommandLine;
using DataExchange.Contracts.V1;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>dx tokens: the API tokens of participants (issue and revoke are under dx participants).</summary>
internal static class TokensCommands
{
    public static Command Build(GlobalOptions global) => new("tokens", "API tokens: list them (issue-token and revoke-token are under 'dx participants')")
    {
        new ListCommand(global),
    };

    /// <summary>
    /// One row per token: its UUID (what revoke-token accepts) and label first; the participant (when listing every
    /// participant's), when it was issued and when revoked go when the terminal is narrow. Secrets are never listed.
    /// </summary>
    public static TextTable Table(IEnumerable<ApiToken> tokens, IDisplayNames names, bool participants, bool revoked)
    {
        var columns = new List<Col> { new("Id", CellKind.Id), new("Label") };
        if (participants)
        {
            columns.Add(new("Participant", Drop: 2));
        }

        columns.Add(new("Issued", CellKind.Fixed, Drop: 3));
        if (revoked)
        {
            columns.Add(new("Revoked", CellKind.Fixed, Drop: 1));
        }

        return Output.Table(columns, tokens.Select(t =>
        {
            var row = new List<string> { Names.BareId(t.Name), t.Label };
            if (participants)
            {
                row.Add(names.Participant(Owner(t.Name)));
            }

            row.Add(Formatting.Time(t.CreateTime));
            if (revoked)
            {
                row.Add(Formatting.Time(t.RevokeTime));
            }

            return (IReadOnlyList<string>)row;
        }));
    }

    /// <summary>"participants/{uuid}" from "participants/{uuid}/tokens/{uuid}".</summary>
    public static string Owner(string tokenName) => ApprovalsCommands.Exporter(tokenName);

    internal sealed class ListCommand : Command
    {
        private readonly Argument<string> participant = new("PARTICIPANT")
        {
            Description = "participants/{uuid}, a bare UUID, or a display name [default: every participant's tokens (operators)]",
            Arity = ArgumentArity.ZeroOrOne,
        };

        private readonly Option<bool> showRevoked = new("--show-revoked") { Description = "Also list revoked tokens, with when they were revoked" };
        private readonly PagingOptions paging = new();

        public ListCommand(GlobalOptions global)
            : base("list", "List API tokens, oldest first, never their secrets (operators; a participant, its own)")
        {
            Add(participant);
            Add(showRevoked);
            paging.AddTo(this);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var parent = result.GetValue(participant) is { Length: > 0 } given
                    ? await context.Names.ResolveParticipantAsync(given)
                    : ResourceNames.AllParticipants;
                var response = await paging.FetchAsync(result,
                    (pageSize, pageToken) =>
                    {
                        var request = BuildRequest(result, parent);
                        request.PageSize = pageSize;
                        request.PageToken = pageToken;
                        return context.Participants.ListApiTokensAsync(request, context.Call(cancellationToken)).ResponseAsync;
                    },
                    page => page.NextPageToken,
                    (all, page) =>
                    {
                        all.Tokens.Add(page.Tokens);
                        all.NextPageToken = page.NextPageToken;
                    });
                var everyone = parent == ResourceNames.AllParticipants;
                if (!context.Output.Json && everyone)
                {
                    await context.Names.LoadParticipantsAsync(response.Tokens.Select(t => Owner(t.Name)));
                }

                context.Output.Show(response, console =>
                {
                    console.Write(Table(response.Tokens, context.Names, participants: everyone, revoked: result.GetValue(showRevoked)));
                    if (response.NextPageToken.Length > 0)
                    {
                        console.Write(Output.NextPageHint(response.NextPageToken));
                        console.WriteLine();
                    }
                });
                return ExitCodes.Success;
            }));
        }

        public ListApiTokensRequest BuildRequest(ParseResult result, string parent) => new()
        {
            Parent = parent,
            ShowRevoked = result.GetValue(showRevoked),
            PageSize = result.GetValue(paging.PageSize),
            PageToken = result.GetValue(paging.PageToken) ?? "",
        };
    }
}
