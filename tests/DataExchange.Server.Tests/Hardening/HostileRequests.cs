using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>
/// Request bodies a hostile or careless client might send, for any message type (driven by its descriptor): random
/// bytes, truncated and bit-flipped valid messages, wrong and invalid wire types, invalid UTF-8, huge strings, many
/// repeated fields, malformed durations and timestamps, unknown enum values, hostile text, extreme numbers, deep
/// nesting. Everything comes from the <see cref="Random"/> given, so a seed replays a run exactly.
/// </summary>
public static class HostileRequests
{
    public static readonly string[] Kinds =
    [
        "random-bytes", "truncated", "bit-flips", "wrong-wire-type", "invalid-utf8", "huge-string", "many-repeated",
        "bad-duration-or-timestamp", "unknown-enum", "hostile-text", "extreme-numbers", "deep-nesting",
    ];

    private static readonly string[] HostileTexts =
    [
        "Acme\u202Eatad", "zero\u200Bwidth", "\u2066isolate\u2069", "bom\uFEFF", "bell\a", "nul\0byte", " padded ", "",
        "Cafe\u0301", "participants/../participants", "'; drop table mt_events; --", "%s%n%x", "{{7*7}}",
        "\U0001F600\U0001F600", "a\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308", "\u3000\u3000", "line\u2028break",
        "listings/00000000-0000-0000-0000-000000000000", "trades/not-a-uuid", "DX-9999-999999", "9999-99-99",
    ];

    public static (string Kind, byte[] Body) Make(MessageDescriptor type, Random random)
    {
        var kind = Kinds[random.Next(Kinds.Length)];
        return (kind, Make(kind, type, random));
    }

    /// <summary>
    /// A valid message of <paramref name="type"/> in a broken gRPC frame (the 5-byte prefix and the one message): cut
    /// short, with bytes after it, a compressed flag that is not 0 or 1 or lacks an encoding, or a length that lies.
    /// </summary>
    public static (string Kind, byte[] Frame) BrokenFrame(MessageDescriptor type, Random random)
    {
        var message = Valid(type, random).ToByteArray();
        byte[] framed = [0, .. BigEndian((uint)message.Length), .. message];
        return random.Next(5) switch
        {
            0 => ("frame-cut", framed[..random.Next(framed.Length)]),
            1 => ("frame-trailing-bytes", [.. framed, .. Bytes(random, random.Next(1, 17))]),
            2 => ("frame-bad-flag", [(byte)random.Next(2, 256), .. framed[1..]]),
            3 => ("frame-compressed-without-encoding", [1, .. framed[1..]]),
            _ => ("frame-length-lies", [0, .. BigEndian(LyingLength(message.Length, random)), .. message]),
        };

        static uint LyingLength(int actual, Random random) => random.Next(3) switch
        {
            0 => (uint)random.Next(0, Math.Max(1, actual)),
            1 => (uint)(actual + random.Next(1, 1000)),
            _ => (uint)random.NextInt64(4L * 1024 * 1024 + 1, uint.MaxValue + 1L),
        };

        static byte[] BigEndian(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
    }

    public static byte[] Make(string kind, MessageDescriptor type, Random random)
    {
        switch (kind)
        {
            case "random-bytes":
                return Bytes(random, random.Next(4) == 0 ? random.Next(256, 8192) : random.Next(0, 64));
            case "truncated":
            {
                var valid = Valid(type, random).ToByteArray();
                return valid.Length == 0 ? Bytes(random, 3) : valid[..random.Next(valid.Length)];
            }

            case "bit-flips":
            {
                var valid = Valid(type, random).ToByteArray();
                if (valid.Length == 0)
                {
                    return Bytes(random, 5);
                }

                for (var i = random.Next(1, 9); i > 0; i--)
                {
                    valid[random.Next(valid.Length)] ^= (byte)(1 << random.Next(8));
                }

                return valid;
            }

            case "wrong-wire-type":
                return WrongWireType(type, random);
            case "invalid-utf8":
                return InvalidUtf8(type, random);
            case "huge-string":
                return Mutate(type, random, f => f.FieldType == FieldType.String, f => HugeString(random));
            case "many-repeated":
                return ManyRepeated(type, random);
            case "bad-duration-or-timestamp":
                return Mutate(type, random, f => f.FieldType == FieldType.Message && f.MessageType.FullName is "google.protobuf.Duration" or "google.protobuf.Timestamp",
                    f => BadTime(f.MessageType, random), fallback: () => BadTimeAsUnknownField(random));
            case "unknown-enum":
                return Mutate(type, random, f => f.FieldType == FieldType.Enum,
                    f => System.Enum.ToObject(f.EnumType.ClrType, Pick(random, 99, -1, 1000, int.MaxValue, int.MinValue)));
            case "hostile-text":
                return Mutate(type, random, f => f.FieldType == FieldType.String, f => HostileTexts[random.Next(HostileTexts.Length)]);
            case "extreme-numbers":
                return Mutate(type, random, f => f.FieldType is FieldType.Int32 or FieldType.Int64,
                    f => f.FieldType == FieldType.Int32 ? Pick(random, int.MaxValue, int.MinValue, -1, 0) : (object)Pick(random, long.MaxValue, long.MinValue, -1L, 0L));
            case "deep-nesting":
            {
                var depth = random.Next(101, 3000);
                var field = (uint)random.Next(1, 20);
                var start = Tag(field, WireFormat.WireType.StartGroup);
                var end = Tag(field, WireFormat.WireType.EndGroup);
                var closed = random.Next(2) == 0;
                return [.. Enumerable.Repeat(start, depth).SelectMany(b => b), .. closed ? Enumerable.Repeat(end, depth).SelectMany(b => b) : []];
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>A message that looks like a real request (resource names, ids, dates, currencies), with some fields unset.</summary>
    public static IMessage Valid(MessageDescriptor type, Random random, int depth = 0)
    {
        var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
        foreach (var field in type.Fields.InDeclarationOrder())
        {
            if (field.IsMap || random.Next(4) == 0)
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                for (var i = random.Next(3); i > 0; i--)
                {
                    list.Add(Value(field, random, depth));
                }
            }
            else
            {
                field.Accessor.SetValue(message, Value(field, random, depth));
            }
        }

        return message;
    }

    private static object Value(FieldDescriptor field, Random random, int depth) => field.FieldType switch
    {
        FieldType.String => Plausible(field.Name, random),
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => random.Next(-1, 400),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => (long)random.Next(-1, 5000),
        FieldType.UInt32 or FieldType.Fixed32 => (uint)random.Next(0, 400),
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)random.Next(0, 5000),
        FieldType.Double => random.NextDouble(),
        FieldType.Float => (float)random.NextDouble(),
        FieldType.Bytes => ByteString.CopyFrom(Bytes(random, random.Next(0, 40))),
        FieldType.Enum => System.Enum.ToObject(field.EnumType.ClrType, field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number),
        FieldType.Message => field.MessageType.FullName switch
        {
            "google.protobuf.Duration" => new Duration { Seconds = random.Next(0, 3), Nanos = random.Next(0, 1000) * 1000 },
            "google.protobuf.Timestamp" => Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(1_000_000))),
            "google.protobuf.FieldMask" => new FieldMask { Paths = { Pick(random, "title", "price", "licence", "state", "description") } },
            _ => depth > 4 ? (IMessage)Activator.CreateInstance(field.MessageType.ClrType)! : Valid(field.MessageType, random, depth + 1),
        },
        _ => throw new NotSupportedException(field.FieldType.ToString()),
    };

    private static string Plausible(string name, Random random)
    {
        string Id() => new Guid(Bytes(random, 16)).ToString();
        return name switch
        {
            "request_id" or "event_id" => Id(),
            "listing" => $"listings/{Id()}",
            "buyer" or "vendor" or "parent" => $"participants/{Id()}",
            "trade" => $"trades/{Id()}",
            "name" or "listings" => Pick(random, $"participants/{Id()}", $"listings/{Id()}", $"trades/{Id()}",
                $"participants/{Id()}/tokens/{Id()}", $"participants/{Id()}/exportApprovals/{Id()}"),
            "etag" => random.Next(1, 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "contract_date" or "valid_from" or "valid_until" or "revoked_on" => $"20{random.Next(20, 26)}-0{random.Next(1, 10)}-1{random.Next(0, 10)}",
            "currency_code" => Pick(random, "CNY", "HKD", "USD"),
            "filing_number" => $"DX-2024-{random.Next(1, 999_999):D6}",
            "categories" or "data_categories" => Pick(random, "logistics-eta", "credit", "mobility"),
            "city" => Pick(random, "Shenzhen", "Guangzhou", ""),
            "page_token" => random.Next(3) == 0 ? Convert.ToBase64String(Bytes(random, 12)) : "",
            _ => Pick(random, "Shenzhen logistics ETA feed", "深圳数据交易", "route planning", "Harbour Analytics", "x"),
        };
    }

    /// <summary>A valid message with one reachable field (nested ones too) set to <paramref name="value"/>'s result.</summary>
    private static byte[] Mutate(MessageDescriptor type, Random random, Func<FieldDescriptor, bool> match, Func<FieldDescriptor, object> value,
        Func<byte[]>? fallback = null)
    {
        var message = Valid(type, random);
        var candidates = new List<(IMessage Owner, FieldDescriptor Field)>();
        Collect(message, match, candidates, 0);
        if (candidates.Count == 0)
        {
            return fallback?.Invoke() ?? [.. message.ToByteArray(), .. UnknownVarint(random)];
        }

        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var (owner, field) = candidates[random.Next(candidates.Count)];
            if (field.IsRepeated)
            {
                ((IList)field.Accessor.GetValue(owner)).Add(value(field));
            }
            else
            {
                field.Accessor.SetValue(owner, value(field));
            }
        }

        return message.ToByteArray();
    }

    private static void Collect(IMessage message, Func<FieldDescriptor, bool> match, List<(IMessage, FieldDescriptor)> found, int depth)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.IsMap)
            {
                continue;
            }

            if (match(field))
            {
                found.Add((message, field));
            }

            if (depth < 4 && field.FieldType == FieldType.Message && !field.IsRepeated)
            {
                if (field.Accessor.GetValue(message) is not IMessage nested)
                {
                    nested = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                    field.Accessor.SetValue(message, nested);
                }

                Collect(nested, match, found, depth + 1);
            }
        }
    }

    private static byte[] ManyRepeated(MessageDescriptor type, Random random)
    {
        var message = Valid(type, random);
        var candidates = new List<(IMessage Owner, FieldDescriptor Field)>();
        Collect(message, f => f.IsRepeated && !f.IsMap, candidates, 0);
        // Mostly below gRPC's 4 MB message limit; now and then beyond it (RESOURCE_EXHAUSTED before any parsing).
        var count = random.Next(20) == 0 ? 120_000 : random.Next(1_000, 20_000);
        if (candidates.Count == 0)
        {
            // No repeated field: the same singular field many times (the last one wins, by protobuf rules).
            var field = type.Fields.InDeclarationOrder().FirstOrDefault(f => f.FieldType == FieldType.String);
            var bytes = new List<byte>(message.ToByteArray());
            for (var i = 0; i < count && field is not null; i++)
            {
                bytes.AddRange(Tag((uint)field.FieldNumber, WireFormat.WireType.LengthDelimited));
                bytes.Add(1);
                bytes.Add((byte)'x');
            }

            return [.. bytes];
        }

        var (owner, repeated) = candidates[random.Next(candidates.Count)];
        var list = (IList)repeated.Accessor.GetValue(owner);
        var item = Value(repeated, random, 4);
        for (var i = 0; i < count; i++)
        {
            list.Add(item is IMessage m ? m.Descriptor.Parser.ParseFrom(m.ToByteArray()) : item);
        }

        return message.ToByteArray();
    }

    private static object BadTime(MessageDescriptor type, Random random)
    {
        var seconds = Pick(random, long.MaxValue, long.MinValue, 1L, -1L, 315_576_000_001L, 0L, 253_402_300_800L);
        var nanos = Pick(random, 1_000_000_000, -1, int.MaxValue, int.MinValue, -999_999_999, 5);
        return type.FullName == "google.protobuf.Duration" ? new Duration { Seconds = seconds, Nanos = nanos } : new Timestamp { Seconds = seconds, Nanos = nanos };
    }

    private static byte[] BadTimeAsUnknownField(Random random)
    {
        var duration = (Duration)BadTime(Duration.Descriptor, random);
        var payload = duration.ToByteArray();
        return [.. Tag((uint)random.Next(1, 30), WireFormat.WireType.LengthDelimited), .. Varint((ulong)payload.Length), .. payload];
    }

    private static byte[] WrongWireType(MessageDescriptor type, Random random)
    {
        var valid = Valid(type, random).ToByteArray();
        var fields = type.Fields.InDeclarationOrder();
        var number = fields.Count == 0 ? (uint)random.Next(1, 16) : (uint)fields[random.Next(fields.Count)].FieldNumber;
        var lengthDelimited = fields.FirstOrDefault(f => f.FieldNumber == number) is { } f
            && (f.FieldType is FieldType.String or FieldType.Bytes or FieldType.Message || f.IsRepeated);
        byte[] wrong = random.Next(5) switch
        {
            0 => [.. Tag(number, WireFormat.WireType.Varint), .. Varint((ulong)random.Next())],
            1 => [.. Tag(number, WireFormat.WireType.LengthDelimited), 3, 1, 2, 3],
            2 => [.. Tag(number, WireFormat.WireType.Fixed32), 1, 2, 3, 4],
            3 => [(byte)((number << 3) | 6)], // wire types 6 and 7 do not exist
            _ => lengthDelimited ? [.. Tag(number, WireFormat.WireType.Fixed64), 1, 2, 3, 4, 5, 6, 7, 8] : [.. Tag(number, WireFormat.WireType.EndGroup)],
        };
        return random.Next(2) == 0 ? [.. wrong, .. valid] : [.. valid, .. wrong];
    }

    private static byte[] InvalidUtf8(MessageDescriptor type, Random random)
    {
        byte[] bad = Pick(random, new byte[] { 0xC3, 0x28 }, [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x41, 0xE2, 0x82]);
        byte[] StringField(int number, byte[] payload) => [.. Tag((uint)number, WireFormat.WireType.LengthDelimited), .. Varint((ulong)payload.Length), .. payload];

        var strings = type.Fields.InDeclarationOrder().Where(f => f.FieldType == FieldType.String).ToList();
        var nested = type.Fields.InDeclarationOrder()
            .Where(f => f.FieldType == FieldType.Message && f.MessageType.Fields.InDeclarationOrder().Any(s => s.FieldType == FieldType.String)).ToList();
        var valid = Valid(type, random).ToByteArray();
        if (nested.Count > 0 && (strings.Count == 0 || random.Next(2) == 0))
        {
            var outer = nested[random.Next(nested.Count)];
            var inner = outer.MessageType.Fields.InDeclarationOrder().Where(s => s.FieldType == FieldType.String).ToList();
            return [.. valid, .. StringField(outer.FieldNumber, StringField(inner[random.Next(inner.Count)].FieldNumber, bad))];
        }

        return strings.Count == 0 ? [.. valid, .. StringField(random.Next(1, 10), bad)] : [.. valid, .. StringField(strings[random.Next(strings.Count)].FieldNumber, bad)];
    }

    private static string HugeString(Random random)
    {
        var unit = Pick(random, "x", "深", "\u202E", "a\u0301", "\U0001F600");
        var bytes = System.Text.Encoding.UTF8.GetByteCount(unit);
        return string.Concat(Enumerable.Repeat(unit, random.Next(16_384, 320_000) / bytes));
    }

    private static byte[] UnknownVarint(Random random) => [.. Tag((uint)random.Next(100, 10_000), WireFormat.WireType.Varint), .. Varint(ulong.MaxValue)];

    private static byte[] Tag(uint field, WireFormat.WireType wireType) => Varint(WireFormat.MakeTag((int)field, wireType));

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);

        return [.. bytes];
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static T Pick<T>(Random random, params T[] options) => options[random.Next(options.Length)];
}
