namespace DataExchange.Domain.Listings;

public sealed record ListingDrafted(Guid ListingId, Guid VendorId, ListingContent Content, Guid By, DateTimeOffset At);

/// <summary>A new revision of the product. <see cref="ReviewRequired"/>: the declaration changed after registration.</summary>
public sealed record ListingRevised(Guid ListingId, int Revision, ListingContent Content, bool ReviewRequired, Guid By, DateTimeOffset At);

public sealed record ListingSubmitted(Guid ListingId, int Revision, Guid By, DateTimeOffset At);

public sealed record ListingApproved(Guid ListingId, string RegistrationNumber, string Reason, IReadOnlyList<string> Evidence, Guid By, DateTimeOffset At);

public sealed record ListingReturned(Guid ListingId, string Reason, IReadOnlyList<string> Evidence, Guid By, DateTimeOffset At);

public sealed record ListingRejected(Guid ListingId, string Reason, IReadOnlyList<string> Evidence, Guid By, DateTimeOffset At);

public sealed record ListingPublished(Guid ListingId, Guid By, DateTimeOffset At);

public sealed record ListingSuspended(Guid ListingId, string Reason, Guid By, DateTimeOffset At);

public sealed record ListingResumed(Guid ListingId, string Reason, Guid By, DateTimeOffset At);

public sealed record ListingDelisted(Guid ListingId, string Reason, Guid By, DateTimeOffset At);
