using System.Collections.Concurrent;

namespace DataExchange.Server.Ledger;

/// <summary>
/// What each open ledger stream (StreamEntries, StreamEntryBatches, StreamTreeNodes) holds in memory. A stream reads
/// the log in pages of about <see cref="PageBytes"/> (the page size adapts to the leaves' sizes) and reads the next page
/// only while it sends the current one, and every write is awaited: HTTP/2 flow control stops the writes when the client
/// stops reading, so a stalled stream holds at most two pages, the message being built and Kestrel's response buffer
/// (64 KiB), whatever the size of the log. Kept for tests and diagnostics.
/// </summary>
public sealed class LedgerStreams
{
    /// <summary>Target size of one page of leaves as held in memory (leaf bytes and payload text).</summary>
    public const int PageBytes = 256 * 1024;

    /// <summary>Fewest and most leaves one page query asks for.</summary>
    public const int MinPageLeaves = 16;

    public const int MaxPageLeaves = 5000;

    /// <summary>Leaves whose nodes one StreamTreeNodes message carries (about two nodes per leaf, ~100 bytes each in memory).</summary>
    public const int NodeChunkLeaves = 1024;

    private readonly ConcurrentDictionary<StreamProgress, byte> open = new();

    public IReadOnlyCollection<StreamProgress> Open => [.. open.Keys];

    public StreamProgress Start(string method)
    {
        var progress = new StreamProgress(method);
        open.TryAdd(progress, 0);
        return progress;
    }

    public void End(StreamProgress progress) => open.TryRemove(progress, out _);
}

/// <summary>One open stream: what it has read, sent and holds.</summary>
public sealed class StreamProgress(string method)
{
    private long itemsRead;
    private long itemsSent;
    private long bytesHeld;
    private long peakBytesHeld;
    private int writing;
    private int reading;

    public string Method { get; } = method;

    /// <summary>Leaves (or, for StreamTreeNodes, leaves whose nodes) read from the database.</summary>
    public long ItemsRead => Interlocked.Read(ref itemsRead);

    /// <summary>Leaves (or leaves' nodes) whose message the transport has accepted.</summary>
    public long ItemsSent => Interlocked.Read(ref itemsSent);

    /// <summary>Approximate bytes read from the database and not yet sent.</summary>
    public long BytesHeld => Interlocked.Read(ref bytesHeld);

    public long PeakBytesHeld => Interlocked.Read(ref peakBytesHeld);

    /// <summary>True while a write waits for the transport (the client is slow or has stopped reading).</summary>
    public bool Writing => Volatile.Read(ref writing) != 0;

    /// <summary>True while a page query is in flight.</summary>
    public bool Reading => Volatile.Read(ref reading) != 0;

    public void BeginRead() => Volatile.Write(ref reading, 1);

    public void Read(long items, long bytes)
    {
        Interlocked.Add(ref itemsRead, items);
        var held = Interlocked.Add(ref bytesHeld, bytes);
        long peak;
        while (held > (peak = Interlocked.Read(ref peakBytesHeld)) && Interlocked.CompareExchange(ref peakBytesHeld, held, peak) != peak)
        {
        }

        Volatile.Write(ref reading, 0);
    }

    public async Task WriteAsync(Func<Task> write, long items, long bytes)
    {
        Volatile.Write(ref writing, 1);
        try
        {
            await write();
        }
        finally
        {
            Volatile.Write(ref writing, 0);
        }

        Interlocked.Add(ref itemsSent, items);
        Interlocked.Add(ref bytesHeld, -bytes);
    }
}
