using System.Globalization;
using System.Text;
using System.Text.Json;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Server.Hosting;
using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>
/// The single sequencer: turns every committed Marten event (all streams, in mt_events seq_id order) into the next
/// leaf, with a gapless leaf index, never skipping or reordering an event.
///
/// Leadership: a session-level pg_try_advisory_lock held on one dedicated connection, which is also the connection
/// every sequencer write goes through, so a process that lost the lock (connection gone) cannot write. Followers
/// retry every poll interval; a crash closes the connection and frees the lock, and the next leader resumes from
/// ledger_state and the stored peaks.
///
/// Why not only "xmin older than the snapshot's xmin": transaction ids and seq_ids are not drawn in the same order
/// (a writer can take its xid, e.g. by writing a document, before another writer that then draws the lower
/// seq_id), so a finished transaction's event can sit above an in-flight one's that is still invisible. Instead:
/// 1. Read visible events above the last integrated seq_id, in seq_id order (autocommit; the sequencer holds no xid).
/// 2. Take the longest prefix with no hole in seq_id: every lower seq_id is already decided, so nothing can appear
///    before them later. Integrate it.
/// 3. At a hole (an in-flight writer, or an aborted one — Marten's sequence has gaps), note the highest visible
///    seq_id M, capture the virtual transaction ids of every client transaction active now, and wait until they
///    have all ended. Whoever drew a seq_id ≤ M drew it before this moment, so was finished or among them: after the
///    wait each hole ≤ M is either visible (committed) or will never be filled (aborted), and integration goes on.
/// A virtual xid (not the xid) is used because a transaction can draw nextval before it is assigned an xid. The
/// wait ends as soon as those transactions end; new ones never extend it, so it cannot starve under load.
/// </summary>
public sealed class LedgerSequencer(
    LedgerStorage storage, Checkpointer checkpointer, ServerSettings settings, TimeProvider time, ILogger<LedgerSequencer> logger)
    : BackgroundService
{
    private readonly LedgerSettings ledger = settings.Ledger;
    private readonly IHasher hasher = TreeHasher.For(settings.Ledger.HashAlgorithm);
    private volatile bool isLeader;

    /// <summary>True while this process holds the sequencer lock.</summary>
    public bool IsLeader => isLeader;

    /// <summary>Events integrated by this process (for logs and measurements).</summary>
    public long IntegratedCount => Interlocked.Read(ref integrated);

    private long integrated;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Not pooled: closing it must end the session, which is what releases the session-level lock.
                await using var connection = new NpgsqlConnection(storage.UnpooledConnectionString);
                await connection.OpenAsync(stoppingToken);
                await using (var tryLock = new NpgsqlCommand("select pg_try_advisory_lock(@k)", connection))
                {
                    tryLock.Parameters.AddWithValue("k", storage.LockKey);
                    if (!(bool)(await tryLock.ExecuteScalarAsync(stoppingToken))!)
                    {
                        await connection.CloseAsync();
                        await Task.Delay(ledger.PollInterval * 4, time, stoppingToken);
                        continue;
                    }
                }

                isLeader = true;
                logger.LogInformation("Ledger sequencer is the leader for schema {Schema}", storage.Schema);
                await LeadAsync(connection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Ledger sequencer failed; resuming from the stored state");
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            finally
            {
                isLeader = false;
            }
        }
    }

    private async Task LeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var state = await storage.ReadStateAsync(connection, ct);
        var peakIds = CompactRange.PeakIds(state.Size);
        var peaks = await storage.ReadNodesAsync(connection, peakIds, ct);
        var range = new CompactRange(hasher, state.Size, peakIds.Select(id => peaks[id]));
        long lastSeq = state.LastSeqId;
        long decidedThrough = lastSeq; // every seq_id ≤ this is integrated or known never to appear
        var checkpointed = (await storage.LatestCheckpointAsync(ct))?.Size ?? 0;
        var lastCheckpointAt = DateTimeOffset.MinValue;

        while (!ct.IsCancellationRequested)
        {
            var candidates = await ReadCandidatesAsync(connection, lastSeq, ct);
            var accepted = new List<EventRow>();
            long next = lastSeq + 1;
            foreach (var row in candidates)
            {
                if (row.SeqId <= decidedThrough || row.SeqId == Math.Max(next, decidedThrough + 1))
                {
                    accepted.Add(row);
                    next = row.SeqId + 1;
                }
                else
                {
                    break;
                }
            }

            if (accepted.Count > 0)
            {
                var batch = Build(range, accepted);
                await LedgerStorage.AppendBatchAsync(connection, storage.Schema, batch, ct);
                lastSeq = accepted[^1].SeqId;
                decidedThrough = Math.Max(decidedThrough, lastSeq);
                Interlocked.Add(ref integrated, accepted.Count);
            }
            else if (candidates.Count > 0)
            {
                await WaitForTransactionsInFlightAsync(connection, ct);
                decidedThrough = candidates[^1].SeqId;
                continue;
            }

            var now = time.GetUtcNow();
            if (range.Size > checkpointed && now - lastCheckpointAt >= ledger.CheckpointInterval)
            {
                await checkpointer.IssueAsync(range.Size, range.Root(), ct);
                checkpointed = range.Size;
                lastCheckpointAt = now;
            }

            if (accepted.Count < ledger.BatchSize)
            {
                await Task.Delay(ledger.PollInterval, time, ct);
            }
        }
    }

    private SequencedBatch Build(CompactRange range, IReadOnlyList<EventRow> rows)
    {
        var expectedSize = range.Size;
        var leaves = new List<SequencedLeaf>(rows.Count);
        var nodes = new List<MerkleNode>(rows.Count * 2);
        foreach (var row in rows)
        {
            var entry = ToEntry(ledger.HashAlgorithm, range.Size, row.StreamId, row.Version, row.EventId, row.Type, row.Timestamp, row.DataJson);
            var bytes = entry.ToCanonicalBytes();
            var leafHash = hasher.HashLeaf(bytes);
            leaves.Add(new SequencedLeaf(range.Size, row.SeqId, row.EventId, row.StreamId, bytes, leafHash));
            nodes.Add(new MerkleNode(new NodeId(0, range.Size), leafHash));
            nodes.AddRange(range.Append(leafHash));
        }

        return new SequencedBatch(expectedSize, leaves, nodes);
    }

    /// <summary>The leaf of one event. The effective date hook: a top-level "EffectiveDate" (yyyy-MM-dd) in the payload.</summary>
    public static LedgerEntry ToEntry(LogHashAlgorithm algorithm, long leafIndex, string streamId, long version, Guid eventId, string type,
        DateTimeOffset timestamp, string dataJson)
    {
        var canonical = JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(dataJson));
        DateOnly? effectiveDate = null;
        using (var document = JsonDocument.Parse(canonical))
        {
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("EffectiveDate", out var date)
                && date.ValueKind == JsonValueKind.String
                && DateOnly.TryParseExact(date.GetString(), LedgerEntry.EffectiveDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                effectiveDate = parsed;
            }
        }

        return new LedgerEntry(leafIndex, streamId, version, eventId, type, LedgerEntry.TruncateToMicroseconds(timestamp.ToUniversalTime()),
            effectiveDate, LedgerEntry.DigestPayload(algorithm, canonical));
    }

    private async Task<List<EventRow>> ReadCandidatesAsync(NpgsqlConnection connection, long afterSeq, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select seq_id, id, stream_id::text, version, type, timestamp, data::text
            from {storage.Table("mt_events")} where seq_id > @after order by seq_id limit @limit
            """, connection);
        command.Parameters.AddWithValue("after", afterSeq);
        command.Parameters.AddWithValue("limit", ledger.BatchSize);
        var rows = new List<EventRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new EventRow(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6)));
        }

        return rows;
    }

    private async Task WaitForTransactionsInFlightAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        string[] inFlight;
        await using (var capture = new NpgsqlCommand("""
            select coalesce(array_agg(l.virtualxid), '{}') from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'virtualxid' and l.pid <> pg_backend_pid() and a.backend_type = 'client backend' and a.datname = current_database()
            """, connection))
        {
            inFlight = (string[])(await capture.ExecuteScalarAsync(ct))!;
        }

        while (inFlight.Length > 0)
        {
            await using var check = new NpgsqlCommand(
                "select coalesce(array_agg(virtualxid), '{}') from pg_locks where locktype = 'virtualxid' and virtualxid = any(@ids)", connection);
            check.Parameters.AddWithValue("ids", inFlight);
            inFlight = (string[])(await check.ExecuteScalarAsync(ct))!;
            if (inFlight.Length > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), time, ct);
            }
        }
    }

    private sealed record EventRow(long SeqId, Guid EventId, string StreamId, long Version, string Type, DateTimeOffset Timestamp, string DataJson);
}

/// <summary>Creates the ledger tables, checks the log's identity and publishes the signing keys before serving.</summary>
public sealed class LedgerStartup(LedgerStorage storage, LedgerSigning signing, ServerSettings settings) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var ledger = settings.Ledger;
        await storage.EnsureSchemaAsync(ledger, cancellationToken);
        var state = await storage.ReadStateAsync(null, cancellationToken);
        if (state.HashAlgorithm != ledger.HashAlgorithm)
        {
            throw new InvalidOperationException(
                $"The ledger in schema {settings.Schema} was created with {LedgerSettings.Name(state.HashAlgorithm)}; DX_LEDGER_HASH={LedgerSettings.Name(ledger.HashAlgorithm)} cannot change it.");
        }

        if (state.Origin != ledger.Origin)
        {
            throw new InvalidOperationException(
                $"The ledger in schema {settings.Schema} has origin '{state.Origin}'; DX_LEDGER_ORIGIN='{ledger.Origin}' cannot change it.");
        }

        foreach (var key in signing.PublicKeys)
        {
            await storage.RegisterKeyAsync(key, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
