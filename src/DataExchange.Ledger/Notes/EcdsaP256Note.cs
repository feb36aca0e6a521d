using System.Security.Cryptography;

namespace DataExchange.Ledger.Notes;

/// <summary>ECDSA P-256 note signer (type 0x02): SHA-256, DER (r, s) signature; key id over the DER SubjectPublicKeyInfo.</summary>
public sealed class EcdsaP256NoteSigner : INoteSigner
{
    private readonly ECDsa key;

    /// <param name="key">A P-256 private key; the signer takes ownership.</param>
    public EcdsaP256NoteSigner(string keyName, ECDsa key)
    {
        this.key = key ?? throw new ArgumentNullException(nameof(key));
        Verifier = EcdsaP256NoteVerifier.FromSubjectPublicKeyInfo(keyName, key.ExportSubjectPublicKeyInfo());
    }

    public string KeyName => Verifier.KeyName;

    public uint KeyId => Verifier.KeyId;

    public byte SignatureType => NoteKeys.EcdsaType;

    public EcdsaP256NoteVerifier Verifier { get; }

    public static EcdsaP256NoteSigner Generate(string keyName) => new(keyName, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static EcdsaP256NoteSigner FromPem(string keyName, string privateKeyPem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return new(keyName, key);
    }

    public string ExportPrivateKeyPem() => key.ExportPkcs8PrivateKeyPem() + "\n";

    public byte[] Sign(byte[] message) => key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
}

/// <summary>ECDSA P-256 note verifier (type 0x02).</summary>
public sealed class EcdsaP256NoteVerifier : INoteVerifier
{
    private readonly ECDsa key;

    private EcdsaP256NoteVerifier(string keyName, ECDsa key, byte[] spki)
    {
        NoteKeys.ValidateKeyName(keyName);
        this.key = key;
        KeyName = keyName;
        KeyMaterial = spki;
        KeyId = NoteKeys.ComputeKeyId(keyName, NoteKeys.EcdsaType, spki);
    }

    public string KeyName { get; }

    public uint KeyId { get; }

    public byte SignatureType => NoteKeys.EcdsaType;

    /// <summary>DER SubjectPublicKeyInfo.</summary>
    public byte[] KeyMaterial { get; }

    public static EcdsaP256NoteVerifier FromSubjectPublicKeyInfo(string keyName, byte[] spki)
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        if (key.ExportParameters(false).Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new ArgumentException("Not a P-256 public key.", nameof(spki));
        }

        // Re-export so the key id is over the canonical encoding.
        return new(keyName, key, key.ExportSubjectPublicKeyInfo());
    }

    public static EcdsaP256NoteVerifier FromPem(string keyName, string publicKeyPem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return FromSubjectPublicKeyInfo(keyName, key.ExportSubjectPublicKeyInfo());
    }

    public string ExportPublicKeyPem() => key.ExportSubjectPublicKeyInfoPem() + "\n";

    public bool Verify(byte[] message, byte[] signature)
    {
        if (message is null || signature is null)
        {
            return false;
        }

        try
        {
            return key.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
