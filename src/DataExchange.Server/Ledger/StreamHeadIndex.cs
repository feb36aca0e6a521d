using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Receipts;
using DataExchange.Ledger.Signing;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>A stream's head in the stream-heads map of one signed checkpoint, with its inclusion proof.</summary>
public sealed record StreamHeadAt(StoredCheckpoint Checkpoint, StreamHead Head, long Index, long MapSize, IReadOnlyList<byte[]> Proof);

/// <summary>
/// This process's copy of the stream-heads map, built lazily from the stored leaves on the first receipt and moved
/// forward, checkpoint by checkpoint, as receipts ask for newer ones. Before it proves anything at a checkpoint its
/// root must be the one the checkpoint's note states: a stored log that no longer gives the signed map stops the
/// ledger, as a proof that no longer reaches the signed root does.
/// </summary>
public sealed class StreamHeadIndex(LedgerStorage storage, ServedProofGuard guard, ServerSettings settings)
{
    private const int Page = 5000;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly IHasher hasher = TreeHasher.For(settings.Ledger.HashAlgorithm);
    private StreamHeadMap? map;
    private StoredCheckpoint? at;

    /// <summary>
    /// The stream's head at <paramref name="checkpoint"/>, or at a newer checkpoint this process already moved to
    /// (it also covers every leaf the caller needs). Null when the checkpoint predates stream-heads lines.
    /// </summary>
    public async Task<StreamHeadAt?> ProveAsync(string streamId, StoredCheckpoint checkpoint, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (at is null || at.Size < checkpoint.Size)
            {
                var stated = StreamHeadsCommitment.OfNote(checkpoint.Note);
                if (stated is null)
                {
                    return null;
                }

                await AdvanceAsync(checkpoint.Size, ct);
                if (map!.Count != stated.Count || !map.Root().AsSpan().SequenceEqual(stated.Root))
                {
                    throw LedgerIntegrity.Error(guard.Stop(new IntegrityViolation(ViolationKind.LeafAltered,
                        $"the stored leaves below {checkpoint.Size} no longer give the stream-heads map the checkpoint of that size states: a stored leaf was changed")
                    {
                        TreeSize = checkpoint.Size,
                    }).Violation);
                }

                at = checkpoint;
            }

            return map!.Prove(streamId) is { } proof ? new StreamHeadAt(at, proof.Head, proof.Index, map.Count, proof.Proof) : null;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task AdvanceAsync(long size, CancellationToken ct)
    {
        try
        {
            await AdvanceCoreAsync(size, ct);
        }
        catch
        {
            // A half-applied page leaves the map between checkpoints: start again next time.
            map = null;
            at = null;
            throw;
        }
    }

    private async Task AdvanceCoreAsync(long size, CancellationToken ct)
    {
        map ??= new StreamHeadMap(hasher);
        await using var connection = await storage.DataSource.OpenConnectionAsync(ct);
        while (map.LogSize < size)
        {
            var from = map.LogSize;
            await using var command = new NpgsqlCommand(
                $"select leaf_index, leaf_bytes from {storage.Table("ledger_leaves")} where leaf_index >= @from and leaf_index < @to order by leaf_index", connection);
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", Math.Min(size, from + Page));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                LedgerEntry entry;
                try
                {
                    entry = LedgerEntry.Parse((byte[])reader[1]);
                }
                catch (FormatException)
                {
                    entry = null!;
                }

                if (reader.GetInt64(0) != map.LogSize || entry is null || entry.LeafIndex != map.LogSize)
                {
                    throw LedgerIntegrity.Error(guard.Stop(new IntegrityViolation(ViolationKind.LeafAltered,
                        $"stored leaf {map.LogSize} is missing or does not decode, below the signed tree size {size}")
                    {
                        LeafIndex = map.LogSize,
                        TreeSize = size,
                    }).Violation);
                }

                map.Apply(entry);
            }

            if (map.LogSize == from)
            {
                throw LedgerIntegrity.Error(guard.Stop(new IntegrityViolation(ViolationKind.LeafMissing,
                    $"stored leaf {from} is missing, below the signed tree size {size}") { LeafIndex = from, TreeSize = size }).Violation);
            }
        }
    }
}
