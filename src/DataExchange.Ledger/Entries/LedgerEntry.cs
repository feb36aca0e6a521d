using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Entries;

/// <summary>
/// The leaf of the verifiable ledger: everything an auditor relies on about one event, hashed as RFC 8785 JSON.
/// The payload itself is only committed to by digest, so a payload with personal data can be erased later while
/// the log still verifies.
/// </summary>
/// <param name="LeafIndex">Position in the log, from the gapless sequencer (0-based).</param>
/// <param name="StreamId">Event stream the event belongs to.</param>
/// <param name="StreamVersion">Version of the stream after this event.</param>
/// <param name="EventId">Unique id of the event.</param>
/// <param name="EventType">Event type name.</param>
/// <param name="RecordedAt">When the exchange recorded the event; must have at most microsecond precision (what PostgreSQL timestamptz keeps).</param>
/// <param name="EffectiveDate">The trade's own date for back-filed trades; omitted from the JSON when null.</param>
/// <param name="PayloadDigest">"sha256:&lt;hex&gt;" or "sm3:&lt;hex&gt;" of the canonical payload bytes (see <see cref="DigestPayload"/>).</param>
public sealed record LedgerEntry(
    long LeafIndex,
    string StreamId,
    long StreamVersion,
    Guid EventId,
    string EventType,
    DateTimeOffset RecordedAt,
    DateOnly? EffectiveDate,
    string PayloadDigest)
{
    /// <summary>Format of recorded_at: RFC 3339, UTC, exactly six fractional digits.</summary>
    public const string RecordedAtFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>Format of effective_date: RFC 3339 full-date.</summary>
    public const string EffectiveDateFormat = "yyyy-MM-dd";

    /// <summary>Drops sub-microsecond ticks so a timestamp survives a PostgreSQL round trip and <see cref="ToCanonicalBytes"/> accepts it.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new DateTimeOffset(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>"sha256:&lt;hex&gt;" or "sm3:&lt;hex&gt;" (lowercase) of the canonical payload bytes.</summary>
    public static string DigestPayload(LogHashAlgorithm algorithm, ReadOnlySpan<byte> canonicalPayload)
    {
        string prefix = algorithm switch
        {
            LogHashAlgorithm.Sha256 => "sha256:",
            LogHashAlgorithm.Sm3 => "sm3:",
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        return prefix + Convert.ToHexStringLower(TreeHasher.For(algorithm).Digest(canonicalPayload));
    }

    /// <summary>The leaf bytes: JCS of the fields with snake_case keys; throws <see cref="ArgumentException"/> for out-of-shape values.</summary>
    public byte[] ToCanonicalBytes()
    {
        var output = new CanonicalBuffer(256 + StreamId.Length + EventType.Length);
        WriteCanonical(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes the leaf bytes straight in RFC 8785 form: the keys are fixed, so their sorted order (by UTF-16 code units)
    /// is written out here rather than computed; <c>effective_date</c> sorts first when present.
    /// </summary>
    public void WriteCanonical(CanonicalBuffer output)
    {
        Validate();
        Span<byte> scratch = stackalloc byte[40];
        output.WriteByte((byte)'{');
        if (EffectiveDate is { } date)
        {
            output.Write("\"effective_date\":\""u8);
            date.TryFormat(scratch, out var n, EffectiveDateFormat, CultureInfo.InvariantCulture);
            output.Write(scratch[..n]);
            output.Write("\","u8);
        }

        output.Write("\"event_id\":\""u8);
        EventId.TryFormat(scratch, out var written, "D");
        output.Write(scratch[..written]);
        output.Write("\",\"event_type\":"u8);
        JsonCanonicalizer.WriteString(EventType, output);
        output.Write(",\"leaf_index\":"u8);
        LeafIndex.TryFormat(scratch, out written, default, CultureInfo.InvariantCulture);
        output.Write(scratch[..written]);
        output.Write(",\"payload_digest\":"u8);
        JsonCanonicalizer.WriteString(PayloadDigest, output);
        output.Write(",\"recorded_at\":\""u8);
        RecordedAt.UtcDateTime.TryFormat(scratch, out written, RecordedAtFormat, CultureInfo.InvariantCulture);
        output.Write(scratch[..written]);
        output.Write("\",\"stream_id\":"u8);
        JsonCanonicalizer.WriteString(StreamId, output);
        output.Write(",\"stream_version\":"u8);
        StreamVersion.TryFormat(scratch, out written, default, CultureInfo.InvariantCulture);
        output.Write(scratch[..written]);
        output.WriteByte((byte)'}');
    }

    /// <summary>RFC 9162 leaf hash of <see cref="ToCanonicalBytes"/>.</summary>
    public byte[] LeafHash(IHasher hasher) => hasher.HashLeaf(ToCanonicalBytes());

    [ThreadStatic]
    private static CanonicalBuffer? reencodeBuffer;

    /// <summary>
    /// Parses leaf bytes and insists they are exactly canonical (re-encodes and compares), so two different byte
    /// strings can never stand for the same entry.
    /// </summary>
    /// <exception cref="FormatException">Not valid, not complete, or not canonical.</exception>
    public static LedgerEntry Parse(ReadOnlySpan<byte> canonicalBytes)
    {
        // One forward pass with Utf8JsonReader (no DOM): audits parse every leaf of the log.
        LedgerEntry entry;
        try
        {
            var reader = new Utf8JsonReader(canonicalBytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("A ledger entry must be a JSON object.");
            }

            long? leafIndex = null, streamVersion = null;
            string? streamId = null, eventId = null, eventType = null, recordedAt = null, digest = null, effective = null;
            List<string>? unknown = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.ValueSpan;
                var escaped = reader.ValueIsEscaped;
                reader.Read();
                if (escaped)
                {
                    // Canonical keys are never escaped; decode it only to name it (the re-encoding check rejects it anyway).
                    (unknown ??= []).Add("(escaped key)");
                    reader.Skip();
                }
                else if (key.SequenceEqual("leaf_index"u8)) leafIndex = reader.GetInt64();
                else if (key.SequenceEqual("stream_version"u8)) streamVersion = reader.GetInt64();
                else if (key.SequenceEqual("stream_id"u8)) streamId = reader.GetString();
                else if (key.SequenceEqual("event_id"u8)) eventId = reader.GetString();
                else if (key.SequenceEqual("event_type"u8)) eventType = reader.GetString();
                else if (key.SequenceEqual("recorded_at"u8)) recordedAt = reader.GetString();
                else if (key.SequenceEqual("payload_digest"u8)) digest = reader.GetString();
                else if (key.SequenceEqual("effective_date"u8)) effective = reader.GetString();
                else
                {
                    (unknown ??= []).Add(Encoding.UTF8.GetString(key));
                    reader.Skip();
                }
            }

            if (unknown is not null)
            {
                throw new FormatException($"Unknown ledger entry key(s): {string.Join(", ", unknown)}.");
            }

            var missing = new List<string>();
            void Require(object? value, string name)
            {
                if (value is null)
                {
                    missing.Add(name);
                }
            }

            Require(eventId, "event_id");
            Require(eventType, "event_type");
            Require(leafIndex, "leaf_index");
            Require(digest, "payload_digest");
            Require(recordedAt, "recorded_at");
            Require(streamId, "stream_id");
            Require(streamVersion, "stream_version");
            if (missing.Count > 0)
            {
                throw new FormatException($"Missing ledger entry key(s): {string.Join(", ", missing)}.");
            }

            entry = new LedgerEntry(
                LeafIndex: leafIndex!.Value,
                StreamId: streamId!,
                StreamVersion: streamVersion!.Value,
                EventId: Guid.ParseExact(eventId!, "D"),
                EventType: eventType!,
                RecordedAt: DateTimeOffset.ParseExact(recordedAt!, RecordedAtFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                EffectiveDate: effective is null ? null : DateOnly.ParseExact(effective, EffectiveDateFormat, CultureInfo.InvariantCulture),
                PayloadDigest: digest!);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            throw new FormatException($"Malformed ledger entry: {e.Message}", e);
        }

        var reencoded = reencodeBuffer ??= new CanonicalBuffer(512);
        reencoded.Clear();
        try
        {
            entry.WriteCanonical(reencoded);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Invalid ledger entry: {e.Message}", e);
        }
        catch (JsonCanonicalizationException e)
        {
            throw new FormatException($"Invalid ledger entry: {e.Message}", e);
        }

        if (!reencoded.WrittenSpan.SequenceEqual(canonicalBytes))
        {
            throw new FormatException("Ledger entry bytes are not in canonical (RFC 8785) form.");
        }

        return entry;
    }

    private void Validate()
    {
        if (LeafIndex < 0 || LeafIndex > JsonCanonicalizer.MaxSafeInteger)
        {
            throw new ArgumentException($"LeafIndex {LeafIndex} is outside 0..2^53−1.");
        }

        if (StreamVersion < 0 || StreamVersion > JsonCanonicalizer.MaxSafeInteger)
        {
            throw new ArgumentException($"StreamVersion {StreamVersion} is outside 0..2^53−1.");
        }

        if (string.IsNullOrEmpty(StreamId) || string.IsNullOrEmpty(EventType))
        {
            throw new ArgumentException("StreamId and EventType must be non-empty.");
        }

        if (RecordedAt.UtcTicks % 10 != 0)
        {
            throw new ArgumentException("RecordedAt has sub-microsecond precision; use LedgerEntry.TruncateToMicroseconds (PostgreSQL keeps microseconds).");
        }

        if (!IsValidDigest(PayloadDigest))
        {
            throw new ArgumentException($"PayloadDigest \"{PayloadDigest}\" is not \"sha256:<64 hex>\" or \"sm3:<64 hex>\" in lowercase.");
        }
    }

    private static bool IsValidDigest(string? digest)
    {
        if (digest is null)
        {
            return false;
        }

        string hex = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[7..]
            : digest.StartsWith("sm3:", StringComparison.Ordinal) ? digest[4..]
            : string.Empty;
        return hex.Length == 2 * SHA256.HashSizeInBytes && hex.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
    }
}
