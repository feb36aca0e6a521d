using System.Text;
using DataExchange.Ledger.Keys;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace DataExchange.Ledger.Notes;

/// <summary>
/// SM2-with-SM3 note signer: signature type 0xff followed by the identifier "sm2-sm3"; curve sm2p256v1, user id
/// "1234567812345678", DER-encoded (r, s) over the note text. See SIGNATURES.md. One initialised BouncyCastle
/// signer is reused under a lock, because Init recomputes the public key and halves throughput.
/// </summary>
public sealed class Sm2NoteSigner : INoteSigner
{
    private readonly SM2Signer signer;
    private readonly Lock gate = new();

    public Sm2NoteSigner(string keyName, ECPrivateKeyParameters privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        Verifier = new Sm2NoteVerifier(keyName, LedgerKeys.PublicKeyOf(privateKey));
        signer = new SM2Signer(new SM3Digest());
        signer.Init(true, new ParametersWithRandom(privateKey, new SecureRandom()));
    }

    public string KeyName => Verifier.KeyName;

    public uint KeyId => Verifier.KeyId;

    public byte SignatureType => NoteKeys.OtherType;

    public Sm2NoteVerifier Verifier { get; }

    public static Sm2NoteSigner FromPem(string keyName, string privateKeyPem) => new(keyName, LedgerKeys.ImportSm2PrivateKeyPem(privateKeyPem));

    public byte[] Sign(byte[] message)
    {
        lock (gate)
        {
            // GenerateSignature resets the digest and re-absorbs Z_A, leaving the signer ready for the next message.
            signer.BlockUpdate(message, 0, message.Length);
            return signer.GenerateSignature();
        }
    }
}

/// <summary>SM2-with-SM3 note verifier (type 0xff "sm2-sm3"); key id over "sm2-sm3" ‖ DER SubjectPublicKeyInfo. Thread-safe.</summary>
public sealed class Sm2NoteVerifier : INoteVerifier
{
    /// <summary>The identifier that follows type byte 0xff: ASCII "sm2-sm3".</summary>
    public static ReadOnlySpan<byte> Identifier => "sm2-sm3"u8;

    private readonly SM2Signer verifier;
    private readonly Lock gate = new();

    public Sm2NoteVerifier(string keyName, ECPublicKeyParameters publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        NoteKeys.ValidateKeyName(keyName);
        KeyName = keyName;
        SubjectPublicKeyInfo = LedgerKeys.ExportSubjectPublicKeyInfo(publicKey);
        KeyMaterial = [.. Identifier, .. SubjectPublicKeyInfo];
        KeyId = NoteKeys.ComputeKeyId(keyName, NoteKeys.OtherType, KeyMaterial);
        verifier = new SM2Signer(new SM3Digest());
        verifier.Init(false, publicKey);
    }

    public string KeyName { get; }

    public uint KeyId { get; }

    public byte SignatureType => NoteKeys.OtherType;

    /// <summary>"sm2-sm3" ‖ DER SubjectPublicKeyInfo.</summary>
    public byte[] KeyMaterial { get; }

    /// <summary>DER SubjectPublicKeyInfo (id-ecPublicKey, curve sm2p256v1, uncompressed point).</summary>
    public byte[] SubjectPublicKeyInfo { get; }

    public static Sm2NoteVerifier FromPem(string keyName, string publicKeyPem) => new(keyName, LedgerKeys.ImportSm2PublicKeyPem(publicKeyPem));

    public static Sm2NoteVerifier FromSubjectPublicKeyInfo(string keyName, byte[] spki) => new(keyName, LedgerKeys.ImportSm2SubjectPublicKeyInfo(spki));

    public bool Verify(byte[] message, byte[] signature)
    {
        if (message is null || signature is null)
        {
            return false;
        }

        lock (gate)
        {
            try
            {
                verifier.BlockUpdate(message, 0, message.Length);
                return verifier.VerifySignature(signature);
            }
            catch (Exception)
            {
                // Malformed DER and the like: a bad signature, not an error. Reset so the next call starts clean.
                verifier.Reset();
                return false;
            }
        }
    }

    /// <summary>Human-readable profile name, for logs and docs.</summary>
    public static string Profile => "SM2 (sm2p256v1) with SM3, user id 1234567812345678, DER (r,s); " + Encoding.ASCII.GetString(Identifier);
}
