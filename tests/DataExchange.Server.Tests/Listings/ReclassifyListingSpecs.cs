using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Listings;

/// <summary>ReclassifyListing records an authority's classification of a product's data; core data (核心数据) stays off the market.</summary>
public class ReclassifyListingSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    public static ReclassifyListingRequest Reclassify(string name, DataLevel level, string effectiveDate, string? requestId = null) => new()
    {
        Name = name, DataLevel = level, EffectiveDate = TestDates.Day(effectiveDate), Reference = "GD-DATA-2025-003", RequestId = requestId ?? Rid(),
    };

    private static string Today(int plusDays = 0) =>
        DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddDays(plusDays).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_reclassification_is_recorded_with_its_date_while_the_declaration_stays_as_declared()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Shenzhen crane telemetry", individuals: 0));

        var reclassified = await world.Compliance.Listings.ReclassifyListingAsync(Reclassify(listing.Name, DataLevel.Important, "2025-01-01"));

        Assert.Equal(DataLevel.Important, reclassified.DataLevel);
        Assert.Equal(DataLevel.General, reclassified.Declaration.DataLevel);
        Assert.Equal(ListingState.Listed, reclassified.State);
        var entry = Assert.Single(reclassified.DataLevelHistory);
        Assert.Equal((DataLevel.Important, "2025-01-01", "GD-DATA-2025-003"), (entry.DataLevel, TestDates.Text(entry.EffectiveDate), entry.Reference));
        Assert.Equal(reclassified, await world.HongKongBuyer.Listings.GetListingAsync(new GetListingRequest { Name = listing.Name }));
        var history = await world.Compliance.Listings.ListListingHistoryAsync(new ListListingHistoryRequest { Name = listing.Name });
        Assert.Equal("ListingDataLevelReclassified", history.Events[^1].EventType);
    }

    [Fact]
    public async Task Core_data_is_listed_only_by_compliance_s_explicit_decision_and_never_exported()
    {
        var world = await TradeWorld.CreateAsync(server);
        var core = Listing("Port-area 3D base map", individuals: 0);
        core.Declaration.DataLevel = DataLevel.Core;
        var draft = await world.Vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = core, RequestId = Rid() });
        await world.Vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, RequestId = Rid() });
        await Errors.Expect(StatusCode.FailedPrecondition, "CORE_DATA_NOT_TRADABLE",
            () => world.Compliance.Listings.ReviewListingAsync(new ReviewListingRequest { Name = draft.Name, Decision = ReviewDecision.Approve, RequestId = Rid() }));

        var approved = await world.Compliance.Listings.ReviewListingAsync(new ReviewListingRequest
        {
            Name = draft.Name, Decision = ReviewDecision.Approve, ApproveCoreData = true, RequestId = Rid(),
            Reason = "Approved for domestic use under GD-CORE-2025-001",
        });
        Assert.True(approved.CoreDataApproved);
        var listed = await world.Vendor.Listings.PublishListingAsync(new PublishListingRequest { Name = draft.Name, RequestId = Rid() });
        Assert.Equal(ListingState.Listed, listed.State);

        // At home it trades; out of the mainland it is refused (and the refusal recorded), whatever was approved.
        var domestic = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listed));
        Assert.Equal(TradeState.Contracted, domestic.State);
        await Errors.Expect(StatusCode.FailedPrecondition, "CORE_DATA_EXPORT_PROHIBITED",
            () => world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listed)));

        var general = await world.Vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing("Port-area 2D map", individuals: 0), RequestId = Rid() });
        await world.Vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = general.Name, RequestId = Rid() });
        await world.Compliance.Listings.ReviewListingAsync(new ReviewListingRequest { Name = general.Name, Decision = ReviewDecision.Approve, RequestId = Rid() });
        await world.Compliance.Listings.ReclassifyListingAsync(Reclassify(general.Name, DataLevel.Core, Today(30)));
        var before = await server.CountEventsAsync();
        var refused = await Errors.Expect(StatusCode.FailedPrecondition, "CORE_DATA_NOT_TRADABLE",
            () => world.Vendor.Listings.PublishListingAsync(new PublishListingRequest { Name = general.Name, RequestId = Rid() }));
        Assert.Equal(Today(30), refused.GetDetail<ErrorInfo>().Metadata["effective_date"]);
        Assert.Equal(before, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Reclassifying_a_listed_product_as_core_suspends_it_and_it_cannot_be_resumed_or_bought()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Shenzhen port basemap", individuals: 0));

        var core = await world.Compliance.Listings.ReclassifyListingAsync(Reclassify(listing.Name, DataLevel.Core, "2025-06-01"));

        Assert.Equal(ListingState.Suspended, core.State);
        Assert.Equal(DataLevel.Core, core.DataLevel);
        var history = await world.Compliance.Listings.ListListingHistoryAsync(new ListListingHistoryRequest { Name = listing.Name });
        Assert.Equal(["ListingDataLevelReclassified", "ListingSuspended"], history.Events.TakeLast(2).Select(e => e.EventType));
        await Errors.Expect(StatusCode.FailedPrecondition, "CORE_DATA_NOT_TRADABLE",
            () => world.Compliance.Listings.ResumeListingAsync(new ResumeListingRequest { Name = listing.Name, Reason = "cleared", RequestId = Rid() }));
        await Errors.Expect(StatusCode.FailedPrecondition, "LISTING_NOT_TRADABLE", () => world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
    }

    [Fact]
    public async Task A_retry_with_the_same_request_id_returns_the_original_and_writes_nothing()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Feeder load curves", individuals: 0));
        var requestId = Rid();
        var first = await world.Compliance.Listings.ReclassifyListingAsync(Reclassify(listing.Name, DataLevel.Core, "2025-06-01", requestId));
        var events = await server.CountEventsAsync();

        var retried = await world.Compliance.Listings.ReclassifyListingAsync(Reclassify(listing.Name, DataLevel.Core, "2025-06-01", requestId));

        Assert.Equal(first, retried);
        Assert.Equal(events, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Bad_input_is_refused_before_anything_is_written()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Estuary bathymetry", individuals: 0));
        var before = await server.CountEventsAsync();

        var unspecified = Reclassify(listing.Name, DataLevel.Unspecified, "2025-01-01");
        Assert.Contains("data_level", (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => world.Compliance.Listings.ReclassifyListingAsync(unspecified))).Fields());
        var badDate = Reclassify(listing.Name, DataLevel.Important, "2025-01-01");
        badDate.EffectiveDate = new() { Year = 2025, Month = 2, Day = 30 };
        Assert.Contains("effective_date", (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => world.Compliance.Listings.ReclassifyListingAsync(badDate))).Fields());
        var blank = Reclassify(listing.Name, DataLevel.Important, "2025-01-01");
        blank.Reference = "";
        Assert.Contains("reference", (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => world.Compliance.Listings.ReclassifyListingAsync(blank))).Fields());
        await Errors.Expect(StatusCode.InvalidArgument, "EFFECTIVE_DATE_OUT_OF_RANGE",
            () => world.Compliance.Listings.ReclassifyListingAsync(Reclassify(listing.Name, DataLevel.Important, "2016-12-31")));
        await Errors.Expect(StatusCode.FailedPrecondition, "DATA_LEVEL_UNCHANGED",
            () => world.Compliance.Listings.ReclassifyListingAsync(Reclassify(listing.Name, DataLevel.General, "2025-01-01")));
        var stale = Reclassify(listing.Name, DataLevel.Important, "2025-01-01");
        stale.Etag = "1";
        await Errors.Expect(StatusCode.Aborted, "CONCURRENT_MODIFICATION", () => world.Compliance.Listings.ReclassifyListingAsync(stale));
        await Errors.Expect(StatusCode.PermissionDenied, "COMPLIANCE_ROLE_REQUIRED",
            () => world.Vendor.Listings.ReclassifyListingAsync(Reclassify(listing.Name, DataLevel.Important, "2025-01-01")));

        Assert.Equal(before, await server.CountEventsAsync());
        Assert.Empty((await world.Compliance.Listings.GetListingAsync(new GetListingRequest { Name = listing.Name })).DataLevelHistory);
    }
}
