using DataExchange.Ledger.Notes;
using DataExchange.Server.Configuration;

namespace DataExchange.Server.Ledger;

/// <summary>A checkpoint as served: its note with the witnesses' cosignature lines appended, and what they add up to.</summary>
public sealed record WitnessedCheckpoint(StoredCheckpoint Checkpoint, string Note, IReadOnlyList<StoredCosignature> Cosignatures, int Quorum)
{
    public bool QuorumMet => Quorum > 0 && Cosignatures.Count >= Quorum;
}

/// <summary>
/// Adds the stored cosignatures to checkpoints on their way out. Only cosignatures that verify, now, against a
/// configured witness's key are served or counted (a row written into the table by someone else is dropped), one per
/// witness, in the configured witnesses' order, after the exchange's own signature lines.
/// </summary>
public sealed class CheckpointCosignatures(LedgerStorage storage, ServerSettings settings)
{
    private readonly IReadOnlyList<ConfiguredWitness> witnesses = settings.Ledger.Witnesses;
    private readonly int quorum = settings.Ledger.EffectiveWitnessQuorum;

    public async Task<WitnessedCheckpoint> AttachAsync(StoredCheckpoint checkpoint, CancellationToken ct) =>
        (await AttachAsync([checkpoint], ct))[0];

    public async Task<IReadOnlyList<WitnessedCheckpoint>> AttachAsync(IReadOnlyList<StoredCheckpoint> checkpoints, CancellationToken ct)
    {
        if (witnesses.Count == 0)
        {
            return [.. checkpoints.Select(c => new WitnessedCheckpoint(c, c.Note, [], 0))];
        }

        var stored = await storage.ReadCosignaturesAsync([.. checkpoints.Select(c => c.Size)], ct);
        return [.. checkpoints.Select(c => Attach(c, stored[c.Size]))];
    }

    private WitnessedCheckpoint Attach(StoredCheckpoint checkpoint, IEnumerable<StoredCosignature> rows)
    {
        string text;
        try
        {
            text = SignedNote.Parse(checkpoint.Note).Text;
        }
        catch (FormatException)
        {
            return new WitnessedCheckpoint(checkpoint, checkpoint.Note, [], quorum);
        }

        var valid = new List<StoredCosignature>();
        foreach (var witness in witnesses)
        {
            foreach (var row in rows.Where(r => r.Witness == witness.Name && r.KeyId == witness.Key.KeyId))
            {
                if (Verifies(witness, text, row.Line))
                {
                    valid.Add(row);
                    break;
                }
            }
        }

        var note = checkpoint.Note + string.Concat(valid.Select(v => v.Line));
        return new WitnessedCheckpoint(checkpoint, note, valid, quorum);
    }

    private static bool Verifies(ConfiguredWitness witness, string text, string line)
    {
        try
        {
            var signature = SignedNote.Parse(text + "\n" + line).Signatures.Single();
            return witness.Key.Verify(text, signature) is not null;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return false;
        }
    }
}
