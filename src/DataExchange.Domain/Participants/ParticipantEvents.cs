using DataExchange.Domain.Common;

namespace DataExchange.Domain.Participants;

public sealed record ParticipantRegistered(
    Guid ParticipantId,
    string DisplayName,
    string LegalName,
    IReadOnlyList<Role> Roles,
    Jurisdiction Jurisdiction,
    bool CriticalInformationInfrastructureOperator,
    Guid RegisteredBy,
    DateTimeOffset RegisteredAt);

/// <summary>Records only that a token exists: its secret hash lives outside the event history.</summary>
public sealed record ApiTokenIssued(Guid ParticipantId, Guid TokenId, string Label, Guid IssuedBy, DateTimeOffset IssuedAt);

public sealed record ApiTokenRevoked(Guid ParticipantId, Guid TokenId, string Reason, Guid RevokedBy, DateTimeOffset RevokedAt);

/// <summary>
/// The participant was designated a critical information infrastructure operator (关键信息基础设施运营者), or the
/// designation ended, from <see cref="EffectiveOn"/> on; <see cref="Reference"/> is the designation document's number.
/// </summary>
public sealed record ParticipantCiioDesignationChanged(
    Guid ParticipantId, bool Designated, DateOnly EffectiveOn, string Reference, Guid By, DateTimeOffset At);
