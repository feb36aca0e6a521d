using DataExchange.Domain.Trades;
using Marten;
using C = DataExchange.Compliance;

namespace DataExchange.Server.Approvals;

/// <summary>What accepted trades exported under each approval of some exporters, summed over every year.</summary>
public static class ApprovalUsage
{
    public static async Task<IReadOnlyDictionary<Guid, C.ExportVolume>> LoadAsync(IQuerySession session, IReadOnlyList<Guid> exporterIds, CancellationToken ct)
    {
        if (exporterIds.Count == 0) return new Dictionary<Guid, C.ExportVolume>();
        var ids = exporterIds.ToArray();
        var years = await session.Query<ExporterYearVolume>().Where(y => y.ExporterId.IsOneOf(ids)).ToListAsync(ct);
        var used = new Dictionary<Guid, C.ExportVolume>();
        foreach (var exporterId in ids)
        {
            foreach (var (approvalId, volume) in ExporterHistory.From(exporterId, years, []).UsedByApproval ?? [])
            {
                used[approvalId] = volume;
            }
        }

        return used;
    }
}
