using DataExchange.Domain.Common;

namespace DataExchange.Domain.Listings;

public sealed record DraftListing(Guid ListingId, ListingContent Content);

public sealed record ReviseListing(ListingContent Content);

public enum ReviewDecision
{
    Approve = 1,
    Return = 2,
    Reject = 3,
}

/// <summary><paramref name="ApproveCoreData"/>: the explicit decision that lets a core-data product be listed for domestic trade.</summary>
public sealed record ReviewListing(ReviewDecision Decision, string Reason, IReadOnlyList<string> Evidence, bool ApproveCoreData = false);

/// <summary>An authority's notice: the product's data is at <paramref name="Level"/> from <paramref name="EffectiveOn"/> on.</summary>
public sealed record ReclassifyListing(DataLevel Level, DateOnly EffectiveOn, string Reference);

/// <summary>
/// The listing lifecycle as pure functions: 草稿 draft → 登记申请 submitted → 已登记 registered (or 退回修改 returned,
/// 驳回 rejected) → 已挂牌 listed ⇄ 暂停交易 suspended → 下架 delisted. Each returns the event to append or throws.
/// </summary>
public static class ListingDecider
{
    public static ListingDrafted Decide(DraftListing command, Actor actor, DateTimeOffset now)
    {
        RequireRole(actor, Role.Vendor, "VENDOR_ROLE_REQUIRED", "Only vendors register data products.");
        return new ListingDrafted(command.ListingId, actor.ParticipantId, command.Content, actor.ParticipantId, now);
    }

    public static ListingRevised Decide(Listing listing, ReviseListing command, Actor actor, DateTimeOffset now)
    {
        RequireOwner(listing, actor);
        RequireState(listing, "update",
            ListingState.Draft, ListingState.Returned, ListingState.Registered, ListingState.Listed, ListingState.Suspended);
        // Registration vouched for the old declaration; a changed one must be reviewed again before it trades.
        var registered = listing.State is ListingState.Registered or ListingState.Listed or ListingState.Suspended;
        var reviewRequired = registered && !listing.Content.Declaration.SameAs(command.Content.Declaration);
        return new ListingRevised(listing.Id, listing.Revision + 1, command.Content, reviewRequired, actor.ParticipantId, now);
    }

    public static ListingSubmitted DecideSubmit(Listing listing, Actor actor, DateTimeOffset now)
    {
        RequireOwner(listing, actor);
        RequireState(listing, "submit", ListingState.Draft, ListingState.Returned);
        return new ListingSubmitted(listing.Id, listing.Revision, actor.ParticipantId, now);
    }

    public static object Decide(Listing listing, ReviewListing command, Actor actor, DateTimeOffset now)
    {
        RequireRole(actor, Role.ComplianceOfficer, "COMPLIANCE_ROLE_REQUIRED", "Only compliance officers review listings.");
        RequireState(listing, "review", ListingState.Submitted);
        if (command.Decision != ReviewDecision.Approve && string.IsNullOrWhiteSpace(command.Reason))
        {
            throw new DomainException(ErrorKind.InvalidArgument, "REVIEW_REASON_REQUIRED",
                "Returning or rejecting a listing needs a reason the vendor can act on.",
                new Dictionary<string, string> { ["field"] = "reason" });
        }

        var core = listing.IsCoreDataFrom(RegionMapping.ChinaDate(now));
        if (command.Decision == ReviewDecision.Approve && core)
        {
            if (!command.ApproveCoreData)
            {
                RequireNotCore(listing, "approved without a compliance officer's explicit decision (approve_core_data)", now);
            }

            if (string.IsNullOrWhiteSpace(command.Reason))
            {
                throw new DomainException(ErrorKind.InvalidArgument, "REVIEW_REASON_REQUIRED",
                    "Approving core data for domestic trade is an explicit decision: give its grounds as the reason.",
                    new Dictionary<string, string> { ["field"] = "reason" });
            }
        }

        return command.Decision switch
        {
            ReviewDecision.Approve => new ListingApproved(listing.Id, RegistrationNumber(listing, now), command.Reason,
                command.Evidence, actor.ParticipantId, now, CoreDataApproved: core && command.ApproveCoreData),
            ReviewDecision.Return => new ListingReturned(listing.Id, command.Reason, command.Evidence, actor.ParticipantId, now),
            ReviewDecision.Reject => new ListingRejected(listing.Id, command.Reason, command.Evidence, actor.ParticipantId, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.Decision, "Unknown review decision."),
        };
    }

    public static ListingPublished DecidePublish(Listing listing, Actor actor, DateTimeOffset now)
    {
        RequireOwner(listing, actor);
        RequireState(listing, "publish", ListingState.Registered);
        if (!listing.CoreDataApproved)
        {
            RequireNotCore(listing, "published", now);
        }
        return new ListingPublished(listing.Id, actor.ParticipantId, now);
    }

    public static ListingSuspended DecideSuspend(Listing listing, string reason, Actor actor, DateTimeOffset now)
    {
        RequireRole(actor, Role.ComplianceOfficer, "COMPLIANCE_ROLE_REQUIRED", "Only compliance officers suspend trading.");
        RequireState(listing, "suspend", ListingState.Listed);
        return new ListingSuspended(listing.Id, reason, actor.ParticipantId, now);
    }

    public static ListingResumed DecideResume(Listing listing, string reason, Actor actor, DateTimeOffset now)
    {
        RequireRole(actor, Role.ComplianceOfficer, "COMPLIANCE_ROLE_REQUIRED", "Only compliance officers resume trading.");
        RequireState(listing, "resume", ListingState.Suspended);
        if (!listing.CoreDataApproved)
        {
            RequireNotCore(listing, "resumed", now);
        }
        return new ListingResumed(listing.Id, reason, actor.ParticipantId, now);
    }

    public static ListingDelisted DecideDelist(Listing listing, string reason, Actor actor, DateTimeOffset now)
    {
        var owner = listing.VendorId == actor.ParticipantId && actor.Has(Role.Vendor);
        if (!owner && !actor.Has(Role.ComplianceOfficer))
        {
            throw DomainException.Denied("LISTING_OWNER_OR_COMPLIANCE_REQUIRED",
                "Only the owning vendor or compliance can delist a product.");
        }

        RequireState(listing, "delist", ListingState.Registered, ListingState.Listed, ListingState.Suspended);
        return new ListingDelisted(listing.Id, reason, actor.ParticipantId, now);
    }

    /// <summary>
    /// Records an authority's classification of the product's data from a date on, in any state (filed trades may
    /// still be dated on it). Compliance only. A listed product whose data is core from today on is also suspended
    /// (暂停交易): core data (核心数据) does not trade; a later-dated one trades until that date, and the trade
    /// decision refuses every trade dated from then on.
    /// </summary>
    public static IReadOnlyList<object> DecideReclassify(Listing listing, ReclassifyListing command, Actor actor, DateTimeOffset now)
    {
        RequireRole(actor, Role.ComplianceOfficer, "COMPLIANCE_ROLE_REQUIRED", "Only compliance officers reclassify a product's data.");
        var today = RegionMapping.ChinaDate(now);
        DatedFacts.Check(command.EffectiveOn, command.Reference, today);
        if (listing.DataLevelOn(command.EffectiveOn) == command.Level)
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "DATA_LEVEL_UNCHANGED",
                $"The product's data is already {LevelName(command.Level)} on {DatedFacts.Format(command.EffectiveOn)}; the reclassification would change nothing.",
                new Dictionary<string, string>
                {
                    ["data_level"] = LevelName(command.Level),
                    ["effective_date"] = DatedFacts.Format(command.EffectiveOn),
                });
        }

        var reclassified = new ListingDataLevelReclassified(listing.Id, command.Level, command.EffectiveOn, command.Reference, actor.ParticipantId, now);
        var after = listing.When(reclassified);
        return listing.State == ListingState.Listed && after.DataLevelOn(today) == DataLevel.Core && !listing.CoreDataApproved
            ? [reclassified, new ListingSuspended(listing.Id, $"Reclassified as core data (核心数据) from {DatedFacts.Format(command.EffectiveOn)}: {command.Reference}", actor.ParticipantId, now)]
            : [reclassified];
    }

    /// <summary>
    /// Core data (核心数据) may never be exported, and is offered for domestic trade only after a compliance officer's
    /// explicit decision (<see cref="ReviewListing.ApproveCoreData"/>): without it, it is not registered, published or resumed.
    /// </summary>
    private static void RequireNotCore(Listing listing, string action, DateTimeOffset now)
    {
        var today = RegionMapping.ChinaDate(now);
        if (listing.IsCoreDataFrom(today))
        {
            var metadata = new Dictionary<string, string> { ["data_level"] = LevelName(DataLevel.Core) };
            var when = "";
            if (listing.DataLevelOn(today) != DataLevel.Core)
            {
                var from = listing.DataLevelHistory.Where(c => c.EffectiveOn > today && listing.DataLevelOn(c.EffectiveOn) == DataLevel.Core).Min(c => c.EffectiveOn);
                metadata["effective_date"] = DatedFacts.Format(from);
                when = $" from {DatedFacts.Format(from)}";
            }

            throw new DomainException(ErrorKind.FailedPrecondition, "CORE_DATA_NOT_TRADABLE",
                $"The product's data is core data (核心数据){when}: it may not be exported and cannot be {action} for trade.", metadata);
        }
    }

    public static string LevelName(DataLevel level) => level switch
    {
        DataLevel.General => "GENERAL",
        DataLevel.Important => "IMPORTANT",
        DataLevel.Core => "CORE",
        _ => level.ToString().ToUpperInvariant(),
    };

    /// <summary>登记证书 number: the year and the random tail of the listing's UUIDv7, unique without a shared counter.</summary>
    private static string RegistrationNumber(Listing listing, DateTimeOffset now) =>
        $"DXR-{now.UtcDateTime.Year}-{listing.Id.ToString("N")[20..].ToUpperInvariant()}";

    private static void RequireOwner(Listing listing, Actor actor)
    {
        if (!actor.Has(Role.Vendor) || listing.VendorId != actor.ParticipantId)
        {
            throw DomainException.Denied("LISTING_OWNER_REQUIRED", "Only the vendor that owns this listing can change it.");
        }
    }

    private static void RequireRole(Actor actor, Role role, string reason, string message)
    {
        if (!actor.Has(role))
        {
            throw DomainException.Denied(reason, message);
        }
    }

    private static void RequireState(Listing listing, string action, params ListingState[] allowed)
    {
        if (!allowed.Contains(listing.State))
        {
            throw DomainException.InvalidTransition("listing", StateName(listing.State), action);
        }
    }

    public static string StateName(ListingState state) => state switch
    {
        ListingState.Draft => "DRAFT",
        ListingState.Submitted => "SUBMITTED",
        ListingState.Returned => "RETURNED",
        ListingState.Rejected => "REJECTED",
        ListingState.Registered => "REGISTERED",
        ListingState.Listed => "LISTED",
        ListingState.Suspended => "SUSPENDED",
        ListingState.Delisted => "DELISTED",
        _ => state.ToString().ToUpperInvariant(),
    };
}
