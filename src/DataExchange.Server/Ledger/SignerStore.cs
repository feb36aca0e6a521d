using System.Text;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Signing;

namespace DataExchange.Server.Ledger;

/// <summary>
/// The checkpoint signer's own state, on disk beside its keys and never in PostgreSQL: the last signed tree
/// (state.json) and every leaf hash it signed (leaf-hashes.bin, 32 bytes per leaf, append-only). Both are owner-only and
/// synced to disk before the signature they back is published; a crash between the two leaves extra, unsigned hashes
/// at the end of the record, which are dropped on load. One folder per log origin under &lt;data dir&gt;/ledger/.
/// </summary>
public sealed class SignerStore
{
    private readonly string statePath;
    private readonly string hashesPath;

    public SignerStore(string dataDirectory, string origin)
    {
        Directory = Path.Combine(dataDirectory, "ledger", Slug(origin));
        statePath = Path.Combine(Directory, "state.json");
        hashesPath = Path.Combine(Directory, "leaf-hashes.bin");
    }

    public string Directory { get; }

    /// <summary>The stored state and record; an empty state when the signer has never signed for this origin.</summary>
    /// <exception cref="FormatException">The state or the record is damaged.</exception>
    public (SignerState State, LeafHashRecord Record, bool Existed) Load(string origin, LogHashAlgorithm algorithm)
    {
        var record = new LeafHashRecord();
        if (!File.Exists(statePath))
        {
            return (SignerState.Empty(origin, algorithm), record, false);
        }

        var state = SignerState.Parse(File.ReadAllText(statePath));
        if (state.Origin != origin || state.Algorithm != algorithm)
        {
            throw new FormatException($"the signer state in {statePath} is for {state.Origin} ({state.Algorithm}), not {origin} ({algorithm})");
        }

        if (File.Exists(hashesPath))
        {
            using var stream = new FileStream(hashesPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> hash = stackalloc byte[LeafHashRecord.HashSize];
            while (record.Count < state.Size && stream.ReadAtLeast(hash, hash.Length, throwOnEndOfStream: false) == hash.Length)
            {
                record.Append(hash);
            }
        }

        if (record.Count < state.Size)
        {
            throw new FormatException($"the signer's record {hashesPath} holds {record.Count} leaf hashes but its state signed {state.Size}");
        }

        return (state, record, true);
    }

    /// <summary>
    /// Makes a new signed state durable: first the new leaf hashes (appended after the <paramref name="previousSize"/>
    /// already on disk, dropping any unsigned tail), then the state, each synced; only then may the note be published.
    /// </summary>
    public void Save(SignerState state, LeafHashRecord record, long previousSize)
    {
        CreateOwnerOnly(Directory);
        using (var hashes = Open(hashesPath, FileMode.OpenOrCreate))
        {
            hashes.SetLength(previousSize * LeafHashRecord.HashSize);
            hashes.Seek(0, SeekOrigin.End);
            hashes.Write(record.CopyFrom(previousSize));
            hashes.Flush(flushToDisk: true);
        }

        var temporary = statePath + ".tmp";
        using (var file = Open(temporary, FileMode.Create))
        {
            file.Write(Encoding.UTF8.GetBytes(state.ToJson()));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, statePath, overwrite: true);
        SyncDirectory();
    }

    /// <summary>Keeps the facts of a refusal for investigators; returns the file written.</summary>
    public string WriteEvidence(string json, DateTimeOffset at)
    {
        var folder = Path.Combine(Directory, "evidence");
        CreateOwnerOnly(folder);
        var path = Path.Combine(folder, $"{at.UtcDateTime:yyyyMMdd'T'HHmmss'.'fffffff'Z'}.json");
        using var file = Open(path, FileMode.Create);
        file.Write(Encoding.UTF8.GetBytes(json));
        file.Flush(flushToDisk: true);
        return path;
    }

    private static void CreateOwnerOnly(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(folder);
        }
        else
        {
            System.IO.Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static FileStream Open(string path, FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    /// <summary>fsync of the folder, so the rename of the state file survives a power loss (no-op where unsupported).</summary>
    private void SyncDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var handle = File.OpenHandle(Directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Some file systems refuse to open folders for reading; the file itself was synced.
        }
    }

    private static string Slug(string origin) =>
        new(origin.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_').ToArray());
}
