using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>
/// The delivery note is the vendor's word on how the data was handed over: the trade's buyer reads it, as do the vendor,
/// compliance, auditors and operators; no one else learns even that the trade exists.
/// </summary>
public class DeliveryNoteSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Note = "SFTP account dx-7731 opened; keys sent to Li Lei";

    [Fact]
    public async Task The_buyer_reads_the_delivery_note_of_its_own_trade_and_a_stranger_cannot()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Guangzhou port container dwell times"));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));

        var delivered = await world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, Note = Note, RequestId = Rid() });
        Assert.Equal(Note, delivered.DeliveryNote);

        var auditor = await server.NewParticipantAsync("Auditor", Region.HongKong, "", Role.Auditor);
        foreach (var reader in new[] { world.DomesticBuyer, world.Vendor, world.Compliance, auditor.Clients, server.Operator })
        {
            Assert.Equal(Note, (await reader.Trades.GetTradeAsync(new GetTradeRequest { Name = trade.Name })).DeliveryNote);
            Assert.Equal(Note, (await reader.Trades.GetTradeAsync(new GetTradeRequest { FilingNumber = trade.FilingNumber })).DeliveryNote);
        }

        var listed = await world.DomesticBuyer.Trades.ListTradesAsync(new ListTradesRequest());
        Assert.Equal(Note, listed.Trades.Single(t => t.Name == trade.Name).DeliveryNote);

        // The buyer's acknowledgement keeps the vendor's note.
        var received = await world.DomesticBuyer.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, Note = "Checked", RequestId = Rid() });
        Assert.Equal(Note, received.DeliveryNote);

        await Errors.Expect(StatusCode.NotFound, "TRADE_NOT_FOUND",
            () => world.HongKongBuyer.Trades.GetTradeAsync(new GetTradeRequest { Name = trade.Name }));
        Assert.DoesNotContain((await world.HongKongBuyer.Trades.ListTradesAsync(new ListTradesRequest())).Trades, t => t.Name == trade.Name);
    }
}
