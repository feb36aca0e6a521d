using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;

namespace DataExchange.Ledger.Tests.Witness;

/// <summary>A client's witness policy: K distinct witnesses of the policy must have cosigned validly, and none invalidly.</summary>
public sealed class WitnessPolicyTests
{
    private const string Body = "exchange.example/ledger\n42\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    private static readonly Ed25519NoteSigner LogKey = new("exchange-ed25519", LedgerKeys.GenerateEd25519());
    private static readonly Cosigner W1 = new("witness.example/w1", LedgerKeys.GenerateEd25519());
    private static readonly Cosigner W2 = new("witness.example/w2", LedgerKeys.GenerateEd25519());
    private static readonly Cosigner W3 = new("witness.example/w3", LedgerKeys.GenerateEd25519());

    private static string Cosigned(params NoteSignature[] cosignatures)
    {
        var note = SignedNote.Parse(SignedNote.Sign(Body, LogKey));
        return (note with { Signatures = [.. note.Signatures, .. cosignatures] }).Encode();
    }

    private static WitnessPolicyResult Evaluate(WitnessPolicy policy, string note) => policy.Evaluate(note, [LogKey.Verifier]);

    [Fact]
    public void Two_of_three_witnesses_meet_a_quorum_of_two()
    {
        var policy = new WitnessPolicy([W1.Verifier, W2.Verifier, W3.Verifier], quorum: 2);

        var result = Evaluate(policy, Cosigned(W1.Cosign(Body, 1_700_000_000), W3.Cosign(Body, 1_700_000_001)));

        Assert.True(result.Satisfied, result.Failure);
        Assert.Equal(["witness.example/w1", "witness.example/w3"], result.Cosigned);
        Assert.Equal("cosigned by 2 of 3 witness(es) (quorum 2)", result.Summary);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), result.Lines[0].Time);
    }

    [Fact]
    public void The_default_quorum_is_every_witness_given()
    {
        var policy = new WitnessPolicy([W1.Verifier, W2.Verifier]);

        var result = Evaluate(policy, Cosigned(W1.Cosign(Body, 1)));

        Assert.Equal(2, policy.Quorum);
        Assert.False(result.Satisfied);
        Assert.Contains("cosigned by 1 of 2 witness(es), quorum 2; no cosignature from witness.example/w2", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_cosignature_lines_from_one_witness_count_once()
    {
        var policy = new WitnessPolicy([W1.Verifier, W2.Verifier], quorum: 2);

        var result = Evaluate(policy, Cosigned(W1.Cosign(Body, 1), W1.Cosign(Body, 2)));

        Assert.False(result.Satisfied);
        Assert.Equal(["witness.example/w1"], result.Cosigned);
    }

    [Fact]
    public void A_forged_cosignature_from_a_policy_witness_fails_naming_the_witness()
    {
        var policy = new WitnessPolicy([W1.Verifier, W2.Verifier], quorum: 1);
        var genuine = W2.Cosign(Body, 5);
        var forged = new NoteSignature(W1.Name, W1.Verifier.KeyId, genuine.Signature); // W2's bytes under W1's name and id

        var result = Evaluate(policy, Cosigned(forged, genuine));

        Assert.False(result.Satisfied);
        Assert.Equal("invalid cosignature from witness witness.example/w1; valid from 1 of 2 witness(es), quorum 1", result.Failure);
        Assert.Contains(result.Lines, l => l is { WitnessName: "witness.example/w1", InPolicy: true, Verified: false });
    }

    [Fact]
    public void A_cosignature_of_another_checkpoint_does_not_count()
    {
        var policy = new WitnessPolicy([W1.Verifier]);
        var other = W1.Cosign(Body.Replace("\n42\n", "\n43\n", StringComparison.Ordinal), 5);

        Assert.False(Evaluate(policy, Cosigned(other)).Satisfied);
    }

    [Fact]
    public void Cosignatures_of_witnesses_outside_the_policy_are_listed_but_not_counted()
    {
        var policy = new WitnessPolicy([W1.Verifier]);

        var result = Evaluate(policy, Cosigned(W3.Cosign(Body, 7)));

        Assert.False(result.Satisfied);
        var line = Assert.Single(result.Lines);
        Assert.Equal(("witness.example/w3", false, false, 7UL), (line.WitnessName, line.InPolicy, line.Verified, line.Timestamp!.Value));
    }

    [Fact]
    public void A_policy_file_names_witnesses_and_a_quorum_with_comments()
    {
        var policy = WitnessPolicy.Parse($"""
            # who must cosign
            witness {W1.Verifier.VerifierKey}
            witness {W2.Verifier.VerifierKey}   # the second one

            quorum 1
            """);

        Assert.Equal([W1.Name, W2.Name], policy.Witnesses.Select(w => w.Name));
        Assert.Equal(1, policy.Quorum);
    }

    [Theory]
    [InlineData("witness", "line 1: expected 'witness <vkey>' or 'quorum <K>'")]
    [InlineData("witness not-a-vkey", "line 1: A witness verifier key is name+xxxxxxxx+base64.")]
    [InlineData("quorum two", "line 1: quorum 'two' is not a whole number")]
    [InlineData("# nothing", "A witness policy names at least one witness.")]
    public void A_bad_policy_file_is_refused_with_its_line(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => WitnessPolicy.Parse(text)).Message);

    [Fact]
    public void A_quorum_larger_than_the_witnesses_is_refused() =>
        Assert.Contains("between 1 and the number of witnesses (1), not 2",
            Assert.Throws<FormatException>(() => new WitnessPolicy([W1.Verifier], 2)).Message, StringComparison.Ordinal);

    [Fact]
    public void A_witness_vkey_round_trips_and_a_wrong_key_id_is_refused()
    {
        Assert.Equal(W1.Verifier.VerifierKey, CosignatureVerifier.Parse(W1.Verifier.VerifierKey + "\n").VerifierKey);

        var parts = W1.Verifier.VerifierKey.Split('+');
        var wrongId = $"{parts[0]}+{W1.Verifier.KeyId ^ 1:x8}+{parts[2]}";
        Assert.Throws<FormatException>(() => CosignatureVerifier.Parse(wrongId));
        Assert.Throws<FormatException>(() => CosignatureVerifier.Parse(NoteKeys.FormatVerifierKey(LogKey.Verifier)));
    }
}
