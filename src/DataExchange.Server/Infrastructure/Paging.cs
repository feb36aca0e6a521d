using System.Buffers.Text;
using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Marten;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Keyset pagination over UUIDv7 ids (which sort by creation time). The opaque token carries the last id seen and
/// a fingerprint of the filters, so a token cannot be replayed against a different query (AIP-158).
/// </summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static int Size(int requested) => requested == 0 ? DefaultPageSize : requested;

    /// <summary>One page of <paramref name="query"/> in id order after the token's id, and the token of the next page.</summary>
    public static async Task<(IReadOnlyList<T> Items, string NextPageToken)> PageAsync<T>(IQueryable<T> query, Expression<Func<T, Guid>> id,
        string? pageToken, int requestedSize, string fingerprint, CancellationToken ct)
        where T : notnull
    {
        var size = Size(requestedSize);
        if (After(pageToken, fingerprint) is { } after)
        {
            var later = Expression.Lambda<Func<T, bool>>(Expression.GreaterThan(id.Body, Expression.Constant(after)), id.Parameters);
            query = query.Where(later);
        }

        var page = await query.OrderBy(id).Take(size + 1).ToListAsync(ct);
        var next = page.Count > size ? NextToken(id.Compile()(page[size - 1]), fingerprint) : "";
        return ([.. page.Take(size)], next);
    }

    public static string Fingerprint(params object?[] filters)
    {
        var text = string.Join('\u001f', filters.Select(f => f?.ToString() ?? ""));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }

    public static string NextToken(Guid lastId, string fingerprint) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"v1|{lastId:N}|{fingerprint}"));

    public static string NextToken(long lastPosition, string fingerprint) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"v1|{lastPosition}|{fingerprint}"));

    /// <summary>The id after which the page starts, or null for the first page.</summary>
    public static Guid? After(string? token, string fingerprint)
    {
        var parts = Decode(token, fingerprint);
        if (parts is null)
        {
            return null;
        }

        return Guid.TryParseExact(parts, "N", out var id) ? id : throw InvalidToken();
    }

    public static long? AfterPosition(string? token, string fingerprint)
    {
        var parts = Decode(token, fingerprint);
        if (parts is null)
        {
            return null;
        }

        return long.TryParse(parts, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position)
            ? position
            : throw InvalidToken(); // NumberStyles.None: a forged "-1" is not a position

    }

    private static string? Decode(string? token, string fingerprint)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw InvalidToken();
        }

        var parts = text.Split('|');
        if (parts.Length != 3 || parts[0] != "v1")
        {
            throw InvalidToken();
        }

        if (parts[2] != fingerprint)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument.ToRpcCode(), "PAGE_TOKEN_FILTER_MISMATCH",
                "page_token was issued for a different filter; repeat the filters of the first call.",
                new Dictionary<string, string> { ["field"] = "page_token" });
        }

        return parts[1];
    }

    private static RpcException InvalidToken() =>
        RpcErrors.Create(Google.Rpc.Code.InvalidArgument, "INVALID_PAGE_TOKEN", "page_token is not one this service issued.",
            new Dictionary<string, string> { ["field"] = "page_token" });

    private static Google.Rpc.Code ToRpcCode(this StatusCode code) => (Google.Rpc.Code)(int)code;
}
