using DataExchange.Domain.Common;

namespace DataExchange.Domain.Listings;

public sealed record ExclusiveGrant(Guid TradeId, Territory Territory, DateOnly From, DateOnly Until);

/// <summary>One reclassification of the product's data: <see cref="Level"/> from <see cref="EffectiveOn"/> on.</summary>
public sealed record DataLevelClassification(DataLevel Level, DateOnly EffectiveOn, string Reference, Guid By, DateTimeOffset At);

/// <summary>A data product (数据产品), rebuilt from its stream; also stored as its own read model.</summary>
public sealed record Listing(
    Guid Id,
    Guid VendorId,
    ListingContent Content,
    ListingState State,
    int Revision,
    string? RegistrationNumber,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IEventSourced<Listing>
{
    public long Version { get; set; }

    public static Listing Evolve(Listing? state, object e) => ListingEvolution.Evolve(state, e);

    public bool IsPublic => State is ListingState.Listed or ListingState.Suspended or ListingState.Delisted;

    public IReadOnlyList<ExclusiveGrant> ExclusiveGrants { get; init; } = [];

    /// <summary>The reclassifications in the order recorded (not necessarily of their effective dates).</summary>
    public IReadOnlyList<DataLevelClassification> DataLevelHistory { get; init; } = [];

    /// <summary>
    /// The data level on <paramref name="date"/>: the latest reclassification in force then, or the vendor's declaration
    /// (in force from the beginning of time until the first reclassification takes effect).
    /// </summary>
    public DataLevel DataLevelOn(DateOnly date) =>
        DatedFacts.InForceOn(DataLevelHistory, c => c.EffectiveOn, c => c.Level, date, Content.Declaration.Level);

    /// <summary>The latest level: the one the latest-dated reclassification leads to (it may take effect ahead), else the declaration's.</summary>
    public DataLevel LatestDataLevel() => DataLevelOn(DateOnly.MaxValue);

    /// <summary>Whether the data is core on <paramref name="date"/> or becomes core after it: such a product is not offered for trade.</summary>
    public bool IsCoreDataFrom(DateOnly date) =>
        DataLevelOn(date) == DataLevel.Core
        || DataLevelHistory.Any(c => c.EffectiveOn > date && DataLevelOn(c.EffectiveOn) == DataLevel.Core);

    public Listing When(ListingDataLevelReclassified e) =>
        this with
        {
            DataLevelHistory = [.. DataLevelHistory, new DataLevelClassification(e.Level, e.EffectiveOn, e.Reference, e.By, e.At)],
            UpdatedAt = e.At,
        };

    /// <summary>The exclusive licence that blocks a trade in <paramref name="territory"/> on <paramref name="date"/>, if any.</summary>
    public ExclusiveGrant? ExclusiveHolder(Territory territory, DateOnly date) =>
        ExclusiveGrants.FirstOrDefault(g => g.Territory == territory && g.From <= date && date <= g.Until);

    public Listing When(ExclusiveLicenceGranted e) =>
        this with { ExclusiveGrants = [.. ExclusiveGrants, new ExclusiveGrant(e.TradeId, e.Territory, e.From, e.Until)] };

    public Listing When(ExclusiveLicenceReleased e) =>
        this with { ExclusiveGrants = [.. ExclusiveGrants.Where(g => g.TradeId != e.TradeId)] };

    public static Listing Start(ListingDrafted e) =>
        new(e.ListingId, e.VendorId, e.Content, ListingState.Draft, 1, null, e.At, e.At);

    public Listing When(ListingRevised e) =>
        this with
        {
            CoreDataApproved = !e.ReviewRequired && CoreDataApproved,
            Content = e.Content,
            Revision = e.Revision,
            State = e.ReviewRequired ? ListingState.Submitted : State,
            UpdatedAt = e.At,
        };

    public Listing When(ListingSubmitted e) => this with { State = ListingState.Submitted, UpdatedAt = e.At };

    public Listing When(ListingApproved e) =>
        this with { State = ListingState.Registered, RegistrationNumber = e.RegistrationNumber, CoreDataApproved = e.CoreDataApproved, UpdatedAt = e.At };

    /// <summary>A compliance officer approved this core-data product for domestic trade; a new review clears it.</summary>
    public bool CoreDataApproved { get; init; }

    public Listing When(ListingReturned e) => this with { State = ListingState.Returned, UpdatedAt = e.At };

    public Listing When(ListingRejected e) => this with { State = ListingState.Rejected, UpdatedAt = e.At };

    public Listing When(ListingPublished e) => this with { State = ListingState.Listed, UpdatedAt = e.At };

    public Listing When(ListingSuspended e) => this with { State = ListingState.Suspended, UpdatedAt = e.At };

    public Listing When(ListingResumed e) => this with { State = ListingState.Listed, UpdatedAt = e.At };

    public Listing When(ListingDelisted e) => this with { State = ListingState.Delisted, UpdatedAt = e.At };
}

public static class ListingEvolution
{
    public static readonly Type[] EventTypes =
    [
        typeof(ListingDrafted), typeof(ListingRevised), typeof(ListingSubmitted), typeof(ListingApproved), typeof(ListingReturned),
        typeof(ListingRejected), typeof(ListingPublished), typeof(ListingSuspended), typeof(ListingResumed), typeof(ListingDelisted),
        typeof(ExclusiveLicenceGranted), typeof(ExclusiveLicenceReleased), typeof(ListingDataLevelReclassified),
    ];

    /// <summary>Applies any listing event; the one place that knows every event type.</summary>
    public static Listing Evolve(Listing? state, object e) => (state, e) switch
    {
        (null, ListingDrafted drafted) => Listing.Start(drafted),
        (not null, ListingRevised x) => state.When(x),
        (not null, ListingSubmitted x) => state.When(x),
        (not null, ListingApproved x) => state.When(x),
        (not null, ListingReturned x) => state.When(x),
        (not null, ListingRejected x) => state.When(x),
        (not null, ListingPublished x) => state.When(x),
        (not null, ListingSuspended x) => state.When(x),
        (not null, ListingResumed x) => state.When(x),
        (not null, ListingDelisted x) => state.When(x),
        (not null, ExclusiveLicenceGranted x) => state.When(x),
        (not null, ExclusiveLicenceReleased x) => state.When(x),
        (not null, ListingDataLevelReclassified x) => state.When(x),
        _ => throw new InvalidOperationException($"Event {e.GetType().Name} cannot apply to listing state {state?.State.ToString() ?? "none"}."),
    };
}
