using Grpc.Core;

namespace DataExchange.Server.Infrastructure;

/// <summary>Resource names (AIP-122) such as "listings/{uuid}".</summary>
public static class ResourceNames
{
    public static string Participant(Guid id) => $"participants/{id}";

    public static string Listing(Guid id) => $"listings/{id}";

    public static string Token(Guid participantId, Guid tokenId) => $"participants/{participantId}/tokens/{tokenId}";

    public static bool TryParse(string? name, string collection, out Guid id)
    {
        id = Guid.Empty;
        var prefix = collection + "/";
        return name is not null && name.StartsWith(prefix, StringComparison.Ordinal)
            && Guid.TryParseExact(name[prefix.Length..], "D", out id) && id != Guid.Empty;
    }

    public static bool TryParseToken(string? name, out Guid participantId, out Guid tokenId)
    {
        participantId = tokenId = Guid.Empty;
        var parts = name?.Split('/') ?? [];
        return parts.Length == 4 && parts[0] == "participants" && parts[2] == "tokens"
            && Guid.TryParseExact(parts[1], "D", out participantId) && Guid.TryParseExact(parts[3], "D", out tokenId);
    }

    /// <summary>Validates a required resource name field and returns its id, or records a violation.</summary>
    public static Guid Require(RequestValidator validator, string? name, string collection, string field)
    {
        var ok = TryParse(name, collection, out var id);
        validator.Check(ok, field, $"must be a resource name like {collection}/{{uuid}}");
        return id;
    }

    public static Guid Optional(RequestValidator validator, string? name, string collection, string field) =>
        string.IsNullOrEmpty(name) ? Guid.Empty : Require(validator, name, collection, field);

    public static long? ParseEtag(RequestValidator validator, string? etag, string field = "etag")
    {
        if (string.IsNullOrEmpty(etag))
        {
            return null;
        }

        var ok = long.TryParse(etag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version > 0;
        validator.Check(ok, field, "must be an etag returned by this service");
        return ok ? version : null;
    }

    public static Domain.Common.DomainException NotFound(string resource, string name) =>
        Domain.Common.DomainException.NotFound(resource, name);
}
