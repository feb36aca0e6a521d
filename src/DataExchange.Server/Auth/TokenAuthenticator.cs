using System.Collections.Concurrent;
using DataExchange.Domain.Participants;
using Marten;

namespace DataExchange.Server.Auth;

/// <summary>
/// Resolves a bearer secret to its participant. Results are cached briefly so that a busy client costs one hash and
/// one dictionary lookup per call; revocation through this process evicts at once, through another within the TTL.
/// </summary>
public sealed class TokenAuthenticator(IDocumentStore store, TimeProvider time)
{
    private static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (Caller? Caller, DateTimeOffset Expires)> cache = new(StringComparer.Ordinal);

    public async Task<Caller?> AuthenticateAsync(string secret, CancellationToken ct)
    {
        var hash = TokenSecrets.Hash(secret);
        var now = time.GetUtcNow();
        if (cache.TryGetValue(hash, out var hit) && hit.Expires > now)
        {
            return hit.Caller;
        }

        await using var session = store.QuerySession();
        var token = await session.Query<ApiTokenRecord>().FirstOrDefaultAsync(t => t.SecretHash == hash, ct);
        Caller? caller = null;
        if (token is { RevokedAt: null })
        {
            var participant = await session.LoadAsync<Participant>(token.ParticipantId, ct);
            if (participant is not null)
            {
                caller = new Caller(participant.Id, token.Id, participant.Roles.ToHashSet());
            }
        }

        // Only successes are cached: a token issued a moment ago must work on its first use.
        if (caller is not null)
        {
            if (cache.Count > 10_000)
            {
                cache.Clear();
            }

            cache[hash] = (caller, now + CacheTtl);
        }

        return caller;
    }

    public void Evict(Guid tokenId)
    {
        foreach (var (key, value) in cache)
        {
            if (value.Caller?.TokenId == tokenId)
            {
                cache.TryRemove(key, out _);
            }
        }
    }
}
