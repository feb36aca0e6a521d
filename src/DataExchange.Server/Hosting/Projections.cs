using DataExchange.Domain.Approvals;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace DataExchange.Server.Hosting;

/// <summary>
/// An inline snapshot of an aggregate that doubles as its read model. Evolve delegates to the domain's pure function,
/// so Marten's conventions (and its source generator) are not needed in the domain assembly; only the aggregate's own
/// event types reach it.
/// </summary>
public abstract class DomainProjection<TDoc> : SingleStreamProjection<TDoc, Guid>
    where TDoc : class
{
    private readonly Func<TDoc?, object, TDoc> evolve;

    protected DomainProjection(IEnumerable<Type> eventTypes, Func<TDoc?, object, TDoc> evolve)
    {
        this.evolve = evolve;
        foreach (var type in eventTypes)
        {
            IncludeType(type);
        }
    }

    public override TDoc? Evolve(TDoc? snapshot, Guid id, IEvent e) => evolve(snapshot, e.Data);
}

public sealed class ListingProjection() : DomainProjection<Listing>(ListingEvolution.EventTypes, ListingEvolution.Evolve);

public sealed class ParticipantProjection() : DomainProjection<Participant>(ParticipantEvolution.EventTypes, ParticipantEvolution.Evolve);

public sealed class TradeProjection() : DomainProjection<Trade>(Trade.EventTypes, Trade.Evolve);

public sealed class ExportApprovalProjection() : DomainProjection<ExportApproval>(ExportApproval.EventTypes, ExportApproval.Evolve);

public sealed class ExporterYearVolumeProjection() : DomainProjection<ExporterYearVolume>(
    [typeof(ExportVolumeRecorded)], (state, e) => ExporterYearVolume.Evolve(state, (ExportVolumeRecorded)e));
