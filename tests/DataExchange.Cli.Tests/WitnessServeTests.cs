using System.Net;
using System.Text;
using DataExchange.Cli.Commands;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DataExchange.Cli.Tests;

/// <summary>
/// dx witness serve over real HTTP on loopback: it cosigns a log's honest growth, refuses a fork made with the log's
/// own key (422) and a rollback (400), tells a stale client the size it knows (409), and remembers across a restart.
/// </summary>
public sealed class WitnessServeTests : IDisposable
{
    private const string Origin = "exchange.example/ledger";
    private readonly string folder = Directory.CreateTempSubdirectory("dx-witness-").FullName;
    private readonly Ed25519NoteSigner logKey = new(Origin, LedgerKeys.GenerateEd25519());
    private readonly Cosigner witness = new("witness.example/w1", LedgerKeys.GenerateEd25519());
    private readonly MerkleTree honest = Tree("honest", 40);
    private readonly MerkleTree forked = Tree("forked", 40);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static MerkleTree Tree(string seed, int size)
    {
        var tree = new MerkleTree(TreeHasher.Sha256);
        for (var i = 0; i < size; i++)
        {
            tree.AppendLeafData(Encoding.UTF8.GetBytes($"{seed} {i}"));
        }

        return tree;
    }

    private string Note(MerkleTree tree, long size) => SignedNote.Sign(new Checkpoint(Origin, size, tree.Root(size)).ToNoteText(), logKey);

    private async Task<(Microsoft.AspNetCore.Builder.WebApplication App, HttpClient Http)> StartAsync()
    {
        var settings = new WitnessSettings(new IPEndPoint(IPAddress.Loopback, 0), witness, Path.Combine(folder, "state.json"),
            new Dictionary<string, WitnessedLog> { [Origin] = new(Origin, [logKey.Verifier], TreeHasher.Sha256) });
        var app = WitnessHost.Build(settings, TimeProvider.System);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(address) });
    }

    private static async Task<(HttpStatusCode Status, string Body)> AddAsync(HttpClient http, long oldSize, IReadOnlyList<byte[]> proof, string note)
    {
        var body = WitnessProtocol.Format(new WitnessProtocol.AddCheckpointRequest(oldSize, proof, note));
        using var response = await http.PostAsync("/add-checkpoint", new StringContent(body, Encoding.UTF8, "text/plain"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_witness_cosigns_growth_refuses_forks_and_rollbacks_and_remembers_across_a_restart()
    {
        var (app, http) = await StartAsync();
        var (status, body) = await AddAsync(http, 0, [], Note(honest, 10));
        Assert.Equal(HttpStatusCode.OK, status);
        var cosigned = SignedNote.Parse(Note(honest, 10) + body).Signatures.Single(s => s.KeyName == witness.Name);
        Assert.NotNull(witness.Verifier.Verify(new Checkpoint(Origin, 10, honest.Root(10)).ToNoteText(), cosigned));
        Assert.Equal(witness.Verifier.VerifierKey + "\n", await http.GetStringAsync("/vkey"));

        Assert.Equal(HttpStatusCode.OK, (await AddAsync(http, 10, honest.ConsistencyProof(10, 20), Note(honest, 20))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await AddAsync(http, 20, forked.ConsistencyProof(20, 30), Note(forked, 30))).Status);
        await app.StopAsync();
        await app.DisposeAsync();

        (app, http) = await StartAsync();
        var stale = await AddAsync(http, 10, honest.ConsistencyProof(10, 30), Note(honest, 30));
        Assert.Equal((HttpStatusCode.Conflict, "20\n"), stale);
        Assert.Equal(HttpStatusCode.BadRequest, (await AddAsync(http, 20, [], Note(honest, 15))).Status);
        Assert.Equal(HttpStatusCode.OK, (await AddAsync(http, 20, honest.ConsistencyProof(20, 30), Note(honest, 30))).Status);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(folder, "evidence"), "*-inconsistent-*.note").Length);
        await app.StopAsync();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task A_body_that_is_not_add_checkpoint_or_a_stranger_s_checkpoint_is_refused()
    {
        var (app, http) = await StartAsync();
        using (var response = await http.PostAsync("/add-checkpoint", new StringContent("hello", Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var stranger = new Ed25519NoteSigner(Origin, LedgerKeys.GenerateEd25519());
        var foreign = SignedNote.Sign(new Checkpoint(Origin, 5, honest.Root(5)).ToNoteText(), stranger);
        Assert.Equal(HttpStatusCode.Forbidden, (await AddAsync(http, 0, [], foreign)).Status);
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
