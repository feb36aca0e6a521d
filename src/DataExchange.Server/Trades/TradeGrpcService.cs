using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Trades;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Listings;
using Google.Protobuf;
using Grpc.Core;
using Marten;
using V1 = DataExchange.Contracts.V1;

// The deprecated YYYY-MM-DD string twins of the google.type.Date fields are still read and served for v1 clients.
#pragma warning disable CS0612

namespace DataExchange.Server.Trades;

/// <summary>
/// Trades over gRPC: requests are validated and mapped to domain commands; the rules live in the domain
/// (<see cref="TradeContracting"/>, <see cref="TradeDecider"/>), loading and appending in <see cref="TradeContractor"/> and
/// <see cref="AggregateCommands"/>.
/// </summary>
public sealed class TradeGrpcService(
    IDocumentStore store, IdempotentExecutor idempotency, AggregateCommands commands, TradeContractor contractor, TradePipeline pipeline,
    TradePipelineSettings pipelineSettings, ExchangeStatisticsReader statistics,
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
        var claim = ComplianceMapping.Claim(v, request.ExemptionClaim, "exemption_claim");
        v.ThrowIfInvalid();
        var caller = context.Caller();
        caller.Require(Role.Buyer, "BUYER_ROLE_REQUIRED", "Only buyers execute trades.");
        var contractDate = RegionMapping.ChinaDate(time.GetUtcNow());

        var trade = await ContractAsync(caller, nameof(ExecuteTrade), request.RequestId, request, () =>
            new ContractTrade(Guid.CreateVersion7(), listingId, caller.ParticipantId, request.Licence.ToDomain(),
                request.AgreedPrice.ToDomain(), contractDate, TradeOrigin.Executed, null, caller.Actor, time.GetUtcNow(), claim), context.CancellationToken);
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
        var contractDate = Dates.Parse(v, request.ContractDate, request.TradeDate, "contract_date", "trade_date");
        var dateField = request.TradeDate is null ? "contract_date" : "trade_date"; // the field the caller gave
        v.Check(contractDate is null || contractDate <= RegionMapping.ChinaDate(time.GetUtcNow()), dateField, "must not be in the future");
        v.Check(contractDate is null || contractDate >= TradeDecider.EarliestDecidableDate, dateField,
            $"must be on or after {TradeDecider.EarliestDecidableDate:yyyy-MM-dd}, when the earliest export rule set encoded here took effect");
        v.Text(request.ExternalReference, "external_reference", 100, required: false);
        var claim = ComplianceMapping.Claim(v, request.ExemptionClaim, "exemption_claim");
        v.ThrowIfInvalid();
        var caller = context.Caller();
        if (!caller.Has(Role.ComplianceOfficer) && !caller.Has(Role.Operator))
        {
            throw DomainException.Denied("COMPLIANCE_OR_OPERATOR_ROLE_REQUIRED", "Only compliance officers and operators file trades concluded elsewhere.");
        }

        return ContractAsync(caller, nameof(FileTrade), request.RequestId, request, () =>
            new ContractTrade(Guid.CreateVersion7(), listingId, buyerId, request.Licence.ToDomain(),
                request.Amount.ToDomain(), contractDate!.Value, TradeOrigin.Filed,
                string.IsNullOrEmpty(request.ExternalReference) ? null : request.ExternalReference, caller.Actor, time.GetUtcNow(), claim),
            context.CancellationToken);
    }

    /// <summary>
    /// Trades race only on streams the buyer never named (the exporter's yearly volume, a listing's exclusive grants):
    /// losing such a race is retried on fresh state, where the rules are decided again.
    /// </summary>
    private const int ContractAttempts = 5;

    /// <summary>
    /// Through the batched pipeline (DX_TRADE_PIPELINE, on by default), or one transaction per trade. In the latter the
    /// trade's id and time are new on every attempt (a lost race is decided again, on fresh state).
    /// </summary>
    private Task<V1.Trade> ContractAsync(Caller caller, string method, string requestId, IMessage request, Func<ContractTrade> command, CancellationToken ct) =>
        pipelineSettings.Enabled
            ? pipeline.ContractAsync(caller, method, requestId, request, command(), ct)
            : idempotency.ExecuteAsync(caller, method, requestId, request,
                async session => (await contractor.ContractAsync(session, command(), caller.IsPrivileged, ct)).ToProto(), ct, ContractAttempts);

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
        var target = new StreamTarget<Trade>(id, etag, "Trade", name, trade => caller.IsPrivileged || trade.IsParty(caller.ParticipantId));
        return commands.ChangeAsync(caller, method, requestId, request, target, decide, async (session, changed) =>
        {
            // Ending a trade early frees the exclusive licence it held.
            if (TradeDecider.ReleaseOf(changed.Before, changed.After, changed.At) is { } released)
            {
                var listingStream = await session.Events.FetchForWriting<Listing>(released.ListingId, context.CancellationToken);
                listingStream.AppendOne(released);
            }

            return changed.After.ToProto();
        }, context.CancellationToken);
    }
}
