using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;

namespace DataExchange.Domain.Tests.Listings;

public class ListingLifecycleSpecs
{
    private static readonly DateTimeOffset Now = new(2022, 11, 15, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly Guid VendorId = Guid.CreateVersion7();
    private static readonly Actor Vendor = new(VendorId, new HashSet<Role> { Role.Vendor });
    private static readonly Actor OtherVendor = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Vendor });
    private static readonly Actor Compliance = new(Guid.CreateVersion7(), new HashSet<Role> { Role.ComplianceOfficer });
    private static readonly Actor Buyer = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Buyer });

    internal static ListingContent Content(long individuals = 150_000) => new(
        "Shenzhen logistics ETA feed", "Estimated arrival times for cross-border trucks", Sector.Transport,
        new DataDeclaration(DataLevel.General, individuals > 0, individuals, 0, new Jurisdiction(Region.MainlandChina, "Shenzhen"), ["eta"]),
        DeliveryMethod.Api, new Money("CNY", 1_999_00), new LicenceTerms("route planning", 365, false, false, Territory.GreaterBayArea));

    private static Listing InState(ListingState target)
    {
        var listing = Listing.Start(ListingDecider.Decide(new DraftListing(Guid.CreateVersion7(), Content()), Vendor, Now));
        object[] path = target switch
        {
            ListingState.Draft => [],
            ListingState.Submitted => [Submitted(listing)],
            ListingState.Returned => [Submitted(listing), new ListingReturned(listing.Id, "fix", [], Compliance.ParticipantId, Now)],
            ListingState.Rejected => [Submitted(listing), new ListingRejected(listing.Id, "no", [], Compliance.ParticipantId, Now)],
            ListingState.Registered => [Submitted(listing), Approved(listing)],
            ListingState.Listed => [Submitted(listing), Approved(listing), Published(listing)],
            ListingState.Suspended => [Submitted(listing), Approved(listing), Published(listing), new ListingSuspended(listing.Id, "check", Compliance.ParticipantId, Now)],
            ListingState.Delisted => [Submitted(listing), Approved(listing), Published(listing), new ListingDelisted(listing.Id, "end", VendorId, Now)],
            _ => throw new ArgumentOutOfRangeException(nameof(target)),
        };
        return path.Aggregate(listing, ListingEvolution.Evolve);
    }

    private static ListingSubmitted Submitted(Listing l) => new(l.Id, 1, VendorId, Now);

    private static ListingApproved Approved(Listing l) => new(l.Id, "DXR-2022-X", "", [], Compliance.ParticipantId, Now);

    private static ListingPublished Published(Listing l) => new(l.Id, VendorId, Now);

    public static TheoryData<string, ListingState, bool> Transitions()
    {
        var allowed = new Dictionary<string, ListingState[]>
        {
            ["submit"] = [ListingState.Draft, ListingState.Returned],
            ["approve"] = [ListingState.Submitted],
            ["return"] = [ListingState.Submitted],
            ["reject"] = [ListingState.Submitted],
            ["publish"] = [ListingState.Registered],
            ["suspend"] = [ListingState.Listed],
            ["resume"] = [ListingState.Suspended],
            ["delist"] = [ListingState.Registered, ListingState.Listed, ListingState.Suspended],
            ["update"] = [ListingState.Draft, ListingState.Returned, ListingState.Registered, ListingState.Listed, ListingState.Suspended],
        };
        var data = new TheoryData<string, ListingState, bool>();
        foreach (var (action, states) in allowed)
        {
            foreach (var state in Enum.GetValues<ListingState>())
            {
                data.Add(action, state, states.Contains(state));
            }
        }

        return data;
    }

    private static object Act(string action, Listing listing) => action switch
    {
        "submit" => ListingDecider.DecideSubmit(listing, Vendor, Now),
        "approve" => ListingDecider.Decide(listing, new ReviewListing(ReviewDecision.Approve, "", []), Compliance, Now),
        "return" => ListingDecider.Decide(listing, new ReviewListing(ReviewDecision.Return, "add a sample", []), Compliance, Now),
        "reject" => ListingDecider.Decide(listing, new ReviewListing(ReviewDecision.Reject, "unlawful source", []), Compliance, Now),
        "publish" => ListingDecider.DecidePublish(listing, Vendor, Now),
        "suspend" => ListingDecider.DecideSuspend(listing, "complaint", Compliance, Now),
        "resume" => ListingDecider.DecideResume(listing, "cleared", Compliance, Now),
        "delist" => ListingDecider.DecideDelist(listing, "retired", Vendor, Now),
        "update" => ListingDecider.Decide(listing, new ReviseListing(listing.Content with { Title = "New title" }), Vendor, Now),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Every_action_is_allowed_exactly_in_its_states(string action, ListingState state, bool allowed)
    {
        var listing = InState(state);
        if (allowed)
        {
            var next = ListingEvolution.Evolve(listing, Act(action, listing));
            Assert.NotEqual(0, (int)next.State);
        }
        else
        {
            var error = Assert.Throws<DomainException>(() => Act(action, listing));
            Assert.Equal(ErrorKind.FailedPrecondition, error.Kind);
            Assert.Equal("INVALID_STATE_TRANSITION", error.Reason);
            Assert.Equal(ListingDecider.StateName(state), error.Metadata["current_state"]);
        }
    }

    [Fact]
    public void Full_happy_path_reaches_listed_with_a_registration_number()
    {
        var listing = InState(ListingState.Draft);
        listing = ListingEvolution.Evolve(listing, ListingDecider.DecideSubmit(listing, Vendor, Now));
        listing = ListingEvolution.Evolve(listing, ListingDecider.Decide(listing, new ReviewListing(ReviewDecision.Approve, "", ["ASSESS-2022-001"]), Compliance, Now));
        Assert.Equal(ListingState.Registered, listing.State);
        Assert.StartsWith("DXR-2022-", listing.RegistrationNumber);
        listing = ListingEvolution.Evolve(listing, ListingDecider.DecidePublish(listing, Vendor, Now));
        Assert.Equal(ListingState.Listed, listing.State);
    }

    [Fact]
    public void Changing_the_price_of_a_listed_product_is_a_new_revision_that_stays_listed()
    {
        var listing = InState(ListingState.Listed);
        var revised = ListingDecider.Decide(listing, new ReviseListing(listing.Content with { Price = new Money("CNY", 2_999_00) }), Vendor, Now);
        var next = ListingEvolution.Evolve(listing, revised);
        Assert.False(revised.ReviewRequired);
        Assert.Equal(ListingState.Listed, next.State);
        Assert.Equal(2, next.Revision);
        Assert.Equal(2_999_00, next.Content.Price.AmountMinor);
    }

    [Fact]
    public void Changing_the_data_declaration_of_a_listed_product_sends_it_back_to_review()
    {
        var listing = InState(ListingState.Listed);
        var content = listing.Content with { Declaration = listing.Content.Declaration with { Level = DataLevel.Important } };
        var revised = ListingDecider.Decide(listing, new ReviseListing(content), Vendor, Now);
        Assert.True(revised.ReviewRequired);
        Assert.Equal(ListingState.Submitted, ListingEvolution.Evolve(listing, revised).State);
    }

    [Fact]
    public void Only_the_owning_vendor_changes_a_listing()
    {
        var listing = InState(ListingState.Draft);
        Assert.Equal("LISTING_OWNER_REQUIRED", Assert.Throws<DomainException>(() => ListingDecider.DecideSubmit(listing, OtherVendor, Now)).Reason);
        Assert.Equal(ErrorKind.PermissionDenied, Assert.Throws<DomainException>(() => ListingDecider.DecideSubmit(listing, Buyer, Now)).Kind);
    }

    [Fact]
    public void Only_compliance_reviews_suspends_and_resumes()
    {
        Assert.Equal("COMPLIANCE_ROLE_REQUIRED", Assert.Throws<DomainException>(() =>
            ListingDecider.Decide(InState(ListingState.Submitted), new ReviewListing(ReviewDecision.Approve, "", []), Vendor, Now)).Reason);
        Assert.Throws<DomainException>(() => ListingDecider.DecideSuspend(InState(ListingState.Listed), "x", Vendor, Now));
        Assert.Throws<DomainException>(() => ListingDecider.DecideResume(InState(ListingState.Suspended), "x", Buyer, Now));
    }

    [Fact]
    public void Compliance_may_delist_a_product_but_other_vendors_may_not()
    {
        var listing = InState(ListingState.Listed);
        Assert.IsType<ListingDelisted>(ListingDecider.DecideDelist(listing, "court order", Compliance, Now));
        Assert.Equal(ErrorKind.PermissionDenied, Assert.Throws<DomainException>(() => ListingDecider.DecideDelist(listing, "x", OtherVendor, Now)).Kind);
    }

    [Fact]
    public void Returning_or_rejecting_needs_a_reason()
    {
        var listing = InState(ListingState.Submitted);
        var error = Assert.Throws<DomainException>(() => ListingDecider.Decide(listing, new ReviewListing(ReviewDecision.Return, " ", []), Compliance, Now));
        Assert.Equal("REVIEW_REASON_REQUIRED", error.Reason);
    }

    [Fact]
    public void Buyers_cannot_register_products()
    {
        var error = Assert.Throws<DomainException>(() => ListingDecider.Decide(new DraftListing(Guid.CreateVersion7(), Content()), Buyer, Now));
        Assert.Equal("VENDOR_ROLE_REQUIRED", error.Reason);
    }
}
