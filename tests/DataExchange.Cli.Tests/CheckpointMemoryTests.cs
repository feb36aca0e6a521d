using DataExchange.Cli;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Memory;
using DataExchange.Ledger.Notes;

namespace DataExchange.Cli.Tests;

/// <summary>dx's memory on disk: one owner-only file per origin, replaced whole, never moved backwards, never silently reset.</summary>
public sealed class CheckpointMemoryTests : IDisposable
{
    private const string Origin = "exchange.example/ledger";
    private static readonly Ed25519NoteSigner LogKey = new("exchange-ed25519", LedgerKeys.GenerateEd25519());
    private readonly string folder = Directory.CreateTempSubdirectory("dx-memory-tests-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static RememberedCheckpoint At(long size, byte fill = 1)
    {
        var checkpoint = new Checkpoint(Origin, size, Enumerable.Repeat(fill, 32).ToArray());
        return new RememberedCheckpoint(Origin, size, checkpoint.RootHash, SignedNote.Sign(checkpoint.ToNoteText(), LogKey), [NoteKeys.FormatVerifierKey(LogKey.Verifier)]);
    }

    [Fact]
    public void A_saved_checkpoint_reads_back_from_an_owner_only_file_and_no_temporary_file_is_left()
    {
        var memory = new CheckpointMemory(folder);

        memory.Save(At(7), DateTimeOffset.UnixEpoch);

        var loaded = memory.Load(Origin)!;
        Assert.Equal((7L, At(7).Note), (loaded.Size, loaded.Note));
        Assert.Equal(At(7).VerifierKeys, loaded.VerifierKeys);
        var file = memory.PathOf(Origin);
        Assert.Equal([file], Directory.GetFiles(Path.GetDirectoryName(file)!));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(file)!));
        }
    }

    [Fact]
    public void The_memory_only_moves_forward()
    {
        var memory = new CheckpointMemory(folder);
        memory.Save(At(9), DateTimeOffset.UnixEpoch);

        memory.Save(At(5), DateTimeOffset.UnixEpoch);

        Assert.Equal(9, memory.Load(Origin)!.Size);
    }

    [Fact]
    public void Nothing_remembered_reads_as_nothing_and_forget_drops_what_was()
    {
        var memory = new CheckpointMemory(folder);
        Assert.Null(memory.Load(Origin));
        memory.Save(At(3), DateTimeOffset.UnixEpoch);

        Assert.True(memory.Forget(Origin));
        Assert.Null(memory.Load(Origin));
        Assert.False(memory.Forget(Origin));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("""{"format":"dataexchange.client-checkpoint/1","origin":"exchange.example/ledger","note":"no note","verifierKeys":["x"]}""")]
    [InlineData("")]
    public void A_file_that_does_not_read_is_an_error_naming_it_and_the_way_out_not_a_fresh_start(string content)
    {
        var memory = new CheckpointMemory(folder);
        memory.Save(At(3), DateTimeOffset.UnixEpoch);
        File.WriteAllText(memory.PathOf(Origin), content);

        var error = Assert.Throws<CliException>(() => memory.Load(Origin));

        Assert.Contains(memory.PathOf(Origin), error.Message, StringComparison.Ordinal);
        Assert.Contains($"dx ledger forget {Origin}", error.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(memory.PathOf(Origin)));
        Assert.Throws<CliException>(() => memory.Save(At(4), DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Distinct_origins_never_share_a_file()
    {
        Assert.NotEqual(CheckpointMemory.Slug("a.example/b"), CheckpointMemory.Slug("a.example_b"));
        Assert.DoesNotContain('/', CheckpointMemory.Slug("a.example/b"));
    }

    [Fact]
    public void Evidence_keeps_both_notes_the_failed_proof_the_public_key_and_a_readme()
    {
        var memory = new CheckpointMemory(folder);
        var decision = new MemoryDecision(MemoryVerdict.Fork, "the log forked", new ConsistencyRequest(3, 5), [new byte[32]]);

        var evidence = memory.WriteEvidence(At(3), At(5, fill: 2).Note, decision, [LogKey.Verifier], DateTimeOffset.UnixEpoch);

        Assert.Equal(At(3).Note, File.ReadAllText(Path.Combine(evidence, "remembered.note")));
        Assert.Equal(At(5, fill: 2).Note, File.ReadAllText(Path.Combine(evidence, "presented.note")));
        Assert.StartsWith("consistency proof from tree size 3 to 5", File.ReadAllText(Path.Combine(evidence, "proof.txt")), StringComparison.Ordinal);
        Assert.Contains("BEGIN PUBLIC KEY", File.ReadAllText(Path.Combine(evidence, $"exchange-ed25519-{LogKey.KeyId:x8}.pem")), StringComparison.Ordinal);
        Assert.Contains("THE LOG FORKED", File.ReadAllText(Path.Combine(evidence, "README.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_state_directory_is_the_option_then_DX_STATE_DIR_then_the_XDG_config_home_then_HOME()
    {
        static string? Resolve(string commandLine, Dictionary<string, string> environment)
        {
            var global = new GlobalOptions();
            var result = Program.BuildRootCommand(global).Parse(commandLine);
            return global.StateDirectory(result, environment.GetValueOrDefault);
        }

        Assert.Equal("/opt/s", Resolve("health --state-dir /opt/s", new() { ["DX_STATE_DIR"] = "/env/s" }));
        Assert.Equal("/env/s", Resolve("health", new() { ["DX_STATE_DIR"] = "/env/s", ["XDG_CONFIG_HOME"] = "/xdg" }));
        Assert.Equal("/xdg/dataexchange", Resolve("health", new() { ["XDG_CONFIG_HOME"] = "/xdg", ["HOME"] = "/home/u" }));
        Assert.Equal("/home/u/.config/dataexchange", Resolve("health", new() { ["HOME"] = "/home/u" }));
    }
}
