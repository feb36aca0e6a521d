using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;

namespace DataExchange.Ledger.Tests.Witness;

/// <summary>The tlog-witness add-checkpoint body and answers, as the spec writes them.</summary>
public sealed class WitnessProtocolTests
{
    private const string SpecBody = """
        old 20852014
        PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
        jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
        5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
        /6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=

        """;

    [Fact]
    public void The_specs_example_request_parses_into_old_size_four_hashes_and_the_checkpoint()
    {
        var request = WitnessProtocol.Parse(SpecBody);

        Assert.Equal(20852014, request.OldSize);
        Assert.Equal(4, request.Proof.Count);
        Assert.All(request.Proof, h => Assert.Equal(32, h.Length));
        Assert.StartsWith("example.com/behind-the-sofa\n20852163\n", request.SignedNote, StringComparison.Ordinal);
        Assert.Equal(SpecBody, WitnessProtocol.Format(request));
    }

    [Theory]
    [InlineData("new 5\n\nx\n")]
    [InlineData("old 05\n\nx\n")]
    [InlineData("old -1\n\nx\n")]
    [InlineData("old 5\nnot base64!\n\nx\n")]
    [InlineData("old 5\nx\n")]
    public void A_body_that_is_not_add_checkpoint_is_a_format_error(string body) =>
        Assert.Throws<FormatException>(() => WitnessProtocol.Parse(body));

    [Fact]
    public void More_than_63_proof_lines_are_refused()
    {
        var body = "old 1\n" + string.Concat(Enumerable.Repeat("AAAA\n", 64)) + "\nx\n";
        Assert.Throws<FormatException>(() => WitnessProtocol.Parse(body));
    }

    [Fact]
    public void Each_refusal_answers_the_status_the_spec_gives_and_a_conflict_the_known_size()
    {
        Assert.Equal(404, WitnessProtocol.StatusOf(WitnessRefusal.UnknownOrigin));
        Assert.Equal(403, WitnessProtocol.StatusOf(WitnessRefusal.BadSignature));
        Assert.Equal(400, WitnessProtocol.StatusOf(WitnessRefusal.Rollback));
        Assert.Equal(409, WitnessProtocol.StatusOf(WitnessRefusal.OldSizeMismatch));
        Assert.Equal(409, WitnessProtocol.StatusOf(WitnessRefusal.ConflictingRoot));
        Assert.Equal(422, WitnessProtocol.StatusOf(WitnessRefusal.Inconsistent));
        Assert.Equal((WitnessProtocol.SizeContentType, "20\n"),
            WitnessProtocol.ResponseOf(new WitnessOutcome(WitnessRefusal.OldSizeMismatch, "stale", KnownSize: 20)));
    }

    [Fact]
    public void A_cosigned_answer_appended_to_the_checkpoint_verifies_as_a_note_signature()
    {
        var log = new BuiltLog(TreeHasher.Sha256, 5, seed: 9);
        var logKey = new Ed25519NoteSigner("exchange.example/ledger", LedgerKeys.GenerateEd25519());
        var witness = new Cosigner("witness.example/w1", LedgerKeys.GenerateEd25519());
        var body = new Checkpoint("exchange.example/ledger", 5, log.RootsBySize[5]).ToNoteText();
        var note = SignedNote.Sign(body, logKey);
        var logs = new Dictionary<string, WitnessedLog> { ["exchange.example/ledger"] = new("exchange.example/ledger", [logKey.Verifier], TreeHasher.Sha256) };

        var outcome = WitnessDecision.AddCheckpoint(logs, _ => null, 0, [], note, witness, 1_764_806_400);
        var (_, answer) = WitnessProtocol.ResponseOf(outcome);

        var cosigned = SignedNote.Parse(note + answer);
        var line = cosigned.Signatures.Single(s => s.KeyName == "witness.example/w1");
        Assert.Equal(1_764_806_400UL, witness.Verifier.Verify(body, line));
    }
}
