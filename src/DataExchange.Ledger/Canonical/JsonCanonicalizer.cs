using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataExchange.Ledger.Canonical;

/// <summary>Thrown when a JSON value is outside the canonicalizable shape (floats, big integers, duplicate keys, bad Unicode).</summary>
public sealed class JsonCanonicalizationException(string message) : Exception(message);

/// <summary>
/// RFC 8785 (JSON Canonicalization Scheme) for the restricted shape the ledger uses: objects (keys sorted by UTF-16
/// code units), arrays, strings, booleans, null, and numbers whose value is an integer with |n| ≤ 2^53 − 1 (written
/// as a plain decimal integer, so 56.0 becomes 56). Any other number is rejected rather than run through the
/// ECMAScript double formatting that full RFC 8785 needs: amounts are integer minor units here.
/// </summary>
public static class JsonCanonicalizer
{
    /// <summary>Largest integer magnitude accepted: 2^53 − 1, the largest n for which n and n+1 are distinct doubles.</summary>
    public const long MaxSafeInteger = (1L << 53) - 1;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Canonicalize(JsonNode? node)
    {
        var output = new ArrayBufferWriter<byte>();
        WriteNode(node, output);
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Canonicalize(JsonElement element)
    {
        var output = new ArrayBufferWriter<byte>();
        WriteElement(element, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Parses UTF-8 JSON text (rejecting duplicate keys) and returns its canonical form.</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != utf8Json.Length && utf8Json[(int)reader.BytesConsumed..].IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                throw new JsonCanonicalizationException("Trailing data after the JSON value.");
            }

            return Canonicalize(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new JsonCanonicalizationException($"Invalid JSON: {e.Message}");
        }
    }

    private static void WriteNode(JsonNode? node, ArrayBufferWriter<byte> output)
    {
        switch (node)
        {
            case null:
                output.Write("null"u8);
                break;
            case JsonObject obj:
                var members = obj.Select(p => (p.Key, p.Value)).ToList();
                members.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                output.Write("{"u8);
                for (int i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        output.Write(","u8);
                    }

                    WriteString(members[i].Key, output);
                    output.Write(":"u8);
                    WriteNode(members[i].Value, output);
                }

                output.Write("}"u8);
                break;
            case JsonArray array:
                output.Write("["u8);
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        output.Write(","u8);
                    }

                    WriteNode(array[i], output);
                }

                output.Write("]"u8);
                break;
            case JsonValue value when value.TryGetValue<JsonElement>(out var element):
                WriteElement(element, output);
                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                WriteString(text, output);
                break;
            case JsonValue value when value.TryGetValue<bool>(out var flag):
                output.Write(flag ? "true"u8 : "false"u8);
                break;
            case JsonValue value when value.TryGetValue<long>(out var integer):
                WriteInteger(integer, output);
                break;
            default:
                // A CLR-backed value (double, decimal, Guid, …): serialize it and canonicalize the result, so the
                // same rules apply whichever way the value entered the tree.
                using (var document = JsonDocument.Parse(node.ToJsonString()))
                {
                    WriteElement(document.RootElement, output);
                }

                break;
        }
    }

    private static void WriteElement(JsonElement element, ArrayBufferWriter<byte> output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                output.Write("null"u8);
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            case JsonValueKind.String:
                WriteString(GetStringStrict(element), output);
                break;
            case JsonValueKind.Number:
                WriteInteger(ParseInteger(element), output);
                break;
            case JsonValueKind.Array:
                output.Write("["u8);
                bool firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        output.Write(","u8);
                    }

                    firstItem = false;
                    WriteElement(item, output);
                }

                output.Write("]"u8);
                break;
            case JsonValueKind.Object:
                var members = new List<(string Key, JsonElement Value)>();
                foreach (var property in element.EnumerateObject())
                {
                    members.Add((property.Name, property.Value));
                }

                members.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                output.Write("{"u8);
                for (int i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        if (members[i].Key == members[i - 1].Key)
                        {
                            throw new JsonCanonicalizationException($"Duplicate object key \"{members[i].Key}\".");
                        }

                        output.Write(","u8);
                    }

                    WriteString(members[i].Key, output);
                    output.Write(":"u8);
                    WriteElement(members[i].Value, output);
                }

                output.Write("}"u8);
                break;
            default:
                throw new JsonCanonicalizationException($"Unsupported JSON value kind {element.ValueKind}.");
        }
    }

    private static string GetStringStrict(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new JsonCanonicalizationException($"String is not valid Unicode: {e.Message}");
        }
    }

    private static long ParseInteger(JsonElement element)
    {
        if (element.TryGetInt64(out long integer))
        {
            return CheckRange(integer, element);
        }

        // Integral values written with a fraction or exponent (56.0, 1e2) are still integers to RFC 8785.
        if (element.TryGetDecimal(out decimal value) && value == decimal.Truncate(value) && Math.Abs(value) <= MaxSafeInteger)
        {
            return (long)value;
        }

        throw new JsonCanonicalizationException($"Number {element.GetRawText()} is not an integer within ±(2^53 − 1); use integer minor units.");
    }

    private static long CheckRange(long integer, JsonElement element) =>
        integer is > MaxSafeInteger or < -MaxSafeInteger
            ? throw new JsonCanonicalizationException($"Integer {element.GetRawText()} is outside ±(2^53 − 1).")
            : integer;

    private static void WriteInteger(long integer, ArrayBufferWriter<byte> output)
    {
        if (integer is > MaxSafeInteger or < -MaxSafeInteger)
        {
            throw new JsonCanonicalizationException($"Integer {integer} is outside ±(2^53 − 1).");
        }

        Span<byte> digits = stackalloc byte[24];
        integer.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
        output.Write(digits[..written]);
    }

    /// <summary>RFC 8785 §3.2.2.2 string serialization; the result is UTF-8 without escaping non-ASCII.</summary>
    internal static void WriteString(string value, IBufferWriter<byte> output)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ': builder.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }

        builder.Append('"');
        try
        {
            output.Write(StrictUtf8.GetBytes(builder.ToString()));
        }
        catch (EncoderFallbackException)
        {
            throw new JsonCanonicalizationException("String contains a lone surrogate; RFC 8785 needs valid Unicode.");
        }
    }
}
