using System.Diagnostics;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>Events appended straight through Marten, as any slice does; the ledger must take every one exactly once, in order.</summary>
public sealed record LedgerProbe(int Writer, int Number, string Note);

/// <summary>An event that states its own effective date, as back-filed trades will.</summary>
public sealed record BackfiledProbe(int Writer, int Number, DateOnly EffectiveDate);

public class SequencerSpecs(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task The_leader_holds_its_lock_on_a_connection_named_after_its_process()
    {
        // Operators (and the benchmark's failover) find the leading process in pg_stat_activity.
        await server.CaughtUpCheckpointAsync();
        var name = $"dx-sequencer pid {Environment.ProcessId} on ";
        Assert.True(await server.ScalarAsync(
            "select count(*) from pg_stat_activity a join pg_locks l on l.pid = a.pid " +
            $"where l.locktype = 'advisory' and l.granted and starts_with(a.application_name, '{name}')") >= 1,
            $"no advisory lock held by a connection named '{name}…'");
    }

    [Fact]
    public async Task Eight_concurrent_writers_10000_events_become_10000_gapless_leaves_in_commit_order()
    {
        const int writers = 8;
        const int total = 10_000;
        var store = server.Services.GetRequiredService<IDocumentStore>();
        await server.CaughtUpCheckpointAsync();
        var before = await server.CountEventsAsync();

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            var random = new Random(writer);
            var streams = Enumerable.Range(0, 4).Select(_ => Guid.CreateVersion7()).ToArray();
            var written = 0;
            var quota = total / writers;
            while (written < quota)
            {
                // Single-event saves mixed with saves of up to 60 events over one or two streams.
                var count = Math.Min(quota - written, random.Next(3) == 0 ? 1 : random.Next(1, 61));
                await using var session = store.LightweightSession();
                for (var i = 0; i < count; i++)
                {
                    var stream = streams[random.Next(streams.Length)];
                    object e = (written + i) % 97 == 0
                        ? new BackfiledProbe(writer, written + i, new DateOnly(2023, 5, 17))
                        : new LedgerProbe(writer, written + i, $"writer {writer} event {written + i}");
                    session.Events.Append(stream, e);
                }

                await session.SaveChangesAsync();
                written += count;
            }
        })));
        var writeSeconds = watch.Elapsed.TotalSeconds;
        await Eventually(async () => await server.LedgerSizeAsync() == before + total, "all 10,000 events to become leaves");
        var caughtUpSeconds = watch.Elapsed.TotalSeconds;
        output.WriteLine($"writers: {total / writeSeconds:F0} events/s; ledger caught up {caughtUpSeconds - writeSeconds:F2} s after the last commit; " +
            $"sequencer throughput over the run {total / caughtUpSeconds:F0} events/s");

        Assert.Equal(before + total, await server.CountEventsAsync());
        var leaves = await server.ReadLeavesAsync();
        Assert.Equal(before + total, leaves.Count);
        Assert.Equal(Enumerable.Range(0, leaves.Count).Select(i => (long)i), leaves.Select(l => l.LeafIndex));
        Assert.Equal(leaves.Count, leaves.Select(l => l.EventId).Distinct().Count());
        Assert.Equal(before + total, await server.ScalarAsync(
            "select count(*) from {schema}.mt_events e join {schema}.ledger_leaves l on l.event_id = e.id and l.seq_id = e.seq_id"));
        for (var i = 1; i < leaves.Count; i++)
        {
            Assert.True(leaves[i].SeqId > leaves[i - 1].SeqId, $"seq_id must increase with the leaf index (leaf {i})");
        }

        foreach (var stream in leaves.GroupBy(l => l.Entry.StreamId))
        {
            var versions = stream.Select(l => l.Entry.StreamVersion).ToList();
            Assert.Equal(Enumerable.Range(1, versions.Count).Select(v => (long)v), versions);
        }

        Assert.All(leaves.Where(l => l.Entry.EventType == "backfiled_probe"), l => Assert.Equal(new DateOnly(2023, 5, 17), l.Entry.EffectiveDate));
        Assert.All(leaves.Where(l => l.Entry.EventType == "ledger_probe"), l => Assert.Null(l.Entry.EffectiveDate));

        // The signed root is the RFC 9162 root of exactly these leaf bytes.
        var checkpoint = await server.CaughtUpCheckpointAsync();
        var range = new CompactRange(TreeHasher.Sha256);
        foreach (var leaf in leaves)
        {
            range.Append(leaf.Entry.LeafHash(TreeHasher.Sha256));
        }

        Assert.Equal(checkpoint.RootHash.ToByteArray(), range.Root());

        // The auditor's full replay of this log, for its speed.
        var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new Grpc.Core.CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
        Assert.True(audit.Ok, audit.Failure);
        output.WriteLine($"audit verify: {audit.LeavesChecked} leaves at {audit.LeavesPerSecond:F0} leaves/s");
    }
}
