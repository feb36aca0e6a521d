namespace DataExchange.Compliance.Tests;

/// <summary>Test data: a Shenzhen vendor selling general data to a Hong Kong buyer in mid-2024, no approvals.</summary>
internal static class Given
{
    public static readonly Guid ExporterId = new("11111111-1111-1111-1111-111111111111");
    public static readonly Guid ImporterId = new("22222222-2222-2222-2222-222222222222");
    public static readonly Guid ListingId = new("33333333-3333-3333-3333-333333333333");
    public static readonly Guid OtherListingId = new("44444444-4444-4444-4444-444444444444");
    public static readonly DateOnly Date2024 = new(2024, 6, 1);

    public static ComplianceInput Trade(
        long individuals = 0,
        long sensitive = 0,
        DateOnly? date = null,
        DataLevel level = DataLevel.General,
        Region importer = Region.HongKong,
        string? exporterCity = "Shenzhen",
        bool ciio = false,
        LicenceTerms? licence = null,
        ExportVolume? prior = null,
        params ExportApproval[] approvals) =>
        new(
            TradeDate: date ?? Date2024,
            Exporter: new Party(ExporterId, Region.MainlandChina, exporterCity, ciio),
            Importer: new Party(ImporterId, importer, importer == Region.MainlandChina ? "Guangzhou" : null, false),
            Data: new DataDeclaration(ListingId, level, individuals > 0, individuals, sensitive, Region.MainlandChina,
                "Shenzhen", "logistics", ["shipping", "customs"]),
            Licence: licence ?? new LicenceTerms(false, "HK"),
            PriorVolumeThisYear: prior ?? ExportVolume.Zero,
            ExporterApprovals: approvals);

    public static ExportApproval Approval(
        ExportMechanism kind,
        string reference = "APP-1",
        Guid? exporter = null,
        Region counterpart = Region.HongKong,
        Guid[]? listings = null,
        string[]? categories = null,
        DateOnly? from = null,
        DateOnly? until = null,
        DateOnly? revoked = null) =>
        new(
            ApprovalId: DeterministicId(reference),
            ExporterId: exporter ?? ExporterId,
            Kind: kind,
            Reference: reference,
            CounterpartRegion: counterpart,
            ListingIds: listings ?? [ListingId],
            DataCategories: categories ?? [],
            ValidFrom: from ?? new DateOnly(2024, 1, 1),
            ValidUntil: until ?? new DateOnly(2025, 12, 31),
            RevokedOn: revoked);

    // Stable ids so that decisions built in different tests compare equal.
    private static Guid DeterministicId(string reference)
    {
        var bytes = new byte[16];
        var src = System.Text.Encoding.UTF8.GetBytes(reference);
        for (var i = 0; i < src.Length; i++) bytes[i % 16] ^= src[i];
        return new Guid(bytes);
    }
}
