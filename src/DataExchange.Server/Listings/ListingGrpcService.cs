using System.Text.Json;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Server.Auth;
using DataExchange.Server.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Marten;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Listings;

public sealed class ListingGrpcService(IDocumentStore store, AggregateCommands commands)
    : V1.ListingService.ListingServiceBase
{
    public override Task<V1.Listing> CreateListing(V1.CreateListingRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        ListingValidation.Content(v, request.Listing);
        if (request.Listing is not null)
        {
            v.Check(string.IsNullOrEmpty(request.Listing.Name), "listing.name", "is assigned by the service");
            var vendor = ResourceNames.Optional(v, request.Listing.Vendor, "participants", "listing.vendor");
            v.Check(vendor == Guid.Empty || vendor == context.Caller().ParticipantId, "listing.vendor",
                "must be empty or the calling vendor");
        }

        v.ThrowIfInvalid();
        var caller = context.Caller();
        var listingId = Guid.CreateVersion7();
        return commands.StartAsync<Listing, V1.Listing>(caller, nameof(CreateListing), request.RequestId, request, listingId,
            (actor, now) => ListingDecider.Decide(new DraftListing(listingId, request.Listing!.ToContent()), actor, now),
            listing => listing.ToProto(), context.CancellationToken);
    }

    public override Task<V1.Listing> UpdateListing(V1.UpdateListingRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        var paths = request.UpdateMask?.Paths.ToList() ?? [];
        v.Check(paths.Count <= ListingValidation.UpdatablePaths.Length, "update_mask",
            $"must name at most {ListingValidation.UpdatablePaths.Length} paths");
        foreach (var path in paths.Take(ListingValidation.UpdatablePaths.Length + 1))
        {
            v.Check(ListingValidation.UpdatablePaths.Contains(path), "update_mask",
                $"'{ErrorBounds.Echo(path)}' cannot be updated; allowed: {string.Join(", ", ListingValidation.UpdatablePaths)}");
        }

        var id = Guid.Empty;
        long? etag = null;
        if (request.Listing is null)
        {
            v.Check(false, "listing", "is required");
        }
        else
        {
            id = ResourceNames.Require(v, request.Listing.Name, "listings", "listing.name");
            etag = ResourceNames.ParseEtag(v, request.Listing.Etag, "listing.etag");
            ValidateMasked(v, request.Listing, paths);
            ListingValidation.OutputOnly(v, request.Listing);
        }

        v.ThrowIfInvalid();
        RequireRoleFor(context.Caller(), nameof(UpdateListing));
        return Change(context, nameof(UpdateListing), request.RequestId, request, id, etag, (listing, actor, now) =>
        {
            var content = Merge(listing.Content, request.Listing!, paths);
            return ListingDecider.Decide(listing, new ReviseListing(content), actor, now);
        });
    }

    public override Task<V1.Listing> SubmitListing(V1.SubmitListingRequest request, ServerCallContext context) =>
        SimpleChange(context, nameof(SubmitListing), request, request.Name, request.Etag, request.RequestId, null,
            (listing, actor, now) => ListingDecider.DecideSubmit(listing, actor, now));

    public override Task<V1.Listing> ReviewListing(V1.ReviewListingRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Enum(request.Decision, "decision")
            .Text(request.Reason, "reason", 1000, required: request.Decision is V1.ReviewDecision.Return or V1.ReviewDecision.Reject)
            .Check(request.Evidence.Count <= 20, "evidence", "must hold at most 20 references");
        for (var i = 0; i < Math.Min(request.Evidence.Count, 20); i++)
        {
            v.Text(request.Evidence[i], $"evidence[{i}]", 200);
        }

        return SimpleChange(context, nameof(ReviewListing), request, request.Name, request.Etag, request.RequestId, v,
            (listing, actor, now) => ListingDecider.Decide(listing,
                new Domain.Listings.ReviewListing((ReviewDecision)request.Decision, request.Reason, [.. request.Evidence], request.ApproveCoreData), actor, now));
    }

    public override Task<V1.Listing> PublishListing(V1.PublishListingRequest request, ServerCallContext context) =>
        SimpleChange(context, nameof(PublishListing), request, request.Name, request.Etag, request.RequestId, null,
            (listing, actor, now) => ListingDecider.DecidePublish(listing, actor, now));

    public override Task<V1.Listing> SuspendListing(V1.SuspendListingRequest request, ServerCallContext context) =>
        SimpleChange(context, nameof(SuspendListing), request, request.Name, request.Etag, request.RequestId,
            new RequestValidator().Text(request.Reason, "reason", 1000),
            (listing, actor, now) => ListingDecider.DecideSuspend(listing, request.Reason, actor, now));

    public override Task<V1.Listing> ResumeListing(V1.ResumeListingRequest request, ServerCallContext context) =>
        SimpleChange(context, nameof(ResumeListing), request, request.Name, request.Etag, request.RequestId,
            new RequestValidator().Text(request.Reason, "reason", 1000),
            (listing, actor, now) => ListingDecider.DecideResume(listing, request.Reason, actor, now));

    public override Task<V1.Listing> DelistListing(V1.DelistListingRequest request, ServerCallContext context) =>
        SimpleChange(context, nameof(DelistListing), request, request.Name, request.Etag, request.RequestId,
            new RequestValidator().Text(request.Reason, "reason", 1000),
            (listing, actor, now) => ListingDecider.DecideDelist(listing, request.Reason, actor, now));

    public override Task<V1.Listing> ReclassifyListing(V1.ReclassifyListingRequest request, ServerCallContext context)
    {
        RequireRoleFor(context.Caller(), nameof(ReclassifyListing));
        var v = new RequestValidator().RequestId(request.RequestId).Enum(request.DataLevel, "data_level");
        var effectiveOn = Dates.Parse(v, request.EffectiveDate, "effective_date");
        v.Text(request.Reference, "reference", DatedFacts.MaxReferenceLength);
        var id = ResourceNames.Require(v, request.Name, "listings", "name");
        var etag = ResourceNames.ParseEtag(v, request.Etag);
        v.ThrowIfInvalid();
        var command = new Domain.Listings.ReclassifyListing((DataLevel)request.DataLevel, effectiveOn!.Value, request.Reference);
        return ChangeMany(context, nameof(ReclassifyListing), request.RequestId, request, id, etag,
            (listing, actor, now) => ListingDecider.DecideReclassify(listing, command, actor, now));
    }

    public override async Task<V1.Listing> GetListing(V1.GetListingRequest request, ServerCallContext context)
    {
        var v = new RequestValidator();
        var id = ResourceNames.Require(v, request.Name, "listings", "name");
        v.ThrowIfInvalid();
        await using var session = store.QuerySession();
        var listing = await LoadVisibleAsync(session, id, request.Name, context);
        return listing.ToProto();
    }

    public override async Task<V1.ListListingsResponse> ListListings(V1.ListListingsRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().PageSize(request.PageSize).Text(request.TitleContains, "title_contains", 200, required: false);
        var vendor = ResourceNames.Optional(v, request.Vendor, "participants", "vendor");
        if (request.State != V1.ListingState.Unspecified)
        {
            v.Enum(request.State, "state");
        }

        if (request.Sector != V1.Sector.Unspecified)
        {
            v.Enum(request.Sector, "sector");
        }

        if (request.Region != V1.Region.Unspecified)
        {
            v.Enum(request.Region, "region");
        }

        v.ThrowIfInvalid();
        var fingerprint = Paging.Fingerprint(request.Vendor, request.State, request.Sector, request.Region, request.TitleContains);
        var caller = context.Caller();

        await using var session = store.QuerySession();
        IQueryable<Listing> query = session.Query<Listing>();
        if (!caller.IsPrivileged)
        {
            // Drafts and products under review are visible only to their vendor and the exchange's staff.
            var self = caller.ParticipantId;
            query = query.Where(x => x.VendorId == self || x.State == ListingState.Listed
                || x.State == ListingState.Suspended || x.State == ListingState.Delisted);
        }

        if (vendor != Guid.Empty)
        {
            query = query.Where(x => x.VendorId == vendor);
        }

        if (request.State != V1.ListingState.Unspecified)
        {
            var state = (ListingState)request.State;
            query = query.Where(x => x.State == state);
        }

        if (request.Sector != V1.Sector.Unspecified)
        {
            var sector = (Sector)request.Sector;
            query = query.Where(x => x.Content.Sector == sector);
        }

        if (request.Region != V1.Region.Unspecified)
        {
            var region = (Region)request.Region;
            query = query.Where(x => x.Content.Declaration.Location.Region == region);
        }

        if (!string.IsNullOrEmpty(request.TitleContains))
        {
            var text = request.TitleContains;
            query = query.Where(x => x.Content.Title.Contains(text, StringComparison.OrdinalIgnoreCase));
        }
        var (page, next) = await Paging.PageAsync(query, x => x.Id, request.PageToken, request.PageSize, fingerprint, context.CancellationToken);
        return new V1.ListListingsResponse { Listings = { page.Select(x => x.ToProto()) }, NextPageToken = next };
    }

    public override async Task<V1.ListListingHistoryResponse> ListListingHistory(V1.ListListingHistoryRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().PageSize(request.PageSize);
        var id = ResourceNames.Require(v, request.Name, "listings", "name");
        v.ThrowIfInvalid();
        var fingerprint = Paging.Fingerprint(request.Name);
        var after = Paging.AfterPosition(request.PageToken, fingerprint) ?? 0;
        var size = Paging.Size(request.PageSize);

        await using var session = store.QuerySession();
        await LoadVisibleAsync(session, id, request.Name, context);
        var events = await session.Events.FetchStreamAsync(id, token: context.CancellationToken);
        var page = events.Where(e => e.Version > after).Take(size + 1).ToList();
        var response = new V1.ListListingHistoryResponse();
        foreach (var e in page.Take(size))
        {
            var json = JsonSerializer.Serialize(e.Data, e.EventType);
            using var doc = JsonDocument.Parse(json);
            response.Events.Add(new V1.ListingEvent
            {
                Version = e.Version,
                EventType = e.EventType.Name,
                Time = e.Timestamp.ToTimestamp(),
                Actor = doc.RootElement.TryGetProperty("By", out var by) ? ResourceNames.Participant(by.GetGuid()) : "",
                DataJson = json,
            });
        }

        if (page.Count > size)
        {
            response.NextPageToken = Paging.NextToken(page[size - 1].Version, fingerprint);
        }

        return response;
    }

    private static async Task<Listing> LoadVisibleAsync(IQuerySession session, Guid id, string name, ServerCallContext context)
    {
        var listing = await session.LoadAsync<Listing>(id, context.CancellationToken);
        var caller = context.Caller();
        // Not-yet-public listings of other vendors answer NOT_FOUND, so their existence does not leak.
        if (listing is null || !(listing.IsPublic || caller.IsPrivileged || listing.VendorId == caller.ParticipantId))
        {
            throw ResourceNames.NotFound("Listing", name);
        }

        return listing;
    }

    private Task<V1.Listing> SimpleChange(ServerCallContext context, string method, IMessage request, string name, string etagText,
        string requestId, RequestValidator? validator, Func<Listing, Actor, DateTimeOffset, object> decide)
    {
        RequireRoleFor(context.Caller(), method);
        var v = (validator ?? new RequestValidator()).RequestId(requestId);
        var id = ResourceNames.Require(v, name, "listings", "name");
        var etag = ResourceNames.ParseEtag(v, etagText);
        v.ThrowIfInvalid();
        return Change(context, method, requestId, request, id, etag, decide);
    }

    private Task<V1.Listing> Change(ServerCallContext context, string method, string requestId, IMessage request, Guid id, long? etag,
        Func<Listing, Actor, DateTimeOffset, object> decide) =>
        ChangeMany(context, method, requestId, request, id, etag, (listing, actor, now) => [decide(listing, actor, now)]);

    private Task<V1.Listing> ChangeMany(ServerCallContext context, string method, string requestId, IMessage request, Guid id, long? etag,
        Func<Listing, Actor, DateTimeOffset, IReadOnlyList<object>> decide)
    {
        var caller = context.Caller();
        var target = new StreamTarget<Listing>(id, etag, "Listing", ResourceNames.Listing(id),
            listing => listing.IsPublic || caller.IsPrivileged || listing.VendorId == caller.ParticipantId);
        return commands.ChangeAsync(caller, method, requestId, request, target, decide, listing => listing.ToProto(), context.CancellationToken);
    }

    /// <summary>
    /// The role gate comes before any lookup, so a caller whose role may never do this gets PERMISSION_DENIED;
    /// ownership is checked afterwards by the decider (and unpublished listings of others stay NOT_FOUND).
    /// </summary>
    private static void RequireRoleFor(Caller caller, string method)
    {
        var (roles, reason) = method switch
        {
            nameof(ReviewListing) or nameof(SuspendListing) or nameof(ResumeListing) or nameof(ReclassifyListing) =>
                (new[] { Role.ComplianceOfficer }, "COMPLIANCE_ROLE_REQUIRED"),
            nameof(DelistListing) => ([Role.Vendor, Role.ComplianceOfficer], "LISTING_OWNER_OR_COMPLIANCE_REQUIRED"),
            _ => ([Role.Vendor], "VENDOR_ROLE_REQUIRED"),
        };
        if (!roles.Any(caller.Has))
        {
            throw DomainException.Denied(reason, $"{method} needs the role {string.Join(" or ", roles)}.");
        }
    }

    private static void ValidateMasked(RequestValidator v, V1.Listing listing, List<string> paths)
    {
        bool Has(string path) => paths.Count == 0 || paths.Contains(path);
        if (Has("title")) v.Text(listing.Title, "listing.title", 200);
        if (Has("description")) v.Text(listing.Description, "listing.description", 4000);
        if (Has("sector")) v.Enum(listing.Sector, "listing.sector");
        if (Has("delivery_method")) v.Enum(listing.DeliveryMethod, "listing.delivery_method");
        if (Has("price")) v.Money(listing.Price, "listing.price", allowZero: true);
        if (Has("declaration")) ListingValidation.Declaration(v, listing.Declaration, "listing.declaration");
        if (Has("licence")) ListingValidation.Licence(v, listing.Licence, "listing.licence");
    }

    private static ListingContent Merge(ListingContent current, V1.Listing update, List<string> paths)
    {
        bool Has(string path) => paths.Count == 0 || paths.Contains(path);
        return new ListingContent(
            Has("title") ? update.Title : current.Title,
            Has("description") ? update.Description : current.Description,
            Has("sector") ? (Sector)update.Sector : current.Sector,
            Has("declaration") ? update.Declaration.ToDomain() : current.Declaration,
            Has("delivery_method") ? (DeliveryMethod)update.DeliveryMethod : current.DeliveryMethod,
            Has("price") ? update.Price.ToDomain() : current.Price,
            Has("licence") ? update.Licence.ToDomain() : current.Licence);
    }
}
