using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using DataExchange.Server.Configuration;
using DataExchange.Server.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.RateLimiting;

namespace DataExchange.Server.Auth;

/// <summary>
/// Per-caller limits, with ASP.NET Core's rate limiting middleware: concurrent calls and concurrent server streams per
/// token, and a token bucket of calls per participant (all its tokens together). The caller is resolved first
/// (<see cref="CallerResolution"/>; the authentication interceptor reuses that answer), so the limits are partitioned by
/// who is calling; calls without a valid token have no partition and are refused by the interceptor. A refusal is a
/// gRPC status, never HTTP 429: RESOURCE_EXHAUSTED with ErrorInfo (RATE_LIMITED, TOO_MANY_CONCURRENT_CALLS,
/// TOO_MANY_CONCURRENT_STREAMS) and RetryInfo, sent as a trailers-only response before the request is read.
/// </summary>
public static class CallLimits
{
    public static IServiceCollection AddCallLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddSingleton<CallLimiter>();
        services.AddOptions<RateLimiterOptions>().Configure<CallLimiter>((options, limiter) =>
        {
            options.GlobalLimiter = limiter;
            options.RejectionStatusCode = StatusCodes.Status200OK; // gRPC carries its status in grpc-status
            options.OnRejected = (context, _) => new ValueTask(context.Lease is CallLimiter.Refusal refusal
                ? TrailersOnlyResponse.WriteAsync(context.HttpContext, refusal.Status)
                : TrailersOnlyResponse.WriteAsync(context.HttpContext, Exhausted("RATE_LIMITED", "Too many calls; retry later.", TimeSpan.FromSeconds(1)).GetRpcStatus()!));
        });
        return services;
    }

    /// <summary>Resolves the caller, then applies the limits; call after routing, before the gRPC endpoints.</summary>
    public static IApplicationBuilder UseCallLimits(this IApplicationBuilder app) =>
        app.UseMiddleware<CallerResolution>().UseRateLimiter();

    /// <summary>A token bucket refilled every 100 ms (or once per token for rates below 10/s), never queueing.</summary>
    public static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = Math.Max(1, burst),
        TokensPerPeriod = perSecond >= 10 ? perSecond / 10 : 1,
        ReplenishmentPeriod = perSecond >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1.0 / Math.Max(1, perSecond)),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>RESOURCE_EXHAUSTED with ErrorInfo (domain dataexchange) and RetryInfo.</summary>
    public static RpcException Exhausted(string reason, string message, TimeSpan retryAfter, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var info = new ErrorInfo { Reason = reason, Domain = RpcErrors.Domain };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            info.Metadata[key] = value;
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = message,
            Details = { Any.Pack(info), Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }) },
        };
        return status.ToRpcException();
    }

    /// <summary>The bearer secret as the authentication interceptor reads it; null when absent or malformed.</summary>
    public static string? BearerSecret(string? header)
    {
        const string scheme = "Bearer ";
        return header is { Length: > 7 and <= 512 } && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? header[scheme.Length..].Trim()
            : null;
    }

    internal static bool IsPublic(string path) =>
        path.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal) || path.StartsWith("/grpc.reflection.", StringComparison.Ordinal);
}

/// <summary>Resolves the caller of a gRPC call once, before the limits; a throttled lookup is answered here.</summary>
public sealed class CallerResolution(RequestDelegate next, TokenAuthenticator authenticator, Diagnostics.ExchangeMetrics metrics)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null
            && !CallLimits.IsPublic(http.Request.Path.Value ?? "")
            && CallLimits.BearerSecret(http.Request.Headers.Authorization) is { Length: > 0 } secret)
        {
            try
            {
                await authenticator.AuthenticateAsync(http, secret, http.RequestAborted);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && e.GetRpcStatus() is { } status)
            {
                metrics.TokenFailed("throttled");
                await TrailersOnlyResponse.WriteAsync(http, status);
                return;
            }
            catch (Exception) when (!http.RequestAborted.IsCancellationRequested)
            {
                // Remembered for this request (or retried): the authentication interceptor rethrows it and the error
                // interceptor maps it, as for any failure inside a call.
            }
        }

        await next(http);
    }
}

/// <summary>The limits of <see cref="AccessSettings"/>, in order: calls per token, streams per token, rate per participant.</summary>
public sealed class CallLimiter : PartitionedRateLimiter<HttpContext>
{
    private static readonly TimeSpan ConcurrencyRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RateRetry = TimeSpan.FromMilliseconds(100);
    private readonly AccessSettings settings;
    private readonly PartitionedRateLimiter<HttpContext>? calls;
    private readonly PartitionedRateLimiter<HttpContext>? streams;
    private readonly PartitionedRateLimiter<HttpContext>? rate;
    private readonly PartitionedRateLimiter<HttpContext>? anonymousCalls;
    private readonly PartitionedRateLimiter<HttpContext>? anonymousRate;

    public CallLimiter(AccessSettings settings)
    {
        this.settings = settings;
        if (settings.MaxCallsPerToken > 0)
        {
            calls = PartitionedRateLimiter.Create<HttpContext, Guid>(http => TokenAuthenticator.ResolvedCaller(http) is { } caller
                ? RateLimitPartition.GetConcurrencyLimiter(caller.TokenId, _ => new ConcurrencyLimiterOptions { PermitLimit = settings.MaxCallsPerToken, QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter(Guid.Empty));
        }

        if (settings.MaxStreamsPerToken > 0)
        {
            streams = PartitionedRateLimiter.Create<HttpContext, Guid>(http => TokenAuthenticator.ResolvedCaller(http) is { } caller && IsStreaming(http)
                ? RateLimitPartition.GetConcurrencyLimiter(caller.TokenId, _ => new ConcurrencyLimiterOptions { PermitLimit = settings.MaxStreamsPerToken, QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter(Guid.Empty));
        }

        if (settings.CallsPerSecondPerParticipant > 0)
        {
            rate = PartitionedRateLimiter.Create<HttpContext, Guid>(http => TokenAuthenticator.ResolvedCaller(http) is { } caller
                ? RateLimitPartition.GetTokenBucketLimiter(caller.ParticipantId, _ => CallLimits.Bucket(settings.CallsPerSecondPerParticipant, settings.BurstPerParticipant))
                : RateLimitPartition.GetNoLimiter(Guid.Empty));
        }

        if (settings.MaxAnonymousCallsPerAddress > 0)
        {
            anonymousCalls = PartitionedRateLimiter.Create<HttpContext, string>(http => AnonymousPartition(http) is { } address
                ? RateLimitPartition.GetConcurrencyLimiter(address, _ => new ConcurrencyLimiterOptions { PermitLimit = settings.MaxAnonymousCallsPerAddress, QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter(""));
        }

        if (settings.AnonymousCallsPerSecondPerAddress > 0)
        {
            anonymousRate = PartitionedRateLimiter.Create<HttpContext, string>(http => AnonymousPartition(http) is { } address
                ? RateLimitPartition.GetTokenBucketLimiter(address, _ => CallLimits.Bucket(settings.AnonymousCallsPerSecondPerAddress, settings.AnonymousBurstPerAddress))
                : RateLimitPartition.GetNoLimiter(""));
        }
    }

    /// <summary>
    /// The address a call without a token is counted under: its IPv4 address, or the /64 of its IPv6 address (one
    /// subscriber usually holds a whole /64). Null for a call that carries a token or is not an anonymous read.
    /// </summary>
    internal static string? AnonymousPartition(HttpContext http)
    {
        if (TokenAuthenticator.ResolvedCaller(http) is not null || !string.IsNullOrEmpty(http.Request.Headers.Authorization)
            || AnonymousReads.MethodOf(http) is not { } method || !AnonymousReads.Allows(method))
        {
            return null;
        }

        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new System.Net.IPAddress(bytes) + "/64";
        }

        return address.ToString();
    }

    private static bool IsStreaming(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.Type is MethodType.ServerStreaming or MethodType.ClientStreaming or MethodType.DuplexStreaming;

    /// <summary>One limit: its limiter (null when switched off), how a refusal reads, and when to retry by default.</summary>
    private sealed record Limit(PartitionedRateLimiter<HttpContext>? Limiter, string Reason, string Message, int Value, string Scope, TimeSpan DefaultRetry);

    /// <summary>The limits in the order they are taken: a refused one releases those already taken.</summary>
    private Limit[] Limits => limits ??=
    [
        new(calls, "TOO_MANY_CONCURRENT_CALLS", $"This token already has {settings.MaxCallsPerToken} calls in progress; retry when one ends.",
            settings.MaxCallsPerToken, "token", ConcurrencyRetry),
        new(streams, "TOO_MANY_CONCURRENT_STREAMS", $"This token already has {settings.MaxStreamsPerToken} streams open; retry when one ends.",
            settings.MaxStreamsPerToken, "token", ConcurrencyRetry),
        new(rate, "RATE_LIMITED", $"This participant is over {settings.CallsPerSecondPerParticipant} calls per second; retry later.",
            settings.CallsPerSecondPerParticipant, "participant", RateRetry),
        new(anonymousCalls, "TOO_MANY_CONCURRENT_CALLS",
            $"This address already has {settings.MaxAnonymousCallsPerAddress} calls without a token in progress; retry when one ends, or send a token.",
            settings.MaxAnonymousCallsPerAddress, "address", ConcurrencyRetry),
        new(anonymousRate, "RATE_LIMITED", $"This address is over {settings.AnonymousCallsPerSecondPerAddress} calls per second without a token; retry later, or send a token.",
            settings.AnonymousCallsPerSecondPerAddress, "address", RateRetry),
    ];

    private Limit[]? limits;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var held = new List<RateLimitLease>(Limits.Length);
        foreach (var limit in Limits)
        {
            if (Acquire(limit.Limiter, resource, permitCount, held) is { } refused)
            {
                var retry = refused.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : limit.DefaultRetry;
                return Refuse(held, limit.Reason, limit.Message, retry, limit.Value, limit.Scope, refused);
            }
        }

        return new Held(held);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    /// <summary>Acquires from one limiter; returns its failed lease (and keeps the acquired ones in <paramref name="held"/>).</summary>
    private static RateLimitLease? Acquire(PartitionedRateLimiter<HttpContext>? limiter, HttpContext resource, int permits, List<RateLimitLease> held)
    {
        if (limiter is null)
        {
            return null;
        }

        var lease = limiter.AttemptAcquire(resource, permits);
        if (lease.IsAcquired)
        {
            held.Add(lease);
            return null;
        }

        return lease;
    }

    private static Refusal Refuse(List<RateLimitLease> held, string reason, string message, TimeSpan retry, int limit, string scope, RateLimitLease refused)
    {
        refused.Dispose();
        foreach (var lease in held)
        {
            lease.Dispose();
        }

        var metadata = new Dictionary<string, string> { ["limit"] = limit.ToString(CultureInfo.InvariantCulture), ["scope"] = scope };
        return new Refusal(CallLimits.Exhausted(reason, message, retry, metadata).GetRpcStatus()!, retry);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var limit in Limits)
            {
                limit.Limiter?.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>A refused call: the status to answer with.</summary>
    public sealed class Refusal(Google.Rpc.Status status, TimeSpan retryAfter) : RateLimitLease
    {
        public Google.Rpc.Status Status { get; } = status;

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }

    private sealed class Held(List<RateLimitLease> leases) : RateLimitLease
    {
        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var lease in leases)
                {
                    lease.Dispose();
                }
            }

            base.Dispose(disposing);
        }
    }
}
