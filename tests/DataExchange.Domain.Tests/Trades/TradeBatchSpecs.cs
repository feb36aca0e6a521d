using System.Collections.Immutable;
using System.Text.Json;
using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Tests.Listings;
using DataExchange.Domain.Trades;
using ExportApproval = DataExchange.Compliance.ExportApproval;
using Region = DataExchange.Domain.Common.Region;

namespace DataExchange.Domain.Tests.Trades;

/// <summary>
/// The batched pipeline's decisions (<see cref="TradeBatch"/>: N trades decided in order against a running state, the
/// batch's filing numbers drawn after deciding) are the unbatched path's (<see cref="TradeContracting.Decide"/> one
/// trade at a time, each against the state its predecessors left behind), on one generated workload.
/// </summary>
public class TradeBatchSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor Operator = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Operator });

    private static Participant Party(Region region, string? city, params Role[] roles) =>
        Participant.Start(new ParticipantRegistered(Guid.CreateVersion7(), "P", "P Ltd", roles, new Jurisdiction(region, city), false, Guid.Empty, Now));

    /// <summary>Listings, parties, approvals and trades, from a seed: domestic and cross-border, exclusive licences, volumes near the thresholds.</summary>
    private sealed record Workload(IReadOnlyList<Listing> Listings, IReadOnlyDictionary<Guid, Participant> Parties, IReadOnlyList<ExporterHistory> Exporters,
        IReadOnlyList<ContractTrade> Trades);

    private static Workload Generate(int seed, int trades)
    {
        var random = new Random(seed);
        Participant[] vendors = [Party(Region.MainlandChina, "Shenzhen", Role.Vendor), Party(Region.MainlandChina, "Guangzhou", Role.Vendor)];
        Participant[] buyers =
        [
            Party(Region.HongKong, null, Role.Buyer), Party(Region.HongKong, null, Role.Buyer), Party(Region.Macao, null, Role.Buyer),
            Party(Region.MainlandChina, "Shanghai", Role.Buyer), Party(Region.MainlandChina, "Dongguan", Role.Buyer),
        ];
        var listings = new List<Listing>();
        long[] sizes = [0, 3_000, 9_000, 40_000, 120_000, 600_000];
        for (var i = 0; i < 12; i++)
        {
            var vendor = vendors[i % vendors.Length];
            var individuals = sizes[random.Next(sizes.Length)];
            var content = ListingLifecycleSpecs.Content(individuals);
            content = content with
            {
                Declaration = content.Declaration with { SensitiveIndividuals = random.Next(3) == 0 ? individuals / 20 : 0 },
                Licence = content.Licence with
                {
                    Exclusive = random.Next(4) == 0,
                    TermDays = random.Next(4) == 0 ? 30 : 365,
                    Territory = random.Next(3) == 0 ? Territory.HongKong : Territory.GreaterBayArea,
                },
            };
            listings.Add(Listing.Start(new ListingDrafted(Guid.CreateVersion7(), vendor.Id, content, vendor.Id, Now)) with { State = ListingState.Listed, Version = 4 });
        }

        var exporters = vendors.Select(v => new ExporterHistory(v.Id,
            ImmutableDictionary<int, ExportVolume>.Empty.Add(2026, new ExportVolume(random.Next(0, 90_000), random.Next(0, 9_000))),
            [.. listings.Where(l => l.VendorId == v.Id && random.Next(2) == 0).Select(l =>
                new ExportApproval(Guid.CreateVersion7(), v.Id, ExportMechanism.StandardContract, "SC-" + l.Id.ToString("N")[..6], Compliance.Region.HongKong,
                    [l.Id], [], new DateOnly(2020, 1, 1), new DateOnly(2030, 12, 31), null))])).ToList();

        DateOnly[] dates = [new(2025, 12, 30), new(2026, 3, 1), new(2026, 11, 1), new(2026, 11, 27)];
        var commands = new List<ContractTrade>();
        for (var i = 0; i < trades; i++)
        {
            var listing = listings[random.Next(listings.Count)];
            var buyer = buyers[random.Next(buyers.Length)];
            var executed = random.Next(3) > 0;
            var price = random.Next(10) == 0 ? listing.Content.Price with { AmountMinor = 1 } : listing.Content.Price; // some rejected
            commands.Add(new ContractTrade(Guid.CreateVersion7(), listing.Id, buyer.Id, listing.Content.Licence, price,
                executed ? new DateOnly(2026, 11, 27) : dates[random.Next(dates.Length)],
                executed ? TradeOrigin.Executed : TradeOrigin.Filed, executed ? null : $"EXT-{i}",
                executed ? new Actor(buyer.Id, buyer.Roles.ToHashSet()) : Operator, Now));
        }

        return new Workload(listings, vendors.Concat(buyers).ToDictionary(p => p.Id), exporters, commands);
    }

    /// <summary>What the database holds between transactions: listings and exporter histories as the events left them, and the counters.</summary>
    private sealed class Store(Workload workload)
    {
        public Dictionary<Guid, Listing> Listings { get; } = workload.Listings.ToDictionary(l => l.Id);
        public Dictionary<Guid, ExporterHistory> Exporters { get; } = workload.Exporters.ToDictionary(e => e.ExporterId);
        public Dictionary<int, long> LastFiled { get; } = [];

        public long Draw(int year, int count) => LastFiled[year] = LastFiled.GetValueOrDefault(year) + count;

        /// <summary>As the inline projections fold the committed events.</summary>
        public void Commit(FiledTrade filed)
        {
            if (filed.Grant is { } grant)
            {
                var listing = Listings[grant.ListingId];
                Listings[grant.ListingId] = listing.When(grant) with { Version = listing.Version + 1 };
            }

            if (filed.Volume is { } volume)
            {
                Exporters[volume.ExporterId] = Exporters[volume.ExporterId].Apply(volume);
            }
        }
    }

    /// <summary>A decision as the caller and the log see it: its kind, the rejection's reason, and every event it writes.</summary>
    private static string Describe(TradeContractDecision decision, FiledTrade? filed) => decision switch
    {
        RejectedTrade r => $"rejected {r.Error.Reason}: {r.Error.Message}",
        RefusedTrade r => "refused " + JsonSerializer.Serialize(r.Refused),
        AcceptedTrade => "filed " + JsonSerializer.Serialize(filed!.Contracted) + JsonSerializer.Serialize(filed.Grant) + JsonSerializer.Serialize(filed.Volume),
        _ => throw new InvalidOperationException(),
    };

    private static List<string> OneByOne(Workload workload)
    {
        var store = new Store(workload);
        var described = new List<string>();
        foreach (var command in workload.Trades)
        {
            var listing = store.Listings[command.ListingId];
            var vendor = workload.Parties[listing.VendorId];
            var buyer = workload.Parties[command.BuyerId];
            var exporter = TradeContracting.MayExport(listing, buyer) ? store.Exporters[vendor.Id] : ExporterHistory.Empty(vendor.Id);
            var decision = TradeContracting.Decide(new TradeContractingState(listing, vendor, buyer, exporter), command);
            FiledTrade? filed = null;
            if (decision is AcceptedTrade accepted)
            {
                filed = accepted.File(store.Draw(accepted.FilingYear, 1));
                store.Commit(filed);
            }

            described.Add(Describe(decision, filed));
        }

        return described;
    }

    private static List<string> Batched(Workload workload, int seed, int maxBatch)
    {
        var store = new Store(workload);
        var random = new Random(seed);
        var described = new List<string>();
        for (var start = 0; start < workload.Trades.Count;)
        {
            var batch = workload.Trades.Skip(start).Take(random.Next(1, maxBatch + 1)).ToList();
            start += batch.Count;
            var decider = new TradeBatch(store.Listings.Values, store.Exporters.Values);
            var decisions = batch.Select(c => decider.Decide(c, workload.Parties[store.Listings[c.ListingId].VendorId], workload.Parties[c.BuyerId])).ToList();

            // The batch's numbers, one draw per year, in decision order; then the batch commits.
            var filed = new Dictionary<int, FiledTrade>();
            var accepted = decisions.Select((d, i) => (Decision: d as AcceptedTrade, Index: i)).Where(x => x.Decision is not null).ToList();
            foreach (var year in accepted.Select(a => a.Decision!.FilingYear).Distinct())
            {
                var ofYear = accepted.Where(a => a.Decision!.FilingYear == year).ToList();
                var next = store.Draw(year, ofYear.Count) - ofYear.Count + 1;
                foreach (var (decision, index) in ofYear)
                {
                    filed[index] = decision!.File(next++);
                }
            }

            for (var i = 0; i < decisions.Count; i++)
            {
                if (filed.TryGetValue(i, out var f))
                {
                    store.Commit(f);
                }

                described.Add(Describe(decisions[i], filed.GetValueOrDefault(i)));
            }
        }

        return described;
    }

    [Theory]
    [InlineData(20261203, 1)]
    [InlineData(20261203, 16)]
    [InlineData(20261204, 64)]
    [InlineData(7, 500)]
    public void A_generated_workload_is_decided_alike_one_by_one_and_in_batches(int seed, int maxBatch)
    {
        var workload = Generate(seed, trades: 500);

        var expected = OneByOne(workload);
        var actual = Batched(workload, seed, maxBatch);

        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"trade {i}:\n one by one: {expected[i]}\n batched:    {actual[i]}");
        }

        // The workload exercises every kind of decision, not only acceptance.
        Assert.Contains(expected, d => d.StartsWith("filed", StringComparison.Ordinal) && d.Contains("\"Individuals\"", StringComparison.Ordinal));
        Assert.Contains(expected, d => d.StartsWith("refused", StringComparison.Ordinal));
        Assert.Contains(expected, d => d.StartsWith("rejected EXCLUSIVE_LICENCE_TAKEN", StringComparison.Ordinal));
        Assert.Contains(expected, d => d.StartsWith("rejected", StringComparison.Ordinal) && !d.Contains("EXCLUSIVE", StringComparison.Ordinal));
    }
}
