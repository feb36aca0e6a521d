using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    private static readonly string[] RequiredKeys = ["event_id", "event_type", "leaf_index", "payload_digest", "recorded_at", "stream_id", "stream_version"];

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
        Validate();
        var json = new JsonObject
        {
            ["event_id"] = EventId.ToString("D"),
            ["event_type"] = EventType,
            ["leaf_index"] = LeafIndex,
            ["payload_digest"] = PayloadDigest,
            ["recorded_at"] = RecordedAt.UtcDateTime.ToString(RecordedAtFormat, CultureInfo.InvariantCulture),
            ["stream_id"] = StreamId,
            ["stream_version"] = StreamVersion,
        };
        if (EffectiveDate is { } date)
        {
            json["effective_date"] = date.ToString(EffectiveDateFormat, CultureInfo.InvariantCulture);
        }

        return JsonCanonicalizer.Canonicalize(json);
    }

    /// <summary>RFC 9162 leaf hash of <see cref="ToCanonicalBytes"/>.</summary>
    public byte[] LeafHash(IHasher hasher) => hasher.HashLeaf(ToCanonicalBytes());

    /// <summary>
    /// Parses leaf bytes and insists they are exactly canonical (re-encodes and compares), so two different byte
    /// strings can never stand for the same entry.
    /// </summary>
    /// <exception cref="FormatException">Not valid, not complete, or not canonical.</exception>
    public static LedgerEntry Parse(ReadOnlySpan<byte> canonicalBytes)
    {
        LedgerEntry entry;
        try
        {
            var reader = new Utf8JsonReader(canonicalBytes);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("A ledger entry must be a JSON object.");
            }

            var keys = root.EnumerateObject().Select(p => p.Name).ToList();
            var unknown = keys.Except(RequiredKeys).Except(["effective_date"]).ToList();
            if (unknown.Count > 0)
            {
                throw new FormatException($"Unknown ledger entry key(s): {string.Join(", ", unknown)}.");
            }

            var missing = RequiredKeys.Except(keys).ToList();
            if (missing.Count > 0)
            {
                throw new FormatException($"Missing ledger entry key(s): {string.Join(", ", missing)}.");
            }

            DateOnly? effectiveDate = root.TryGetProperty("effective_date", out var dateElement)
                ? DateOnly.ParseExact(dateElement.GetString()!, EffectiveDateFormat, CultureInfo.InvariantCulture)
                : null;
            entry = new LedgerEntry(
                LeafIndex: root.GetProperty("leaf_index").GetInt64(),
                StreamId: root.GetProperty("stream_id").GetString()!,
                StreamVersion: root.GetProperty("stream_version").GetInt64(),
                EventId: Guid.ParseExact(root.GetProperty("event_id").GetString()!, "D"),
                EventType: root.GetProperty("event_type").GetString()!,
                RecordedAt: DateTimeOffset.ParseExact(
                    root.GetProperty("recorded_at").GetString()!,
                    RecordedAtFormat,
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                EffectiveDate: effectiveDate,
                PayloadDigest: root.GetProperty("payload_digest").GetString()!);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            throw new FormatException($"Malformed ledger entry: {e.Message}", e);
        }

        byte[] reencoded;
        try
        {
            reencoded = entry.ToCanonicalBytes();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Invalid ledger entry: {e.Message}", e);
        }

        if (!reencoded.AsSpan().SequenceEqual(canonicalBytes))
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
