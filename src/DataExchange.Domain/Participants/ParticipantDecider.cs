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

/// <summary>Designates the participant a CIIO, or ends the designation, from <paramref name="EffectiveOn"/> on.</summary>
public sealed record ChangeCiioDesignation(bool Designated, DateOnly EffectiveOn, string Reference);

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

    /// <summary>
    /// Records a CIIO designation (or its end) with the date it takes effect: compliance officers, and operators who
    /// register participants with their status. A change that changes nothing from that date on is refused.
    /// </summary>
    public static ParticipantCiioDesignationChanged Decide(Participant participant, ChangeCiioDesignation command, Actor actor, DateTimeOffset now)
    {
        if (!actor.Has(Role.ComplianceOfficer) && !actor.Has(Role.Operator))
        {
            throw DomainException.Denied("COMPLIANCE_OR_OPERATOR_ROLE_REQUIRED", "Only compliance officers and operators record CIIO designations.");
        }

        DatedFacts.Check(command.EffectiveOn, command.Reference, RegionMapping.ChinaDate(now));
        if (participant.IsCiioOn(command.EffectiveOn) == command.Designated)
        {
            var status = command.Designated ? "designated" : "not designated";
            throw new DomainException(ErrorKind.FailedPrecondition, "CIIO_DESIGNATION_UNCHANGED",
                $"The participant is already {status} a CIIO on {DatedFacts.Format(command.EffectiveOn)}; the change would change nothing.",
                new Dictionary<string, string>
                {
                    ["critical_information_infrastructure_operator"] = command.Designated ? "true" : "false",
                    ["effective_date"] = DatedFacts.Format(command.EffectiveOn),
                });
        }

        return new ParticipantCiioDesignationChanged(participant.Id, command.Designated, command.EffectiveOn, command.Reference,
            actor.ParticipantId, now);
    }

    private static void RequireOperator(Actor actor)
    {
        if (!actor.Has(Role.Operator))
        {
            throw DomainException.Denied("OPERATOR_ROLE_REQUIRED", "Only operators manage participants and tokens.");
        }
    }
}
