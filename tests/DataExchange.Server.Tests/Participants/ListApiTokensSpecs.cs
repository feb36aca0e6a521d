using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Participants;

/// <summary>ListApiTokens: a participant's tokens without their secrets, for operators and for the participant itself.</summary>
public class ListApiTokensSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<(string Name, Clients Clients, string Secret, IssueApiTokenResponse Ci, IssueApiTokenResponse Old)> BuyerWithTokensAsync()
    {
        var buyer = await server.NewParticipantAsync("Harbour Analytics", Region.HongKong, "", Role.Buyer);
        var ci = await server.Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = buyer.Name, Label = "ci-pipeline", RequestId = Rid() });
        var old = await server.Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = buyer.Name, Label = "laptop", RequestId = Rid() });
        await server.Operator.Participants.RevokeApiTokenAsync(new RevokeApiTokenRequest { Name = old.Token.Name, Reason = "lost", RequestId = Rid() });
        return (buyer.Name, buyer.Clients, buyer.Token, ci, old);
    }

    [Fact]
    public async Task A_participant_lists_its_own_live_tokens_oldest_first_and_never_a_secret()
    {
        var (name, clients, secret, ci, old) = await BuyerWithTokensAsync();

        var listed = await clients.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = name });

        Assert.Equal(2, listed.Tokens.Count); // the token it calls with, and ci-pipeline; the revoked one is left out
        Assert.Equal(ci.Token, listed.Tokens[1]);
        Assert.All(listed.Tokens, t => Assert.StartsWith($"{name}/tokens/", t.Name, StringComparison.Ordinal));
        Assert.All(listed.Tokens, t => Assert.Null(t.RevokeTime));
        Assert.DoesNotContain(old.Token.Name, listed.Tokens.Select(t => t.Name));
        var json = Google.Protobuf.JsonFormatter.Default.Format(listed);
        Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        Assert.DoesNotContain(ci.Secret, json, StringComparison.Ordinal);
        Assert.Equal("", listed.NextPageToken);
    }

    [Fact]
    public async Task Revoked_tokens_are_shown_on_request_with_their_revoke_time_and_pages_walk_them_in_order()
    {
        var (name, _, _, ci, old) = await BuyerWithTokensAsync();

        var all = await server.Operator.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = name, ShowRevoked = true });
        Assert.Equal(3, all.Tokens.Count);
        Assert.NotNull(all.Tokens.Single(t => t.Name == old.Token.Name).RevokeTime);
        Assert.Equal(all.Tokens.OrderBy(t => t.CreateTime.ToDateTimeOffset()).Select(t => t.Name), all.Tokens.Select(t => t.Name));

        var paged = new List<ApiToken>();
        var request = new ListApiTokensRequest { Parent = name, ShowRevoked = true, PageSize = 1 };
        do
        {
            var page = await server.Operator.Participants.ListApiTokensAsync(request);
            Assert.True(page.Tokens.Count <= 1);
            paged.AddRange(page.Tokens);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal(all.Tokens, paged);
        Assert.Contains(ci.Token, paged);

        // A page token belongs to its query.
        var first = await server.Operator.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = name, ShowRevoked = true, PageSize = 1 });
        await Errors.Expect(StatusCode.InvalidArgument, "PAGE_TOKEN_FILTER_MISMATCH",
            () => server.Operator.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = name, PageToken = first.NextPageToken }));
    }

    [Fact]
    public async Task Operators_list_every_participants_tokens_and_no_one_else_lists_anothers()
    {
        var (name, clients, _, ci, _) = await BuyerWithTokensAsync();
        var other = await server.NewParticipantAsync("Pearl River Credit", Region.MainlandChina, "Guangzhou", Role.Buyer);

        var everyone = await server.Operator.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = "participants/-", PageSize = 200 });
        Assert.Contains(ci.Token, everyone.Tokens);
        Assert.Contains(everyone.Tokens, t => t.Name.StartsWith($"{other.Name}/tokens/", StringComparison.Ordinal));

        await Errors.Expect(StatusCode.PermissionDenied, "OPERATOR_ROLE_REQUIRED",
            () => other.Clients.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = name }));
        await Errors.Expect(StatusCode.PermissionDenied, "OPERATOR_ROLE_REQUIRED",
            () => clients.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = "participants/-" }));
        await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => server.Operator.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = "tokens" }));
        await Errors.Expect(StatusCode.NotFound, "PARTICIPANT_NOT_FOUND",
            () => server.Operator.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = $"participants/{Guid.CreateVersion7()}" }));
    }
}
