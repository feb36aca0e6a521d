using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DataExchange.Ledger.Notes;

/// <summary>Signs note text for one named key (C2SP signed-note).</summary>
public interface INoteSigner
{
    /// <summary>Key name as it appears on the signature line; no spaces, no '+'.</summary>
    string KeyName { get; }

    /// <summary>First 4 bytes (big-endian) of SHA-256(name ‖ 0x0A ‖ type ‖ key material).</summary>
    uint KeyId { get; }

    /// <summary>Signature type byte: 0x01 Ed25519, 0x02 ECDSA, 0xff "other" (followed by an identifier).</summary>
    byte SignatureType { get; }

    /// <summary>Signs the note text bytes (UTF-8).</summary>
    byte[] Sign(byte[] message);
}

/// <summary>Verifies signatures of one named key (C2SP signed-note).</summary>
public interface INoteVerifier
{
    string KeyName { get; }

    uint KeyId { get; }

    byte SignatureType { get; }

    /// <summary>What follows the type byte in the key hash and the verifier key string (the public key, for 0xff prefixed by an identifier).</summary>
    byte[] KeyMaterial { get; }

    /// <summary>True only for a valid signature; never throws for malformed signatures.</summary>
    bool Verify(byte[] message, byte[] signature);
}

/// <summary>Key id computation and the "name+hexid+base64(type‖key)" verifier key string of golang.org/x/mod/sumdb/note.</summary>
public static class NoteKeys
{
    public const byte Ed25519Type = 0x01;
    public const byte EcdsaType = 0x02;
    public const byte OtherType = 0xff;

    /// <summary>First 4 bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ type ‖ keyMaterial).</summary>
    public static uint ComputeKeyId(string keyName, byte signatureType, ReadOnlySpan<byte> keyMaterial)
    {
        ValidateKeyName(keyName);
        byte[] name = Encoding.UTF8.GetBytes(keyName);
        byte[] input = new byte[name.Length + 2 + keyMaterial.Length];
        name.CopyTo(input, 0);
        input[name.Length] = 0x0A;
        input[name.Length + 1] = signatureType;
        keyMaterial.CopyTo(input.AsSpan(name.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>"name+xxxxxxxx+base64(type ‖ key material)", the form the Go note package and witnesses exchange.</summary>
    public static string FormatVerifierKey(INoteVerifier verifier)
    {
        byte[] typed = [verifier.SignatureType, .. verifier.KeyMaterial];
        return $"{verifier.KeyName}+{verifier.KeyId:x8}+{Convert.ToBase64String(typed)}";
    }

    /// <summary>Parses a verifier key string of type Ed25519, ECDSA P-256 or SM2 (0xff "sm2-sm3"); checks the embedded key id.</summary>
    /// <exception cref="FormatException">Malformed, unsupported, or the key id does not match.</exception>
    public static INoteVerifier ParseVerifierKey(string verifierKey)
    {
        var parts = verifierKey.Split('+', 3);
        if (parts.Length != 3 || parts[1].Length != 8 || !uint.TryParse(parts[1], System.Globalization.NumberStyles.AllowHexSpecifier, null, out uint keyId))
        {
            throw new FormatException("Verifier key must be name+xxxxxxxx+base64.");
        }

        byte[] typed;
        try
        {
            typed = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("Verifier key material is not base64.");
        }

        if (typed.Length < 2)
        {
            throw new FormatException("Verifier key material is too short.");
        }

        INoteVerifier verifier;
        try
        {
            verifier = typed[0] switch
            {
                Ed25519Type => Ed25519NoteVerifier.FromRawPublicKey(parts[0], typed[1..]),
                EcdsaType => EcdsaP256NoteVerifier.FromSubjectPublicKeyInfo(parts[0], typed[1..]),
                OtherType when typed.AsSpan(1).StartsWith(Sm2NoteVerifier.Identifier) =>
                    Sm2NoteVerifier.FromSubjectPublicKeyInfo(parts[0], typed[(1 + Sm2NoteVerifier.Identifier.Length)..]),
                _ => throw new FormatException($"Unsupported signature type 0x{typed[0]:x2}."),
            };
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or InvalidOperationException)
        {
            throw new FormatException($"Invalid verifier key: {e.Message}", e);
        }

        if (verifier.KeyId != keyId)
        {
            throw new FormatException($"Verifier key id {keyId:x8} does not match the key ({verifier.KeyId:x8}).");
        }

        return verifier;
    }

    internal static void ValidateKeyName(string keyName)
    {
        if (string.IsNullOrEmpty(keyName) || keyName.Contains('+', StringComparison.Ordinal) || keyName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"Key name \"{keyName}\" must be non-empty without spaces or '+'.", nameof(keyName));
        }
    }
}
