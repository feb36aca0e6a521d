using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace DataExchange.Server.Hosting;

/// <summary>
/// Inline snapshots of the aggregates, which double as read models. Evolve delegates to the domain's pure
/// functions, so Marten's conventions (and its source generator) are not needed in the domain assembly.
/// </summary>
public sealed class ListingProjection : SingleStreamProjection<Listing, Guid>
{
    public ListingProjection()
    {
        foreach (var type in ListingEvolution.EventTypes)
        {
            IncludeType(type);
        }
    }

    public override Listing? Evolve(Listing? snapshot, Guid id, IEvent e) => ListingEvolution.Evolve(snapshot, e.Data);
}

public sealed class ParticipantProjection : SingleStreamProjection<Participant, Guid>
{
    public ParticipantProjection()
    {
        foreach (var type in ParticipantEvolution.EventTypes)
        {
            IncludeType(type);
        }
    }

    public override Participant? Evolve(Participant? snapshot, Guid id, IEvent e) => ParticipantEvolution.Evolve(snapshot, e.Data);
}
