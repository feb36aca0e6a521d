using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Approvals;

/// <summary>
/// An approval covers only what the authority approved (NDSM Regulations art. 38): its recipients, destinations,
/// purpose and scale. Each spec tries to stretch an approval beyond its scope through the public API.
/// </summary>
public class ApprovalScopeSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    private static string Today(int addYears = 0) => DateOnly.FromDateTime(DateTime.UtcNow).AddYears(addYears).ToString("yyyy-MM-dd", Inv);

    private static DataExchange.Contracts.V1.Listing Worldwide(string title, long individuals = 150_000)
    {
        var listing = Listing(title, individuals);
        listing.Licence.Territory = Territory.Global;
        return listing;
    }

    private static ExportApproval Contract(DataExchange.Contracts.V1.Listing listing, Action<ExportApproval> scope)
    {
        var approval = new ExportApproval
        {
            Kind = ExportMechanism.StandardContract, ReferenceNumber = $"YUE-SC-{Guid.NewGuid():N}"[..30], Listings = { listing.Name },
            CounterpartRegion = Region.Other, ValidFrom = Today(-1), ValidUntil = "2099-12-31",
        };
        scope(approval);
        return approval;
    }

    private async Task<ExportApproval> RecordAsync(TradeWorld world, ExportApproval approval) =>
        await world.Compliance.Approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
        {
            Parent = world.VendorName, Approval = approval, RequestId = Rid(),
        });

    [Fact]
    public async Task An_approval_for_exports_to_Singapore_does_not_cover_an_export_to_the_United_States()
    {
        var world = await TradeWorld.CreateAsync(server);
        var singapore = await server.NewParticipantAsync("Marina Bay Insights", Region.Other, "Singapore", Role.Buyer);
        var america = await server.NewParticipantAsync("Bay Area Analytics", Region.Other, "United States", Role.Buyer);
        var listing = await world.ListedAsync(Worldwide("Shenzhen courier density grid"));
        var approval = await RecordAsync(world, Contract(listing, a => a.Destinations.Add("Singapore")));
        Assert.Equal(["SG"], approval.Destinations);

        var refusal = await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => america.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        var refused = await world.Compliance.Trades.GetTradeAsync(new GetTradeRequest { Name = refusal.GetDetail<ErrorInfo>().Metadata["trade"] });
        var why = refused.Compliance.Evaluations.Single(e => e.RuleId == "XB-5-APPROVAL");
        Assert.Contains("destinations SG, importer in US", string.Join(";", why.Inputs.Values), StringComparison.Ordinal);

        var trade = await singapore.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        Assert.Equal(approval.Name, trade.Compliance.Approval);
    }

    [Fact]
    public async Task An_approval_naming_its_recipient_does_not_cover_another_buyer_in_the_same_place()
    {
        var world = await TradeWorld.CreateAsync(server);
        var named = await server.NewParticipantAsync("Orchard Road Data", Region.Other, "SG", Role.Buyer);
        var other = await server.NewParticipantAsync("Raffles Quay Research", Region.Other, "SG", Role.Buyer);
        var listing = await world.ListedAsync(Worldwide("Shenzhen metro ridership by hour"));
        await RecordAsync(world, Contract(listing, a => { a.Recipients.Add(named.Name); a.Destinations.Add("SG"); }));

        await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => other.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        var trade = await named.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        Assert.Equal(TradeState.Contracted, trade.State);
    }

    [Fact]
    public async Task An_approval_for_another_purpose_does_not_cover_the_trade()
    {
        var world = await TradeWorld.CreateAsync(server);
        var buyer = await server.NewParticipantAsync("Jurong Mobility", Region.Other, "SG", Role.Buyer);
        var listing = await world.ListedAsync(Worldwide("Shenzhen taxi pick-up points"));
        await RecordAsync(world, Contract(listing, a => a.Purpose = "credit scoring"));

        await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => buyer.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        await RecordAsync(world, Contract(listing, a => a.Purpose = "Route Planning"));
        Assert.Equal(TradeState.Contracted, (await buyer.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing))).State);
    }

    [Fact]
    public async Task Exports_under_an_approval_count_against_its_scale_until_it_is_used_up()
    {
        var world = await TradeWorld.CreateAsync(server);
        var buyer = await server.NewParticipantAsync("Tanjong Pagar Logistics", Region.Other, "SG", Role.Buyer);
        var listing = await world.ListedAsync(Worldwide("Shenzhen parcel lockers usage", individuals: 120_000));
        var approval = await RecordAsync(world, Contract(listing, a => a.CoveredIndividuals = 200_000));

        var first = await buyer.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        Assert.Equal(approval.Name, first.Compliance.Approval);
        var listed = await world.Compliance.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = world.VendorName });
        Assert.Equal(120_000, listed.Approvals.Single().ExportedIndividuals);
        Assert.Equal(200_000, listed.Approvals.Single().CoveredIndividuals);

        var refusal = await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => buyer.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
        var refused = await world.Compliance.Trades.GetTradeAsync(new GetTradeRequest { Name = refusal.GetDetail<ErrorInfo>().Metadata["trade"] });
        Assert.Contains("exceeds the approved 200,000 individuals",
            string.Join(";", refused.Compliance.Evaluations.Single(e => e.RuleId == "XB-5-APPROVAL").Inputs.Values), StringComparison.Ordinal);
        listed = await world.Compliance.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = world.VendorName });
        Assert.Equal(120_000, listed.Approvals.Single().ExportedIndividuals); // a refusal uses nothing
    }

    [Theory]
    [InlineData(ExportMechanism.GbaStandardContract, Region.HongKong, "2022-01-01", "2099-12-31", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.GbaStandardContract, Region.Macao, "2024-09-09", "2099-12-31", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.GbaStandardContract, Region.Other, "2025-01-01", "2099-12-31", "MECHANISM_NOT_AVAILABLE_FOR_DESTINATION")]
    [InlineData(ExportMechanism.StandardContract, Region.Other, "2021-10-31", "2099-12-31", "APPROVAL_PREDATES_MECHANISM")]
    [InlineData(ExportMechanism.SecurityAssessment, Region.Other, "2023-01-01", "2025-01-01", "APPROVAL_VALIDITY_TOO_LONG")]
    [InlineData(ExportMechanism.SecurityAssessment, Region.Other, "2025-01-01", "2028-01-01", "APPROVAL_VALIDITY_TOO_LONG")]
    public async Task An_approval_the_law_of_its_dates_could_not_grant_is_refused_and_nothing_is_written(
        ExportMechanism kind, Region counterpart, string from, string until, string reason)
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Futian office occupancy"));
        var before = await server.CountEventsAsync();
        var status = await Errors.Expect(StatusCode.InvalidArgument, reason, () => world.Compliance.Approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
        {
            Parent = world.VendorName, RequestId = Rid(),
            Approval = new ExportApproval
            {
                Kind = kind, ReferenceNumber = "YUE-2022-001", Listings = { listing.Name }, CounterpartRegion = counterpart, ValidFrom = from, ValidUntil = until,
            },
        }));
        Assert.Equal("dataexchange", status.GetDetail<ErrorInfo>().Domain);
        Assert.Equal(before, await server.CountEventsAsync());
    }

    [Fact]
    public async Task A_destination_outside_the_counterpart_region_is_refused()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Luohu retail footfall"));
        var approval = Contract(listing, a => { a.CounterpartRegion = Region.HongKong; a.Destinations.Add("SG"); });
        var status = await Errors.Expect(StatusCode.InvalidArgument, "DESTINATION_OUTSIDE_COUNTERPART_REGION", () => RecordAsync(world, approval));
        Assert.Equal("SG", status.GetDetail<ErrorInfo>().Metadata["destination"]);
    }

    [Fact]
    public async Task A_security_assessment_extends_within_twenty_percent_and_a_contract_does_not_extend()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Nanshan clinic visits"));
        var assessment = await RecordAsync(world, Contract(listing, a =>
        {
            a.Kind = ExportMechanism.SecurityAssessment;
            a.ValidUntil = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", Inv);
            a.CoveredIndividuals = 1_000_000;
        }));
        var end = DateOnly.ParseExact(assessment.ValidUntil, "yyyy-MM-dd", Inv);
        var newEnd = end.AddYears(3).ToString("yyyy-MM-dd", Inv);

        var tooMuch = await Errors.Expect(StatusCode.FailedPrecondition, "EXTENSION_GROWTH_TOO_LARGE",
            () => world.Compliance.Approvals.ExtendExportApprovalAsync(new ExtendExportApprovalRequest
            {
                Name = assessment.Name, ValidUntil = newEnd, CoveredIndividuals = 1_200_001, ReferenceNumber = "CAC-EXT-1", RequestId = Rid(),
            }));
        Assert.NotNull(tooMuch.GetDetail<ErrorInfo>());
        await Errors.Expect(StatusCode.InvalidArgument, "APPROVAL_VALIDITY_TOO_LONG",
            () => world.Compliance.Approvals.ExtendExportApprovalAsync(new ExtendExportApprovalRequest
            {
                Name = assessment.Name, ValidUntil = end.AddYears(3).AddDays(1).ToString("yyyy-MM-dd", Inv), ReferenceNumber = "CAC-EXT-1", RequestId = Rid(),
            }));
        await Errors.Expect(StatusCode.PermissionDenied, "COMPLIANCE_ROLE_REQUIRED",
            () => world.Vendor.Approvals.ExtendExportApprovalAsync(new ExtendExportApprovalRequest
            {
                Name = assessment.Name, ValidUntil = newEnd, ReferenceNumber = "CAC-EXT-1", RequestId = Rid(),
            }));

        var request = new ExtendExportApprovalRequest
        {
            Name = assessment.Name, ValidUntil = newEnd, CoveredIndividuals = 1_200_000, ReferenceNumber = "CAC-EXT-1", RequestId = Rid(),
        };
        var extended = await world.Compliance.Approvals.ExtendExportApprovalAsync(request);
        Assert.Equal(newEnd, extended.ValidUntil);
        Assert.Equal(1_200_000, extended.CoveredIndividuals);
        Assert.Equal("CAC-EXT-1", extended.Extensions.Single().ReferenceNumber);
        var retried = await world.Compliance.Approvals.ExtendExportApprovalAsync(request);
        Assert.Equal(extended, retried);

        var contract = await RecordAsync(world, Contract(listing, _ => { }));
        await Errors.Expect(StatusCode.FailedPrecondition, "ONLY_ASSESSMENTS_EXTEND",
            () => world.Compliance.Approvals.ExtendExportApprovalAsync(new ExtendExportApprovalRequest
            {
                Name = contract.Name, ValidUntil = "2100-12-31", ReferenceNumber = "X", RequestId = Rid(),
            }));
    }
    [Theory]
    [InlineData("bad-name", "name")]
    [InlineData("no-end", "valid_until_date")]
    [InlineData("bad-end", "valid_until_date")]
    [InlineData("twins-disagree", "valid_until")]
    [InlineData("negative-scale", "covered_individuals")]
    [InlineData("no-reference", "reference_number")]
    [InlineData("no-request-id", "request_id")]
    public async Task A_bad_extension_is_invalid_argument_naming_the_field_and_writes_nothing(string kind, string field)
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Futian pharmacy sales"));
        var assessment = await RecordAsync(world, Contract(listing, a =>
        {
            a.Kind = ExportMechanism.SecurityAssessment;
            a.ValidUntil = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", Inv);
        }));
        var request = new ExtendExportApprovalRequest
        {
            Name = assessment.Name, ValidUntilDate = new() { Year = 2030, Month = 1, Day = 1 }, ReferenceNumber = "CAC-EXT-2", RequestId = Rid(),
        };
        switch (kind)
        {
            case "bad-name": request.Name = "participants/x/exportApprovals/y"; break;
            case "no-end": request.ValidUntilDate = null; break;
            case "bad-end": request.ValidUntilDate = new() { Year = 2030, Month = 2, Day = 30 }; break;
            case "twins-disagree": request.ValidUntil = "2030-01-02"; break;
            case "negative-scale": request.CoveredIndividuals = -1; break;
            case "no-reference": request.ReferenceNumber = ""; break;
            case "no-request-id": request.RequestId = ""; break;
        }

        var before = await server.CountEventsAsync();
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => world.Compliance.Approvals.ExtendExportApprovalAsync(request));
        Assert.Contains(field, status.Fields());
        Assert.Equal(before, await server.CountEventsAsync());
        Assert.Empty((await world.Compliance.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = world.VendorName }))
            .Approvals.Single(a => a.Name == assessment.Name).Extensions);
    }
}
