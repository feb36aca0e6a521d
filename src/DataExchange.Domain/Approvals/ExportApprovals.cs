using DataExchange.Domain.Common;
using Mechanism = DataExchange.Compliance.ExportMechanism;

namespace DataExchange.Domain.Approvals;

public sealed record ExportApprovalRecorded(
    Guid ApprovalId,
    Guid ExporterId,
    Mechanism Kind,
    string ReferenceNumber,
    Region CounterpartRegion,
    IReadOnlyList<Guid> ListingIds,
    IReadOnlyList<string> DataCategories,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    Guid By,
    DateTimeOffset At,
    ApprovalScope? Scope = null);

/// <summary>
/// What an approval's authority approved beyond exporter, listings and categories (NDSM Regulations art. 38): recipients,
/// destinations (HK, MO, ISO 3166-1 codes), scale and purpose. Null or empty parts were not stated (approvals recorded
/// before scopes existed state none).
/// </summary>
public sealed record ApprovalScope(
    IReadOnlyList<Guid> RecipientIds,
    IReadOnlyList<string> DestinationCodes,
    long? CoveredIndividuals,
    long? CoveredSensitiveIndividuals,
    string? Purpose)
{
    public static ApprovalScope None { get; } = new([], [], null, null, null);
}

/// <summary>A security assessment extended to <see cref="ValidUntil"/>, with its scale for the new term (null: unchanged).</summary>
public sealed record ExportApprovalExtended(Guid ApprovalId, DateOnly ValidUntil, long? CoveredIndividuals, string ReferenceNumber, Guid By, DateTimeOffset At);

/// <summary>From <see cref="RevokedOn"/> on, the approval no longer covers any trade.</summary>
public sealed record ExportApprovalRevoked(Guid ApprovalId, DateOnly RevokedOn, string Reason, Guid By, DateTimeOffset At);

/// <summary>An export approval on an exporting participant (security assessment, standard contract, ...).</summary>
public sealed record ExportApproval(
    Guid Id,
    Guid ExporterId,
    Mechanism Kind,
    string ReferenceNumber,
    Region CounterpartRegion,
    IReadOnlyList<Guid> ListingIds,
    IReadOnlyList<string> DataCategories,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    DateOnly? RevokedOn,
    string? RevocationReason,
    DateTimeOffset CreatedAt,
    ApprovalScope? Scope = null,
    IReadOnlyList<ExportApprovalExtended>? Extensions = null) : IEventSourced<ExportApproval>
{
    public long Version { get; set; }

    public static ExportApproval Start(ExportApprovalRecorded e) =>
        new(e.ApprovalId, e.ExporterId, e.Kind, e.ReferenceNumber, e.CounterpartRegion, e.ListingIds, e.DataCategories,
            e.ValidFrom, e.ValidUntil, null, null, e.At, e.Scope ?? ApprovalScope.None, []);

    public ExportApproval When(ExportApprovalRevoked e) => this with { RevokedOn = e.RevokedOn, RevocationReason = e.Reason };

    public ExportApproval When(ExportApprovalExtended e) => this with
    {
        ValidUntil = e.ValidUntil,
        Scope = e.CoveredIndividuals is { } scale ? (Scope ?? ApprovalScope.None) with { CoveredIndividuals = scale } : Scope,
        Extensions = [.. Extensions ?? [], e],
    };

    public static readonly Type[] EventTypes = [typeof(ExportApprovalRecorded), typeof(ExportApprovalRevoked), typeof(ExportApprovalExtended)];

    public static ExportApproval Evolve(ExportApproval? state, object e) => (state, e) switch
    {
        (null, ExportApprovalRecorded recorded) => Start(recorded),
        (not null, ExportApprovalRevoked revoked) => state.When(revoked),
        (not null, ExportApprovalExtended extended) => state.When(extended),
        _ => throw new InvalidOperationException($"Event {e.GetType().Name} cannot apply to an export approval."),
    };

    /// <summary>The engine's view of this approval; <paramref name="exportedUnder"/> is what trades already exported under it.</summary>
    public Compliance.ExportApproval ToCompliance(Compliance.ExportVolume? exportedUnder = null)
    {
        var scope = Scope ?? ApprovalScope.None;
        return new(Id, ExporterId, Kind, ReferenceNumber, RegionMapping.ToCompliance(CounterpartRegion), ListingIds, DataCategories,
            ValidFrom, ValidUntil, RevokedOn,
            scope.RecipientIds.Count > 0 ? scope.RecipientIds : null,
            scope.DestinationCodes.Count > 0 ? scope.DestinationCodes : null,
            scope.CoveredIndividuals, scope.CoveredSensitiveIndividuals, scope.Purpose,
            scope.CoveredIndividuals is null && scope.CoveredSensitiveIndividuals is null ? null : exportedUnder ?? Compliance.ExportVolume.Zero);
    }
}

public sealed record RecordExportApproval(
    Guid ApprovalId, Guid ExporterId, Mechanism Kind, string ReferenceNumber, Region CounterpartRegion,
    IReadOnlyList<Guid> ListingIds, IReadOnlyList<string> DataCategories, DateOnly ValidFrom, DateOnly ValidUntil,
    ApprovalScope? Scope = null);

public static class ExportApprovalDecider
{
    public static ExportApprovalRecorded Decide(RecordExportApproval c, Actor actor, DateTimeOffset now)
    {
        RequireCompliance(actor);
        if (c.Kind is Mechanism.None or Mechanism.Exempt)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "INVALID_APPROVAL_KIND", "An approval is a security assessment, a standard contract, a certification or a GBA standard contract.",
                new Dictionary<string, string> { ["field"] = "approval.kind" });
        }

        if (c.ValidUntil < c.ValidFrom)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "INVALID_VALIDITY_WINDOW", "valid_until is before valid_from.",
                new Dictionary<string, string> { ["field"] = "approval.valid_until" });
        }

        // Judged by the law of its own dates: no mechanism before it existed, no validity beyond the limit then.
        if (Compliance.ApprovalRules.CheckGrant(c.Kind, RegionMapping.ToCompliance(c.CounterpartRegion), c.ValidFrom, c.ValidUntil) is { } problem)
        {
            throw Problem(problem);
        }

        var scope = c.Scope ?? ApprovalScope.None;
        if (scope.DestinationCodes.FirstOrDefault(code => DestinationRegion(code) != c.CounterpartRegion) is { } outside)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "DESTINATION_OUTSIDE_COUNTERPART_REGION",
                $"Destination {outside} does not lie in the approval's counterpart region {c.CounterpartRegion}.",
                new Dictionary<string, string> { ["field"] = "approval.destinations", ["destination"] = outside });
        }

        return new ExportApprovalRecorded(c.ApprovalId, c.ExporterId, c.Kind, c.ReferenceNumber, c.CounterpartRegion, c.ListingIds,
            c.DataCategories, c.ValidFrom, c.ValidUntil, actor.ParticipantId, now, scope);
    }

    /// <summary>Extends a security assessment, judged by the rules in force on <paramref name="today"/>.</summary>
    public static ExportApprovalExtended DecideExtend(ExportApproval approval, DateOnly validUntil, long? coveredIndividuals, string referenceNumber,
        DateOnly today, Actor actor, DateTimeOffset now)
    {
        RequireCompliance(actor);
        if (approval.RevokedOn is not null)
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "APPROVAL_ALREADY_REVOKED", $"The approval was revoked on {approval.RevokedOn:yyyy-MM-dd}; it cannot be extended.",
                new Dictionary<string, string> { ["current_state"] = "REVOKED" });
        }

        if (Compliance.ApprovalRules.CheckExtension(approval.ToCompliance(), today, validUntil, coveredIndividuals) is { } problem)
        {
            throw Problem(problem, problem.Reason is "APPROVAL_VALIDITY_TOO_LONG" or "EXTENSION_DOES_NOT_EXTEND" ? ErrorKind.InvalidArgument : ErrorKind.FailedPrecondition);
        }

        return new ExportApprovalExtended(approval.Id, validUntil, coveredIndividuals, referenceNumber, actor.ParticipantId, now);
    }

    /// <summary>The region a destination code lies in (HK, MO, or abroad); null for the mainland or an unknown code.</summary>
    public static Region? DestinationRegion(string code) => JurisdictionCodes.Describe(code)?.Kind switch
    {
        Compliance.Jurisdictions.JurisdictionKind.HongKong => Region.HongKong,
        Compliance.Jurisdictions.JurisdictionKind.Macao => Region.Macao,
        Compliance.Jurisdictions.JurisdictionKind.Foreign or Compliance.Jurisdictions.JurisdictionKind.Taiwan => Region.Other,
        _ => null,
    };

    private static DomainException Problem(Compliance.ApprovalProblem problem, ErrorKind kind = ErrorKind.InvalidArgument) =>
        new(kind, problem.Reason, problem.Message, new Dictionary<string, string>(problem.Metadata) { ["field"] = problem.Field });

    public static ExportApprovalRevoked DecideRevoke(ExportApproval approval, string reason, DateOnly today, Actor actor, DateTimeOffset now)
    {
        RequireCompliance(actor);
        if (approval.RevokedOn is not null)
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "APPROVAL_ALREADY_REVOKED", $"The approval was revoked on {approval.RevokedOn:yyyy-MM-dd}.",
                new Dictionary<string, string> { ["current_state"] = "REVOKED" });
        }

        return new ExportApprovalRevoked(approval.Id, today, reason, actor.ParticipantId, now);
    }

    private static void RequireCompliance(Actor actor)
    {
        if (!actor.Has(Role.ComplianceOfficer))
        {
            throw DomainException.Denied("COMPLIANCE_ROLE_REQUIRED", "Only compliance officers record and revoke export approvals.");
        }
    }
}
