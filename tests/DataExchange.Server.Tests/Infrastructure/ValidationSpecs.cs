using DataExchange.Contracts.V1;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>Every field is validated: INVALID_ARGUMENT with a BadRequest naming the field, and nothing written.</summary>
public class ValidationSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    public static TheoryData<string, string> BadListings() => new()
    {
        { "empty-title", "listing.title" },
        { "long-title", "listing.title" },
        { "padded-title", "listing.title" },
        { "control-title", "listing.title" },
        { "empty-description", "listing.description" },
        { "no-sector", "listing.sector" },
        { "unknown-sector", "listing.sector" },
        { "no-delivery", "listing.delivery_method" },
        { "no-price", "listing.price" },
        { "negative-price", "listing.price.amount_minor" },
        { "absurd-price", "listing.price.amount_minor" },
        { "unknown-currency", "listing.price.currency_code" },
        { "lowercase-currency", "listing.price.currency_code" },
        { "no-declaration", "listing.declaration" },
        { "no-level", "listing.declaration.data_level" },
        { "negative-individuals", "listing.declaration.individuals" },
        { "sensitive-above-total", "listing.declaration.sensitive_individuals" },
        { "individuals-without-pi", "listing.declaration.individuals" },
        { "pi-without-individuals", "listing.declaration.individuals" },
        { "no-location", "listing.declaration.location" },
        { "mainland-without-city", "listing.declaration.location.city" },
        { "bad-category", "listing.declaration.categories[0]" },
        { "no-licence", "listing.licence" },
        { "no-purpose", "listing.licence.purpose" },
        { "zero-term", "listing.licence.term_days" },
        { "long-term", "listing.licence.term_days" },
        { "no-territory", "listing.licence.territory" },
        { "name-given", "listing.name" },
        { "other-vendor", "listing.vendor" },
        { "no-request-id", "request_id" },
        { "bad-request-id", "request_id" },
    };

    private static CreateListingRequest Broken(string kind)
    {
        var request = new CreateListingRequest { Listing = Listing(), RequestId = Rid() };
        var l = request.Listing;
        switch (kind)
        {
            case "empty-title": l.Title = ""; break;
            case "long-title": l.Title = new string('x', 201); break;
            case "padded-title": l.Title = " padded"; break;
            case "control-title": l.Title = "bell\a"; break;
            case "empty-description": l.Description = ""; break;
            case "no-sector": l.Sector = Sector.Unspecified; break;
            case "unknown-sector": l.Sector = (Sector)99; break;
            case "no-delivery": l.DeliveryMethod = DeliveryMethod.Unspecified; break;
            case "no-price": l.Price = null; break;
            case "negative-price": l.Price.AmountMinor = -1; break;
            case "absurd-price": l.Price.AmountMinor = long.MaxValue; break;
            case "unknown-currency": l.Price.CurrencyCode = "XYZ"; break;
            case "lowercase-currency": l.Price.CurrencyCode = "cny"; break;
            case "no-declaration": l.Declaration = null; break;
            case "no-level": l.Declaration.DataLevel = DataLevel.Unspecified; break;
            case "negative-individuals": l.Declaration.Individuals = -5; break;
            case "sensitive-above-total": l.Declaration.SensitiveIndividuals = l.Declaration.Individuals + 1; break;
            case "individuals-without-pi": l.Declaration.ContainsPersonalInformation = false; break;
            case "pi-without-individuals": l.Declaration.Individuals = 0; break;
            case "no-location": l.Declaration.Location = null; break;
            case "mainland-without-city": l.Declaration.Location.City = ""; break;
            case "bad-category": l.Declaration.Categories[0] = "Not A Slug!"; break;
            case "no-licence": l.Licence = null; break;
            case "no-purpose": l.Licence.Purpose = ""; break;
            case "zero-term": l.Licence.TermDays = 0; break;
            case "long-term": l.Licence.TermDays = 3651; break;
            case "no-territory": l.Licence.Territory = Territory.Unspecified; break;
            case "name-given": l.Name = "listings/" + Guid.CreateVersion7(); break;
            case "other-vendor": l.Vendor = "participants/" + Guid.CreateVersion7(); break;
            case "no-request-id": request.RequestId = ""; break;
            case "bad-request-id": request.RequestId = "has spaces in it"; break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }

        return request;
    }

    [Theory]
    [MemberData(nameof(BadListings))]
    public async Task A_bad_listing_field_is_invalid_argument_naming_it(string kind, string field)
    {
        var vendor = await server.NewParticipantAsync("Validating vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var before = await server.CountEventsAsync();
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => vendor.Clients.Listings.CreateListingAsync(Broken(kind)));
        Assert.Contains(field, status.Fields());
        Assert.Equal(before, await server.CountEventsAsync());
    }

    public static TheoryData<string, string> BadParticipants() => new()
    {
        { "no-display-name", "participant.display_name" },
        { "no-legal-name", "participant.legal_name" },
        { "no-roles", "participant.roles" },
        { "repeated-role", "participant.roles" },
        { "unspecified-role", "participant.roles[0]" },
        { "no-jurisdiction", "participant.jurisdiction" },
        { "unknown-region", "participant.jurisdiction.region" },
        { "mainland-no-city", "participant.jurisdiction.city" },
    };

    [Theory]
    [MemberData(nameof(BadParticipants))]
    public async Task A_bad_participant_field_is_invalid_argument_naming_it(string kind, string field)
    {
        var p = new Participant
        {
            DisplayName = "Pearl River Data", LegalName = "Pearl River Data Co.", Roles = { Role.Vendor },
            Jurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = "Guangzhou" },
        };
        switch (kind)
        {
            case "no-display-name": p.DisplayName = ""; break;
            case "no-legal-name": p.LegalName = ""; break;
            case "no-roles": p.Roles.Clear(); break;
            case "repeated-role": p.Roles.Add(Role.Vendor); break;
            case "unspecified-role": p.Roles[0] = Role.Unspecified; break;
            case "no-jurisdiction": p.Jurisdiction = null; break;
            case "unknown-region": p.Jurisdiction.Region = (Region)42; break;
            case "mainland-no-city": p.Jurisdiction.City = ""; break;
        }

        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => server.Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest { Participant = p, RequestId = Rid() }));
        Assert.Contains(field, status.Fields());
    }

    [Theory]
    [InlineData("")]
    [InlineData("listings/not-a-uuid")]
    [InlineData("participants/0190e4a4-0000-7000-8000-000000000000")]
    [InlineData("listings/00000000-0000-0000-0000-000000000000")]
    public async Task Malformed_names_are_invalid_argument(string name)
    {
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => server.Operator.Listings.GetListingAsync(new GetListingRequest { Name = name }));
        Assert.Contains("name", status.Fields());
    }

    [Fact]
    public async Task Unknown_resources_are_not_found()
    {
        await Errors.Expect(StatusCode.NotFound, "LISTING_NOT_FOUND",
            () => server.Operator.Listings.GetListingAsync(new GetListingRequest { Name = "listings/" + Guid.CreateVersion7() }));
        await Errors.Expect(StatusCode.NotFound, "PARTICIPANT_NOT_FOUND",
            () => server.Operator.Participants.GetParticipantAsync(new GetParticipantRequest { Name = "participants/" + Guid.CreateVersion7() }));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(201)]
    public async Task Page_sizes_out_of_range_are_invalid_argument(int size)
    {
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => server.Operator.Listings.ListListingsAsync(new ListListingsRequest { PageSize = size }));
        Assert.Contains("page_size", status.Fields());
    }

    [Fact]
    public async Task An_unknown_update_mask_path_is_invalid_argument()
    {
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => server.Operator.Listings.UpdateListingAsync(new UpdateListingRequest
            {
                Listing = new Listing { Name = "listings/" + Guid.CreateVersion7() },
                UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "state" } },
                RequestId = Rid(),
            }));
        Assert.Contains("update_mask", status.Fields());
    }
}
