using System.Collections.Immutable;
using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Tests.Listings;
using DataExchange.Domain.Trades;
using ExportApproval = DataExchange.Compliance.ExportApproval;
using LicenceTerms = DataExchange.Domain.Listings.LicenceTerms;
using Region = DataExchange.Domain.Common.Region;

namespace DataExchange.Domain.Tests.Trades;

/// <summary>The rules of contracting a trade, decided without a database: state and command in, decision out.</summary>
public class ContractingTradeSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 27);

    private static Participant Party(Region region, string? city, params Role[] roles) =>
        Participant.Start(new ParticipantRegistered(Guid.CreateVersion7(), "P", "P Ltd", roles, new Jurisdiction(region, city), false, Guid.Empty, Now));

    private static readonly Participant Vendor = Party(Region.MainlandChina, "Shenzhen", Role.Vendor);
    private static readonly Participant HongKongBuyer = Party(Region.HongKong, null, Role.Buyer);
    private static readonly Participant ShanghaiBuyer = Party(Region.MainlandChina, "Shanghai", Role.Buyer);
    private static readonly Actor Operator = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Operator });

    private static Actor ActorOf(Participant p) => new(p.Id, p.Roles.ToHashSet());

    private static Listing Listed(long individuals = 150_000, bool exclusive = false)
    {
        var content = ListingLifecycleSpecs.Content(individuals);
        if (exclusive)
        {
            content = content with { Licence = content.Licence with { Exclusive = true, TermDays = 30 } };
        }

        return Listing.Start(new ListingDrafted(Guid.CreateVersion7(), Vendor.Id, content, Vendor.Id, Now)) with { State = ListingState.Listed, Version = 4 };
    }

    private static TradeContractingState State(Listing listing, Participant buyer, ExporterHistory? exporter = null) =>
        new(listing, Vendor, buyer, exporter ?? ExporterHistory.Empty(Vendor.Id));

    private static ExporterHistory Exported(params (int Year, long Individuals)[] volumes) =>
        new(Vendor.Id, volumes.ToImmutableDictionary(v => v.Year, v => new ExportVolume(v.Individuals, 0)), []);

    private static ContractTrade Executed(TradeContractingState state, Money? amount = null, LicenceTerms? licence = null, DateOnly? on = null) =>
        new(Guid.CreateVersion7(), state.Listing.Id, state.Buyer.Id, licence ?? state.Listing.Content.Licence, amount ?? state.Listing.Content.Price,
            on ?? Today, TradeOrigin.Executed, null, ActorOf(state.Buyer), Now);

    private static ContractTrade Filed(TradeContractingState state, DateOnly contractDate) =>
        new(Guid.CreateVersion7(), state.Listing.Id, state.Buyer.Id, state.Listing.Content.Licence, state.Listing.Content.Price,
            contractDate, TradeOrigin.Filed, "EXT-1", Operator, Now);

    private static ExportApproval StandardContract(Listing listing) =>
        new(Guid.CreateVersion7(), Vendor.Id, ExportMechanism.StandardContract, "SC-1", Compliance.Region.HongKong, [listing.Id], [],
            new DateOnly(2020, 1, 1), new DateOnly(2030, 12, 31), null);

    private static FiledTrade FiledAs(TradeContractDecision decision, long sequence = 1) =>
        Assert.IsType<AcceptedTrade>(decision).File(sequence);

    [Fact]
    public void A_domestic_trade_is_accepted_and_filed_under_the_years_next_number_without_export_volume()
    {
        var state = State(Listed(), ShanghaiBuyer);
        var command = Executed(state);

        var filed = FiledAs(TradeContracting.Decide(state, command), sequence: 42);

        Assert.Equal("DX-2026-000042", filed.Contracted.FilingNumber);
        Assert.Equal(command.TradeId, filed.Contracted.TradeId);
        Assert.Equal(Now, filed.Contracted.At);
        Assert.False(filed.Contracted.Compliance.CrossBorder);
        Assert.Null(filed.Volume);
        Assert.Null(filed.Grant);
        Assert.Equal(TradeState.Contracted, filed.Trade.State);
        Assert.Equal(1, filed.Trade.Version);
    }

    [Fact]
    public void A_domestic_trade_is_decided_against_an_empty_exporter_history_whatever_the_state_holds()
    {
        var state = State(Listed(), ShanghaiBuyer, Exported((2026, 900_000)));

        var filed = FiledAs(TradeContracting.Decide(state, Executed(state)));

        Assert.Equal(ExportVolume.Zero, filed.Contracted.ComplianceInput.PriorVolumeThisYear);
        Assert.Empty(filed.Contracted.ComplianceInput.ExporterApprovals);
    }

    [Fact]
    public void A_cross_border_export_within_the_small_volume_window_is_accepted_and_adds_its_volume()
    {
        var state = State(Listed(individuals: 60_000), HongKongBuyer, Exported((2026, 30_000)));

        var filed = FiledAs(TradeContracting.Decide(state, Executed(state)));

        Assert.True(filed.Contracted.Compliance.CrossBorder);
        Assert.Equal(new ExportVolume(30_000, 0), filed.Contracted.ComplianceInput.PriorVolumeThisYear);
        var volume = Assert.IsType<ExportVolumeRecorded>(filed.Volume);
        Assert.Equal((Vendor.Id, 2026, 60_000L), (volume.ExporterId, volume.Year, volume.Individuals));
    }

    [Fact]
    public void A_cross_border_export_that_takes_the_years_volume_over_the_threshold_is_refused_and_recorded()
    {
        var state = State(Listed(individuals: 60_000), HongKongBuyer, Exported((2026, 50_000)));

        var refused = Assert.IsType<RefusedTrade>(TradeContracting.Decide(state, Executed(state))).Refused;

        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, refused.Compliance.RefusalReason);
        Assert.Equal(new ExportVolume(50_000, 0), refused.ComplianceInput.PriorVolumeThisYear);
        Assert.Equal(TradeState.Refused, Trade.Start(refused).State);
    }

    [Fact]
    public void A_cross_border_export_over_the_threshold_is_accepted_with_a_standard_contract_that_covers_it()
    {
        var listing = Listed(individuals: 150_000);
        var state = State(listing, HongKongBuyer, Exported() with { Approvals = [StandardContract(listing)] });

        var filed = FiledAs(TradeContracting.Decide(state, Executed(state)));

        Assert.Equal(ExportMechanism.StandardContract, filed.Contracted.Compliance.Mechanism);
        Assert.Equal(150_000, filed.Volume!.Individuals);
    }

    [Fact]
    public void Volume_of_an_earlier_year_does_not_count_under_the_2024_provisions()
    {
        var state = State(Listed(individuals: 60_000), HongKongBuyer, Exported((2025, 900_000)));

        var filed = FiledAs(TradeContracting.Decide(state, Executed(state)));

        Assert.Equal(ExportVolume.Zero, filed.Contracted.ComplianceInput.PriorVolumeThisYear);
        Assert.Equal((2026, 2026), TradeContracting.VolumeYears(Today));
    }

    [Fact]
    public void The_rule_set_in_force_on_the_contract_date_decides_a_filed_trade_and_its_volume_window()
    {
        var state = State(Listed(individuals: 1_000), HongKongBuyer, Exported((2022, 40_000), (2023, 5_000)));

        // 2026: the 2024 Provisions exempt a small PI export.
        Assert.Equal("CN-2026.01", FiledAs(TradeContracting.Decide(state, Filed(state, Today))).Contracted.Compliance.RuleSetVersion);

        // 2023-06-01: the 2022 Measures have no small-volume exemption and count since the start of the previous year.
        var refused = Assert.IsType<RefusedTrade>(TradeContracting.Decide(state, Filed(state, new DateOnly(2023, 6, 1)))).Refused;
        Assert.Equal("CN-2023.06", refused.Compliance.RuleSetVersion);
        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, refused.Compliance.RefusalReason);
        Assert.Equal(new ExportVolume(45_000, 0), refused.ComplianceInput.PriorVolumeThisYear);
        Assert.Equal((2022, 2023), TradeContracting.VolumeYears(new DateOnly(2023, 6, 1)));
    }

    [Fact]
    public void A_trade_dated_before_the_earliest_rule_set_is_rejected_naming_the_date_and_one_dated_that_day_is_decided()
    {
        var state = State(Listed(individuals: 1_000), HongKongBuyer);

        // A later rule set would judge it by a law not yet in force: nothing is recorded.
        var rejected = Assert.IsType<RejectedTrade>(TradeContracting.Decide(state, Filed(state, new DateOnly(2017, 5, 31)))).Error;
        Assert.Equal(ErrorKind.InvalidArgument, rejected.Kind);
        Assert.Equal("NO_RULE_SET_IN_FORCE", rejected.Reason);
        Assert.Equal("2017-06-01", rejected.Metadata["earliest_date"]);
        Assert.Equal("CN-2017.06", rejected.Metadata["earliest_rule_set"]);
        Assert.Contains("2017-06-01", rejected.Message, StringComparison.Ordinal);

        var decided = TradeContracting.Decide(state, Filed(state, new DateOnly(2017, 6, 1)));
        Assert.IsNotType<RejectedTrade>(decided);
    }

    [Fact]
    public void An_exclusive_licence_is_granted_for_its_term_from_the_contract_date()
    {
        var state = State(Listed(individuals: 0, exclusive: true), ShanghaiBuyer);

        var grant = FiledAs(TradeContracting.Decide(state, Executed(state))).Grant;

        Assert.NotNull(grant);
        Assert.Equal((state.Listing.Id, Territory.GreaterBayArea, Today, Today.AddDays(29)), (grant.ListingId, grant.Territory, grant.From, grant.Until));
    }

    [Fact]
    public void An_exclusive_licence_already_granted_in_the_territory_rejects_the_next_trade_without_recording_it()
    {
        var state = State(Listed(individuals: 0, exclusive: true), ShanghaiBuyer);
        var first = FiledAs(TradeContracting.Decide(state, Executed(state)));

        var error = Assert.IsType<RejectedTrade>(TradeContracting.Decide(state.Apply(first), Executed(state))).Error;

        Assert.Equal("EXCLUSIVE_LICENCE_TAKEN", error.Reason);
        Assert.Equal(ErrorKind.FailedPrecondition, error.Kind);
        Assert.Equal($"trades/{first.Contracted.TradeId}", error.Metadata["holder"]);
        Assert.Equal(Today.AddDays(29).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), error.Metadata["until"]);
    }

    [Fact]
    public void An_exclusive_licence_no_longer_blocks_once_released()
    {
        var state = State(Listed(individuals: 0, exclusive: true), ShanghaiBuyer);
        var first = FiledAs(TradeContracting.Decide(state, Executed(state)));
        var cancelled = Trade.Evolve(first.Trade, TradeDecider.Cancel(first.Trade, SealedText.Legacy("changed mind"), ActorOf(ShanghaiBuyer), Now));

        var released = TradeDecider.ReleaseOf(first.Trade, cancelled, Now);

        Assert.NotNull(released);
        Assert.Equal(("CANCELLED", first.Contracted.TradeId), (released.Reason, released.TradeId));
        var listing = state.Apply(first).Listing.When(released);
        Assert.IsType<AcceptedTrade>(TradeContracting.Decide(state with { Listing = listing }, Executed(state)));
    }

    [Fact]
    public void Ending_a_non_exclusive_trade_releases_nothing()
    {
        var state = State(Listed(individuals: 0), ShanghaiBuyer);
        var trade = FiledAs(TradeContracting.Decide(state, Executed(state))).Trade;
        var cancelled = Trade.Evolve(trade, TradeDecider.Cancel(trade, SealedText.Legacy("x"), ActorOf(ShanghaiBuyer), Now));

        Assert.Null(TradeDecider.ReleaseOf(trade, cancelled, Now));
    }

    [Fact]
    public void A_compliance_refusal_comes_before_the_exclusive_licence_check()
    {
        var state = State(Listed(individuals: 150_000, exclusive: true), HongKongBuyer);
        var held = state.Listing.When(new ExclusiveLicenceGranted(state.Listing.Id, Guid.CreateVersion7(), Territory.GreaterBayArea, Today, Today, Now));

        Assert.IsType<RefusedTrade>(TradeContracting.Decide(state with { Listing = held }, Executed(state)));
    }

    [Theory]
    [InlineData(ListingState.Suspended)]
    [InlineData(ListingState.Delisted)]
    [InlineData(ListingState.Registered)]
    public void A_listing_that_is_not_listed_does_not_trade(ListingState listingState)
    {
        var state = State(Listed() with { State = listingState }, ShanghaiBuyer);

        var error = Assert.IsType<RejectedTrade>(TradeContracting.Decide(state, Executed(state))).Error;

        Assert.Equal("LISTING_NOT_TRADABLE", error.Reason);
        Assert.Equal(ListingDecider.StateName(listingState), error.Metadata["current_state"]);
    }

    [Fact]
    public void A_suspended_listing_can_still_have_a_trade_concluded_elsewhere_filed()
    {
        var state = State(Listed() with { State = ListingState.Suspended }, ShanghaiBuyer);

        Assert.IsType<AcceptedTrade>(TradeContracting.Decide(state, Filed(state, Today)));
    }

    [Theory]
    [InlineData("CNY", 1)]
    [InlineData("HKD", 1_999_00)]
    public void Only_the_listings_price_in_its_currency_is_accepted(string currency, long amountMinor)
    {
        var state = State(Listed(), ShanghaiBuyer);

        var error = Assert.IsType<RejectedTrade>(TradeContracting.Decide(state, Executed(state, amount: new Money(currency, amountMinor)))).Error;

        Assert.Equal("PRICE_MISMATCH", error.Reason);
        Assert.Equal(("199900", "CNY"), (error.Metadata["listing_price"], error.Metadata["listing_currency"]));
    }

    [Fact]
    public void Licence_terms_other_than_the_listings_are_rejected()
    {
        var state = State(Listed(), ShanghaiBuyer);
        var other = state.Listing.Content.Licence with { TermDays = 30 };

        Assert.Equal("LICENCE_TERMS_MISMATCH", Assert.IsType<RejectedTrade>(TradeContracting.Decide(state, Executed(state, licence: other))).Error.Reason);
    }

    [Fact]
    public void A_buyer_executes_trades_only_for_itself()
    {
        var state = State(Listed(), ShanghaiBuyer);
        var command = Executed(state) with { Actor = ActorOf(HongKongBuyer) };

        var error = Assert.IsType<RejectedTrade>(TradeContracting.Decide(state, command)).Error;

        Assert.Equal(("BUYER_ROLE_REQUIRED", ErrorKind.PermissionDenied), (error.Reason, error.Kind));
    }

    [Fact]
    public void A_state_of_another_listing_is_a_programming_error_not_a_decision()
    {
        var state = State(Listed(), ShanghaiBuyer);

        Assert.Throws<ArgumentException>(() => TradeContracting.Decide(state, Executed(state) with { ListingId = Guid.CreateVersion7() }));
    }

    [Fact]
    public void A_batch_decides_trades_in_order_against_its_running_state()
    {
        // Three exports of 40,000 individuals each: the third takes the year over 100,000 and needs a contract.
        var state = State(Listed(individuals: 40_000), HongKongBuyer);
        var outcomes = new List<TradeContractDecision>();
        long filings = 0;
        for (var i = 0; i < 3; i++)
        {
            var decision = TradeContracting.Decide(state, Executed(state));
            outcomes.Add(decision);
            if (decision is AcceptedTrade accepted)
            {
                state = state.Apply(accepted.File(++filings));
            }
        }

        Assert.IsType<AcceptedTrade>(outcomes[0]);
        Assert.IsType<AcceptedTrade>(outcomes[1]);
        Assert.Equal(new ExportVolume(80_000, 0), Assert.IsType<RefusedTrade>(outcomes[2]).Refused.ComplianceInput.PriorVolumeThisYear);
        Assert.Equal(2, filings);
        Assert.Equal(new ExportVolume(80_000, 0), state.Exporter.VolumeOfYears(2026, 2026));
    }

    [Fact]
    public void The_unbatched_decision_and_the_running_state_agree_with_the_recorded_volume()
    {
        var state = State(Listed(individuals: 40_000), HongKongBuyer, Exported((2026, 10_000)));
        var filed = FiledAs(TradeContracting.Decide(state, Executed(state)));

        var next = state.Apply(filed);

        var recorded = new ExporterYearVolume(Guid.Empty, Vendor.Id, 2026, 10_000, 0).When(filed.Volume!);
        Assert.Equal(new ExportVolume(recorded.Individuals, recorded.SensitiveIndividuals), next.Exporter.VolumeByYear[2026]);
        Assert.Equal(state.Listing, next.Listing);
    }

    [Fact]
    public void Filing_numbers_are_the_year_and_a_six_digit_sequence()
    {
        Assert.Equal("DX-2026-000001", FilingNumber.Format(2026, 1));
        Assert.Equal("DX-2023-1234567", FilingNumber.Format(2023, 1_234_567));
    }
}
