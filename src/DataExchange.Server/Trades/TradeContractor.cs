using System.Collections.Immutable;
using DataExchange.Compliance;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Server.Diagnostics;
using DataExchange.Server.Infrastructure;
using JasperFx.Events;
using Marten;
using Marten.Services;
using DomainApproval = DataExchange.Domain.Approvals.ExportApproval;

namespace DataExchange.Server.Trades;

/// <summary>
/// One trade in one transaction: load what the decision needs, decide it with the pure
/// <see cref="TradeContracting.Decide"/>, draw the filing number for an accepted trade only, and append its events.
/// The compliance verdict, the filing, the exporter's volume and (for an exclusive licence) the listing's grant commit
/// together or not at all. Races are settled by optimistic concurrency on the exporter-year volume stream and, for
/// exclusive licences, on the listing stream; the idempotent executor retries a lost race on fresh state.
/// </summary>
public sealed class TradeContractor(FilingNumbers filingNumbers, ExchangeMetrics metrics)
{
    /// <param name="mayReadUnlisted">The caller is exchange staff: listings not (or no longer) public are not hidden from it.</param>
    public async Task<Trade> ContractAsync(IDocumentSession session, ContractTrade command, bool mayReadUnlisted, CancellationToken ct)
    {
        var loaded = await LoadAsync(session, command, mayReadUnlisted, ct);
        var decision = ExchangeTelemetry.DecideTrade(() => TradeContracting.Decide(loaded.State, command), metrics, command.Origin);
        var outcome = ExchangeTelemetry.OutcomeOf(decision);
        var origin = ExchangeTelemetry.OriginName(command.Origin);
        if (decision is RejectedTrade)
        {
            metrics.TradeDecided(outcome, origin); // nothing to commit
        }
        else
        {
            // Counted once the attempt commits: a lost race is decided again, on fresh state, and counted then.
            session.Listeners.Add(new AfterCommit(() => metrics.TradeDecided(outcome, origin)));
        }

        switch (decision)
        {
            case RejectedTrade rejected:
                throw rejected.Error;
            case RefusedTrade refused:
                session.Events.StartStream<Trade>(refused.Refused.TradeId, refused.Refused);
                throw new RecordedRefusal(TradeMapping.RefusalError(refused.Refused));
            case AcceptedTrade accepted:
                var filed = accepted.File(await filingNumbers.NextAsync(session, accepted.FilingYear, ct));
                await AppendAsync(session, loaded, filed, ct);
                return filed.Trade;
            case var other:
                throw new InvalidOperationException($"Unknown trade decision {other.GetType().Name}.");
        }
    }

    private sealed class AfterCommit(Action committed) : DocumentSessionListenerBase
    {
        public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
        {
            committed();
            return Task.CompletedTask;
        }
    }

    /// <summary>The decision's state, and the exporter-year volume stream that an export appends to (null when the trade cannot export).</summary>
    private sealed record Loaded(TradeContractingState State, IEventStream<ExporterYearVolume>? VolumeStream);

    private static async Task<Loaded> LoadAsync(IDocumentSession session, ContractTrade command, bool mayReadUnlisted, CancellationToken ct)
    {
        // Listing and buyer in one round trip (primary-key reads), then the vendor. Marten's Include would fetch the
        // vendor in the same batch but through a temporary table, which measured three times slower.
        var batch = session.CreateBatchQuery();
        var listingQuery = batch.Load<Listing>(command.ListingId);
        var buyerQuery = batch.Load<Participant>(command.BuyerId);
        await batch.Execute(ct);
        var listing = await listingQuery;
        if (listing is null || !(listing.IsPublic || mayReadUnlisted))
        {
            throw ResourceNames.NotFound("Listing", ResourceNames.Listing(command.ListingId));
        }

        var buyer = await buyerQuery
            ?? throw ResourceNames.NotFound("Participant", ResourceNames.Participant(command.BuyerId));
        var vendor = await session.LoadAsync<Participant>(listing.VendorId, ct)
            ?? throw ResourceNames.NotFound("Participant", ResourceNames.Participant(listing.VendorId));

        // Only a possible export needs the exporter's volume and approvals (domestic trades skip these reads).
        if (!TradeContracting.MayExport(listing, buyer))
        {
            return new Loaded(new TradeContractingState(listing, vendor, buyer, ExporterHistory.Empty(vendor.Id)), null);
        }

        // One exporter's cross-border trades take turns (a transaction-scoped advisory lock on exporter and year), so
        // they queue instead of losing optimistic races on the volume stream; other trades are not held up.
        var (fromYear, toYear) = TradeContracting.VolumeYears(command.ContractDate);
        var volumeStreamId = ExporterYearVolume.StreamId(vendor.Id, toYear);
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(?)", ct, BitConverter.ToInt64(volumeStreamId.ToByteArray(), 0));
        var volumeStream = await session.Events.FetchForWriting<ExporterYearVolume>(volumeStreamId, ct);
        // Every year of the exporter (an approval's use is summed over its life); this year's as fetched under the lock.
        var years = (await session.Query<ExporterYearVolume>().Where(v => v.ExporterId == vendor.Id).ToListAsync(ct))
            .Where(v => v.Year != toYear).ToList();
        if (volumeStream.Aggregate is { } current)
        {
            years.Add(current);
        }

        _ = fromYear; // the engine sums the window it needs from the years loaded
        var approvals = await session.Query<DomainApproval>().Where(a => a.ExporterId == vendor.Id).ToListAsync(ct);
        var exporter = ExporterHistory.From(vendor.Id, years, [.. approvals.Select(a => a.ToCompliance())]);
        return new Loaded(new TradeContractingState(listing, vendor, buyer, exporter), volumeStream);
    }

    private static async Task AppendAsync(IDocumentSession session, Loaded loaded, FiledTrade filed, CancellationToken ct)
    {
        session.Events.StartStream<Trade>(filed.Contracted.TradeId, filed.Contracted);
        if (filed.Grant is { } grant)
        {
            // Granting races on the listing's version: two exclusive buyers of one territory cannot both win.
            var listingStream = await session.Events.FetchForWriting<Listing>(grant.ListingId, loaded.State.Listing.Version, ct);
            listingStream.AppendOne(grant);
        }

        if (filed.Volume is { } volume)
        {
            var volumeStream = loaded.VolumeStream
                ?? throw new InvalidOperationException("An export's volume was decided without its exporter-year stream loaded.");
            volumeStream.AppendOne(volume);
        }
    }
}
