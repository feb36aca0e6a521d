using System.Security.Cryptography;
using DataExchange.Server.Auth;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using JasperFx;
using Marten;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// The outcome of a mutating request, stored in the same transaction as its events (AIP-155). A retry finds it and
/// gets the original answer; if the first attempt's transaction lost, the retry runs again. Refusals that are
/// themselves recorded (a refused trade) are stored too, so a retry gets the same error and writes nothing.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>"{participant}/{method}/{request_id}": request ids are scoped to the caller and the method.</summary>
    public string Id { get; set; } = "";

    public string RequestHash { get; set; } = "";

    public string ResponseBase64 { get; set; } = "";

    /// <summary>A google.rpc.Status, when the recorded outcome was an error.</summary>
    public string? ErrorBase64 { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>Thrown by a handler to record an error outcome together with the events it appended.</summary>
public sealed class RecordedRefusal(RpcException error) : Exception(error.Message)
{
    public RpcException Error { get; } = error;
}

public sealed class IdempotentExecutor(IDocumentStore store, TimeProvider time)
{
    public async Task<TResponse> ExecuteAsync<TRequest, TResponse>(
        Caller caller, string method, string requestId, TRequest request,
        Func<IDocumentSession, Task<TResponse>> handle, CancellationToken ct)
        where TRequest : IMessage
        where TResponse : IMessage<TResponse>, new()
    {
        var key = $"{caller.ParticipantId:N}/{method}/{requestId}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(request.ToByteArray()));

        await using (var query = store.QuerySession())
        {
            var existing = await query.LoadAsync<IdempotencyRecord>(key, ct);
            if (existing is not null)
            {
                return Replay<TResponse>(existing, hash, requestId);
            }
        }

        await using var session = store.LightweightSession();
        TResponse response;
        RpcException? refusal = null;
        try
        {
            response = await handle(session);
        }
        catch (RecordedRefusal recorded)
        {
            refusal = recorded.Error;
            response = new TResponse();
        }

        session.Insert(new IdempotencyRecord
        {
            Id = key,
            RequestHash = hash,
            ResponseBase64 = Convert.ToBase64String(response.ToByteArray()),
            ErrorBase64 = refusal is null ? null : Convert.ToBase64String(refusal.GetRpcStatus()!.ToByteArray()),
            RecordedAt = time.GetUtcNow(),
        });

        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            // A concurrent retry of the same request committed first; ours rolled back. Answer as it did.
            await using var query = store.QuerySession();
            var winner = await query.LoadAsync<IdempotencyRecord>(key, ct)
                ?? throw RpcErrors.Aborted("A concurrent retry of this request is in progress; retry.");
            return Replay<TResponse>(winner, hash, requestId);
        }

        return refusal is null ? response : throw refusal;
    }

    private static TResponse Replay<TResponse>(IdempotencyRecord record, string hash, string requestId)
        where TResponse : IMessage<TResponse>, new()
    {
        if (record.RequestHash != hash)
        {
            throw RpcErrors.Create(Code.AlreadyExists, "REQUEST_ID_REUSED",
                $"request_id '{requestId}' was already used for a different request; use a new request_id.",
                new Dictionary<string, string> { ["request_id"] = requestId });
        }

        if (record.ErrorBase64 is not null)
        {
            throw Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(record.ErrorBase64)).ToRpcException();
        }

        var parser = new MessageParser<TResponse>(() => new TResponse());
        return parser.ParseFrom(Convert.FromBase64String(record.ResponseBase64));
    }
}
