using DataExchange.Contracts.V1;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Infrastructure;

public class IdempotencySpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_retry_with_the_same_request_id_returns_the_original_and_writes_nothing()
    {
        var vendor = await server.NewParticipantAsync("Retry vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var request = new CreateListingRequest { Listing = Listing(), RequestId = Rid() };
        var first = await vendor.Clients.Listings.CreateListingAsync(request);
        var events = await server.CountEventsAsync();
        var second = await vendor.Clients.Listings.CreateListingAsync(request);
        Assert.Equal(first, second);
        Assert.Equal(events, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Concurrent_retries_of_one_request_create_exactly_one_resource()
    {
        var vendor = await server.NewParticipantAsync("Racing vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var request = new CreateListingRequest { Listing = Listing("Raced"), RequestId = Rid() };
        var events = await server.CountEventsAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => vendor.Clients.Listings.CreateListingAsync(request).ResponseAsync));
        Assert.Single(results.Select(r => r.Name).Distinct());
        Assert.Equal(events + 1, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Reusing_a_request_id_for_a_different_request_is_already_exists()
    {
        var vendor = await server.NewParticipantAsync("Sloppy vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var id = Rid();
        await vendor.Clients.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing("One"), RequestId = id });
        await Errors.Expect(StatusCode.AlreadyExists, "REQUEST_ID_REUSED",
            () => vendor.Clients.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing("Two"), RequestId = id }));
    }

    [Fact]
    public async Task A_retried_token_issue_returns_the_same_working_secret()
    {
        var buyer = await server.NewParticipantAsync("Token buyer", Region.HongKong, "", Role.Buyer);
        var request = new IssueApiTokenRequest { Parent = buyer.Name, Label = "laptop", RequestId = Rid() };
        var first = await server.Operator.Participants.IssueApiTokenAsync(request);
        var second = await server.Operator.Participants.IssueApiTokenAsync(request);
        Assert.Equal(first.Secret, second.Secret);
        Assert.Equal(first.Token, second.Token);
        await server.As(second.Secret).Listings.ListListingsAsync(new ListListingsRequest());
    }
}
