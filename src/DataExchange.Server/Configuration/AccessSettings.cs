using System.Globalization;

namespace DataExchange.Server.Configuration;

/// <summary>
/// Token caching and per-caller limits (DX_TOKEN_*, DX_MAX_*, DX_RATE_*). The defaults are generous: far above what
/// one participant of the benchmark does on this machine, so they stop a runaway or hostile client without slowing an
/// honest one. 0 switches a limit off.
/// </summary>
public sealed record AccessSettings
{
    /// <summary>
    /// How long a resolved token is trusted without reading it again. Revocation drops entries on every server at once
    /// (LISTEN/NOTIFY); this is the bound when that notification cannot arrive (its connection is down).
    /// </summary>
    public TimeSpan TokenCacheTtl { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an unknown or revoked token is answered without a database query.</summary>
    public TimeSpan NegativeCacheTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most unknown tokens remembered; beyond it the oldest half is dropped.</summary>
    public int NegativeCacheSize { get; init; } = 10_000;

    /// <summary>
    /// Database lookups per second (per server) of tokens this server did not issue (no valid MAC under its token key:
    /// random guesses, or a DX_BOOTSTRAP_TOKEN); beyond it such a token is answered RESOURCE_EXHAUSTED without a query.
    /// Tokens it issued and tokens already found once are never throttled.
    /// </summary>
    public int UnverifiedLookupsPerSecond { get; init; } = 50;

    /// <summary>How long RevokeApiToken (and IssueApiToken) waits for the other servers to confirm they dropped the token.</summary>
    public TimeSpan TokenSyncAckTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Calls (unary and streaming) one token may have in progress at once.</summary>
    public int MaxCallsPerToken { get; init; } = 100;

    /// <summary>Server-streaming calls one token may have open at once (each holds a bounded buffer, see LedgerGrpcService).</summary>
    public int MaxStreamsPerToken { get; init; } = 16;

    /// <summary>Sustained calls per second of one participant (all its tokens together).</summary>
    public int CallsPerSecondPerParticipant { get; init; } = 2000;

    /// <summary>Calls a participant may make at once above the sustained rate (the token bucket's size).</summary>
    public int BurstPerParticipant { get; init; } = 4000;

    /// <summary>
    /// Calls without a token (<see cref="Auth.AnonymousReads"/>) per second from one network address (an IPv6 /64
    /// counts as one address): the explorer's page makes a handful per view.
    /// </summary>
    public int AnonymousCallsPerSecondPerAddress { get; init; } = 20;

    public int AnonymousBurstPerAddress { get; init; } = 40;

    /// <summary>Calls without a token one network address may have in progress at once.</summary>
    public int MaxAnonymousCallsPerAddress { get; init; } = 8;

    public static AccessSettings FromEnvironment(Func<string, string?> env)
    {
        var s = new AccessSettings();
        int Int(string name, int fallback, int min = 0)
        {
            if (env(name) is not { Length: > 0 } text)
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new InvalidOperationException($"{name} '{text}' must be a whole number of at least {min}.");
        }

        TimeSpan Ms(string name, TimeSpan fallback) => TimeSpan.FromMilliseconds(Int(name, (int)fallback.TotalMilliseconds, min: 1));

        var rate = Int("DX_RATE_LIMIT_PER_PARTICIPANT", s.CallsPerSecondPerParticipant);
        var anonymousRate = Int("DX_RATE_LIMIT_ANONYMOUS_PER_ADDRESS", s.AnonymousCallsPerSecondPerAddress);
        return s with
        {
            TokenCacheTtl = Ms("DX_TOKEN_CACHE_TTL_MS", s.TokenCacheTtl),
            NegativeCacheTtl = Ms("DX_TOKEN_NEGATIVE_CACHE_TTL_MS", s.NegativeCacheTtl),
            NegativeCacheSize = Int("DX_TOKEN_NEGATIVE_CACHE_SIZE", s.NegativeCacheSize, min: 1),
            UnverifiedLookupsPerSecond = Int("DX_UNVERIFIED_TOKEN_LOOKUPS_PER_SECOND", s.UnverifiedLookupsPerSecond),
            TokenSyncAckTimeout = Ms("DX_TOKEN_SYNC_TIMEOUT_MS", s.TokenSyncAckTimeout),
            MaxCallsPerToken = Int("DX_MAX_CALLS_PER_TOKEN", s.MaxCallsPerToken),
            MaxStreamsPerToken = Int("DX_MAX_STREAMS_PER_TOKEN", s.MaxStreamsPerToken),
            CallsPerSecondPerParticipant = rate,
            BurstPerParticipant = Int("DX_RATE_BURST_PER_PARTICIPANT", 2 * rate),
            AnonymousCallsPerSecondPerAddress = anonymousRate,
            AnonymousBurstPerAddress = Int("DX_RATE_BURST_ANONYMOUS_PER_ADDRESS", 2 * anonymousRate),
            MaxAnonymousCallsPerAddress = Int("DX_MAX_ANONYMOUS_CALLS_PER_ADDRESS", s.MaxAnonymousCallsPerAddress),
        };
    }
}
