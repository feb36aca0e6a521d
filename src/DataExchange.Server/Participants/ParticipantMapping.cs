using DataExchange.Domain.Participants;
using DataExchange.Server.Infrastructure;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Participants;

public static class ParticipantMapping
{
    public static V1.Participant ToProto(this Participant p) => new()
    {
        Name = ResourceNames.Participant(p.Id),
        DisplayName = p.DisplayName,
        LegalName = p.LegalName,
        Roles = { p.Roles.Select(r => (V1.Role)r) },
        Jurisdiction = p.Jurisdiction.ToProto(),
        CriticalInformationInfrastructureOperator = p.CriticalInformationInfrastructureOperator,
        CreateTime = p.CreatedAt.ToTimestamp(),
        UpdateTime = p.UpdatedAt.ToTimestamp(),
        Etag = p.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        CiioDesignations = { p.CiioDesignations.Select(d => d.ToProto()) },
    };

    public static V1.CiioDesignation ToProto(this CiioDesignation d) => new()
    {
        CriticalInformationInfrastructureOperator = d.Designated,
        EffectiveDate = Dates.ToProto(d.EffectiveOn),
        Reference = d.Reference,
        RecordedBy = ResourceNames.Participant(d.By),
        CreateTime = d.At.ToTimestamp(),
    };

    public static V1.ApiToken ToProto(this ParticipantToken token, Guid participantId)
    {
        var proto = new V1.ApiToken
        {
            Name = ResourceNames.Token(participantId, token.TokenId),
            Label = token.Label,
            CreateTime = token.IssuedAt.ToTimestamp(),
        };
        if (token.RevokedAt is { } revoked)
        {
            proto.RevokeTime = revoked.ToTimestamp();
        }

        return proto;
    }
}
