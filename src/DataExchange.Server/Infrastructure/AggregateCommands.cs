using DataExchange.Domain.Common;
using DataExchange.Server.Auth;
using Google.Protobuf;
using Marten;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// The stream a change is aimed at: its id, the version the caller read (its etag, when given: a stale one is
/// ABORTED), and who may see it (others get NOT_FOUND under <see cref="Resource"/> and <see cref="Name"/>, so that
/// its existence does not leak).
/// </summary>
public sealed record StreamTarget<TAggregate>(Guid Id, long? Etag, string Resource, string Name, Func<TAggregate, bool>? Visible = null);

/// <summary>A decided change: the state before and after, the events appended and the time they carry.</summary>
public sealed record Changed<TAggregate>(TAggregate Before, TAggregate After, IReadOnlyList<object> Events, DateTimeOffset At);

/// <summary>
/// The one path of every command on an event-sourced aggregate: under the request's idempotency key (a retry gets
/// the original answer, <see cref="IdempotentExecutor"/>), load the stream, decide with the domain's pure decider
/// (state, actor and time in; events out, or a DomainException), append, and answer from the state the events lead
/// to (<see cref="IEventSourced{TSelf}.Evolve"/>), without reading it back.
/// </summary>
public sealed class AggregateCommands(IdempotentExecutor idempotency, TimeProvider time)
{
    /// <summary>
    /// Starts the stream <paramref name="id"/> with the decided first event. <paramref name="precondition"/> reads
    /// what must exist first (in the same transaction).
    /// </summary>
    public Task<TResponse> StartAsync<TAggregate, TResponse>(
        Caller caller, string method, string requestId, IMessage request, Guid id,
        Func<Actor, DateTimeOffset, object> decide, Func<TAggregate, TResponse> respond, CancellationToken ct,
        Func<IDocumentSession, Task>? precondition = null)
        where TAggregate : class, IEventSourced<TAggregate>
        where TResponse : IMessage<TResponse>, new() =>
        idempotency.ExecuteAsync(caller, method, requestId, request, async session =>
        {
            if (precondition is not null)
            {
                await precondition(session);
            }

            var first = decide(caller.Actor, time.GetUtcNow());
            session.Events.StartStream<TAggregate>(id, first);
            var started = TAggregate.Evolve(null, first);
            started.Version = 1;
            return respond(started);
        }, ct);

    /// <summary>Appends the decided events to an existing stream and answers with the evolved state.</summary>
    public Task<TResponse> ChangeAsync<TAggregate, TResponse>(
        Caller caller, string method, string requestId, IMessage request, StreamTarget<TAggregate> target,
        Func<TAggregate, Actor, DateTimeOffset, IReadOnlyList<object>> decide, Func<TAggregate, TResponse> respond, CancellationToken ct)
        where TAggregate : class, IEventSourced<TAggregate>
        where TResponse : IMessage<TResponse>, new() =>
        ChangeAsync(caller, method, requestId, request, target, decide, (_, changed) => Task.FromResult(respond(changed.After)), ct);

    /// <summary>
    /// Appends the decided events to an existing stream; <paramref name="complete"/> writes what else the change
    /// implies in the same transaction (another stream's event, a document) and builds the answer.
    /// </summary>
    public Task<TResponse> ChangeAsync<TAggregate, TResponse>(
        Caller caller, string method, string requestId, IMessage request, StreamTarget<TAggregate> target,
        Func<TAggregate, Actor, DateTimeOffset, IReadOnlyList<object>> decide,
        Func<IDocumentSession, Changed<TAggregate>, Task<TResponse>> complete, CancellationToken ct)
        where TAggregate : class, IEventSourced<TAggregate>
        where TResponse : IMessage<TResponse>, new() =>
        idempotency.ExecuteAsync(caller, method, requestId, request, async session =>
        {
            var stream = target.Etag is { } expected
                ? await session.Events.FetchForWriting<TAggregate>(target.Id, expected, ct)
                : await session.Events.FetchForWriting<TAggregate>(target.Id, ct);
            var before = stream.Aggregate;
            if (before is null || !(target.Visible?.Invoke(before) ?? true))
            {
                throw ResourceNames.NotFound(target.Resource, target.Name);
            }

            var now = time.GetUtcNow();
            var events = decide(before, caller.Actor, now);
            stream.AppendMany(events);
            var after = events.Aggregate(before, (state, e) => TAggregate.Evolve(state, e));
            after.Version = before.Version + events.Count;
            return await complete(session, new Changed<TAggregate>(before, after, events, now));
        }, ct);
}
