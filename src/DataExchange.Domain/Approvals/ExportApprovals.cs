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
    DateTimeOffset At);

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
    DateTimeOffset CreatedAt) : IEventSourced<ExportApproval>
{
    public long Version { get; set; }

    public static ExportApproval Start(ExportApprovalRecorded e) =>
        new(e.ApprovalId, e.ExporterId, e.Kind, e.ReferenceNumber, e.CounterpartRegion, e.ListingIds, e.DataCategories,
            e.ValidFrom, e.ValidUntil, null, null, e.At);

    public ExportApproval When(ExportApprovalRevoked e) => this with { RevokedOn = e.RevokedOn, RevocationReason = e.Reason };

    public static readonly Type[] EventTypes = [typeof(ExportApprovalRecorded), typeof(ExportApprovalRevoked)];

    public static ExportApproval Evolve(ExportApproval? state, object e) => (state, e) switch
    {
        (null, ExportApprovalRecorded recorded) => Start(recorded),
        (not null, ExportApprovalRevoked revoked) => state.When(revoked),
        _ => throw new InvalidOperationException($"Event {e.GetType().Name} cannot apply to an export approval."),
    };

    /// <summary>The engine's view of this approval.</summary>
    public Compliance.ExportApproval ToCompliance() =>
        new(Id, ExporterId, Kind, ReferenceNumber, RegionMapping.ToCompliance(CounterpartRegion), ListingIds, DataCategories,
            ValidFrom, ValidUntil, RevokedOn);
}

public sealed record RecordExportApproval(
    Guid ApprovalId, Guid ExporterId, Mechanism Kind, string ReferenceNumber, Region CounterpartRegion,
    IReadOnlyList<Guid> ListingIds, IReadOnlyList<string> DataCategories, DateOnly ValidFrom, DateOnly ValidUntil);

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

        return new ExportApprovalRecorded(c.ApprovalId, c.ExporterId, c.Kind, c.ReferenceNumber, c.CounterpartRegion, c.ListingIds,
            c.DataCategories, c.ValidFrom, c.ValidUntil, actor.ParticipantId, now);
    }

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
