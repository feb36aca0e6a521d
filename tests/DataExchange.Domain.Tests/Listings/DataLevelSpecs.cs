using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;

namespace DataExchange.Domain.Tests.Listings;

/// <summary>A listing's data level as a dated fact, and core data (核心数据) kept off the market.</summary>
public class DataLevelSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly DateOnly Today = new(2026, 11, 27);
    private static readonly Guid VendorId = Guid.CreateVersion7();
    private static readonly Actor Vendor = new(VendorId, new HashSet<Role> { Role.Vendor });
    private static readonly Actor Compliance = new(Guid.CreateVersion7(), new HashSet<Role> { Role.ComplianceOfficer });

    private static Listing Drafted(DataLevel level = DataLevel.General)
    {
        var content = ListingLifecycleSpecs.Content();
        content = content with { Declaration = content.Declaration with { Level = level } };
        return Listing.Start(ListingDecider.Decide(new DraftListing(Guid.CreateVersion7(), content), Vendor, Now));
    }

    private static Listing In(ListingState state, DataLevel level = DataLevel.General) => Drafted(level) with { State = state };

    private static Listing Reclassified(Listing listing, DataLevel level, DateOnly on, string reference = "GD-DATA-2025-003") =>
        ListingDecider.DecideReclassify(listing, new ReclassifyListing(level, on, reference), Compliance, Now)
            .Aggregate(listing, ListingEvolution.Evolve);

    [Fact]
    public void The_declaration_holds_until_a_reclassification_takes_effect_and_stays_as_declared()
    {
        var listing = Reclassified(In(ListingState.Listed), DataLevel.Important, new DateOnly(2025, 1, 1));

        Assert.Equal(DataLevel.General, listing.DataLevelOn(new DateOnly(2024, 12, 31)));
        Assert.Equal(DataLevel.Important, listing.DataLevelOn(new DateOnly(2025, 1, 1)));
        Assert.Equal(DataLevel.Important, listing.LatestDataLevel());
        Assert.Equal(DataLevel.General, listing.Content.Declaration.Level);
        Assert.Equal(ListingState.Listed, listing.State);
        var entry = Assert.Single(listing.DataLevelHistory);
        Assert.Equal((DataLevel.Important, new DateOnly(2025, 1, 1), "GD-DATA-2025-003"), (entry.Level, entry.EffectiveOn, entry.Reference));
    }

    [Fact]
    public void A_reclassification_that_changes_nothing_is_refused()
    {
        var error = Assert.Throws<DomainException>(() => Reclassified(In(ListingState.Listed), DataLevel.General, new DateOnly(2025, 1, 1)));
        Assert.Equal((ErrorKind.FailedPrecondition, "DATA_LEVEL_UNCHANGED"), (error.Kind, error.Reason));
        Assert.Equal("GENERAL", error.Metadata["data_level"]);
    }

    [Fact]
    public void Only_compliance_reclassifies_with_a_reference_and_a_date_in_range()
    {
        var listing = In(ListingState.Listed);
        var denied = Assert.Throws<DomainException>(() =>
            ListingDecider.DecideReclassify(listing, new ReclassifyListing(DataLevel.Important, Today, "N-1"), Vendor, Now));
        Assert.Equal("COMPLIANCE_ROLE_REQUIRED", denied.Reason);
        Assert.Equal("REFERENCE_REQUIRED", Assert.Throws<DomainException>(() => Reclassified(listing, DataLevel.Important, Today, " ")).Reason);
        Assert.Equal("EFFECTIVE_DATE_OUT_OF_RANGE",
            Assert.Throws<DomainException>(() => Reclassified(listing, DataLevel.Important, new DateOnly(2017, 5, 31))).Reason);
        Assert.Equal("EFFECTIVE_DATE_OUT_OF_RANGE",
            Assert.Throws<DomainException>(() => Reclassified(listing, DataLevel.Important, Today.AddDays(DatedFacts.MaxDaysAhead + 1))).Reason);
    }

    [Fact]
    public void Reclassifying_a_listed_product_as_core_from_today_or_earlier_also_suspends_it()
    {
        var listing = In(ListingState.Listed);

        var events = ListingDecider.DecideReclassify(listing, new ReclassifyListing(DataLevel.Core, new DateOnly(2026, 6, 1), "GD-CORE-1"), Compliance, Now);

        Assert.IsType<ListingDataLevelReclassified>(events[0]);
        var suspended = Assert.IsType<ListingSuspended>(events[1]);
        Assert.Contains("GD-CORE-1", suspended.Reason, StringComparison.Ordinal);
        Assert.Equal(ListingState.Suspended, events.Aggregate(listing, ListingEvolution.Evolve).State);
    }

    [Fact]
    public void A_core_reclassification_dated_ahead_leaves_the_product_listed_until_then_but_it_cannot_be_resumed_or_published()
    {
        var listing = Reclassified(In(ListingState.Listed), DataLevel.Core, Today.AddDays(30));
        Assert.Equal(ListingState.Listed, listing.State);
        Assert.True(listing.IsCoreDataFrom(Today));

        var registered = Reclassified(In(ListingState.Registered), DataLevel.Core, Today.AddDays(30));
        var error = Assert.Throws<DomainException>(() => ListingDecider.DecidePublish(registered, Vendor, Now));
        Assert.Equal("CORE_DATA_NOT_TRADABLE", error.Reason);
        Assert.Equal(DatedFacts.Format(Today.AddDays(30)), error.Metadata["effective_date"]);
    }

    [Fact]
    public void Core_data_is_not_approved_published_or_resumed_without_compliance_s_explicit_decision()
    {
        static void Refused(Func<object> act)
        {
            var error = Assert.Throws<DomainException>(act);
            Assert.Equal((ErrorKind.FailedPrecondition, "CORE_DATA_NOT_TRADABLE"), (error.Kind, error.Reason));
        }

        // The vendor may put it to compliance; an ordinary approval is refused.
        Assert.IsType<ListingSubmitted>(ListingDecider.DecideSubmit(In(ListingState.Draft, DataLevel.Core), Vendor, Now));
        Refused(() => ListingDecider.Decide(In(ListingState.Submitted, DataLevel.Core), new ReviewListing(ReviewDecision.Approve, "looks fine", []), Compliance, Now));
        Refused(() => ListingDecider.DecidePublish(In(ListingState.Registered, DataLevel.Core), Vendor, Now));
        Refused(() => ListingDecider.DecideResume(Reclassified(In(ListingState.Suspended), DataLevel.Core, new DateOnly(2025, 1, 1)), "cleared", Compliance, Now));

        // Returning or rejecting it remains possible, and so does a draft of it.
        Assert.IsType<ListingRejected>(ListingDecider.Decide(In(ListingState.Submitted, DataLevel.Core), new ReviewListing(ReviewDecision.Reject, "core data", []), Compliance, Now));
    }

    [Fact]
    public void Compliance_s_explicit_decision_with_its_grounds_lists_core_data_for_domestic_trade()
    {
        var submitted = In(ListingState.Submitted, DataLevel.Core);
        var ungrounded = Assert.Throws<DomainException>(() =>
            ListingDecider.Decide(submitted, new ReviewListing(ReviewDecision.Approve, " ", [], ApproveCoreData: true), Compliance, Now));
        Assert.Equal("REVIEW_REASON_REQUIRED", ungrounded.Reason);

        var approved = (ListingApproved)ListingDecider.Decide(submitted,
            new ReviewListing(ReviewDecision.Approve, "State-level approval GD-CORE-2025-1 for domestic use", [], ApproveCoreData: true), Compliance, Now);
        Assert.True(approved.CoreDataApproved);
        var registered = ListingEvolution.Evolve(submitted, approved);
        Assert.True(registered.CoreDataApproved);
        Assert.Equal(ListingState.Listed, ListingEvolution.Evolve(registered, ListingDecider.DecidePublish(registered, Vendor, Now)).State);

        // A new review of the declaration clears the decision: the next approval must take it again.
        var revised = ListingEvolution.Evolve(registered, new ListingRevised(registered.Id, 2, registered.Content, ReviewRequired: true, Vendor.ParticipantId, Now));
        Assert.False(revised.CoreDataApproved);
    }

    [Fact]
    public void The_explicit_decision_is_recorded_only_for_core_data()
    {
        var approved = (ListingApproved)ListingDecider.Decide(In(ListingState.Submitted, DataLevel.General),
            new ReviewListing(ReviewDecision.Approve, "", [], ApproveCoreData: true), Compliance, Now);
        Assert.False(approved.CoreDataApproved);
    }

    [Fact]
    public void Data_declared_core_but_reclassified_important_by_the_authority_trades_again()
    {
        var listing = Reclassified(In(ListingState.Registered, DataLevel.Core), DataLevel.Important, new DateOnly(2025, 1, 1));

        Assert.Equal(ListingState.Listed, ListingEvolution.Evolve(listing, ListingDecider.DecidePublish(listing, Vendor, Now)).State);
    }
}
