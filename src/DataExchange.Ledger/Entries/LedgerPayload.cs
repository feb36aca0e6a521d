using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Entries;

/// <summary>
/// What the ledger commits to for an event's payload (RECEIPTS.md, "Payloads and personal information"): the RFC 8785
/// form of the stored payload in which every sealed value — an object of exactly the members Commitment, Salt and Text
/// — keeps only its Commitment. So free text that could identify a person never reaches a leaf digest or a receipt,
/// and erasing Salt and Text later leaves the log verifying.
/// </summary>
public static class LedgerPayload
{
    public const string CommitmentMember = "Commitment";
    public const string SaltMember = "Salt";
    public const string TextMember = "Text";

    /// <summary>Salt length in bytes for new sealed values.</summary>
    public const int SaltSize = 16;

    /// <summary>The canonical ledger form of a stored payload (UTF-8 JSON).</summary>
    /// <exception cref="JsonCanonicalizationException">Not canonicalizable (floats, duplicate keys, ...).</exception>
    public static byte[] Canonical(ReadOnlySpan<byte> utf8Json)
    {
        // Most payloads hold no sealed value; only those pay for a DOM.
        if (utf8Json.IndexOf("\"Salt\""u8) < 0)
        {
            return JsonCanonicalizer.Canonicalize(utf8Json);
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8Json);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new JsonCanonicalizationException($"Payload is not JSON: {e.Message}");
        }

        return JsonCanonicalizer.Canonicalize(Redact(node));
    }

    /// <summary>The commitment "prefix:hex(H(salt ‖ UTF-8 text))" of a sealed text.</summary>
    public static string Commit(LogHashAlgorithm algorithm, ReadOnlySpan<byte> salt, string text)
    {
        var bytes = new byte[salt.Length + Encoding.UTF8.GetByteCount(text)];
        salt.CopyTo(bytes);
        Encoding.UTF8.GetBytes(text, bytes.AsSpan(salt.Length));
        return LedgerEntry.DigestPayload(algorithm, bytes);
    }

    /// <summary>A fresh random salt for a new sealed value.</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltSize);

    /// <summary>True when (salt, text) opens the commitment; the commitment's prefix names the hash.</summary>
    public static bool Opens(string commitment, string saltBase64, string text)
    {
        LogHashAlgorithm? algorithm = commitment.StartsWith("sha256:", StringComparison.Ordinal) ? LogHashAlgorithm.Sha256
            : commitment.StartsWith("sm3:", StringComparison.Ordinal) ? LogHashAlgorithm.Sm3 : null;
        if (algorithm is null)
        {
            return false;
        }

        try
        {
            return Commit(algorithm.Value, Convert.FromBase64String(saltBase64), text) == commitment;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Every sealed value in the payload: its commitment, and its salt and text unless erased.</summary>
    public static IEnumerable<(string Path, string? Commitment, string? Salt, string? Text)> SealedValues(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case JsonObject o when IsSealed(o):
                yield return (path, Str(o[CommitmentMember]), Str(o[SaltMember]), Str(o[TextMember]));
                break;
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    foreach (var found in SealedValues(value, $"{path}.{key}"))
                    {
                        yield return found;
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    foreach (var found in SealedValues(a[i], $"{path}[{i}]"))
                    {
                        yield return found;
                    }
                }

                break;
        }

        static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }

    private static bool IsSealed(JsonObject o) =>
        o.Count == 3 && o.ContainsKey(CommitmentMember) && o.ContainsKey(SaltMember) && o.ContainsKey(TextMember);

    private static JsonNode? Redact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o when IsSealed(o):
                return new JsonObject { [CommitmentMember] = o[CommitmentMember]?.DeepClone() };
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                {
                    copy[key] = Redact(value);
                }

                return copy;
            case JsonArray a:
                var array = new JsonArray();
                foreach (var item in a)
                {
                    array.Add(Redact(item));
                }

                return array;
            default:
                return node?.DeepClone();
        }
    }
}
