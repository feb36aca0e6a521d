using System.Diagnostics;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Server.Configuration;
using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>
/// Events committed after the sequencer passed their seq_id as a hole. Marten reserves seq_ids in one transaction and
/// may write rows with them in a later one (a tombstone for an append that failed after drawing its numbers), so
/// "every transaction that could fill the hole has ended" is not enough: a new one can still fill it. Every passed
/// seq_id is recorded in ledger_holes with the batch that passed it (<see cref="LedgerStorage.AppendBatchAsync"/>);
/// here the sequencer's loop probes the open holes (an indexed join, at most once per poll interval, a bounded page
/// at a time with a cursor that wraps around) and integrates what has arrived as the next leaves, marking the holes
/// filled in the same transaction. Their leaf order then differs from seq_id order: the leaf index is the log's order.
/// A restart cannot integrate an event twice: the leaf and the filled mark commit together, and seq_id and event id
/// are unique among leaves.
/// </summary>
internal sealed class LateArrivals(LedgerStorage storage, LedgerSettings ledger, ILogger logger)
{
    /// <summary>Open holes looked at per probe.</summary>
    public const int PageSize = 5000;

    private readonly IHasher hasher = TreeHasher.For(ledger.HashAlgorithm);
    private long cursor;
    private long lastProbe;

    /// <summary>Integrates late events, if any, as the next leaves of <paramref name="range"/>; returns the leaves stored.</summary>
    public async Task<IReadOnlyList<SequencedLeaf>> IntegrateAsync(NpgsqlConnection connection, CompactRange range, CancellationToken ct)
    {
        if (lastProbe != 0 && Stopwatch.GetElapsedTime(lastProbe) < ledger.PollInterval)
        {
            return [];
        }

        lastProbe = Stopwatch.GetTimestamp();
        var (rows, pageEnd, fullPage) = await storage.ReadLateArrivalsAsync(connection, cursor, PageSize, ledger.BatchSize, ct);
        if (rows.Count < ledger.BatchSize)
        {
            cursor = fullPage ? pageEnd : 0;
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var batch = Build(range, rows);
        await LedgerStorage.AppendBatchAsync(connection, storage.Schema, batch, ct);
        logger.LogInformation("Ledger sequencer integrated {Count} late event(s), committed after their seq_id was passed as a hole: seq_id {SeqIds} → leaves {First}..{Last}",
            rows.Count, string.Join(", ", rows.Take(20).Select(r => r.SeqId)), batch.Leaves[0].LeafIndex, batch.Leaves[^1].LeafIndex);
        return batch.Leaves;
    }

    private SequencedBatch Build(CompactRange range, IReadOnlyList<PendingEventRow> rows)
    {
        var expectedSize = range.Size;
        var leaves = new List<SequencedLeaf>(rows.Count);
        var nodes = new List<MerkleNode>(rows.Count * 2);
        foreach (var row in rows)
        {
            var bytes = LedgerSequencer.ToEntry(ledger.HashAlgorithm, range.Size, row.StreamId, row.Version, row.EventId, row.Type, row.Timestamp, row.DataJson)
                .ToCanonicalBytes();
            var leaf = new SequencedLeaf(range.Size, row.SeqId, row.EventId, row.StreamId, bytes, hasher.HashLeaf(bytes));
            leaves.Add(leaf);
            nodes.Add(new MerkleNode(new NodeId(0, range.Size), leaf.LeafHash));
            nodes.AddRange(range.Append(leaf.LeafHash));
        }

        return new SequencedBatch(expectedSize, leaves, nodes) { FillsHoles = true };
    }
}
