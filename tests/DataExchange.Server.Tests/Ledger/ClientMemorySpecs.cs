using System.Text.Json;
using DataExchange.Cli;
using DataExchange.Contracts.V1;
using DataExchange.Server.Configuration;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Xunit.Abstractions;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// dx remembers the last checkpoint it verified per log. A second server that holds the exchange's signing keys and
/// origin but shows another history (a split view) or a shorter one (a rollback) is caught by a client that saw the
/// honest log: its own exit code, both signed notes written out and checkable with OpenSSL, and the memory left as it
/// was. Honest growth moves the memory forward.
/// </summary>
public sealed class ClientMemorySpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ServerFixture honest = new();
    private readonly string stateDirectory = Directory.CreateTempSubdirectory("dx-memory-").FullName;
    private readonly List<ServerFixture> others = [];

    public Task InitializeAsync() => honest.InitializeAsync();

    public async Task DisposeAsync()
    {
        foreach (var other in others)
        {
            await other.DisposeAsync();
        }

        await honest.DisposeAsync();
        Directory.Delete(stateDirectory, recursive: true);
    }

    /// <summary>Another server with the honest one's origin and signing keys, over a database schema of its own.</summary>
    private async Task<ServerFixture> ImpostorAsync()
    {
        var keys = Directory.CreateTempSubdirectory("dx-stolen-keys-").FullName;
        foreach (var name in new[] { "ledger-sm2.pem", "ledger-ed25519.pem" })
        {
            File.Copy(Path.Combine(honest.DataDirectory, "keys", name), Path.Combine(keys, name));
        }

        var impostor = new ServerFixture
        {
            Ledger = new LedgerSettings
            {
                Origin = honest.Origin,
                Sm2KeyFile = Path.Combine(keys, "ledger-sm2.pem"),
                Ed25519KeyFile = Path.Combine(keys, "ledger-ed25519.pem"),
            },
        };
        others.Add(impostor);
        await impostor.InitializeAsync();
        return impostor;
    }

    private static async Task GrowAsync(ServerFixture server, string prefix, int participants)
    {
        for (var i = 0; i < participants; i++)
        {
            await server.NewParticipantAsync($"{prefix} {i}", Region.MainlandChina, "Shenzhen", Role.Buyer);
        }

        await server.CaughtUpCheckpointAsync();
    }

    private async Task<(int Exit, string Stdout, string Stderr)> DxCheckpointAsync(ServerFixture server)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await DataExchange.Cli.Program.RunAsync(
            ["ledger", "checkpoint", "--address", server.Address.ToString(), "--token", ServerFixture.OperatorToken, "--state-dir", stateDirectory],
            stdout, stderr);
        output.WriteLine($"dx ledger checkpoint ({server.Schema}): exit {exit}\n{stdout}\n{stderr}");
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private long RememberedSize()
    {
        var file = Assert.Single(Directory.GetFiles(Path.Combine(stateDirectory, "checkpoints")));
        using var stored = JsonDocument.Parse(File.ReadAllText(file));
        Assert.Equal(honest.Origin, stored.RootElement.GetProperty("origin").GetString());
        return stored.RootElement.GetProperty("size").GetInt64();
    }

    private string EvidenceFolder() => Assert.Single(Directory.GetDirectories(Path.Combine(stateDirectory, "evidence")));

    /// <summary>The OpenSSL loop the evidence's README.txt gives, run as written in the evidence folder.</summary>
    private static async Task AssertBothNotesVerifyWithOpenSslAsync(string folder)
    {
        var readme = await File.ReadAllLinesAsync(Path.Combine(folder, "README.txt"));
        var start = Array.FindIndex(readme, l => l.TrimStart().StartsWith("for n in remembered presented", StringComparison.Ordinal));
        var end = Array.FindIndex(readme, start, l => l.Trim() == "done");
        Assert.True(start >= 0 && end > start, "the README gives the OpenSSL commands");
        var script = "set -e\n" + string.Join("\n", readme[start..(end + 1)]);

        var run = await ReceiptTools.BashAsync(folder, script);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(2, run.Stdout.Split("Signature Verified Successfully").Length - 1);
    }

    [Fact]
    public async Task A_log_showing_another_history_under_the_same_keys_is_a_fork_with_both_notes_kept_and_honest_growth_advances()
    {
        await GrowAsync(honest, "Honest buyer", 2);
        var first = await DxCheckpointAsync(honest);
        Assert.Equal(ExitCodes.Success, first.Exit);
        Assert.Contains("trusting " + honest.Origin + " on first use", first.Stderr, StringComparison.Ordinal);
        var remembered = RememberedSize();

        var impostor = await ImpostorAsync();
        await GrowAsync(impostor, "Other buyer", 4);
        var forked = await DxCheckpointAsync(impostor);

        Assert.Equal(ExitCodes.LogForked, forked.Exit);
        Assert.Contains("FORK", forked.Stderr, StringComparison.Ordinal);
        var folder = EvidenceFolder();
        Assert.Contains(folder, forked.Stderr, StringComparison.Ordinal);
        var files = Directory.GetFiles(folder).Select(Path.GetFileName).ToList();
        Assert.Contains("remembered.note", files);
        Assert.Contains("presented.note", files);
        Assert.Contains("README.txt", files);
        Assert.Equal((await honest.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest { MinTreeSize = remembered })).TreeSize,
            DataExchange.Ledger.Notes.Checkpoint.Parse(DataExchange.Ledger.Notes.SignedNote.Parse(File.ReadAllText(Path.Combine(folder, "remembered.note"))).Text).Size);
        Assert.Equal(remembered, RememberedSize());
        await AssertBothNotesVerifyWithOpenSslAsync(folder);

        // The honest log grows: its new checkpoint extends the remembered one, and the memory moves forward.
        await GrowAsync(honest, "Later buyer", 1);
        var grown = await DxCheckpointAsync(honest);
        Assert.Equal(ExitCodes.Success, grown.Exit);
        Assert.Contains("extends the remembered size " + remembered, grown.Stdout, StringComparison.Ordinal);
        Assert.True(RememberedSize() > remembered, "the memory advanced");
    }

    [Fact]
    public async Task A_log_presenting_a_shorter_history_as_its_latest_is_a_rollback_and_the_memory_stays()
    {
        await GrowAsync(honest, "Honest buyer", 3);
        Assert.Equal(ExitCodes.Success, (await DxCheckpointAsync(honest)).Exit);
        var remembered = RememberedSize();

        var shorter = await ImpostorAsync();
        await GrowAsync(shorter, "Only buyer", 1);
        var rolledBack = await DxCheckpointAsync(shorter);

        Assert.Equal(ExitCodes.LogRolledBack, rolledBack.Exit);
        Assert.Contains("ROLLBACK", rolledBack.Stderr, StringComparison.Ordinal);
        var folder = EvidenceFolder();
        Assert.Contains(folder, rolledBack.Stderr, StringComparison.Ordinal);
        Assert.Equal(remembered, RememberedSize());
        await AssertBothNotesVerifyWithOpenSslAsync(folder);

        // The honest log is still the one remembered: asking it again is no misbehaviour.
        Assert.Equal(ExitCodes.Success, (await DxCheckpointAsync(honest)).Exit);
    }

    [Fact]
    public async Task A_checkpoint_signed_by_none_of_the_remembered_keys_is_refused_until_forgotten()
    {
        await GrowAsync(honest, "Honest buyer", 1);
        Assert.Equal(ExitCodes.Success, (await DxCheckpointAsync(honest)).Exit);

        // Same origin, keys of its own: a server that is not the exchange the client met.
        var stranger = new ServerFixture { Ledger = new LedgerSettings { Origin = honest.Origin } };
        others.Add(stranger);
        await stranger.InitializeAsync();
        await GrowAsync(stranger, "Stranger", 1);
        var refused = await DxCheckpointAsync(stranger);

        Assert.Equal(ExitCodes.Refused, refused.Exit);
        Assert.Contains("signed by none of the keys remembered", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains($"dx ledger forget {honest.Origin}", refused.Stderr, StringComparison.Ordinal);

        var forget = await DataExchange.Cli.Program.RunAsync(["ledger", "forget", honest.Origin, "--state-dir", stateDirectory], new StringWriter(), new StringWriter());
        Assert.Equal(ExitCodes.Success, forget);
        Assert.Equal(ExitCodes.Success, (await DxCheckpointAsync(stranger)).Exit);
    }
}
