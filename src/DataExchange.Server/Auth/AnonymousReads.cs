using DataExchange.Server.Infrastructure;
using Grpc.AspNetCore.Server;

namespace DataExchange.Server.Auth;

/// <summary>
/// The methods anyone may call without a token: what the exchange publishes (checkpoints, proofs, signing keys,
/// witnesses, statistics, the public register). The explorer and any auditor read them from a browser or curl. A call
/// that does send a token is authenticated as usual, so a bad token is still refused. Anonymous callers are limited per
/// network address (<see cref="Configuration.AccessSettings.AnonymousCallsPerSecondPerAddress"/>).
/// </summary>
public static class AnonymousReads
{
    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal)
    {
        "/dataexchange.v1.LedgerService/GetCheckpoint",
        "/dataexchange.v1.LedgerService/GetInclusionProof",
        "/dataexchange.v1.LedgerService/GetConsistencyProof",
        "/dataexchange.v1.LedgerService/ListCheckpoints",
        "/dataexchange.v1.LedgerService/ListSigningKeys",
        "/dataexchange.v1.LedgerService/ListWitnesses",
        "/dataexchange.v1.TradeService/GetExchangeStatistics",
        "/dataexchange.v1.PublicRegisterService/GetPublicFiling",
        "/dataexchange.v1.PublicRegisterService/SearchPublicFilings",
    };

    /// <summary>The caller of a call without a token: no participant, no role.</summary>
    public static readonly Caller Anonymous = new(Guid.Empty, Guid.Empty, new HashSet<Domain.Common.Role>());

    public static IReadOnlyCollection<string> MethodNames => Methods;

    /// <summary>Whether <paramref name="method"/> ("/package.Service/Method") may be called without a token.</summary>
    public static bool Allows(string method) => Methods.Contains(method);

    /// <summary>The gRPC method of a request (a transcoded REST request included), or null when it is none.</summary>
    public static string? MethodOf(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName;

    public static bool IsAnonymous(this Caller caller) => caller.TokenId == Guid.Empty;
}
