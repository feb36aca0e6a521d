using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;

namespace DataExchange.Ledger.Tests.Witness;

/// <summary>A witness restarted from its state file still refuses what does not extend what it cosigned before.</summary>
public sealed class WitnessStateFileTests : IDisposable
{
    private const string Origin = "exchange.example/ledger";
    private static readonly Ed25519NoteSigner LogKey = new(Origin, LedgerKeys.GenerateEd25519());
    private static readonly Cosigner Witness = new("witness.example/w1", LedgerKeys.GenerateEd25519());
    private static readonly Dictionary<string, WitnessedLog> Logs = new() { [Origin] = new WitnessedLog(Origin, [LogKey.Verifier], TreeHasher.Sha256) };

    private readonly string folder = Directory.CreateTempSubdirectory("witness-state-").FullName;
    private readonly BuiltLog honest = new(TreeHasher.Sha256, 30, seed: 3);
    private readonly BuiltLog forked = new(TreeHasher.Sha256, 30, seed: 4);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string StatePath => Path.Combine(folder, "state.json");

    private static string Note(BuiltLog log, int size) => SignedNote.Sign(new Checkpoint(Origin, size, log.RootsBySize[size]).ToNoteText(), LogKey);

    [Fact]
    public void A_restarted_witness_keeps_what_it_cosigned_and_refuses_a_rollback_to_before_it()
    {
        Assert.True(WitnessStateFile.Open(StatePath).AddCheckpoint(Logs, 0, [], Note(honest, 20), Witness, 100).Cosigned);

        var restarted = WitnessStateFile.Open(StatePath);
        Assert.Equal(20, restarted.Latest(Origin)!.Size);
        Assert.Equal(WitnessRefusal.Rollback, restarted.AddCheckpoint(Logs, 20, [], Note(honest, 10), Witness, 200).Refusal);
        Assert.Equal(WitnessRefusal.OldSizeMismatch, restarted.AddCheckpoint(Logs, 0, [], Note(honest, 10), Witness, 200).Refusal);
        Assert.True(restarted.AddCheckpoint(Logs, 20, honest.Consistency(20, 25), Note(honest, 25), Witness, 300).Cosigned);
        Assert.Equal(25, WitnessStateFile.Open(StatePath).Latest(Origin)!.Size);
    }

    [Fact]
    public void A_fork_leaves_both_signed_notes_as_evidence()
    {
        var witness = WitnessStateFile.Open(StatePath);
        witness.AddCheckpoint(Logs, 0, [], Note(honest, 10), Witness, 100);
        var fork = witness.AddCheckpoint(Logs, 10, forked.Consistency(10, 20), Note(forked, 20), Witness, 200);

        Assert.Equal(WitnessRefusal.Inconsistent, fork.Refusal);
        Assert.Equal(Note(honest, 10), File.ReadAllText(Path.Combine(witness.EvidenceDirectory, "200-inconsistent-cosigned.note")));
        Assert.Equal(Note(forked, 20), File.ReadAllText(Path.Combine(witness.EvidenceDirectory, "200-inconsistent-offered.note")));
        Assert.Equal(10, WitnessStateFile.Open(StatePath).Latest(Origin)!.Size);
    }

    [Fact]
    public void A_state_file_that_does_not_read_stops_the_witness_rather_than_forgetting()
    {
        File.WriteAllText(StatePath, "{ \"Origins\": { \"x\": { \"Size\": -1 ");
        var error = Assert.Throws<InvalidDataException>(() => WitnessStateFile.Open(StatePath));
        Assert.Contains("refusing to start from nothing", error.Message, StringComparison.Ordinal);
    }
}
