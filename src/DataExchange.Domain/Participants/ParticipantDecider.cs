using DataExchange.Domain.Common;

namespace DataExchange.Domain.Participants;

public sealed record RegisterParticipant(
    Guid ParticipantId,
    string DisplayName,
    string LegalName,
    IReadOnlyList<Role> Roles,
    Jurisdiction Jurisdiction,
    bool CriticalInformationInfrastructureOperator);

public sealed record IssueApiToken(Guid ParticipantId, Guid TokenId, string Label);

public sealed record RevokeApiToken(Guid ParticipantId, Guid TokenId, string Reason);

/// <summary>Pure decisions for participants: state and command in, events out; throws when the rules say no.</summary>
public static class ParticipantDecider
{
    public static ParticipantRegistered Decide(RegisterParticipant command, Actor actor, DateTimeOffset now)
    {
        RequireOperator(actor);
        return new ParticipantRegistered(command.ParticipantId, command.DisplayName, command.LegalName,
            [.. command.Roles.Distinct().Order()], command.Jurisdiction,
            command.CriticalInformationInfrastructureOperator, actor.ParticipantId, now);
    }

    public static ApiTokenIssued Decide(Participant participant, IssueApiToken command, Actor actor, DateTimeOffset now)
    {
        RequireOperator(actor);
        return new ApiTokenIssued(participant.Id, command.TokenId, command.Label, actor.ParticipantId, now);
    }

    public static ApiTokenRevoked Decide(Participant participant, RevokeApiToken command, Actor actor, DateTimeOffset now)
    {
        RequireOperator(actor);
        var token = participant.Tokens.FirstOrDefault(t => t.TokenId == command.TokenId)
            ?? throw DomainException.NotFound("Token", $"participants/{participant.Id}/tokens/{command.TokenId}");
        if (token.RevokedAt is not null)
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "TOKEN_ALREADY_REVOKED",
                $"Token {command.TokenId} was already revoked.",
                new Dictionary<string, string> { ["current_state"] = "REVOKED" });
        }

        return new ApiTokenRevoked(participant.Id, command.TokenId, command.Reason, actor.ParticipantId, now);
    }

    private static void RequireOperator(Actor actor)
    {
        if (!actor.Has(Role.Operator))
        {
            throw DomainException.Denied("OPERATOR_ROLE_REQUIRED", "Only operators manage participants and tokens.");
        }
    }
}
