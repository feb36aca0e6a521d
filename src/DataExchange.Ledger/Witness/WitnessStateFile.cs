using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataExchange.Ledger.Witness;

/// <summary>
/// A witness's memory, in a file of its own (never the exchange's database): per origin, the checkpoint it cosigned
/// last. Written whole to a temporary file, flushed to disk and renamed over the old one before a cosignature leaves
/// the witness, so a restarted witness never cosigns anything that does not extend what it already cosigned.
/// Refusals that prove misbehaviour (a fork, a rollback) leave both signed notes under evidence/.
/// </summary>
public sealed class WitnessStateFile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly object gate = new();
    private readonly string path;
    private Dictionary<string, WitnessedCheckpoint> state;

    private WitnessStateFile(string path, Dictionary<string, WitnessedCheckpoint> state)
    {
        this.path = path;
        this.state = state;
    }

    public string EvidenceDirectory => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "evidence");

    /// <summary>Opens (or starts) the state at <paramref name="path"/>; a file that does not read is an error, never a fresh start.</summary>
    public static WitnessStateFile Open(string path)
    {
        if (!File.Exists(path))
        {
            return new WitnessStateFile(path, new Dictionary<string, WitnessedCheckpoint>(StringComparer.Ordinal));
        }

        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException("empty");
            var origins = new Dictionary<string, WitnessedCheckpoint>(StringComparer.Ordinal);
            foreach (var (origin, c) in stored.Origins)
            {
                if (c.Size < 0 || string.IsNullOrEmpty(c.Note) || c.RootHash.Length == 0)
                {
                    throw new InvalidDataException($"origin {origin}: incomplete");
                }

                origins[origin] = new WitnessedCheckpoint(origin, c.Size, c.RootHash, c.Note);
            }

            return new WitnessStateFile(path, origins);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"The witness state {path} does not read ({e.Message}); refusing to start from nothing, which would cosign a rollback.", e);
        }
    }

    public WitnessedCheckpoint? Latest(string origin)
    {
        lock (gate)
        {
            return state.GetValueOrDefault(origin);
        }
    }

    /// <summary>
    /// Decides and, when it cosigns, makes the new state durable before returning the cosignature; when it refuses a
    /// fork or a rollback, writes both notes as evidence. One decision at a time.
    /// </summary>
    public WitnessOutcome AddCheckpoint(IReadOnlyDictionary<string, WitnessedLog> logs, long oldSize, IReadOnlyList<byte[]> proof, string signedNote,
        Cosigner cosigner, ulong now)
    {
        lock (gate)
        {
            var outcome = WitnessDecision.AddCheckpoint(logs, state.GetValueOrDefault, oldSize, proof, signedNote, cosigner, now);
            if (outcome.Next is { } next)
            {
                var updated = new Dictionary<string, WitnessedCheckpoint>(state, StringComparer.Ordinal) { [next.Origin] = next };
                Save(updated);
                state = updated;
            }
            else if (outcome is { KeptNote: { } kept, OfferedNote: { } offered })
            {
                WriteEvidence(now, outcome.Refusal, kept, offered);
            }

            return outcome;
        }
    }

    private void Save(Dictionary<string, WitnessedCheckpoint> origins)
    {
        var stored = new Stored(origins.ToDictionary(o => o.Key, o => new StoredCheckpoint(o.Value.Size, o.Value.RootHash, o.Value.Note), StringComparer.Ordinal));
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, stored, Json);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private void WriteEvidence(ulong now, WitnessRefusal refusal, string kept, string offered)
    {
        Directory.CreateDirectory(EvidenceDirectory);
        var stem = Path.Combine(EvidenceDirectory, $"{now}-{refusal.ToString().ToLowerInvariant()}");
        File.WriteAllText(stem + "-cosigned.note", kept);
        File.WriteAllText(stem + "-offered.note", offered);
    }

    private sealed record Stored(Dictionary<string, StoredCheckpoint> Origins);

    private sealed record StoredCheckpoint(long Size, byte[] RootHash, string Note);
}
