using System.Text;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Tests;

public class LedgerEntryTests
{
    private const string Sha256OfAbc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static LedgerEntry Sample(DateOnly? effectiveDate = null) => new(
        LeafIndex: 42,
        StreamId: "trade-7",
        StreamVersion: 3,
        EventId: Guid.Parse("0b7e2f0a-52b4-4d43-9a8e-6a0c7d1f3e21"),
        EventType: "TradeConfirmed",
        RecordedAt: new DateTimeOffset(2026, 11, 27, 9, 30, 15, TimeSpan.FromHours(8)).AddTicks(1234560),
        EffectiveDate: effectiveDate,
        PayloadDigest: Sha256OfAbc);

    [Fact]
    public void ToCanonicalBytes_SampleEntry_IsSortedJcsWithUtcMicroseconds()
    {
        const string expected = "{\"event_id\":\"0b7e2f0a-52b4-4d43-9a8e-6a0c7d1f3e21\",\"event_type\":\"TradeConfirmed\",\"leaf_index\":42,"
            + "\"payload_digest\":\"" + Sha256OfAbc + "\",\"recorded_at\":\"2026-11-27T01:30:15.123456Z\",\"stream_id\":\"trade-7\",\"stream_version\":3}";
        Assert.Equal(expected, Encoding.UTF8.GetString(Sample().ToCanonicalBytes()));
    }

    [Fact]
    public void ToCanonicalBytes_WithEffectiveDate_PutsTheKeyFirst()
    {
        string json = Encoding.UTF8.GetString(Sample(new DateOnly(2026, 11, 20)).ToCanonicalBytes());
        Assert.StartsWith("{\"effective_date\":\"2026-11-20\",\"event_id\":", json);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parse_CanonicalBytes_RoundTripsToEqualEntry(bool withEffectiveDate)
    {
        var entry = Sample(withEffectiveDate ? new DateOnly(2025, 1, 2) : null);
        var parsed = LedgerEntry.Parse(entry.ToCanonicalBytes());
        Assert.Equal(entry, parsed);
        Assert.Equal(TimeSpan.Zero, parsed.RecordedAt.Offset);
        Assert.Equal(entry.ToCanonicalBytes(), parsed.ToCanonicalBytes());
    }

    [Fact]
    public void Parse_NonAsciiStreamId_RoundTrips()
    {
        var entry = Sample() with { StreamId = "合约-\u00e9-\"quoted\"\n" };
        Assert.Equal(entry, LedgerEntry.Parse(entry.ToCanonicalBytes()));
    }

    public static TheoryData<string> NonCanonicalVariants()
    {
        string canonical = Encoding.UTF8.GetString(Sample().ToCanonicalBytes());
        return new TheoryData<string>
        {
            canonical.Replace(",", ", ", StringComparison.Ordinal),
            " " + canonical,
            canonical + "\n",
            canonical.Replace("\"leaf_index\":42", "\"leaf_index\":42.0", StringComparison.Ordinal),
            canonical.Replace("trade-7", "trade\\u002d7", StringComparison.Ordinal),
            canonical.Replace("0b7e2f0a-52b4", "0B7E2F0A-52B4", StringComparison.Ordinal),
            canonical.Replace("15.123456Z", "15.123Z", StringComparison.Ordinal),
            canonical.Replace("15.123456Z", "15.123456+00:00", StringComparison.Ordinal),
            "{\"stream_version\":3," + canonical[1..].Replace(",\"stream_version\":3", string.Empty, StringComparison.Ordinal),
            canonical.Replace("}", ",\"extra\":1}", StringComparison.Ordinal),
            canonical.Replace(",\"stream_version\":3", string.Empty, StringComparison.Ordinal),
            canonical.Replace("ba7816bf", "BA7816BF", StringComparison.Ordinal),
            canonical.Replace("\"leaf_index\":42", "\"leaf_index\":\"42\"", StringComparison.Ordinal),
            "[]",
            "not json",
        };
    }

    [Theory]
    [MemberData(nameof(NonCanonicalVariants))]
    public void Parse_NonCanonicalOrMalformedBytes_ThrowsFormatException(string json)
    {
        Assert.Throws<FormatException>(() => LedgerEntry.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void ToCanonicalBytes_SubMicrosecondTimestamp_ThrowsUntilTruncated()
    {
        var entry = Sample() with { RecordedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1) };
        Assert.Throws<ArgumentException>(() => entry.ToCanonicalBytes());
        var truncated = entry with { RecordedAt = LedgerEntry.TruncateToMicroseconds(entry.RecordedAt) };
        Assert.Contains("\"recorded_at\":\"2026-01-01T00:00:00.000000Z\"", Encoding.UTF8.GetString(truncated.ToCanonicalBytes()));
    }

    [Fact]
    public void ToCanonicalBytes_BadDigestOrIndex_Throws()
    {
        Assert.Throws<ArgumentException>(() => (Sample() with { PayloadDigest = "md5:abc" }).ToCanonicalBytes());
        Assert.Throws<ArgumentException>(() => (Sample() with { LeafIndex = -1 }).ToCanonicalBytes());
        Assert.Throws<ArgumentException>(() => (Sample() with { StreamVersion = 1L << 53 }).ToCanonicalBytes());
    }

    [Fact]
    public void DigestPayload_Abc_GivesPrefixedKnownAnswers()
    {
        Assert.Equal(Sha256OfAbc, LedgerEntry.DigestPayload(LogHashAlgorithm.Sha256, "abc"u8));
        Assert.Equal("sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", LedgerEntry.DigestPayload(LogHashAlgorithm.Sm3, "abc"u8));
    }

    [Fact]
    public void LeafHash_Sample_IsRfc9162LeafHashOfCanonicalBytes()
    {
        var entry = Sample();
        Assert.Equal(TreeHasher.Sm3.HashLeaf(entry.ToCanonicalBytes()), entry.LeafHash(TreeHasher.Sm3));
    }
}
