using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

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
    /// <remarks>
    /// The fast path for the ledger's hot loops (sequencer, StreamEntries, audits): one forward pass with
    /// <see cref="Utf8JsonReader"/>, no DOM. Strings without escapes are copied as they are (already RFC 8785), and an
    /// object's members are written in input order and only moved when they are not already sorted, so canonical input
    /// costs a parse and a copy. Same output and the same rejections as <see cref="Canonicalize(JsonElement)"/>.
    /// </remarks>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        var output = new CanonicalBuffer(utf8Json.Length + 16);
        CanonicalizeTo(utf8Json, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Like <see cref="Canonicalize(ReadOnlySpan{byte})"/>, appending to <paramref name="output"/> (reusable per thread).</summary>
    public static void CanonicalizeTo(ReadOnlySpan<byte> utf8Json, CanonicalBuffer output)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
            if (!reader.Read())
            {
                throw new JsonCanonicalizationException("Invalid JSON: no value.");
            }

            WriteValue(ref reader, output);
            if (reader.BytesConsumed != utf8Json.Length && utf8Json[(int)reader.BytesConsumed..].IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                throw new JsonCanonicalizationException("Trailing data after the JSON value.");
            }
        }
        catch (JsonException e)
        {
            throw new JsonCanonicalizationException($"Invalid JSON: {e.Message}");
        }
    }

    private static void WriteValue(ref Utf8JsonReader reader, CanonicalBuffer output)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                WriteObject(ref reader, output);
                break;
            case JsonTokenType.StartArray:
                output.WriteByte((byte)'[');
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first)
                    {
                        output.WriteByte((byte)',');
                    }

                    first = false;
                    WriteValue(ref reader, output);
                }

                output.WriteByte((byte)']');
                break;
            case JsonTokenType.String:
                WriteStringToken(ref reader, output);
                break;
            case JsonTokenType.Number:
                WriteNumberToken(ref reader, output);
                break;
            case JsonTokenType.True:
                output.Write("true"u8);
                break;
            case JsonTokenType.False:
                output.Write("false"u8);
                break;
            case JsonTokenType.Null:
                output.Write("null"u8);
                break;
            default:
                throw new JsonCanonicalizationException($"Unsupported JSON token {reader.TokenType}.");
        }
    }

    /// <summary>One member as written: <c>"key":value</c> at [Start, Start + Length); Key is set when it is not plain ASCII.</summary>
    private struct Member
    {
        public int Start;
        public int Length;
        public int KeyLength; // UTF-8 bytes of the plain-ASCII key, which sits at Start + 1
        public string? Key;
    }

    private static void WriteObject(ref Utf8JsonReader reader, CanonicalBuffer output)
    {
        output.WriteByte((byte)'{');
        var bodyStart = output.Count;
        Member[]? members = null;
        var count = 0;
        var sorted = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (count > 0)
            {
                output.WriteByte((byte)',');
            }

            var member = new Member { Start = output.Count };
            if (!reader.ValueIsEscaped && Ascii.IsValid(reader.ValueSpan))
            {
                // Plain ASCII without escapes is its own RFC 8785 form, and byte order is UTF-16 order.
                member.KeyLength = reader.ValueSpan.Length;
                output.WriteByte((byte)'"');
                output.Write(reader.ValueSpan);
                output.WriteByte((byte)'"');
            }
            else
            {
                member.Key = GetStringStrict(ref reader);
                WriteString(member.Key, output);
            }

            output.WriteByte((byte)':');
            reader.Read();
            WriteValue(ref reader, output);
            member.Length = output.Count - member.Start;
            members ??= new Member[8];
            if (count == members.Length)
            {
                Array.Resize(ref members, count * 2);
            }

            members[count] = member;
            if (count > 0 && sorted)
            {
                var order = CompareKeys(output, members[count - 1], member);
                if (order == 0)
                {
                    throw new JsonCanonicalizationException($"Duplicate object key \"{KeyOf(output, member)}\".");
                }

                sorted = order < 0;
            }

            count++;
        }

        if (!sorted)
        {
            // Move the written members into key order: copy the body out, sort the index, write it back.
            var span = members.AsSpan(0, count);
            var body = output.WrittenSpan[bodyStart..].ToArray();
            span.Sort((a, b) => CompareKeys(output, a, b));
            for (var i = 1; i < span.Length; i++)
            {
                if (CompareKeys(output, span[i - 1], span[i]) == 0)
                {
                    throw new JsonCanonicalizationException($"Duplicate object key \"{KeyOf(output, span[i])}\".");
                }
            }

            output.Count = bodyStart;
            for (var i = 0; i < span.Length; i++)
            {
                if (i > 0)
                {
                    output.WriteByte((byte)',');
                }

                output.Write(body.AsSpan(span[i].Start - bodyStart, span[i].Length));
            }
        }

        output.WriteByte((byte)'}');
    }

    // Reads key bytes from the buffer as written before any move; the sort compares only keys, which stay put until then.
    private static int CompareKeys(CanonicalBuffer output, in Member a, in Member b) =>
        a.Key is null && b.Key is null
            ? output.WrittenSpan.Slice(a.Start + 1, a.KeyLength).SequenceCompareTo(output.WrittenSpan.Slice(b.Start + 1, b.KeyLength))
            : string.CompareOrdinal(KeyOf(output, a), KeyOf(output, b));

    private static string KeyOf(CanonicalBuffer output, in Member member) =>
        member.Key ?? Encoding.ASCII.GetString(output.WrittenSpan.Slice(member.Start + 1, member.KeyLength));

    private static string GetStringStrict(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new JsonCanonicalizationException($"String is not valid Unicode: {e.Message}");
        }
    }

    private static void WriteStringToken(ref Utf8JsonReader reader, CanonicalBuffer output)
    {
        if (!reader.ValueIsEscaped && Utf8.IsValid(reader.ValueSpan))
        {
            // JSON forbids raw control characters, quotes and backslashes in strings: unescaped valid UTF-8 is canonical.
            output.WriteByte((byte)'"');
            output.Write(reader.ValueSpan);
            output.WriteByte((byte)'"');
            return;
        }

        WriteString(GetStringStrict(ref reader), output);
    }

    private static void WriteNumberToken(ref Utf8JsonReader reader, CanonicalBuffer output)
    {
        if (reader.TryGetInt64(out var integer))
        {
            if (integer is > MaxSafeInteger or < -MaxSafeInteger)
            {
                throw new JsonCanonicalizationException($"Integer {Encoding.UTF8.GetString(reader.ValueSpan)} is outside ±(2^53 − 1).");
            }

            WriteInteger(integer, output);
            return;
        }

        // Integral values written with a fraction or exponent (56.0, 1e2) are still integers to RFC 8785.
        if (reader.TryGetDecimal(out var value) && value == decimal.Truncate(value) && Math.Abs(value) <= MaxSafeInteger)
        {
            WriteInteger((long)value, output);
            return;
        }

        throw new JsonCanonicalizationException($"Number {Encoding.UTF8.GetString(reader.ValueSpan)} is not an integer within ±(2^53 − 1); use integer minor units.");
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

    private static void WriteInteger(long integer, IBufferWriter<byte> output)
    {
        if (integer is > MaxSafeInteger or < -MaxSafeInteger)
        {
            throw new JsonCanonicalizationException($"Integer {integer} is outside ±(2^53 − 1).");
        }

        Span<byte> digits = stackalloc byte[24];
        integer.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
        output.Write(digits[..written]);
    }

    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    /// <summary>RFC 8785 §3.2.2.2 string serialization; the result is UTF-8 without escaping non-ASCII.</summary>
    internal static void WriteString(string value, IBufferWriter<byte> output)
    {
        var text = value;
        if (value.AsSpan().ContainsAny(NeedsEscape))
        {
            var builder = new StringBuilder(value.Length + 8);
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

            text = builder.ToString();
        }

        try
        {
            var span = output.GetSpan(StrictUtf8.GetMaxByteCount(text.Length) + 2);
            span[0] = (byte)'"';
            var written = StrictUtf8.GetBytes(text, span[1..]);
            span[written + 1] = (byte)'"';
            output.Advance(written + 2);
        }
        catch (EncoderFallbackException)
        {
            throw new JsonCanonicalizationException("String contains a lone surrogate; RFC 8785 needs valid Unicode.");
        }
    }
}

/// <summary>
/// A growable byte buffer for <see cref="JsonCanonicalizer.CanonicalizeTo"/>: unlike ArrayBufferWriter its count can be
/// moved back, which is how an object's members are put in order in place. Not thread-safe; reuse one per thread.
/// </summary>
public sealed class CanonicalBuffer(int initialCapacity = 256) : IBufferWriter<byte>
{
    private byte[] buffer = new byte[Math.Max(16, initialCapacity)];
    private int count;

    /// <summary>Bytes written; may be set lower to drop what follows.</summary>
    public int Count
    {
        get => count;
        set => count = value >= 0 && value <= count ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public ReadOnlySpan<byte> WrittenSpan => buffer.AsSpan(0, count);

    public void Clear() => count = 0;

    public void WriteByte(byte value)
    {
        Ensure(1);
        buffer[count++] = value;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(buffer.AsSpan(count));
        count += bytes.Length;
    }

    public void Advance(int bytes) => count += bytes;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return buffer.AsMemory(count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return buffer.AsSpan(count);
    }

    private void Ensure(int more)
    {
        if (buffer.Length - count < more)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, count + more));
        }
    }
}
