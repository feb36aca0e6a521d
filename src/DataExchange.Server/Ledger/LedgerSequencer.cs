using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Server.Configuration;
using DataExchange.Server.Diagnostics;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>
/// The single sequencer: turns every committed Marten event (all streams, in mt_events seq_id order) into the next
/// leaf, with a gapless leaf index, never skipping an event (one committed late below a passed hole becomes a later
/// leaf, see <see cref="LateArrivals"/>). It extends the tree the signer verified, never the stored peaks, and hands
/// each batch's leaves to the <see cref="CheckpointSigner"/>.
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
/// wait ends as soon as those transactions end; new ones never extend it, so it cannot starve under load. It also
/// ends early when the first hole is filled (its writer committed): integration then continues up to the next hole,
/// which starts a new wait, so one slow, unrelated transaction does not hold back commits that are already visible.
/// </summary>
public sealed class LedgerSequencer(
    LedgerStorage storage, CheckpointSigner signer, ServerSettings settings, TimeProvider time, ILogger<LedgerSequencer> logger,
    IServiceProvider services)
    : BackgroundService
{
    private readonly LedgerSettings ledger = settings.Ledger;
    private readonly IHasher hasher = TreeHasher.For(settings.Ledger.HashAlgorithm);
    private readonly LateArrivals lateArrivals = new(storage, settings.Ledger, logger);
    private volatile bool isLeader;

    // DX_STAGE_TIMINGS=1 (the bench): hole waits, batches and commit-to-leaf lag go into stage-timings.json.
    private readonly StageTimings.Recorder? stages = services.GetService<StageTimings.Recorder>();

    /// <summary>Hole waits so far: how many, and their total and longest duration (for logs and measurements).</summary>
    public (long Count, TimeSpan Total, TimeSpan Longest) HoleWaits =>
        (Interlocked.Read(ref holeWaits), TimeSpan.FromTicks(Interlocked.Read(ref holeWaitTicks)), TimeSpan.FromTicks(Interlocked.Read(ref longestHoleWaitTicks)));

    private long holeWaits;
    private long holeWaitTicks;
    private long longestHoleWaitTicks;

    /// <summary>True while this process holds the sequencer lock.</summary>
    public bool IsLeader => isLeader;

    /// <summary>Events integrated by this process (for logs and measurements).</summary>
    public long IntegratedCount => Interlocked.Read(ref integrated);

    private long integrated;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        StageTimings.AttributeTo("(ledger)");
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
            catch (LedgerIntegrityException)
            {
                // Logged with its evidence by the signer. Nothing more is signed or integrated by this process until an
                // operator has looked and restarted it (the restart verifies again).
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
                signer.Deactivate();
            }
        }
    }

    private async Task LeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        // The tree to extend comes from the signer, verified against its own state, never from the stored peaks.
        var (range, lastSeq) = await signer.ResumeAsync(connection, ct);
        long decidedThrough = lastSeq; // every seq_id ≤ this is integrated or known never to appear
        var lastCheckpointAt = time.GetUtcNow();

        while (!ct.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            signer.ResetWake();
            var candidates = await ReadCandidatesAsync(connection, lastSeq, ct);
            var accepted = 0;
            long next = lastSeq + 1;
            foreach (var row in candidates)
            {
                if (row.SeqId <= decidedThrough || row.SeqId == Math.Max(next, decidedThrough + 1))
                {
                    accepted++;
                    next = row.SeqId + 1;
                }
                else
                {
                    break;
                }
            }

            if (accepted > 0)
            {
                var rows = accepted == candidates.Count ? candidates : candidates.GetRange(0, accepted);
                var batch = Build(range, rows);
                await LedgerStorage.AppendBatchAsync(connection, storage.Schema, batch, ct);
                signer.Add(batch.Leaves);
                lastSeq = rows[^1].SeqId;
                decidedThrough = Math.Max(decidedThrough, lastSeq);
                Interlocked.Add(ref integrated, accepted);
                if (stages is not null)
                {
                    stages.Record("(ledger) batch", (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                    var now = time.GetUtcNow();
                    foreach (var row in rows)
                    {
                        stages.Record("(ledger) commit_to_leaf", Math.Max(0, (long)(now - row.Timestamp).TotalMicroseconds));
                    }
                }
            }
            else if (candidates.Count > 0)
            {
                if (await WaitForTransactionsInFlightAsync(connection, Math.Max(next, decidedThrough + 1), ct))
                {
                    decidedThrough = candidates[^1].SeqId;
                }

                continue;
            }

            var late = await lateArrivals.IntegrateAsync(connection, range, ct);
            signer.Add(late); // built here from their event rows, like every other leaf the signer signs
            Interlocked.Add(ref integrated, late.Count);
            var utcNow = time.GetUtcNow();
            if (range.Size > signer.SignedSize)
            {
                // The log grew: signed on the short cadence, or at once for a caller that waits.
                if (utcNow - lastCheckpointAt >= ledger.CheckpointInterval || signer.IsRequested(range.Size))
                {
                    await signer.SignAsync(connection, range, ct);
                    lastCheckpointAt = utcNow;
                }
            }
            else if (utcNow - lastCheckpointAt >= IdleCheckInterval)
            {
                // Idle: the stored tree must still be the signed one. Checked once a second, not at the signing cadence.
                await signer.CheckIdleAsync(connection, ct);
                lastCheckpointAt = utcNow;
            }

            if (accepted < ledger.BatchSize && accepted == candidates.Count)
            {
                // Idle: poll again after the interval, or at once when someone asks for a checkpoint; leaves not yet
                // signed are signed when their checkpoint is due, not up to a poll interval later.
                var wait = ledger.PollInterval;
                if (range.Size > signer.SignedSize && lastCheckpointAt + ledger.CheckpointInterval - time.GetUtcNow() is var due && due < wait)
                {
                    wait = due > TimeSpan.FromMilliseconds(1) ? due : TimeSpan.FromMilliseconds(1);
                }

                await Task.WhenAny(Task.Delay(wait, time, ct), signer.WakeTask);
                ct.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>How often an idle leader checks the stored tree against what it signed.</summary>
    private TimeSpan IdleCheckInterval => ledger.CheckpointInterval > TimeSpan.FromSeconds(1) ? ledger.CheckpointInterval : TimeSpan.FromSeconds(1);

    private SequencedBatch Build(CompactRange range, List<EventRow> rows)
    {
        var expectedSize = range.Size;
        var leaves = new SequencedLeaf[rows.Count];
        var algorithm = ledger.HashAlgorithm;

        // Canonicalising a payload and hashing its leaf depend only on the row and its index: spread them over the
        // cores for a backlog. The Merkle fold below stays sequential.
        void One(int i)
        {
            var row = rows[i];
            var bytes = ToEntry(algorithm, expectedSize + i, row.StreamId, row.Version, row.EventId, row.Type, row.Timestamp, row.DataJson).ToCanonicalBytes();
            leaves[i] = new SequencedLeaf(expectedSize + i, row.SeqId, row.EventId, row.StreamId, bytes, hasher.HashLeaf(bytes));
        }

        if (rows.Count >= 256 && Environment.ProcessorCount > 1)
        {
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, rows.Count, Math.Max(64, rows.Count / (Environment.ProcessorCount * 4))),
                part =>
                {
                    for (var i = part.Item1; i < part.Item2; i++)
                    {
                        One(i);
                    }
                });
        }
        else
        {
            for (var i = 0; i < rows.Count; i++)
            {
                One(i);
            }
        }

        var nodes = new List<MerkleNode>(rows.Count * 2);
        foreach (var leaf in leaves)
        {
            nodes.Add(new MerkleNode(new NodeId(0, range.Size), leaf.LeafHash));
            nodes.AddRange(range.Append(leaf.LeafHash));
        }

        return new SequencedBatch(expectedSize, leaves, nodes);
    }

    /// <summary>The leaf of one event. The effective date hook: a top-level "EffectiveDate" (yyyy-MM-dd) in the payload.</summary>
    public static LedgerEntry ToEntry(LogHashAlgorithm algorithm, long leafIndex, string streamId, long version, Guid eventId, string type,
        DateTimeOffset timestamp, string dataJson)
    {
        var canonical = LedgerPayload.Canonical(Encoding.UTF8.GetBytes(dataJson));
        return new LedgerEntry(leafIndex, streamId, version, eventId, type, LedgerEntry.TruncateToMicroseconds(timestamp.ToUniversalTime()),
            EffectiveDateOf(canonical), LedgerEntry.DigestPayload(algorithm, canonical));
    }

    /// <summary>A top-level "EffectiveDate" string in yyyy-MM-dd form; nested objects are skipped, not searched.</summary>
    private static DateOnly? EffectiveDateOf(ReadOnlySpan<byte> canonicalJson)
    {
        var reader = new Utf8JsonReader(canonicalJson);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isDate = reader.ValueTextEquals("EffectiveDate"u8);
            reader.Read();
            if (isDate)
            {
                return reader.TokenType == JsonTokenType.String
                    && DateOnly.TryParseExact(reader.GetString(), LedgerEntry.EffectiveDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                    ? parsed
                    : null;
            }

            reader.Skip();
        }

        return null;
    }

    private async Task<List<EventRow>> ReadCandidatesAsync(NpgsqlConnection connection, long afterSeq, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select seq_id, id, stream_id::text, version, type, timestamp, data::text
            from {storage.Table(MartenTables.Events)} where seq_id > @after order by seq_id limit @limit
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

    /// <summary>
    /// Step 3 of the design: waits until every client transaction open now has ended (true: every hole up to the
    /// candidates read before is decided). Returns false early when the first hole, <paramref name="head"/>, becomes
    /// visible meanwhile: its writer committed, so integration can go on without waiting for the slowest transaction
    /// (under load some transaction is always long; the next hole starts a new wait with a new set).
    /// </summary>
    private async Task<bool> WaitForTransactionsInFlightAsync(NpgsqlConnection connection, long head, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        string[] inFlight;
        await using (var capture = new NpgsqlCommand("""
            select coalesce(array_agg(l.virtualxid), '{}') from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'virtualxid' and l.pid <> pg_backend_pid() and a.backend_type = 'client backend' and a.datname = current_database()
            """, connection))
        {
            inFlight = (string[])(await capture.ExecuteScalarAsync(ct))!;
        }

        var decided = true;
        while (inFlight.Length > 0)
        {
            await using var check = new NpgsqlCommand($$"""
                select coalesce((select array_agg(virtualxid) from pg_locks where locktype = 'virtualxid' and virtualxid = any(@ids)), '{}'),
                       exists (select 1 from {{storage.Table(MartenTables.Events)}} where seq_id = @head)
                """, connection);
            check.Parameters.AddWithValue("ids", inFlight);
            check.Parameters.AddWithValue("head", head);
            await using (var reader = await check.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                inFlight = reader.GetFieldValue<string[]>(0);
                if (inFlight.Length > 0 && reader.GetBoolean(1))
                {
                    decided = false;
                    break;
                }
            }

            if (inFlight.Length > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), time, ct);
            }
        }

        var waited = Stopwatch.GetElapsedTime(started);
        Interlocked.Increment(ref holeWaits);
        Interlocked.Add(ref holeWaitTicks, waited.Ticks);
        if (waited.Ticks > Interlocked.Read(ref longestHoleWaitTicks))
        {
            Interlocked.Exchange(ref longestHoleWaitTicks, waited.Ticks);
        }

        stages?.Record(decided ? "(ledger) hole_wait" : "(ledger) hole_wait_filled", (long)waited.TotalMicroseconds);
        if (waited > TimeSpan.FromSeconds(1))
        {
            logger.LogWarning("Ledger sequencer waited {Seconds:F1} s at a hole for transactions that were open then", waited.TotalSeconds);
        }

        return decided;
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
