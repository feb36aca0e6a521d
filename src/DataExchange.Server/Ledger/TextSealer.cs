using DataExchange.Domain.Common;
using DataExchange.Ledger.Entries;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;

namespace DataExchange.Server.Ledger;

/// <summary>Seals free text for events with a fresh salt and the log's hash (RECEIPTS.md, "Payloads and personal information").</summary>
public sealed class TextSealer(ServerSettings settings)
{
    public SealedText Seal(string text)
    {
        var salt = LedgerPayload.NewSalt();
        return new SealedText(LedgerPayload.Commit(settings.Ledger.HashAlgorithm, salt, text), Convert.ToBase64String(salt), text);
    }
}
