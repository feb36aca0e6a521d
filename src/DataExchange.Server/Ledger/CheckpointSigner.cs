using System.Text.Json;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Receipts;
using DataExchange.Ledger.Signing;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>
/// The only code that signs checkpoints, run by the sequencer leader. It keeps its own state outside PostgreSQL
/// (<see cref="SignerStore"/>) and signs a tree only when <see cref="LogExtension.Decide"/> proves, from leaf hashes it
/// computed itself, that the tree extends the last one it signed and that the stored tree agrees. On resume (every time
/// this process becomes the leader) it re-verifies the stored log against its state: the leaves added since, rebuilt
/// from their event rows, every stored checkpoint against its own record, and the stored peaks. Any disagreement stops
/// it for good (<see cref="LedgerIntegrity"/>), with the facts logged and kept as evidence.
/// </summary>
public sealed class CheckpointSigner(
    LedgerStorage storage, LedgerSigning signing, LedgerIntegrity integrity, ServerSettings settings, TimeProvider time, ILogger<CheckpointSigner> logger,
    Diagnostics.ExchangeMetrics metrics)
{
    private const int ResumePage = 5000;
    private readonly LedgerSettings ledger = settings.Ledger;
    private readonly IHasher hasher = TreeHasher.For(settings.Ledger.HashAlgorithm);
    private readonly SignerStore store = new(settings.DataDirectory, settings.Ledger.Origin);
    private readonly List<SequencedLeaf> pending = [];
    private readonly Lock gate = new();
    private SignerState? state;
    private LeafHashRecord record = new();
    private StreamHeadMap heads = new(TreeHasher.For(settings.Ledger.HashAlgorithm));
    private long requestedSize;
    private TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StoredCheckpoint? latest;

    /// <summary>True while this process's signer has resumed and not refused: checkpoints may be asked of it.</summary>
    public bool IsActive { get; private set; }

    /// <summary>The last checkpoint this process signed (or found signed on resume), null before resume.</summary>
    public StoredCheckpoint? Latest { get { lock (gate) { return latest; } } }

    /// <summary>Completes when this process publishes its next checkpoint (the witness pusher waits on it).</summary>
    public Task NextPublished { get { lock (gate) { return published.Task; } } }

    /// <summary>Size of the last signed tree; 0 before resume.</summary>
    public long SignedSize => state?.Size ?? 0;

    /// <summary>Completes when a caller asks for a checkpoint; the sequencer waits on it between polls.</summary>
    public Task WakeTask { get { lock (gate) { return wake.Task; } } }

    /// <summary>Re-arms <see cref="WakeTask"/> (the sequencer calls this before each look at the log).</summary>
    public void ResetWake()
    {
        lock (gate)
        {
            if (wake.Task.IsCompleted)
            {
                wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>True when a caller waits for a checkpoint that a tree of <paramref name="size"/> leaves satisfies.</summary>
    public bool IsRequested(long size)
    {
        lock (gate)
        {
            return requestedSize > SignedSize && size >= requestedSize;
        }
    }

    /// <summary>A signed checkpoint of at least <paramref name="size"/> leaves, asking the sequencer to sign one as soon as it has them.</summary>
    public async Task<StoredCheckpoint> WaitForAsync(long size, CancellationToken ct)
    {
        while (true)
        {
            Task next;
            lock (gate)
            {
                if (latest is { } l && l.Size >= size)
                {
                    return l;
                }

                requestedSize = Math.Max(requestedSize, size);
                wake.TrySetResult();
                next = published.Task;
            }

            await next.WaitAsync(ct);
        }
    }

    /// <summary>
    /// Loads the signer's state, verifies the stored log against it and signs what was integrated since; returns the
    /// verified tree for the sequencer to extend (never the stored peaks) and the sequencer's high-water mark.
    /// </summary>
    public async Task<(CompactRange Range, long LastSeqId)> ResumeAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var resuming = System.Diagnostics.Stopwatch.StartNew();
        pending.Clear();
        SignerState loaded;
        try
        {
            (loaded, record, var existed) = store.Load(ledger.Origin, ledger.HashAlgorithm);
            if (!existed)
            {
                logger.LogWarning("The ledger signer has no state in {Folder}: verifying the whole stored log from its events before signing", store.Directory);
            }
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            throw Refuse(new IntegrityViolation(ViolationKind.SignerRecordCorrupt, $"the signer's own state cannot be read: {e.Message}"), null);
        }

        state = loaded;
        // Checked after the checks below, whose findings name rollbacks and forks more precisely.
        (heads, var headsViolation) = await RebuildStreamHeadsAsync(connection, loaded, ct);
        var headsRebuilt = resuming.Elapsed;
        await LoadExchangeKeysAsync(ct);
        var checkpoints = await ReadCheckpointRowsAsync(connection, 0, ct);
        if (LogExtension.CheckRecord(loaded, record, checkpoints, SignedBySigner) is { } recordViolation)
        {
            throw Refuse(recordViolation, checkpoints.FirstOrDefault(c => c.RowSize == recordViolation.TreeSize)?.Note);
        }

        if (loaded.Note is { } lastNote && !checkpoints.Any(c => c.RowSize == loaded.Size))
        {
            // The signer's own latest note is authentic whatever happened to the rows: filing it again (whether or not
            // the checks below pass) gives every auditor the signed root that a rewrite must contradict.
            logger.LogWarning("The latest checkpoint the signer signed (size {Size}) is missing from the database; filing it again", loaded.Size);
            SetLatest(await PublishAsync(loaded.Size, loaded.Root, lastNote, loaded.SignedAt ?? time.GetUtcNow(), ct));
            checkpoints = await ReadCheckpointRowsAsync(connection, 0, ct);
        }

        var stored = await storage.ReadStateAsync(connection, ct);
        await using (var mark = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {storage.Table("ledger_leaves")}", connection))
        {
            // The sequencer resumes after ledger_state.last_seq_id: moved up it would skip committed events, moved down it
            // would log them twice. It is always the last leaf's event (late arrivals lie below it).
            var lastLogged = (long)(await mark.ExecuteScalarAsync(ct))!;
            if (lastLogged != stored.LastSeqId)
            {
                throw Refuse(new IntegrityViolation(ViolationKind.SequenceMarkAltered,
                    $"the sequencer's stored high-water mark is seq_id {stored.LastSeqId}, but the last event in the log is seq_id {lastLogged}: resuming would skip events or log them twice")
                {
                    Expected = lastLogged.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Found = stored.LastSeqId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }, null);
            }
        }

        var range = loaded.ToRange();
        var verified = loaded;
        var newHashes = new List<byte[]>();
        for (var from = loaded.Size; ; from = range.Size)
        {
            var to = Math.Min(stored.Size, from + ResumePage);
            var last = to == stored.Size;
            var tree = new StoredTree(
                stored.Size < loaded.Size ? stored.Size : to,
                await ReadWitnessesAsync(connection, from, to, ct),
                await ReadPeaksAsync(connection, Math.Max(to, stored.Size < loaded.Size ? stored.Size : to), ct),
                checkpoints.Where(c => c.RowSize >= from && (last || c.RowSize <= to)).ToList());
            switch (LogExtension.Decide(verified, tree, SignedBySigner))
            {
                case ExtensionDecision.Refuse refused:
                    throw Refuse(await WithDivergingLeafAsync(connection, refused.Violation, ct), null);
                case ExtensionDecision.Extend extended:
                    range = extended.Range;
                    newHashes.AddRange(extended.NewLeafHashes);
                    if (headsViolation is null)
                    {
                        ApplyToHeads(tree.NewLeaves);
                    }

                    verified = verified with { Size = range.Size, Root = range.Root(), Peaks = range.Peaks };
                    break;
            }

            if (last)
            {
                break;
            }
        }

        if (headsViolation is not null)
        {
            throw Refuse(headsViolation, null);
        }

        if (range.Size > loaded.Size)
        {
            await SignAndPublishAsync(range, newHashes, ct);
        }
        else if (loaded.Note is { } note)
        {
            // Published after the state was saved; a crash in between (or a deleted row) is repaired here.
            SetLatest(await PublishAsync(loaded.Size, loaded.Root, note, loaded.SignedAt ?? time.GetUtcNow(), ct));
        }

        IsActive = true;
        // A takeover waits this long before the log grows again: it reads and re-hashes every signed leaf (measured: ~4 s
        // for 213,814 leaves of ~3.5 KB, bound by reading them, not by hashing).
        logger.LogInformation("Ledger signer resumed at tree size {Size} in {Seconds:F2} s (stored log verified against the signer's own state; every signed leaf re-hashed and the stream-heads map rebuilt in {HeadsSeconds:F2} s)",
            range.Size, resuming.Elapsed.TotalSeconds, headsRebuilt.TotalSeconds);
        return (range, stored.LastSeqId);
    }

    /// <summary>Leaves the sequencer has just stored (built by this process from their event rows): signed with the next checkpoint.</summary>
    public void Add(IReadOnlyList<SequencedLeaf> leaves) => pending.AddRange(leaves);

    /// <summary>Signs the tree the sequencer holds now, if the stored tree extends the signed one with exactly the pending leaves.</summary>
    public async Task<StoredCheckpoint> SignAsync(NpgsqlConnection connection, CompactRange sequencerRange, CancellationToken ct)
    {
        ThrowIfStopped();
        var signed = state ?? throw new InvalidOperationException("The signer has not resumed.");
        var witnesses = pending.Select(l => new LeafWitness(l.LeafIndex, l.LeafBytes, l.LeafHash, l.LeafBytes)).ToList();
        var storedSize = (await storage.ReadStateAsync(connection, ct)).Size;
        var tree = new StoredTree(storedSize, witnesses, await ReadPeaksAsync(connection, storedSize, ct), await ReadCheckpointRowsAsync(connection, signed.Size, ct));
        switch (LogExtension.Decide(signed, tree, SignedBySigner))
        {
            case ExtensionDecision.Refuse refused:
                throw Refuse(await WithDivergingLeafAsync(connection, refused.Violation, ct), null);
            case ExtensionDecision.Extend extended:
                if (!extended.Root.AsSpan().SequenceEqual(sequencerRange.Root()))
                {
                    throw Refuse(new IntegrityViolation(ViolationKind.SignerRecordCorrupt,
                        $"the sequencer's tree of size {sequencerRange.Size} and the signer's disagree") { TreeSize = sequencerRange.Size }, null);
                }

                ApplyToHeads(witnesses);
                pending.Clear();
                return await SignAndPublishAsync(extended.Range, extended.NewLeafHashes, ct);
            default:
                throw new InvalidOperationException("unreachable");
        }
    }

    private async Task<StoredCheckpoint> SignAndPublishAsync(CompactRange range, IReadOnlyList<byte[]> newHashes, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var previous = state!;
        foreach (var hash in newHashes)
        {
            record.Append(hash);
        }

        var now = time.GetUtcNow();
        var root = range.Root();
        if (heads.LogSize != range.Size)
        {
            throw new InvalidOperationException($"The stream-heads map is of {heads.LogSize} leaves, the tree to sign of {range.Size}.");
        }

        var note = signing.Sign(ledger.Origin, range.Size, root, heads.Commitment());
        var next = previous.Advance(range, note, now);
        store.Save(next, record, previous.Size); // durable before anyone can see the signature
        state = next;
        var published = SetLatest(await PublishAsync(range.Size, root, note, now, ct));
        metrics.CheckpointSigned(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return published;
    }

    /// <summary>Moves the stream-heads map over leaves the signer has just verified (their rebuilt bytes).</summary>
    private void ApplyToHeads(IReadOnlyList<LeafWitness> verified)
    {
        foreach (var leaf in verified)
        {
            heads.Apply(LedgerEntry.Parse(leaf.EventLeaf!));
        }
    }

    /// <summary>
    /// The stream-heads map of the signed tree, rebuilt from the stored leaves, each checked against the signer's own
    /// record of leaf hashes (so a stored leaf changed since it was signed stops the signer here, named), and checked
    /// against the map root the signer's last note states.
    /// </summary>
    private async Task<(StreamHeadMap, IntegrityViolation?)> RebuildStreamHeadsAsync(NpgsqlConnection connection, SignerState signed, CancellationToken ct)
    {
        var map = new StreamHeadMap(hasher);
        var hash = new byte[hasher.HashSize];
        for (long from = 0; from < signed.Size; from += ResumePage)
        {
            var to = Math.Min(signed.Size, from + ResumePage);
            await using var command = new NpgsqlCommand(
                $"select leaf_index, leaf_bytes from {storage.Table("ledger_leaves")} where leaf_index >= @from and leaf_index < @to order by leaf_index", connection);
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", to);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var index = reader.GetInt64(0);
                var bytes = (byte[])reader[1];
                if (index != map.LogSize)
                {
                    return (map, new IntegrityViolation(ViolationKind.LeafMissing, $"signed leaf {map.LogSize} is missing from the database")
                    {
                        LeafIndex = map.LogSize,
                        TreeSize = signed.Size,
                    });
                }

                hasher.HashLeaf(bytes, hash);
                if (!hash.AsSpan().SequenceEqual(record[index]))
                {
                    return (map, new IntegrityViolation(ViolationKind.LeafAltered,
                        $"stored leaf {index} differs from the leaf the signer signed; the first stored leaf that differs from what was signed is {index}")
                    {
                        LeafIndex = index,
                        TreeSize = signed.Size,
                        Expected = Convert.ToHexStringLower(record[index]),
                        Found = Convert.ToHexStringLower(hash),
                    });
                }

                map.Apply(LedgerEntry.Parse(bytes));
            }

            if (map.LogSize != to)
            {
                return (map, new IntegrityViolation(ViolationKind.LeafMissing, $"signed leaf {map.LogSize} is missing from the database")
                {
                    LeafIndex = map.LogSize,
                    TreeSize = signed.Size,
                });
            }
        }

        if (signed.Note is { } note && StreamHeadsCommitment.OfNote(note) is { } stated && !stated.Root.AsSpan().SequenceEqual(map.Root()))
        {
            return (map, new IntegrityViolation(ViolationKind.SignerRecordCorrupt,
                "the stream-heads map rebuilt from the signed leaves differs from the one the signer's last checkpoint states") { TreeSize = signed.Size });
        }

        return (map, null);
    }

    /// <summary>
    /// While no leaves arrive: the stored tree must still be the signed one (its peaks and the latest checkpoint row);
    /// a missing latest row is filed again from the signer's state.
    /// </summary>
    public async Task CheckIdleAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        ThrowIfStopped();
        var signed = state ?? throw new InvalidOperationException("The signer has not resumed.");
        var storedSize = (await storage.ReadStateAsync(connection, ct)).Size;
        var rows = await ReadCheckpointRowsAsync(connection, signed.Size, ct);
        if (LogExtension.Decide(signed, new StoredTree(storedSize, [], await ReadPeaksAsync(connection, storedSize, ct), rows), SignedBySigner)
            is ExtensionDecision.Refuse refused)
        {
            throw Refuse(await WithDivergingLeafAsync(connection, refused.Violation, ct), null);
        }

        if (signed.Note is { } note && signed.Size > 0 && !rows.Any(r => r.RowSize == signed.Size))
        {
            logger.LogWarning("The latest checkpoint row (size {Size}) was missing from the database; filed again from the signer's state", signed.Size);
            SetLatest(await PublishAsync(signed.Size, signed.Root, note, signed.SignedAt ?? time.GetUtcNow(), ct));
        }
    }

    /// <summary>Stops the ledger for a disagreement found elsewhere (a served proof that does not reach the signed root).</summary>
    public LedgerIntegrityException Stop(IntegrityViolation violation) => integrity.Violation is { } earlier ? new LedgerIntegrityException(earlier) : Refuse(violation, null);

    private void ThrowIfStopped()
    {
        if (integrity.Violation is { } v)
        {
            throw new LedgerIntegrityException(v);
        }
    }

    /// <summary>Stops serving signatures from this process (the sequencer lost or gave up leadership).</summary>
    public void Deactivate() => IsActive = false;

    private StoredCheckpoint SetLatest(StoredCheckpoint checkpoint)
    {
        lock (gate)
        {
            latest = checkpoint;
            var done = published;
            published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done.TrySetResult();
        }

        return checkpoint;
    }

    private async Task<StoredCheckpoint> PublishAsync(long size, byte[] root, string note, DateTimeOffset at, CancellationToken ct)
    {
        var stored = await storage.InsertCheckpointAsync(size, root, note, at, ct);
        if (stored.Note != note && !NoteStatesRoot(stored.Note, root))
        {
            // Someone filed another note under this size before us: never two roots for one size. A fork only if the
            // signer's key signed that note for this very size; a note of another size filed here is a forged row.
            var forked = PublishedCheckpoint.FromRow(size, stored.Note).Stated is { } stated && stated.Size == size && SignedBySigner(stored.Note);
            throw Refuse(new IntegrityViolation(forked ? ViolationKind.ForkedCheckpoint : ViolationKind.CheckpointForged,
                $"the database already holds another checkpoint of size {size}") { TreeSize = size, ConflictingNote = stored.Note }, null);
        }

        return stored.Note == note ? stored : stored with { Note = note, Root = root };
    }

    private static bool NoteStatesRoot(string note, byte[] root) =>
        PublishedCheckpoint.FromRow(0, note).Stated is { } stated && stated.RootHash.AsSpan().SequenceEqual(root);

    /// <summary>
    /// The exchange's keys: the signer's own and every key published in ledger_keys (retired keys signed older
    /// checkpoints). A key added to that table by an intruder only lets the intruder's notes count as the exchange's
    /// for this check, which makes a conflicting one a fork instead of a forgery: refused either way.
    /// </summary>
    private IReadOnlyList<INoteVerifier> exchangeKeys = [];

    private bool SignedBySigner(string note) => SignedNote.Verify(note, exchangeKeys).IsValid;

    private async Task LoadExchangeKeysAsync(CancellationToken ct)
    {
        var keys = new List<INoteVerifier> { signing.Sm2.Verifier, signing.Ed25519.Verifier };
        foreach (var key in await storage.ReadKeysAsync(ct))
        {
            try
            {
                var verifier = NoteKeys.ParseVerifierKey(key.VerifierKey);
                if (!keys.Any(k => k.KeyName == verifier.KeyName && k.KeyId == verifier.KeyId))
                {
                    keys.Add(verifier);
                }
            }
            catch (FormatException)
            {
                // An unreadable published key verifies nothing.
            }
        }

        exchangeKeys = keys;
    }

    /// <summary>Stops the ledger: logs the facts, keeps them as evidence, and returns the exception that ends the sequencer.</summary>
    private LedgerIntegrityException Refuse(IntegrityViolation violation, string? conflictingNote)
    {
        violation = conflictingNote is not null && violation.ConflictingNote is null ? violation with { ConflictingNote = conflictingNote } : violation;
        var evidence = JsonSerializer.Serialize(new
        {
            violation = violation.Code,
            message = violation.Message,
            leaf_index = violation.LeafIndex,
            node = violation.Node?.ToString(),
            tree_size = violation.TreeSize,
            expected = violation.Expected,
            found = violation.Found,
            conflicting_note = violation.ConflictingNote,
            last_signed_size = state?.Size,
            last_signed_root = state is null ? null : Convert.ToHexStringLower(state.Root),
            last_signed_note = state?.Note,
            detected_at = time.GetUtcNow(),
        }, new JsonSerializerOptions { WriteIndented = true });
        string? path = null;
        try
        {
            path = store.WriteEvidence(evidence, time.GetUtcNow());
        }
        catch (IOException e)
        {
            logger.LogError(e, "Could not keep the ledger integrity evidence on disk");
        }

        logger.LogCritical("LEDGER INTEGRITY FAILURE: {Code}: {Message}. Signing stopped. Evidence ({Path}): {Evidence}", violation.Code, violation.Message, path, evidence);
        integrity.Fail(violation, path);
        IsActive = false;
        var failure = new LedgerIntegrityException(violation);
        lock (gate)
        {
            published.TrySetException(failure);
        }

        return failure;
    }

    /// <summary>For a violation in what was already signed, the first stored leaf whose hash differs from the signer's record.</summary>
    private async Task<IntegrityViolation> WithDivergingLeafAsync(NpgsqlConnection connection, IntegrityViolation violation, CancellationToken ct)
    {
        var signedSize = state?.Size ?? 0;
        var (from, to) = violation switch
        {
            { Kind: ViolationKind.NodeAltered, Node: { } node } => (node.FirstLeaf, Math.Min(node.EndLeaf, signedSize)),
            { Kind: ViolationKind.LogRolledBack } => (0L, signedSize),
            _ => (0L, 0L),
        };
        if (from >= to)
        {
            return violation;
        }

        var leaves = new List<(long, byte[])>();
        await using (var command = new NpgsqlCommand(
            $"select leaf_index, leaf_bytes from {storage.Table("ledger_leaves")} where leaf_index >= @from and leaf_index < @to order by leaf_index", connection))
        {
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", to);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                leaves.Add((reader.GetInt64(0), (byte[])reader[1]));
            }
        }

        var diverging = LogExtension.FirstDivergingLeaf(hasher, record, leaves, to);
        if (diverging is null && leaves.Count == 0)
        {
            diverging = from;
        }

        return diverging is { } leaf
            ? violation with { LeafIndex = leaf, Message = $"{violation.Message}; the first stored leaf that differs from what was signed is {leaf}" }
            : violation;
    }

    private async Task<List<PublishedCheckpoint>> ReadCheckpointRowsAsync(NpgsqlConnection connection, long fromSize, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select size, note from {storage.Table("ledger_checkpoints")} where size >= @s order by size", connection);
        command.Parameters.AddWithValue("s", fromSize);
        var rows = new List<PublishedCheckpoint>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(PublishedCheckpoint.FromRow(reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }

    private async Task<List<MerkleNode>> ReadPeaksAsync(NpgsqlConnection connection, long size, CancellationToken ct) =>
        (await storage.ReadNodesAsync(connection, CompactRange.PeakIds(size), ct)).Select(n => new MerkleNode(n.Key, n.Value)).ToList();

    /// <summary>Stored leaves [from, to) with the leaf each one's event row gives now (rebuilt as the sequencer builds it).</summary>
    private async Task<List<LeafWitness>> ReadWitnessesAsync(NpgsqlConnection connection, long from, long to, CancellationToken ct)
    {
        var witnesses = new List<LeafWitness>();
        if (from >= to)
        {
            return witnesses;
        }

        await using var command = new NpgsqlCommand($"""
            select l.leaf_index, l.leaf_bytes, l.leaf_hash, e.id, e.stream_id::text, e.version, e.type, e.timestamp, e.data::text
            from {storage.Table("ledger_leaves")} l left join {storage.Table(MartenTables.Events)} e on e.seq_id = l.seq_id
            where l.leaf_index >= @from and l.leaf_index < @to order by l.leaf_index
            """, connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var index = reader.GetInt64(0);
            byte[]? eventLeaf = null;
            if (!reader.IsDBNull(3))
            {
                try
                {
                    eventLeaf = LedgerSequencer.ToEntry(ledger.HashAlgorithm, index, reader.GetString(4), reader.GetInt64(5), reader.GetGuid(3), reader.GetString(6),
                        reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8)).ToCanonicalBytes();
                }
                catch (Exception e) when (e is DataExchange.Ledger.Canonical.JsonCanonicalizationException or JsonException or FormatException or ArgumentException)
                {
                    // An event row that no longer makes a leaf cannot match the stored one: reported as altered.
                    eventLeaf = [];
                }
            }

            witnesses.Add(new LeafWitness(index, (byte[])reader[1], (byte[])reader[2], eventLeaf));
        }

        return witnesses;
    }
}
