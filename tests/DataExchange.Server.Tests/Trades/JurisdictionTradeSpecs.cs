using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>Places as codes, the way the crossing is named, and exemption claims, through the public API.</summary>
public class JurisdictionTradeSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<(string Name, Clients Clients)> ComplianceAsync() =>
        await server.NewParticipantAsync("Jurisdiction compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer) is var c
            ? (c.Name, c.Clients) : default;

    private static async Task<DataExchange.Contracts.V1.Listing> ListedAsync(Clients vendor, Clients compliance, DataExchange.Contracts.V1.Listing listing)
    {
        var draft = await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = listing, RequestId = Rid() });
        await vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, RequestId = Rid() });
        await compliance.Listings.ReviewListingAsync(new ReviewListingRequest { Name = draft.Name, Decision = ReviewDecision.Approve, RequestId = Rid() });
        return await vendor.Listings.PublishListingAsync(new PublishListingRequest { Name = draft.Name, RequestId = Rid() });
    }

    [Theory]
    [InlineData("深圳")]
    [InlineData("深圳市")]
    [InlineData("shenzhen")]
    [InlineData("440300")]
    public async Task A_vendor_registered_in_Shenzhen_by_any_spelling_is_a_GBA_city_and_trades_under_a_GBA_contract(string place)
    {
        var jurisdiction = place.All(char.IsAsciiDigit) ? new Jurisdiction { Code = place } : new Jurisdiction { Region = Region.MainlandChina, City = place };
        var vendor = await server.NewParticipantAsync($"Vendor in {place}", jurisdiction, Role.Vendor);
        var buyer = await server.NewParticipantAsync("Central Analytics", Region.HongKong, "", Role.Buyer);
        var (_, compliance) = await ComplianceAsync();

        var registered = await vendor.Clients.Participants.GetParticipantAsync(new GetParticipantRequest { Name = vendor.Name });
        Assert.Equal("440300", registered.Jurisdiction.Code);
        Assert.Equal("深圳市", registered.Jurisdiction.ChineseName);

        var listing = await ListedAsync(vendor.Clients, compliance, Listing("Shenzhen bus arrivals"));
        var contract = await compliance.Approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
        {
            Parent = vendor.Name, RequestId = Rid(),
            Approval = new ExportApproval
            {
                Kind = ExportMechanism.GbaStandardContract, ReferenceNumber = $"GD-GBA-{Guid.NewGuid():N}"[..30], Listings = { listing.Name },
                CounterpartRegion = Region.HongKong, ValidFrom = "2024-01-01", ValidUntil = "2099-12-31",
            },
        });

        var trade = await buyer.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        Assert.Equal(ExportMechanism.GbaStandardContract, trade.Compliance.Mechanism);
        Assert.Equal(contract.Name, trade.Compliance.Approval);
        Assert.Equal(BorderCrossing.MainlandExport, trade.Compliance.Crossing);
        Assert.Equal(DecisionOutcome.Accepted, trade.Compliance.Outcome);
        Assert.NotEmpty(trade.Compliance.Citations);
    }

    [Theory]
    [InlineData("Atlantis", "participant.jurisdiction.city")]
    [InlineData("吉林", "participant.jurisdiction.city")]
    public async Task A_place_the_catalogue_does_not_know_or_cannot_decide_is_refused_and_nothing_is_written(string city, string field)
    {
        var before = await server.CountEventsAsync();
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => server.Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest
        {
            RequestId = Rid(),
            Participant = new Participant
            {
                DisplayName = "Nowhere Ltd", LegalName = "Nowhere Ltd", Roles = { Role.Vendor },
                Jurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = city },
            },
        }));
        Assert.Contains(field, status.Fields());
        Assert.Equal(before, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Hong_Kong_data_sold_to_a_Shenzhen_buyer_crosses_into_the_mainland_and_is_not_counted_as_an_export()
    {
        var vendor = await server.NewParticipantAsync("Kowloon Data", Region.HongKong, "", Role.Vendor);
        var buyer = await server.NewParticipantAsync("Futian Buyer", new Jurisdiction { Code = "440300" }, Role.Buyer);
        var (_, compliance) = await ComplianceAsync();
        var listing = Listing("Hong Kong tram timetable", individuals: 0);
        listing.Declaration.Location = new Jurisdiction { Region = Region.HongKong };
        listing = await ListedAsync(vendor.Clients, compliance, listing);
        var before = await buyer.Clients.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());

        var trade = await buyer.Clients.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));

        Assert.Equal(BorderCrossing.IntoMainland, trade.Compliance.Crossing);
        Assert.False(trade.Compliance.CrossBorder);
        var after = await buyer.Clients.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
        Assert.Equal(before.Overall.FiledTrades + 1, after.Overall.FiledTrades);
        Assert.Equal(before.Overall.CrossBorderTrades, after.Overall.CrossBorderTrades);
    }

    [Fact]
    public async Task A_claimed_exemption_lifts_the_contract_band_for_personal_information_but_never_for_important_data()
    {
        var vendor = await server.NewParticipantAsync("Qianhai HR Services", new Jurisdiction { Code = "440300" }, Role.Vendor);
        var buyer = await server.NewParticipantAsync("Admiralty Payroll", Region.HongKong, "", Role.Buyer);
        var (_, compliance) = await ComplianceAsync();
        var personal = await ListedAsync(vendor.Clients, compliance, Listing("Shenzhen staff payroll records"));

        var request = TradeWorld.Buy(personal);
        request.ExemptionClaim = ExportExemption.HumanResourcesManagement;
        var trade = await buyer.Clients.Trades.ExecuteTradeAsync(request);
        Assert.Equal(ExportExemption.HumanResourcesManagement, trade.Compliance.Exemption);
        Assert.Equal(ExportMechanism.Exempt, trade.Compliance.Mechanism);
        Assert.Contains(trade.Compliance.Evaluations, e => e.RuleId == "XB-9-CLAIMED-EXEMPTION");

        var importantListing = Listing("Shenzhen port crane telemetry", individuals: 0);
        importantListing.Declaration.DataLevel = DataLevel.Important;
        var important = await ListedAsync(vendor.Clients, compliance, importantListing);
        var claimed = TradeWorld.Buy(important);
        claimed.ExemptionClaim = ExportExemption.ContractNecessity;
        var refusal = await Errors.Expect(StatusCode.FailedPrecondition, "SECURITY_ASSESSMENT_REQUIRED",
            () => buyer.Clients.Trades.ExecuteTradeAsync(claimed));
        Assert.Equal("XB-2-IMPORTANT-DATA", refusal.GetDetail<ErrorInfo>().Metadata["rule"]);
    }
}
