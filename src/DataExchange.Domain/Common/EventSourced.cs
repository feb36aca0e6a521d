namespace DataExchange.Domain.Common;

/// <summary>
/// An aggregate rebuilt from its stream by one pure function, so that one generic path can load, decide, append and
/// answer with the evolved state for every aggregate.
/// </summary>
public interface IEventSourced<TSelf>
    where TSelf : class, IEventSourced<TSelf>
{
    /// <summary>The stream version this state reflects (its number of events).</summary>
    long Version { get; set; }

    /// <summary>Applies one event; <paramref name="state"/> is null for a stream's first event.</summary>
    static abstract TSelf Evolve(TSelf? state, object e);
}
