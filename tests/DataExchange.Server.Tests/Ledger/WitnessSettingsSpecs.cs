using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Witness;
using DataExchange.Server.Configuration;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>DX_WITNESSES, DX_WITNESS_QUORUM and DX_WITNESS_TIMEOUT_MS: read as documented; a bad one stops the start naming it.</summary>
public sealed class WitnessSettingsSpecs : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("dx-witness-settings-").FullName;
    private readonly CosignatureVerifier first = new Cosigner("witness.example/one", LedgerKeys.GenerateEd25519()).Verifier;
    private readonly CosignatureVerifier second = new Cosigner("witness.example/two", LedgerKeys.GenerateEd25519()).Verifier;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static LedgerSettings Read(params (string Name, string Value)[] variables) =>
        LedgerSettings.FromEnvironment(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void No_witnesses_by_default()
    {
        var settings = Read();
        Assert.Empty(settings.Witnesses);
        Assert.Equal(0, settings.EffectiveWitnessQuorum);
    }

    [Fact]
    public void Witnesses_are_url_and_key_pairs_the_key_given_inline_or_in_a_file_and_the_quorum_defaults_to_all()
    {
        var keyFile = Path.Combine(folder, "two.vkey");
        File.WriteAllText(keyFile, second.VerifierKey + "\n");

        var settings = Read(("DX_WITNESSES", $"http://127.0.0.1:7380 {first.VerifierKey}; https://w2.example/witness @{keyFile}\n"));

        Assert.Equal([new Uri("http://127.0.0.1:7380/"), new Uri("https://w2.example/witness/")], settings.Witnesses.Select(w => w.Address));
        Assert.Equal([first.VerifierKey, second.VerifierKey], settings.Witnesses.Select(w => w.Key.VerifierKey));
        Assert.Equal(2, settings.EffectiveWitnessQuorum);
        Assert.Equal(1, Read(("DX_WITNESSES", $"http://a:1 {first.VerifierKey};http://b:2 {second.VerifierKey}"), ("DX_WITNESS_QUORUM", "1")).EffectiveWitnessQuorum);
        Assert.Equal(TimeSpan.FromMilliseconds(750), Read(("DX_WITNESS_TIMEOUT_MS", "750")).WitnessTimeout);
    }

    [Theory]
    [InlineData("DX_WITNESSES", "http://127.0.0.1:7380", "must be \"URL VKEY\"")]
    [InlineData("DX_WITNESSES", "ftp://127.0.0.1:7380 KEY", "is not an http(s) URL")]
    [InlineData("DX_WITNESSES", "http://127.0.0.1:7380 not-a-key", "is not a witness key")]
    [InlineData("DX_WITNESSES", "http://127.0.0.1:7380 @/nonexistent/witness.vkey", "cannot read the witness key file")]
    [InlineData("DX_WITNESS_TIMEOUT_MS", "0", "DX_WITNESS_TIMEOUT_MS '0' must be a positive number")]
    public void A_bad_setting_is_refused_naming_it(string variable, string value, string message)
    {
        var e = Assert.Throws<SettingsException>(() => Read((variable, value)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_witness_key_whose_id_does_not_match_its_name_and_key_is_refused()
    {
        var parts = first.VerifierKey.Split('+', 3); // the base64 key may hold '+' itself
        var wrongId = $"{parts[0]}+00000000+{parts[2]}";
        var e = Assert.Throws<SettingsException>(() => Read(("DX_WITNESSES", $"http://127.0.0.1:7380 {wrongId}")));
        Assert.Contains("does not match", e.Message);
    }

    [Fact]
    public void An_exchange_signing_key_is_not_a_witness_key_and_a_witness_named_twice_or_a_quorum_beyond_the_witnesses_is_refused()
    {
        var ed25519 = DataExchange.Ledger.Notes.NoteKeys.FormatVerifierKey(
            DataExchange.Ledger.Notes.Ed25519NoteSigner.FromPem("dataexchange-ed25519", LedgerKeys.ExportPrivateKeyPem(LedgerKeys.GenerateEd25519())).Verifier);
        Assert.Contains("not a cosignature/v1 key", Assert.Throws<SettingsException>(() => Read(("DX_WITNESSES", $"http://a:1 {ed25519}"))).Message);
        Assert.Contains("twice", Assert.Throws<SettingsException>(() => Read(("DX_WITNESSES", $"http://a:1 {first.VerifierKey};http://b:2 {first.VerifierKey}"))).Message);
        Assert.Contains("DX_WITNESS_QUORUM '3'", Assert.Throws<SettingsException>(() =>
            Read(("DX_WITNESSES", $"http://a:1 {first.VerifierKey};http://b:2 {second.VerifierKey}"), ("DX_WITNESS_QUORUM", "3"))).Message);
    }
}
