using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Receipts;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
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
    public string Sign(string origin, long size, byte[] root, StreamHeadsCommitment streamHeads) =>
        SignedNote.Sign(new LedgerCheckpoint(origin, size, root) { Extensions = [streamHeads.ToExtensionLine()] }.ToNoteText(), Sm2, Ed25519);

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

/// <summary>
/// Hands out signed checkpoints. Only the sequencer leader's <see cref="CheckpointSigner"/> signs; any other process
/// waits for the checkpoint it needs to appear in the database (the leader signs at least every checkpoint interval).
/// </summary>
public sealed class Checkpointer(LedgerStorage storage, CheckpointSigner signer, LedgerIntegrity integrity, ServerSettings settings, TimeProvider time)
{
    /// <summary>
    /// A signed checkpoint of everything integrated so far (signed on demand by the leader). Null while the log is
    /// empty; UNAVAILABLE (retry) when no leader signs within a few checkpoint intervals.
    /// </summary>
    public async Task<StoredCheckpoint?> IssueFreshAsync(CancellationToken ct)
    {
        var size = (await storage.ReadStateAsync(null, ct)).Size;
        return size == 0 ? null : await CoveringAsync(size, ct);
    }

    /// <summary>A signed checkpoint of at least <paramref name="size"/> leaves (which must be integrated already).</summary>
    public async Task<StoredCheckpoint> CoveringAsync(long size, CancellationToken ct)
    {
        integrity.ThrowIfFailed();
        if (await storage.LatestCheckpointAsync(ct) is { } stored && stored.Size >= size)
        {
            return stored;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Several intervals, and never less than the 7 s it was when checkpoints came once a second (a busy machine).
        timeout.CancelAfter(settings.Ledger.CheckpointInterval * 5 + TimeSpan.FromSeconds(6.5));
        try
        {
            while (true)
            {
                if (signer.IsActive)
                {
                    return await signer.WaitForAsync(size, timeout.Token);
                }

                integrity.ThrowIfFailed();
                if (await storage.LatestCheckpointAsync(timeout.Token) is { } latest && latest.Size >= size)
                {
                    return latest;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), time, timeout.Token);
            }
        }
        catch (LedgerIntegrityException e)
        {
            throw LedgerIntegrity.Error(e.Violation);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw DataExchange.Server.Infrastructure.RpcErrors.Create(Google.Rpc.Code.Unavailable, "CHECKPOINT_PENDING",
                $"No checkpoint of {size} leaves was signed in time (is the ledger's sequencer running?); retry shortly.");
        }
    }
}
