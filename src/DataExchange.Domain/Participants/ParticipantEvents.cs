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
