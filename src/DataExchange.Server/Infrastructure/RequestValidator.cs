using System.Text.RegularExpressions;
using DataExchange.Domain.Common;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Collects every field violation of a request, so one INVALID_ARGUMENT answer names all of them
/// (google.rpc.BadRequest), and nothing is written.
/// </summary>
public sealed partial class RequestValidator
{
    private readonly List<BadRequest.Types.FieldViolation> violations = [];

    /// <summary>How many violations so far: a check that builds on earlier ones runs only if they added none.</summary>
    public int ViolationCount => violations.Count;

    public RequestValidator Check(bool ok, string field, string description)
    {
        if (!ok)
        {
            violations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        }

        return this;
    }

    public RequestValidator Text(string? value, string field, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Check(!required, field, "is required");
        }

        Check(value.Length <= maxLength, field, $"must be at most {maxLength} characters");
        Check(value.Trim() == value, field, "must not start or end with whitespace");
        Check(!value.Any(char.IsControl), field, "must not contain control characters");
        if (HiddenCharacters.FindFirst(value) is { } hidden)
        {
            Check(false, field, $"contains {hidden.Describe()}; bidirectional controls and invisible characters are not allowed");
        }

        return this;
    }

    /// <summary>
    /// A google.protobuf.Duration that is well-formed (seconds within ±10,000 years, |nanos| below one second, both of
    /// the same sign) and between <paramref name="min"/> and <paramref name="max"/>. Null (unset) passes unless required.
    /// </summary>
    public RequestValidator Duration(Google.Protobuf.WellKnownTypes.Duration? duration, string field, TimeSpan min, TimeSpan max, bool required = false)
    {
        if (duration is null)
        {
            return Check(!required, field, "is required");
        }

        var wellFormed = duration.Seconds is >= Google.Protobuf.WellKnownTypes.Duration.MinSeconds and <= Google.Protobuf.WellKnownTypes.Duration.MaxSeconds
            && duration.Nanos is > -Google.Protobuf.WellKnownTypes.Duration.NanosecondsPerSecond and < Google.Protobuf.WellKnownTypes.Duration.NanosecondsPerSecond
            && (duration.Seconds == 0 || duration.Nanos == 0 || duration.Seconds > 0 == duration.Nanos > 0);
        if (!wellFormed)
        {
            return Check(false, field, "is not a valid duration: nanos must be between -999,999,999 and 999,999,999 with the sign of seconds");
        }

        // Compared in nanoseconds: TimeSpan's 100 ns ticks would round 10 s + 1 ns down to 10 s, and -1 ns up to 0.
        var nanos = (Int128)duration.Seconds * Google.Protobuf.WellKnownTypes.Duration.NanosecondsPerSecond + duration.Nanos;
        return Check(nanos >= (Int128)min.Ticks * 100 && nanos <= (Int128)max.Ticks * 100, field, $"must be between {Seconds(min)} and {Seconds(max)}");
    }

    /// <summary>
    /// A google.protobuf.Timestamp that is well-formed: 0001-01-01 to 9999-12-31 UTC, nanos 0 to 999,999,999.
    /// Null (unset) passes unless required.
    /// </summary>
    public RequestValidator Timestamp(Google.Protobuf.WellKnownTypes.Timestamp? timestamp, string field, bool required = false)
    {
        if (timestamp is null)
        {
            return Check(!required, field, "is required");
        }

        return Check(timestamp.Seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds
                && timestamp.Nanos is >= 0 and < Google.Protobuf.WellKnownTypes.Duration.NanosecondsPerSecond,
            field, "is not a valid timestamp: 0001-01-01 to 9999-12-31 UTC, nanos between 0 and 999,999,999");
    }

    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

    /// <summary>
    /// Normalises every string field of a request, nested messages and repeated fields included, to Unicode NFC, so
    /// that text that looks the same is stored the same. Runs once on every request as it is read (see
    /// <see cref="GuardedServiceMethodProvider{TService}"/>), before validation and before the idempotency hash.
    /// </summary>
    public static void NormalizeText(IMessage message, int depth = 0)
    {
        if (depth > 64)
        {
            return;
        }

        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType is not (FieldType.String or FieldType.Message) || field.IsMap)
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                if (value is IList<string> texts)
                {
                    for (var i = 0; i < texts.Count; i++)
                    {
                        if (UnicodeNfc.Normalize(texts[i]) is var normalized && !ReferenceEquals(normalized, texts[i]))
                        {
                            texts[i] = normalized;
                        }
                    }
                }
                else if (value is System.Collections.IEnumerable items)
                {
                    foreach (var item in items)
                    {
                        if (item is IMessage nested)
                        {
                            NormalizeText(nested, depth + 1);
                        }
                    }
                }
            }
            else if (value is string text && UnicodeNfc.Normalize(text) is var normalized && !ReferenceEquals(normalized, text))
            {
                field.Accessor.SetValue(message, normalized);
            }
            else if (value is IMessage nested)
            {
                NormalizeText(nested, depth + 1);
            }
        }
    }

    public RequestValidator RequestId(string? requestId, string field = "request_id")
    {
        if (string.IsNullOrEmpty(requestId))
        {
            return Check(false, field, "is required: every change carries an idempotency key");
        }

        return Check(RequestIdPattern().IsMatch(requestId), field, "must be 1-100 characters of [A-Za-z0-9._:-]");
    }

    public RequestValidator Enum<TEnum>(TEnum value, string field) where TEnum : struct, System.Enum
    {
        var known = System.Enum.IsDefined(value) && Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) != 0;
        return Check(known, field, "must be a known, specified value");
    }

    public RequestValidator PageSize(int pageSize, string field = "page_size") =>
        Check(pageSize is >= 0 and <= Paging.MaxPageSize, field, $"must be between 0 and {Paging.MaxPageSize}");

    public RequestValidator Money(V1.Money? money, string field, bool allowZero)
    {
        if (money is null)
        {
            return Check(false, field, "is required");
        }

        Check(Currencies.IsKnown(money.CurrencyCode), $"{field}.currency_code", "must be a supported ISO 4217 code (CNY, HKD, MOP, USD, EUR, GBP, SGD, JPY)");
        return Check(money.AmountMinor >= (allowZero ? 0 : 1) && money.AmountMinor <= Currencies.MaxAmountMinor,
            $"{field}.amount_minor", $"must be between {(allowZero ? 0 : 1)} and {Currencies.MaxAmountMinor} minor units");
    }

    public void ThrowIfInvalid()
    {
        if (violations.Count == 0)
        {
            return;
        }

        // ErrorBounds keeps the first violations only; the message and the metadata say how many there were.
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations.Take(ErrorBounds.MaxFieldViolations));
        var first = violations[0];
        throw RpcErrors.Create(Code.InvalidArgument, "INVALID_REQUEST", $"{first.Field} {first.Description}" +
            (violations.Count > 1 ? $" (and {violations.Count - 1} more)" : ""),
            new Dictionary<string, string>
            {
                ["field"] = first.Field,
                ["violations"] = violations.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, badRequest);
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex RequestIdPattern();
}

/// <summary>
/// Characters that change how text displays without showing themselves, so one name can pass for another: the
/// bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and every other character Unicode
/// calls default-ignorable (zero-width space and joiners U+200B–U+200D, word joiner U+2060, invisible operators
/// U+2061–U+2064, U+FEFF, soft hyphen, Hangul fillers, variation selectors, tag characters, …), plus the line and
/// paragraph separators U+2028 and U+2029.
/// </summary>
public static class HiddenCharacters
{
    public readonly record struct Found(int CodePoint, int Position)
    {
        /// <summary>"U+202E RIGHT-TO-LEFT OVERRIDE at position 5" (positions count characters from 0).</summary>
        public string Describe() =>
            $"U+{CodePoint:X4} {NameOf(CodePoint)} at position {Position.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>The first hidden character of <paramref name="text"/> and its position in characters (code points), or null.</summary>
    public static Found? FindFirst(string text)
    {
        var position = 0;
        for (var i = 0; i < text.Length; i++, position++)
        {
            int codePoint = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }

            if (IsHidden(codePoint))
            {
                return new Found(codePoint, position);
            }
        }

        return null;
    }

    public static bool IsHidden(int c) => c switch
    {
        < 0x00AD => false,
        0x00AD or 0x034F or 0x061C or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x3164 or 0xFEFF or 0xFFA0 => true,
        >= 0x180B and <= 0x180F => true,
        >= 0x200B and <= 0x200F => true,
        0x2028 or 0x2029 => true,
        >= 0x202A and <= 0x202E => true,
        >= 0x2060 and <= 0x206F => true,
        >= 0xFE00 and <= 0xFE0F => true,
        >= 0xFFF0 and <= 0xFFF8 => true,
        >= 0x1BCA0 and <= 0x1BCA3 => true,
        >= 0x1D173 and <= 0x1D17A => true,
        >= 0xE0000 and <= 0xE0FFF => true,
        _ => false,
    };

    private static string NameOf(int c) => c switch
    {
        0x00AD => "SOFT HYPHEN",
        0x034F => "COMBINING GRAPHEME JOINER",
        0x061C => "ARABIC LETTER MARK",
        0x115F => "HANGUL CHOSEONG FILLER",
        0x1160 => "HANGUL JUNGSEONG FILLER",
        0x180E => "MONGOLIAN VOWEL SEPARATOR",
        0x200B => "ZERO WIDTH SPACE",
        0x200C => "ZERO WIDTH NON-JOINER",
        0x200D => "ZERO WIDTH JOINER",
        0x200E => "LEFT-TO-RIGHT MARK",
        0x200F => "RIGHT-TO-LEFT MARK",
        0x2028 => "LINE SEPARATOR",
        0x2029 => "PARAGRAPH SEPARATOR",
        0x202A => "LEFT-TO-RIGHT EMBEDDING",
        0x202B => "RIGHT-TO-LEFT EMBEDDING",
        0x202C => "POP DIRECTIONAL FORMATTING",
        0x202D => "LEFT-TO-RIGHT OVERRIDE",
        0x202E => "RIGHT-TO-LEFT OVERRIDE",
        0x2060 => "WORD JOINER",
        0x2061 => "FUNCTION APPLICATION",
        0x2062 => "INVISIBLE TIMES",
        0x2063 => "INVISIBLE SEPARATOR",
        0x2064 => "INVISIBLE PLUS",
        0x2066 => "LEFT-TO-RIGHT ISOLATE",
        0x2067 => "RIGHT-TO-LEFT ISOLATE",
        0x2068 => "FIRST STRONG ISOLATE",
        0x2069 => "POP DIRECTIONAL ISOLATE",
        0x3164 => "HANGUL FILLER",
        0xFEFF => "ZERO WIDTH NO-BREAK SPACE",
        0xFFA0 => "HALFWIDTH HANGUL FILLER",
        >= 0xFE00 and <= 0xFE0F => "VARIATION SELECTOR",
        >= 0xE0000 and <= 0xE0FFF => "TAG OR VARIATION SELECTOR",
        _ => "INVISIBLE FORMAT CHARACTER",
    };
}
