using System.Collections.Immutable;
using System.Diagnostics;
using System.Threading.Channels;
using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using DataExchange.Server.Diagnostics;
using DataExchange.Server.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using JasperFx;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using DomainApproval = DataExchange.Domain.Approvals.ExportApproval;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Trades;

/// <summary>
/// Contracts trades in batches (group commit). Callers queue their trade (<see cref="ContractAsync"/>); one executor per
/// process takes what is queued (up to <see cref="TradePipelineSettings.BatchMax"/>, waiting at most
/// <see cref="TradePipelineSettings.Window"/> for more), and in one transaction: takes the pipeline's advisory lock (so
/// batches of every server on the database take turns and each loads fresh state), loads the batch's idempotency
/// records, listings, parties, exporter volumes and approvals in two batched round trips, decides the trades in
/// arrival order against one running state (<see cref="TradeBatch"/>), draws the accepted trades' filing numbers with
/// one counter update per year, appends every event and idempotency record, and commits once. Only then is any caller
/// answered, so nothing acknowledged can be lost.
/// </summary>
public sealed class TradePipeline(
    IDocumentStore store, FilingNumbers filingNumbers, TradePipelineSettings settings, ServerSettings server, TimeProvider time,
    ILogger<TradePipeline> logger, ExchangeMetrics metrics, IServiceProvider services) : BackgroundService
{
    /// <summary>DX_STAGE_TIMINGS=1: where a batch's time goes, for the benchmark's stage table.</summary>
    private readonly StageTimings.Recorder? stages = services.GetService<StageTimings.Recorder>();

    /// <summary>
    /// A trade waiting for its batch, and the caller waiting for its answer. <see cref="Caller"/> is the caller's span
    /// (its RPC): the batch runs on the pipeline's loop, so its spans are parented and linked explicitly.
    /// </summary>
    private sealed record PendingTrade(string Key, string Hash, string RequestId, ContractTrade Command, bool MayReadUnlisted, CancellationToken CallerGone,
        ActivityContext Caller)
    {
        public TaskCompletionSource<V1.Trade> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long QueuedAt { get; } = Stopwatch.GetTimestamp();
    }

    /// <summary>A batch's answer to one idempotency key: a stored record (new or from an earlier commit), or a rejection that records nothing.</summary>
    private sealed record Outcome(IdempotencyRecord? Record, Exception? Rejection);

    private readonly Channel<PendingTrade> queue = Channel.CreateBounded<PendingTrade>(
        new BoundedChannelOptions(settings.QueueMax) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>
    /// A batch that loses a race with a writer outside the pipeline (a listing changed by its vendor, an idempotency key
    /// taken by a server not batching) is decided again on fresh state this many times before its trades go one by one.
    /// </summary>
    private const int BatchAttempts = 5;

    /// <summary>One advisory lock for the pipeline of this schema: batches of all servers commit one after another.</summary>
    private readonly long pipelineLockKey = BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes($"trade-pipeline:{server.Schema}")), 0);

    private long received;

    /// <summary>How many trades were queued since the server started (a test waits on it to queue trades in a known order).</summary>
    public long Received => Interlocked.Read(ref received);

    /// <summary>Queues the trade and answers once its batch has committed: the trade, its recorded refusal, or its rejection.</summary>
    public Task<V1.Trade> ContractAsync(Caller caller, string method, string requestId, IMessage request, ContractTrade command, CancellationToken ct)
    {
        var pending = new PendingTrade(IdempotentExecutor.KeyOf(caller, method, requestId), IdempotentExecutor.HashOf(request), requestId, command,
            caller.IsPrivileged, ct, Activity.Current?.Context ?? default);
        if (!queue.Writer.TryWrite(pending))
        {
            throw RpcErrors.Create(Code.ResourceExhausted, "TRADE_QUEUE_FULL",
                $"{settings.QueueMax} trades are already waiting to be contracted; retry shortly.",
                new Dictionary<string, string> { ["limit"] = settings.QueueMax.ToString(System.Globalization.CultureInfo.InvariantCulture), ["scope"] = "server" },
                retry: new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100)) });
        }

        Interlocked.Increment(ref received);
        // A caller that goes away stops waiting; its trade still commits or not with its batch, and a retry finds it.
        return pending.Answer.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        StageTimings.AttributeTo("(pipeline)");
        var batch = new List<PendingTrade>(settings.BatchMax);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                await TakeBatchAsync(batch, stoppingToken);
                batch.RemoveAll(p => p.CallerGone.IsCancellationRequested && p.Answer.TrySetCanceled(p.CallerGone));
                if (batch.Count > 0)
                {
                    var started = Stopwatch.GetTimestamp();
                    if (stages is not null)
                    {
                        foreach (var p in batch)
                        {
                            Stage("queue_wait", p.QueuedAt, started);
                        }

                        stages.Record("(pipeline) trades_per_batch", batch.Count); // a count, kept in the microsecond histogram
                    }

                    await RunAsync(batch, stoppingToken);
                    Stage("batch", started);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Shutting down: whatever is still queued was never decided; its callers may retry on another server.
            queue.Writer.TryComplete();
            foreach (var p in batch)
            {
                p.Answer.TrySetException(RpcErrors.Create(Code.Unavailable, "SERVER_STOPPING", "The server is stopping; retry the call."));
            }

            while (queue.Reader.TryRead(out var left))
            {
                left.Answer.TrySetException(RpcErrors.Create(Code.Unavailable, "SERVER_STOPPING", "The server is stopping; retry the call."));
            }
        }
    }

    private void Stage(string name, long from, long? to = null) =>
        stages?.Record("(pipeline) " + name, (long)Stopwatch.GetElapsedTime(from, to ?? Stopwatch.GetTimestamp()).TotalMicroseconds);

    private async Task TakeBatchAsync(List<PendingTrade> batch, CancellationToken stoppingToken)
    {
        while (batch.Count < settings.BatchMax && queue.Reader.TryRead(out var next))
        {
            batch.Add(next);
        }

        if (batch.Count >= settings.BatchMax || settings.Window <= TimeSpan.Zero)
        {
            return;
        }

        using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        window.CancelAfter(settings.Window);
        try
        {
            while (batch.Count < settings.BatchMax && await queue.Reader.WaitToReadAsync(window.Token))
            {
                while (batch.Count < settings.BatchMax && queue.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Commits the batch, retrying it on fresh state after a lost race, and answers every caller.</summary>
    private async Task RunAsync(IReadOnlyList<PendingTrade> batch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                IReadOnlyDictionary<string, Outcome> outcomes;
                using (var span = ExchangeTelemetry.Source.HasListeners() ? ExchangeTelemetry.StartTradeBatch([.. batch.Select(p => p.Caller)]) : null)
                {
                    span?.SetTag("dx.trade.batch.attempt", attempt);
                    try
                    {
                        outcomes = await CommitAsync(batch, span, ct);
                    }
                    catch (Exception e)
                    {
                        span?.AddException(e);
                        span?.SetStatus(ActivityStatusCode.Error, e.Message);
                        throw;
                    }
                }

                Answer(batch, outcomes);
                return;
            }
            catch (Exception e) when (IsLostRace(e) && attempt < BatchAttempts)
            {
                logger.LogDebug("A batch of {Count} trades lost a race ({Error}); deciding it again on fresh state.", batch.Count, e.Message);
            }
            catch (Exception e) when (DatabaseFailures.Classify(e) == DatabaseFailure.Unavailable || ct.IsCancellationRequested)
            {
                // Nothing committed (or the commit's outcome is unknown): every caller hears UNAVAILABLE and retries
                // with its request id, which answers the stored outcome if the commit did land.
                foreach (var p in batch)
                {
                    p.Answer.TrySetException(e);
                }

                return;
            }
            catch (Exception e) when (batch.Count > 1)
            {
                // One trade's data may be broken (or races keep being lost): decide the trades one by one so that the
                // others still commit and only the broken one fails.
                logger.LogWarning(e, "A batch of {Count} trades failed; contracting its trades one by one.", batch.Count);
                foreach (var p in batch)
                {
                    await RunAsync([p], ct);
                }

                return;
            }
            catch (Exception e)
            {
                batch[0].Answer.TrySetException(e);
                return;
            }
        }
    }

    private static bool IsLostRace(Exception e) =>
        e is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or DocumentAlreadyExistsException
        || DatabaseFailures.Classify(e) == DatabaseFailure.Conflict
        || e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
        || e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };

    private static void Answer(IReadOnlyList<PendingTrade> batch, IReadOnlyDictionary<string, Outcome> outcomes)
    {
        foreach (var p in batch)
        {
            var outcome = outcomes[p.Key];
            if (outcome.Rejection is { } rejection)
            {
                p.Answer.TrySetException(rejection);
                continue;
            }

            try
            {
                // The same path as a retry of a finished request: a duplicate within the batch, or of an earlier
                // commit, gets the original answer (or REQUEST_ID_REUSED for a different request under the same id).
                p.Answer.TrySetResult(IdempotentExecutor.Replay<V1.Trade>(outcome.Record!, p.Hash, p.RequestId));
            }
            catch (Exception e)
            {
                p.Answer.TrySetException(e);
            }
        }
    }

    /// <summary>One transaction for the whole batch; the outcome of every idempotency key in it, valid once this returns.</summary>
    private async Task<IReadOnlyDictionary<string, Outcome>> CommitAsync(IReadOnlyList<PendingTrade> batch, Activity? span, CancellationToken ct)
    {
        var loading = Stopwatch.GetTimestamp();
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(?)", ct, pipelineLockKey);

        // First round trip: the outcomes already stored, the listings and the buyers.
        var keys = batch.Select(p => p.Key).Distinct().ToArray();
        var first = session.CreateBatchQuery();
        var storedQuery = first.LoadMany<IdempotencyRecord>().ById(keys);
        var listingsQuery = first.LoadMany<Listing>().ById(batch.Select(p => p.Command.ListingId).Distinct().ToArray());
        var buyersQuery = first.LoadMany<Participant>().ById(batch.Select(p => p.Command.BuyerId).Distinct().ToArray());
        await first.Execute(ct);
        var stored = (await storedQuery).ToDictionary(r => r.Id);
        var listings = (await listingsQuery).ToDictionary(l => l.Id);
        var participants = (await buyersQuery).ToDictionary(p => p.Id);

        // Second round trip: the vendors, and for the trades that may export, their exporters' volumes and approvals.
        var vendorIds = listings.Values.Select(l => l.VendorId).Where(id => !participants.ContainsKey(id)).Distinct().ToArray();
        var exportYears = new HashSet<(Guid Exporter, int Year)>();
        foreach (var p in batch)
        {
            if (listings.TryGetValue(p.Command.ListingId, out var listing) && participants.TryGetValue(p.Command.BuyerId, out var buyer)
                && TradeContracting.MayExport(listing, buyer))
            {
                var (from, to) = TradeContracting.VolumeYears(p.Command.ContractDate);
                for (var year = from; year <= to; year++)
                {
                    exportYears.Add((listing.VendorId, year));
                }
            }
        }

        var exporterIds = exportYears.Select(x => x.Exporter).Distinct().ToArray();
        var volumes = new Dictionary<Guid, ExporterYearVolume>();
        var approvals = new List<DomainApproval>();
        if (vendorIds.Length > 0 || exporterIds.Length > 0)
        {
            var second = session.CreateBatchQuery();
            var vendorsQuery = second.LoadMany<Participant>().ById(vendorIds);
            // Every year of each exporter: an approval's use is summed over its whole life.
            var volumesQuery = second.Query<ExporterYearVolume>().Where(v => v.ExporterId.IsOneOf(exporterIds)).ToList();
            var approvalsQuery = second.Query<DomainApproval>().Where(a => a.ExporterId.IsOneOf(exporterIds)).ToList();
            await second.Execute(ct);
            foreach (var vendor in await vendorsQuery)
            {
                participants[vendor.Id] = vendor;
            }

            volumes = (await volumesQuery).ToDictionary(v => v.Id);
            approvals = [.. await approvalsQuery];
        }

        var histories = exporterIds.Select(exporter => ExporterHistory.From(exporter, volumes.Values,
            [.. approvals.Where(a => a.ExporterId == exporter).Select(a => a.ToCompliance())]));
        var decisions = new TradeBatch(listings.Values, histories);
        Stage("load", loading);
        var deciding = Stopwatch.GetTimestamp();

        // Decide in arrival order. Refusals are recorded, rejections write nothing; neither touches its neighbours.
        var now = time.GetUtcNow();
        var outcomes = new Dictionary<string, Outcome>();
        var accepted = new List<(PendingTrade Trade, AcceptedTrade Decision)>();
        var counted = new List<(string Outcome, string Origin)>(batch.Count); // dx.trades, once the batch has committed
        var decided = new HashSet<string>();
        foreach (var p in batch)
        {
            if (!decided.Add(p.Key))
            {
                continue; // the same request id again: it gets the first one's answer
            }

            if (stored.TryGetValue(p.Key, out var record))
            {
                outcomes[p.Key] = new Outcome(record, null);
                continue;
            }

            var command = p.Command;
            var listing = decisions.Listing(command.ListingId);
            if (listing is null || !(listing.IsPublic || p.MayReadUnlisted))
            {
                outcomes[p.Key] = new Outcome(null, ResourceNames.NotFound("Listing", ResourceNames.Listing(command.ListingId)));
                continue;
            }

            if (!participants.TryGetValue(command.BuyerId, out var buyer) || !participants.TryGetValue(listing.VendorId, out var vendor))
            {
                var missing = participants.ContainsKey(command.BuyerId) ? listing.VendorId : command.BuyerId;
                outcomes[p.Key] = new Outcome(null, ResourceNames.NotFound("Participant", ResourceNames.Participant(missing)));
                continue;
            }

            // The compliance span belongs to the trade's own trace: under the batch for the trade whose caller parents
            // the batch, otherwise under its caller, linked to the batch.
            var own = span is null || p.Caller.TraceId != span.TraceId;
            var decision = ExchangeTelemetry.DecideTrade(() => decisions.Decide(command, vendor, buyer), metrics, command.Origin,
                own ? p.Caller : default, own && span is not null ? span.Context : default);
            counted.Add((ExchangeTelemetry.OutcomeOf(decision), ExchangeTelemetry.OriginName(command.Origin)));
            switch (decision)
            {
                case RejectedTrade rejected:
                    outcomes[p.Key] = new Outcome(null, rejected.Error);
                    break;
                case RefusedTrade refused:
                    session.Events.StartStream<Trade>(refused.Refused.TradeId, refused.Refused);
                    outcomes[p.Key] = new Outcome(IdempotentExecutor.Record(p.Key, p.Hash, new V1.Trade(), TradeMapping.RefusalError(refused.Refused), now), null);
                    break;
                case AcceptedTrade trade:
                    accepted.Add((p, trade));
                    break;
                case var other:
                    throw new InvalidOperationException($"Unknown trade decision {other.GetType().Name}.");
            }
        }

        Stage("decide", deciding);
        var numbering = Stopwatch.GetTimestamp();

        // The accepted trades' numbers, in decision order: one counter update per filing year for the whole batch.
        var grants = new Dictionary<Guid, List<object>>();
        var exports = new Dictionary<Guid, List<object>>();
        foreach (var year in accepted.Select(a => a.Decision.FilingYear).Distinct())
        {
            var ofYear = accepted.Where(a => a.Decision.FilingYear == year).ToList();
            var last = await filingNumbers.DrawAsync(session, year, ofYear.Count, ct);
            var next = last - ofYear.Count + 1;
            foreach (var (p, decision) in ofYear)
            {
                var filed = decision.File(next++);
                session.Events.StartStream<Trade>(filed.Contracted.TradeId, filed.Contracted);
                if (filed.Grant is { } grant)
                {
                    (grants.TryGetValue(grant.ListingId, out var list) ? list : grants[grant.ListingId] = []).Add(grant);
                }

                if (filed.Volume is { } volume)
                {
                    var streamId = ExporterYearVolume.StreamId(volume.ExporterId, volume.Year);
                    (exports.TryGetValue(streamId, out var list) ? list : exports[streamId] = []).Add(volume);
                }

                outcomes[p.Key] = new Outcome(IdempotentExecutor.Record(p.Key, p.Hash, filed.Trade.ToProto(), null, now), null);
            }
        }

        // Grants race on the listing's version as loaded (its vendor may change it outside the pipeline); volume
        // streams are written only by the pipeline, under its lock, but keep their version check all the same.
        foreach (var (listingId, events) in grants)
        {
            session.Events.Append(listingId, listings[listingId].Version + events.Count, [.. events]);
        }

        foreach (var (streamId, events) in exports)
        {
            if (volumes.TryGetValue(streamId, out var current))
            {
                session.Events.Append(streamId, current.Version + events.Count, [.. events]);
            }
            else
            {
                session.Events.StartStream<ExporterYearVolume>(streamId, [.. events]);
            }
        }

        foreach (var outcome in outcomes.Values)
        {
            if (outcome.Record is { } record && !stored.ContainsKey(record.Id))
            {
                session.Insert(record);
            }
        }

        Stage("number_and_stage_events", numbering);
        var saving = Stopwatch.GetTimestamp();
        await session.SaveChangesAsync(ct);
        Stage("append_and_commit", saving);
        foreach (var (outcome, origin) in counted)
        {
            metrics.TradeDecided(outcome, origin);
        }

        return outcomes;
    }
}
