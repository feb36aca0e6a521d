using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Tests.Listings;
using DataExchange.Domain.Trades;
using Region = DataExchange.Domain.Common.Region;

namespace DataExchange.Domain.Tests.Trades;

public class TradeSpecs
{
    private static SealedText Sealed(string text) => SealedText.Legacy(text);

    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 27);

    private static Participant Party(Region region, string? city, params Role[] roles) =>
        Participant.Start(new ParticipantRegistered(Guid.CreateVersion7(), "P", "P Ltd", roles, new Jurisdiction(region, city), false, Guid.Empty, Now));

    private static readonly Participant Vendor = Party(Region.MainlandChina, "Shenzhen", Role.Vendor);
    private static readonly Participant HongKongBuyer = Party(Region.HongKong, null, Role.Buyer);
    private static readonly Actor Operator = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Operator });
    private static readonly Actor Compliance = new(Guid.CreateVersion7(), new HashSet<Role> { Role.ComplianceOfficer });

    private static Actor ActorOf(Participant p) => new(p.Id, p.Roles.ToHashSet());

    private static Listing Listed(long individuals = 150_000) =>
        Listing.Start(new ListingDrafted(Guid.CreateVersion7(), Vendor.Id, ListingLifecycleSpecs.Content(individuals), Vendor.Id, Now))
            with { State = ListingState.Listed };

    private static TradeRequest Request(Listing listing, Participant buyer, Money? amount = null, TradeOrigin origin = TradeOrigin.Executed) =>
        new(Guid.CreateVersion7(), listing, Vendor, buyer, listing.Content.Licence, amount ?? listing.Content.Price, Today, origin, null);

    [Fact]
    public void A_cross_border_trade_without_a_mechanism_is_a_refusal_verdict_not_an_exception()
    {
        var verdict = TradeDecider.Decide(Request(Listed(), HongKongBuyer), new ExporterRecord(ExportVolume.Zero, []), ActorOf(HongKongBuyer));
        Assert.False(verdict.Accepted);
        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, verdict.Decision.RefusalReason);
        var refused = TradeDecider.Refuse(Request(Listed(), HongKongBuyer), verdict, ActorOf(HongKongBuyer), Now);
        Assert.Equal(TradeState.Refused, Trade.Start(refused).State);
    }

    [Fact]
    public void A_recorded_decision_replays_to_the_same_decision_from_its_inputs()
    {
        var request = Request(Listed(), HongKongBuyer);
        var verdict = TradeDecider.Decide(request, new ExporterRecord(new ExportVolume(40_000, 0), []), ActorOf(HongKongBuyer));
        var replayed = ComplianceEngine.Decide(verdict.Input, RuleSetCatalog.Default.Find(verdict.Decision.RuleSetVersion)!);
        Assert.Equal(verdict.Decision, replayed);
    }

    [Fact]
    public void Only_the_listing_price_is_accepted()
    {
        var listing = Listed();
        var error = Assert.Throws<DomainException>(() =>
            TradeDecider.Decide(Request(listing, HongKongBuyer, new Money("CNY", 1)), new ExporterRecord(ExportVolume.Zero, []), ActorOf(HongKongBuyer)));
        Assert.Equal("PRICE_MISMATCH", error.Reason);
    }

    [Fact]
    public void A_vendor_cannot_buy_its_own_listing()
    {
        var both = Participant.Start(new ParticipantRegistered(Vendor.Id, "Both", "Both Ltd", [Role.Vendor, Role.Buyer],
            new Jurisdiction(Region.MainlandChina, "Shenzhen"), false, Guid.Empty, Now));
        var error = Assert.Throws<DomainException>(() =>
            TradeDecider.Decide(Request(Listed(), both), new ExporterRecord(ExportVolume.Zero, []), ActorOf(both)));
        Assert.Equal("SELF_TRADE", error.Reason);
    }

    [Fact]
    public void Filing_a_trade_concluded_elsewhere_needs_compliance_or_an_operator()
    {
        var error = Assert.Throws<DomainException>(() =>
            TradeDecider.Decide(Request(Listed(0), HongKongBuyer, origin: TradeOrigin.Filed), new ExporterRecord(ExportVolume.Zero, []), ActorOf(HongKongBuyer)));
        Assert.Equal(ErrorKind.PermissionDenied, error.Kind);
        Assert.True(TradeDecider.Decide(Request(Listed(0), HongKongBuyer, origin: TradeOrigin.Filed), new ExporterRecord(ExportVolume.Zero, []), Operator).Accepted);
    }

    private static Trade InState(TradeState state)
    {
        var listing = Listed(0);
        var request = Request(listing, HongKongBuyer);
        var verdict = TradeDecider.Decide(request, new ExporterRecord(ExportVolume.Zero, []), ActorOf(HongKongBuyer));
        var trade = Trade.Start(TradeDecider.Contract(request, verdict, "DX-2026-000001", ActorOf(HongKongBuyer), Now));
        object[] path = state switch
        {
            TradeState.Contracted => [],
            TradeState.Delivered => [new TradeDelivered(trade.Id, Sealed(""), Vendor.Id, Now)],
            TradeState.Received => [new TradeDelivered(trade.Id, Sealed(""), Vendor.Id, Now), new TradeReceiptAcknowledged(trade.Id, Sealed(""), HongKongBuyer.Id, Now)],
            TradeState.Settled => [new TradeDelivered(trade.Id, Sealed(""), Vendor.Id, Now), new TradeReceiptAcknowledged(trade.Id, Sealed(""), HongKongBuyer.Id, Now),
                new TradeSettled(trade.Id, trade.Amount, Sealed("P"), Operator.ParticipantId, Now)],
            TradeState.Cancelled => [new TradeCancelled(trade.Id, Sealed("x"), HongKongBuyer.Id, Now)],
            TradeState.Disputed => [new TradeDelivered(trade.Id, Sealed(""), Vendor.Id, Now), new TradeDisputeOpened(trade.Id, Sealed("x"), TradeState.Delivered, Compliance.ParticipantId, Now)],
            TradeState.Refunded => [new TradeDelivered(trade.Id, Sealed(""), Vendor.Id, Now), new TradeDisputeOpened(trade.Id, Sealed("x"), TradeState.Delivered, Compliance.ParticipantId, Now),
                new TradeDisputeResolved(trade.Id, DisputeResolution.UpheldRefund, Sealed("y"), Compliance.ParticipantId, Now)],
            _ => throw new ArgumentOutOfRangeException(nameof(state)),
        };
        return path.Aggregate(trade, Trade.Evolve);
    }

    public static TheoryData<string, TradeState, bool> Transitions()
    {
        var allowed = new Dictionary<string, TradeState[]>
        {
            ["deliver"] = [TradeState.Contracted],
            ["acknowledge"] = [TradeState.Delivered],
            ["settle"] = [TradeState.Received],
            ["cancel"] = [TradeState.Contracted],
            ["dispute"] = [TradeState.Delivered, TradeState.Received, TradeState.Settled],
            ["resolve"] = [TradeState.Disputed],
        };
        var data = new TheoryData<string, TradeState, bool>();
        foreach (var (action, states) in allowed)
        {
            foreach (var state in Enum.GetValues<TradeState>().Where(s => s != TradeState.Refused))
            {
                data.Add(action, state, states.Contains(state));
            }
        }

        return data;
    }

    private static IReadOnlyList<object> Act(string action, Trade trade) => action switch
    {
        "deliver" => [TradeDecider.ConfirmDelivery(trade, Sealed("sent"), new Actor(trade.VendorId, new HashSet<Role> { Role.Vendor }), Now)],
        "acknowledge" => [TradeDecider.ConfirmDelivery(trade, Sealed("got it"), new Actor(trade.BuyerId, new HashSet<Role> { Role.Buyer }), Now)],
        "settle" => TradeDecider.Settle(trade, trade.Amount, Sealed("PAY-1"), null, Operator, Now),
        "cancel" => [TradeDecider.Cancel(trade, Sealed("changed mind"), new Actor(trade.BuyerId, new HashSet<Role> { Role.Buyer }), Now)],
        "dispute" => [TradeDecider.OpenDispute(trade, Sealed("quality"), Compliance, Now)],
        "resolve" => [TradeDecider.ResolveDispute(trade, DisputeResolution.Dismissed, Sealed("fine"), Compliance, Now)],
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Every_trade_action_is_allowed_exactly_in_its_states(string action, TradeState state, bool allowed)
    {
        var trade = InState(state);
        if (allowed)
        {
            var next = Act(action, trade).Aggregate(trade, Trade.Evolve);
            Assert.NotEqual(state, next.State);
        }
        else
        {
            var error = Assert.Throws<DomainException>(() => Act(action, trade));
            if (action is "deliver" or "acknowledge" && state is TradeState.Contracted or TradeState.Delivered)
            {
                // The other party's step: a permission error that says whose turn it is.
                Assert.Equal(ErrorKind.PermissionDenied, error.Kind);
                return;
            }

            Assert.Equal("INVALID_STATE_TRANSITION", error.Reason);
            Assert.Equal(Trade.StateName(state), error.Metadata["current_state"]);
        }
    }

    [Fact]
    public void A_dismissed_dispute_returns_the_trade_to_where_it_was()
    {
        var trade = InState(TradeState.Disputed);
        var resolved = Trade.Evolve(trade, TradeDecider.ResolveDispute(trade, DisputeResolution.Dismissed, Sealed("ok"), Compliance, Now));
        Assert.Equal(TradeState.Delivered, resolved.State);
    }

    [Fact]
    public void Settlement_in_another_currency_is_refused_even_with_a_reason()
    {
        var trade = InState(TradeState.Received);
        var error = Assert.Throws<DomainException>(() => TradeDecider.Settle(trade, new Money("HKD", trade.Amount.AmountMinor), Sealed("P"), Sealed("fx"), Operator, Now));
        Assert.Equal("SETTLEMENT_CURRENCY_MISMATCH", error.Reason);
    }

    [Fact]
    public void Export_volume_streams_are_named_per_exporter_and_year()
    {
        var exporter = Guid.CreateVersion7();
        Assert.Equal(ExporterYearVolume.StreamId(exporter, 2022), ExporterYearVolume.StreamId(exporter, 2022));
        Assert.NotEqual(ExporterYearVolume.StreamId(exporter, 2022), ExporterYearVolume.StreamId(exporter, 2023));
    }
}
