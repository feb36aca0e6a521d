using System.Net;
using System.Text;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;
using DataExchange.Server.Configuration;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Grpc.Health.V1;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// The exchange with three `dx witness serve` processes on loopback: every checkpoint gathers three cosignatures; with
/// one witness down it goes on with two, marked below quorum; a restarted witness keeps its state; and an exchange that
/// signs another history, or a shorter one, with the same keys is refused by every witness.
/// </summary>
public sealed class WitnessedExchangeSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120); // a condition, not a sleep: generous for a loaded CI machine
    private readonly string folder = Directory.CreateTempSubdirectory("dx-witnessed-").FullName;
    private readonly List<WitnessProcess> witnesses = [];
    private readonly List<ServerFixture> servers = [];
    private LedgerSettings ledger = null!;
    private ServerFixture exchange = null!;

    public async Task InitializeAsync()
    {
        // The exchange's keys exist before it starts, so the witnesses can be told them (as operators would).
        var keys = WitnessedLedgerKeys.Create(folder, $"dataexchange.local/witnessed-{Guid.NewGuid():N}");
        foreach (var name in new[] { "witness-a.test/w", "witness-b.test/w", "witness-c.test/w" })
        {
            witnesses.Add(await WitnessProcess.StartAsync(name, Path.Combine(folder, name.Replace('/', '_')), keys.Ledger.Origin, keys.LogKeys));
        }

        ledger = keys.Ledger with { Witnesses = ConfiguredWitness.ParseList(string.Join(";", witnesses.Select(w => w.Setting))) };
        exchange = await StartExchangeAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }

        foreach (var witness in witnesses)
        {
            await witness.DisposeAsync();
        }

        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Every_checkpoint_is_cosigned_by_all_three_witnesses_and_served_with_their_cosignatures()
    {
        var world = await TradeWorld.CreateAsync(exchange);
        await world.ListedAsync(Listing("Witnessed feed", individuals: 0));
        var size = (await exchange.CaughtUpCheckpointAsync()).TreeSize;

        var served = await CosignedAsync(exchange, size, 3);

        Assert.Equal(WitnessQuorumState.Met, served.WitnessQuorumState);
        Assert.Equal(3, served.WitnessQuorum);
        Assert.True(SignedNote.Verify(served.Note, exchange.Verifiers()).IsValid, "the exchange's own signatures still verify");
        var note = SignedNote.Parse(served.Note);
        foreach (var witness in witnesses)
        {
            var line = Assert.Single(note.Signatures, s => s.KeyName == witness.Key.Name);
            Assert.NotNull(witness.Key.Verify(note.Text, line));
        }

        var listed = await exchange.Operator.Ledger.ListWitnessesAsync(new ListWitnessesRequest());
        Assert.All(listed.Witnesses, w => Assert.Equal((WitnessState.Current, served.TreeSize), (w.State, w.CosignedTreeSize)));
        Assert.Equal(witnesses.Select(w => w.Key.VerifierKey), listed.Witnesses.Select(w => w.VerifierKey));
        Assert.All(listed.Witnesses, w => Assert.StartsWith("http://127.0.0.1:", w.Uri, StringComparison.Ordinal));

        // Without a token: who witnesses and how far, not where they are or what they last answered.
        var published = await exchange.As(null).Ledger.ListWitnessesAsync(new ListWitnessesRequest());
        Assert.Equal(listed.Witnesses.Select(w => (w.KeyName, w.VerifierKey, w.State)), published.Witnesses.Select(w => (w.KeyName, w.VerifierKey, w.State)));
        Assert.All(published.Witnesses, w => Assert.Equal(("", ""), (w.Uri, w.LastError)));
    }

    [Fact]
    public async Task A_receipt_carries_the_cosignatures_on_its_note_and_still_verifies_offline_with_dx_and_the_python_verifier()
    {
        var world = await TradeWorld.CreateAsync(exchange);
        var listing = await world.ListedAsync(Listing("Receipt feed", individuals: 0));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        await CosignedAsync(exchange, (await exchange.CaughtUpCheckpointAsync()).TreeSize, 3);

        var receipt = await exchange.Operator.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = trade.Name });
        var note = SignedNote.Parse(receipt.Checkpoint.Note);
        Assert.All(witnesses, w => Assert.NotNull(w.Key.Verify(note.Text, note.Signatures.Single(s => s.KeyName == w.Key.Name))));
        Assert.Empty(receipt.Checkpoint.Cosignatures); // format 1: the lines are the cosignatures

        var file = Path.Combine(folder, "receipt.json");
        await File.WriteAllTextAsync(file, Google.Protobuf.JsonFormatter.Default.Format(receipt));
        var keys = await ReceiptTools.WriteKeysAsync(exchange.Operator.Ledger, Path.Combine(folder, "keys"));
        var dx = await ReceiptTools.DxAsync("receipt", "verify", file, "--keys", keys);
        Assert.True(dx.Exit == 0, dx.ToString());
        var python = await ReceiptTools.PythonAsync(file, "--key", keys);
        Assert.True(python.Exit == 0, python.ToString());

        // A 2-of-2 witness policy holds; one naming a witness that never saw this log, with quorum 3, does not.
        var vkeys = witnesses.Select((w, i) => WriteVkey($"w{i}.vkey", w.Key.VerifierKey)).ToList();
        var twoOfTwo = await ReceiptTools.DxAsync("receipt", "verify", file, "--keys", keys, "--witness", vkeys[0], "--witness", vkeys[1], "--witness-quorum", "2");
        Assert.True(twoOfTwo.Exit == 0, twoOfTwo.ToString());
        var stranger = WriteVkey("stranger.vkey", new Cosigner("witness.elsewhere/w", LedgerKeys.GenerateEd25519()).Verifier.VerifierKey);
        var unmet = await ReceiptTools.DxAsync("receipt", "verify", file, "--keys", keys, "--witness", vkeys[0], "--witness", vkeys[1], "--witness", stranger, "--witness-quorum", "3");
        Assert.True(unmet.Exit == DataExchange.Cli.ExitCodes.ReceiptInvalid, unmet.ToString());
        Assert.Contains("checkpoint.note", unmet.ToString());
    }

    private string WriteVkey(string name, string vkey)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, vkey + "\n");
        return path;
    }

    [Fact]
    public async Task With_one_witness_down_the_exchange_goes_on_with_two_and_a_restarted_witness_keeps_its_state()
    {
        var world = await TradeWorld.CreateAsync(exchange);
        var before = await CosignedAsync(exchange, (await exchange.CaughtUpCheckpointAsync()).TreeSize, 3);
        var down = witnesses[2];
        await down.StopAsync();

        await world.ListedAsync(Listing("Feed listed while a witness is down", individuals: 0));
        var size = (await exchange.CaughtUpCheckpointAsync()).TreeSize;
        var served = await CosignedAsync(exchange, size, 2);

        Assert.Equal(WitnessQuorumState.BelowQuorum, served.WitnessQuorumState);
        Assert.DoesNotContain(served.Cosignatures, c => c.Witness == down.Key.Name);
        var health = await new Health.HealthClient(exchange.Channel(null)).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        var listed = await Waiting.UntilAsync(async () => await exchange.Operator.Ledger.ListWitnessesAsync(new ListWitnessesRequest()),
            l => l.Witnesses.Single(w => w.KeyName == down.Key.Name).State == WitnessState.Unreachable, Deadline);
        var unreachable = listed.Witnesses.Single(w => w.KeyName == down.Key.Name);
        Assert.Equal(WitnessState.Unreachable, unreachable.State);
        Assert.NotEmpty(unreachable.LastError);

        // Restarted on its state file: it still holds what it cosigned, so an older checkpoint is refused ...
        await down.StartAsync();
        var (status, body) = await AddCheckpointAsync(down, 0, [], before.Note);
        // (a witness with no state would cosign it; the exchange may already have caught it up past it, hence "at least")
        Assert.True(status == HttpStatusCode.Conflict, $"{(int)status}: {body}");
        Assert.InRange(long.Parse(body.Trim(), System.Globalization.CultureInfo.InvariantCulture), before.TreeSize, long.MaxValue);

        // ... and the exchange catches it up with a consistency proof from there.
        var caughtUp = await CosignedAsync(exchange, size, 3);
        Assert.Equal(WitnessQuorumState.Met, caughtUp.WitnessQuorumState);
    }

    [Fact]
    public async Task An_exchange_that_signs_another_history_with_the_same_keys_is_refused_by_every_witness()
    {
        var honestWorld = await TradeWorld.CreateAsync(exchange);
        var honest = await CosignedAsync(exchange, (await exchange.CaughtUpCheckpointAsync()).TreeSize, 3);
        Assert.Equal(0, (await DxCheckpointAsync(exchange)).Exit); // a client sees the honest, witnessed log

        // The same origin and keys over another database: its history differs from the first leaf on, and is longer.
        var fork = await StartExchangeAsync();
        var forkWorld = await TradeWorld.CreateAsync(fork);
        await forkWorld.ListedAsync(Listing("Only in the forked history", individuals: 0));
        var forked = await fork.CaughtUpCheckpointAsync();
        Assert.True(forked.TreeSize > honest.TreeSize, $"the fork ({forked.TreeSize}) must be longer than the honest log ({honest.TreeSize})");

        var refused = await Waiting.UntilAsync(async () => await fork.Operator.Ledger.ListWitnessesAsync(new ListWitnessesRequest()),
            l => l.Witnesses.All(w => w.State == WitnessState.Refusing && w.LastError.StartsWith("422", StringComparison.Ordinal)), Deadline);
        // Its first, shorter checkpoints were refused as a rollback; once longer, its proof from the witnessed size fails (422).
        Assert.All(refused.Witnesses, w => Assert.Equal(WitnessState.Refusing, w.State));
        Assert.All(refused.Witnesses, w => Assert.StartsWith("422", w.LastError, StringComparison.Ordinal));
        var servedFork = await fork.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest());
        Assert.Empty(servedFork.Cosignatures);
        Assert.Equal(WitnessQuorumState.BelowQuorum, servedFork.WitnessQuorumState);
        Assert.All(witnesses, w => Assert.NotEmpty(Directory.GetFiles(Path.Combine(Path.GetDirectoryName(w.StateFile)!, "evidence"), "*", SearchOption.AllDirectories)));

        // The client that saw the honest log, shown the fork: the fork code, and both signed notes written out.
        var client = await DxCheckpointAsync(fork);
        Assert.True(client.Exit == DataExchange.Cli.ExitCodes.LogForked, client.ToString());
        AssertEvidence(honest.Note, forked.Note);

        // The honest exchange is still witnessed as it grows.
        await honestWorld.ListedAsync(Listing("Honest growth", individuals: 0));
        await CosignedAsync(exchange, (await exchange.CaughtUpCheckpointAsync()).TreeSize, 3);
    }

    [Fact]
    public async Task An_exchange_that_presents_a_shorter_tree_with_the_same_keys_is_refused_by_every_witness_as_a_rollback()
    {
        var world = await TradeWorld.CreateAsync(exchange);
        await exchange.CaughtUpCheckpointAsync(); // an older checkpoint to offer again, whichever spec ran first
        await world.ListedAsync(Listing("Before the rollback", individuals: 0));
        var first = await CosignedAsync(exchange, (await exchange.CaughtUpCheckpointAsync()).TreeSize, 3);
        Assert.Equal(0, (await DxCheckpointAsync(exchange)).Exit);

        // The exchange's own older checkpoint, offered again as if it were the latest: every witness answers 409 with the size it holds.
        var older = (await exchange.Operator.Ledger.ListCheckpointsAsync(new ListCheckpointsRequest())).Checkpoints.First(c => c.TreeSize < first.TreeSize);
        foreach (var witness in witnesses)
        {
            var (status, _) = await AddCheckpointAsync(witness, first.TreeSize, [], older.Note);
            Assert.Equal(HttpStatusCode.BadRequest, status);
        }

        // A server with the same keys and a shorter history pushes its checkpoints: refused, named as a rollback.
        var shorter = await StartExchangeAsync();
        var shorterSize = (await shorter.CaughtUpCheckpointAsync()).TreeSize;
        Assert.True(shorterSize < first.TreeSize);
        var refused = await Waiting.UntilAsync(async () => await shorter.Operator.Ledger.ListWitnessesAsync(new ListWitnessesRequest()),
            l => l.Witnesses.All(w => w.State == WitnessState.Refusing), Deadline);
        Assert.All(refused.Witnesses, w => Assert.Contains("rolled back", w.LastError));
        Assert.Empty((await shorter.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest())).Cosignatures);

        // The client that saw the larger tree: the rollback code, both notes written out.
        var client = await DxCheckpointAsync(shorter);
        Assert.True(client.Exit == DataExchange.Cli.ExitCodes.LogRolledBack, client.ToString());
        AssertEvidence(first.Note, (await shorter.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest())).Note);
    }

    private string ClientState => Path.Combine(folder, "client");

    /// <summary>`dx ledger checkpoint` against a server, remembering in this spec's own client state folder.</summary>
    private async Task<(int Exit, string Stdout, string Stderr)> DxCheckpointAsync(ServerFixture server)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await DataExchange.Cli.Program.RunAsync(
            ["ledger", "checkpoint", "--address", server.Address.ToString(), "--token", ServerFixture.OperatorToken, "--state-dir", ClientState],
            stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The evidence folder holds the note the client remembered and the one it was shown, as the exchange signed them.</summary>
    private void AssertEvidence(string remembered, string presented)
    {
        var evidence = Assert.Single(Directory.GetDirectories(Path.Combine(ClientState, "evidence")));
        Assert.Equal(SignedNote.Parse(remembered).Text, SignedNote.Parse(File.ReadAllText(Path.Combine(evidence, "remembered.note"))).Text);
        Assert.Equal(SignedNote.Parse(presented).Text, SignedNote.Parse(File.ReadAllText(Path.Combine(evidence, "presented.note"))).Text);
        Assert.True(SignedNote.Verify(File.ReadAllText(Path.Combine(evidence, "presented.note")), exchange.Verifiers()).IsValid,
            "the presented note is signed with the exchange's own keys: proof of misbehaviour");
    }

    private async Task<ServerFixture> StartExchangeAsync()
    {
        var server = new ServerFixture { Ledger = ledger };
        servers.Add(server);
        await server.InitializeAsync();
        return server;
    }

    /// <summary>The latest checkpoint once it covers <paramref name="size"/> leaves and carries <paramref name="count"/> cosignatures.</summary>
    private static async Task<SignedCheckpoint> CosignedAsync(ServerFixture server, long size, int count)
    {
        var served = await Waiting.UntilAsync(async () => await server.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest()),
            c => c.TreeSize >= size && c.Cosignatures.Count == count, Deadline);
        Assert.True(served.TreeSize >= size && served.Cosignatures.Count == count,
            $"wanted {count} cosignatures on a checkpoint of at least {size} leaves; the latest is of {served.TreeSize} with {served.Cosignatures.Count}");
        return served;
    }

    private static async Task<(HttpStatusCode Status, string Body)> AddCheckpointAsync(WitnessProcess witness, long oldSize, IReadOnlyList<byte[]> proof, string note)
    {
        using var http = new HttpClient { BaseAddress = witness.Address };
        var body = WitnessProtocol.Format(new WitnessProtocol.AddCheckpointRequest(oldSize, proof, note));
        using var response = await http.PostAsync("add-checkpoint", new StringContent(body, Encoding.UTF8, "text/plain"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
