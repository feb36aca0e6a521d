using DataExchange.Domain.Common;

namespace DataExchange.Domain.Listings;

public enum ListingState
{
    Draft = 1,
    Submitted = 2,
    Returned = 3,
    Rejected = 4,
    Registered = 5,
    Listed = 6,
    Suspended = 7,
    Delisted = 8,
}

public enum Sector
{
    Finance = 1,
    Transport = 2,
    Healthcare = 3,
    Geospatial = 4,
    Ecommerce = 5,
    Manufacturing = 6,
    Energy = 7,
    AiTraining = 8,
    PublicData = 9,
    Other = 10,
}

/// <summary>Data level under GB/T 43697-2024.</summary>
public enum DataLevel
{
    General = 1,
    Important = 2,
    Core = 3,
}

public enum DeliveryMethod
{
    Api = 1,
    File = 2,
    PrivacyPreservingComputation = 3,
}

public enum Territory
{
    MainlandChina = 1,
    GreaterBayArea = 2,
    HongKong = 3,
    Macao = 4,
    Global = 5,
}

public sealed record LicenceTerms(string Purpose, int TermDays, bool Exclusive, bool OnwardTransferAllowed, Territory Territory);

/// <summary>What the compliance checks rely on; changing it on a registered product needs a new review.</summary>
public sealed record DataDeclaration(
    DataLevel Level,
    bool ContainsPersonalInformation,
    long Individuals,
    long SensitiveIndividuals,
    Jurisdiction Location,
    IReadOnlyList<string> Categories)
{
    public bool SameAs(DataDeclaration other) =>
        Level == other.Level && ContainsPersonalInformation == other.ContainsPersonalInformation
        && Individuals == other.Individuals && SensitiveIndividuals == other.SensitiveIndividuals
        && Location == other.Location && Categories.SequenceEqual(other.Categories);
}

/// <summary>Everything a vendor declares about a product; one revision of it.</summary>
public sealed record ListingContent(
    string Title,
    string Description,
    Sector Sector,
    DataDeclaration Declaration,
    DeliveryMethod DeliveryMethod,
    Money Price,
    LicenceTerms Licence);
