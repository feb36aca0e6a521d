using System.Text;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;

namespace DataExchange.Ledger.Tests;

/// <summary>Signed notes; the PeterNeumann/EnochRoot vectors are from golang.org/x/mod sumdb/note/note_test.go.</summary>
public class SignedNoteTests
{
    private const string PeterVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string PeterSignerKeyMaterial = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string EnochVerifierKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    private const string Text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string PeterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    private const string EnochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    private static Ed25519NoteSigner PeterSigner()
    {
        byte[] typed = Convert.FromBase64String(PeterSignerKeyMaterial);
        Assert.Equal(NoteKeys.Ed25519Type, typed[0]);
        return Ed25519NoteSigner.FromSeed("PeterNeumann", typed[1..]);
    }

    [Fact]
    public void KeyId_GoTestKeyPeterNeumann_IsC74f20a3()
    {
        var signer = PeterSigner();
        Assert.Equal(0xc74f20a3u, signer.KeyId);
        Assert.Equal(PeterVerifierKey, NoteKeys.FormatVerifierKey(signer.Verifier));
    }

    [Fact]
    public void Sign_GoTestNote_ReproducesPublishedSignedNote()
    {
        Assert.Equal(Text + "\n" + PeterSig, SignedNote.Sign(Text, PeterSigner()));
    }

    [Fact]
    public void Verify_GoPublishedNoteWithUnknownSecondKey_VerifiesPeterAndIgnoresEnoch()
    {
        var peter = NoteKeys.ParseVerifierKey(PeterVerifierKey);
        var result = SignedNote.Verify(Text + "\n" + PeterSig + EnochSig, [peter]);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(Text, result.Text);
        Assert.Equal([new VerifiedKey("PeterNeumann", 0xc74f20a3)], result.VerifiedKeys);
    }

    [Fact]
    public void Verify_GoPublishedNoteWithBothKeys_VerifiesBoth()
    {
        var verifiers = new[] { NoteKeys.ParseVerifierKey(PeterVerifierKey), NoteKeys.ParseVerifierKey(EnochVerifierKey) };
        var result = SignedNote.Verify(Text + "\n" + PeterSig + EnochSig, verifiers);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(2, result.VerifiedKeys.Count);
    }

    [Fact]
    public void Verify_OnlyUnknownKeys_IsRejected()
    {
        var result = SignedNote.Verify(Text + "\n" + PeterSig + EnochSig, []);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Verify_KnownKeyWithCorruptSignature_IsRejected()
    {
        var peter = NoteKeys.ParseVerifierKey(PeterVerifierKey);
        var result = SignedNote.Verify(Text + "\n" + PeterSig[..60] + "ABCD" + PeterSig[60..], [peter]);
        Assert.False(result.IsValid);
        Assert.Contains("PeterNeumann+c74f20a3", result.Error);
    }

    [Fact]
    public void Verify_TextChangedAfterSigning_IsRejected()
    {
        var peter = NoteKeys.ParseVerifierKey(PeterVerifierKey);
        Assert.False(SignedNote.Verify(Text.Replace("answer", "Answer", StringComparison.Ordinal) + "\n" + PeterSig, [peter]).IsValid);
    }

    [Theory]
    [InlineData(Text)]
    [InlineData(Text + "\n")]
    [InlineData(Text + "\n" + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")]
    [InlineData("\u0001" + Text + "\n" + PeterSig)]
    [InlineData(Text + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData(Text + "\n" + PeterSig + "Unexpected line.\n")]
    [InlineData(Text + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    public void Parse_MalformedNotes_Throw(string note)
    {
        Assert.Throws<FormatException>(() => SignedNote.Parse(note));
        Assert.False(SignedNote.Verify(note, [NoteKeys.ParseVerifierKey(PeterVerifierKey)]).IsValid);
    }

    [Fact]
    public void ParseVerifierKey_MangledKeys_AreRejected()
    {
        Assert.Throws<FormatException>(() => NoteKeys.ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
        Assert.Throws<FormatException>(() => NoteKeys.ParseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
        Assert.Throws<FormatException>(() => NoteKeys.ParseVerifierKey("PeterNeumann+c74f20a3"));
    }

    [Fact]
    public void SignAndVerify_CheckpointWithSm2Ed25519AndEcdsa_AllKeysVerify()
    {
        var sm2 = new Sm2NoteSigner("exchange-sm2", LedgerKeys.GenerateSm2());
        var ed = new Ed25519NoteSigner("exchange-ed25519", LedgerKeys.GenerateEd25519());
        var ecdsa = EcdsaP256NoteSigner.Generate("witness-p256");
        var checkpoint = new Checkpoint("exchange.example/ledger", 12, TreeHasher.Sm3.EmptyRoot());

        string note = SignedNote.Sign(checkpoint.ToNoteText(), sm2, ed, ecdsa);
        var result = SignedNote.Verify(note, [sm2.Verifier, ed.Verifier, ecdsa.Verifier]);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(3, result.VerifiedKeys.Count);
        var parsed = Checkpoint.Parse(result.Text!);
        Assert.Equal(checkpoint.Origin, parsed.Origin);
        Assert.Equal(12, parsed.Size);
        Assert.Equal(checkpoint.RootHash, parsed.RootHash);
    }

    [Fact]
    public void Sm2Signer_ReusedForManyNotes_EverySignatureVerifies()
    {
        var signer = new Sm2NoteSigner("exchange-sm2", LedgerKeys.GenerateSm2());
        Parallel.For(0, 40, i =>
        {
            byte[] message = Encoding.UTF8.GetBytes($"note {i}\n");
            byte[] signature = signer.Sign(message);
            Assert.True(signer.Verifier.Verify(message, signature));
            Assert.False(signer.Verifier.Verify(Encoding.UTF8.GetBytes($"note {i + 1}\n"), signature));
        });
        Assert.False(signer.Verifier.Verify("x"u8.ToArray(), [0x30, 0x01, 0x02]));
        Assert.True(signer.Verifier.Verify("x"u8.ToArray(), signer.Sign("x"u8.ToArray())));
    }

    [Fact]
    public void Sm2KeyId_IsSha256OfNameNewlineTypeIdentifierAndSpki()
    {
        var signer = new Sm2NoteSigner("exchange-sm2", LedgerKeys.GenerateSm2());
        byte[] spki = signer.Verifier.SubjectPublicKeyInfo;
        byte[] input = [.. "exchange-sm2"u8, 0x0A, 0xff, .. "sm2-sm3"u8, .. spki];
        uint expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(System.Security.Cryptography.SHA256.HashData(input));
        Assert.Equal(expected, signer.KeyId);

        // The verifier key string round-trips through the generic parser.
        var parsed = NoteKeys.ParseVerifierKey(NoteKeys.FormatVerifierKey(signer.Verifier));
        Assert.Equal(signer.KeyId, parsed.KeyId);
        Assert.True(parsed.Verify("m"u8.ToArray(), signer.Sign("m"u8.ToArray())));
    }

    [Fact]
    public void AddSignatures_Cosigning_KeepsExistingAndReplacesSameKey()
    {
        var exchange = new Ed25519NoteSigner("exchange", LedgerKeys.GenerateEd25519());
        var witness = new Ed25519NoteSigner("witness", LedgerKeys.GenerateEd25519());
        var note = SignedNote.Parse(SignedNote.Sign("origin\n1\nAAAA\n", exchange));
        var cosigned = note.AddSignatures(witness).AddSignatures(witness);
        Assert.Equal(["exchange", "witness"], cosigned.Signatures.Select(s => s.KeyName));
        Assert.True(SignedNote.Verify(cosigned.Encode(), [exchange.Verifier, witness.Verifier]).VerifiedKeys.Count == 2);
    }

    [Fact]
    public void Checkpoint_TextForm_RoundTripsAndRejectsNonCanonicalSize()
    {
        var checkpoint = new Checkpoint("example.com/log", 1234, TreeHasher.Sha256.EmptyRoot());
        Assert.Equal("example.com/log\n1234\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", checkpoint.ToNoteText());
        var parsed = Checkpoint.Parse(checkpoint.ToNoteText());
        Assert.Equal(checkpoint.ToNoteText(), parsed.ToNoteText());
        Assert.Throws<FormatException>(() => Checkpoint.Parse("example.com/log\n01234\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"));
        Assert.Throws<FormatException>(() => Checkpoint.Parse("example.com/log\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"));
        Assert.Throws<FormatException>(() => Checkpoint.Parse("example.com/log\n1\n"));
        Assert.Throws<FormatException>(() => Checkpoint.Parse("example.com/log\n1\n!!\n"));
        var withExtension = Checkpoint.Parse("example.com/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextra line\n");
        Assert.Equal(["extra line"], withExtension.Extensions);
    }

    [Fact]
    public void Pem_Ed25519AndSm2Keys_RoundTripThroughPem()
    {
        var ed = LedgerKeys.GenerateEd25519();
        var edBack = LedgerKeys.ImportEd25519PrivateKeyPem(LedgerKeys.ExportPrivateKeyPem(ed));
        Assert.Equal(ed.GetEncoded(), edBack.GetEncoded());
        string edPublicPem = LedgerKeys.ExportPublicKeyPemOf(ed);
        Assert.Contains("-----BEGIN PUBLIC KEY-----", edPublicPem);
        Assert.Equal(LedgerKeys.PublicKeyOf(ed).GetEncoded(), LedgerKeys.ImportEd25519PublicKeyPem(edPublicPem).GetEncoded());

        var sm2 = LedgerKeys.GenerateSm2();
        var sm2Back = LedgerKeys.ImportSm2PrivateKeyPem(LedgerKeys.ExportPrivateKeyPem(sm2));
        Assert.Equal(sm2.D, sm2Back.D);
        var signer = new Sm2NoteSigner("k", sm2Back);
        var verifier = Sm2NoteVerifier.FromPem("k", LedgerKeys.ExportPublicKeyPemOf(sm2));
        Assert.Equal(signer.KeyId, verifier.KeyId);
        Assert.True(verifier.Verify("m"u8.ToArray(), signer.Sign("m"u8.ToArray())));
        Assert.Throws<ArgumentException>(() => LedgerKeys.ImportSm2PrivateKeyPem(LedgerKeys.ExportPrivateKeyPem(ed)));
    }
}
