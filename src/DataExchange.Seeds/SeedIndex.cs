using System.Security.Cryptography;
using System.Text;
using Engine = DataExchange.Compliance;

namespace DataExchange.Seeds;

/// <summary>Lookups by seed id and the mapping of seed records onto the compliance engine's inputs.</summary>
public sealed class SeedIndex
{
    public SeedIndex(SeedDataSet dataSet)
    {
        DataSet = dataSet;
        Participants = dataSet.Participants.ToDictionary(p => p.Id, StringComparer.Ordinal);
        Listings = dataSet.Listings.ToDictionary(l => l.Id, StringComparer.Ordinal);
        Approvals = dataSet.Approvals.ToDictionary(a => a.Id, StringComparer.Ordinal);
    }

    public SeedDataSet DataSet { get; }

    public IReadOnlyDictionary<string, SeedParticipant> Participants { get; }

    public IReadOnlyDictionary<string, SeedListing> Listings { get; }

    public IReadOnlyDictionary<string, SeedApproval> Approvals { get; }

    public SeedListing ListingOf(SeedTrade trade) => Listings[trade.Listing];

    public SeedParticipant VendorOf(SeedTrade trade) => Participants[ListingOf(trade).Vendor];

    public SeedParticipant BuyerOf(SeedTrade trade) => Participants[trade.Buyer];

    /// <summary>The engine's scope rule: data located in the mainland and a buyer outside it.</summary>
    public bool IsCrossBorder(SeedTrade trade) =>
        ListingOf(trade).Location.Region == SeedRegion.Mainland && BuyerOf(trade).Region != SeedRegion.Mainland;

    /// <summary>Filed and not cancelled: what the exchange's statistics count.</summary>
    public static bool CountsAsFiled(SeedTrade trade) => trade.Outcome == TradeOutcomes.Filed;

    /// <summary>A stable Guid per seed id, so engine inputs (and their explanations) are the same on every run.</summary>
    public static Guid StableGuid(string seedId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("dataexchange-seed:" + seedId));
        return new Guid(hash.AsSpan(0, 16));
    }

    public static Engine.Region ToEngine(SeedRegion region) => region switch
    {
        SeedRegion.Mainland => Engine.Region.MainlandChina,
        SeedRegion.HongKong => Engine.Region.HongKong,
        SeedRegion.Macao => Engine.Region.Macao,
        SeedRegion.Other => Engine.Region.Other,
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, null),
    };

    public static Engine.DataLevel ToEngine(SeedDataLevel level) => level switch
    {
        SeedDataLevel.General => Engine.DataLevel.General,
        SeedDataLevel.Important => Engine.DataLevel.Important,
        SeedDataLevel.Core => Engine.DataLevel.Core,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    public static Engine.ExportMechanism ToEngine(SeedApprovalKind kind) => kind switch
    {
        SeedApprovalKind.SecurityAssessment => Engine.ExportMechanism.SecurityAssessment,
        SeedApprovalKind.StandardContract => Engine.ExportMechanism.StandardContract,
        SeedApprovalKind.Certification => Engine.ExportMechanism.Certification,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The engine's free territory codes (see Compliance.LicenceTerms).</summary>
    public static string TerritoryCode(SeedTerritory territory) => territory switch
    {
        SeedTerritory.MainlandChina => "CN",
        SeedTerritory.GreaterBayArea => "GBA",
        SeedTerritory.HongKong => "HK",
        SeedTerritory.Macao => "MO",
        SeedTerritory.Global => "GLOBAL",
        _ => throw new ArgumentOutOfRangeException(nameof(territory), territory, null),
    };

    public static Engine.Party ToParty(SeedParticipant participant) =>
        new(StableGuid(participant.Id), ToEngine(participant.Region), participant.City, participant.Ciio);

    /// <summary>The listing's declaration as the engine sees it on <paramref name="date"/>: with the data level in force then.</summary>
    public static Engine.DataDeclaration ToDeclaration(SeedListing listing, DateOnly date) => new(
        StableGuid(listing.Id),
        ToEngine(listing.DataLevelOn(date)),
        listing.ContainsPersonalInformation,
        listing.Individuals,
        listing.SensitiveIndividuals,
        ToEngine(listing.Location.Region),
        listing.Location.City,
        SectorCode(listing.Sector),
        listing.Categories);

    public static Engine.ExportApproval ToEngine(SeedApproval approval) => new(
        StableGuid(approval.Id),
        StableGuid(approval.Exporter),
        ToEngine(approval.Kind),
        approval.ReferenceNumber,
        ToEngine(approval.CounterpartRegion),
        [.. approval.Listings.Select(StableGuid)],
        approval.Categories,
        approval.ValidFrom,
        approval.ValidUntil,
        RevokedOn: null);

    public static string SectorCode(SeedSector sector) => sector switch
    {
        SeedSector.Finance => "finance",
        SeedSector.Transport => "transport",
        SeedSector.Healthcare => "healthcare",
        SeedSector.Geospatial => "geospatial",
        SeedSector.Ecommerce => "ecommerce",
        SeedSector.Manufacturing => "manufacturing",
        SeedSector.Energy => "energy",
        SeedSector.AiTraining => "ai-training",
        SeedSector.PublicData => "public-data",
        _ => throw new ArgumentOutOfRangeException(nameof(sector), sector, null),
    };
}
