using DataExchange.Domain.Approvals;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Trades;
using DataExchange.Server.Auth;
using DataExchange.Server.Infrastructure;
using Marten;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Ledger;

/// <summary>
/// Who may read what of the ledger: <see cref="LedgerGrpcService"/> asks this class, and nothing else decides.
/// <list type="table">
/// <item><term>public (every authenticated caller)</term><description>hashes, sizes, checkpoints, signing keys,
/// consistency proofs (GetCheckpoint, GetConsistencyProof, ListSigningKeys, ListCheckpoints), and the audit path and
/// leaf hash of any leaf (GetInclusionProof by leaf_index).</description></item>
/// <item><term>a stream's own parties</term><description>its leaves' metadata (stream, event id and type, times,
/// payload digest, the leaf bytes): a trade's buyer and vendor, a listing's vendor (and everyone once the listing is
/// public, as its history is), a participant itself, an exporter its approvals and export volumes; and a trade's
/// receipt (<see cref="ITradeReceiptResolver"/>: its buyer and vendor).</description></item>
/// <item><term>auditors, compliance officers, operators</term><description>everything, including the whole log
/// (ListEntries, StreamEntries, StreamEntryBatches, StreamTreeNodes, ListUnloggedEvents).</description></item>
/// </list>
/// A leaf the caller may not see is answered with its index and hash only when asked by index, and as not found when
/// asked by event id (so event ids cannot be probed). Calls without a valid token are refused before any of this.
/// </summary>
public sealed class LedgerReadPolicy(IDocumentStore store, ITradeReceiptResolver receipts)
{
    /// <summary>The whole log (every leaf with its metadata and payload): auditors, compliance officers and operators.</summary>
    public void RequireWholeLog(Caller caller)
    {
        if (!caller.IsPrivileged)
        {
            throw DomainException.Denied("AUDITOR_ROLE_REQUIRED",
                "Only auditors, compliance officers and operators may list or stream the whole log.");
        }
    }

    /// <summary>Receipts: the trade's parties and the exchange's staff (kept as the trades slice decides it).</summary>
    public Task RequireReceiptAsync(Guid tradeId, Caller caller, CancellationToken ct) => receipts.AuthorizeAsync(tradeId, caller, ct);

    /// <summary>A receipt's trade by filing number; someone else's filing answers like a missing one.</summary>
    public Task<Guid> ResolveFilingNumberAsync(string filingNumber, Caller caller, CancellationToken ct) =>
        receipts.ResolveFilingNumberAsync(filingNumber, caller, ct);

    /// <summary>
    /// The entry of an inclusion proof as <paramref name="caller"/> may see it: whole, or only its index and leaf hash.
    /// Asked for by event id, a leaf the caller may not see is not found.
    /// </summary>
    public async Task<V1.LogEntry> EntryForAsync(Caller caller, V1.LogEntry entry, bool byEventId, CancellationToken ct)
    {
        if (await MaySeeStreamAsync(caller, entry.StreamId, ct))
        {
            return entry;
        }

        if (byEventId)
        {
            throw RpcErrors.Create(Google.Rpc.Code.NotFound, "LEAF_NOT_FOUND", $"No leaf records event {entry.EventId} (yet).",
                new Dictionary<string, string> { ["event_id"] = entry.EventId });
        }

        return new V1.LogEntry { LeafIndex = entry.LeafIndex, LeafHash = entry.LeafHash };
    }

    /// <summary>Whether <paramref name="caller"/> may see the leaves of stream <paramref name="streamId"/>.</summary>
    public async Task<bool> MaySeeStreamAsync(Caller caller, string streamId, CancellationToken ct)
    {
        if (caller.IsPrivileged)
        {
            return true;
        }

        if (!Guid.TryParse(streamId, out var id))
        {
            return false; // an undecodable (altered) leaf, or a stream of no aggregate: staff only
        }

        if (id == caller.ParticipantId)
        {
            return true; // its own registration, tokens issued and revoked
        }

        await using var session = store.QuerySession();
        var batch = session.CreateBatchQuery();
        var trade = batch.Load<Trade>(id);
        var listing = batch.Load<Listing>(id);
        var approval = batch.Load<ExportApproval>(id);
        var volume = batch.Load<ExporterYearVolume>(id);
        await batch.Execute(ct);
        var self = caller.ParticipantId;
        return (await trade)?.IsParty(self) == true
            || await listing is { } l && (l.VendorId == self || l.IsPublic)
            || (await approval)?.ExporterId == self
            || (await volume)?.ExporterId == self;
    }
}
