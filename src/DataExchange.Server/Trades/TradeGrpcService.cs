using DataExchange.Compliance;
using DataExchange.Domain.Common;
using Region = DataExchange.Domain.Common.Region;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Server.Auth;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Listings;
using Google.Protobuf;
using Grpc.Core;
using Marten;
using DomainApproval = DataExchange.Domain.Approvals.ExportApproval;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Trades;

public sealed class TradeGrpcService(
    IDocumentStore store, IdempotentExecutor idempotency, FilingNumbers filingNumbers, ExchangeStatisticsReader statistics,
    Ledger.LedgerStorage ledger, Ledger.Checkpointer checkpointer, Ledger.TextSealer sealer, TimeProvider time)
    : V1.TradeService.TradeServiceBase
{
    public override async Task<V1.Trade> ExecuteTrade(V1.ExecuteTradeRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        var listingId = ResourceNames.Require(v, request.Listing, "listings", "listing");
        v.Money(request.AgreedPrice, "agreed_price", allowZero: true);
        ListingValidation.Licence(v, request.Licence, "licence");
        v.Duration(request.WaitForReceipt, "wait_for_receipt", TimeSpan.Zero, MaxReceiptWait);
        v.ThrowIfInvalid();
        var caller = context.Caller();
        caller.Require(Role.Buyer, "BUYER_ROLE_REQUIRED", "Only buyers execute trades.");
        var contractDate = RegionMapping.ChinaDate(time.GetUtcNow());

        var trade = await idempotency.ExecuteAsync(caller, nameof(ExecuteTrade), request.RequestId, request, session =>
            ContractAsync(session, caller, listingId, caller.ParticipantId, request.Licence.ToDomain(), request.AgreedPrice.ToDomain(),
                contractDate, TradeOrigin.Executed, null, context.CancellationToken), context.CancellationToken, ContractAttempts);
        if (request.WaitForReceipt?.ToTimeSpan() is { } wait && wait > TimeSpan.Zero)
        {
            trade.ReceiptCheckpointSize = await WaitForReceiptAsync(trade.Name, wait, context.CancellationToken);
        }

        return trade;
    }

    private static readonly TimeSpan MaxReceiptWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Opt-in, bounded wait until the sequencer has integrated the trade's events and a signed checkpoint covers them
    /// (signed on demand once they are integrated). Polls the ledger tables (cheap indexed reads) rather than holding
    /// anything open.
    /// </summary>
    private async Task<long> WaitForReceiptAsync(string tradeName, TimeSpan wait, CancellationToken ct)
    {
        var streamId = tradeName["trades/".Length..];
        var deadline = time.GetUtcNow() + wait;
        long needed = 0;
        while (true)
        {
            if (needed == 0 && await ledger.ReadStreamLeavesAsync(streamId, ct) is { Count: > 0 } leaves)
            {
                needed = leaves[^1].LeafIndex + 1;
            }

            if (needed > 0)
            {
                // The trade is in the log: sign a checkpoint now rather than waiting for the next interval (at most one
                // signature per tree size, whoever asks first).
                var checkpoint = await ledger.LatestCheckpointAsync(ct);
                if (checkpoint is null || checkpoint.Size < needed)
                {
                    try
                    {
                        checkpoint = await checkpointer.CoveringAsync(needed, ct);
                    }
                    catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.FailedPrecondition)
                    {
                        // The trade is recorded: no receipt yet (no signer, or the ledger stopped signing) is answered
                        // as receipt_checkpoint_size 0, never as a failure of the trade.
                        return 0;
                    }
                }

                if (checkpoint is not null && checkpoint.Size >= needed)
                {
                    return checkpoint.Size;
                }
            }

            if (time.GetUtcNow() >= deadline)
            {
                return 0;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time, ct);
        }
    }

    public override Task<V1.Trade> FileTrade(V1.FileTradeRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        var listingId = ResourceNames.Require(v, request.Listing, "listings", "listing");
        var buyerId = ResourceNames.Require(v, request.Buyer, "participants", "buyer");
        v.Money(request.Amount, "amount", allowZero: true);
        ListingValidation.Licence(v, request.Licence, "licence");
        var contractDate = Dates.Parse(v, request.ContractDate, "contract_date");
        v.Check(contractDate is null || contractDate <= RegionMapping.ChinaDate(time.GetUtcNow()), "contract_date", "must not be in the future");
        v.Text(request.ExternalReference, "external_reference", 100, required: false);
        v.ThrowIfInvalid();
        var caller = context.Caller();
        if (!caller.Has(Role.ComplianceOfficer) && !caller.Has(Role.Operator))
        {
            throw RpcErrors.From(DomainException.Denied("COMPLIANCE_OR_OPERATOR_ROLE_REQUIRED", "Only compliance officers and operators file trades concluded elsewhere."));
        }

        return idempotency.ExecuteAsync(caller, nameof(FileTrade), request.RequestId, request, session =>
            ContractAsync(session, caller, listingId, buyerId, request.Licence.ToDomain(), request.Amount.ToDomain(), contractDate!.Value,
                TradeOrigin.Filed, string.IsNullOrEmpty(request.ExternalReference) ? null : request.ExternalReference, context.CancellationToken),
            context.CancellationToken, ContractAttempts);
    }

    /// <summary>
    /// Trades race only on streams the buyer never named (the exporter's yearly volume, a listing's exclusive grants):
    /// losing such a race is retried on fresh state, where the rules are decided again.
    /// </summary>
    private const int ContractAttempts = 5;

    /// <summary>
    /// One trade decision in one transaction: the compliance verdict, the filing, the exporter's volume and (for an
    /// exclusive licence) the listing's grant all commit together or not at all. Races are settled by optimistic
    /// concurrency on the exporter-year volume stream and, for exclusive licences, on the listing stream.
    /// </summary>
    private async Task<V1.Trade> ContractAsync(IDocumentSession session, Caller caller, Guid listingId, Guid buyerId,
        Domain.Listings.LicenceTerms licence, Money amount, DateOnly contractDate, TradeOrigin origin, string? externalReference, CancellationToken ct)
    {
        // Listing and buyer in one round trip (primary-key reads), then the vendor. Marten's Include would fetch the
        // vendor in the same batch but through a temporary table, which measured three times slower.
        var batch = session.CreateBatchQuery();
        var listingQuery = batch.Load<Listing>(listingId);
        var buyerQuery = batch.Load<Participant>(buyerId);
        await batch.Execute(ct);
        var listing = await listingQuery;
        if (listing is null || !(listing.IsPublic || caller.IsPrivileged))
        {
            throw ResourceNames.NotFound("Listing", ResourceNames.Listing(listingId));
        }

        var buyer = await buyerQuery
            ?? throw ResourceNames.NotFound("Participant", ResourceNames.Participant(buyerId));
        var vendor = await session.LoadAsync<Participant>(listing.VendorId, ct)
            ?? throw ResourceNames.NotFound("Participant", ResourceNames.Participant(listing.VendorId));

        // Only a possible export needs the exporter's volume and approvals (domestic trades skip these reads).
        var mayExport = listing.Content.Declaration.Location.Region == Region.MainlandChina && buyer.Jurisdiction.Region != Region.MainlandChina;
        var exporter = new ExporterRecord(ExportVolume.Zero, []);
        JasperFx.Events.IEventStream<ExporterYearVolume>? volumeStream = null;
        if (mayExport)
        {
            // One exporter's cross-border trades take turns (a transaction-scoped advisory lock on exporter and year),
            // so they queue instead of losing optimistic races on the volume stream; other trades are not held up.
            var volumeStreamId = ExporterYearVolume.StreamId(vendor.Id, contractDate.Year);
            await session.BeginTransactionAsync(ct);
            await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(?)", ct, BitConverter.ToInt64(volumeStreamId.ToByteArray(), 0));
            volumeStream = await session.Events.FetchForWriting<ExporterYearVolume>(volumeStreamId, ct);
            var windowStart = RuleSetCatalog.Default.RuleSetFor(contractDate).VolumeWindowStart(contractDate);
            long individuals = volumeStream.Aggregate?.Individuals ?? 0, sensitive = volumeStream.Aggregate?.SensitiveIndividuals ?? 0;
            for (var year = windowStart.Year; year < contractDate.Year; year++)
            {
                var earlier = await session.LoadAsync<ExporterYearVolume>(ExporterYearVolume.StreamId(vendor.Id, year), ct);
                individuals += earlier?.Individuals ?? 0;
                sensitive += earlier?.SensitiveIndividuals ?? 0;
            }

            var approvals = await session.Query<DomainApproval>().Where(a => a.ExporterId == vendor.Id).ToListAsync(ct);
            exporter = new ExporterRecord(new ExportVolume(individuals, sensitive), [.. approvals.Select(a => a.ToCompliance())]);
        }

        var tradeRequest = new TradeRequest(Guid.CreateVersion7(), listing, vendor, buyer, licence, amount, contractDate, origin, externalReference);
        var verdict = TradeDecider.Decide(tradeRequest, exporter, caller.Actor);
        var now = time.GetUtcNow();
        if (!verdict.Accepted)
        {
            var refused = TradeDecider.Refuse(tradeRequest, verdict, caller.Actor, now);
            session.Events.StartStream<Trade>(refused.TradeId, refused);
            throw new RecordedRefusal(Refusal(refused));
        }

        // An exclusive licence held by someone else blocks the territory; granting one races on the listing's version.
        var holder = listing.ExclusiveHolder(licence.Territory, contractDate);
        if (holder is not null)
        {
            throw RpcErrors.From(new DomainException(ErrorKind.FailedPrecondition, "EXCLUSIVE_LICENCE_TAKEN",
                $"An exclusive licence for {licence.Territory} is held until {Dates.Format(holder.Until)} by {TradeMapping.Name(holder.TradeId)}.",
                new Dictionary<string, string> { ["holder"] = TradeMapping.Name(holder.TradeId), ["until"] = Dates.Format(holder.Until) }));
        }

        var filingNumber = await filingNumbers.NextAsync(session, contractDate.Year, ct);
        var contracted = TradeDecider.Contract(tradeRequest, verdict, filingNumber, caller.Actor, now);
        session.Events.StartStream<Trade>(contracted.TradeId, contracted);
        if (licence.Exclusive)
        {
            var listingStream = await session.Events.FetchForWriting<Listing>(listing.Id, listing.Version, ct);
            listingStream.AppendOne(new ExclusiveLicenceGranted(listing.Id, contracted.TradeId, licence.Territory, contractDate,
                contractDate.AddDays(licence.TermDays - 1), now));
        }

        if (TradeDecider.VolumeOf(contracted, now) is { } volume)
        {
            volumeStream!.AppendOne(volume);
        }

        var trade = Trade.Start(contracted);
        trade.Version = 1;
        return trade.ToProto();
    }

    private static RpcException Refusal(TradeRefused refused)
    {
        var d = refused.Compliance;
        var metadata = new Dictionary<string, string>
        {
            ["trade"] = TradeMapping.Name(refused.TradeId),
            ["rule"] = d.RefusedByRule ?? "",
            ["rule_set_version"] = d.RuleSetVersion,
            ["required_mechanism"] = TradeMapping.ToProto(d.Mechanism).ToString(),
            ["cumulative_individuals"] = (refused.ComplianceInput.PriorVolumeThisYear.Individuals + refused.ComplianceInput.Data.Individuals).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["cumulative_sensitive_individuals"] = (refused.ComplianceInput.PriorVolumeThisYear.SensitiveIndividuals + refused.ComplianceInput.Data.SensitiveIndividuals).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return RpcErrors.Create(Google.Rpc.Code.FailedPrecondition, d.RefusalReason ?? "COMPLIANCE_REFUSED", d.Explanation, metadata);
    }

    public override Task<V1.Trade> ConfirmDelivery(V1.ConfirmDeliveryRequest request, ServerCallContext context) =>
        Change(context, nameof(ConfirmDelivery), request, request.Name, request.Etag, request.RequestId,
            new RequestValidator().Text(request.Note, "note", 1000, required: false),
            (trade, actor, now) => [TradeDecider.ConfirmDelivery(trade, sealer.Seal(request.Note), actor, now)]);

    public override Task<V1.Trade> SettleTrade(V1.SettleTradeRequest request, ServerCallContext context) =>
        Change(context, nameof(SettleTrade), request, request.Name, request.Etag, request.RequestId,
            new RequestValidator().Money(request.Amount, "amount", allowZero: true).Text(request.PaymentReference, "payment_reference", 100)
                .Text(request.AdjustmentReason, "adjustment_reason", 1000, required: false),
            (trade, actor, now) => TradeDecider.Settle(trade, request.Amount.ToDomain(), sealer.Seal(request.PaymentReference),
                string.IsNullOrEmpty(request.AdjustmentReason) ? null : sealer.Seal(request.AdjustmentReason), actor, now));

    public override Task<V1.Trade> CancelTrade(V1.CancelTradeRequest request, ServerCallContext context) =>
        Change(context, nameof(CancelTrade), request, request.Name, request.Etag, request.RequestId,
            new RequestValidator().Text(request.Reason, "reason", 1000),
            (trade, actor, now) => [TradeDecider.Cancel(trade, sealer.Seal(request.Reason), actor, now)]);

    public override Task<V1.Trade> OpenDispute(V1.OpenDisputeRequest request, ServerCallContext context) =>
        Change(context, nameof(OpenDispute), request, request.Name, request.Etag, request.RequestId,
            new RequestValidator().Text(request.Reason, "reason", 1000),
            (trade, actor, now) => [TradeDecider.OpenDispute(trade, sealer.Seal(request.Reason), actor, now)]);

    public override Task<V1.Trade> ResolveDispute(V1.ResolveDisputeRequest request, ServerCallContext context) =>
        Change(context, nameof(ResolveDispute), request, request.Name, request.Etag, request.RequestId,
            new RequestValidator().Enum(request.Resolution, "resolution").Text(request.Reason, "reason", 1000),
            (trade, actor, now) => [TradeDecider.ResolveDispute(trade, (DisputeResolution)request.Resolution, sealer.Seal(request.Reason), actor, now)]);

    public override async Task<V1.Trade> GetTrade(V1.GetTradeRequest request, ServerCallContext context)
    {
        var v = new RequestValidator();
        var byName = !string.IsNullOrEmpty(request.Name);
        var id = byName ? ResourceNames.Require(v, request.Name, "trades", "name") : Guid.Empty;
        v.Check(byName || !string.IsNullOrEmpty(request.FilingNumber), "name", "give a trade name or a filing_number");
        v.Check(!byName || string.IsNullOrEmpty(request.FilingNumber), "filing_number", "give either name or filing_number, not both");
        v.Text(request.FilingNumber, "filing_number", 32, required: false);
        v.ThrowIfInvalid();

        await using var session = store.QuerySession();
        var trade = byName
            ? await session.LoadAsync<Trade>(id, context.CancellationToken)
            : await session.Query<Trade>().FirstOrDefaultAsync(t => t.FilingNumber == request.FilingNumber, context.CancellationToken);
        var caller = context.Caller();
        if (trade is null || !(caller.IsPrivileged || trade.IsParty(caller.ParticipantId)))
        {
            throw ResourceNames.NotFound("Trade", byName ? request.Name : request.FilingNumber);
        }

        return trade.ToProto();
    }

    public override async Task<V1.ListTradesResponse> ListTrades(V1.ListTradesRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().PageSize(request.PageSize);
        var buyer = ResourceNames.Optional(v, request.Buyer, "participants", "buyer");
        var vendor = ResourceNames.Optional(v, request.Vendor, "participants", "vendor");
        var listing = ResourceNames.Optional(v, request.Listing, "listings", "listing");
        if (request.State != V1.TradeState.Unspecified)
        {
            v.Enum(request.State, "state");
        }

        if (request.CrossBorder != V1.CrossBorderFilter.Unspecified)
        {
            v.Enum(request.CrossBorder, "cross_border");
        }

        v.Check(request.FilingYear == 0 || request.FilingYear is >= 2000 and <= 2100, "filing_year", "must be 0 or a year between 2000 and 2100");
        v.ThrowIfInvalid();
        var fingerprint = Paging.Fingerprint(request.Buyer, request.Vendor, request.Listing, request.State, request.CrossBorder, request.FilingYear);
        var caller = context.Caller();

        await using var session = store.QuerySession();
        IQueryable<Trade> query = session.Query<Trade>();
        if (!caller.IsPrivileged)
        {
            var self = caller.ParticipantId;
            query = query.Where(t => t.BuyerId == self || t.VendorId == self);
        }

        if (buyer != Guid.Empty) query = query.Where(t => t.BuyerId == buyer);
        if (vendor != Guid.Empty) query = query.Where(t => t.VendorId == vendor);
        if (listing != Guid.Empty) query = query.Where(t => t.ListingId == listing);
        if (request.State != V1.TradeState.Unspecified)
        {
            var state = (TradeState)request.State;
            query = query.Where(t => t.State == state);
        }
        else
        {
            query = query.Where(t => t.State != TradeState.Refused);
        }

        if (request.CrossBorder == V1.CrossBorderFilter.Only) query = query.Where(t => t.CrossBorder);
        if (request.CrossBorder == V1.CrossBorderFilter.Exclude) query = query.Where(t => !t.CrossBorder);
        if (request.FilingYear != 0)
        {
            var from = new DateOnly(request.FilingYear, 1, 1);
            var to = new DateOnly(request.FilingYear, 12, 31);
            query = query.Where(t => t.ContractDate >= from && t.ContractDate <= to);
        }

        var (page, next) = await Paging.PageAsync(query, x => x.Id, request.PageToken, request.PageSize, fingerprint, context.CancellationToken);
        return new V1.ListTradesResponse { Trades = { page.Select(x => x.ToProto()) }, NextPageToken = next };
    }

    public override Task<V1.ExchangeStatistics> GetExchangeStatistics(V1.GetExchangeStatisticsRequest request, ServerCallContext context) =>
        statistics.ReadAsync(context.CancellationToken);

    private Task<V1.Trade> Change(ServerCallContext context, string method, IMessage request, string name, string etagText, string requestId,
        RequestValidator v, Func<Trade, Actor, DateTimeOffset, IReadOnlyList<object>> decide)
    {
        v.RequestId(requestId);
        var id = ResourceNames.Require(v, name, "trades", "name");
        var etag = ResourceNames.ParseEtag(v, etagText);
        v.ThrowIfInvalid();
        var caller = context.Caller();
        return idempotency.ExecuteAsync(caller, method, requestId, request, async session =>
        {
            var stream = etag is { } expected
                ? await session.Events.FetchForWriting<Trade>(id, expected, context.CancellationToken)
                : await session.Events.FetchForWriting<Trade>(id, context.CancellationToken);
            var trade = stream.Aggregate;
            if (trade is null || !(caller.IsPrivileged || trade.IsParty(caller.ParticipantId)))
            {
                throw ResourceNames.NotFound("Trade", name);
            }

            var now = time.GetUtcNow();
            var events = decide(trade, caller.Actor, now);
            stream.AppendMany(events);
            var updated = events.Aggregate(trade, Trade.Evolve);
            updated.Version = trade.Version + events.Count;

            // Ending a trade early frees the exclusive licence it held.
            if (trade.Licence.Exclusive && updated.State is TradeState.Cancelled or TradeState.Refunded)
            {
                var listingStream = await session.Events.FetchForWriting<Listing>(trade.ListingId, context.CancellationToken);
                listingStream.AppendOne(new ExclusiveLicenceReleased(trade.ListingId, trade.Id, Trade.StateName(updated.State), now));
            }

            return updated.ToProto();
        }, context.CancellationToken);
    }
}
