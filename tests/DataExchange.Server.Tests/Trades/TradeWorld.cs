using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>A Shenzhen vendor, a Hong Kong buyer, a Guangzhou buyer, compliance and an operator on one server.</summary>
public sealed record TradeWorld(ServerFixture Server, Clients Vendor, string VendorName, Clients HongKongBuyer, string HongKongBuyerName,
    Clients DomesticBuyer, string DomesticBuyerName, Clients Compliance)
{
    public static async Task<TradeWorld> CreateAsync(ServerFixture server)
    {
        var vendor = await server.NewParticipantAsync("Hetao Mobility Data", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var hk = await server.NewParticipantAsync("Victoria Harbour Analytics", Region.HongKong, "", Role.Buyer);
        var gz = await server.NewParticipantAsync("Pearl River Credit", Region.MainlandChina, "Guangzhou", Role.Buyer);
        var compliance = await server.NewParticipantAsync("SZDEX Compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer);
        return new TradeWorld(server, vendor.Clients, vendor.Name, hk.Clients, hk.Name, gz.Clients, gz.Name, compliance.Clients);
    }

    /// <summary>Creates, registers and lists a product; returns it as listed.</summary>
    public async Task<DataExchange.Contracts.V1.Listing> ListedAsync(DataExchange.Contracts.V1.Listing listing)
    {
        var draft = await Vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = listing, RequestId = Rid() });
        await Vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, RequestId = Rid() });
        await Compliance.Listings.ReviewListingAsync(new ReviewListingRequest { Name = draft.Name, Decision = ReviewDecision.Approve, RequestId = Rid() });
        return await Vendor.Listings.PublishListingAsync(new PublishListingRequest { Name = draft.Name, RequestId = Rid() });
    }

    public static ExecuteTradeRequest Buy(DataExchange.Contracts.V1.Listing listing, string? requestId = null) => new()
    {
        Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = requestId ?? Rid(),
    };

    /// <summary>
    /// Records an approval covering <paramref name="listing"/>. By default it runs from a year ago for as long as the law
    /// allows its kind (three years for an assessment or a certification, open-ended for a contract), so that trades
    /// executed today fall within it.
    /// </summary>
    public Task<ExportApproval> ApproveAsync(ExportMechanism kind, DataExchange.Contracts.V1.Listing listing, string? from = null, string? until = null,
        Region counterpart = Region.HongKong)
    {
        var start = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-1);
        from ??= start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        until ??= kind is ExportMechanism.SecurityAssessment or ExportMechanism.Certification
            ? start.AddYears(3).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
            : "2099-12-31";
        return Compliance.Approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
        {
            Parent = VendorName,
            RequestId = Rid(),
            Approval = new ExportApproval
            {
                Kind = kind, ReferenceNumber = $"YUE-{kind}-{Guid.NewGuid():N}"[..30], Listings = { listing.Name },
                CounterpartRegion = counterpart, ValidFrom = from, ValidUntil = until,
            },
        }).ResponseAsync;
    }
}
