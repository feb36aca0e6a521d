using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Listings;

public class ListingServiceSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<(Clients Vendor, Clients Compliance, Clients Buyer, string VendorName)> PartiesAsync()
    {
        var vendor = await server.NewParticipantAsync("Qianhai Data", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var compliance = await server.NewParticipantAsync("SZDEX Compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer);
        var buyer = await server.NewParticipantAsync("Victoria Analytics", Region.HongKong, "", Role.Buyer);
        return (vendor.Clients, compliance.Clients, buyer.Clients, vendor.Name);
    }

    [Fact]
    public async Task A_listing_goes_from_draft_to_listed_and_back_with_every_step_in_its_history()
    {
        var (vendor, compliance, buyer, vendorName) = await PartiesAsync();
        var draft = await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() });
        Assert.Equal(ListingState.Draft, draft.State);
        Assert.Equal(vendorName, draft.Vendor);
        Assert.Equal("1", draft.Etag);

        var submitted = await vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, Etag = draft.Etag, RequestId = Rid() });
        Assert.Equal(ListingState.Submitted, submitted.State);
        var registered = await compliance.Listings.ReviewListingAsync(new ReviewListingRequest
        {
            Name = draft.Name, Decision = ReviewDecision.Approve, Evidence = { "ASSESSOR-2022-0042" }, RequestId = Rid(),
        });
        Assert.Equal(ListingState.Registered, registered.State);
        Assert.StartsWith("DXR-", registered.RegistrationNumber);
        var listed = await vendor.Listings.PublishListingAsync(new PublishListingRequest { Name = draft.Name, RequestId = Rid() });
        Assert.Equal(ListingState.Listed, listed.State);
        var suspended = await compliance.Listings.SuspendListingAsync(new SuspendListingRequest { Name = draft.Name, Reason = "complaint", RequestId = Rid() });
        Assert.Equal(ListingState.Suspended, suspended.State);
        var resumed = await compliance.Listings.ResumeListingAsync(new ResumeListingRequest { Name = draft.Name, Reason = "cleared", RequestId = Rid() });
        Assert.Equal(ListingState.Listed, resumed.State);

        var read = await buyer.Listings.GetListingAsync(new GetListingRequest { Name = draft.Name });
        Assert.Equal(resumed, read);

        var delisted = await vendor.Listings.DelistListingAsync(new DelistListingRequest { Name = draft.Name, Reason = "retired", RequestId = Rid() });
        Assert.Equal(ListingState.Delisted, delisted.State);

        var history = await buyer.Listings.ListListingHistoryAsync(new ListListingHistoryRequest { Name = draft.Name });
        Assert.Equal(
            ["ListingDrafted", "ListingSubmitted", "ListingApproved", "ListingPublished", "ListingSuspended", "ListingResumed", "ListingDelisted"],
            history.Events.Select(e => e.EventType));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), history.Events.Select(e => e.Version));
        Assert.Equal(vendorName, history.Events[0].Actor);
    }

    [Fact]
    public async Task An_invalid_transition_is_failed_precondition_naming_the_current_state_and_writes_nothing()
    {
        var (vendor, _, _, _) = await PartiesAsync();
        var draft = await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() });
        var before = await server.CountEventsAsync();
        var status = await Errors.Expect(StatusCode.FailedPrecondition, "INVALID_STATE_TRANSITION",
            () => vendor.Listings.PublishListingAsync(new PublishListingRequest { Name = draft.Name, RequestId = Rid() }));
        Assert.Equal("DRAFT", status.GetDetail<Google.Rpc.ErrorInfo>().Metadata["current_state"]);
        Assert.Equal(before, await server.CountEventsAsync());
    }

    [Fact]
    public async Task A_returned_listing_is_revised_and_resubmitted_as_a_new_revision()
    {
        var (vendor, compliance, _, _) = await PartiesAsync();
        var draft = await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() });
        await vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, RequestId = Rid() });
        await compliance.Listings.ReviewListingAsync(new ReviewListingRequest { Name = draft.Name, Decision = ReviewDecision.Return, Reason = "declare the data source", RequestId = Rid() });
        var revised = await vendor.Listings.UpdateListingAsync(new UpdateListingRequest
        {
            Listing = new Listing { Name = draft.Name, Description = "Sourced from port gate sensors, anonymised." },
            UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "description" } },
            RequestId = Rid(),
        });
        Assert.Equal(2, revised.Revision);
        Assert.Equal(ListingState.Returned, revised.State);
        Assert.Equal(draft.Title, revised.Title);
        var resubmitted = await vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, RequestId = Rid() });
        Assert.Equal(ListingState.Submitted, resubmitted.State);
    }

    [Fact]
    public async Task Buyers_see_listed_products_but_not_other_vendors_drafts()
    {
        var (vendor, compliance, buyer, vendorName) = await PartiesAsync();
        var draft = await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing("Draft only"), RequestId = Rid() });
        await Errors.Expect(StatusCode.NotFound, "LISTING_NOT_FOUND", () => buyer.Listings.GetListingAsync(new GetListingRequest { Name = draft.Name }));
        var visible = await buyer.Listings.ListListingsAsync(new ListListingsRequest { Vendor = vendorName });
        Assert.Empty(visible.Listings);
        var staff = await compliance.Listings.ListListingsAsync(new ListListingsRequest { Vendor = vendorName });
        Assert.Single(staff.Listings);
    }

    [Fact]
    public async Task Listings_page_through_all_results_without_repeats_and_filter_by_title()
    {
        var (vendor, _, _, vendorName) = await PartiesAsync();
        for (var i = 0; i < 7; i++)
        {
            await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing($"Page item {i}"), RequestId = Rid() });
        }

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await vendor.Listings.ListListingsAsync(new ListListingsRequest { Vendor = vendorName, PageSize = 3, PageToken = token });
            Assert.True(page.Listings.Count <= 3);
            seen.AddRange(page.Listings.Select(l => l.Name));
            token = page.NextPageToken;
        }
        while (token != "");
        Assert.Equal(7, seen.Count);
        Assert.Equal(7, seen.Distinct().Count());

        var search = await vendor.Listings.ListListingsAsync(new ListListingsRequest { Vendor = vendorName, TitleContains = "ITEM 3" });
        Assert.Equal("Page item 3", Assert.Single(search.Listings).Title);

        var first = await vendor.Listings.ListListingsAsync(new ListListingsRequest { Vendor = vendorName, PageSize = 3 });
        await Errors.Expect(StatusCode.InvalidArgument, "PAGE_TOKEN_FILTER_MISMATCH",
            () => vendor.Listings.ListListingsAsync(new ListListingsRequest { PageSize = 3, PageToken = first.NextPageToken }));
        await Errors.Expect(StatusCode.InvalidArgument, "INVALID_PAGE_TOKEN",
            () => vendor.Listings.ListListingsAsync(new ListListingsRequest { PageToken = "not-a-token" }));
    }

    [Fact]
    public async Task Two_writers_racing_on_one_listing_never_both_win()
    {
        var (vendor, _, _, _) = await PartiesAsync();
        var draft = await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() });
        var writers = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await vendor.Listings.UpdateListingAsync(new UpdateListingRequest
                {
                    Listing = new Listing { Name = draft.Name, Etag = draft.Etag, Title = $"Writer {i}" },
                    UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "title" } },
                    RequestId = Rid(),
                });
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        });
        var outcomes = await Task.WhenAll(writers);
        Assert.Equal(1, outcomes.Count(o => o == StatusCode.OK));
        Assert.All(outcomes.Where(o => o != StatusCode.OK), o => Assert.Equal(StatusCode.Aborted, o));
        var after = await vendor.Listings.GetListingAsync(new GetListingRequest { Name = draft.Name });
        Assert.Equal(2, after.Revision);
        Assert.Equal("2", after.Etag);
    }

    [Fact]
    public async Task A_stale_etag_is_aborted()
    {
        var (vendor, _, _, _) = await PartiesAsync();
        var draft = await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() });
        await vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, Etag = draft.Etag, RequestId = Rid() });
        await Errors.Expect(StatusCode.Aborted, "CONCURRENT_MODIFICATION",
            () => vendor.Listings.DelistListingAsync(new DelistListingRequest { Name = draft.Name, Etag = draft.Etag, Reason = "x", RequestId = Rid() }));
    }
}
