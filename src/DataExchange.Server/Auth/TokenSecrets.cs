using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace DataExchange.Server.Auth;

/// <summary>
/// Bearer secrets are "dx_" + base64url(token id ‖ HMAC-SHA256(server key, token id)). Deriving the secret from a
/// server-held key lets an idempotent retry of IssueApiToken return the same secret although only its hash is
/// stored. Secrets carry 256 bits of keyed entropy, so a fast SHA-256 is the right hash for lookups.
/// </summary>
public sealed class TokenSecrets(byte[] key)
{
    public string SecretFor(Guid tokenId)
    {
        var id = tokenId.ToByteArray(bigEndian: true);
        var mac = HMACSHA256.HashData(key, id);
        return "dx_" + Base64Url.EncodeToString([.. id, .. mac]);
    }

    /// <summary>
    /// True when <paramref name="secret"/> is one this key derived (the MAC over its embedded token id verifies). A
    /// random guess fails this without a database query. Servers sharing a database share the token key (it is under
    /// DX_DATA_DIR/keys, like the ledger's keys); a token from another key is not refused for that alone (see
    /// <see cref="TokenAuthenticator"/>).
    /// </summary>
    public bool IsDerived(string secret)
    {
        // "dx_" + base64url of 48 bytes is 3 + 64 characters.
        if (secret.Length != 67 || !secret.StartsWith("dx_", StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[48];
        if (Base64Url.DecodeFromChars(secret.AsSpan(3), decoded, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != 64 || written != 48)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, decoded[..16], mac);
        return CryptographicOperations.FixedTimeEquals(mac, decoded[16..]);
    }

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Loads the server's token key from a file, creating it (owner-only) on first start.</summary>
    public static TokenSecrets LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return new TokenSecrets(Convert.FromBase64String(File.ReadAllText(path).Trim()));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var key = RandomNumberGenerator.GetBytes(32);
        OwnerOnlyFile.Write(path, Convert.ToBase64String(key) + "\n");
        return new TokenSecrets(key);
    }
}

public static class OwnerOnlyFile
{
    /// <summary>Writes a secret so that only the owner can read it (0600), creating it with that mode.</summary>
    public static void Write(string path, string contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
    }
}
