using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Server.Configuration;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// An exchange's signing keys made before it starts, as operators would, so that its witnesses can be told the log's
/// verifier keys first: the key files in <see cref="Ledger"/>, and <see cref="LogKeys"/> for `dx witness serve`.
/// </summary>
internal sealed record WitnessedLedgerKeys(LedgerSettings Ledger, string[] LogKeys)
{
    public static WitnessedLedgerKeys Create(string folder, string origin)
    {
        var sm2Pem = LedgerKeys.ExportPrivateKeyPem(LedgerKeys.GenerateSm2());
        var ed25519Pem = LedgerKeys.ExportPrivateKeyPem(LedgerKeys.GenerateEd25519());
        var defaults = new LedgerSettings();
        File.WriteAllText(Path.Combine(folder, "sm2.pem"), sm2Pem);
        File.WriteAllText(Path.Combine(folder, "ed25519.pem"), ed25519Pem);
        string[] logKeys =
        [
            NoteKeys.FormatVerifierKey(Sm2NoteSigner.FromPem(defaults.Sm2KeyName, sm2Pem).Verifier),
            NoteKeys.FormatVerifierKey(Ed25519NoteSigner.FromPem(defaults.Ed25519KeyName, ed25519Pem).Verifier),
        ];
        var ledger = defaults with
        {
            Origin = origin,
            Sm2KeyFile = Path.Combine(folder, "sm2.pem"),
            Ed25519KeyFile = Path.Combine(folder, "ed25519.pem"),
            WitnessTimeout = TimeSpan.FromSeconds(10), // a fresh witness process answers its first requests slowly on a loaded machine (JIT)
        };
        return new WitnessedLedgerKeys(ledger, logKeys);
    }
}
