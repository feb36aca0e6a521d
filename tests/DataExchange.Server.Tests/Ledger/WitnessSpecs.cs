using System.Net;
using System.Text;
using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// A dx witness fed the exchange's real checkpoints (SM2 and Ed25519 signed, with their stream-heads line) and the
/// exchange's own consistency proofs cosigns them as the log grows, and refuses to go back to an older one.
/// </summary>
public sealed class WitnessSpecs(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("dx-witness-e2e-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task A_witness_cosigns_the_exchange_s_checkpoints_as_the_ledger_grows_and_refuses_an_older_one()
    {
        var keys = await server.Operator.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest());
        var verifiers = keys.Keys.Where(k => k.ValidUntilTreeSize == 0).Select(k => NoteKeys.ParseVerifierKey(k.VerifierKey)).ToList();
        var world = await TradeWorld.CreateAsync(server);
        var first = await server.CaughtUpCheckpointAsync();
        var origin = first.Origin;
        var witness = new Cosigner("witness.example/e2e", LedgerKeys.GenerateEd25519());
        var settings = new WitnessSettings(new IPEndPoint(IPAddress.Loopback, 0), witness, Path.Combine(folder, "state.json"),
            new Dictionary<string, WitnessedLog> { [origin] = new(origin, verifiers, TreeHasher.Sha256) });
        await using var app = WitnessHost.Build(settings, TimeProvider.System);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        Assert.Equal(HttpStatusCode.OK, (await AddAsync(http, 0, [], first.Note)).Status);

        await world.ListedAsync(Listing("Witnessed feed", individuals: 0));
        var second = await server.CaughtUpCheckpointAsync();
        Assert.True(second.TreeSize > first.TreeSize);
        var proof = await server.Operator.Ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = first.TreeSize, SecondTreeSize = second.TreeSize });
        var (status, answer) = await AddAsync(http, first.TreeSize, [.. proof.Hashes.Select(h => h.ToByteArray())], second.Note);
        Assert.True(status == HttpStatusCode.OK, answer);

        var cosigned = SignedNote.Parse(second.Note + answer);
        var line = cosigned.Signatures.Single(s => s.KeyName == witness.Name);
        Assert.NotNull(witness.Verifier.Verify(cosigned.Text, line));

        var rollback = await AddAsync(http, second.TreeSize, [], first.Note);
        Assert.Equal(HttpStatusCode.BadRequest, rollback.Status);
        await app.StopAsync();
    }

    private static async Task<(HttpStatusCode Status, string Body)> AddAsync(HttpClient http, long oldSize, IReadOnlyList<byte[]> proof, string note)
    {
        var body = WitnessProtocol.Format(new WitnessProtocol.AddCheckpointRequest(oldSize, proof, note));
        using var response = await http.PostAsync("/add-checkpoint", new StringContent(body, Encoding.UTF8, "text/plain"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
