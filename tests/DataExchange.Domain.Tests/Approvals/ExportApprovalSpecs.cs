using DataExchange.Domain.Approvals;
using DataExchange.Domain.Common;
using DataExchange.Domain.Trades;
using Mechanism = DataExchange.Compliance.ExportMechanism;

namespace DataExchange.Domain.Tests.Approvals;

public sealed class ExportApprovalSpecs
{
    private static readonly Actor Compliance = new(Guid.CreateVersion7(), new HashSet<Role> { Role.ComplianceOfficer });
    private static readonly Actor Vendor = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Vendor });
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);
    private static readonly Guid Exporter = Guid.CreateVersion7();

    private static RecordExportApproval Assessment(DateOnly from, DateOnly until, long? scale = 1_000_000, params string[] destinations) =>
        new(Guid.CreateVersion7(), Exporter, Mechanism.SecurityAssessment, "CAC-SA-1", Region.Other, [Guid.CreateVersion7()], [],
            from, until, new ApprovalScope([], destinations, scale, null, null));

    private static ExportApproval Recorded(RecordExportApproval command) =>
        ExportApproval.Start(ExportApprovalDecider.Decide(command, Compliance, Now));

    [Fact]
    public void An_approval_keeps_the_scope_it_was_granted_for()
    {
        var approval = Recorded(Assessment(new(2025, 1, 1), new(2027, 12, 31), 1_000_000, "SG", "JP"));

        var engine = approval.ToCompliance(new Compliance.ExportVolume(300, 0));

        Assert.Equal(["SG", "JP"], engine.DestinationCodes);
        Assert.Equal(1_000_000, engine.CoveredIndividuals);
        Assert.Equal(300, engine.ExportedUnder!.Individuals);
    }

    [Fact]
    public void An_approval_without_a_stated_scale_counts_no_use()
    {
        var approval = Recorded(Assessment(new(2025, 1, 1), new(2027, 12, 31), scale: null));
        Assert.Null(approval.ToCompliance(new Compliance.ExportVolume(300, 0)).ExportedUnder);
    }

    [Fact]
    public void A_destination_outside_the_counterpart_region_is_refused()
    {
        var command = Assessment(new(2025, 1, 1), new(2027, 12, 31), 1, "HK");
        var error = Assert.Throws<DomainException>(() => ExportApprovalDecider.Decide(command, Compliance, Now));
        Assert.Equal("DESTINATION_OUTSIDE_COUNTERPART_REGION", error.Reason);
    }

    [Fact]
    public void Only_compliance_records_and_extends()
    {
        var command = Assessment(new(2025, 1, 1), new(2027, 12, 31));
        Assert.Equal("COMPLIANCE_ROLE_REQUIRED", Assert.Throws<DomainException>(() => ExportApprovalDecider.Decide(command, Vendor, Now)).Reason);
        var approval = Recorded(command);
        Assert.Equal("COMPLIANCE_ROLE_REQUIRED", Assert.Throws<DomainException>(() =>
            ExportApprovalDecider.DecideExtend(approval, new(2030, 12, 31), null, "EXT", new(2026, 3, 1), Vendor, Now)).Reason);
    }

    [Fact]
    public void An_extension_moves_the_end_and_the_scale_and_is_kept()
    {
        var approval = Recorded(Assessment(new(2025, 1, 1), new(2027, 12, 31)));

        var extended = approval.When(ExportApprovalDecider.DecideExtend(approval, new(2030, 12, 31), 1_200_000, "CAC-EXT-1", new(2026, 3, 1), Compliance, Now));

        Assert.Equal(new DateOnly(2030, 12, 31), extended.ValidUntil);
        Assert.Equal(1_200_000, extended.Scope!.CoveredIndividuals);
        Assert.Equal("CAC-EXT-1", Assert.Single(extended.Extensions!).ReferenceNumber);
    }

    [Theory]
    [InlineData(1_200_001L, "EXTENSION_GROWTH_TOO_LARGE")]
    [InlineData(null, null)]
    [InlineData(1_200_000L, null)]
    public void From_2025_06_27_an_extension_grows_by_at_most_twenty_percent(long? scale, string? reason)
    {
        var approval = Recorded(Assessment(new(2025, 1, 1), new(2027, 12, 31)));
        var decide = () => ExportApprovalDecider.DecideExtend(approval, new(2030, 12, 31), scale, "EXT", new(2026, 3, 1), Compliance, Now);
        if (reason is null) decide();
        else Assert.Equal(reason, Assert.Throws<DomainException>(decide).Reason);
    }

    [Fact]
    public void A_revoked_approval_does_not_extend()
    {
        var approval = Recorded(Assessment(new(2025, 1, 1), new(2027, 12, 31)));
        var revoked = approval.When(ExportApprovalDecider.DecideRevoke(approval, "withdrawn", new(2026, 2, 1), Compliance, Now));
        Assert.Equal("APPROVAL_ALREADY_REVOKED", Assert.Throws<DomainException>(() =>
            ExportApprovalDecider.DecideExtend(revoked, new(2030, 12, 31), null, "EXT", new(2026, 3, 1), Compliance, Now)).Reason);
    }

    [Fact]
    public void Use_of_an_approval_is_summed_over_every_year_and_only_for_that_approval()
    {
        var approval = Guid.CreateVersion7();
        var other = Guid.CreateVersion7();
        ExporterYearVolume? y2025 = null, y2026 = null;
        y2025 = ExporterYearVolume.Evolve(y2025, new(Exporter, 2025, Guid.CreateVersion7(), 100, 10, Now, approval));
        y2025 = ExporterYearVolume.Evolve(y2025, new(Exporter, 2025, Guid.CreateVersion7(), 50, 0, Now)); // exempt: no approval relied on
        y2026 = ExporterYearVolume.Evolve(y2026, new(Exporter, 2026, Guid.CreateVersion7(), 200, 5, Now, approval));
        y2026 = ExporterYearVolume.Evolve(y2026, new(Exporter, 2026, Guid.CreateVersion7(), 7, 0, Now, other));

        var history = ExporterHistory.From(Exporter, [y2025, y2026], []);

        Assert.Equal(new Compliance.ExportVolume(300, 15), history.UsedByApproval![approval]);
        Assert.Equal(new Compliance.ExportVolume(7, 0), history.UsedByApproval[other]);
        Assert.Equal(new Compliance.ExportVolume(150, 10), history.VolumeByYear[2025]);
        var next = history.Apply(new ExportVolumeRecorded(Exporter, 2026, Guid.CreateVersion7(), 1, 1, Now, approval));
        Assert.Equal(new Compliance.ExportVolume(301, 16), next.UsedByApproval![approval]);
    }
}
