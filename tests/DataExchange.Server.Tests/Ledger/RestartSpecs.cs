using System.Diagnostics;
using System.Net;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Notes;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>Servers that stop, restart and run side by side on one schema. Each test makes its own servers.</summary>
public class RestartSpecs(ITestOutputHelper output)
{
    private static async Task AppendAsync(IDocumentStore store, int events, int perSave = 50)
    {
        var stream = Guid.CreateVersion7();
        for (var written = 0; written < events; written += perSave)
        {
            await using var session = store.LightweightSession();
            session.Events.Append(stream, Enumerable.Range(written, Math.Min(perSave, events - written)).Select(i => (object)new LedgerProbe(9, i, "restart")).ToArray());
            await session.SaveChangesAsync();
        }
    }

    private static async Task AssertGaplessAsync(ServerFixture server)
    {
        var leaves = await server.ReadLeavesAsync();
        Assert.Equal(await server.CountEventRowsAsync(), leaves.Count);
        Assert.Equal(Enumerable.Range(0, leaves.Count).Select(i => (long)i), leaves.Select(l => l.LeafIndex));
        Assert.True(leaves.Zip(leaves.Skip(1)).All(p => p.Second.SeqId > p.First.SeqId));
        var checkpoint = await server.CaughtUpCheckpointAsync();
        Assert.True(SignedNote.Verify(checkpoint.Note, server.Verifiers()).IsValid);
        var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
        Assert.True(audit.Ok, audit.Failure);
    }

    [Fact]
    public async Task A_restarted_server_continues_the_log_without_gaps_from_the_stored_peaks()
    {
        var first = new ServerFixture();
        await first.InitializeAsync();
        try
        {
            await AppendAsync(first.Services.GetRequiredService<IDocumentStore>(), 101);
            var before = await first.CaughtUpCheckpointAsync();
            var settings = first.Services.GetRequiredService<ServerSettings>();
            await first.StopAsync();

            // Events committed while no server runs, then a new server on the same schema and keys.
            using (var store = new DocumentStore(MartenSetup.Configure(settings)))
            {
                await AppendAsync(store, 10_000, perSave: 200);
            }

            var watch = Stopwatch.StartNew();
            var second = new ServerFixture { Schema = first.Schema, DataDirectory = first.DataDirectory, OwnsSchema = false };
            await second.InitializeAsync();
            try
            {
                await Eventually(async () => await second.LedgerSizeAsync() == await second.CountEventRowsAsync(), "the restarted sequencer to catch up");
                output.WriteLine($"backlog of 10,000 events integrated in {watch.Elapsed.TotalSeconds:F2} s (including server start): {10_000 / watch.Elapsed.TotalSeconds:F0} events/s");
                var after = await second.CaughtUpCheckpointAsync();
                Assert.True(after.TreeSize >= before.TreeSize + 10_000);
                var proof = await second.Operator.Ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = before.TreeSize, SecondTreeSize = after.TreeSize });
                Assert.True(DataExchange.Ledger.Merkle.MerkleProofs.VerifyConsistency(TreeHasher.Sha256, before.TreeSize, after.TreeSize,
                    before.RootHash.Span, after.RootHash.Span, proof.Hashes.Select(h => h.ToByteArray()).ToList()));
                await AssertGaplessAsync(second);
            }
            finally
            {
                await second.DisposeAsync();
            }
        }
        finally
        {
            await first.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_servers_on_one_schema_elect_one_sequencer_and_the_other_takes_over_when_it_stops()
    {
        var a = new ServerFixture();
        await a.InitializeAsync();
        var b = new ServerFixture { Schema = a.Schema, DataDirectory = a.DataDirectory, OwnsSchema = false };
        await b.InitializeAsync();
        try
        {
            var sequencers = new[] { a, b }.Select(s => s.Services.GetRequiredService<LedgerSequencer>()).ToArray();
            await Task.WhenAll(AppendAsync(a.Services.GetRequiredService<IDocumentStore>(), 1500, 7), AppendAsync(b.Services.GetRequiredService<IDocumentStore>(), 1500, 1 + 2));
            await a.CaughtUpCheckpointAsync();
            Assert.Equal(1, sequencers.Count(s => s.IsLeader));
            await AssertGaplessAsync(a);

            var (leader, follower) = sequencers[0].IsLeader ? (a, b) : (b, a);
            await leader.StopAsync();
            await AppendAsync(follower.Services.GetRequiredService<IDocumentStore>(), 500);
            await follower.CaughtUpCheckpointAsync();
            Assert.True(follower.Services.GetRequiredService<LedgerSequencer>().IsLeader);
            await AssertGaplessAsync(follower);
        }
        finally
        {
            await b.DisposeAsync();
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_server_refuses_to_start_with_another_hash_and_an_empty_log_has_no_checkpoint()
    {
        var quiet = new ServerFixture { Ledger = new LedgerSettings { RunSequencer = false } };
        await quiet.InitializeAsync();
        try
        {
            await Errors.Expect(StatusCode.FailedPrecondition, "NO_CHECKPOINT_YET", () => quiet.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest()));
            await Errors.Expect(StatusCode.FailedPrecondition, "NO_CHECKPOINT_YET", () => quiet.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true }));
            await Errors.Expect(StatusCode.FailedPrecondition, "NO_CHECKPOINT_YET", () => quiet.Operator.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0 }));

            var sm3 = new ServerFixture
            {
                Schema = quiet.Schema, DataDirectory = quiet.DataDirectory, OwnsSchema = false,
                Ledger = new LedgerSettings { HashAlgorithm = LogHashAlgorithm.Sm3 },
            };
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(sm3.InitializeAsync);
            Assert.Contains("was created with sha256", refused.Message);
            await sm3.DisposeAsync();
        }
        finally
        {
            await quiet.DisposeAsync();
        }
    }
}

/// <summary>An SM3 log end to end: leaves, proofs, checkpoints, receipts and the audit all use SM3.</summary>
public class Sm3LedgerSpecs(Sm3ServerFixture fixture) : IClassFixture<Sm3ServerFixture>
{
    [Fact]
    public async Task An_sm3_log_signs_proves_and_audits_with_sm3()
    {
        var server = fixture.Server;
        // A back-filed trade: its leaf carries the contract date.
        var world = await DataExchange.Server.Tests.Trades.TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(DataExchange.Server.Tests.Listings.Samples.Listing("SM3 feed", individuals: 0));
        var trade = await server.Operator.Trades.FileTradeAsync(new FileTradeRequest
        {
            Listing = listing.Name, Buyer = world.DomesticBuyerName, Licence = listing.Licence, Amount = listing.Price, ContractDate = "2022-01-31",
            RequestId = Guid.CreateVersion7().ToString(),
        });

        var checkpoint = await server.CaughtUpCheckpointAsync();
        Assert.Equal(HashAlgorithm.Sm3, checkpoint.HashAlgorithm);
        Assert.True(SignedNote.Verify(checkpoint.Note, server.Verifiers()).IsValid);
        var leaves = await server.ReadLeavesAsync();
        Assert.All(leaves, l => Assert.StartsWith("sm3:", l.Entry.PayloadDigest));
        var range = new DataExchange.Ledger.Merkle.CompactRange(TreeHasher.Sm3);
        foreach (var leaf in leaves)
        {
            range.Append(leaf.Entry.LeafHash(TreeHasher.Sm3));
        }

        Assert.Equal(checkpoint.RootHash.ToByteArray(), range.Root());

        var receipt = await server.Operator.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = trade.Name });
        Assert.Equal("2022-01-31", receipt.Leaves[0].Entry.EffectiveDate);
        Assert.Equal(HashAlgorithm.Sm3, receipt.HashAlgorithm);
        Assert.StartsWith("sm3:", receipt.Leaves[0].Entry.PayloadDigest, StringComparison.Ordinal);
        var verified = DataExchange.Cli.Commands.ReceiptCommands.Verify(Google.Protobuf.JsonFormatter.Default.Format(receipt), server.Verifiers(), null);
        Assert.True(verified.IsValid, verified.Describe());

        var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
        Assert.True(audit.Ok, audit.Failure);
    }
}
