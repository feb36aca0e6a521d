using DataExchange.Domain.Approvals;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Trades;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Approvals;

public static class ApprovalMapping
{
    public static string Name(Guid exporterId, Guid approvalId) => $"participants/{exporterId}/exportApprovals/{approvalId}";

    public static bool TryParse(string? name, out Guid exporterId, out Guid approvalId)
    {
        exporterId = approvalId = Guid.Empty;
        var parts = name?.Split('/') ?? [];
        return parts.Length == 4 && parts[0] == "participants" && parts[2] == "exportApprovals"
            && Guid.TryParseExact(parts[1], "D", out exporterId) && Guid.TryParseExact(parts[3], "D", out approvalId);
    }

    public static V1.ExportApproval ToProto(this ExportApproval a) => new()
    {
        Name = Name(a.ExporterId, a.Id),
        Kind = TradeMapping.ToProto(a.Kind),
        ReferenceNumber = a.ReferenceNumber,
        Listings = { a.ListingIds.Select(ResourceNames.Listing) },
        DataCategories = { a.DataCategories },
        CounterpartRegion = (V1.Region)a.CounterpartRegion,
        ValidFrom = Dates.Format(a.ValidFrom),
        ValidUntil = Dates.Format(a.ValidUntil),
        RevokedOn = a.RevokedOn is { } revoked ? Dates.Format(revoked) : "",
        RevocationReason = a.RevocationReason ?? "",
        CreateTime = a.CreatedAt.ToTimestamp(),
        Etag = a.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
