namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Marten's own tables, for the few places that query them with SQL because Marten has no API for what they do.
/// Everything else reads and writes through Marten's sessions. The places, and why:
/// <list type="bullet">
/// <item>Ledger/LedgerSequencer: committed events of all streams in seq_id order, with the gaps of transactions still in
/// flight (Marten's async daemon tracks its own high-water mark, not a gapless order a log can commit to).</item>
/// <item>Ledger/LedgerStorage, LedgerStorage.Holes, CheckpointSigner: leaves joined to their event rows, to serve
/// payloads, to name an event that was deleted or changed, and to find committed events no leaf records.</item>
/// <item>Ledger/AppendOnlyGuards: triggers that refuse UPDATE and DELETE on the event tables.</item>
/// <item>Hosting/RuntimeRoleSetup: who owns the event table (is the runtime role able to drop a guard?).</item>
/// <item>Trades/ExchangeStatisticsReader: sums and counts over every trade, grouped in the database.</item>
/// <item>Trades/FilingNumbers: the highest filing number a year already issued, when its counter row starts.</item>
/// <item>Diagnostics/StageTimings: names the bench's SQL stages by the table a statement reads (it only reads the text).</item>
/// </list>
/// </summary>
public static class MartenTables
{
    public const string Events = "mt_events";
    public const string Streams = "mt_streams";

    /// <summary>The trade read model (the document alias "trade" in MartenSetup).</summary>
    public const string Trades = "mt_doc_trade";

    public static string Qualified(string schema, string table) => $"\"{schema}\".{table}";
}
