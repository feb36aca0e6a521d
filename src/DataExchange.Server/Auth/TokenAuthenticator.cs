using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading.RateLimiting;
using DataExchange.Domain.Participants;
using DataExchange.Server.Configuration;
using DataExchange.Server.Infrastructure;
using Marten;

namespace DataExchange.Server.Auth;

/// <summary>
/// Resolves a bearer secret to its participant, so that a busy client costs one hash and one dictionary lookup per call.
/// <list type="bullet">
/// <item>Resolved tokens are cached for <see cref="AccessSettings.TokenCacheTtl"/>, and only while this server's
/// notification connection (<see cref="TokenCacheSync"/>) is up: revocation through any server drops the entry here
/// before RevokeApiToken returns. While that connection is down, every call reads the token again.</item>
/// <item>Unknown and revoked tokens are remembered (bounded, <see cref="AccessSettings.NegativeCacheTtl"/>), so a client
/// retrying a bad token costs no query. Issuing a token drops its hash here and on every server first, and a lookup that
/// raced an issue or a revocation never stores what it read (the <c>generation</c> check).</item>
/// <item>A token this server did not derive (its MAC does not verify under the token key: a random guess, or a
/// DX_BOOTSTRAP_TOKEN) is looked up only within <see cref="AccessSettings.UnverifiedLookupsPerSecond"/>, unless it was
/// found before; a flood of random tokens therefore costs no query each, and is answered RESOURCE_EXHAUSTED beyond it.</item>
/// </list>
/// </summary>
public sealed class TokenAuthenticator : IDisposable
{
    private const int MaxCachedTokens = 100_000;
    private const string MemoKey = "dx.token-resolution";

    private readonly IDocumentStore store;
    private readonly TokenSecrets secrets;
    private readonly AccessSettings settings;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<string, Resolved> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> unknown = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> found = new(StringComparer.Ordinal);
    private readonly TokenBucketRateLimiter? unverifiedLookups;
    private readonly Lock trimming = new();
    private long generation; // bumped before cached callers are dropped (revocation, flush)
    private long unknownGeneration; // bumped before unknown tokens are forgotten (issue, flush)
    private long databaseLookups;
    private volatile bool synchronised;

    public TokenAuthenticator(IDocumentStore store, TokenSecrets secrets, AccessSettings settings, TimeProvider time)
    {
        this.store = store;
        this.secrets = secrets;
        this.settings = settings;
        this.time = time;
        if (settings.UnverifiedLookupsPerSecond > 0)
        {
            unverifiedLookups = new TokenBucketRateLimiter(CallLimits.Bucket(settings.UnverifiedLookupsPerSecond, 2 * settings.UnverifiedLookupsPerSecond));
        }
    }

    /// <summary>Token lookups that reached the database (for tests and diagnostics).</summary>
    public long DatabaseLookups => Interlocked.Read(ref databaseLookups);

    /// <summary>Whether the notification connection is up (resolved tokens are cached only then).</summary>
    public bool Synchronised => synchronised;

    /// <summary>
    /// As <see cref="AuthenticateAsync(string, CancellationToken)"/>, resolved once per request: the call-limit
    /// middleware resolves the caller to partition its limits, and the authentication interceptor reuses the answer
    /// (or rethrows the failure, such as a database error, for the error interceptor to map).
    /// </summary>
    public async ValueTask<Caller?> AuthenticateAsync(HttpContext? http, string secret, CancellationToken ct)
    {
        if (http?.Items.TryGetValue(MemoKey, out var memo) == true && memo is Memo m && m.Secret == secret)
        {
            m.Error?.Throw();
            return m.Caller;
        }

        try
        {
            var caller = await AuthenticateAsync(secret, ct);
            http?.Items[MemoKey] = new Memo(secret, caller, null);
            return caller;
        }
        catch (Exception e) when (http is not null && e is not OperationCanceledException)
        {
            http.Items[MemoKey] = new Memo(secret, null, ExceptionDispatchInfo.Capture(e));
            throw;
        }
    }

    /// <summary>The caller this request was resolved to (null before resolution, or for an unknown token).</summary>
    public static Caller? ResolvedCaller(HttpContext http) =>
        http.Items.TryGetValue(MemoKey, out var memo) && memo is Memo m ? m.Caller : null;

    public async ValueTask<Caller?> AuthenticateAsync(string secret, CancellationToken ct)
    {
        var hash = TokenSecrets.Hash(secret);
        var now = time.GetUtcNow();
        if (synchronised && cache.TryGetValue(hash, out var hit) && hit.Expires > now)
        {
            return hit.Caller;
        }

        if (unknown.TryGetValue(hash, out var until) && until > now)
        {
            return null;
        }

        if (unverifiedLookups is not null && !found.ContainsKey(hash) && !secrets.IsDerived(secret))
        {
            using var lease = unverifiedLookups.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                throw CallLimits.Exhausted("TOKEN_LOOKUPS_THROTTLED",
                    "Too many unknown tokens are being tried; retry later.", TimeSpan.FromSeconds(1),
                    new Dictionary<string, string> { ["limit"] = settings.UnverifiedLookupsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
        }

        var seen = Interlocked.Read(ref generation);
        var seenUnknown = Interlocked.Read(ref unknownGeneration);
        Interlocked.Increment(ref databaseLookups);
        await using var session = store.QuerySession();
        var token = await session.Query<ApiTokenRecord>().FirstOrDefaultAsync(t => t.SecretHash == hash, ct);
        if (token is null || token.RevokedAt is not null)
        {
            if (token is not null)
            {
                Remember(found, hash, (byte)0);
            }

            Remember(unknown, hash, now + settings.NegativeCacheTtl, seenUnknown);
            return null;
        }

        Remember(found, hash, (byte)0);
        var participant = await session.LoadAsync<Participant>(token.ParticipantId, ct);
        if (participant is null)
        {
            return null; // Not remembered: the participant's document may be a moment behind its token.
        }

        var caller = new Caller(participant.Id, token.Id, participant.Roles.ToHashSet());
        if (synchronised)
        {
            if (cache.Count >= MaxCachedTokens)
            {
                cache.Clear();
            }

            var entry = new Resolved(caller, now + settings.TokenCacheTtl);
            cache[hash] = entry;
            // An eviction that began after this lookup read the database must win: it bumps the generation before it
            // removes entries, so either it removes this one or this check sees it.
            if (Interlocked.Read(ref generation) != seen)
            {
                cache.TryRemove(new KeyValuePair<string, Resolved>(hash, entry));
            }
        }

        return caller;
    }

    /// <summary>Drops a revoked token from this server's cache (called before RevokeApiToken replies, and on notification).</summary>
    public void Evict(Guid tokenId)
    {
        Interlocked.Increment(ref generation);
        foreach (var (key, value) in cache)
        {
            if (value.Caller.TokenId == tokenId)
            {
                cache.TryRemove(key, out _);
            }
        }
    }

    /// <summary>A token with this secret hash now exists: forget that it was unknown.</summary>
    public void NoteIssued(string secretHash)
    {
        Interlocked.Increment(ref unknownGeneration);
        unknown.TryRemove(secretHash, out _);
    }

    /// <summary>The notification connection is (again) listening: anything cached before may have missed a revocation.</summary>
    public void OnSynchronised()
    {
        Interlocked.Increment(ref generation);
        Interlocked.Increment(ref unknownGeneration);
        cache.Clear();
        unknown.Clear();
        synchronised = true;
    }

    /// <summary>The notification connection is lost: stop trusting the cache until it is back.</summary>
    public void OnUnsynchronised()
    {
        synchronised = false;
        Interlocked.Increment(ref generation);
        cache.Clear();
    }

    private void Remember<T>(ConcurrentDictionary<string, T> map, string hash, T value, long? seen = null)
    {
        if (map.Count >= (ReferenceEquals(map, unknown) ? settings.NegativeCacheSize : MaxCachedTokens))
        {
            Trim(map);
        }

        map[hash] = value;
        if (seen is { } s && Interlocked.Read(ref unknownGeneration) != s)
        {
            map.TryRemove(new KeyValuePair<string, T>(hash, value));
        }
    }

    /// <summary>Drops expired entries, then the older half (by expiry) if the map is still full.</summary>
    private void Trim<T>(ConcurrentDictionary<string, T> map)
    {
        lock (trimming)
        {
            if (ReferenceEquals(map, unknown))
            {
                var now = time.GetUtcNow();
                foreach (var (key, expires) in unknown)
                {
                    if (expires <= now)
                    {
                        unknown.TryRemove(key, out _);
                    }
                }

                if (unknown.Count >= settings.NegativeCacheSize)
                {
                    foreach (var (key, _) in unknown.OrderBy(e => e.Value).Take(Math.Max(1, unknown.Count / 2)).ToList())
                    {
                        unknown.TryRemove(key, out _);
                    }
                }
            }
            else
            {
                map.Clear();
            }
        }
    }

    public void Dispose() => unverifiedLookups?.Dispose();

    private sealed record Resolved(Caller Caller, DateTimeOffset Expires);

    private sealed record Memo(string Secret, Caller? Caller, ExceptionDispatchInfo? Error);
}
