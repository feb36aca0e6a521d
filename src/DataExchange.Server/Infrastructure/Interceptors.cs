using DataExchange.Domain.Common;
using DataExchange.Server.Auth;
using Grpc.Core;
using Grpc.Core.Interceptors;
using JasperFx;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Turns every failure into a deliberate status: domain errors keep their kind, lost optimistic-concurrency races
/// become ABORTED, an unreachable database UNAVAILABLE with a RetryInfo (<see cref="DatabaseFailures"/>), anything
/// unexpected becomes INTERNAL with a correlation id (logged, never a stack trace). Every error leaving a handler, its
/// own or one thrown deeper, is made to conform to <see cref="ErrorBounds"/> and carries an ErrorInfo.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e)
        {
            throw Translate(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e)
        {
            throw Translate(e, context);
        }
    }

    private RpcException Translate(Exception e, ServerCallContext context)
    {
        if (e is RpcException { StatusCode: not StatusCode.Unknown } rpc)
        {
            return RpcErrors.Conform(rpc);
        }

        if (e is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return RpcErrors.Create(Google.Rpc.Code.Cancelled, "CANCELLED", "The call was cancelled.");
        }

        switch (e)
        {
            case DomainException domain:
                return RpcErrors.From(domain);
            case ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or DocumentAlreadyExistsException:
                return RpcErrors.Aborted("Another change to the same resource won the race; read it again and retry.");
        }

        switch (DatabaseFailures.Classify(e))
        {
            case DatabaseFailure.Unavailable:
                // One line per failed call, without the stack: an outage fails every call the same way.
                logger.LogWarning("Database unavailable in {Method}: {Error}", context.Method, Innermost(e).Message);
                return RpcErrors.DatabaseUnavailable();
            case DatabaseFailure.Conflict:
                return RpcErrors.Aborted("The database aborted the transaction to resolve a conflict with another; retry.");
        }

        var incident = Guid.CreateVersion7();
        logger.LogError(e, "Unhandled error {Incident} in {Method}", incident, context.Method);
        return RpcErrors.Create(Google.Rpc.Code.Internal, "INTERNAL",
            $"Internal error; quote incident {incident} to the operator.",
            new Dictionary<string, string> { ["incident"] = incident.ToString() });
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e;
    }
}
