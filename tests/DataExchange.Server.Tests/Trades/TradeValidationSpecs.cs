using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>Trade and approval requests: every bad field is INVALID_ARGUMENT naming it, and nothing is written.</summary>
public class TradeValidationSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly LicenceTerms Licence = Listing().Licence;

    public static TheoryData<string, string> BadExecutions() => new()
    {
        { "no-listing", "listing" },
        { "bad-listing", "listing" },
        { "no-licence", "licence" },
        { "no-price", "agreed_price" },
        { "negative-price", "agreed_price.amount_minor" },
        { "bad-currency", "agreed_price.currency_code" },
        { "long-wait", "wait_for_receipt" },
        { "wait-nanos-a-whole-second", "wait_for_receipt" },
        { "wait-negative-nanos", "wait_for_receipt" },
        { "wait-mixed-signs", "wait_for_receipt" },
        { "wait-seconds-out-of-range", "wait_for_receipt" },
        { "wait-just-over-ten-seconds", "wait_for_receipt" },
        { "wait-negative", "wait_for_receipt" },
        { "no-request-id", "request_id" },
    };

    [Theory]
    [MemberData(nameof(BadExecutions))]
    public async Task A_bad_execute_request_is_invalid_argument_naming_the_field(string kind, string field)
    {
        var buyer = await server.NewParticipantAsync("Validating buyer", Region.HongKong, "", Role.Buyer);
        var request = new ExecuteTradeRequest
        {
            Listing = "listings/" + Guid.CreateVersion7(), Licence = Licence.Clone(),
            AgreedPrice = new Money { CurrencyCode = "CNY", AmountMinor = 100 }, RequestId = Rid(),
        };
        switch (kind)
        {
            case "no-listing": request.Listing = ""; break;
            case "bad-listing": request.Listing = "trades/" + Guid.CreateVersion7(); break;
            case "no-licence": request.Licence = null; break;
            case "no-price": request.AgreedPrice = null; break;
            case "negative-price": request.AgreedPrice.AmountMinor = -1; break;
            case "bad-currency": request.AgreedPrice.CurrencyCode = "RMB"; break;
            case "long-wait": request.WaitForReceipt = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(1)); break;
            case "wait-nanos-a-whole-second": request.WaitForReceipt = new() { Seconds = 1, Nanos = 1_000_000_000 }; break;
            case "wait-negative-nanos": request.WaitForReceipt = new() { Seconds = 0, Nanos = -1 }; break;
            case "wait-mixed-signs": request.WaitForReceipt = new() { Seconds = 2, Nanos = -5 }; break;
            case "wait-seconds-out-of-range": request.WaitForReceipt = new() { Seconds = long.MaxValue }; break;
            case "wait-just-over-ten-seconds": request.WaitForReceipt = new() { Seconds = 10, Nanos = 1 }; break;
            case "wait-negative": request.WaitForReceipt = new() { Seconds = -1 }; break;
            case "no-request-id": request.RequestId = ""; break;
        }

        var before = await server.CountEventsAsync();
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => buyer.Clients.Trades.ExecuteTradeAsync(request));
        Assert.Contains(field, status.Fields());
        Assert.Equal(before, await server.CountEventsAsync());
    }

    public static TheoryData<string, string> BadFilings() => new()
    {
        { "no-buyer", "buyer" },
        { "future-date", "contract_date" },
        { "before-any-rule-set", "contract_date" },
        { "bad-date", "contract_date" },
        { "no-date", "trade_date" },
        { "bad-trade-date", "trade_date" },
        { "future-trade-date", "trade_date" },
        { "twins-disagree", "contract_date" },
        { "long-reference", "external_reference" },
    };

    [Theory]
    [MemberData(nameof(BadFilings))]
    public async Task A_bad_filing_is_invalid_argument_naming_the_field(string kind, string field)
    {
        var request = new FileTradeRequest
        {
            Listing = "listings/" + Guid.CreateVersion7(), Buyer = "participants/" + Guid.CreateVersion7(), Licence = Licence.Clone(),
            Amount = new Money { CurrencyCode = "CNY", AmountMinor = 100 }, ContractDate = "2022-05-01", RequestId = Rid(),
        };
        switch (kind)
        {
            case "no-buyer": request.Buyer = ""; break;
            case "future-date": request.ContractDate = "2099-01-01"; break;
            case "before-any-rule-set": request.ContractDate = "2016-06-01"; break; // CN-2017.06, the earliest, took effect 2017-06-01
            case "bad-date": request.ContractDate = "2022-02-30"; break;
            case "no-date": request.ContractDate = ""; break;
            case "bad-trade-date": request.ContractDate = ""; request.TradeDate = new() { Year = 2022, Month = 2, Day = 30 }; break;
            case "future-trade-date": request.ContractDate = ""; request.TradeDate = new() { Year = 2099, Month = 1, Day = 1 }; break;
            case "twins-disagree": request.TradeDate = new() { Year = 2022, Month = 5, Day = 2 }; break;
            case "long-reference": request.ExternalReference = new string('r', 101); break;
        }

        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => server.Operator.Trades.FileTradeAsync(request));
        Assert.Contains(field, status.Fields());
    }

    [Fact]
    public async Task A_filing_dated_before_the_earliest_rule_set_names_the_date_it_could_start()
    {
        var request = new FileTradeRequest
        {
            Listing = "listings/" + Guid.CreateVersion7(), Buyer = "participants/" + Guid.CreateVersion7(), Licence = Licence.Clone(),
            Amount = new Money { CurrencyCode = "CNY", AmountMinor = 100 }, ContractDate = "2017-05-31", RequestId = Rid(),
        };

        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => server.Operator.Trades.FileTradeAsync(request));
        var violation = status.Details.Select(d => d.TryUnpack<Google.Rpc.BadRequest>(out var b) ? b : null).OfType<Google.Rpc.BadRequest>()
            .SelectMany(b => b.FieldViolations).Single(f => f.Field == "contract_date");
        Assert.Contains("on or after 2017-06-01", violation.Description, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadApprovals() => new()
    {
        { "no-kind", "approval.kind" },
        { "exempt-kind", "approval.kind" },
        { "no-reference", "approval.reference_number" },
        { "mainland-counterpart", "approval.counterpart_region" },
        { "no-scope", "approval.listings" },
        { "bad-listing", "approval.listings[0]" },
        { "bad-category", "approval.data_categories[0]" },
        { "reversed-dates", "approval.valid_until" },
        { "bad-date", "approval.valid_from" },
        { "bad-parent", "parent" },
        { "bad-recipient", "approval.recipients[0]" },
        { "mainland-destination", "approval.destinations[0]" },
        { "unknown-destination", "approval.destinations[0]" },
        { "negative-scale", "approval.covered_individuals" },
        { "sensitive-beyond-scale", "approval.covered_sensitive_individuals" },
        { "usage-supplied", "approval.exported_individuals" },
    };

    [Theory]
    [MemberData(nameof(BadApprovals))]
    public async Task A_bad_approval_is_invalid_argument_naming_the_field(string kind, string field)
    {
        var compliance = await server.NewParticipantAsync("Validating compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer);
        var approval = new ExportApproval
        {
            Kind = ExportMechanism.StandardContract, ReferenceNumber = "YUE-SC-2022-001", DataCategories = { "credit-records" },
            CounterpartRegion = Region.HongKong, ValidFrom = "2022-01-01", ValidUntil = "2024-12-31",
        };
        var request = new RecordExportApprovalRequest { Parent = "participants/" + Guid.CreateVersion7(), Approval = approval, RequestId = Rid() };
        switch (kind)
        {
            case "no-kind": approval.Kind = ExportMechanism.Unspecified; break;
            case "exempt-kind": approval.Kind = ExportMechanism.Exempt; break;
            case "no-reference": approval.ReferenceNumber = ""; break;
            case "mainland-counterpart": approval.CounterpartRegion = Region.MainlandChina; break;
            case "no-scope": approval.DataCategories.Clear(); break;
            case "bad-listing": approval.Listings.Add("listing-1"); break;
            case "bad-category": approval.DataCategories[0] = "Credit Records"; break;
            case "reversed-dates": approval.ValidUntil = "2021-12-31"; break;
            case "bad-date": approval.ValidFrom = "01/01/2022"; break;
            case "bad-parent": request.Parent = "listings/" + Guid.CreateVersion7(); break;
            case "bad-recipient": approval.Recipients.Add("listings/" + Guid.CreateVersion7()); break;
            case "mainland-destination": approval.Destinations.Add("440300"); break;
            case "unknown-destination": approval.Destinations.Add("Atlantis"); break;
            case "negative-scale": approval.CoveredIndividuals = -1; break;
            case "sensitive-beyond-scale": approval.CoveredIndividuals = 10; approval.CoveredSensitiveIndividuals = 11; break;
            case "usage-supplied": approval.ExportedIndividuals = 5; break;
        }

        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => compliance.Clients.Approvals.RecordExportApprovalAsync(request));
        Assert.Contains(field, status.Fields());
    }

    [Theory]
    [InlineData("ConfirmDelivery")]
    [InlineData("SettleTrade")]
    [InlineData("CancelTrade")]
    [InlineData("OpenDispute")]
    [InlineData("ResolveDispute")]
    public async Task Trade_changes_need_a_well_formed_trade_name(string method)
    {
        var name = "trades/not-a-uuid";
        Func<Task> call = method switch
        {
            "ConfirmDelivery" => () => server.Operator.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = name, RequestId = Rid() }).ResponseAsync,
            "SettleTrade" => () => server.Operator.Trades.SettleTradeAsync(new SettleTradeRequest { Name = name, Amount = new Money { CurrencyCode = "CNY", AmountMinor = 1 }, PaymentReference = "p", RequestId = Rid() }).ResponseAsync,
            "CancelTrade" => () => server.Operator.Trades.CancelTradeAsync(new CancelTradeRequest { Name = name, Reason = "r", RequestId = Rid() }).ResponseAsync,
            "OpenDispute" => () => server.Operator.Trades.OpenDisputeAsync(new OpenDisputeRequest { Name = name, Reason = "r", RequestId = Rid() }).ResponseAsync,
            _ => () => server.Operator.Trades.ResolveDisputeAsync(new ResolveDisputeRequest { Name = name, Resolution = DisputeResolution.Dismissed, Reason = "r", RequestId = Rid() }).ResponseAsync,
        };
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", call);
        Assert.Contains("name", status.Fields());
    }

    [Fact]
    public async Task Unknown_trades_are_not_found_and_list_filters_are_checked()
    {
        await Errors.Expect(StatusCode.NotFound, "TRADE_NOT_FOUND", () => server.Operator.Trades.GetTradeAsync(new GetTradeRequest { Name = "trades/" + Guid.CreateVersion7() }));
        await Errors.Expect(StatusCode.NotFound, "TRADE_NOT_FOUND", () => server.Operator.Trades.GetTradeAsync(new GetTradeRequest { FilingNumber = "DX-1999-000001" }));
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => server.Operator.Trades.ListTradesAsync(new ListTradesRequest { FilingYear = 1850, State = (TradeState)77 }));
        Assert.Contains("filing_year", status.Fields());
        Assert.Contains("state", status.Fields());
    }
}

/// <summary>Who may do what with trades and approvals.</summary>
public class TradeAuthorisationSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Roles_are_enforced_on_trades_and_approvals()
    {
        var world = await TradeWorld.CreateAsync(server);
        var auditor = await server.NewParticipantAsync("Auditor", Region.MainlandChina, "Shenzhen", Role.Auditor);
        var listing = await world.ListedAsync(Listing("Auth matrix", individuals: 0));

        await Errors.Expect(StatusCode.PermissionDenied, "BUYER_ROLE_REQUIRED", () => auditor.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        await Errors.Expect(StatusCode.PermissionDenied, "BUYER_ROLE_REQUIRED", () => world.Compliance.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        await Errors.Expect(StatusCode.PermissionDenied, "COMPLIANCE_ROLE_REQUIRED", () => world.Vendor.Approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
        {
            Parent = world.VendorName, RequestId = Rid(),
            Approval = new ExportApproval { Kind = ExportMechanism.StandardContract, ReferenceNumber = "X", DataCategories = { "x" }, CounterpartRegion = Region.HongKong, ValidFrom = "2022-01-01", ValidUntil = "2023-01-01" },
        }));
        await Errors.Expect(StatusCode.PermissionDenied, "APPROVALS_NOT_VISIBLE", () => world.HongKongBuyer.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = world.VendorName }));
        await world.Vendor.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = world.VendorName });
        await auditor.Clients.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = "participants/-" });

        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        Assert.Equal(trade.Name, (await auditor.Clients.Trades.GetTradeAsync(new GetTradeRequest { Name = trade.Name })).Name);
        await Errors.Expect(StatusCode.PermissionDenied, "TRADE_PARTY_REQUIRED", () => world.Compliance.Trades.CancelTradeAsync(new CancelTradeRequest { Name = trade.Name, Reason = "r", RequestId = Rid() }));
        await Errors.Expect(StatusCode.NotFound, "TRADE_NOT_FOUND", () => world.HongKongBuyer.Trades.CancelTradeAsync(new CancelTradeRequest { Name = trade.Name, Reason = "r", RequestId = Rid() }));
        await Errors.Expect(StatusCode.PermissionDenied, "COMPLIANCE_ROLE_REQUIRED", () => world.Vendor.Trades.OpenDisputeAsync(new OpenDisputeRequest { Name = trade.Name, Reason = "r", RequestId = Rid() }));
        await Errors.Expect(StatusCode.PermissionDenied, "OPERATOR_ROLE_REQUIRED", () => world.Vendor.Trades.SettleTradeAsync(new SettleTradeRequest
        {
            Name = trade.Name, Amount = listing.Price, PaymentReference = "p", RequestId = Rid(),
        }));
        await world.HongKongBuyer.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
    }

    [Fact]
    public async Task A_trade_on_a_real_listing_with_a_malformed_wait_is_invalid_argument_and_records_nothing()
    {
        // Issue 12, item 2: this trade used to be recorded, and the call then failed with INTERNAL.
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing(individuals: 0));
        var before = await server.CountEventRowsAsync();
        var request = TradeWorld.Buy(listing);
        request.WaitForReceipt = new Google.Protobuf.WellKnownTypes.Duration { Seconds = 1, Nanos = 1_000_000_000 };
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => world.DomesticBuyer.Trades.ExecuteTradeAsync(request));
        Assert.Equal(["wait_for_receipt"], status.Fields());
        Assert.Equal(before, await server.CountEventRowsAsync());
        Assert.Empty((await world.DomesticBuyer.Trades.ListTradesAsync(new ListTradesRequest())).Trades);

        request.WaitForReceipt = new Google.Protobuf.WellKnownTypes.Duration { Seconds = 0, Nanos = 999_999_999 };
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(request);
        Assert.Equal(TradeState.Contracted, trade.State);
    }
}
