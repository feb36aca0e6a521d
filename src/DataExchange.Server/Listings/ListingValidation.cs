using System.Text.RegularExpressions;
using DataExchange.Server.Infrastructure;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Listings;

public static partial class ListingValidation
{
    /// <summary>Upper bound on declared individuals: more than the world's population is a typo, not a product.</summary>
    public const long MaxIndividuals = 10_000_000_000;

    public static readonly string[] UpdatablePaths =
        ["title", "description", "sector", "declaration", "delivery_method", "price", "licence"];

    public static void Content(RequestValidator v, V1.Listing? listing, string prefix = "listing")
    {
        if (listing is null)
        {
            v.Check(false, prefix, "is required");
            return;
        }

        v.Text(listing.Title, $"{prefix}.title", 200)
            .Text(listing.Description, $"{prefix}.description", 4000)
            .Enum(listing.Sector, $"{prefix}.sector")
            .Enum(listing.DeliveryMethod, $"{prefix}.delivery_method")
            .Money(listing.Price, $"{prefix}.price", allowZero: true);
        Declaration(v, listing.Declaration, $"{prefix}.declaration");
        Licence(v, listing.Licence, $"{prefix}.licence");
        OutputOnly(v, listing, prefix);
    }

    /// <summary>Fields the service sets are ignored on input, but must still be well-formed.</summary>
    public static void OutputOnly(RequestValidator v, V1.Listing listing, string prefix = "listing") =>
        v.Timestamp(listing.CreateTime, $"{prefix}.create_time").Timestamp(listing.UpdateTime, $"{prefix}.update_time");

    public static void Declaration(RequestValidator v, V1.DataDeclaration? d, string prefix)
    {
        if (d is null)
        {
            v.Check(false, prefix, "is required");
            return;
        }

        v.Enum(d.DataLevel, $"{prefix}.data_level")
            .Check(d.Individuals is >= 0 and <= MaxIndividuals, $"{prefix}.individuals", $"must be between 0 and {MaxIndividuals}")
            .Check(d.SensitiveIndividuals >= 0 && d.SensitiveIndividuals <= d.Individuals, $"{prefix}.sensitive_individuals",
                "must be between 0 and individuals")
            .Check(d.ContainsPersonalInformation || d.Individuals == 0, $"{prefix}.individuals",
                "must be 0 unless contains_personal_information is set")
            .Check(!d.ContainsPersonalInformation || d.Individuals > 0, $"{prefix}.individuals",
                "must be positive when contains_personal_information is set")
            .Check(d.Categories.Count <= 20, $"{prefix}.categories", "must hold at most 20 categories")
            .Check(d.Categories.Distinct().Count() == d.Categories.Count, $"{prefix}.categories", "must not repeat a category");
        v.Jurisdiction(d.Location, $"{prefix}.location");
        for (var i = 0; i < Math.Min(d.Categories.Count, 20); i++)
        {
            v.Check(CategoryPattern().IsMatch(d.Categories[i]), $"{prefix}.categories[{i}]",
                "must be 1-64 characters of lower-case letters, digits and '-'");
        }
    }

    public static void Licence(RequestValidator v, V1.LicenceTerms? t, string prefix)
    {
        if (t is null)
        {
            v.Check(false, prefix, "is required");
            return;
        }

        v.Text(t.Purpose, $"{prefix}.purpose", 500)
            .Check(t.TermDays is >= 1 and <= 3650, $"{prefix}.term_days", "must be between 1 and 3650 days")
            .Enum(t.Territory, $"{prefix}.territory");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex CategoryPattern();
}
