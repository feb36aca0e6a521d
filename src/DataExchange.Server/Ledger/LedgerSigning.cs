using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Server.Auth;
using DataExchange.Server.Hosting;
using LedgerCheckpoint = DataExchange.Ledger.Notes.Checkpoint;

namespace DataExchange.Server.Ledger;

/// <summary>
/// The exchange's two checkpoint keys: SM2-with-SM3 (type 0xff "sm2-sm3") for mainland regulators and Ed25519 for
/// everyone else. Private keys come from DX_LEDGER_SM2_KEY / DX_LEDGER_ED25519_KEY, or are generated once under
/// &lt;data dir&gt;/keys/ (mode 0600) so a restart keeps signing with the same keys.
/// </summary>
public sealed class LedgerSigning
{
    public LedgerSigning(ServerSettings settings)
    {
        var ledger = settings.Ledger;
        var keysDirectory = Path.Combine(settings.DataDirectory, "keys");
        var sm2Pem = LoadOrCreate(ledger.Sm2KeyFile ?? Path.Combine(keysDirectory, "ledger-sm2.pem"),
            () => LedgerKeys.ExportPrivateKeyPem(LedgerKeys.GenerateSm2()));
        var ed25519Pem = LoadOrCreate(ledger.Ed25519KeyFile ?? Path.Combine(keysDirectory, "ledger-ed25519.pem"),
            () => LedgerKeys.ExportPrivateKeyPem(LedgerKeys.GenerateEd25519()));
        Sm2 = Sm2NoteSigner.FromPem(ledger.Sm2KeyName, sm2Pem);
        Ed25519 = Ed25519NoteSigner.FromPem(ledger.Ed25519KeyName, ed25519Pem);
        Sm2PublicPem = LedgerKeys.ExportPublicKeyPemOf(LedgerKeys.ImportSm2PrivateKeyPem(sm2Pem));
        Ed25519PublicPem = LedgerKeys.ExportPublicKeyPemOf(LedgerKeys.ImportEd25519PrivateKeyPem(ed25519Pem));
    }

    public Sm2NoteSigner Sm2 { get; }

    public Ed25519NoteSigner Ed25519 { get; }

    public string Sm2PublicPem { get; }

    public string Ed25519PublicPem { get; }

    /// <summary>The public keys as ledger_keys rows (validity filled in on registration).</summary>
    public IReadOnlyList<StoredKey> PublicKeys =>
    [
        new(Sm2.KeyName, Sm2.KeyId, LedgerStorage.KeyTypeSm2, Sm2PublicPem, NoteKeys.FormatVerifierKey(Sm2.Verifier), 0, null),
        new(Ed25519.KeyName, Ed25519.KeyId, LedgerStorage.KeyTypeEd25519, Ed25519PublicPem, NoteKeys.FormatVerifierKey(Ed25519.Verifier), 0, null),
    ];

    /// <summary>The C2SP signed note of a checkpoint, SM2 line first.</summary>
    public string Sign(string origin, long size, byte[] root) =>
        SignedNote.Sign(new LedgerCheckpoint(origin, size, root).ToNoteText(), Sm2, Ed25519);

    private static string LoadOrCreate(string path, Func<string> generate)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var pem = generate();
        OwnerOnlyFile.Write(path, pem);
        return pem;
    }
}

/// <summary>Signs and stores checkpoints: periodically for the sequencer, and on demand for any server process.</summary>
public sealed class Checkpointer(LedgerStorage storage, LedgerSigning signing, ServerSettings settings, TimeProvider time)
{
    public DataExchange.Ledger.Hashing.IHasher Hasher { get; } = DataExchange.Ledger.Hashing.TreeHasher.For(settings.Ledger.HashAlgorithm);

    /// <summary>Signs the tree of <paramref name="size"/> whose root is known (the sequencer's compact range).</summary>
    public Task<StoredCheckpoint> IssueAsync(long size, byte[] root, CancellationToken ct) =>
        storage.InsertCheckpointAsync(size, root, signing.Sign(settings.Ledger.Origin, size, root), time.GetUtcNow(), ct);

    /// <summary>
    /// Signs a checkpoint of everything integrated so far, computing the root from the stored peaks; any process can
    /// do this because a size determines its root. Null while the log is empty.
    /// </summary>
    public async Task<StoredCheckpoint?> IssueFreshAsync(CancellationToken ct)
    {
        var state = await storage.ReadStateAsync(null, ct);
        if (state.Size == 0)
        {
            return null;
        }

        return await storage.CheckpointOfSizeAsync(state.Size, ct)
            ?? await IssueAsync(state.Size, await storage.RootAsync(Hasher, state.Size, ct), ct);
    }
}
