using System.Text;
using DataExchange.Domain.Common;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Receipts;
using DataExchange.Ledger.Signing;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Ledger;

public sealed class LedgerGrpcService(
    LedgerStorage storage, Checkpointer checkpointer, ServedProofGuard guard, LedgerSigning signing,
    StreamHeadIndex streamHeads, LedgerReadPolicy policy, LedgerStreams streams, ServerSettings settings,
    CheckpointCosignatures cosignatures, WitnessRoster witnesses)
    : V1.LedgerService.LedgerServiceBase
{
    private readonly LedgerSettings ledger = settings.Ledger;
    private readonly IHasher hasher = TreeHasher.For(settings.Ledger.HashAlgorithm);

    private V1.HashAlgorithm HashAlgorithm => ledger.HashAlgorithm == LogHashAlgorithm.Sm3 ? V1.HashAlgorithm.Sm3 : V1.HashAlgorithm.Sha256;

    public override async Task<V1.SignedCheckpoint> GetCheckpoint(V1.GetCheckpointRequest request, ServerCallContext context)
    {
        new RequestValidator()
            .Check(request.MinTreeSize >= 0, "min_tree_size", "must not be negative")
            .Check(!(request.Fresh && request.MinTreeSize > 0), "fresh", "cannot be combined with min_tree_size")
            .ThrowIfInvalid();
        var ct = context.CancellationToken;
        if (request.Fresh)
        {
            if (context.Caller().IsAnonymous())
            {
                // Signing on demand costs the exchange a signature per call: callers with a token only.
                throw RpcErrors.Unauthenticated("FRESH_CHECKPOINT_NEEDS_TOKEN",
                    "A fresh checkpoint is signed on demand for callers with a token; without one, ask for the latest.");
            }

            return await ToProtoAsync(await checkpointer.IssueFreshAsync(ct) ?? throw NoCheckpoint(), ct);
        }

        if (request.MinTreeSize == 0)
        {
            return await ToProtoAsync(await storage.LatestCheckpointAsync(ct) ?? throw NoCheckpoint(), ct);
        }

        await RequireWithinLogAsync(request.MinTreeSize, "min_tree_size", ct);
        return await ToProtoAsync(await storage.SmallestCheckpointCoveringAsync(request.MinTreeSize, ct) ?? throw NoCheckpoint(), ct);
    }

    public override async Task<V1.InclusionProof> GetInclusionProof(V1.GetInclusionProofRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Check(request.TreeSize >= 0, "tree_size", "must not be negative");
        var eventId = Guid.Empty;
        switch (request.LeafCase)
        {
            case V1.GetInclusionProofRequest.LeafOneofCase.LeafIndex:
                v.Check(request.LeafIndex >= 0, "leaf_index", "must not be negative");
                break;
            case V1.GetInclusionProofRequest.LeafOneofCase.EventId:
                v.Check(Guid.TryParseExact(request.EventId, "D", out eventId), "event_id", "must be a UUID such as 0199b0a4-1c2d-7e3f-8a4b-5c6d7e8f9a0b");
                break;
            default:
                v.Check(false, "leaf", "give leaf_index or event_id");
                break;
        }

        v.ThrowIfInvalid();
        var ct = context.CancellationToken;
        var (treeSize, checkpoint) = await ResolveTreeSizeAsync(request.TreeSize, "tree_size", ct);
        StoredLeaf leaf;
        if (request.LeafCase == V1.GetInclusionProofRequest.LeafOneofCase.EventId)
        {
            leaf = await storage.ReadLeafByEventIdAsync(eventId, ct) ?? throw NotFound("LEAF_NOT_FOUND", $"No leaf records event {eventId} (yet).", "event_id", request.EventId);
        }
        else
        {
            leaf = (await storage.ReadLeavesAsync(request.LeafIndex, request.LeafIndex + 1, 1, ct)).FirstOrDefault()
                ?? throw NotFound("LEAF_NOT_FOUND", $"The log has no leaf {request.LeafIndex} (yet).", "leaf_index", request.LeafIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (leaf.LeafIndex >= treeSize)
        {
            throw RpcErrors.Create(Google.Rpc.Code.FailedPrecondition, "LEAF_NOT_IN_TREE",
                $"Leaf {leaf.LeafIndex} is not in the tree of size {treeSize}; ask for a larger tree size.",
                new Dictionary<string, string> { ["leaf_index"] = leaf.LeafIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), ["tree_size"] = treeSize.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        var proof = await guard.AssembleAsync(() => storage.ProofAsync(hasher, ProofPlanner.InclusionPlan(leaf.LeafIndex, treeSize), ct), treeSize);
        // Everyone may have the path and the leaf hash; the leaf's metadata only who may see its stream.
        var entry = await policy.EntryForAsync(context.Caller(), ToProto(leaf, withPayload: false),
            request.LeafCase == V1.GetInclusionProofRequest.LeafOneofCase.EventId, ct);
        var response = new V1.InclusionProof
        {
            Entry = entry,
            TreeSize = treeSize,
            Hashes = { proof.Select(ByteString.CopyFrom) },
            HashAlgorithm = HashAlgorithm,
        };
        if ((checkpoint ?? await storage.CheckpointOfSizeAsync(treeSize, ct)) is { } signed)
        {
            guard.Inclusion(leaf.LeafIndex, leaf.LeafBytes, proof, signed);
            response.Checkpoint = await ToProtoAsync(signed, ct);
        }

        return response;
    }

    public override async Task<V1.ConsistencyProof> GetConsistencyProof(V1.GetConsistencyProofRequest request, ServerCallContext context)
    {
        new RequestValidator()
            .Check(request.FirstTreeSize >= 1, "first_tree_size", "must be at least 1")
            .Check(request.SecondTreeSize >= 0, "second_tree_size", "must not be negative")
            .Check(request.SecondTreeSize <= 0 || request.SecondTreeSize >= request.FirstTreeSize, "second_tree_size", "must be at least first_tree_size")
            .ThrowIfInvalid();
        var ct = context.CancellationToken;
        var (second, checkpoint) = await ResolveTreeSizeAsync(request.SecondTreeSize, "second_tree_size", ct);
        if (request.FirstTreeSize > second)
        {
            throw RpcErrors.Create(Google.Rpc.Code.FailedPrecondition, "TREE_SIZE_ORDER",
                $"first_tree_size {request.FirstTreeSize} is larger than the latest checkpoint's size {second}.");
        }

        var proof = await guard.AssembleAsync(() => storage.ProofAsync(hasher, ProofPlanner.ConsistencyPlan(request.FirstTreeSize, second), ct), second);
        var response = new V1.ConsistencyProof
        {
            FirstTreeSize = request.FirstTreeSize,
            SecondTreeSize = second,
            Hashes = { proof.Select(ByteString.CopyFrom) },
            HashAlgorithm = HashAlgorithm,
        };
        if ((checkpoint ?? await storage.CheckpointOfSizeAsync(second, ct)) is { } signed)
        {
            if (await storage.CheckpointOfSizeAsync(request.FirstTreeSize, ct) is { } first)
            {
                guard.Consistency(first, signed, proof);
            }

            response.Checkpoint = await ToProtoAsync(signed, ct);
        }

        return response;
    }

    public override async Task<V1.ListEntriesResponse> ListEntries(V1.ListEntriesRequest request, ServerCallContext context)
    {
        new RequestValidator().PageSize(request.PageSize)
            .Check(request.StartLeafIndex >= 0, "start_leaf_index", "must not be negative")
            .ThrowIfInvalid();
        policy.RequireWholeLog(context.Caller());
        var fingerprint = Paging.Fingerprint("ledger", request.StartLeafIndex);
        var from = Paging.AfterPosition(request.PageToken, fingerprint) is { } after ? after + 1 : request.StartLeafIndex;
        var size = Paging.Size(request.PageSize);
        var leaves = await storage.ReadLeavesAsync(from, long.MaxValue, size + 1, context.CancellationToken);
        var response = new V1.ListEntriesResponse { Entries = { leaves.Take(size).Select(l => ToProto(l, withPayload: true)) } };
        if (leaves.Count > size)
        {
            response.NextPageToken = Paging.NextToken(leaves[size - 1].LeafIndex, fingerprint);
        }

        return response;
    }

    public override async Task StreamEntries(V1.StreamEntriesRequest request, IServerStreamWriter<V1.LogEntry> responseStream, ServerCallContext context)
    {
        var (from, end) = await ValidateStreamAsync(request.StartLeafIndex, request.TreeSize, context);
        var progress = streams.Start(nameof(StreamEntries));
        try
        {
            await foreach (var page in ReadPagesAsync(from, end, progress, context.CancellationToken))
            {
                foreach (var leaf in page)
                {
                    var entry = ToProto(leaf, withPayload: true);
                    await progress.WriteAsync(() => responseStream.WriteAsync(entry, context.CancellationToken), 1, SizeOf(leaf));
                }
            }
        }
        finally
        {
            streams.End(progress);
        }
    }

    public override async Task StreamEntryBatches(V1.StreamEntryBatchesRequest request, IServerStreamWriter<V1.StreamEntryBatchesResponse> responseStream,
        ServerCallContext context)
    {
        var (from, end) = await ValidateStreamAsync(request.StartLeafIndex, request.TreeSize, context,
            v => v.Check(request.MaxBatchSize is >= 0 and <= MaxBatchEntries, "max_batch_size", $"must be between 0 and {MaxBatchEntries}"));
        var limit = request.MaxBatchSize == 0 ? DefaultBatchEntries : request.MaxBatchSize;
        var view = request.View == V1.LogEntryView.Basic ? V1.LogEntryView.Basic : V1.LogEntryView.Full;
        var progress = streams.Start(nameof(StreamEntryBatches));
        try
        {
            var batch = new V1.StreamEntryBatchesResponse { View = view };
            var bytes = 0;
            long held = 0;
            Task Send()
            {
                var message = batch;
                var (count, size) = (message.Entries.Count, held);
                batch = new V1.StreamEntryBatchesResponse { View = view };
                bytes = 0;
                held = 0;
                return progress.WriteAsync(() => responseStream.WriteAsync(message, context.CancellationToken), count, size);
            }

            await foreach (var page in ReadPagesAsync(from, end, progress, context.CancellationToken))
            {
                foreach (var leaf in page)
                {
                    var entry = view == V1.LogEntryView.Basic ? ToBasicProto(leaf) : ToProto(leaf, withPayload: true);
                    batch.Entries.Add(entry);
                    held += SizeOf(leaf);
                    // A rough size (leaf, payload, decoded fields): keeps messages far below gRPC's 4 MiB default limit.
                    bytes += entry.Leaf.Length + entry.Payload.Length + 256;
                    if (batch.Entries.Count >= limit || bytes >= BatchBytes)
                    {
                        await Send();
                    }
                }
            }

            if (batch.Entries.Count > 0)
            {
                await Send();
            }
        }
        finally
        {
            streams.End(progress);
        }
    }

    private const int DefaultBatchEntries = 1000;
    private const int MaxBatchEntries = 10_000;
    /// <summary>Serialized size at which a batch is sent: small enough that a stalled stream holds little (see LedgerStreams).</summary>
    private const int BatchBytes = 256 * 1024;

    private async Task<(long From, long End)> ValidateStreamAsync(long start, long treeSize, ServerCallContext context, Action<RequestValidator>? more = null)
    {
        var v = new RequestValidator()
            .Check(start >= 0, "start_leaf_index", "must not be negative")
            .Check(treeSize >= 0, "tree_size", "must not be negative")
            .Check(treeSize == 0 || start <= treeSize, "start_leaf_index", "must not be beyond tree_size");
        more?.Invoke(v);
        v.ThrowIfInvalid();
        policy.RequireWholeLog(context.Caller());
        var integrated = (await storage.ReadStateAsync(null, context.CancellationToken)).Size;
        var end = treeSize == 0 ? integrated : treeSize;
        if (end > integrated)
        {
            throw BeyondLog("tree_size", end, integrated);
        }

        return (start, end);
    }

    /// <summary>A leaf's approximate size in memory: its bytes, its payload (UTF-8) and the objects around them.</summary>
    private static long SizeOf(StoredLeaf leaf) => leaf.LeafBytes.Length + (leaf.Payload?.Length ?? 0) + 160;

    /// <summary>
    /// Leaves [from, end) in pages of about <see cref="LedgerStreams.PageBytes"/>, one range of leaf indexes each (the
    /// next page's length follows the last page's mean leaf size); the next page is read while the caller converts and
    /// sends the current one, so the database and the stream overlap, and no more than two pages are ever held. A page
    /// is a range of indexes, not "the next n rows": a leaf row missing from the table leaves a gap the audit names.
    /// </summary>
    private async IAsyncEnumerable<IReadOnlyList<StoredLeaf>> ReadPagesAsync(long from, long end, StreamProgress progress,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (from >= end)
        {
            yield break;
        }

        async Task<IReadOnlyList<StoredLeaf>> Read(long start, long stop)
        {
            progress.BeginRead();
            var leaves = await storage.ReadLeafRangeAsync(start, stop, ct);
            progress.Read(leaves.Count, leaves.Sum(SizeOf));
            return leaves;
        }

        var stop = Math.Min(end, from + 64);
        var next = Read(from, stop);
        while (true)
        {
            var page = await next;
            var length = stop - from;
            from = stop;
            if (from >= end)
            {
                if (page.Count > 0)
                {
                    yield return page;
                }

                yield break;
            }

            var limit = page.Count == 0
                ? length
                : Math.Clamp(LedgerStreams.PageBytes * page.Count / Math.Max(1, page.Sum(SizeOf)), LedgerStreams.MinPageLeaves, LedgerStreams.MaxPageLeaves);
            stop = Math.Min(end, from + limit);
            next = Read(from, stop);
            if (page.Count > 0)
            {
                yield return page;
            }
        }
    }

    public override async Task<V1.ListSigningKeysResponse> ListSigningKeys(V1.ListSigningKeysRequest request, ServerCallContext context)
    {
        var response = new V1.ListSigningKeysResponse();
        response.Keys.AddRange(await PublishedKeysAsync(context.CancellationToken));
        return response;
    }

    public override async Task<V1.ListWitnessesResponse> ListWitnesses(V1.ListWitnessesRequest request, ServerCallContext context)
    {
        var latest = await storage.LatestCheckpointAsync(context.CancellationToken);
        var response = new V1.ListWitnessesResponse { Quorum = witnesses.Quorum, LatestTreeSize = latest?.Size ?? 0 };
        // Without a token: which witnesses, their state and what they cosigned; not where they are or what they answered.
        var anonymous = context.Caller().IsAnonymous();
        foreach (var standing in witnesses.Snapshot())
        {
            var witness = new V1.Witness
            {
                KeyName = standing.Witness.Name,
                VerifierKey = standing.Witness.Key.VerifierKey,
                Uri = anonymous ? "" : WithoutUserInfo(standing.Witness.Address),
                State = standing.Status switch
                {
                    WitnessStatus.Current => V1.WitnessState.Current,
                    WitnessStatus.Behind => V1.WitnessState.Behind,
                    WitnessStatus.Unreachable => V1.WitnessState.Unreachable,
                    WitnessStatus.Refusing => V1.WitnessState.Refusing,
                    _ => V1.WitnessState.Pending,
                },
                CosignedTreeSize = standing.CosignedSize,
                LastError = anonymous ? "" : standing.LastError,
            };
            if (witness.State == V1.WitnessState.Current && standing.CosignedSize < response.LatestTreeSize)
            {
                witness.State = V1.WitnessState.Behind; // a newer checkpoint is on its way to it
            }

            if (standing.LastContact is { } at)
            {
                witness.LastContactTime = Timestamp.FromDateTimeOffset(at);
            }

            response.Witnesses.Add(witness);
        }

        return response;
    }

    /// <summary>A witness address as configured, less any user:password in it (never echoed, even to staff).</summary>
    private static string WithoutUserInfo(Uri address) =>
        address.UserInfo.Length == 0 ? address.ToString() : new UriBuilder(address) { UserName = "", Password = "" }.Uri.ToString();

    private async Task<List<V1.SigningKey>> PublishedKeysAsync(CancellationToken ct)
    {
        // Current keys are this server's own, never the table's rows as stored (an intruder could swap in a key of
        // theirs); the table only supplies when each took over, and the retired keys.
        var stored = await storage.ReadKeysAsync(ct);
        return stored.Where(k => k.ValidUntilSize is not null)
            .Concat(signing.PublicKeys.Select(own => own with
            {
                ValidFromSize = stored.FirstOrDefault(k => k.Name == own.Name && k.KeyId == own.KeyId && k.ValidUntilSize is null)?.ValidFromSize ?? 0,
            }))
            .OrderBy(k => k.ValidFromSize).ThenBy(k => k.Name).ThenBy(k => k.KeyId)
            .Select(k => new V1.SigningKey
            {
                KeyName = k.Name,
                KeyId = k.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture),
                Type = k.Type == LedgerStorage.KeyTypeSm2 ? V1.SigningKeyType.Sm2Sm3 : V1.SigningKeyType.Ed25519,
                PublicKeyPem = k.PublicKeyPem,
                VerifierKey = k.VerifierKey,
                ValidFromTreeSize = k.ValidFromSize,
                ValidUntilTreeSize = k.ValidUntilSize ?? 0,
            })
            .ToList();
    }

    public override async Task<V1.TradeReceipt> GetTradeReceipt(V1.GetTradeReceiptRequest request, ServerCallContext context)
    {
        var v = new RequestValidator();
        var tradeId = Guid.Empty;
        switch (request.TradeRefCase)
        {
            case V1.GetTradeReceiptRequest.TradeRefOneofCase.Trade:
                tradeId = ResourceNames.Require(v, request.Trade, "trades", "trade");
                break;
            case V1.GetTradeReceiptRequest.TradeRefOneofCase.FilingNumber:
                v.Text(request.FilingNumber, "filing_number", 100);
                break;
            default:
                v.Check(false, "trade_ref", "give trade (trades/{uuid}) or filing_number");
                break;
        }

        v.ThrowIfInvalid();
        var caller = context.Caller();
        var ct = context.CancellationToken;
        if (request.TradeRefCase == V1.GetTradeReceiptRequest.TradeRefOneofCase.FilingNumber)
        {
            tradeId = await policy.ResolveFilingNumberAsync(request.FilingNumber, caller, ct);
        }

        await policy.RequireReceiptAsync(tradeId, caller, ct);
        var tradeName = $"trades/{tradeId}";
        var streamId = tradeId.ToString("D");
        var leaves = await storage.ReadStreamLeavesAsync(streamId, ct);
        if (leaves.Count == 0)
        {
            throw NotFound("TRADE_NOT_FOUND", $"The ledger has no entries of {tradeName} (yet).", "trade", tradeName);
        }

        // The latest checkpoint when it covers every leaf; otherwise one is signed now. The stream-heads map may move
        // on to a newer checkpoint (it never goes back), and the receipt is then of that one.
        var needed = leaves[^1].LeafIndex + 1;
        var covering = await LatestWithinLogAsync(ct) is { } latest && latest.Size >= needed && StreamHeadsCommitment.OfNote(latest.Note) is not null
            ? latest
            : await checkpointer.IssueFreshAsync(ct) ?? throw NoCheckpoint();
        var head = await streamHeads.ProveAsync(streamId, covering, ct)
            ?? throw new RpcException(new Status(StatusCode.Unavailable, "The latest checkpoint predates stream-heads lines; retry once a new one is signed."));
        var checkpoint = head.Checkpoint;
        if (checkpoint.Size > covering.Size)
        {
            leaves = await storage.ReadStreamLeavesAsync(streamId, ct);
        }

        leaves = [.. leaves.Where(l => l.LeafIndex < checkpoint.Size)];
        if (leaves.Count != head.Head.StreamVersion || leaves[^1].LeafIndex != head.Head.LeafIndex)
        {
            throw LedgerIntegrity.Error(guard.Stop(new IntegrityViolation(ViolationKind.LeafMissing,
                $"the database holds {leaves.Count} leaves of {tradeName} below tree size {checkpoint.Size}, but the signed stream-heads map says {head.Head.StreamVersion}")
            {
                TreeSize = checkpoint.Size,
            }).Violation);
        }

        var receipt = new V1.TradeReceipt
        {
            Format = TradeReceiptVerifier.FormatV1,
            Trade = tradeName,
            Origin = ledger.Origin,
            HashAlgorithm = HashAlgorithm,
            TreeSize = checkpoint.Size,
            // The cosignatures travel as the note's signature lines; the receipt format (v1) has no members for the listing.
            Checkpoint = WithoutWitnessListing(await ToProtoAsync(checkpoint, ct)),
            StreamHead = new V1.StreamHeadProof
            {
                MapSize = head.MapSize,
                Index = head.Index,
                Entry = ByteString.CopyFrom(head.Head.ToCanonicalBytes()),
                Proof = { head.Proof.Select(ByteString.CopyFrom) },
            },
        };
        var events = new List<(string, byte[])>();
        foreach (var leaf in leaves)
        {
            var proof = await guard.AssembleAsync(() => storage.ProofAsync(hasher, ProofPlanner.InclusionPlan(leaf.LeafIndex, checkpoint.Size), ct), checkpoint.Size);
            guard.Inclusion(leaf.LeafIndex, leaf.LeafBytes, proof, checkpoint);
            var entry = ToProto(leaf, withPayload: false);
            var payload = LedgerPayloadOf(leaf, entry);
            entry.Payload = ByteString.CopyFrom(payload);
            events.Add((entry.EventType, payload));
            receipt.Leaves.Add(new V1.ReceiptLeaf { Entry = entry, InclusionProof = { proof.Select(ByteString.CopyFrom) } });
        }

        try
        {
            receipt.Record = Google.Protobuf.JsonParser.Default.Parse<V1.TradeReceiptRecord>(TradeRecordReplay.Replay(streamId, events).ToJsonString());
        }
        catch (ReceiptCheckException e)
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "NOT_A_TRADE_STREAM",
                $"{tradeName} is not the stream of a trade ({e.Field}: {e.Message}).", new Dictionary<string, string> { ["trade"] = tradeName });
        }
        var signers = SignedNote.Parse(checkpoint.Note).Signatures;
        receipt.Keys.AddRange((await PublishedKeysAsync(ct)).Where(k =>
            signers.Any(s => s.KeyName == k.KeyName && s.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) == k.KeyId)));
        return receipt;
    }

    /// <summary>The payload the leaf commits to (its ledger form); an event row changed or deleted since stops the ledger.</summary>
    private byte[] LedgerPayloadOf(StoredLeaf leaf, V1.LogEntry entry)
    {
        byte[]? payload = null;
        try
        {
            payload = leaf.Payload is { } json ? LedgerPayload.Canonical(json) : null;
        }
        catch (JsonCanonicalizationException)
        {
        }

        if (payload is null || LedgerEntry.DigestPayload(ledger.HashAlgorithm, payload) != entry.PayloadDigest)
        {
            throw LedgerIntegrity.Error(guard.Stop(new IntegrityViolation(payload is null ? ViolationKind.EventMissing : ViolationKind.LeafAltered,
                $"the event of leaf {leaf.LeafIndex} is {(payload is null ? "gone or unreadable" : "no longer the payload its leaf commits to")}")
            {
                LeafIndex = leaf.LeafIndex,
            }).Violation);
        }

        return payload;
    }

    private const int MaxCheckpointPage = 1000;

    public override async Task<V1.ListCheckpointsResponse> ListCheckpoints(V1.ListCheckpointsRequest request, ServerCallContext context)
    {
        new RequestValidator()
            .Check(request.PageSize is >= 0 and <= MaxCheckpointPage, "page_size", $"must be between 0 and {MaxCheckpointPage}")
            .ThrowIfInvalid();
        var fingerprint = Paging.Fingerprint("checkpoints");
        var after = Paging.AfterPosition(request.PageToken, fingerprint) ?? -1;
        var size = Paging.Size(request.PageSize);
        var (page, more) = await storage.ReadCheckpointsAsync(after, size, context.CancellationToken);
        var response = new V1.ListCheckpointsResponse { Checkpoints = { (await cosignatures.AttachAsync(page, context.CancellationToken)).Select(ToProto) } };
        if (more)
        {
            response.NextPageToken = Paging.NextToken(page[^1].Size, fingerprint);
        }

        return response;
    }

    public override async Task StreamTreeNodes(V1.StreamTreeNodesRequest request, IServerStreamWriter<V1.StreamTreeNodesResponse> responseStream,
        ServerCallContext context)
    {
        var (from, end) = await ValidateStreamAsync(request.StartLeafIndex, request.TreeSize, context);
        var ct = context.CancellationToken;
        var progress = streams.Start(nameof(StreamTreeNodes));
        const int chunk = LedgerStreams.NodeChunkLeaves;

        // Leaves [from, end) in chunks; each chunk's nodes (about twice as many as leaves) are one query and one message,
        // and the next chunk is read while this one is sent.
        async Task<IReadOnlyList<MerkleNode>> Read(long start)
        {
            progress.BeginRead();
            var stop = Math.Min(end, start + chunk);
            var nodes = await storage.ReadNodesCompletedByAsync(start, stop, ct);
            progress.Read(stop - start, NodeBytes * nodes.Count);
            return nodes;
        }

        try
        {
            var next = from < end ? Read(from) : null;
            for (var start = from; next is not null; start += chunk)
            {
                var nodes = await next;
                var stop = Math.Min(end, start + chunk);
                next = stop < end ? Read(stop) : null;
                var message = new V1.StreamTreeNodesResponse { StartLeafIndex = start, EndLeafIndex = stop };
                message.Nodes.AddRange(nodes.Select(n => new V1.TreeNode { Level = n.Level, Index = n.Index, Hash = ByteString.CopyFrom(n.Hash) }));
                await progress.WriteAsync(() => responseStream.WriteAsync(message, ct), stop - start, NodeBytes * nodes.Count);
            }
        }
        finally
        {
            streams.End(progress);
        }
    }

    /// <summary>A tree node in memory: its hash, its proto and their object headers.</summary>
    private const int NodeBytes = 128;

    public override async Task<V1.ListUnloggedEventsResponse> ListUnloggedEvents(V1.ListUnloggedEventsRequest request, ServerCallContext context)
    {
        new RequestValidator().PageSize(request.PageSize).ThrowIfInvalid();
        policy.RequireWholeLog(context.Caller());
        var fingerprint = Paging.Fingerprint("unlogged-events");
        var after = Paging.AfterPosition(request.PageToken, fingerprint) ?? 0;
        var size = Paging.Size(request.PageSize);
        var (events, lastSeq) = await storage.ReadEventsWithoutLeafAsync(after, size + 1, context.CancellationToken);
        var response = new V1.ListUnloggedEventsResponse
        {
            LastSeqId = lastSeq,
            Events =
            {
                events.Take(size).Select(e => new V1.UnloggedEvent
                {
                    SeqId = e.SeqId,
                    EventId = e.EventId.ToString("D"),
                    StreamId = e.StreamId,
                    StreamVersion = e.StreamVersion,
                    EventType = e.EventType,
                    RecordTime = Timestamp.FromDateTimeOffset(e.Timestamp),
                }),
            },
        };
        if (events.Count > size)
        {
            response.NextPageToken = Paging.NextToken(events[size - 1].SeqId, fingerprint);
        }

        return response;
    }

    /// <summary>0 → the latest checkpoint (and that checkpoint); otherwise the size, which must be within the log.</summary>
    private async Task<(long Size, StoredCheckpoint? Checkpoint)> ResolveTreeSizeAsync(long requested, string field, CancellationToken ct)
    {
        if (requested == 0)
        {
            var latest = await LatestWithinLogAsync(ct) ?? throw NoCheckpoint();
            return (latest.Size, latest);
        }

        await RequireWithinLogAsync(requested, field, ct);
        return (requested, null);
    }

    /// <summary>
    /// The latest stored checkpoint, which must be within the log: a row beyond it (filed by someone with database
    /// access, or left by a rollback) is a disagreement with what was signed, and stops the ledger.
    /// </summary>
    private async Task<StoredCheckpoint?> LatestWithinLogAsync(CancellationToken ct)
    {
        if (await storage.LatestCheckpointAsync(ct) is not { } latest)
        {
            return null;
        }

        var integrated = (await storage.ReadStateAsync(null, ct)).Size;
        if (latest.Size > integrated)
        {
            throw LedgerIntegrity.Error(guard.Stop(new DataExchange.Ledger.Signing.IntegrityViolation(DataExchange.Ledger.Signing.ViolationKind.CheckpointForged,
                $"the latest stored checkpoint is of size {latest.Size}, beyond the log's {integrated} leaves")
            {
                TreeSize = latest.Size,
                ConflictingNote = latest.Note,
            }).Violation);
        }

        return latest;
    }

    private async Task RequireWithinLogAsync(long size, string field, CancellationToken ct)
    {
        var integrated = (await storage.ReadStateAsync(null, ct)).Size;
        if (size > integrated)
        {
            throw BeyondLog(field, size, integrated);
        }
    }

    private static RpcException BeyondLog(string field, long size, long integrated) =>
        RpcErrors.Create(Google.Rpc.Code.NotFound, "TREE_SIZE_BEYOND_LOG", $"{field} {size} is beyond the log, which has {integrated} leaves.",
            new Dictionary<string, string>
            {
                [field] = size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["log_size"] = integrated.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });

    private static RpcException NotFound(string reason, string message, string field, string value) =>
        RpcErrors.Create(Google.Rpc.Code.NotFound, reason, message, new Dictionary<string, string> { [field] = value });

    private static RpcException NoCheckpoint() =>
        RpcErrors.Create(Google.Rpc.Code.FailedPrecondition, "NO_CHECKPOINT_YET",
            "No checkpoint covers that yet: the log is empty or the next checkpoint is not signed; retry, or ask for a fresh one.");

    private static V1.SignedCheckpoint WithoutWitnessListing(V1.SignedCheckpoint checkpoint)
    {
        checkpoint.Cosignatures.Clear();
        checkpoint.WitnessQuorum = 0;
        checkpoint.WitnessQuorumState = V1.WitnessQuorumState.Unspecified;
        return checkpoint;
    }

    private async Task<V1.SignedCheckpoint> ToProtoAsync(StoredCheckpoint checkpoint, CancellationToken ct) =>
        ToProto(await cosignatures.AttachAsync(checkpoint, ct));

    /// <summary>A checkpoint with the cosignatures gathered for it: on the note as signature lines, and listed.</summary>
    private V1.SignedCheckpoint ToProto(WitnessedCheckpoint witnessed) => new()
    {
        Origin = ledger.Origin,
        TreeSize = witnessed.Checkpoint.Size,
        RootHash = ByteString.CopyFrom(witnessed.Checkpoint.Root),
        Note = witnessed.Note,
        HashAlgorithm = HashAlgorithm,
        CreateTime = Timestamp.FromDateTimeOffset(witnessed.Checkpoint.CreatedAt),
        Cosignatures =
        {
            witnessed.Cosignatures.Select(c => new V1.WitnessCosignature
            {
                Witness = c.Witness,
                KeyId = c.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture),
                CosignTime = Timestamp.FromDateTimeOffset(c.CosignedAt),
            }),
        },
        WitnessQuorum = witnessed.Quorum,
        WitnessQuorumState = witnessed.Quorum == 0 ? V1.WitnessQuorumState.NotConfigured
            : witnessed.QuorumMet ? V1.WitnessQuorumState.Met : V1.WitnessQuorumState.BelowQuorum,
    };

    /// <summary>
    /// LOG_ENTRY_VIEW_BASIC: the stored leaf bytes, the stored leaf hash and the payload as PostgreSQL returned it; nothing
    /// decoded or canonicalised here (the auditor does both). The arrays are fresh from the database and never changed,
    /// so they are wrapped rather than copied.
    /// </summary>
    private static V1.LogEntry ToBasicProto(StoredLeaf leaf) => new()
    {
        LeafIndex = leaf.LeafIndex,
        Leaf = UnsafeByteOperations.UnsafeWrap(leaf.LeafBytes),
        LeafHash = leaf.LeafHash is { } stored ? UnsafeByteOperations.UnsafeWrap(stored) : ByteString.Empty,
        Payload = leaf.Payload is { } payload ? UnsafeByteOperations.UnsafeWrap(payload) : ByteString.Empty,
    };

    /// <summary>
    /// The stored leaf bytes, decoded for people, and optionally the event's payload as canonical JSON now. A stored
    /// leaf that does not decode (an altered row) is served as its bytes with the decoded fields empty and the reason
    /// in leaf_decode_error, so every ledger call still answers and the audit names that leaf.
    /// </summary>
    public V1.LogEntry ToProto(StoredLeaf leaf, bool withPayload)
    {
        var proto = new V1.LogEntry
        {
            LeafIndex = leaf.LeafIndex,
            Leaf = ByteString.CopyFrom(leaf.LeafBytes),
            LeafHash = leaf.LeafHash is { } stored ? ByteString.CopyFrom(stored) : ByteString.Empty,
        };
        try
        {
            var entry = LedgerEntry.Parse(leaf.LeafBytes);
            proto.StreamId = entry.StreamId;
            proto.StreamVersion = entry.StreamVersion;
            proto.EventId = entry.EventId.ToString("D");
            proto.EventType = entry.EventType;
            proto.RecordTime = Timestamp.FromDateTimeOffset(entry.RecordedAt);
            proto.EffectiveDate = entry.EffectiveDate?.ToString(LedgerEntry.EffectiveDateFormat, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            proto.PayloadDigest = entry.PayloadDigest;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or OverflowException or System.Text.Json.JsonException)
        {
            proto.LeafDecodeError = e.Message;
        }

        if (withPayload && leaf.Payload is { } utf8)
        {
            try
            {
                proto.Payload = ByteString.CopyFrom(JsonCanonicalizer.Canonicalize(utf8));
            }
            catch (Exception e) when (e is JsonCanonicalizationException or System.Text.Json.JsonException)
            {
                // Served as stored, so the audit names this leaf instead of the stream failing.
                proto.Payload = ByteString.CopyFrom(utf8);
            }
        }

        return proto;
    }
}
