using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Listings;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>Each RPC × each role, plus no token and a revoked token. Denied calls write nothing.</summary>
public class AuthorisationSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    public enum Who { Operator, Vendor, OtherVendor, Buyer, Compliance, Auditor }

    private sealed record World(Dictionary<Who, Clients> Clients, string VendorName, string BuyerName);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ServerFixture, Task<World>> Worlds = new();

    /// <summary>One cast of participants per server: the matrix reuses it for all its cases.</summary>
    private Task<World> WorldAsync() => Worlds.GetValue(server, _ => CreateWorldAsync());

    private async Task<World> CreateWorldAsync()
    {
        var clients = new Dictionary<Who, Clients> { [Who.Operator] = server.Operator };
        var vendor = await server.NewParticipantAsync("Vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        clients[Who.Vendor] = vendor.Clients;
        clients[Who.OtherVendor] = (await server.NewParticipantAsync("Other vendor", Region.MainlandChina, "Guangzhou", Role.Vendor)).Clients;
        var buyer = await server.NewParticipantAsync("Buyer", Region.HongKong, "", Role.Buyer);
        clients[Who.Buyer] = buyer.Clients;
        clients[Who.Compliance] = (await server.NewParticipantAsync("Compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer)).Clients;
        clients[Who.Auditor] = (await server.NewParticipantAsync("Auditor", Region.MainlandChina, "Shenzhen", Role.Auditor)).Clients;
        return new World(clients, vendor.Name, buyer.Name);
    }

    /// <summary>Prepares a listing in the state the action needs, then performs the action as <paramref name="who"/>.</summary>
    private static async Task Perform(World world, string action, Who who)
    {
        var vendor = world.Clients[Who.Vendor].Listings;
        var compliance = world.Clients[Who.Compliance].Listings;
        var actor = world.Clients[who];
        async Task<string> ListingIn(ListingState state)
        {
            var name = (await vendor.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() })).Name;
            if (state == ListingState.Draft) return name;
            await vendor.SubmitListingAsync(new SubmitListingRequest { Name = name, RequestId = Rid() });
            if (state == ListingState.Submitted) return name;
            await compliance.ReviewListingAsync(new ReviewListingRequest { Name = name, Decision = ReviewDecision.Approve, RequestId = Rid() });
            if (state == ListingState.Registered) return name;
            await vendor.PublishListingAsync(new PublishListingRequest { Name = name, RequestId = Rid() });
            if (state == ListingState.Listed) return name;
            await compliance.SuspendListingAsync(new SuspendListingRequest { Name = name, Reason = "r", RequestId = Rid() });
            return name;
        }

        switch (action)
        {
            case "CreateParticipant":
                await actor.Participants.CreateParticipantAsync(new CreateParticipantRequest
                {
                    RequestId = Rid(),
                    Participant = new Participant { DisplayName = "X", LegalName = "X Ltd", Roles = { Role.Buyer }, Jurisdiction = new Jurisdiction { Region = Region.Macao } },
                });
                break;
            case "IssueApiToken":
                await actor.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = world.BuyerName, Label = "l", RequestId = Rid() });
                break;
            case "RevokeApiToken":
                var token = await world.Clients[Who.Operator].Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = world.BuyerName, Label = "l", RequestId = Rid() });
                await actor.Participants.RevokeApiTokenAsync(new RevokeApiTokenRequest { Name = token.Token.Name, RequestId = Rid() });
                break;
            case "GetParticipant":
                await actor.Participants.GetParticipantAsync(new GetParticipantRequest { Name = world.VendorName });
                break;
            case "ListParticipants":
                await actor.Participants.ListParticipantsAsync(new ListParticipantsRequest());
                break;
            case "CreateListing":
                await actor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() });
                break;
            case "UpdateListing":
                var toUpdate = await ListingIn(ListingState.Draft);
                await actor.Listings.UpdateListingAsync(new UpdateListingRequest
                {
                    Listing = new Listing { Name = toUpdate, Title = "T" },
                    UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "title" } },
                    RequestId = Rid(),
                });
                break;
            case "SubmitListing":
                await actor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = await ListingIn(ListingState.Draft), RequestId = Rid() });
                break;
            case "ReviewListing":
                await actor.Listings.ReviewListingAsync(new ReviewListingRequest { Name = await ListingIn(ListingState.Submitted), Decision = ReviewDecision.Approve, RequestId = Rid() });
                break;
            case "PublishListing":
                await actor.Listings.PublishListingAsync(new PublishListingRequest { Name = await ListingIn(ListingState.Registered), RequestId = Rid() });
                break;
            case "SuspendListing":
                await actor.Listings.SuspendListingAsync(new SuspendListingRequest { Name = await ListingIn(ListingState.Listed), Reason = "r", RequestId = Rid() });
                break;
            case "ResumeListing":
                await actor.Listings.ResumeListingAsync(new ResumeListingRequest { Name = await ListingIn(ListingState.Suspended), Reason = "r", RequestId = Rid() });
                break;
            case "DelistListing":
                await actor.Listings.DelistListingAsync(new DelistListingRequest { Name = await ListingIn(ListingState.Listed), Reason = "r", RequestId = Rid() });
                break;
            case "GetListing":
                await actor.Listings.GetListingAsync(new GetListingRequest { Name = await ListingIn(ListingState.Listed) });
                break;
            case "ListListings":
                await actor.Listings.ListListingsAsync(new ListListingsRequest());
                break;
            case "ListListingHistory":
                await actor.Listings.ListListingHistoryAsync(new ListListingHistoryRequest { Name = await ListingIn(ListingState.Listed) });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }
    }

    public static TheoryData<string, Who, bool> Matrix()
    {
        var all = Enum.GetValues<Who>();
        var allowed = new Dictionary<string, Who[]>
        {
            ["CreateParticipant"] = [Who.Operator],
            ["IssueApiToken"] = [Who.Operator],
            ["RevokeApiToken"] = [Who.Operator],
            ["GetParticipant"] = all,
            ["ListParticipants"] = all,
            ["CreateListing"] = [Who.Vendor, Who.OtherVendor],
            ["UpdateListing"] = [Who.Vendor],
            ["SubmitListing"] = [Who.Vendor],
            ["ReviewListing"] = [Who.Compliance],
            ["PublishListing"] = [Who.Vendor],
            ["SuspendListing"] = [Who.Compliance],
            ["ResumeListing"] = [Who.Compliance],
            ["DelistListing"] = [Who.Vendor, Who.Compliance],
            ["GetListing"] = all,
            ["ListListings"] = all,
            ["ListListingHistory"] = all,
        };
        var data = new TheoryData<string, Who, bool>();
        foreach (var (action, who) in allowed)
        {
            foreach (var w in all)
            {
                data.Add(action, w, who.Contains(w));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_can_do_exactly_what_it_needs(string action, Who who, bool allowed)
    {
        var world = await WorldAsync();
        if (allowed)
        {
            await Perform(world, action, who);
            return;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => Perform(world, action, who));
        // A vendor acting on another vendor's draft sees NOT_FOUND (drafts are private); everything else is PERMISSION_DENIED.
        Assert.Contains(error.StatusCode, new[] { StatusCode.PermissionDenied, StatusCode.NotFound });
        if (!(who == Who.OtherVendor && action is "UpdateListing" or "SubmitListing" or "PublishListing"))
        {
            Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        }
    }

    [Fact]
    public async Task Denied_calls_write_nothing()
    {
        var world = await WorldAsync();
        var before = await server.CountEventsAsync();
        await Assert.ThrowsAsync<RpcException>(() => Perform(world, "CreateParticipant", Who.Buyer));
        await Assert.ThrowsAsync<RpcException>(() => Perform(world, "CreateListing", Who.Buyer));
        Assert.Equal(before, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Calls_without_a_token_or_with_a_bad_one_are_unauthenticated()
    {
        await Errors.Expect(StatusCode.Unauthenticated, "MISSING_TOKEN",
            () => server.As(null).Listings.ListListingsAsync(new ListListingsRequest()));
        await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN",
            () => server.As("dx_not-a-real-token").Listings.ListListingsAsync(new ListListingsRequest()));
    }

    [Fact]
    public async Task A_revoked_token_stops_working_at_once()
    {
        var (name, clients, _) = await server.NewParticipantAsync("Soon revoked", Region.Macao, "", Role.Buyer);
        await clients.Listings.ListListingsAsync(new ListListingsRequest());
        var tokens = await server.Operator.Participants.GetParticipantAsync(new GetParticipantRequest { Name = name });
        Assert.NotNull(tokens);
        var participantId = name.Split('/')[1];
        var issued = await server.Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = name, Label = "second", RequestId = Rid() });
        var second = server.As(issued.Secret);
        await second.Listings.ListListingsAsync(new ListListingsRequest());
        var revoked = await server.Operator.Participants.RevokeApiTokenAsync(new RevokeApiTokenRequest { Name = issued.Token.Name, Reason = "leaked", RequestId = Rid() });
        Assert.NotNull(revoked.RevokeTime);
        Assert.StartsWith($"participants/{participantId}/tokens/", revoked.Name);
        await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => second.Listings.ListListingsAsync(new ListListingsRequest()));
        await clients.Listings.ListListingsAsync(new ListListingsRequest());
    }

    [Fact]
    public async Task Token_secrets_never_enter_the_event_history()
    {
        var (name, _, secret) = await server.NewParticipantAsync("Secretive", Region.HongKong, "", Role.Buyer);
        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            $"select count(*) from {server.Schema}.mt_events where data::text like '%' || @secret || '%' or data::text like '%' || @hash || '%'", connection);
        command.Parameters.AddWithValue("secret", secret);
        command.Parameters.AddWithValue("hash", DataExchange.Server.Auth.TokenSecrets.Hash(secret));
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        Assert.NotEmpty(name);
    }
}
