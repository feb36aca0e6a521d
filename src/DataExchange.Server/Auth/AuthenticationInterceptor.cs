using DataExchange.Server.Diagnostics;
using DataExchange.Server.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace DataExchange.Server.Auth;

/// <summary>
/// Requires a valid bearer token on every call except health checks, reflection and the published reads of
/// <see cref="AnonymousReads"/>, which without a token run as <see cref="AnonymousReads.Anonymous"/>.
/// </summary>
public sealed class AuthenticationInterceptor(TokenAuthenticator authenticator, ExchangeMetrics metrics) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(request, responseStream, context);
    }

    private static bool IsPublic(string method) =>
        method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)
        || method.StartsWith("/grpc.reflection.", StringComparison.Ordinal);

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        if (IsPublic(context.Method))
        {
            return;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrEmpty(header) && AnonymousReads.Allows(context.Method))
        {
            context.SetCaller(AnonymousReads.Anonymous);
            return;
        }

        if (string.IsNullOrEmpty(header))
        {
            metrics.TokenFailed("missing");
            throw RpcErrors.Unauthenticated("MISSING_TOKEN", "Send 'authorization: Bearer <token>'.");
        }

        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length <= scheme.Length || header.Length > 512)
        {
            metrics.TokenFailed("malformed");
            throw RpcErrors.Unauthenticated("MALFORMED_TOKEN", "The authorization header must be 'Bearer <token>'.");
        }

        Caller? caller;
        try
        {
            caller = await authenticator.AuthenticateAsync(context.GetHttpContext(), header[scheme.Length..].Trim(), context.CancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            metrics.TokenFailed("throttled"); // an unknown token beyond DX_UNVERIFIED_TOKEN_LOOKUPS_PER_SECOND
            throw;
        }

        if (caller is null)
        {
            metrics.TokenFailed("invalid");
            throw RpcErrors.Unauthenticated("INVALID_TOKEN", "The token is unknown or revoked.");
        }

        context.SetCaller(caller);
    }
}
