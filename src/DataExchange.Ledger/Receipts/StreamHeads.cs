using System.Globalization;
using System.Text.Json;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Receipts;

/// <summary>One stream's head in a log prefix: its last leaf and its version there.</summary>
public sealed record StreamHead(string StreamId, long StreamVersion, long LeafIndex)
{
    /// <summary>RFC 8785 bytes {"leaf_index":L,"stream_id":"…","stream_version":V}, the map's leaf.</summary>
    public byte[] ToCanonicalBytes()
    {
        var output = new CanonicalBuffer(96 + StreamId.Length);
        output.Write("{\"leaf_index\":"u8);
        output.Write(System.Text.Encoding.UTF8.GetBytes(LeafIndex.ToString(CultureInfo.InvariantCulture)));
        output.Write(",\"stream_id\":"u8);
        JsonCanonicalizer.WriteString(StreamId, output);
        output.Write(",\"stream_version\":"u8);
        output.Write(System.Text.Encoding.UTF8.GetBytes(StreamVersion.ToString(CultureInfo.InvariantCulture)));
        output.WriteByte((byte)'}');
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Parses an entry and insists on its canonical bytes.</summary>
    /// <exception cref="FormatException">Not exactly a canonical entry.</exception>
    public static StreamHead Parse(ReadOnlySpan<byte> bytes)
    {
        StreamHead head;
        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.EnumerateObject().Count() != 3)
            {
                throw new FormatException("A stream-head entry is an object of exactly leaf_index, stream_id and stream_version.");
            }

            head = new StreamHead(root.GetProperty("stream_id").GetString()!, root.GetProperty("stream_version").GetInt64(),
                root.GetProperty("leaf_index").GetInt64());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new FormatException($"Malformed stream-head entry: {e.Message}", e);
        }

        if (!head.ToCanonicalBytes().AsSpan().SequenceEqual(bytes))
        {
            throw new FormatException("The stream-head entry is not in canonical (RFC 8785) form.");
        }

        return head;
    }
}

/// <summary>The checkpoint extension line "stream-heads &lt;count&gt; &lt;base64 root&gt;".</summary>
public sealed record StreamHeadsCommitment(long Count, byte[] Root)
{
    public const string Keyword = "stream-heads";

    public string ToExtensionLine() => $"{Keyword} {Count.ToString(CultureInfo.InvariantCulture)} {Convert.ToBase64String(Root)}";

    /// <summary>The commitment a signed checkpoint note states; null when it states none or does not parse (nothing is verified).</summary>
    public static StreamHeadsCommitment? OfNote(string note)
    {
        try
        {
            return Find(DataExchange.Ledger.Notes.Checkpoint.Parse(DataExchange.Ledger.Notes.SignedNote.Parse(note).Text).Extensions);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The commitment among a checkpoint's extension lines; null when none. Throws when malformed or repeated.</summary>
    /// <exception cref="FormatException">A "stream-heads" line that is not exactly one canonical count and root.</exception>
    public static StreamHeadsCommitment? Find(IReadOnlyList<string> extensions)
    {
        var lines = extensions.Where(l => l.StartsWith(Keyword + " ", StringComparison.Ordinal)).ToList();
        if (lines.Count == 0)
        {
            return null;
        }

        if (lines.Count > 1)
        {
            throw new FormatException("The checkpoint has more than one stream-heads line.");
        }

        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || parts[1].Length == 0 || !parts[1].All(char.IsAsciiDigit) || (parts[1].Length > 1 && parts[1][0] == '0')
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            throw new FormatException($"Malformed stream-heads line \"{lines[0]}\".");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("The stream-heads root is not base64.");
        }

        if (root.Length == 0 || Convert.ToBase64String(root) != parts[2])
        {
            throw new FormatException("The stream-heads root is not canonical base64.");
        }

        return new StreamHeadsCommitment(count, root);
    }
}

/// <summary>
/// The stream-heads map of a log prefix (RECEIPTS.md): one entry per stream, in the order of each stream's first leaf,
/// holding its last leaf and version; its root is the RFC 9162 tree hash over the entries. Kept as a dense tree whose
/// complete subtrees are stored level by level, so moving a stream's head rehashes one path (log₂ M nodes) and a new
/// stream is an append. Not thread-safe: one writer, callers lock.
/// </summary>
public sealed class StreamHeadMap
{
    private readonly IHasher hasher;
    private readonly List<List<byte[]>> levels = [[]];
    private readonly Dictionary<string, int> positions = new(StringComparer.Ordinal);
    private readonly List<StreamHead> heads = [];

    public StreamHeadMap(IHasher hasher) => this.hasher = hasher ?? throw new ArgumentNullException(nameof(hasher));

    /// <summary>Leaves of the log applied so far (the map is of the prefix of this size).</summary>
    public long LogSize { get; private set; }

    /// <summary>Streams in the map.</summary>
    public int Count => heads.Count;

    /// <summary>Applies the next leaf of the log (its index must be <see cref="LogSize"/>).</summary>
    public void Apply(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.LeafIndex != LogSize)
        {
            throw new ArgumentException($"Leaf {entry.LeafIndex} applied to a map of a log of size {LogSize}.", nameof(entry));
        }

        var head = new StreamHead(entry.StreamId, entry.StreamVersion, entry.LeafIndex);
        var hash = hasher.HashLeaf(head.ToCanonicalBytes());
        if (positions.TryGetValue(entry.StreamId, out var position))
        {
            heads[position] = head;
            Set(position, hash);
        }
        else
        {
            positions[entry.StreamId] = heads.Count;
            heads.Add(head);
            Append(hash);
        }

        LogSize++;
    }

    /// <summary>The map's root and size, as the checkpoint's extension line states them.</summary>
    public StreamHeadsCommitment Commitment() => new(heads.Count, Root());

    public byte[] Root() => heads.Count == 0 ? hasher.EmptyRoot() : Subtree(0, heads.Count);

    /// <summary>The stream's entry, its position and its RFC 9162 inclusion proof (leaf to root); null when the stream has no leaf yet.</summary>
    public (StreamHead Head, long Index, IReadOnlyList<byte[]> Proof)? Prove(string streamId)
    {
        if (!positions.TryGetValue(streamId, out var position))
        {
            return null;
        }

        var proof = new List<byte[]>();
        Path(position, 0, heads.Count, proof);
        return (heads[position], position, proof);
    }

    private void Append(byte[] hash)
    {
        levels[0].Add(hash);
        var index = levels[0].Count - 1;
        for (var level = 0; (index & 1) == 1; level++, index >>= 1)
        {
            if (levels.Count == level + 1)
            {
                levels.Add([]);
            }

            levels[level + 1].Add(hasher.HashChildren(levels[level][index - 1], levels[level][index]));
        }
    }

    private void Set(int position, byte[] hash)
    {
        levels[0][position] = hash;
        var index = position;
        for (var level = 0; level + 1 < levels.Count && (index ^ 1) < levels[level].Count && (index >> 1) < levels[level + 1].Count; level++, index >>= 1)
        {
            var left = levels[level][index & ~1];
            var right = levels[level][index | 1];
            levels[level + 1][index >> 1] = hasher.HashChildren(left, right);
        }
    }

    /// <summary>MTH of entries [start, start + size); start is always aligned to the largest power of two below size.</summary>
    private byte[] Subtree(int start, int size)
    {
        if ((size & (size - 1)) == 0)
        {
            var level = System.Numerics.BitOperations.Log2((uint)size);
            return levels[level][start >> level];
        }

        var k = LargestPowerOfTwoBelow(size);
        return hasher.HashChildren(Subtree(start, k), Subtree(start + k, size - k));
    }

    /// <summary>RFC 9162 §2.1.3.1 PATH(m, D[start:start+size]), appended bottom-up.</summary>
    private void Path(int m, int start, int size, List<byte[]> proof)
    {
        if (size == 1)
        {
            return;
        }

        var k = LargestPowerOfTwoBelow(size);
        if (m < k)
        {
            Path(m, start, k, proof);
            proof.Add(Subtree(start + k, size - k));
        }
        else
        {
            Path(m - k, start + k, size - k, proof);
            proof.Add(Subtree(start, k));
        }
    }

    private static int LargestPowerOfTwoBelow(int n) => 1 << System.Numerics.BitOperations.Log2((uint)(n - 1));
}
