namespace DataExchange.Cli;

/// <summary>
/// Resource names (AIP-122) as the service expects them. People may type a bare UUID; it is expanded to
/// "{collection}/{uuid}" so every command accepts either form.
/// </summary>
internal static class ResourceNames
{
    public const string Participants = "participants";
    public const string Listings = "listings";
    public const string Trades = "trades";

    /// <summary>The parent that stands for every participant in list calls ("participants/-").</summary>
    public const string AllParticipants = "participants/-";

    /// <summary>"listings/{uuid}" for "listings/{uuid}" or a bare UUID (any case); null when it is neither.</summary>
    public static string? TryNormalize(string? input, string collection)
    {
        var text = input?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var prefix = collection + "/";
        var idText = text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : text;
        return Guid.TryParseExact(idText, "D", out var id) && id != Guid.Empty ? $"{prefix}{id:D}" : null;
    }

    public static string Normalize(string? input, string collection) =>
        TryNormalize(input, collection)
        ?? throw new CliException($"'{input}' is not a {Singular(collection)} name: expected {collection}/{{uuid}} or a bare UUID.");

    /// <summary>Token names have a parent, so only the full "participants/{uuid}/tokens/{uuid}" form identifies one.</summary>
    public static string NormalizeToken(string? input) => NormalizeChild(input, "tokens", "token");

    /// <summary>Export approvals live under their exporter: "participants/{uuid}/exportApprovals/{uuid}".</summary>
    public static string NormalizeApproval(string? input) => NormalizeChild(input, "exportApprovals", "export approval");

    private static string NormalizeChild(string? input, string childCollection, string what)
    {
        var parts = input?.Trim().Split('/') ?? [];
        if (parts.Length == 4 && parts[0] == Participants && parts[2] == childCollection
            && Guid.TryParseExact(parts[1], "D", out var participantId) && participantId != Guid.Empty
            && Guid.TryParseExact(parts[3], "D", out var childId) && childId != Guid.Empty)
        {
            return $"{Participants}/{participantId:D}/{childCollection}/{childId:D}";
        }

        throw new CliException($"'{input}' is not {Article(what)} {what} name: expected participants/{{uuid}}/{childCollection}/{{uuid}}.");
    }

    private static string Article(string noun) => "aeiou".Contains(noun[0], StringComparison.Ordinal) ? "an" : "a";

    private static string Singular(string collection) => collection.EndsWith('s') ? collection[..^1] : collection;
}
