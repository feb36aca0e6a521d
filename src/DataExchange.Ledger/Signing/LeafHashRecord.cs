namespace DataExchange.Ledger.Signing;

/// <summary>
/// The signer's own copy of every leaf hash it signed, in index order (32 bytes each), kept in chunks so a log of
/// millions of leaves is a few contiguous arrays rather than millions of small ones. Lets the signer check old
/// checkpoints and name the first leaf that a rewrite of the database changed.
/// </summary>
public sealed class LeafHashRecord
{
    public const int HashSize = 32;
    private const int ChunkLeaves = 1 << 16;
    private readonly List<byte[]> chunks = [];

    public long Count { get; private set; }

    public ReadOnlySpan<byte> this[long index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return chunks[(int)(index / ChunkLeaves)].AsSpan((int)(index % ChunkLeaves) * HashSize, HashSize);
        }
    }

    public void Append(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != HashSize)
        {
            throw new ArgumentException($"Leaf hashes are {HashSize} bytes.", nameof(hash));
        }

        var offset = (int)(Count % ChunkLeaves);
        if (offset == 0)
        {
            chunks.Add(new byte[ChunkLeaves * HashSize]);
        }

        hash.CopyTo(chunks[^1].AsSpan(offset * HashSize));
        Count++;
    }

    /// <summary>Forgets every hash from <paramref name="count"/> on (hashes written but never signed, after a crash).</summary>
    public void Truncate(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        Count = count;
        var keep = (int)((count + ChunkLeaves - 1) / ChunkLeaves);
        chunks.RemoveRange(keep, chunks.Count - keep);
    }

    /// <summary>The hashes [from, Count) as one contiguous byte array, to append to the record's file.</summary>
    public byte[] CopyFrom(long from)
    {
        var bytes = new byte[(Count - from) * HashSize];
        for (var i = from; i < Count; i++)
        {
            this[i].CopyTo(bytes.AsSpan((int)((i - from) * HashSize)));
        }

        return bytes;
    }
}
