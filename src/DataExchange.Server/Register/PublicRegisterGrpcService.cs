using System.Text.RegularExpressions;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Ledger;
using DataExchange.Server.Trades;
using Grpc.Core;
using Marten;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Register;

/// <summary>
/// The public register (登记备案公示): the part of each filing anyone may read, without a token
/// (<see cref="Auth.AnonymousReads"/>). What is left out is decided in <see cref="PublicFilingMapping"/>.
/// </summary>
public sealed partial class PublicRegisterGrpcService(IDocumentStore store, LedgerStorage ledger) : V1.PublicRegisterService.PublicRegisterServiceBase
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 50;
    private const int MaxQueryLength = 100;

    /// <summary>Listings a title search looks at: enough for any real query, bounded for a one-letter one.</summary>
    private const int MaxListingsPerSearch = 500;

    [GeneratedRegex(@"^DX-[0-9]{4}-[0-9]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex FilingNumberPattern();

    public override async Task<V1.PublicFiling> GetPublicFiling(V1.GetPublicFilingRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Text(request.Name, "name", 64);
        var number = request.Name.StartsWith("filings/", StringComparison.Ordinal) ? request.Name["filings/".Length..] : "";
        v.Check(request.Name.Length == 0 || FilingNumberPattern().IsMatch(number), "name", "must be filings/DX-YYYY-NNNNNN");
        v.ThrowIfInvalid();

        var ct = context.CancellationToken;
        await using var session = store.QuerySession();
        var trade = await session.Query<Trade>().FirstOrDefaultAsync(t => t.FilingNumber == number, ct);
        if (trade is null)
        {
            throw RpcErrors.Create(Google.Rpc.Code.NotFound, "FILING_NOT_FOUND", $"No trade is filed under '{number}'.",
                new Dictionary<string, string> { ["filing_number"] = number });
        }

        return (await ToPublicAsync(session, [trade], ct))[0];
    }

    public override async Task<V1.SearchPublicFilingsResponse> SearchPublicFilings(V1.SearchPublicFilingsRequest request, ServerCallContext context)
    {
        var query = request.Query.Trim();
        var v = new RequestValidator()
            .Text(query, "query", MaxQueryLength)
            .Check(request.PageSize is >= 0 and <= MaxPageSize, "page_size", $"must be between 0 and {MaxPageSize}");
        v.ThrowIfInvalid();
        var fingerprint = Paging.Fingerprint("register", query);
        var offset = Paging.AfterPosition(request.PageToken, fingerprint) ?? 0;
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;

        var ct = context.CancellationToken;
        await using var session = store.QuerySession();
        var filings = session.Query<Trade>().Where(t => t.FilingNumber != null);
        var upper = query.ToUpperInvariant();
        if (FilingNumberPattern().IsMatch(upper))
        {
            filings = filings.Where(t => t.FilingNumber == upper);
        }
        else if (query.StartsWith("trades/", StringComparison.Ordinal))
        {
            var id = Guid.TryParse(query["trades/".Length..], out var parsed) ? parsed : Guid.Empty;
            filings = filings.Where(t => t.Id == id);
        }
        else
        {
            // Words of a product's title (its current title): every word must occur, in any case.
            var words = query.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries); // any white space, 　 (U+3000) included
            var listings = session.Query<Listing>().Where(l => l.State == ListingState.Listed || l.State == ListingState.Suspended || l.State == ListingState.Delisted);
            foreach (var word in words)
            {
                listings = listings.Where(l => l.Content.Title.Contains(word, StringComparison.OrdinalIgnoreCase));
            }

            var listingIds = await listings.Select(l => l.Id).Take(MaxListingsPerSearch).ToListAsync(ct);
            filings = filings.Where(t => listingIds.Contains(t.ListingId));
        }

        var page = await filings.OrderByDescending(t => t.ContractDate).ThenByDescending(t => t.FilingNumber)
            .Skip((int)Math.Min(offset, int.MaxValue)).Take(size + 1).ToListAsync(ct);
        var response = new V1.SearchPublicFilingsResponse
        {
            NextPageToken = page.Count > size ? Paging.NextToken(offset + size, fingerprint) : "",
        };
        response.Filings.Add(await ToPublicAsync(session, [.. page.Take(size)], ct));
        return response;
    }

    private async Task<IReadOnlyList<V1.PublicFiling>> ToPublicAsync(IQuerySession session, IReadOnlyList<Trade> trades, CancellationToken ct)
    {
        if (trades.Count == 0)
        {
            return [];
        }

        var listings = (await session.LoadManyAsync<Listing>(ct, trades.Select(t => t.ListingId).Distinct().ToArray())).ToDictionary(l => l.Id);
        var participants = (await session.LoadManyAsync<Participant>(ct,
            trades.SelectMany(t => new[] { t.VendorId, t.BuyerId }).Distinct().ToArray())).ToDictionary(p => p.Id);
        var result = new List<V1.PublicFiling>(trades.Count);
        foreach (var trade in trades)
        {
            var leaves = await ledger.ReadStreamLeavesAsync(trade.Id.ToString("D"), ct);
            var listing = listings.GetValueOrDefault(trade.ListingId);
            if (listing is { IsPublic: false })
            {
                // Changed since and under review (or back in draft): its new text is not public. The product as it
                // was listed when the trade was made is.
                var then = await session.Events.AggregateStreamAsync<Listing>(trade.ListingId, timestamp: trade.CreatedAt, token: ct);
                listing = then is { IsPublic: true } ? then : null;
            }

            result.Add(PublicFilingMapping.ToPublic(trade, listing,
                participants.GetValueOrDefault(trade.VendorId), participants.GetValueOrDefault(trade.BuyerId), leaves.Select(l => l.LeafIndex)));
        }

        return result;
    }
}

/// <summary>
/// What the register publishes of a filing, and what it leaves out: the buyer's identity (only its place is shown, as
/// the statistics count exports by destination), the licence terms, the export approval relied on, the decision's
/// inputs and explanation, and every text a person typed (delivery notes, reasons, payment references).
/// </summary>
public static class PublicFilingMapping
{
    public static V1.PublicFiling ToPublic(Trade trade, Listing? listing, Participant? vendor, Participant? buyer, IEnumerable<long> leafIndexes)
    {
        var decision = trade.Compliance;
        var filing = new V1.PublicFiling
        {
            Name = $"filings/{trade.FilingNumber}",
            FilingNumber = trade.FilingNumber ?? "",
            Trade = TradeMapping.Name(trade.Id),
            Listing = ResourceNames.Listing(trade.ListingId),
            ListingTitle = listing?.Content.Title ?? "",
            ListingRegistrationNumber = listing?.RegistrationNumber ?? "",
            Vendor = ResourceNames.Participant(trade.VendorId),
            VendorDisplayName = vendor?.DisplayName ?? "",
            Crossing = ComplianceMapping.ToProto(decision.CrossingOrDerived),
            CrossBorder = trade.CrossBorder,
            Amount = trade.Amount.ToProto(),
            TradeDate = Dates.ToProto(trade.ContractDate),
            Origin = (V1.TradeOrigin)trade.Origin,
            State = (V1.TradeState)trade.State,
            Withdrawn = trade.State == TradeState.Cancelled,
            Outcome = ComplianceMapping.ToProto(decision.OutcomeOrDerived),
            RuleSetVersion = decision.RuleSetVersion,
            Mechanism = Approvals.ApprovalMapping.ToProto(decision.Mechanism, decision.CrossBorder),
            Exemption = ComplianceMapping.ToProto(decision.Exemption),
            Citations = { decision.Citations ?? [] },
            LeafIndexes = { leafIndexes },
        };
        if (vendor is not null)
        {
            filing.VendorJurisdiction = vendor.Jurisdiction.ToProto();
        }

        if (buyer is not null)
        {
            filing.BuyerJurisdiction = Place(buyer.Jurisdiction);
        }

        return filing;
    }

    /// <summary>
    /// The buyer's place no finer than a province (for Hong Kong, Macao and other countries: the place itself): where the
    /// data went, not who bought it. A mainland city, joined with the participant directory, often names the buyer.
    /// </summary>
    private static V1.Jurisdiction Place(Jurisdiction jurisdiction)
    {
        var full = jurisdiction.ToProto();
        var province = JurisdictionCodes.Describe(full.Code) is { ProvinceCode: { } code } ? JurisdictionCodes.Describe(code) : null;
        return jurisdiction.Canonical().Region == Region.MainlandChina
            ? new V1.Jurisdiction { Region = full.Region, Code = province?.Code ?? "", ChineseName = province?.ChineseName ?? "" }
            : new V1.Jurisdiction { Region = full.Region, Code = full.Code, ChineseName = full.ChineseName };
    }
}
