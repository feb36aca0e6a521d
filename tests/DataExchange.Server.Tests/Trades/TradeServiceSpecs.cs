using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

public class TradeServiceSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_Hong_Kong_buyer_is_refused_without_a_mechanism_then_trades_under_a_GBA_contract_to_settlement()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Shenzhen commuter OD matrix", individuals: 150_000));

        var before = await server.CountEventsAsync();
        var refusal = await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        var info = refusal.GetDetail<ErrorInfo>();
        Assert.Equal("XB-5-CONTRACT-BAND", info.Metadata["rule"]);
        Assert.Equal("150000", info.Metadata["individuals_with_this_trade"]);
        Assert.Contains("standard contract", refusal.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before + 1, await server.CountEventsAsync()); // the refusal itself is recorded
        var refused = await world.Compliance.Trades.GetTradeAsync(new GetTradeRequest { Name = info.Metadata["trade"] });
        Assert.Equal(TradeState.Refused, refused.State);
        Assert.Equal("", refused.FilingNumber);
        // The error and the record agree: the volume recorded (nothing exported yet), and the one the rule counted.
        Assert.Equal(refused.Compliance.CumulativeIndividuals.ToString(System.Globalization.CultureInfo.InvariantCulture), info.Metadata["cumulative_individuals"]);
        Assert.Equal("0", info.Metadata["cumulative_individuals"]);
        Assert.Equal("150000", refused.Compliance.Evaluations.Single(e => e.RuleId == info.Metadata["rule"]).Inputs["cumulativeIndividuals"]);

        var statsBefore = await world.HongKongBuyer.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
        var contract = await world.ApproveAsync(ExportMechanism.GbaStandardContract, listing);
        var trade = await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        Assert.Equal(TradeState.Contracted, trade.State);
        Assert.Matches(@"^DX-\d{4}-\d{6}$", trade.FilingNumber);
        Assert.True(trade.Compliance.CrossBorder);
        Assert.Equal(ExportMechanism.GbaStandardContract, trade.Compliance.Mechanism);
        Assert.Equal(contract.Name, trade.Compliance.Approval);
        // Judged by the law in force on the trade date (China Standard Time), whatever day the suite runs.
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        Assert.Equal(DataExchange.Compliance.RuleSetCatalog.Default.RuleSetFor(today).Version, trade.Compliance.RuleSetVersion);
        Assert.Equal(150_000, trade.Compliance.CumulativeIndividuals);

        trade = await world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, Note = "API key sent", RequestId = Rid() });
        Assert.Equal(TradeState.Delivered, trade.State);
        trade = await world.HongKongBuyer.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, RequestId = Rid() });
        Assert.Equal(TradeState.Received, trade.State);
        trade = await server.Operator.Trades.SettleTradeAsync(new SettleTradeRequest
        {
            Name = trade.Name, Amount = listing.Price, PaymentReference = "CMB-2026-0001", RequestId = Rid(),
        });
        Assert.Equal(TradeState.Settled, trade.State);

        var stats = await world.HongKongBuyer.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
        Assert.Equal(statsBefore.Overall.CrossBorderTrades + 1, stats.Overall.CrossBorderTrades);
        Assert.Equal(statsBefore.Overall.FiledTrades + 1, stats.Overall.FiledTrades);
        var cnyBefore = statsBefore.Overall.CrossBorderValue.SingleOrDefault(m => m.CurrencyCode == "CNY")?.AmountMinor ?? 0;
        Assert.Equal(cnyBefore + listing.Price.AmountMinor, stats.Overall.CrossBorderValue.Single(m => m.CurrencyCode == "CNY").AmountMinor);
        Assert.True(stats.Overall.RefusedAttempts >= 1);
    }

    [Fact]
    public async Task A_retried_refusal_answers_the_same_and_records_nothing_more()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Retry refusal", individuals: 200_000));
        var request = TradeWorld.Buy(listing);
        var first = await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED", () => world.HongKongBuyer.Trades.ExecuteTradeAsync(request));
        var events = await server.CountEventsAsync();
        var second = await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED", () => world.HongKongBuyer.Trades.ExecuteTradeAsync(request));
        Assert.Equal(first.GetDetail<ErrorInfo>().Metadata["trade"], second.GetDetail<ErrorInfo>().Metadata["trade"]);
        Assert.Equal(events, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Splitting_an_export_into_small_trades_does_not_slip_under_the_threshold()
    {
        var world = await TradeWorld.CreateAsync(server);
        var small = await world.ListedAsync(Listing("Small slice A", individuals: 60_000));
        var other = await world.ListedAsync(Listing("Small slice B", individuals: 60_000));
        var first = await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(small));
        Assert.Equal(ExportMechanism.Exempt, first.Compliance.Mechanism);
        var status = await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(other)));
        var metadata = status.GetDetail<ErrorInfo>().Metadata;
        Assert.Equal("120000", metadata["individuals_with_this_trade"]);
        Assert.Equal("60000", metadata["cumulative_individuals"]);
    }

    [Fact]
    public async Task A_revoked_approval_no_longer_counts()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Revocable", individuals: 300_000));
        var approval = await world.ApproveAsync(ExportMechanism.StandardContract, listing);
        await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        var revoked = await world.Compliance.Approvals.RevokeExportApprovalAsync(new RevokeExportApprovalRequest { Name = approval.Name, Reason = "filing withdrawn", RequestId = Rid() });
        Assert.NotEqual("", revoked.RevokedOn);
        await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        var active = await world.Compliance.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = world.VendorName });
        Assert.Empty(active.Approvals);
        var all = await world.Compliance.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = world.VendorName, IncludeRevoked = true });
        Assert.Single(all.Approvals);
    }

    [Fact]
    public async Task Domestic_trades_pass_the_engine_and_are_recorded_as_domestic()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Domestic feed", individuals: 5_000_000));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        Assert.False(trade.Compliance.CrossBorder);
        Assert.Equal(ExportMechanism.None, trade.Compliance.Mechanism);
        Assert.NotEmpty(trade.Compliance.Evaluations);
    }

    [Fact]
    public async Task The_price_must_be_the_listing_price_and_nothing_is_written_otherwise()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Priced", individuals: 0));
        var request = TradeWorld.Buy(listing);
        request.AgreedPrice = new Money { CurrencyCode = "CNY", AmountMinor = listing.Price.AmountMinor - 1 };
        var events = await server.CountEventsAsync();
        await Errors.Expect(StatusCode.FailedPrecondition, "PRICE_MISMATCH", () => world.DomesticBuyer.Trades.ExecuteTradeAsync(request));
        request.AgreedPrice = new Money { CurrencyCode = "HKD", AmountMinor = listing.Price.AmountMinor };
        await Errors.Expect(StatusCode.FailedPrecondition, "PRICE_MISMATCH", () => world.DomesticBuyer.Trades.ExecuteTradeAsync(request));
        Assert.Equal(events, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Suspended_listings_do_not_trade_and_vendors_cannot_buy()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Suspended soon", individuals: 0));
        await world.Compliance.Listings.SuspendListingAsync(new SuspendListingRequest { Name = listing.Name, Reason = "complaint", RequestId = Rid() });
        await Errors.Expect(StatusCode.FailedPrecondition, "LISTING_NOT_TRADABLE", () => world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        await Errors.Expect(StatusCode.PermissionDenied, "BUYER_ROLE_REQUIRED", () => world.Vendor.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
    }

    [Fact]
    public async Task Fifty_buyers_racing_for_one_exclusive_licence_yield_exactly_one_filed_trade()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Exclusive corpus", individuals: 0, exclusive: true));
        var buyers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            server.NewParticipantAsync($"Racer {i}", Region.MainlandChina, "Dongguan", Role.Buyer)));
        var outcomes = await Task.WhenAll(buyers.Select(async b =>
        {
            try
            {
                await b.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
                return (Code: StatusCode.OK, Detail: "");
            }
            catch (RpcException e)
            {
                return (Code: e.StatusCode, e.Status.Detail);
            }
        }));
        Assert.Equal(1, outcomes.Count(o => o.Code == StatusCode.OK));
        Assert.All(outcomes.Where(o => o.Code != StatusCode.OK),
            o => Assert.True(o.Code is StatusCode.Aborted or StatusCode.FailedPrecondition, $"{o.Code}: {o.Detail}"));
        var trades = await world.Compliance.Trades.ListTradesAsync(new ListTradesRequest { Listing = listing.Name });
        Assert.Single(trades.Trades);
    }

    [Fact]
    public async Task Fifty_concurrent_retries_of_one_request_yield_exactly_one_trade()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Retried purchase", individuals: 0));
        var request = TradeWorld.Buy(listing);
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            try
            {
                return (await world.DomesticBuyer.Trades.ExecuteTradeAsync(request)).Name;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Aborted)
            {
                return (await world.DomesticBuyer.Trades.ExecuteTradeAsync(request)).Name;
            }
        }));
        Assert.Single(results.Distinct());
        var trades = await world.Compliance.Trades.ListTradesAsync(new ListTradesRequest { Listing = listing.Name });
        Assert.Single(trades.Trades);
    }

    [Fact]
    public async Task A_filed_2022_trade_is_judged_by_2022_rules_and_numbered_in_2022()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Historic", individuals: 50_000));
        var refused = await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED", () =>
            server.Operator.Trades.FileTradeAsync(new FileTradeRequest
            {
                Listing = listing.Name, Buyer = world.HongKongBuyerName, Licence = listing.Licence, Amount = listing.Price,
                ContractDate = "2022-11-15", ExternalReference = "OLD-1", RequestId = Rid(),
            }));
        Assert.Equal("CN-2022.09", refused.GetDetail<ErrorInfo>().Metadata["rule_set_version"]);

        var filed = await server.Operator.Trades.FileTradeAsync(new FileTradeRequest
        {
            Listing = listing.Name, Buyer = world.DomesticBuyerName, Licence = listing.Licence,
            Amount = new Money { CurrencyCode = "CNY", AmountMinor = 12_345_00 }, ContractDate = "2022-03-01", RequestId = Rid(),
        });
        Assert.StartsWith("DX-2022-", filed.FilingNumber);
        Assert.Equal("2022-03-01", filed.ContractDate);
        Assert.Equal(new Google.Type.Date { Year = 2022, Month = 3, Day = 1 }, filed.TradeDate);

        // A client of the google.type.Date field files the same way; the served trade carries both forms.
        var byDate = await server.Operator.Trades.FileTradeAsync(new FileTradeRequest
        {
            Listing = listing.Name, Buyer = world.DomesticBuyerName, Licence = listing.Licence,
            Amount = new Money { CurrencyCode = "CNY", AmountMinor = 1_00 }, TradeDate = new() { Year = 2022, Month = 3, Day = 2 }, RequestId = Rid(),
        });
        Assert.Equal("2022-03-02", byDate.ContractDate);
        Assert.Equal(new Google.Type.Date { Year = 2022, Month = 3, Day = 2 }, byDate.TradeDate);
        Assert.Equal(TradeOrigin.Filed, filed.Origin);
        var byNumber = await world.DomesticBuyer.Trades.GetTradeAsync(new GetTradeRequest { FilingNumber = filed.FilingNumber });
        Assert.Equal(filed.Name, byNumber.Name);
        var ofYear = await world.Compliance.Trades.ListTradesAsync(new ListTradesRequest { FilingYear = 2022, Listing = listing.Name });
        Assert.Equal(2, ofYear.Trades.Count);
        await Errors.Expect(StatusCode.PermissionDenied, "COMPLIANCE_OR_OPERATOR_ROLE_REQUIRED", () =>
            world.DomesticBuyer.Trades.FileTradeAsync(new FileTradeRequest
            {
                Listing = listing.Name, Buyer = world.DomesticBuyerName, Licence = listing.Licence, Amount = listing.Price,
                ContractDate = "2022-03-01", RequestId = Rid(),
            }));
    }

    [Fact]
    public async Task Cancellation_withdraws_the_filing_and_settlement_must_match_unless_adjusted()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Lifecycle", individuals: 0));
        var cancelled = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        cancelled = await world.Vendor.Trades.CancelTradeAsync(new CancelTradeRequest { Name = cancelled.Name, Reason = "duplicate order", RequestId = Rid() });
        Assert.Equal(TradeState.Cancelled, cancelled.State);
        await Errors.Expect(StatusCode.FailedPrecondition, "INVALID_STATE_TRANSITION",
            () => world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = cancelled.Name, RequestId = Rid() }));

        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        await Errors.Expect(StatusCode.PermissionDenied, "VENDOR_OF_TRADE_REQUIRED",
            () => world.DomesticBuyer.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, RequestId = Rid() }));
        await world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, RequestId = Rid() });
        await Errors.Expect(StatusCode.PermissionDenied, "BUYER_OF_TRADE_REQUIRED",
            () => world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, RequestId = Rid() }));
        await world.DomesticBuyer.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, RequestId = Rid() });
        var lower = new Money { CurrencyCode = "CNY", AmountMinor = listing.Price.AmountMinor - 100_00 };
        await Errors.Expect(StatusCode.FailedPrecondition, "SETTLEMENT_AMOUNT_MISMATCH", () =>
            server.Operator.Trades.SettleTradeAsync(new SettleTradeRequest { Name = trade.Name, Amount = lower, PaymentReference = "P1", RequestId = Rid() }));
        var settled = await server.Operator.Trades.SettleTradeAsync(new SettleTradeRequest
        {
            Name = trade.Name, Amount = lower, PaymentReference = "P1", AdjustmentReason = "late delivery discount", RequestId = Rid(),
        });
        Assert.Equal(TradeState.Settled, settled.State);
        Assert.Equal(lower, settled.Amount);

        var disputed = await world.Compliance.Trades.OpenDisputeAsync(new OpenDisputeRequest { Name = trade.Name, Reason = "data quality", RequestId = Rid() });
        Assert.Equal(TradeState.Disputed, disputed.State);
        var resolved = await world.Compliance.Trades.ResolveDisputeAsync(new ResolveDisputeRequest
        {
            Name = trade.Name, Resolution = DisputeResolution.Dismissed, Reason = "as described", RequestId = Rid(),
        });
        Assert.Equal(TradeState.Settled, resolved.State);

        var stats = await world.Compliance.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
        var trades = await world.Compliance.Trades.ListTradesAsync(new ListTradesRequest { Listing = listing.Name });
        Assert.Equal(2, trades.Trades.Count); // the cancelled one is listed but not counted as filed
        Assert.True(stats.Overall.FiledTrades >= 1);
    }

    [Fact]
    public async Task Buyers_see_only_their_own_trades()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Private trades", individuals: 0));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        var stranger = await server.NewParticipantAsync("Stranger", Region.Macao, "", Role.Buyer);
        await Errors.Expect(StatusCode.NotFound, "TRADE_NOT_FOUND", () => stranger.Clients.Trades.GetTradeAsync(new GetTradeRequest { Name = trade.Name }));
        Assert.Empty((await stranger.Clients.Trades.ListTradesAsync(new ListTradesRequest())).Trades);
        Assert.Single((await world.DomesticBuyer.Trades.ListTradesAsync(new ListTradesRequest { Listing = listing.Name })).Trades);
    }
}
