using DataExchange.Domain.Common;
using DataExchange.Domain.Participants;

namespace DataExchange.Domain.Tests.Participants;

public class ParticipantSpecs
{
    private static readonly DateTimeOffset Now = new(2022, 11, 15, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor Operator = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Operator });
    private static readonly Actor Vendor = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Vendor });

    private static RegisterParticipant Command() => new(Guid.CreateVersion7(), "Hetao Data", "深圳河套数据科技有限公司",
        [Role.Buyer, Role.Vendor, Role.Vendor], new Jurisdiction(Region.MainlandChina, "Shenzhen"), false);

    [Fact]
    public void Operators_register_participants_with_distinct_sorted_roles()
    {
        var e = ParticipantDecider.Decide(Command(), Operator, Now);
        Assert.Equal([Role.Vendor, Role.Buyer], e.Roles);
        Assert.Equal(Operator.ParticipantId, e.RegisteredBy);
    }

    [Fact]
    public void Nobody_else_registers_participants()
    {
        var error = Assert.Throws<DomainException>(() => ParticipantDecider.Decide(Command(), Vendor, Now));
        Assert.Equal(ErrorKind.PermissionDenied, error.Kind);
    }

    [Fact]
    public void A_token_is_revoked_once()
    {
        var participant = Participant.Start(ParticipantDecider.Decide(Command(), Operator, Now));
        var tokenId = Guid.CreateVersion7();
        participant = participant.When(ParticipantDecider.Decide(participant, new IssueApiToken(participant.Id, tokenId, "ci"), Operator, Now));
        participant = participant.When(ParticipantDecider.Decide(participant, new RevokeApiToken(participant.Id, tokenId, "leaked"), Operator, Now));
        Assert.NotNull(participant.Tokens.Single().RevokedAt);
        var again = Assert.Throws<DomainException>(() => ParticipantDecider.Decide(participant, new RevokeApiToken(participant.Id, tokenId, "again"), Operator, Now));
        Assert.Equal("TOKEN_ALREADY_REVOKED", again.Reason);
    }

    [Fact]
    public void Revoking_an_unknown_token_is_not_found()
    {
        var participant = Participant.Start(ParticipantDecider.Decide(Command(), Operator, Now));
        var error = Assert.Throws<DomainException>(() => ParticipantDecider.Decide(participant, new RevokeApiToken(participant.Id, Guid.CreateVersion7(), "x"), Operator, Now));
        Assert.Equal(ErrorKind.NotFound, error.Kind);
    }
}
