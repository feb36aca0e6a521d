using DataExchange.Contracts.V1;

namespace DataExchange.Server.Tests.Listings;

public static class Samples
{
    public static Listing Listing(string title = "Shenzhen logistics ETA feed", long individuals = 150_000, bool exclusive = false) => new()
    {
        Title = title,
        Description = "Estimated arrival times of cross-border trucks at Shenzhen Bay port.",
        Sector = Sector.Transport,
        Declaration = new DataDeclaration
        {
            DataLevel = DataLevel.General,
            ContainsPersonalInformation = individuals > 0,
            Individuals = individuals,
            SensitiveIndividuals = 0,
            Location = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" },
            Categories = { "logistics-eta" },
        },
        DeliveryMethod = DeliveryMethod.Api,
        Price = new Money { CurrencyCode = "CNY", AmountMinor = 1_999_00 },
        Licence = new LicenceTerms
        {
            Purpose = "route planning", TermDays = 365, Exclusive = exclusive, OnwardTransferAllowed = false,
            Territory = Territory.GreaterBayArea,
        },
    };

    public static string Rid() => Guid.CreateVersion7().ToString();
}
