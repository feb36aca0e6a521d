using DataExchange.Domain.Approvals;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Trades;
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

public sealed class TradeProjection : SingleStreamProjection<Trade, Guid>
{
    public TradeProjection()
    {
        foreach (var type in Trade.EventTypes)
        {
            IncludeType(type);
        }
    }

    public override Trade? Evolve(Trade? snapshot, Guid id, IEvent e) => Trade.Evolve(snapshot, e.Data);
}

public sealed class ExportApprovalProjection : SingleStreamProjection<ExportApproval, Guid>
{
    public ExportApprovalProjection()
    {
        foreach (var type in ExportApproval.EventTypes)
        {
            IncludeType(type);
        }
    }

    public override ExportApproval? Evolve(ExportApproval? snapshot, Guid id, IEvent e) => ExportApproval.Evolve(snapshot, e.Data);
}

public sealed class ExporterYearVolumeProjection : SingleStreamProjection<ExporterYearVolume, Guid>
{
    public ExporterYearVolumeProjection()
    {
        IncludeType<ExportVolumeRecorded>();
    }

    public override ExporterYearVolume? Evolve(ExporterYearVolume? snapshot, Guid id, IEvent e) =>
        e.Data is ExportVolumeRecorded recorded ? ExporterYearVolume.Evolve(snapshot, recorded) : snapshot;
}
