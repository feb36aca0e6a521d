using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataExchange.Ledger.Audit;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Tests;

/// <summary>
/// The reader-based canonicalizer, the direct leaf encoder and the batched auditor are speed-ups of simpler reference
/// paths (JsonDocument, JsonObject, one leaf at a time): they must give the same bytes, the same rejections and the
/// same first failure.
/// </summary>
public class FastPathEquivalenceTests
{
    private static readonly string[] Keys = ["a", "B", "b", "aa", "", "é", "\u20ac", "\ud83d\ude02", "\ufb33", "Price", "Id", "x\ny", "q\"uote", "EffectiveDate"];

    private static JsonNode? RandomValue(Random random, int depth)
    {
        switch (random.Next(depth > 3 ? 5 : 8))
        {
            case 0: return null;
            case 1: return random.Next(2) == 0;
            case 2: return random.NextInt64(-JsonCanonicalizer.MaxSafeInteger, JsonCanonicalizer.MaxSafeInteger);
            case 3: return Keys[random.Next(Keys.Length)] + random.Next(100).ToString(CultureInfo.InvariantCulture);
            case 4: return "\u0001\t\\/<>" + (char)random.Next(0x20, 0x3000);
            case 5:
                var array = new JsonArray();
                for (var i = random.Next(4); i > 0; i--) array.Add(RandomValue(random, depth + 1));
                return array;
            default:
                var obj = new JsonObject();
                foreach (var key in Keys.OrderBy(_ => random.Next()).Take(random.Next(6)))
                {
                    obj[key] = RandomValue(random, depth + 1);
                }

                return obj;
        }
    }

    /// <summary>The same value as text in several shapes: compact, indented, fully \u-escaped, and as PostgreSQL jsonb prints it.</summary>
    private static IEnumerable<string> Spellings(JsonNode? node)
    {
        yield return node?.ToJsonString() ?? "null";
        yield return node?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null";
        yield return node?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default }) ?? "null";
        yield return (node?.ToJsonString() ?? "null").Replace(",", ", ", StringComparison.Ordinal).Replace(":", ": ", StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_canonicalizer_matches_the_document_path_on_random_json()
    {
        var random = new Random(8785);
        for (var n = 0; n < 2000; n++)
        {
            var node = RandomValue(random, 0);
            foreach (var text in Spellings(node))
            {
                var utf8 = Encoding.UTF8.GetBytes(text);
                using var document = JsonDocument.Parse(utf8);
                var expected = JsonCanonicalizer.Canonicalize(document.RootElement);
                Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(utf8)));
            }
        }
    }

    [Theory]
    [InlineData("{\"b\":1,\"a\":2,\"b\":3}")]
    [InlineData("{\"\\u0061\":1,\"a\":2}")]
    [InlineData("{\"z\":{\"y\":1,\"y\":1}}")]
    [InlineData("[1,2,3.25]")]
    [InlineData("{\"a\":\"\\udc00\"}")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{\"a\":1}{}")]
    [InlineData("/* c */ 1")]
    public void Reader_canonicalizer_rejects_what_the_document_path_rejects(string input)
    {
        Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(input)));
    }

    [Fact]
    public void Reader_canonicalizer_rejects_invalid_utf8_in_strings_and_keys()
    {
        Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.Canonicalize([(byte)'"', 0xC3, 0x28, (byte)'"']));
        Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.Canonicalize([(byte)'{', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)':', (byte)'1', (byte)'}']));
    }

    /// <summary>The encoding before the direct writer: a JsonObject of the fields through the canonicalizer.</summary>
    private static byte[] ReferenceEncoding(LedgerEntry e)
    {
        var json = new JsonObject
        {
            ["event_id"] = e.EventId.ToString("D"),
            ["event_type"] = e.EventType,
            ["leaf_index"] = e.LeafIndex,
            ["payload_digest"] = e.PayloadDigest,
            ["recorded_at"] = e.RecordedAt.UtcDateTime.ToString(LedgerEntry.RecordedAtFormat, CultureInfo.InvariantCulture),
            ["stream_id"] = e.StreamId,
            ["stream_version"] = e.StreamVersion,
        };
        if (e.EffectiveDate is { } date)
        {
            json["effective_date"] = date.ToString(LedgerEntry.EffectiveDateFormat, CultureInfo.InvariantCulture);
        }

        return JsonCanonicalizer.Canonicalize(json);
    }

    [Fact]
    public void Direct_leaf_encoding_matches_the_json_object_encoding_and_parses_back()
    {
        var random = new Random(9162);
        for (var n = 0; n < 2000; n++)
        {
            var entry = new LedgerEntry(
                random.NextInt64(0, JsonCanonicalizer.MaxSafeInteger),
                random.Next(3) == 0 ? Keys[random.Next(Keys.Length)] + "-\"流\u0007" : Guid.NewGuid().ToString("D"),
                random.NextInt64(0, 1_000_000),
                Guid.NewGuid(),
                random.Next(2) == 0 ? "trade_executed" : "type\t" + Keys[random.Next(Keys.Length)],
                LedgerEntry.TruncateToMicroseconds(DateTimeOffset.UnixEpoch.AddTicks(random.NextInt64(0, 4_000_000_000_000_000_000L / 200))),
                random.Next(3) == 0 ? DateOnly.FromDayNumber(random.Next(700_000, 800_000)) : null,
                LedgerEntry.DigestPayload(random.Next(2) == 0 ? LogHashAlgorithm.Sha256 : LogHashAlgorithm.Sm3, BitConverter.GetBytes(n)));
            var bytes = entry.ToCanonicalBytes();
            Assert.Equal(Encoding.UTF8.GetString(ReferenceEncoding(entry)), Encoding.UTF8.GetString(bytes));
            Assert.Equal(entry, LedgerEntry.Parse(bytes));
        }
    }

    private static (List<AuditLeaf> Leaves, byte[] Root) Log(int count, LogHashAlgorithm algorithm)
    {
        var hasher = TreeHasher.For(algorithm);
        var range = new Merkle.CompactRange(hasher);
        var leaves = new List<AuditLeaf>();
        for (var i = 0; i < count; i++)
        {
            var payload = JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes($"{{\"Number\":{i},\"Note\":\"event {i}\"}}"));
            var entry = new LedgerEntry(i, $"stream-{i % 7}", (i / 7) + 1, Guid.NewGuid(), "probe",
                LedgerEntry.TruncateToMicroseconds(DateTimeOffset.UnixEpoch.AddSeconds(i)), null, LedgerEntry.DigestPayload(algorithm, payload));
            var leaf = entry.ToCanonicalBytes();
            range.Append(hasher.HashLeaf(leaf));
            leaves.Add(new AuditLeaf(i, leaf, payload));
        }

        return (leaves, range.Root());
    }

    private static LogAuditor OneByOne(IReadOnlyList<AuditLeaf> leaves, LogHashAlgorithm algorithm, long sizeOfInterest)
    {
        var auditor = new LogAuditor(algorithm, sizeOfInterest);
        foreach (var leaf in leaves)
        {
            if (!auditor.Add(leaf.LeafIndex, leaf.Leaf.Span, leaf.Payload.Span, leaf.PayloadPresent)) break;
        }

        return auditor;
    }

    private static LogAuditor Batched(IReadOnlyList<AuditLeaf> leaves, LogHashAlgorithm algorithm, long sizeOfInterest, int batch)
    {
        var auditor = new LogAuditor(algorithm, sizeOfInterest);
        for (var i = 0; i < leaves.Count; i += batch)
        {
            if (!auditor.AddRange(leaves.Skip(i).Take(batch).ToList(), maxDegreeOfParallelism: 4)) break;
        }

        return auditor;
    }

    [Theory]
    [InlineData(LogHashAlgorithm.Sha256)]
    [InlineData(LogHashAlgorithm.Sm3)]
    public void Batched_parallel_audit_gives_the_same_roots_and_the_same_first_bad_leaf(LogHashAlgorithm algorithm)
    {
        var (leaves, root) = Log(3000, algorithm);
        var intact = Batched(leaves, algorithm, 1234, batch: 1000);
        Assert.Null(intact.Failure);
        Assert.Equal(root, intact.Root());
        Assert.Equal(OneByOne(leaves, algorithm, 1234).RootAt(1234), intact.RootAt(1234));

        // Several tamperings at once: the batched audit must name the lowest, like the sequential one.
        List<AuditLeaf> Tampered(params (int Index, Func<AuditLeaf, AuditLeaf> Change)[] changes)
        {
            var copy = leaves.ToList();
            foreach (var (index, change) in changes) copy[index] = change(copy[index]);
            return copy;
        }

        AuditLeaf ChangedPayload(AuditLeaf l) => l with { Payload = Encoding.UTF8.GetBytes("{\"Number\":-1}") };
        AuditLeaf Deleted(AuditLeaf l) => l with { Payload = ReadOnlyMemory<byte>.Empty, PayloadPresent = false };
        AuditLeaf FlippedLeaf(AuditLeaf l)
        {
            var bytes = l.Leaf.ToArray();
            bytes[0] = (byte)'['; // no longer decodes (a flip that still decodes is caught by the root instead)
            return l with { Leaf = bytes };
        }

        AuditLeaf NonCanonicalButEqual(AuditLeaf l) => l with { Payload = Encoding.UTF8.GetBytes("{ \"Note\" : \"event " + l.LeafIndex + "\", \"Number\": " + l.LeafIndex + " }") };

        var cases = new (List<AuditLeaf> Leaves, long? FirstBad)[]
        {
            (Tampered((2999, ChangedPayload), (1500, Deleted), (1777, FlippedLeaf)), 1500),
            (Tampered((1001, FlippedLeaf), (1002, ChangedPayload)), 1001),
            (Tampered((999, ChangedPayload)), 999),
            (Tampered((0, Deleted)), 0),
            (Tampered((10, NonCanonicalButEqual), (20, ChangedPayload)), 20),
            (Tampered((30, NonCanonicalButEqual)), null),
            ([.. leaves.Take(1200), .. leaves.Skip(1201)], 1200),
        };
        foreach (var (tampered, firstBad) in cases)
        {
            var expected = OneByOne(tampered, algorithm, 1234);
            foreach (var batch in new[] { 1, 300, 1000, 5000 })
            {
                var actual = Batched(tampered, algorithm, 1234, batch);
                Assert.Equal(firstBad, actual.Failure?.LeafIndex);
                Assert.Equal(expected.Failure, actual.Failure);
                Assert.Equal(expected.Size, actual.Size);
                Assert.Equal(expected.Root(), actual.Root());
            }
        }
    }
}
