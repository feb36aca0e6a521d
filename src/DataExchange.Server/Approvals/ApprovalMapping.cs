using DataExchange.Domain.Approvals;
using DataExchange.Server.Infrastructure;
using C = DataExchange.Compliance;
using V1 = DataExchange.Contracts.V1;

// The deprecated YYYY-MM-DD string twins of the google.type.Date fields are still read and served for v1 clients.
#pragma warning disable CS0612

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

    public static V1.ExportApproval ToProto(this ExportApproval a, C.ExportVolume? exportedUnder = null)
    {
        var scope = a.Scope ?? ApprovalScope.None;
        var proto = new V1.ExportApproval
        {
            Name = Name(a.ExporterId, a.Id),
            Kind = ToProto(a.Kind),
            ReferenceNumber = a.ReferenceNumber,
            Listings = { a.ListingIds.Select(ResourceNames.Listing) },
            DataCategories = { a.DataCategories },
            CounterpartRegion = (V1.Region)a.CounterpartRegion,
            ValidFrom = Dates.Format(a.ValidFrom),
            ValidUntil = Dates.Format(a.ValidUntil),
            RevokedOn = a.RevokedOn is { } revoked ? Dates.Format(revoked) : "",
            ValidFromDate = Dates.ToProto(a.ValidFrom),
            ValidUntilDate = Dates.ToProto(a.ValidUntil),
            RevokedDate = a.RevokedOn is { } revokedDate ? Dates.ToProto(revokedDate) : null,
            RevocationReason = a.RevocationReason ?? "",
            CreateTime = a.CreatedAt.ToTimestamp(),
            Etag = a.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Recipients = { scope.RecipientIds.Select(ResourceNames.Participant) },
            Destinations = { scope.DestinationCodes },
            Purpose = scope.Purpose ?? "",
            ExportedIndividuals = exportedUnder?.Individuals ?? 0,
            ExportedSensitiveIndividuals = exportedUnder?.SensitiveIndividuals ?? 0,
            Extensions =
            {
                (a.Extensions ?? []).Select(e =>
                {
                    var x = new V1.ApprovalExtension
                    {
                        ValidUntil = Dates.Format(e.ValidUntil), ValidUntilDate = Dates.ToProto(e.ValidUntil),
                        ReferenceNumber = e.ReferenceNumber, CreateTime = e.At.ToTimestamp(),
                    };
                    if (e.CoveredIndividuals is { } covered) x.CoveredIndividuals = covered;
                    return x;
                }),
            },
        };
        if (scope.CoveredIndividuals is { } individuals) proto.CoveredIndividuals = individuals;
        if (scope.CoveredSensitiveIndividuals is { } sensitive) proto.CoveredSensitiveIndividuals = sensitive;
        return proto;
    }

    /// <summary>An export mechanism (an approval's kind, a decision's mechanism) in the API's terms.</summary>
    public static V1.ExportMechanism ToProto(C.ExportMechanism mechanism, bool crossBorder = true) => mechanism switch
    {
        C.ExportMechanism.None => V1.ExportMechanism.None,
        C.ExportMechanism.Exempt => V1.ExportMechanism.Exempt,
        C.ExportMechanism.SecurityAssessment => V1.ExportMechanism.SecurityAssessment,
        C.ExportMechanism.StandardContract => V1.ExportMechanism.StandardContract,
        C.ExportMechanism.Certification => V1.ExportMechanism.Certification,
        C.ExportMechanism.GbaStandardContract => V1.ExportMechanism.GbaStandardContract,
        _ => V1.ExportMechanism.Unspecified,
    };

    public static C.ExportMechanism? ToDomain(V1.ExportMechanism mechanism) => mechanism switch
    {
        V1.ExportMechanism.SecurityAssessment => C.ExportMechanism.SecurityAssessment,
        V1.ExportMechanism.StandardContract => C.ExportMechanism.StandardContract,
        V1.ExportMechanism.Certification => C.ExportMechanism.Certification,
        V1.ExportMechanism.GbaStandardContract => C.ExportMechanism.GbaStandardContract,
        _ => null,
    };
}
