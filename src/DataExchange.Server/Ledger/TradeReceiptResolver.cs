using DataExchange.Domain.Common;
using DataExchange.Server.Auth;
using DataExchange.Server.Infrastructure;

namespace DataExchange.Server.Ledger;

/// <summary>
/// EXTENSION POINT for the trades slice: maps a trade's filing number to its stream, and decides who may fetch a
/// receipt. A receipt is always "all leaves of one stream"; the trades slice replaces the default registration
/// (services.AddSingleton&lt;ITradeReceiptResolver, TradeReceipts&gt;()) to resolve filing numbers and to let a trade's
/// buyer and vendor fetch their own receipts.
/// </summary>
public interface ITradeReceiptResolver
{
    /// <summary>The stream id of the trade filed under <paramref name="filingNumber"/>; throw NOT_FOUND when there is none.</summary>
    Task<Guid> ResolveFilingNumberAsync(string filingNumber, Caller caller, CancellationToken ct);

    /// <summary>Throws PERMISSION_DENIED unless <paramref name="caller"/> may see the receipt of trade <paramref name="tradeId"/>.</summary>
    Task AuthorizeAsync(Guid tradeId, Caller caller, CancellationToken ct);
}

/// <summary>Until the trades slice registers its own: no filing numbers, and only the exchange's staff fetch receipts.</summary>
public sealed class DefaultTradeReceiptResolver : ITradeReceiptResolver
{
    public Task<Guid> ResolveFilingNumberAsync(string filingNumber, Caller caller, CancellationToken ct) =>
        throw new DomainException(ErrorKind.NotFound, "FILING_NUMBER_NOT_FOUND",
            $"No trade is filed under '{filingNumber}'.", new Dictionary<string, string> { ["filing_number"] = filingNumber });

    public Task AuthorizeAsync(Guid tradeId, Caller caller, CancellationToken ct) => caller.IsPrivileged
        ? Task.CompletedTask
        : throw DomainException.Denied("RECEIPT_PARTY_REQUIRED",
            "Only the trade's parties, auditors, compliance officers and operators may fetch its receipt.");
}
