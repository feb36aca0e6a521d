namespace DataExchange.Domain.Listings;

public sealed record ListingDrafted(Guid ListingId, Guid VendorId, ListingContent Content, Guid By, DateTimeOffset At);

/// <summary>A new revision of the product. <see cref="ReviewRequired"/>: the declaration changed after registration.</summary>
public sealed record ListingRevised(Guid ListingId, int Revision, ListingContent Content, bool ReviewRequired, Guid By, DateTimeOffset At);

public sealed record ListingSubmitted(Guid ListingId, int Revision, Guid By, DateTimeOffset At);

/// <summary><see cref="CoreDataApproved"/>: compliance's explicit decision to list core data for domestic trade (absent before it existed).</summary>
public sealed record ListingApproved(Guid ListingId, string RegistrationNumber, string Reason, IReadOnlyList<string> Evidence, Guid By, DateTimeOffset At,
    bool CoreDataApproved = false);

public sealed record ListingReturned(Guid ListingId, string Reason, IReadOnlyList<string> Evidence, Guid By, DateTimeOffset At);

public sealed record ListingRejected(Guid ListingId, string Reason, IReadOnlyList<string> Evidence, Guid By, DateTimeOffset At);

public sealed record ListingPublished(Guid ListingId, Guid By, DateTimeOffset At);

public sealed record ListingSuspended(Guid ListingId, string Reason, Guid By, DateTimeOffset At);

public sealed record ListingResumed(Guid ListingId, string Reason, Guid By, DateTimeOffset At);

public sealed record ListingDelisted(Guid ListingId, string Reason, Guid By, DateTimeOffset At);

/// <summary>An exclusive licence sold on this listing for a territory: no other trade there until it ends.</summary>
public sealed record ExclusiveLicenceGranted(Guid ListingId, Guid TradeId, Territory Territory, DateOnly From, DateOnly Until, DateTimeOffset At);

/// <summary>The exclusive licence ended early (its trade was cancelled or refunded).</summary>
public sealed record ExclusiveLicenceReleased(Guid ListingId, Guid TradeId, string Reason, DateTimeOffset At);

/// <summary>
/// An authority's notice classifies the product's data at <see cref="Level"/> from <see cref="EffectiveOn"/> on
/// (important data is data notified or published as important; core data never trades); <see cref="Reference"/> is the
/// notice's number. The vendor's declaration stays as declared.
/// </summary>
public sealed record ListingDataLevelReclassified(Guid ListingId, DataLevel Level, DateOnly EffectiveOn, string Reference, Guid By, DateTimeOffset At);
