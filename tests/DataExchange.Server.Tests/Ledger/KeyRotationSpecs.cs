using DataExchange.Contracts.V1;
using DataExchange.Ledger.Notes;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>A new signing key takes over from a tree size on; checkpoints signed before stay verifiable with the old one.</summary>
public class KeyRotationSpecs
{
    [Fact]
    public async Task Rotated_keys_sign_from_the_rotation_size_on_and_old_checkpoints_still_verify_with_the_old_keys()
    {
        var first = new ServerFixture();
        await first.InitializeAsync();
        try
        {
            await AppendAsync(first, 20);
            var before = await first.CaughtUpCheckpointAsync();
            var oldVerifiers = first.Verifiers();
            await first.StopAsync();

            // Same log, new data directory: the server generates new keys, which counts as a rotation.
            var second = new ServerFixture { Schema = first.Schema, OwnsSchema = false };
            await second.InitializeAsync();
            try
            {
                var stream = await AppendAsync(second, 20);
                var after = await second.CaughtUpCheckpointAsync();
                var newVerifiers = second.Verifiers();

                var keys = (await second.Operator.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest())).Keys;
                Assert.Equal(4, keys.Count);
                var retired = keys.Where(k => k.ValidUntilTreeSize != 0).ToList();
                var current = keys.Where(k => k.ValidUntilTreeSize == 0).ToList();
                Assert.Equal(2, retired.Count);
                Assert.Equal(2, current.Count);
                Assert.All(retired, k => Assert.True(k.ValidUntilTreeSize >= before.TreeSize));
                Assert.All(current, k => Assert.Equal(retired[0].ValidUntilTreeSize, k.ValidFromTreeSize));

                Assert.True(SignedNote.Verify(before.Note, oldVerifiers).IsValid);
                Assert.True(SignedNote.Verify(after.Note, newVerifiers).IsValid);
                Assert.False(SignedNote.Verify(after.Note, oldVerifiers).VerifiedKeys.Count > 0, "old keys must not verify new checkpoints");

                // The log itself is one history across the rotation.
                var proof = await second.Operator.Ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = before.TreeSize, SecondTreeSize = after.TreeSize });
                Assert.True(DataExchange.Ledger.Merkle.MerkleProofs.VerifyConsistency(DataExchange.Ledger.Hashing.TreeHasher.Sha256, before.TreeSize, after.TreeSize,
                    before.RootHash.Span, after.RootHash.Span, proof.Hashes.Select(h => h.ToByteArray()).ToList()));
                var audit = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(second.Operator.Ledger, () => new CallOptions(), newVerifiers, before.Note, null, CancellationToken.None);
                Assert.False(audit.Ok, "a kept checkpoint signed by retired keys needs those keys too");
                var withBoth = await DataExchange.Cli.Commands.LedgerAudit.VerifyAsync(second.Operator.Ledger, () => new CallOptions(), [.. oldVerifiers, .. newVerifiers], before.Note, null, CancellationToken.None);
                Assert.True(withBoth.Ok, withBoth.Failure);

                // A receipt checked with every key the auditor ever trusted: each algorithm's current key must sign.
                var world = await DataExchange.Server.Tests.Trades.TradeWorld.CreateAsync(second);
                var listing = await world.ListedAsync(DataExchange.Server.Tests.Listings.Samples.Listing("Rotation feed", individuals: 0));
                var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(DataExchange.Server.Tests.Trades.TradeWorld.Buy(listing));
                await second.CaughtUpCheckpointAsync();
                var receipt = await second.Operator.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = trade.Name });
                var json = Google.Protobuf.JsonFormatter.Default.Format(receipt);
                var result = DataExchange.Cli.Commands.ReceiptCommands.Verify(json, [.. oldVerifiers, .. newVerifiers], null);
                Assert.True(result.IsValid, result.Describe());
                Assert.False(DataExchange.Cli.Commands.ReceiptCommands.Verify(json, oldVerifiers, null).IsValid);
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

    private static async Task<Guid> AppendAsync(ServerFixture server, int events)
    {
        var stream = Guid.CreateVersion7();
        await using var session = server.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.Append(stream, Enumerable.Range(0, events).Select(i => (object)new LedgerProbe(7, i, "rotation")).ToArray());
        await session.SaveChangesAsync();
        return stream;
    }
}
