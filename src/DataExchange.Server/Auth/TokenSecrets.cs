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
