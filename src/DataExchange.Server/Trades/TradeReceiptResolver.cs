using DataExchange.Domain.Common;
using DataExchange.Domain.Trades;
using DataExchange.Server.Auth;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Ledger;
using Marten;

namespace DataExchange.Server.Trades;

/// <summary>Receipts (交易凭证) by filing number, for the trade's parties and the exchange's staff.</summary>
public sealed class TradeReceiptResolver(IDocumentStore store) : ITradeReceiptResolver
{
    public async Task<Guid> ResolveFilingNumberAsync(string filingNumber, Caller caller, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var trade = await session.Query<Trade>().FirstOrDefaultAsync(t => t.FilingNumber == filingNumber, ct);
        // Someone else's filing answers like a missing one, so filing numbers cannot be probed.
        if (trade is null || !(caller.IsPrivileged || trade.IsParty(caller.ParticipantId)))
        {
            throw new DomainException(ErrorKind.NotFound, "FILING_NUMBER_NOT_FOUND",
                $"No trade is filed under '{filingNumber}'.", new Dictionary<string, string> { ["filing_number"] = filingNumber });
        }

        return trade.Id;
    }

    public async Task AuthorizeAsync(Guid tradeId, Caller caller, CancellationToken ct)
    {
        if (caller.IsPrivileged)
        {
            return;
        }

        await using var session = store.QuerySession();
        var trade = await session.LoadAsync<Trade>(tradeId, ct);
        if (trade is null || !trade.IsParty(caller.ParticipantId))
        {
            throw DomainException.Denied("RECEIPT_PARTY_REQUIRED",
                "Only the trade's parties, auditors, compliance officers and operators may fetch its receipt.");
        }
    }
}
