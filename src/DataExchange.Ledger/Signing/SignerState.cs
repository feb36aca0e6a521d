using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Signing;

/// <summary>
/// What the checkpoint signer last signed, kept by the signer itself outside the database: the tree size, its root, the
/// right edge of that tree (its peaks, enough to extend it) and the signed note. The signer only ever signs a tree that
/// extends this one, from leaf hashes it computed itself, so whoever rewrites the database cannot get a forged or
/// rolled-back history signed.
/// </summary>
public sealed record SignerState(string Origin, LogHashAlgorithm Algorithm, long Size, byte[] Root, IReadOnlyList<byte[]> Peaks, string? Note, DateTimeOffset? SignedAt)
{
    public const string Format = "dataexchange-signer-state/1";

    /// <summary>The state of a signer that has signed nothing yet.</summary>
    public static SignerState Empty(string origin, LogHashAlgorithm algorithm) =>
        new(origin, algorithm, 0, TreeHasher.For(algorithm).EmptyRoot(), [], null, null);

    /// <summary>A compact range positioned at this state, to append the next leaves to.</summary>
    public CompactRange ToRange() => new(TreeHasher.For(Algorithm), Size, Peaks);

    /// <summary>The state after signing <paramref name="note"/> for the tree that <paramref name="range"/> holds now.</summary>
    public SignerState Advance(CompactRange range, string note, DateTimeOffset signedAt) =>
        this with { Size = range.Size, Root = range.Root(), Peaks = range.Peaks, Note = note, SignedAt = signedAt };

    public string ToJson() => JsonSerializer.Serialize(new StateDocument
    {
        Format = Format,
        Origin = Origin,
        HashAlgorithm = Algorithm == LogHashAlgorithm.Sm3 ? "sm3" : "sha256",
        Size = Size,
        Root = Convert.ToBase64String(Root),
        Peaks = Peaks.Select(Convert.ToBase64String).ToList(),
        Note = Note,
        SignedAt = SignedAt,
    }, JsonOptions);

    /// <summary>Reads a state document and checks that it is self-consistent (its peaks fold to its root).</summary>
    /// <exception cref="FormatException">The document is not a valid signer state.</exception>
    public static SignerState Parse(string json)
    {
        StateDocument document;
        try
        {
            document = JsonSerializer.Deserialize<StateDocument>(json, JsonOptions) ?? throw new FormatException("the signer state is empty");
        }
        catch (JsonException e)
        {
            throw new FormatException($"the signer state is not valid JSON: {e.Message}", e);
        }

        if (document.Format != Format)
        {
            throw new FormatException($"the signer state has format '{document.Format}', expected '{Format}'");
        }

        var algorithm = document.HashAlgorithm switch
        {
            "sha256" => LogHashAlgorithm.Sha256,
            "sm3" => LogHashAlgorithm.Sm3,
            _ => throw new FormatException($"the signer state names hash '{document.HashAlgorithm}'"),
        };
        if (string.IsNullOrEmpty(document.Origin) || document.Size < 0 || document.Root is null || document.Peaks is null)
        {
            throw new FormatException("the signer state lacks its origin, size, root or peaks");
        }

        byte[] root;
        List<byte[]> peaks;
        try
        {
            root = Convert.FromBase64String(document.Root);
            peaks = document.Peaks.Select(Convert.FromBase64String).ToList();
        }
        catch (FormatException e)
        {
            throw new FormatException($"the signer state's hashes are not base64: {e.Message}", e);
        }

        if (peaks.Count != BitOperations.PopCount((ulong)document.Size) || peaks.Any(p => p.Length != 32) || root.Length != 32)
        {
            throw new FormatException($"the signer state's peaks do not fit a tree of size {document.Size}");
        }

        var state = new SignerState(document.Origin, algorithm, document.Size, root, peaks, document.Note, document.SignedAt);
        if (!state.ToRange().Root().AsSpan().SequenceEqual(root))
        {
            throw new FormatException("the signer state's peaks do not hash to its root");
        }

        return state;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed class StateDocument
    {
        public string? Format { get; set; }

        public string? Origin { get; set; }

        public string? HashAlgorithm { get; set; }

        public long Size { get; set; }

        public string? Root { get; set; }

        public List<string>? Peaks { get; set; }

        public string? Note { get; set; }

        public DateTimeOffset? SignedAt { get; set; }
    }
}
