using DataExchange.Domain.Listings;
using DataExchange.Server.Infrastructure;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Listings;

public static class ListingMapping
{
    public static V1.Listing ToProto(this Listing l) => new()
    {
        Name = ResourceNames.Listing(l.Id),
        Vendor = ResourceNames.Participant(l.VendorId),
        Title = l.Content.Title,
        Description = l.Content.Description,
        Sector = (V1.Sector)l.Content.Sector,
        Declaration = l.Content.Declaration.ToProto(),
        DeliveryMethod = (V1.DeliveryMethod)l.Content.DeliveryMethod,
        Price = l.Content.Price.ToProto(),
        Licence = l.Content.Licence.ToProto(),
        State = (V1.ListingState)l.State,
        Revision = l.Revision,
        Etag = l.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RegistrationNumber = l.RegistrationNumber ?? "",
        CreateTime = l.CreatedAt.ToTimestamp(),
        UpdateTime = l.UpdatedAt.ToTimestamp(),
        DataLevel = (V1.DataLevel)l.LatestDataLevel(),
        DataLevelHistory = { l.DataLevelHistory.Select(c => c.ToProto()) },
        CoreDataApproved = l.CoreDataApproved,
    };

    public static V1.DataLevelClassification ToProto(this DataLevelClassification c) => new()
    {
        DataLevel = (V1.DataLevel)c.Level,
        EffectiveDate = Dates.ToProto(c.EffectiveOn),
        Reference = c.Reference,
        RecordedBy = ResourceNames.Participant(c.By),
        CreateTime = c.At.ToTimestamp(),
    };

    public static V1.DataDeclaration ToProto(this DataDeclaration d) => new()
    {
        DataLevel = (V1.DataLevel)d.Level,
        ContainsPersonalInformation = d.ContainsPersonalInformation,
        Individuals = d.Individuals,
        SensitiveIndividuals = d.SensitiveIndividuals,
        Location = d.Location.ToProto(),
        Categories = { d.Categories },
    };

    public static V1.LicenceTerms ToProto(this LicenceTerms t) => new()
    {
        Purpose = t.Purpose,
        TermDays = t.TermDays,
        Exclusive = t.Exclusive,
        OnwardTransferAllowed = t.OnwardTransferAllowed,
        Territory = (V1.Territory)t.Territory,
    };

    public static LicenceTerms ToDomain(this V1.LicenceTerms t) =>
        new(t.Purpose, t.TermDays, t.Exclusive, t.OnwardTransferAllowed, (Territory)t.Territory);

    public static DataDeclaration ToDomain(this V1.DataDeclaration d) =>
        new((DataLevel)d.DataLevel, d.ContainsPersonalInformation, d.Individuals, d.SensitiveIndividuals,
            d.Location.ToDomain(), [.. d.Categories]);

    public static ListingContent ToContent(this V1.Listing l) =>
        new(l.Title, l.Description, (Sector)l.Sector, l.Declaration.ToDomain(), (DeliveryMethod)l.DeliveryMethod,
            l.Price.ToDomain(), l.Licence.ToDomain());
}
