using DataExchange.Ledger.Signing;
using DataExchange.Server.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataExchange.Server.Ledger;

/// <summary>
/// Whether this server still trusts its ledger. Once the signer has refused (the database no longer extends what it
/// signed) the ledger stays failed until the server is restarted and the stored log verifies again: nothing is signed,
/// ledger health is NOT_SERVING and ledger RPCs answer FAILED_PRECONDITION / LEDGER_INTEGRITY_FAILURE.
/// </summary>
public sealed class LedgerIntegrity
{
    private IntegrityViolation? violation;

    public IntegrityViolation? Violation => Volatile.Read(ref violation);

    public bool Failed => Violation is not null;

    /// <summary>Where the evidence of the failure was kept (a file under the data directory).</summary>
    public string? EvidencePath { get; private set; }

    public void Fail(IntegrityViolation what, string? evidencePath)
    {
        EvidencePath = evidencePath;
        Interlocked.CompareExchange(ref violation, what, null);
    }

    public void ThrowIfFailed()
    {
        if (Violation is { } v)
        {
            throw Error(v);
        }
    }

    public static RpcException Error(IntegrityViolation v)
    {
        var metadata = new Dictionary<string, string> { ["violation"] = v.Code };
        if (v.LeafIndex is { } leaf)
        {
            metadata["leaf_index"] = leaf.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (v.Node is { } node)
        {
            metadata["node"] = node.ToString();
        }

        if (v.TreeSize is { } size)
        {
            metadata["tree_size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return RpcErrors.Create(Google.Rpc.Code.FailedPrecondition, "LEDGER_INTEGRITY_FAILURE",
            $"The ledger stopped signing: the database no longer extends the history the exchange signed ({v.Message}). Operators have the evidence; nothing from the ledger is served until it is resolved.",
            metadata);
    }
}

/// <summary>The ledger's part of the health service: unhealthy once the signer has refused.</summary>
public sealed class LedgerIntegrityHealthCheck(LedgerIntegrity integrity) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(integrity.Violation is { } v
            ? HealthCheckResult.Unhealthy($"ledger integrity failure: {v.Code}: {v.Message}")
            : HealthCheckResult.Healthy());
}

/// <summary>
/// Answers ledger RPCs with LEDGER_INTEGRITY_FAILURE once the signer has refused: checkpoints, proofs and receipts, which
/// would vouch for the stored tree. What auditors need to investigate (the raw log, the stored checkpoints, the keys)
/// stays readable, so `dx audit verify` can still name what changed.
/// </summary>
public sealed class LedgerIntegrityInterceptor(LedgerIntegrity integrity) : Interceptor
{
    private const string LedgerService = "/dataexchange.v1.LedgerService/";

    private static readonly HashSet<string> ForInvestigation =
    [
        "ListSigningKeys", "ListWitnesses", "ListEntries", "StreamEntries", "StreamEntryBatches", "ListCheckpoints", "StreamTreeNodes", "ListTreeNodes", "ListUnloggedEvents",
    ];

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        // The latest stored checkpoint as stored (not a fresh one): signed data an auditor checks for itself.
        if (request is DataExchange.Contracts.V1.GetCheckpointRequest { Fresh: false, MinTreeSize: 0 })
        {
            return continuation(request, context);
        }

        Guard(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Guard(context);
        return continuation(request, responseStream, context);
    }

    private void Guard(ServerCallContext context)
    {
        if (context.Method.StartsWith(LedgerService, StringComparison.Ordinal) && !ForInvestigation.Contains(context.Method[LedgerService.Length..]))
        {
            integrity.ThrowIfFailed();
        }
    }
}

/// <summary>Thrown by the signer when it refuses; the sequencer then stops (holding its lock) until restart.</summary>
public sealed class LedgerIntegrityException(IntegrityViolation violation) : Exception(violation.Message)
{
    public IntegrityViolation Violation { get; } = violation;
}
