using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using DataExchange.Ledger.Notes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace DataExchange.Ledger.Witness;

/// <summary>
/// C2SP tlog-cosignature, the Ed25519 kind (cosignature/v1, signature type 0x04): a witness's statement that, as of its
/// timestamp, the checkpoint is the largest consistent tree it has seen for the log's origin. The signed message is
/// "cosignature/v1\ntime {POSIX seconds}\n" followed by the checkpoint body (every line, final newline included, no
/// signature lines); the note signature is keyId(4) ‖ timestamp(8, big-endian) ‖ Ed25519 signature(64).
/// </summary>
public static class CosignatureV1
{
    public const byte SignatureType = 0x04;

    public const int SignatureLength = 8 + 64; // timestamp, then the Ed25519 signature

    /// <summary>The exact bytes a cosigner signs (and `openssl pkeyutl -verify -rawin` checks).</summary>
    public static byte[] Message(string checkpointBody, ulong timestamp)
    {
        if (timestamp > long.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(timestamp), "A cosignature timestamp must not exceed 2^63 - 1.");
        }

        if (!checkpointBody.EndsWith('\n'))
        {
            throw new ArgumentException("A checkpoint body ends with a newline.", nameof(checkpointBody));
        }

        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"cosignature/v1\ntime {timestamp}\n{checkpointBody}"));
    }

    public static uint KeyId(string cosignerName, ReadOnlySpan<byte> publicKey) =>
        NoteKeys.ComputeKeyId(cosignerName, SignatureType, publicKey);
}

/// <summary>A witness's signing key: cosigns checkpoint bodies it has verified. Thread-safe.</summary>
public sealed class Cosigner(string name, Ed25519PrivateKeyParameters privateKey)
{
    public CosignatureVerifier Verifier { get; } = new(name, privateKey.GeneratePublicKey().GetEncoded());

    public string Name => Verifier.Name;

    /// <summary>The note signature line's value: keyId ‖ timestamp ‖ signature.</summary>
    public NoteSignature Cosign(string checkpointBody, ulong timestamp)
    {
        var message = CosignatureV1.Message(checkpointBody, timestamp);
        var signed = new byte[CosignatureV1.SignatureLength];
        BinaryPrimitives.WriteUInt64BigEndian(signed, timestamp);
        privateKey.Sign(Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, signed, 8);
        return new NoteSignature(Name, Verifier.KeyId, signed);
    }
}

/// <summary>Checks a witness's cosignature on a checkpoint body. Thread-safe.</summary>
public sealed class CosignatureVerifier
{
    private readonly Ed25519PublicKeyParameters publicKey;

    public CosignatureVerifier(string name, ReadOnlySpan<byte> rawPublicKey)
    {
        if (rawPublicKey.Length != Ed25519.PublicKeySize)
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(rawPublicKey));
        }

        NoteKeys.ValidateKeyName(name);
        Name = name;
        PublicKey = rawPublicKey.ToArray();
        publicKey = new Ed25519PublicKeyParameters(PublicKey);
        KeyId = CosignatureV1.KeyId(name, PublicKey);
    }

    public string Name { get; }

    public uint KeyId { get; }

    public byte[] PublicKey { get; }

    /// <summary>
    /// Reads a witness vkey, name+keyId+base64(0x04 ‖ public key), as <c>dx witness keygen</c> prints it; the key id
    /// must be the one the name and key hash to, so a vkey edited by hand is refused rather than silently never matching.
    /// </summary>
    /// <exception cref="FormatException">Not a cosignature/v1 vkey, or its key id does not match.</exception>
    public static CosignatureVerifier Parse(string verifierKey)
    {
        var parts = verifierKey.Trim().Split('+', 3);
        if (parts.Length != 3 || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
        {
            throw new FormatException("A witness verifier key is name+xxxxxxxx+base64.");
        }

        byte[] typed;
        try
        {
            typed = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("The witness verifier key's key material is not base64.");
        }

        if (typed.Length != 1 + Ed25519.PublicKeySize || typed[0] != CosignatureV1.SignatureType)
        {
            throw new FormatException("Not a witness (cosignature/v1, type 0x04 Ed25519) verifier key.");
        }

        CosignatureVerifier verifier;
        try
        {
            verifier = new CosignatureVerifier(parts[0], typed.AsSpan(1));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Bad witness verifier key: {e.Message}");
        }

        return verifier.KeyId == keyId
            ? verifier
            : throw new FormatException($"The witness verifier key's id {parts[1]} is not the one its name and key give ({verifier.KeyId:x8}).");
    }

    /// <summary>The vkey: name+keyId+base64(0x04 ‖ public key), as C2SP signed-note writes verifier keys.</summary>
    public string VerifierKey =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}+{KeyId:x8}+{Convert.ToBase64String([CosignatureV1.SignatureType, .. PublicKey])}");

    /// <summary>The timestamp a valid cosignature by this witness states; null when it is not one.</summary>
    public ulong? Verify(string checkpointBody, NoteSignature signature)
    {
        if (signature.KeyName != Name || signature.KeyId != KeyId || signature.Signature is not { Length: CosignatureV1.SignatureLength } bytes)
        {
            return null;
        }

        var timestamp = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        if (timestamp > long.MaxValue || !checkpointBody.EndsWith('\n'))
        {
            return null;
        }

        var message = CosignatureV1.Message(checkpointBody, timestamp);
        return publicKey.Verify(Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, bytes, 8) ? timestamp : null;
    }
}
