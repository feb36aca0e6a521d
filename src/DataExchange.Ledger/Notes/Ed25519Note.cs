using DataExchange.Ledger.Keys;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace DataExchange.Ledger.Notes;

/// <summary>Ed25519 note signer (type 0x01): key id over the raw 32-byte public key, signature over the note text. Thread-safe.</summary>
public sealed class Ed25519NoteSigner : INoteSigner
{
    private readonly Ed25519PrivateKeyParameters privateKey;

    public Ed25519NoteSigner(string keyName, Ed25519PrivateKeyParameters privateKey)
    {
        this.privateKey = privateKey ?? throw new ArgumentNullException(nameof(privateKey));
        Verifier = new Ed25519NoteVerifier(keyName, privateKey.GeneratePublicKey());
    }

    public string KeyName => Verifier.KeyName;

    public uint KeyId => Verifier.KeyId;

    public byte SignatureType => NoteKeys.Ed25519Type;

    /// <summary>The matching verifier.</summary>
    public Ed25519NoteVerifier Verifier { get; }

    public static Ed25519NoteSigner FromPem(string keyName, string privateKeyPem) => new(keyName, LedgerKeys.ImportEd25519PrivateKeyPem(privateKeyPem));

    /// <summary>From a 32-byte Ed25519 seed (the private key of RFC 8032).</summary>
    public static Ed25519NoteSigner FromSeed(string keyName, ReadOnlySpan<byte> seed) => new(keyName, new Ed25519PrivateKeyParameters(seed));

    public byte[] Sign(byte[] message)
    {
        // The parameter object's Sign is stateless, so no lock is needed.
        byte[] signature = new byte[Ed25519.SignatureSize];
        privateKey.Sign(Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, signature, 0);
        return signature;
    }
}

/// <summary>Ed25519 note verifier (type 0x01). Thread-safe.</summary>
public sealed class Ed25519NoteVerifier : INoteVerifier
{
    private readonly Ed25519PublicKeyParameters publicKey;

    public Ed25519NoteVerifier(string keyName, Ed25519PublicKeyParameters publicKey)
    {
        this.publicKey = publicKey ?? throw new ArgumentNullException(nameof(publicKey));
        NoteKeys.ValidateKeyName(keyName);
        KeyName = keyName;
        KeyMaterial = publicKey.GetEncoded();
        KeyId = NoteKeys.ComputeKeyId(keyName, NoteKeys.Ed25519Type, KeyMaterial);
    }

    public string KeyName { get; }

    public uint KeyId { get; }

    public byte SignatureType => NoteKeys.Ed25519Type;

    /// <summary>The raw 32-byte public key.</summary>
    public byte[] KeyMaterial { get; }

    public static Ed25519NoteVerifier FromPem(string keyName, string publicKeyPem) => new(keyName, LedgerKeys.ImportEd25519PublicKeyPem(publicKeyPem));

    public static Ed25519NoteVerifier FromRawPublicKey(string keyName, ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == Ed25519.PublicKeySize
            ? new(keyName, new Ed25519PublicKeyParameters(publicKey))
            : throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(publicKey));

    public bool Verify(byte[] message, byte[] signature) =>
        message is not null && signature is { Length: 64 }
        && publicKey.Verify(Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, signature, 0);
}
