using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Tests.Listings;
using DataExchange.Domain.Trades;
using ExportApproval = DataExchange.Compliance.ExportApproval;
using DataLevel = DataExchange.Domain.Listings.DataLevel;
using Region = DataExchange.Domain.Common.Region;

namespace DataExchange.Domain.Tests.Trades;

/// <summary>A trade is judged by the facts in force on its contract date: the exporter's CIIO designation and the data level.</summary>
public class DatedFactsTradeSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor Operator = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Operator });
    private static readonly Actor Officer = new(Guid.CreateVersion7(), new HashSet<Role> { Role.ComplianceOfficer });
    private static readonly DateOnly Designation = new(2025, 3, 1);

    private static Participant Party(Region region, string? city, params Role[] roles) =>
        Participant.Start(new ParticipantRegistered(Guid.CreateVersion7(), "P", "P Ltd", roles, new Jurisdiction(region, city), false, Guid.Empty, Now));

    private static readonly Participant HongKongBuyer = Party(Region.HongKong, null, Role.Buyer);
    private static readonly Participant ShanghaiBuyer = Party(Region.MainlandChina, "Shanghai", Role.Buyer);

    private static Participant DesignatedVendor() =>
        Party(Region.MainlandChina, "Shenzhen", Role.Vendor)
            .When(new ParticipantCiioDesignationChanged(Guid.Empty, true, Designation, "GD-CIIO-2025-017", Officer.ParticipantId, Now));

    private static Listing ListedBy(Participant vendor, long individuals)
    {
        var content = ListingLifecycleSpecs.Content(individuals);
        return Listing.Start(new ListingDrafted(Guid.CreateVersion7(), vendor.Id, content, vendor.Id, Now)) with { State = ListingState.Listed, Version = 4 };
    }

    private static Listing Reclassify(Listing listing, DataLevel level, DateOnly on) =>
        listing.When(new ListingDataLevelReclassified(listing.Id, level, on, "GD-DATA-2025-003", Officer.ParticipantId, Now));

    private static ContractTrade Filed(TradeContractingState state, DateOnly contractDate) =>
        new(Guid.CreateVersion7(), state.Listing.Id, state.Buyer.Id, state.Listing.Content.Licence, state.Listing.Content.Price,
            contractDate, TradeOrigin.Filed, "EXT-1", Operator, Now);

    private static ExportApproval StandardContract(Guid exporterId, Listing listing) =>
        new(Guid.CreateVersion7(), exporterId, ExportMechanism.StandardContract, "SC-1", DataExchange.Compliance.Region.HongKong, [listing.Id], [],
            new DateOnly(2020, 1, 1), new DateOnly(2030, 12, 31), null);

    [Fact]
    public void A_trade_contracted_before_the_designation_takes_effect_is_judged_as_a_non_ciio_one_after_as_a_ciio()
    {
        var vendor = DesignatedVendor();
        var listing = ListedBy(vendor, 150_000);
        var state = new TradeContractingState(listing, vendor, HongKongBuyer,
            ExporterHistory.Empty(vendor.Id) with { Approvals = [StandardContract(vendor.Id, listing)] });

        var before = Assert.IsType<AcceptedTrade>(TradeContracting.Decide(state, Filed(state, Designation.AddDays(-1)))).File(1);
        Assert.False(before.Contracted.ComplianceInput.Exporter.IsCriticalInformationInfrastructureOperator);
        Assert.Equal(ExportMechanism.StandardContract, before.Contracted.Compliance.Mechanism);

        var after = Assert.IsType<RefusedTrade>(TradeContracting.Decide(state, Filed(state, Designation))).Refused;
        Assert.True(after.ComplianceInput.Exporter.IsCriticalInformationInfrastructureOperator);
        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, after.Compliance.RefusalReason);
    }

    [Fact]
    public void Data_notified_as_important_needs_an_assessment_only_from_the_notices_effective_date()
    {
        var vendor = Party(Region.MainlandChina, "Shenzhen", Role.Vendor);
        var listing = Reclassify(ListedBy(vendor, 0), DataLevel.Important, new DateOnly(2025, 1, 1));
        var state = new TradeContractingState(listing, vendor, HongKongBuyer, ExporterHistory.Empty(vendor.Id));

        var before = Assert.IsType<AcceptedTrade>(TradeContracting.Decide(state, Filed(state, new DateOnly(2024, 12, 31)))).Request;
        Assert.Equal(DataExchange.Compliance.DataLevel.General, TradeDecider.ComplianceInputFor(before, new ExporterRecord(ExportVolume.Zero, [])).Data.Level);

        var after = Assert.IsType<RefusedTrade>(TradeContracting.Decide(state, Filed(state, new DateOnly(2025, 1, 1)))).Refused;
        Assert.Equal(DataExchange.Compliance.DataLevel.Important, after.ComplianceInput.Data.Level);
        Assert.Equal(RefusalReasons.SecurityAssessmentRequired, after.Compliance.RefusalReason);
    }

    [Fact]
    public void Core_data_on_the_contract_date_does_not_trade_at_home_and_an_export_of_it_is_refused_and_recorded()
    {
        var vendor = Party(Region.MainlandChina, "Shenzhen", Role.Vendor);
        var listing = Reclassify(ListedBy(vendor, 0), DataLevel.Core, new DateOnly(2025, 1, 1));
        var home = new TradeContractingState(listing, vendor, ShanghaiBuyer, ExporterHistory.Empty(vendor.Id));
        var abroad = new TradeContractingState(listing, vendor, HongKongBuyer, ExporterHistory.Empty(vendor.Id));

        Assert.IsType<AcceptedTrade>(TradeContracting.Decide(home, Filed(home, new DateOnly(2024, 12, 31))));
        var rejected = Assert.IsType<RejectedTrade>(TradeContracting.Decide(home, Filed(home, new DateOnly(2025, 1, 1)))).Error;
        Assert.Equal((ErrorKind.FailedPrecondition, "CORE_DATA_NOT_TRADABLE"), (rejected.Kind, rejected.Reason));
        Assert.Equal("2025-01-01", rejected.Metadata["contract_date"]);

        var refused = Assert.IsType<RefusedTrade>(TradeContracting.Decide(abroad, Filed(abroad, new DateOnly(2025, 1, 1)))).Refused;
        Assert.Equal(RefusalReasons.CoreDataExportProhibited, refused.Compliance.RefusalReason);

        var error = Assert.Throws<DomainException>(() => TradeDecider.Decide(
            new TradeRequest(Guid.CreateVersion7(), listing, vendor, ShanghaiBuyer, listing.Content.Licence, listing.Content.Price,
                new DateOnly(2025, 1, 1), TradeOrigin.Filed, null), new ExporterRecord(ExportVolume.Zero, []), Operator));
        Assert.Equal("CORE_DATA_NOT_TRADABLE", error.Reason);
    }

    [Fact]
    public void The_importers_ciio_status_is_also_read_on_the_contract_date()
    {
        var vendor = Party(Region.MainlandChina, "Shenzhen", Role.Vendor);
        var buyer = Party(Region.MainlandChina, "Shanghai", Role.Buyer)
            .When(new ParticipantCiioDesignationChanged(Guid.Empty, true, Designation, "SH-CIIO-1", Officer.ParticipantId, Now));
        var listing = ListedBy(vendor, 0);
        var state = new TradeContractingState(listing, vendor, buyer, ExporterHistory.Empty(vendor.Id));

        Assert.False(Assert.IsType<AcceptedTrade>(TradeContracting.Decide(state, Filed(state, Designation.AddDays(-1)))).File(1)
            .Contracted.ComplianceInput.Importer.IsCriticalInformationInfrastructureOperator);
        Assert.True(Assert.IsType<AcceptedTrade>(TradeContracting.Decide(state, Filed(state, Designation))).File(1)
            .Contracted.ComplianceInput.Importer.IsCriticalInformationInfrastructureOperator);
    }
}
