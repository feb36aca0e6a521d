using DataExchange.Domain.Common;

namespace DataExchange.Domain.Participants;

public sealed record ParticipantToken(Guid TokenId, string Label, DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt);

/// <summary>A market entity (市场主体), rebuilt from its stream.</summary>
public sealed record Participant(
    Guid Id,
    string DisplayName,
    string LegalName,
    IReadOnlyList<Role> Roles,
    Jurisdiction Jurisdiction,
    bool CriticalInformationInfrastructureOperator,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<ParticipantToken> Tokens) : IEventSourced<Participant>
{
    public long Version { get; set; }

    public static Participant Evolve(Participant? state, object e) => ParticipantEvolution.Evolve(state, e);

    public bool Has(Role role) => Roles.Contains(role);

    public static Participant Start(ParticipantRegistered e) =>
        new(e.ParticipantId, e.DisplayName, e.LegalName, e.Roles, e.Jurisdiction.Canonical(),
            e.CriticalInformationInfrastructureOperator, e.RegisteredAt, e.RegisteredAt, []);

    public Participant When(ApiTokenIssued e) =>
        this with { Tokens = [.. Tokens, new ParticipantToken(e.TokenId, e.Label, e.IssuedAt, null)], UpdatedAt = e.IssuedAt };

    public Participant When(ApiTokenRevoked e) =>
        this with
        {
            Tokens = [.. Tokens.Select(t => t.TokenId == e.TokenId ? t with { RevokedAt = e.RevokedAt } : t)],
            UpdatedAt = e.RevokedAt,
        };
}

public static class ParticipantEvolution
{
    public static readonly Type[] EventTypes = [typeof(ParticipantRegistered), typeof(ApiTokenIssued), typeof(ApiTokenRevoked)];

    /// <summary>Applies any participant event; the one place that knows every event type.</summary>
    public static Participant Evolve(Participant? state, object e) => (state, e) switch
    {
        (null, ParticipantRegistered registered) => Participant.Start(registered),
        (not null, ApiTokenIssued x) => state.When(x),
        (not null, ApiTokenRevoked x) => state.When(x),
        _ => throw new InvalidOperationException($"Event {e.GetType().Name} cannot apply to participant {state?.Id.ToString() ?? "none"}."),
    };
}
