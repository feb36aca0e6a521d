using DataExchange.Domain.Common;

namespace DataExchange.Domain.Participants;

public sealed record ParticipantToken(Guid TokenId, string Label, DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt);

/// <summary>One change of the CIIO designation: <see cref="Designated"/> from <see cref="EffectiveOn"/> on.</summary>
public sealed record CiioDesignation(bool Designated, DateOnly EffectiveOn, string Reference, Guid By, DateTimeOffset At);

/// <summary>
/// A market entity (市场主体), rebuilt from its stream. <see cref="CriticalInformationInfrastructureOperator"/> is the
/// latest status: the registration's, or the one the latest-dated designation change leads to (which may take effect
/// ahead). Decisions read the status in force on their own date (<see cref="IsCiioOn"/>).
/// </summary>
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

    /// <summary>The status at registration, in force from the beginning of time until the first designation change.</summary>
    public bool CiioAtRegistration { get; init; }

    /// <summary>The designation changes in the order recorded (not necessarily of their effective dates).</summary>
    public IReadOnlyList<CiioDesignation> CiioDesignations { get; init; } = [];

    /// <summary>Whether the participant was a designated CIIO on <paramref name="date"/>.</summary>
    public bool IsCiioOn(DateOnly date) =>
        DatedFacts.InForceOn(CiioDesignations, d => d.EffectiveOn, d => d.Designated, date, StatusBeforeDesignations);

    // A snapshot stored before designations existed has no registration status of its own: its flag is that status.
    private bool StatusBeforeDesignations => CiioDesignations.Count == 0 ? CriticalInformationInfrastructureOperator : CiioAtRegistration;

    public static Participant Start(ParticipantRegistered e) =>
        new(e.ParticipantId, e.DisplayName, e.LegalName, e.Roles, e.Jurisdiction.Canonical(),
            e.CriticalInformationInfrastructureOperator, e.RegisteredAt, e.RegisteredAt, [])
        {
            CiioAtRegistration = e.CriticalInformationInfrastructureOperator,
        };

    public Participant When(ParticipantCiioDesignationChanged e)
    {
        var atRegistration = StatusBeforeDesignations;
        var designations = (IReadOnlyList<CiioDesignation>)[.. CiioDesignations, new CiioDesignation(e.Designated, e.EffectiveOn, e.Reference, e.By, e.At)];
        return this with
        {
            CiioAtRegistration = atRegistration,
            CiioDesignations = designations,
            CriticalInformationInfrastructureOperator = DatedFacts.InForceOn(designations, d => d.EffectiveOn, d => d.Designated, DateOnly.MaxValue, atRegistration),
            UpdatedAt = e.At,
        };
    }

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
    public static readonly Type[] EventTypes = [typeof(ParticipantRegistered), typeof(ApiTokenIssued), typeof(ApiTokenRevoked), typeof(ParticipantCiioDesignationChanged)];

    /// <summary>Applies any participant event; the one place that knows every event type.</summary>
    public static Participant Evolve(Participant? state, object e) => (state, e) switch
    {
        (null, ParticipantRegistered registered) => Participant.Start(registered),
        (not null, ApiTokenIssued x) => state.When(x),
        (not null, ApiTokenRevoked x) => state.When(x),
        (not null, ParticipantCiioDesignationChanged x) => state.When(x),
        _ => throw new InvalidOperationException($"Event {e.GetType().Name} cannot apply to participant {state?.Id.ToString() ?? "none"}."),
    };
}
