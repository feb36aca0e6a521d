using System.Diagnostics;
using System.Text;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;

namespace DataExchange.Ledger.Tests;

/// <summary>
/// An auditor with stock OpenSSL 3 and no code of ours can check checkpoint signatures and read our keys.
/// OpenSSL 3.0's default SM2 distinguishing id is empty, not the GB/T 35276 default we sign with, so SM2 checks pass
/// "-sigopt distid:1234567812345678" (dgst) or "-pkeyopt distid:1234567812345678" (pkeyutl) explicitly.
/// </summary>
public sealed class OpenSslInteropTests : IDisposable
{
    private const string OpenSsl = "/usr/bin/openssl";
    private const string NoteText = "exchange.example/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";

    private readonly string folder = Directory.CreateTempSubdirectory("ledger-openssl-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void OpenSslDgstSm3Verify_OurSm2Signature_VerifiedOkAndOneByteChangeFails()
    {
        var key = LedgerKeys.GenerateSm2();
        var signer = new Sm2NoteSigner("exchange-sm2", key);
        byte[] message = Encoding.UTF8.GetBytes(NoteText);
        Write("sm2.pem", LedgerKeys.ExportPublicKeyPemOf(key));
        Write("note.txt", message);
        Write("sig.der", signer.Sign(message));

        var ok = Run("dgst", "-sm3", "-verify", "sm2.pem", "-sigopt", "distid:1234567812345678", "-signature", "sig.der", "note.txt");
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("Verified OK", ok.Output);

        byte[] tampered = (byte[])message.Clone();
        tampered[^2] ^= 1;
        Write("note.txt", tampered);
        var bad = Run("dgst", "-sm3", "-verify", "sm2.pem", "-sigopt", "distid:1234567812345678", "-signature", "sig.der", "note.txt");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.DoesNotContain("Verified OK", bad.Output);
    }

    [Fact]
    public void OpenSslPkeyutlVerify_OurSm2SignatureWithDistinguishingId_Verifies()
    {
        var key = LedgerKeys.GenerateSm2();
        byte[] message = Encoding.UTF8.GetBytes(NoteText);
        Write("sm2.pem", LedgerKeys.ExportPublicKeyPemOf(key));
        Write("note.txt", message);
        Write("sig.der", new Sm2NoteSigner("exchange-sm2", key).Sign(message));

        var ok = Run("pkeyutl", "-verify", "-pubin", "-inkey", "sm2.pem", "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-in", "note.txt", "-sigfile", "sig.der");
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("Signature Verified Successfully", ok.Output);
    }

    [Fact]
    public void OpenSslPkeyutlVerify_OurEd25519Signature_VerifiedAndOneByteChangeFails()
    {
        var key = LedgerKeys.GenerateEd25519();
        var signer = new Ed25519NoteSigner("exchange-ed25519", key);
        byte[] message = Encoding.UTF8.GetBytes(NoteText);
        Write("ed.pem", LedgerKeys.ExportPublicKeyPemOf(key));
        Write("note.txt", message);
        Write("sig.bin", signer.Sign(message));

        var ok = Run("pkeyutl", "-verify", "-pubin", "-inkey", "ed.pem", "-rawin", "-in", "note.txt", "-sigfile", "sig.bin");
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("Signature Verified Successfully", ok.Output);

        byte[] tampered = (byte[])message.Clone();
        tampered[0] ^= 1;
        Write("note.txt", tampered);
        Assert.NotEqual(0, Run("pkeyutl", "-verify", "-pubin", "-inkey", "ed.pem", "-rawin", "-in", "note.txt", "-sigfile", "sig.bin").ExitCode);
    }

    [Fact]
    public void OpenSslPkey_OurPrivateKeys_AreReadAndGiveOurPublicKeys()
    {
        var sm2 = LedgerKeys.GenerateSm2();
        var ed = LedgerKeys.GenerateEd25519();
        Write("sm2-private.pem", LedgerKeys.ExportPrivateKeyPem(sm2));
        Write("ed-private.pem", LedgerKeys.ExportPrivateKeyPem(ed));

        var sm2Public = Run("pkey", "-in", "sm2-private.pem", "-pubout");
        Assert.Equal(0, sm2Public.ExitCode);
        Assert.Equal(LedgerKeys.ExportPublicKeyPemOf(sm2).Trim(), sm2Public.Output.Trim());
        Assert.Contains("SM2", Run("pkey", "-in", "sm2-private.pem", "-noout", "-text").Output, StringComparison.OrdinalIgnoreCase);

        var edPublic = Run("pkey", "-in", "ed-private.pem", "-pubout");
        Assert.Equal(0, edPublic.ExitCode);
        Assert.Equal(LedgerKeys.ExportPublicKeyPemOf(ed).Trim(), edPublic.Output.Trim());
    }

    [Fact]
    public void Sm2NoteVerifier_OpenSslGeneratedKeyAndSignature_Verifies()
    {
        Assert.Equal(0, Run("genpkey", "-algorithm", "SM2", "-out", "openssl-sm2.pem").ExitCode);
        Write("note.txt", Encoding.UTF8.GetBytes(NoteText));
        Assert.Equal(0, Run("dgst", "-sm3", "-sign", "openssl-sm2.pem", "-sigopt", "distid:1234567812345678", "-out", "sig.der", "note.txt").ExitCode);
        Assert.Equal(0, Run("pkey", "-in", "openssl-sm2.pem", "-pubout", "-out", "openssl-sm2-pub.pem").ExitCode);

        var signer = Sm2NoteSigner.FromPem("auditor", File.ReadAllText(Path.Combine(folder, "openssl-sm2.pem")));
        var verifier = Sm2NoteVerifier.FromPem("auditor", File.ReadAllText(Path.Combine(folder, "openssl-sm2-pub.pem")));
        Assert.Equal(signer.KeyId, verifier.KeyId);
        Assert.True(verifier.Verify(Encoding.UTF8.GetBytes(NoteText), File.ReadAllBytes(Path.Combine(folder, "sig.der"))));
    }

    [Fact]
    public void AuditorScript_SignedCheckpointFile_VerifiesBothSignaturesWithShellAndOpenSsl()
    {
        // The recipe documented in SIGNATURES.md, run verbatim against a note signed by both keys.
        var sm2 = LedgerKeys.GenerateSm2();
        var ed = LedgerKeys.GenerateEd25519();
        Write("checkpoint.note", SignedNote.Sign(NoteText, new Sm2NoteSigner("exchange-sm2", sm2), new Ed25519NoteSigner("exchange-ed25519", ed)));
        Write("sm2.pem", LedgerKeys.ExportPublicKeyPemOf(sm2));
        Write("ed25519.pem", LedgerKeys.ExportPublicKeyPemOf(ed));
        const string script = """
            set -e
            sed '/^$/,$d' checkpoint.note > note.txt
            grep '^— exchange-sm2 ' checkpoint.note | cut -d' ' -f3 | base64 -d | tail -c +5 > sig.der
            grep '^— exchange-ed25519 ' checkpoint.note | cut -d' ' -f3 | base64 -d | tail -c +5 > sig.bin
            openssl dgst -sm3 -verify sm2.pem -sigopt distid:1234567812345678 -signature sig.der note.txt
            openssl pkeyutl -verify -pubin -inkey ed25519.pem -rawin -in note.txt -sigfile sig.bin
            """;
        Write("audit.sh", script);
        var start = new ProcessStartInfo("/bin/sh", "audit.sh") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = "/usr/bin:/bin";
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("Verified OK", output);
        Assert.Contains("Signature Verified Successfully", output);
        Assert.Equal(NoteText, File.ReadAllText(Path.Combine(folder, "note.txt")));
    }

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(folder, name), text);

    private void Write(string name, byte[] bytes) => File.WriteAllBytes(Path.Combine(folder, name), bytes);

    private (int ExitCode, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(OpenSsl)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
