using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;

namespace DataExchange.Ledger.Tests.Witness;

/// <summary>C2SP tlog-cosignature v1 (Ed25519): the signed bytes as the spec spells them, its key id, and OpenSSL's word on it.</summary>
public sealed class CosignatureTests : IDisposable
{
    // The spec's own example checkpoint and the message it gives for time 1679315147.
    private const string Body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    private const string SpecMessage = "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    private readonly string folder = Directory.CreateTempSubdirectory("cosignature-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void The_signed_message_is_the_header_the_time_line_and_the_whole_body() =>
        Assert.Equal(SpecMessage, Encoding.UTF8.GetString(CosignatureV1.Message(Body, 1679315147)));

    [Fact]
    public void The_key_id_hashes_the_name_a_newline_type_0x04_and_the_public_key()
    {
        var verifier = new Cosigner("witness.example.com/w1", LedgerKeys.GenerateEd25519()).Verifier;
        var hash = SHA256.HashData([.. Encoding.UTF8.GetBytes("witness.example.com/w1\n"), 0x04, .. verifier.PublicKey]);
        Assert.Equal((uint)(hash[0] << 24 | hash[1] << 16 | hash[2] << 8 | hash[3]), verifier.KeyId);
        Assert.StartsWith($"witness.example.com/w1+{verifier.KeyId:x8}+", verifier.VerifierKey, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cosignature_verifies_with_its_timestamp_and_any_change_is_refused()
    {
        var cosigner = new Cosigner("witness.example.com/w1", LedgerKeys.GenerateEd25519());
        var signature = cosigner.Cosign(Body, 1679315147);
        Assert.Equal(CosignatureV1.SignatureLength, signature.Signature.Length);
        Assert.Equal(1679315147UL, cosigner.Verifier.Verify(Body, signature));

        Assert.Null(cosigner.Verifier.Verify(Body.Replace("20852163", "20852164", StringComparison.Ordinal), signature));
        var otherTime = (byte[])signature.Signature.Clone();
        otherTime[7] ^= 1;
        Assert.Null(cosigner.Verifier.Verify(Body, signature with { Signature = otherTime }));
        Assert.Null(cosigner.Verifier.Verify(Body, signature with { KeyName = "witness.example.com/w2" }));
        Assert.Null(new Cosigner("witness.example.com/w1", LedgerKeys.GenerateEd25519()).Verifier.Verify(Body, signature));
        Assert.Throws<ArgumentOutOfRangeException>(() => cosigner.Cosign(Body, (ulong)long.MaxValue + 1));
    }

    [Fact]
    public void Stock_openssl_verifies_a_cosignature_over_the_message_bytes()
    {
        var key = LedgerKeys.GenerateEd25519();
        var signature = new Cosigner("witness.example.com/w1", key).Cosign(Body, 1679315147);
        File.WriteAllText(Path.Combine(folder, "witness.pem"), LedgerKeys.ExportPublicKeyPemOf(key));
        File.WriteAllBytes(Path.Combine(folder, "message"), CosignatureV1.Message(Body, 1679315147));
        File.WriteAllBytes(Path.Combine(folder, "sig"), signature.Signature[8..]); // after the 8-byte timestamp

        var (code, output) = OpenSsl("pkeyutl", "-verify", "-pubin", "-inkey", "witness.pem", "-rawin", "-in", "message", "-sigfile", "sig");
        Assert.Equal(0, code);
        Assert.Contains("Signature Verified Successfully", output, StringComparison.Ordinal);

        File.WriteAllBytes(Path.Combine(folder, "message"), CosignatureV1.Message(Body, 1679315148));
        Assert.NotEqual(0, OpenSsl("pkeyutl", "-verify", "-pubin", "-inkey", "witness.pem", "-rawin", "-in", "message", "-sigfile", "sig").ExitCode);
    }

    private (int ExitCode, string Output) OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/openssl") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
