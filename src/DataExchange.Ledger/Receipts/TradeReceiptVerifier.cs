using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;

namespace DataExchange.Ledger.Receipts;

/// <summary>Outcome of <see cref="TradeReceiptVerifier.Verify"/>. On failure <see cref="Field"/> is the JSON path of the member at fault.</summary>
public sealed record TradeReceiptVerification(
    bool IsValid,
    string? Field,
    string? Failure,
    Checkpoint? Checkpoint,
    string? Trade,
    string? FilingNumber,
    int EventCount,
    IReadOnlyList<VerifiedKey> SignedBy)
{
    /// <summary>"field: message", the one line a CLI prints.</summary>
    public string Describe() => IsValid ? "valid" : $"{Field}: {Failure}";
}

/// <summary>
/// The reference verifier of trade receipts, format dataexchange.trade-receipt/1: the seven steps of RECEIPTS.md, on
/// the receipt file's JSON as it is (no protobuf runtime needed), so anyone can call it. Never throws for a bad
/// receipt: every failure names the member at fault.
/// </summary>
public static class TradeReceiptVerifier
{
    public const string FormatV1 = "dataexchange.trade-receipt/1";

    /// <param name="receiptJson">The receipt file's text.</param>
    /// <param name="requiredKeys">Trusted keys that must all have signed the checkpoint (at least one).</param>
    /// <param name="expectedOrigin">When given, the log's origin must be this.</param>
    public static TradeReceiptVerification Verify(string receiptJson, IReadOnlyCollection<INoteVerifier> requiredKeys, string? expectedOrigin = null)
    {
        ArgumentNullException.ThrowIfNull(requiredKeys);
        try
        {
            return VerifyOrThrow(receiptJson, requiredKeys, expectedOrigin);
        }
        catch (ReceiptCheckException e)
        {
            return new TradeReceiptVerification(false, e.Field, e.Message, null, null, null, 0, []);
        }
    }

    private static TradeReceiptVerification VerifyOrThrow(string receiptJson, IReadOnlyCollection<INoteVerifier> requiredKeys, string? expectedOrigin)
    {
        if (requiredKeys.Count == 0)
        {
            throw new ReceiptCheckException("keys", "no trusted key was given; a receipt is checked against the exchange's keys obtained elsewhere");
        }

        // 1. The document.
        JsonElement receipt;
        try
        {
            using var document = JsonDocument.Parse(receiptJson ?? "", new JsonDocumentOptions { MaxDepth = 64 });
            receipt = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ReceiptCheckException("$", $"not JSON: {e.Message}");
        }

        // A member given twice: JSON parsers differ on which one counts (System.Text.Json takes the last), so a receipt
        // could show one record to a reader and another to a verifier.
        if (FirstRepeatedMember(receipt, "") is { } repeated)
        {
            throw new ReceiptCheckException(repeated, "is given twice: JSON readers differ on which one counts");
        }

        // Members the format does not define: a proto3 JSON parser refuses them, and a reader could take them for part of
        // the receipt although nothing checks them. (The record's are found when it is compared.)
        OnlyKnownMembers(receipt, "", "format", "trade", "origin", "hashAlgorithm", "treeSize", "checkpoint", "leaves", "streamHead", "record", "keys");
        OnlyKnownMembers(Member(receipt, "checkpoint"), "checkpoint", "origin", "treeSize", "rootHash", "note", "hashAlgorithm", "createTime");
        OnlyKnownMembers(Member(receipt, "streamHead"), "streamHead", "mapSize", "index", "entry", "proof");
        for (var i = 0; Member(receipt, "leaves") is { ValueKind: JsonValueKind.Array } all && i < all.GetArrayLength(); i++)
        {
            OnlyKnownMembers(all[i], $"leaves[{i}]", "entry", "inclusionProof");
            OnlyKnownMembers(Member(all[i], "entry"), $"leaves[{i}].entry", "leafIndex", "leaf", "streamId", "streamVersion", "eventId", "eventType",
                "recordTime", "effectiveDate", "payloadDigest", "payload", "leafHash", "leafDecodeError");
        }

        for (var i = 0; Member(receipt, "keys") is { ValueKind: JsonValueKind.Array } all && i < all.GetArrayLength(); i++)
        {
            OnlyKnownMembers(all[i], $"keys[{i}]", "keyName", "keyId", "type", "publicKeyPem", "verifierKey", "validFromTreeSize", "validUntilTreeSize");
        }

        if (receipt.ValueKind != JsonValueKind.Object)
        {
            throw new ReceiptCheckException("$", "a receipt is a JSON object");
        }

        var format = Str(receipt, "format");
        if (format != FormatV1)
        {
            throw new ReceiptCheckException("format", format.Length == 0
                ? $"missing: this is not a {FormatV1} receipt (receipts from before format versions cannot prove their content)"
                : $"\"{format}\" is not a format this verifier reads (it reads {FormatV1})");
        }

        var algorithm = Str(receipt, "hashAlgorithm") switch
        {
            "HASH_ALGORITHM_SHA256" => LogHashAlgorithm.Sha256,
            "HASH_ALGORITHM_SM3" => LogHashAlgorithm.Sm3,
            var other => throw new ReceiptCheckException("hashAlgorithm", $"\"{other}\" is not HASH_ALGORITHM_SHA256 or HASH_ALGORITHM_SM3"),
        };
        var hasher = TreeHasher.For(algorithm);
        var trade = Str(receipt, "trade");
        if (!trade.StartsWith("trades/", StringComparison.Ordinal) || !Guid.TryParseExact(trade["trades/".Length..], "D", out var tradeGuid)
            || tradeGuid.ToString("D") != trade["trades/".Length..])
        {
            throw new ReceiptCheckException("trade", $"\"{trade}\" is not trades/ and a lowercase UUID");
        }

        var tradeId = tradeGuid.ToString("D");

        // 2. Signatures: every required key signed the note.
        var checkpointJson = Obj(receipt, "checkpoint");
        var note = Str(checkpointJson, "note", "checkpoint.note");
        var verified = SignedNote.Verify(note, requiredKeys);
        if (!verified.IsValid)
        {
            throw new ReceiptCheckException("checkpoint.note", $"the signatures do not verify: {verified.Error}");
        }

        var unsigned = requiredKeys.Where(k => !verified.IsVerifiedBy(k.KeyName, k.KeyId)).ToList();
        if (unsigned.Count > 0)
        {
            throw new ReceiptCheckException("checkpoint.note",
                $"not signed by the trusted key(s) {string.Join(", ", unsigned.Select(k => $"{k.KeyName}+{k.KeyId:x8}"))}");
        }

        // 3. The checkpoint the note states, and the unsigned members that repeat it.
        Checkpoint checkpoint;
        StreamHeadsCommitment heads;
        try
        {
            checkpoint = Checkpoint.Parse(verified.Text!);
            heads = StreamHeadsCommitment.Find(checkpoint.Extensions)
                ?? throw new FormatException("the checkpoint has no stream-heads line, so it cannot prove the trade complete");
        }
        catch (FormatException e)
        {
            throw new ReceiptCheckException("checkpoint.note", e.Message);
        }

        Same("origin", Str(receipt, "origin"), checkpoint.Origin);
        Same("checkpoint.origin", Str(checkpointJson, "origin", "checkpoint.origin"), checkpoint.Origin);
        if (expectedOrigin is not null && checkpoint.Origin != expectedOrigin)
        {
            throw new ReceiptCheckException("origin", $"the log is \"{checkpoint.Origin}\", not the expected \"{expectedOrigin}\"");
        }

        var treeSize = Int(receipt, "treeSize");
        Same("treeSize", treeSize, checkpoint.Size);
        Same("checkpoint.treeSize", Int(checkpointJson, "treeSize", "checkpoint.treeSize"), checkpoint.Size);
        if (!Bytes(checkpointJson, "rootHash", "checkpoint.rootHash").AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new ReceiptCheckException("checkpoint.rootHash", "differs from the root the signed note states");
        }

        if (checkpoint.RootHash.Length != hasher.HashSize || heads.Root.Length != hasher.HashSize)
        {
            throw new ReceiptCheckException("checkpoint.note", $"a root is not a {hasher.HashSize}-byte {algorithm} hash");
        }

        if (checkpointJson.TryGetProperty("hashAlgorithm", out var stated) && stated.GetString() is { Length: > 0 } statedAlgorithm
            && statedAlgorithm != Str(receipt, "hashAlgorithm"))
        {
            throw new ReceiptCheckException("checkpoint.hashAlgorithm", $"\"{statedAlgorithm}\" differs from the receipt's hashAlgorithm");
        }

        // 4. Leaves: canonical, as decoded, contiguous versions of this trade's stream, payloads hashing to their digests, included.
        var leaves = Arr(receipt, "leaves");
        if (leaves.Count == 0)
        {
            throw new ReceiptCheckException("leaves", "the receipt has no leaves");
        }

        var events = new List<(string, byte[])>();
        LedgerEntry? previous = null, first = null;
        for (var i = 0; i < leaves.Count; i++)
        {
            var at = $"leaves[{i}]";
            var entryJson = Obj(leaves[i], "entry", at + ".entry");
            var leafBytes = Bytes(entryJson, "leaf", at + ".entry.leaf");
            LedgerEntry entry;
            try
            {
                entry = LedgerEntry.Parse(leafBytes);
            }
            catch (FormatException e)
            {
                throw new ReceiptCheckException(at + ".entry.leaf", e.Message);
            }

            Same(at + ".entry.leafIndex", Int(entryJson, "leafIndex", at + ".entry.leafIndex"), entry.LeafIndex);
            Same(at + ".entry.streamId", Str(entryJson, "streamId", at + ".entry.streamId"), entry.StreamId);
            Same(at + ".entry.streamVersion", Int(entryJson, "streamVersion", at + ".entry.streamVersion"), entry.StreamVersion);
            Same(at + ".entry.eventId", Str(entryJson, "eventId", at + ".entry.eventId"), entry.EventId.ToString("D"));
            Same(at + ".entry.eventType", Str(entryJson, "eventType", at + ".entry.eventType"), entry.EventType);
            Same(at + ".entry.recordTime", ReceiptTime.Normalize(Str(entryJson, "recordTime", at + ".entry.recordTime")) ?? "(not a time)",
                ReceiptTime.Normalize(entry.RecordedAt.UtcDateTime.ToString(LedgerEntry.RecordedAtFormat, CultureInfo.InvariantCulture))!);
            Same(at + ".entry.effectiveDate", Str(entryJson, "effectiveDate", at + ".entry.effectiveDate"),
                entry.EffectiveDate?.ToString(LedgerEntry.EffectiveDateFormat, CultureInfo.InvariantCulture) ?? "");
            Same(at + ".entry.payloadDigest", Str(entryJson, "payloadDigest", at + ".entry.payloadDigest"), entry.PayloadDigest);

            if (entry.StreamId != tradeId)
            {
                // All leaves of another stream: the receipt was relabelled; one leaf: that leaf was swapped in.
                throw i == 0
                    ? new ReceiptCheckException("trade", $"the receipt's leaves are of trades/{entry.StreamId}, not of {trade}")
                    : new ReceiptCheckException(at + ".entry.leaf", $"the leaf is of stream {entry.StreamId}, not of {trade}");
            }

            if (entry.StreamVersion != i + 1)
            {
                throw new ReceiptCheckException(at + ".entry.streamVersion",
                    $"is {entry.StreamVersion} where {i + 1} is due: a receipt holds every version of the stream from 1, contiguous");
            }

            if (previous is not null && entry.LeafIndex <= previous.LeafIndex)
            {
                throw new ReceiptCheckException(at + ".entry.leafIndex", "leaf indices must increase with the stream's versions");
            }

            if (entry.LeafIndex >= treeSize)
            {
                throw new ReceiptCheckException(at + ".entry.leafIndex", $"leaf {entry.LeafIndex} is outside a tree of size {treeSize}");
            }

            var payload = Bytes(entryJson, "payload", at + ".entry.payload");
            byte[] canonical;
            try
            {
                canonical = JsonCanonicalizer.Canonicalize(payload);
            }
            catch (Exception e) when (e is JsonCanonicalizationException or JsonException)
            {
                throw new ReceiptCheckException(at + ".entry.payload", $"not canonicalizable JSON: {e.Message}");
            }

            if (!canonical.AsSpan().SequenceEqual(payload))
            {
                throw new ReceiptCheckException(at + ".entry.payload", "not in canonical (RFC 8785) form");
            }

            if (LedgerEntry.DigestPayload(algorithm, payload) != entry.PayloadDigest)
            {
                throw new ReceiptCheckException(at + ".entry.payload", $"hashes to {LedgerEntry.DigestPayload(algorithm, payload)}, but the leaf commits to {entry.PayloadDigest}");
            }

            var proof = Arr(leaves[i], "inclusionProof").Select((p, j) => Base64(p, $"{at}.inclusionProof[{j}]")).ToList();
            if (!MerkleProofs.VerifyInclusion(hasher, entry.LeafIndex, treeSize, hasher.HashLeaf(leafBytes), proof, checkpoint.RootHash))
            {
                throw new ReceiptCheckException(at + ".inclusionProof", $"does not lead from leaf {entry.LeafIndex} to the checkpoint's root");
            }

            // Served beside the proven leaf (LogEntry), so they may only repeat what it says.
            if (entryJson.TryGetProperty("leafHash", out _) && Bytes(entryJson, "leafHash", at + ".entry.leafHash") is { Length: > 0 } statedHash
                && !statedHash.AsSpan().SequenceEqual(hasher.HashLeaf(leafBytes)))
            {
                throw new ReceiptCheckException(at + ".entry.leafHash", "is not H(0x00 ‖ leaf)");
            }

            if (Str(entryJson, "leafDecodeError", at + ".entry.leafDecodeError").Length > 0)
            {
                throw new ReceiptCheckException(at + ".entry.leafDecodeError", "must be empty: the leaf decodes");
            }

            events.Add((entry.EventType, payload));
            first ??= entry;
            previous = entry;
        }

        // 5. Completeness: the stream-heads map signed with the checkpoint says the stream ends at the last leaf.
        var headJson = Obj(receipt, "streamHead");
        var headBytes = Bytes(headJson, "entry", "streamHead.entry");
        StreamHead head;
        try
        {
            head = StreamHead.Parse(headBytes);
        }
        catch (FormatException e)
        {
            throw new ReceiptCheckException("streamHead.entry", e.Message);
        }

        if (head.StreamId != tradeId)
        {
            throw new ReceiptCheckException("streamHead.entry", $"is the head of stream {head.StreamId}, not of {trade}");
        }

        var mapSize = Int(headJson, "mapSize", "streamHead.mapSize");
        Same("streamHead.mapSize", mapSize, heads.Count);
        var index = Int(headJson, "index", "streamHead.index");
        var headProof = Arr(headJson, "proof").Select((p, j) => Base64(p, $"streamHead.proof[{j}]")).ToList();
        if (!MerkleProofs.VerifyInclusion(hasher, index, mapSize, hasher.HashLeaf(headBytes), headProof, heads.Root))
        {
            throw new ReceiptCheckException("streamHead.proof", $"does not lead from entry {index} of {mapSize} to the stream-heads root the checkpoint states");
        }

        // Only now is the entry known to be the signed map's: when it says more, the receipt lacks events.
        if (head.StreamVersion != leaves.Count || head.LeafIndex != previous!.LeafIndex)
        {
            throw new ReceiptCheckException("leaves",
                $"the stream-heads map says the stream is at version {head.StreamVersion} (leaf {head.LeafIndex}) in this checkpoint, but the receipt ends at version {leaves.Count} (leaf {previous!.LeafIndex}): events are missing");
        }

        // 6. Replay: the record is what the payloads say.
        var replayed = TradeRecordReplay.Replay(tradeId, events);
        if (first!.EffectiveDate?.ToString(LedgerEntry.EffectiveDateFormat, CultureInfo.InvariantCulture) != replayed["contractDate"]?.GetValue<string>())
        {
            throw new ReceiptCheckException("leaves[0].entry.leaf", "the leaf's effective_date differs from the payload's EffectiveDate");
        }

        var shown = receipt.TryGetProperty("record", out var r) ? r : default;
        if (shown.ValueKind != JsonValueKind.Object)
        {
            throw new ReceiptCheckException("record", "missing");
        }

        CompareRecord(Flatten(JsonNode.Parse(shown.GetRawText()), "record"), Flatten(replayed, "record"));

        // 7. The informational keys must at least be self-consistent, and each one's signature line must be in the note.
        var keys = receipt.TryGetProperty("keys", out var k) && k.ValueKind == JsonValueKind.Array ? k.EnumerateArray().ToList() : [];
        var lines = SignedNote.Parse(note).Signatures;
        for (var i = 0; i < keys.Count; i++)
        {
            var key = CheckKey(keys[i], $"keys[{i}]");
            if (!lines.Any(l => l.KeyName == key.KeyName && l.KeyId == key.KeyId))
            {
                throw new ReceiptCheckException($"keys[{i}].keyId", $"the note carries no signature line of {key.KeyName}+{key.KeyId:x8}");
            }
        }

        return new TradeReceiptVerification(true, null, null, checkpoint, trade, replayed["filingNumber"]?.GetValue<string>(), leaves.Count, verified.VerifiedKeys);
    }

    private static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    private static void OnlyKnownMembers(JsonElement element, string at, params string[] names)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var member in element.EnumerateObject())
        {
            if (!names.Contains(member.Name, StringComparer.Ordinal) && !IsProtoDefault(member.Value))
            {
                throw new ReceiptCheckException(at.Length == 0 ? member.Name : $"{at}.{member.Name}", "is not a member of the receipt format");
            }
        }
    }

    /// <summary>
    /// A value a proto3 JSON writer that writes default values gives a field left empty: such a member, even of a field
    /// the format does not define (added to the message later and left empty in receipts), reads as absent.
    /// </summary>
    private static bool IsProtoDefault(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.False => true,
        JsonValueKind.Number => value.TryGetDecimal(out var number) && number == 0,
        JsonValueKind.String => value.GetString() is "" or "0" || value.GetString()!.EndsWith("_UNSPECIFIED", StringComparison.Ordinal),
        JsonValueKind.Array => value.GetArrayLength() == 0,
        JsonValueKind.Object => !value.EnumerateObject().Any(),
        _ => false,
    };

    /// <summary>The JSON path of the first member that repeats a name of its object, in document order; null when none does.</summary>
    private static string? FirstRepeatedMember(JsonElement element, string at)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in element.EnumerateObject())
            {
                var path = at.Length == 0 ? member.Name : $"{at}.{member.Name}";
                if (!seen.Add(member.Name))
                {
                    return path;
                }

                if (FirstRepeatedMember(member.Value, path) is { } inner)
                {
                    return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (FirstRepeatedMember(item, $"{at}[{i++}]") is { } inner)
                {
                    return inner;
                }
            }
        }

        return null;
    }

    private static INoteVerifier CheckKey(JsonElement key, string at)
    {
        INoteVerifier stated;
        try
        {
            stated = NoteKeys.ParseVerifierKey(Str(key, "verifierKey", at + ".verifierKey"));
        }
        catch (FormatException e)
        {
            throw new ReceiptCheckException(at + ".verifierKey", e.Message);
        }

        Same(at + ".keyName", Str(key, "keyName", at + ".keyName"), stated.KeyName);
        Same(at + ".keyId", Str(key, "keyId", at + ".keyId"), stated.KeyId.ToString("x8", CultureInfo.InvariantCulture));
        var type = stated switch
        {
            Ed25519NoteVerifier => "SIGNING_KEY_TYPE_ED25519",
            Sm2NoteVerifier => "SIGNING_KEY_TYPE_SM2_SM3",
            _ => null, // ECDSA P-256 has no SigningKeyType value
        };
        if (type is not null)
        {
            Same(at + ".type", Str(key, "type", at + ".type"), type);
        }

        var pem = Str(key, "publicKeyPem", at + ".publicKeyPem");
        INoteVerifier fromPem;
        try
        {
            fromPem = stated is Ed25519NoteVerifier ? Ed25519NoteVerifier.FromPem(stated.KeyName, pem)
                : stated is Sm2NoteVerifier ? Sm2NoteVerifier.FromPem(stated.KeyName, pem)
                : EcdsaP256NoteVerifier.FromPem(stated.KeyName, pem);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or CryptographicException or InvalidOperationException)
        {
            throw new ReceiptCheckException(at + ".publicKeyPem", $"not a public key of the verifier key's type: {e.Message}");
        }

        if (fromPem.KeyId != stated.KeyId)
        {
            throw new ReceiptCheckException(at + ".publicKeyPem", "is not the key the verifierKey names");
        }

        return stated;
    }

    /// <summary>Every member the record shows must be what the replay gives, and nothing the replay gives may be left out.</summary>
    private static void CompareRecord(SortedDictionary<string, string> shown, SortedDictionary<string, string> replayed)
    {
        foreach (var path in shown.Keys.Union(replayed.Keys).Order(StringComparer.Ordinal))
        {
            shown.TryGetValue(path, out var s);
            replayed.TryGetValue(path, out var p);
            if (s != p)
            {
                throw new ReceiptCheckException(path, $"the receipt says {s ?? "nothing"}, but its events say {p ?? "nothing"}");
            }
        }
    }

    /// <summary>Path → value text with proto3 JSON defaults dropped, so "0", 0 and an omitted member compare equal.</summary>
    private static SortedDictionary<string, string> Flatten(JsonNode? node, string path)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? n, string at, string? member)
        {
            switch (n)
            {
                case null:
                    return;
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        Walk(value, $"{at}.{key}", key);
                    }

                    return;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        Walk(a[i], $"{at}[{i}]", member);
                    }

                    return;
                default:
                    var text = n.GetValueKind() switch
                    {
                        JsonValueKind.String => n.GetValue<string>(),
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => n.ToJsonString(),
                        _ => "",
                    };
                    if (member is "createTime" or "updateTime")
                    {
                        text = ReceiptTime.Normalize(text) ?? text;
                    }

                    if (text is not ("" or "0" or "false") && !text.EndsWith("_UNSPECIFIED", StringComparison.Ordinal))
                    {
                        result[at] = text;
                    }

                    return;
            }
        }

        Walk(node, path, null);
        return result;
    }

    private static void Same<T>(string field, T shown, T actual)
        where T : IEquatable<T>
    {
        if (!shown.Equals(actual))
        {
            throw new ReceiptCheckException(field, $"says {shown}, but the signed or hashed data says {actual}");
        }
    }

    private static JsonElement Obj(JsonElement e, string name, string? field = null) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : throw new ReceiptCheckException(field ?? name, "missing or not an object");

    private static List<JsonElement> Arr(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? []
        : value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList()
        : throw new ReceiptCheckException(name, "not an array");

    private static string Str(JsonElement e, string name, string? field = null)
    {
        if (!e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return "";
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new ReceiptCheckException(field ?? name, "not a string");
    }

    /// <summary>proto3 JSON int64: a decimal string or a number; omitted means 0.</summary>
    private static long Int(JsonElement e, string name, string? field = null)
    {
        if (!e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
        {
            return n;
        }

        if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }

        throw new ReceiptCheckException(field ?? name, "not an integer");
    }

    private static byte[] Bytes(JsonElement e, string name, string field) => Base64(e.TryGetProperty(name, out var value) ? value : default, field);

    private static byte[] Base64(JsonElement value, string field)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return [];
        }

        try
        {
            return value.ValueKind == JsonValueKind.String ? Convert.FromBase64String(value.GetString()!) : throw new FormatException("not a string");
        }
        catch (FormatException)
        {
            throw new ReceiptCheckException(field, "not base64");
        }
    }
}
