using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Listings;
using DataExchange.Server.Tests.Participants;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>A trade is judged by the facts in force on its contract date: the exporter's CIIO designation, the data level.</summary>
public class DatedFactsTradeSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static FileTradeRequest File(DataExchange.Contracts.V1.Listing listing, string buyer, string contractDate) => new()
    {
        Listing = listing.Name, Buyer = buyer, Licence = listing.Licence, Amount = listing.Price, ContractDate = contractDate,
        ExternalReference = $"PAPER-{contractDate}", RequestId = Rid(),
    };

    private static string Input(Google.Rpc.Status refusal, string key) => refusal.GetDetail<ErrorInfo>().Metadata[key];

    private static string Evaluated(Trade trade, string input) =>
        trade.Compliance.Evaluations.First(e => e.Inputs.ContainsKey(input)).Inputs[input];

    [Fact]
    public async Task A_trade_contracted_before_the_designation_takes_effect_is_judged_as_a_non_ciio_one_after_as_a_ciio()
    {
        var world = await TradeWorld.CreateAsync(server);
        // 50,000 individuals' non-sensitive PI: exempt for a non-CIIO under the 2024 Provisions, a security assessment for a CIIO.
        var listing = await world.ListedAsync(Listing("Merchant KYC attestations", individuals: 50_000));
        await world.Compliance.Participants.UpdateParticipantAsync(UpdateParticipantSpecs.Designate(world.VendorName, true, "2025-03-01"));

        var before = await server.Operator.Trades.FileTradeAsync(File(listing, world.HongKongBuyerName, "2025-02-28"));
        Assert.True(before.Compliance.Accepted);
        Assert.Equal("false", Evaluated(before, "exporterIsCiio"));

        var refusal = await Errors.Expect(StatusCode.FailedPrecondition, "SECURITY_ASSESSMENT_REQUIRED",
            () => server.Operator.Trades.FileTradeAsync(File(listing, world.HongKongBuyerName, "2025-03-01")));
        Assert.Equal("XB-3-CIIO", Input(refusal, "rule"));

        // Executed today, the designation in force today counts.
        await Errors.Expect(StatusCode.FailedPrecondition, "SECURITY_ASSESSMENT_REQUIRED", () => world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)));
    }

    [Fact]
    public async Task Data_notified_as_important_needs_an_assessment_only_for_trades_from_the_notices_effective_date()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Feeder load curves", individuals: 0));
        await world.Compliance.Listings.ReclassifyListingAsync(ReclassifyListingSpecs.Reclassify(listing.Name, DataLevel.Important, "2025-01-01"));
        listing = await world.Compliance.Listings.GetListingAsync(new GetListingRequest { Name = listing.Name });

        var before = await server.Operator.Trades.FileTradeAsync(File(listing, world.HongKongBuyerName, "2024-12-31"));
        Assert.True(before.Compliance.Accepted);
        Assert.Equal("General", Evaluated(before, "level"));

        var refusal = await Errors.Expect(StatusCode.FailedPrecondition, "SECURITY_ASSESSMENT_REQUIRED",
            () => server.Operator.Trades.FileTradeAsync(File(listing, world.HongKongBuyerName, "2025-01-01")));
        Assert.Equal("XB-2-IMPORTANT-DATA", Input(refusal, "rule"));
    }

    [Fact]
    public async Task Core_data_on_the_contract_date_is_not_tradable_at_home_and_its_export_is_refused()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Port basemap", individuals: 0));
        await world.Compliance.Listings.ReclassifyListingAsync(ReclassifyListingSpecs.Reclassify(listing.Name, DataLevel.Core, "2025-06-01"));
        listing = await world.Compliance.Listings.GetListingAsync(new GetListingRequest { Name = listing.Name });

        // Before the reclassification took effect the product traded like any other, even though it is suspended now.
        var earlier = await server.Operator.Trades.FileTradeAsync(File(listing, world.DomesticBuyerName, "2025-05-31"));
        Assert.StartsWith("DX-2025-", earlier.FilingNumber);

        var events = await server.CountEventsAsync();
        var home = await Errors.Expect(StatusCode.FailedPrecondition, "CORE_DATA_NOT_TRADABLE",
            () => server.Operator.Trades.FileTradeAsync(File(listing, world.DomesticBuyerName, "2025-06-01")));
        Assert.Equal("2025-06-01", Input(home, "contract_date"));
        Assert.Equal(events, await server.CountEventsAsync());

        // An attempt to export it is refused by rule 1, and recorded for auditors.
        await Errors.Expect(StatusCode.FailedPrecondition, "CORE_DATA_EXPORT_PROHIBITED",
            () => server.Operator.Trades.FileTradeAsync(File(listing, world.HongKongBuyerName, "2025-06-01")));
        Assert.True(await server.CountEventsAsync() > events);
    }
}
