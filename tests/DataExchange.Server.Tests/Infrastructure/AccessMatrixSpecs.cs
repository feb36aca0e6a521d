using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Ledger;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>
/// The exchange's cast and one trade between two of them, on one server: a vendor with a listed product and a draft, a
/// buyer who bought the product (trade T), a vendor and a buyer who are not party to T, compliance, an auditor, the
/// operator, and no token at all.
/// </summary>
public sealed class AccessMatrixFixture : IAsyncLifetime
{
    public ServerFixture Server { get; } = new();

    public Dictionary<AccessMatrixSpecs.Who, Clients> As { get; } = [];

    public string VendorName { get; private set; } = "";

    public string BuyerName { get; private set; } = "";

    public Listing Listed { get; private set; } = null!;

    public string Draft { get; private set; } = "";

    public Trade Trade { get; private set; } = null!;

    public long TradeLeaf { get; private set; }

    public string TradeEventId { get; private set; } = "";

    public long DraftLeaf { get; private set; }

    public long BuyerRegistrationLeaf { get; private set; }

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        As[AccessMatrixSpecs.Who.Anonymous] = Server.As(null);
        As[AccessMatrixSpecs.Who.Operator] = Server.Operator;
        As[AccessMatrixSpecs.Who.Compliance] = (await Server.NewParticipantAsync("Compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer)).Clients;
        As[AccessMatrixSpecs.Who.Auditor] = (await Server.NewParticipantAsync("Auditor", Region.HongKong, "", Role.Auditor)).Clients;
        var vendor = await Server.NewParticipantAsync("Vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        (VendorName, As[AccessMatrixSpecs.Who.Vendor]) = (vendor.Name, vendor.Clients);
        var buyer = await Server.NewParticipantAsync("Buyer", Region.MainlandChina, "Guangzhou", Role.Buyer);
        (BuyerName, As[AccessMatrixSpecs.Who.Buyer]) = (buyer.Name, buyer.Clients);
        As[AccessMatrixSpecs.Who.OtherVendor] = (await Server.NewParticipantAsync("Other vendor", Region.MainlandChina, "Guangzhou", Role.Vendor)).Clients;
        As[AccessMatrixSpecs.Who.OtherBuyer] = (await Server.NewParticipantAsync("Other buyer", Region.MainlandChina, "Beijing", Role.Buyer)).Clients;

        Draft = await ListingInAsync(ListingState.Draft);
        Listed = await As[AccessMatrixSpecs.Who.Vendor].Listings.GetListingAsync(new GetListingRequest { Name = await ListingInAsync(ListingState.Listed) });
        Trade = await TradeInAsync(TradeState.Contracted);
        await Server.CaughtUpCheckpointAsync();
        var leaves = await Server.ReadLeavesAsync();
        var trade = leaves.First(l => $"trades/{l.Entry.StreamId}" == Trade.Name);
        (TradeLeaf, TradeEventId) = (trade.LeafIndex, trade.EventId.ToString());
        DraftLeaf = leaves.First(l => $"listings/{l.Entry.StreamId}" == Draft).LeafIndex;
        BuyerRegistrationLeaf = leaves.First(l => $"participants/{l.Entry.StreamId}" == BuyerName).LeafIndex;
    }

    public Task DisposeAsync() => Server.DisposeAsync();

    /// <summary>A new listing of the vendor, taken to <paramref name="state"/>.</summary>
    public async Task<string> ListingInAsync(ListingState state)
    {
        var vendor = As[AccessMatrixSpecs.Who.Vendor].Listings;
        var compliance = As[AccessMatrixSpecs.Who.Compliance].Listings;
        var name = (await vendor.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() })).Name;
        if (state == ListingState.Draft) return name;
        await vendor.SubmitListingAsync(new SubmitListingRequest { Name = name, RequestId = Rid() });
        if (state == ListingState.Submitted) return name;
        await compliance.ReviewListingAsync(new ReviewListingRequest { Name = name, Decision = ReviewDecision.Approve, RequestId = Rid() });
        if (state == ListingState.Registered) return name;
        await vendor.PublishListingAsync(new PublishListingRequest { Name = name, RequestId = Rid() });
        if (state == ListingState.Listed) return name;
        await compliance.SuspendListingAsync(new SuspendListingRequest { Name = name, Reason = "r", RequestId = Rid() });
        return name;
    }

    /// <summary>A new trade of the buyer for the listed product, taken to <paramref name="state"/>.</summary>
    public async Task<Trade> TradeInAsync(TradeState state)
    {
        var listing = Listed ?? await As[AccessMatrixSpecs.Who.Vendor].Listings.GetListingAsync(new GetListingRequest { Name = await ListingInAsync(ListingState.Listed) });
        Listed = listing;
        var trade = await As[AccessMatrixSpecs.Who.Buyer].Trades.ExecuteTradeAsync(new ExecuteTradeRequest
        {
            Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = Rid(),
        });
        if (state == TradeState.Contracted) return trade;
        trade = await As[AccessMatrixSpecs.Who.Vendor].Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, RequestId = Rid() });
        if (state == TradeState.Delivered) return trade;
        if (state == TradeState.Disputed)
        {
            return await As[AccessMatrixSpecs.Who.Compliance].Trades.OpenDisputeAsync(new OpenDisputeRequest { Name = trade.Name, Reason = "late", RequestId = Rid() });
        }

        return await As[AccessMatrixSpecs.Who.Buyer].Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, RequestId = Rid() });
    }

    public async Task<ExportApproval> ApprovalAsync() =>
        await As[AccessMatrixSpecs.Who.Compliance].Approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
        {
            Parent = VendorName, RequestId = Rid(), Approval = NewApproval(),
        });

    public ExportApproval NewApproval() => new()
    {
        Kind = ExportMechanism.StandardContract, ReferenceNumber = $"YUE-SC-{Guid.NewGuid():N}"[..30], Listings = { Listed.Name },
        CounterpartRegion = Region.HongKong, ValidFrom = "2024-01-01", ValidUntil = "2099-12-31",
    };
}

/// <summary>
/// Who may see and do what: every RPC of every service (protos/dataexchange/v1/*.proto) × every role, with the answer
/// each must get. "a party" is the vendor or buyer of trade T (and the vendor owns the listings); "other" vendors and
/// buyers are not party to T. The README's security section states the same table in words.
/// </summary>
public class AccessMatrixSpecs(AccessMatrixFixture world) : IClassFixture<AccessMatrixFixture>
{
    public enum Who { Anonymous, Operator, Compliance, Auditor, Vendor, Buyer, OtherVendor, OtherBuyer }

    private const string Ok = "OK";
    private const string HashesOnly = "OK, hashes only";
    private const string WithoutIt = "OK, without it";
    private const string Unauthenticated = "UNAUTHENTICATED";
    private const string Denied = "PERMISSION_DENIED";
    private const string NotFound = "NOT_FOUND";

    private sealed record Row(string Rpc, string Case, Func<AccessMatrixFixture, Clients, Task<string>> Perform, string[] Expected);

    private static string Rid() => Guid.CreateVersion7().ToString();

    private static async Task<string> Done(Task call)
    {
        await call;
        return Ok;
    }

    private static async Task<string> ReadAll<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            var count = 0;
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                count++;
            }

            return count > 0 ? Ok : "OK, empty";
        }
    }

    private static string Inclusion(InclusionProof proof)
    {
        var e = proof.Entry;
        var whole = !e.Leaf.IsEmpty && e.StreamId.Length > 0 && e.EventId.Length > 0 && e.EventType.Length > 0 && e.PayloadDigest.Length > 0;
        var hashes = e.Leaf.IsEmpty && e.StreamId.Length == 0 && e.EventId.Length == 0 && e.EventType.Length == 0 && e.PayloadDigest.Length == 0
            && e.RecordTime is null && !e.LeafHash.IsEmpty;
        return proof.Hashes.Count > 0 && proof.Checkpoint is not null ? whole ? Ok : hashes ? HashesOnly : "OK, partly redacted" : "OK, no proof";
    }

    //                                   Anonymous        Operator  Compliance Auditor  Vendor    Buyer     OtherVendor OtherBuyer
    private static readonly Row[] Table =
    [
        // ParticipantService: operators manage participants and tokens; the directory is public to participants.
        new("ParticipantService.CreateParticipant", "", (_, c) => Done(c.Participants.CreateParticipantAsync(new CreateParticipantRequest
            {
                RequestId = Rid(),
                Participant = new Participant { DisplayName = "X", LegalName = "X Ltd", Roles = { Role.Buyer }, Jurisdiction = new Jurisdiction { Region = Region.Macao } },
            }).ResponseAsync),
            [Unauthenticated, Ok, Denied, Denied, Denied, Denied, Denied, Denied]),
        new("ParticipantService.GetParticipant", "the vendor", (w, c) => Done(c.Participants.GetParticipantAsync(new GetParticipantRequest { Name = w.VendorName }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("ParticipantService.ListParticipants", "", (_, c) => Done(c.Participants.ListParticipantsAsync(new ListParticipantsRequest()).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("ParticipantService.IssueApiToken", "for the buyer", (w, c) => Done(c.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = w.BuyerName, Label = "l", RequestId = Rid() }).ResponseAsync),
            [Unauthenticated, Ok, Denied, Denied, Denied, Denied, Denied, Denied]),
        new("ParticipantService.ListApiTokens", "of the buyer", (w, c) => Done(c.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = w.BuyerName }).ResponseAsync),
            [Unauthenticated, Ok, Denied, Denied, Denied, Ok, Denied, Denied]),
        new("ParticipantService.ListApiTokens", "of every participant", (_, c) => Done(c.Participants.ListApiTokensAsync(new ListApiTokensRequest { Parent = "participants/-" }).ResponseAsync),
            [Unauthenticated, Ok, Denied, Denied, Denied, Denied, Denied, Denied]),
        new("ParticipantService.RevokeApiToken", "of the buyer", async (w, c) =>
            {
                var token = await w.As[Who.Operator].Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = w.BuyerName, Label = "l", RequestId = Rid() });
                return await Done(c.Participants.RevokeApiTokenAsync(new RevokeApiTokenRequest { Name = token.Token.Name, RequestId = Rid() }).ResponseAsync);
            },
            [Unauthenticated, Ok, Denied, Denied, Denied, Denied, Denied, Denied]),
        new("ParticipantService.UpdateParticipant", "a new vendor's CIIO designation", async (w, c) =>
            {
                var vendor = await w.As[Who.Operator].Participants.CreateParticipantAsync(new CreateParticipantRequest
                {
                    RequestId = Rid(),
                    Participant = new Participant
                    {
                        DisplayName = "CIIO", LegalName = "CIIO Ltd", Roles = { Role.Vendor },
                        Jurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" },
                    },
                });
                return await Done(c.Participants.UpdateParticipantAsync(new UpdateParticipantRequest
                {
                    Participant = new Participant { Name = vendor.Name, CriticalInformationInfrastructureOperator = true },
                    UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "critical_information_infrastructure_operator" } },
                    EffectiveDate = TestDates.Day("2025-03-01"), Reference = "GD-CIIO-2025-017", RequestId = Rid(),
                }).ResponseAsync);
            },
            [Unauthenticated, Ok, Ok, Denied, Denied, Denied, Denied, Denied]),

        // ListingService: the owning vendor drafts and publishes, compliance reviews; unpublished listings are the vendor's and staff's.
        new("ListingService.CreateListing", "", (_, c) => Done(c.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() }).ResponseAsync),
            [Unauthenticated, Denied, Denied, Denied, Ok, Denied, Ok, Denied]),
        new("ListingService.UpdateListing", "the vendor's draft", async (w, c) => await Done(c.Listings.UpdateListingAsync(new UpdateListingRequest
            {
                Listing = new Listing { Name = await w.ListingInAsync(ListingState.Draft), Title = "T" },
                UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "title" } },
                RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Denied, Denied, Ok, Denied, NotFound, Denied]),
        new("ListingService.SubmitListing", "the vendor's draft", async (w, c) => await Done(c.Listings.SubmitListingAsync(new SubmitListingRequest { Name = await w.ListingInAsync(ListingState.Draft), RequestId = Rid() }).ResponseAsync),
            [Unauthenticated, Denied, Denied, Denied, Ok, Denied, NotFound, Denied]),
        new("ListingService.ReviewListing", "a submitted listing", async (w, c) => await Done(c.Listings.ReviewListingAsync(new ReviewListingRequest
            {
                Name = await w.ListingInAsync(ListingState.Submitted), Decision = ReviewDecision.Approve, RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, Denied, Denied]),
        new("ListingService.PublishListing", "a registered listing", async (w, c) => await Done(c.Listings.PublishListingAsync(new PublishListingRequest { Name = await w.ListingInAsync(ListingState.Registered), RequestId = Rid() }).ResponseAsync),
            [Unauthenticated, Denied, Denied, Denied, Ok, Denied, NotFound, Denied]),
        new("ListingService.SuspendListing", "a listed product", async (w, c) => await Done(c.Listings.SuspendListingAsync(new SuspendListingRequest { Name = await w.ListingInAsync(ListingState.Listed), Reason = "r", RequestId = Rid() }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, Denied, Denied]),
        new("ListingService.ResumeListing", "a suspended product", async (w, c) => await Done(c.Listings.ResumeListingAsync(new ResumeListingRequest { Name = await w.ListingInAsync(ListingState.Suspended), Reason = "r", RequestId = Rid() }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, Denied, Denied]),
        new("ListingService.DelistListing", "a listed product", async (w, c) => await Done(c.Listings.DelistListingAsync(new DelistListingRequest { Name = await w.ListingInAsync(ListingState.Listed), Reason = "r", RequestId = Rid() }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Ok, Denied, Denied, Denied]),
        new("ListingService.ReclassifyListing", "a listed product", async (w, c) => await Done(c.Listings.ReclassifyListingAsync(new ReclassifyListingRequest
            {
                Name = await w.ListingInAsync(ListingState.Listed), DataLevel = DataLevel.Important, EffectiveDate = TestDates.Day("2025-01-01"),
                Reference = "GD-DATA-2025-003", RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, Denied, Denied]),
        new("ListingService.GetListing", "a listed product", (w, c) => Done(c.Listings.GetListingAsync(new GetListingRequest { Name = w.Listed.Name }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("ListingService.GetListing", "the vendor's draft", (w, c) => Done(c.Listings.GetListingAsync(new GetListingRequest { Name = w.Draft }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, NotFound, NotFound, NotFound]),
        new("ListingService.ListListings", "the vendor's, with its draft", async (w, c) =>
                (await c.Listings.ListListingsAsync(new ListListingsRequest { Vendor = w.VendorName, PageSize = 200 })).Listings.Any(l => l.Name == w.Draft) ? Ok : WithoutIt,
            [Unauthenticated, Ok, Ok, Ok, Ok, WithoutIt, WithoutIt, WithoutIt]),
        new("ListingService.ListListingHistory", "a listed product", (w, c) => Done(c.Listings.ListListingHistoryAsync(new ListListingHistoryRequest { Name = w.Listed.Name }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("ListingService.ListListingHistory", "the vendor's draft", (w, c) => Done(c.Listings.ListListingHistoryAsync(new ListListingHistoryRequest { Name = w.Draft }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, NotFound, NotFound, NotFound]),

        // TradeService: buyers buy; each step is its party's (compliance handles disputes, operators settle); a trade is its parties' and staff's.
        new("TradeService.ExecuteTrade", "the listed product", (w, c) => Done(c.Trades.ExecuteTradeAsync(new ExecuteTradeRequest
            {
                Listing = w.Listed.Name, Licence = w.Listed.Licence, AgreedPrice = w.Listed.Price, RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Denied, Denied, Denied, Ok, Denied, Ok]),
        new("TradeService.FileTrade", "the listed product, for the buyer", (w, c) => Done(c.Trades.FileTradeAsync(new FileTradeRequest
            {
                Listing = w.Listed.Name, Buyer = w.BuyerName, Licence = w.Listed.Licence, Amount = w.Listed.Price, ContractDate = "2024-03-01",
                ExternalReference = "paper contract", RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Denied, Denied, Denied, Denied, Denied]),
        new("TradeService.ConfirmDelivery", "a contracted trade", async (w, c) => await Done(c.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest
            {
                Name = (await w.TradeInAsync(TradeState.Contracted)).Name, RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Denied, Denied, Ok, Denied, NotFound, NotFound]),
        new("TradeService.SettleTrade", "a received trade", async (w, c) =>
            {
                var trade = await w.TradeInAsync(TradeState.Received);
                return await Done(c.Trades.SettleTradeAsync(new SettleTradeRequest { Name = trade.Name, Amount = trade.Amount, PaymentReference = "wire 1", RequestId = Rid() }).ResponseAsync);
            },
            [Unauthenticated, Ok, Denied, Denied, Denied, Denied, NotFound, NotFound]),
        new("TradeService.CancelTrade", "a contracted trade", async (w, c) => await Done(c.Trades.CancelTradeAsync(new CancelTradeRequest
            {
                Name = (await w.TradeInAsync(TradeState.Contracted)).Name, Reason = "changed mind", RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Denied, Denied, Ok, Ok, NotFound, NotFound]),
        new("TradeService.OpenDispute", "a delivered trade", async (w, c) => await Done(c.Trades.OpenDisputeAsync(new OpenDisputeRequest
            {
                Name = (await w.TradeInAsync(TradeState.Delivered)).Name, Reason = "late", RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, NotFound, NotFound]),
        new("TradeService.ResolveDispute", "a disputed trade", async (w, c) => await Done(c.Trades.ResolveDisputeAsync(new ResolveDisputeRequest
            {
                Name = (await w.TradeInAsync(TradeState.Disputed)).Name, Resolution = DisputeResolution.Dismissed, Reason = "settled", RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, NotFound, NotFound]),
        new("TradeService.GetTrade", "T", (w, c) => Done(c.Trades.GetTradeAsync(new GetTradeRequest { Name = w.Trade.Name }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, NotFound, NotFound]),
        new("TradeService.GetTrade", "T by filing number", (w, c) => Done(c.Trades.GetTradeAsync(new GetTradeRequest { FilingNumber = w.Trade.FilingNumber }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, NotFound, NotFound]),
        new("TradeService.ListTrades", "of the listing, with T", async (w, c) =>
                (await c.Trades.ListTradesAsync(new ListTradesRequest { Listing = w.Listed.Name, PageSize = 200 })).Trades.Any(t => t.Name == w.Trade.Name) ? Ok : WithoutIt,
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, WithoutIt, WithoutIt]),
        new("TradeService.GetExchangeStatistics", "", (_, c) => Done(c.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest()).ResponseAsync),
            [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),

        // ExportApprovalService: compliance records approvals; an exporter sees its own.
        new("ExportApprovalService.RecordExportApproval", "for the vendor", (w, c) => Done(c.Approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
            {
                Parent = w.VendorName, RequestId = Rid(), Approval = w.NewApproval(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, Denied, Denied]),
        new("ExportApprovalService.RevokeExportApproval", "the vendor's", async (w, c) => await Done(c.Approvals.RevokeExportApprovalAsync(new RevokeExportApprovalRequest
            {
                Name = (await w.ApprovalAsync()).Name, Reason = "expired contract", RequestId = Rid(),
            }).ResponseAsync),
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, Denied, Denied]),
        new("ExportApprovalService.ExtendExportApproval", "the vendor's assessment", async (w, c) =>
            {
                var assessment = await w.As[Who.Compliance].Approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
                {
                    Parent = w.VendorName, RequestId = Rid(),
                    Approval = new ExportApproval
                    {
                        Kind = ExportMechanism.SecurityAssessment, ReferenceNumber = $"CAC-SA-{Guid.NewGuid():N}"[..30], Listings = { w.Listed.Name },
                        CounterpartRegion = Region.Other, ValidFrom = "2025-01-01", ValidUntil = "2027-12-31",
                    },
                });
                return await Done(c.Approvals.ExtendExportApprovalAsync(new ExtendExportApprovalRequest
                {
                    Name = assessment.Name, ValidUntil = "2030-12-31", ReferenceNumber = "CAC-SA-EXT", RequestId = Rid(),
                }).ResponseAsync);
            },
            [Unauthenticated, Denied, Ok, Denied, Denied, Denied, Denied, Denied]),
        new("ExportApprovalService.ListExportApprovals", "the vendor's", (w, c) => Done(c.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = w.VendorName }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Denied, Denied, Denied]),
        new("ExportApprovalService.ListExportApprovals", "everyone's", (_, c) => Done(c.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = "participants/-" }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Denied, Denied, Denied, Denied]),

        // PublicRegisterService: the public part of every filing, for everyone, with or without a token.
        new("PublicRegisterService.GetPublicFiling", "T", (w, c) => Done(c.Register.GetPublicFilingAsync(new GetPublicFilingRequest { Name = $"filings/{w.Trade.FilingNumber}" }).ResponseAsync),
            [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("PublicRegisterService.SearchPublicFilings", "T's filing number", async (w, c) =>
                (await c.Register.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = w.Trade.FilingNumber })).Filings.Single().Trade == w.Trade.Name ? Ok : WithoutIt,
            [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),

        // LedgerService: hashes, sizes, checkpoints, proofs and keys are public (without a token too; a fresh checkpoint needs one); a leaf's metadata is its stream's parties'; the whole log is staff's.
        new("LedgerService.GetCheckpoint", "", (_, c) => Done(c.Ledger.GetCheckpointAsync(new GetCheckpointRequest()).ResponseAsync),
            [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("LedgerService.GetCheckpoint", "fresh", (_, c) => Done(c.Ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("LedgerService.GetInclusionProof", "T's leaf by index", async (w, c) => Inclusion(await c.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = w.TradeLeaf })),
            [HashesOnly, Ok, Ok, Ok, Ok, Ok, HashesOnly, HashesOnly]),
        new("LedgerService.GetInclusionProof", "T's leaf by event id", async (w, c) => Inclusion(await c.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EventId = w.TradeEventId })),
            [NotFound, Ok, Ok, Ok, Ok, Ok, NotFound, NotFound]),
        new("LedgerService.GetInclusionProof", "the vendor's draft listing's leaf", async (w, c) => Inclusion(await c.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = w.DraftLeaf })),
            [HashesOnly, Ok, Ok, Ok, Ok, HashesOnly, HashesOnly, HashesOnly]),
        new("LedgerService.GetInclusionProof", "the buyer's registration leaf", async (w, c) => Inclusion(await c.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = w.BuyerRegistrationLeaf })),
            [HashesOnly, Ok, Ok, Ok, HashesOnly, Ok, HashesOnly, HashesOnly]),
        new("LedgerService.GetConsistencyProof", "", (_, c) => Done(c.Ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = 1 }).ResponseAsync),
            [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("LedgerService.ListEntries", "", (_, c) => Done(c.Ledger.ListEntriesAsync(new ListEntriesRequest()).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Denied, Denied, Denied, Denied]),
        new("LedgerService.StreamEntries", "", (_, c) => ReadAll(c.Ledger.StreamEntries(new StreamEntriesRequest())),
            [Unauthenticated, Ok, Ok, Ok, Denied, Denied, Denied, Denied]),
        new("LedgerService.StreamEntryBatches", "", (_, c) => ReadAll(c.Ledger.StreamEntryBatches(new StreamEntryBatchesRequest())),
            [Unauthenticated, Ok, Ok, Ok, Denied, Denied, Denied, Denied]),
        new("LedgerService.ListSigningKeys", "", (_, c) => Done(c.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest()).ResponseAsync),
            [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("LedgerService.GetTradeReceipt", "T", (w, c) => Done(c.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = w.Trade.Name }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, Denied, Denied]),
        new("LedgerService.GetTradeReceipt", "T by filing number", (w, c) => Done(c.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { FilingNumber = w.Trade.FilingNumber }).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Ok, Ok, NotFound, NotFound]),
        new("LedgerService.ListCheckpoints", "", (_, c) => Done(c.Ledger.ListCheckpointsAsync(new ListCheckpointsRequest()).ResponseAsync),
            [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("LedgerService.StreamTreeNodes", "", (_, c) => ReadAll(c.Ledger.StreamTreeNodes(new StreamTreeNodesRequest())),
            [Unauthenticated, Ok, Ok, Ok, Denied, Denied, Denied, Denied]),
        new("LedgerService.ListWitnesses", "", (_, c) => Done(c.Ledger.ListWitnessesAsync(new ListWitnessesRequest()).ResponseAsync),
            [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok]),
        new("LedgerService.ListUnloggedEvents", "", (_, c) => Done(c.Ledger.ListUnloggedEventsAsync(new ListUnloggedEventsRequest()).ResponseAsync),
            [Unauthenticated, Ok, Ok, Ok, Denied, Denied, Denied, Denied]),
    ];

    public static TheoryData<string, string, Who, string> Matrix()
    {
        var data = new TheoryData<string, string, Who, string>();
        foreach (var row in Table)
        {
            foreach (var who in Enum.GetValues<Who>())
            {
                data.Add(row.Rpc, row.Case, who, row.Expected[(int)who]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_gets_exactly_the_answer_the_table_gives(string rpc, string @case, Who who, string expected)
    {
        var row = Table.Single(r => r.Rpc == rpc && r.Case == @case);
        string answer;
        try
        {
            answer = await row.Perform(world, world.As[who]);
        }
        catch (RpcException e)
        {
            answer = e.StatusCode switch
            {
                StatusCode.Unauthenticated => Unauthenticated,
                StatusCode.PermissionDenied => Denied,
                StatusCode.NotFound => NotFound,
                _ => $"{e.StatusCode}: {e.Status.Detail}",
            };
        }

        Assert.Equal(expected, answer);
    }

    [Fact]
    public void The_table_has_a_row_for_every_rpc_of_every_service_and_eight_answers_in_each()
    {
        var files = new[]
        {
            ParticipantsReflection.Descriptor, ListingsReflection.Descriptor, TradesReflection.Descriptor, ApprovalsReflection.Descriptor,
            LedgerReflection.Descriptor, RegisterReflection.Descriptor,
        };
        var rpcs = files.SelectMany(f => f.Services).SelectMany(s => s.Methods).Select(m => $"{m.Service.Name}.{m.Name}").ToHashSet();
        Assert.Equal(rpcs.Order(), Table.Select(r => r.Rpc).Distinct().Order());
        Assert.All(Table, r => Assert.Equal(Enum.GetValues<Who>().Length, r.Expected.Length));
        Assert.Equal(Table.Length, Table.Select(r => (r.Rpc, r.Case)).Distinct().Count());
    }
}
