using DataExchange.Domain.Common;
using DataExchange.Domain.Participants;

namespace DataExchange.Domain.Tests.Participants;

/// <summary>A CIIO designation is a dated fact: recorded with the date it takes effect, read as of a date.</summary>
public class CiioDesignationSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor Operator = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Operator });
    private static readonly Actor Compliance = new(Guid.CreateVersion7(), new HashSet<Role> { Role.ComplianceOfficer });
    private static readonly Actor Vendor = new(Guid.CreateVersion7(), new HashSet<Role> { Role.Vendor });

    private static Participant Registered(bool ciio = false) =>
        Participant.Start(ParticipantDecider.Decide(new RegisterParticipant(Guid.CreateVersion7(), "Pengtong", "鹏通支付有限公司",
            [Role.Vendor], new Jurisdiction(Region.MainlandChina, "Shenzhen"), ciio), Operator, Now));

    private static Participant Change(Participant p, bool designated, DateOnly on, Actor? actor = null, string reference = "GD-CIIO-2025-017") =>
        ParticipantEvolution.Evolve(p, ParticipantDecider.Decide(p, new ChangeCiioDesignation(designated, on, reference), actor ?? Compliance, Now));

    [Fact]
    public void The_registration_status_holds_from_the_beginning_of_time_until_a_designation_takes_effect()
    {
        var p = Change(Registered(), true, new DateOnly(2025, 3, 1));

        Assert.False(p.IsCiioOn(new DateOnly(2017, 6, 1)));
        Assert.False(p.IsCiioOn(new DateOnly(2025, 2, 28)));
        Assert.True(p.IsCiioOn(new DateOnly(2025, 3, 1)));
        Assert.True(p.CriticalInformationInfrastructureOperator);
        Assert.False(p.CiioAtRegistration);
        var designation = Assert.Single(p.CiioDesignations);
        Assert.Equal((true, new DateOnly(2025, 3, 1), "GD-CIIO-2025-017", Compliance.ParticipantId), (designation.Designated, designation.EffectiveOn, designation.Reference, designation.By));
    }

    [Fact]
    public void Changes_are_read_by_effective_date_not_by_the_order_they_were_recorded_in()
    {
        var p = Registered(ciio: true);
        p = Change(p, false, new DateOnly(2024, 1, 1));
        // Recorded later, effective earlier: the designation lapsed already in 2023 and was restored in mid-2023.
        p = Change(p, false, new DateOnly(2023, 1, 1), Operator);
        p = Change(p, true, new DateOnly(2023, 7, 1));

        Assert.True(p.IsCiioOn(new DateOnly(2022, 12, 31)));
        Assert.False(p.IsCiioOn(new DateOnly(2023, 6, 30)));
        Assert.True(p.IsCiioOn(new DateOnly(2023, 12, 31)));
        Assert.False(p.IsCiioOn(new DateOnly(2024, 1, 1)));
        Assert.False(p.CriticalInformationInfrastructureOperator);
        Assert.Equal(3, p.CiioDesignations.Count);
    }

    [Fact]
    public void A_designation_dated_ahead_is_the_latest_status_but_not_yet_in_force()
    {
        var p = Change(Registered(), true, new DateOnly(2027, 1, 1));

        Assert.True(p.CriticalInformationInfrastructureOperator);
        Assert.False(p.IsCiioOn(new DateOnly(2026, 11, 27)));
        Assert.True(p.IsCiioOn(new DateOnly(2027, 1, 1)));
    }

    [Fact]
    public void A_change_that_changes_nothing_from_its_date_on_is_refused()
    {
        var p = Change(Registered(), true, new DateOnly(2025, 3, 1));

        var error = Assert.Throws<DomainException>(() => Change(p, true, new DateOnly(2025, 6, 1)));
        Assert.Equal((ErrorKind.FailedPrecondition, "CIIO_DESIGNATION_UNCHANGED"), (error.Kind, error.Reason));
        Assert.Equal("2025-06-01", error.Metadata["effective_date"]);
        Assert.Throws<DomainException>(() => Change(Registered(), false, new DateOnly(2025, 6, 1)));

        // Earlier than the designation, the participant was not a CIIO: designating it from then on is a change.
        Assert.True(Change(p, true, new DateOnly(2024, 6, 1)).IsCiioOn(new DateOnly(2024, 6, 1)));
    }

    [Theory]
    [InlineData("2017-05-31")]
    [InlineData("2027-11-29")]
    public void The_effective_date_lies_between_the_cybersecurity_law_and_a_year_ahead(string date)
    {
        var error = Assert.Throws<DomainException>(() => Change(Registered(), true, DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal((ErrorKind.InvalidArgument, "EFFECTIVE_DATE_OUT_OF_RANGE"), (error.Kind, error.Reason));
        Assert.Equal("effective_date", error.Metadata["field"]);
    }

    [Fact]
    public void The_first_and_last_days_of_the_range_are_accepted()
    {
        Assert.True(Change(Registered(), true, new DateOnly(2017, 6, 1)).IsCiioOn(new DateOnly(2017, 6, 1)));
        Assert.True(Change(Registered(), true, new DateOnly(2027, 11, 28)).CriticalInformationInfrastructureOperator);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_change_names_its_designation_document(string reference)
    {
        var error = Assert.Throws<DomainException>(() => Change(Registered(), true, new DateOnly(2025, 3, 1), reference: reference));
        Assert.Equal("REFERENCE_REQUIRED", error.Reason);
    }

    [Fact]
    public void Only_compliance_officers_and_operators_record_designations()
    {
        var error = Assert.Throws<DomainException>(() => Change(Registered(), true, new DateOnly(2025, 3, 1), Vendor));
        Assert.Equal((ErrorKind.PermissionDenied, "COMPLIANCE_OR_OPERATOR_ROLE_REQUIRED"), (error.Kind, error.Reason));
    }

    [Fact]
    public void A_snapshot_stored_before_designations_existed_keeps_its_flag_as_the_registration_status()
    {
        // Deserialised from an older snapshot: the flag is set, CiioAtRegistration (new) is not.
        var legacy = Registered(ciio: true) with { CiioAtRegistration = false };

        var p = Change(legacy, false, new DateOnly(2025, 3, 1));

        Assert.True(p.IsCiioOn(new DateOnly(2025, 2, 28)));
        Assert.False(p.IsCiioOn(new DateOnly(2025, 3, 1)));
    }
}
