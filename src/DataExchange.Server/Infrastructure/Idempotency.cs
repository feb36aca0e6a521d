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

/// <summary>The request was already answered; carries the stored outcome out of the attempt.</summary>
internal sealed class StoredOutcomeFound(IdempotencyRecord record) : Exception("The request was already answered.")
{
    public IdempotencyRecord Record { get; } = record;
}

/// <summary>Thrown by a handler to record an error outcome together with the events it appended.</summary>
public sealed class RecordedRefusal(RpcException error) : Exception(error.Message)
{
    public RpcException Error { get; } = error;
}

/// <summary>
/// Runs a mutating request at most once per request id. The outcome is inserted with the request's events and a
/// unique key decides between concurrent attempts. A retry of a finished request is answered from the stored outcome
/// before any work (a failed append would leave Marten tombstone rows behind); an attempt that fails anyway (a
/// concurrent duplicate, a lost race, a rule that no longer holds because the first attempt changed things) looks
/// again for a stored outcome and replays it.
/// </summary>
public sealed class IdempotentExecutor(IDocumentStore store, TimeProvider time)
{
    /// <param name="attempts">
    /// How often to run the handler when it loses an optimistic-concurrency race on streams the client did not name
    /// (an exporter's yearly volume, a listing's exclusive grants): such a race says nothing about the request, so
    /// trying again on fresh state is right. Requests carrying an etag keep 1: their loser must see ABORTED.
    /// </param>
    public async Task<TResponse> ExecuteAsync<TRequest, TResponse>(
        Caller caller, string method, string requestId, TRequest request,
        Func<IDocumentSession, Task<TResponse>> handle, CancellationToken ct, int attempts = 1)
        where TRequest : IMessage
        where TResponse : IMessage<TResponse>, new()
    {
        var key = KeyOf(caller, method, requestId);
        var hash = HashOf(request);
        for (var attempt = 1; ; attempt++)
        {
            (TResponse Response, RpcException? Refusal) outcome;
            try
            {
                outcome = await AttemptAsync(key, hash, handle, ct);
            }
            catch (StoredOutcomeFound found)
            {
                return Replay<TResponse>(found.Record, hash, requestId);
            }
            catch (Exception e) when (e is not RpcException { StatusCode: StatusCode.Cancelled })
            {
                // Whatever went wrong, a stored outcome for this key is the answer (a retry of a finished request).
                if (await FindAsync(key, ct) is { } stored)
                {
                    return Replay<TResponse>(stored, hash, requestId);
                }

                if (e is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException && attempt < attempts)
                {
                    continue;
                }

                throw;
            }

            return outcome.Refusal is null ? outcome.Response : throw outcome.Refusal;
        }
    }

    private async Task<(TResponse Response, RpcException? Refusal)> AttemptAsync<TResponse>(string key, string hash, Func<IDocumentSession, Task<TResponse>> handle, CancellationToken ct)
        where TResponse : IMessage<TResponse>, new()
    {
        await using var session = store.LightweightSession();

        // Concurrent attempts of one request take turns (a transaction-scoped lock on the key), so a duplicate waits for
        // the first to commit and then finds its outcome: it never runs the handler, burns a filing number or leaves a
        // tombstone behind.
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(?)", ct, LockKey(key));
        if (await session.LoadAsync<IdempotencyRecord>(key, ct) is { } stored)
        {
            throw new StoredOutcomeFound(stored);
        }

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

        session.Insert(Record(key, hash, response, refusal, time.GetUtcNow()));
        await session.SaveChangesAsync(ct);
        return (response, refusal);
    }

    /// <summary>"{participant}/{method}/{request_id}": request ids are scoped to the caller and the method.</summary>
    internal static string KeyOf(Caller caller, string method, string requestId) => $"{caller.ParticipantId:N}/{method}/{requestId}";

    /// <summary>What a retry must match: the SHA-256 of the request's bytes.</summary>
    internal static string HashOf(IMessage request) => Convert.ToHexStringLower(SHA256.HashData(request.ToByteArray()));

    internal static IdempotencyRecord Record(string key, string hash, IMessage response, RpcException? refusal, DateTimeOffset at) => new()
    {
        Id = key,
        RequestHash = hash,
        ResponseBase64 = Convert.ToBase64String(response.ToByteArray()),
        ErrorBase64 = refusal is null ? null : Convert.ToBase64String(refusal.GetRpcStatus()!.ToByteArray()),
        RecordedAt = at,
    };

    private static long LockKey(string key) => BitConverter.ToInt64(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("idempotency:" + key)), 0);

    private async Task<IdempotencyRecord?> FindAsync(string key, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<IdempotencyRecord>(key, ct);
    }

    /// <summary>The stored outcome as the original call answered it: its response, or its recorded error thrown.</summary>
    internal static TResponse Replay<TResponse>(IdempotencyRecord record, string hash, string requestId)
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
