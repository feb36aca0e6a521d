using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Participants;

/// <summary>UpdateParticipant records a CIIO designation (or its end) as a dated fact: its rules, its history, its retries.</summary>
public class UpdateParticipantSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string CiioPath = "critical_information_infrastructure_operator";

    private async Task<(string Name, Clients Compliance)> VendorAndComplianceAsync()
    {
        var vendor = await server.NewParticipantAsync("Pengtong Payments", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var compliance = await server.NewParticipantAsync("SZDEX Compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer);
        return (vendor.Name, compliance.Clients);
    }

    public static UpdateParticipantRequest Designate(string name, bool designated, string effectiveDate, string? requestId = null, string etag = "") => new()
    {
        Participant = new Participant { Name = name, CriticalInformationInfrastructureOperator = designated, Etag = etag },
        UpdateMask = new FieldMask { Paths = { CiioPath } },
        EffectiveDate = TestDates.Day(effectiveDate),
        Reference = "GD-CIIO-2025-017",
        RequestId = requestId ?? Rid(),
    };

    [Fact]
    public async Task A_designation_is_recorded_with_its_date_and_reference_and_shown_in_the_participants_history()
    {
        var (vendor, compliance) = await VendorAndComplianceAsync();
        var registered = await compliance.Participants.GetParticipantAsync(new GetParticipantRequest { Name = vendor });
        Assert.False(registered.CriticalInformationInfrastructureOperator);

        var updated = await compliance.Participants.UpdateParticipantAsync(Designate(vendor, true, "2025-03-01", etag: registered.Etag));

        Assert.True(updated.CriticalInformationInfrastructureOperator);
        Assert.Equal(long.Parse(registered.Etag, System.Globalization.CultureInfo.InvariantCulture) + 1,
            long.Parse(updated.Etag, System.Globalization.CultureInfo.InvariantCulture));
        var designation = Assert.Single(updated.CiioDesignations);
        Assert.True(designation.CriticalInformationInfrastructureOperator);
        Assert.Equal(("2025-03-01", "GD-CIIO-2025-017"), (TestDates.Text(designation.EffectiveDate), designation.Reference));
        Assert.StartsWith("participants/", designation.RecordedBy);
        Assert.Equal(updated, await server.Operator.Participants.GetParticipantAsync(new GetParticipantRequest { Name = vendor }));

        // Operators, who register participants with their status, may record the end of the designation.
        var ended = await server.Operator.Participants.UpdateParticipantAsync(Designate(vendor, false, "2026-01-01", etag: updated.Etag));
        Assert.False(ended.CriticalInformationInfrastructureOperator);
        Assert.Equal(2, ended.CiioDesignations.Count);
    }

    [Fact]
    public async Task A_retry_with_the_same_request_id_returns_the_original_and_writes_nothing()
    {
        var (vendor, compliance) = await VendorAndComplianceAsync();
        var requestId = Rid();
        var first = await compliance.Participants.UpdateParticipantAsync(Designate(vendor, true, "2025-03-01", requestId));
        var events = await server.CountEventsAsync();

        var retried = await compliance.Participants.UpdateParticipantAsync(Designate(vendor, true, "2025-03-01", requestId));

        Assert.Equal(first, retried);
        Assert.Equal(events, await server.CountEventsAsync());
    }

    [Fact]
    public async Task Bad_input_is_refused_before_anything_is_written()
    {
        var (vendor, compliance) = await VendorAndComplianceAsync();
        var vendorClients = (await server.NewParticipantAsync("Some vendor", Region.MainlandChina, "Shenzhen", Role.Vendor)).Clients;
        var before = await server.CountEventsAsync();

        var other = Designate(vendor, true, "2025-03-01");
        other.UpdateMask.Paths.Add("display_name");
        var path = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => compliance.Participants.UpdateParticipantAsync(other));
        Assert.Contains(path.GetDetail<BadRequest>().FieldViolations, v => v.Field == "update_mask" && v.Description.Contains("'display_name'", StringComparison.Ordinal));

        var noMask = Designate(vendor, true, "2025-03-01");
        noMask.UpdateMask = null;
        Assert.Contains("update_mask", (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => compliance.Participants.UpdateParticipantAsync(noMask))).Fields());

        var badDate = Designate(vendor, true, "2025-03-01");
        badDate.EffectiveDate = new() { Year = 2025, Month = 2, Day = 30 };
        Assert.Contains("effective_date", (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => compliance.Participants.UpdateParticipantAsync(badDate))).Fields());

        var noReference = Designate(vendor, true, "2025-03-01");
        noReference.Reference = "";
        Assert.Contains("reference", (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => compliance.Participants.UpdateParticipantAsync(noReference))).Fields());

        var longReference = Designate(vendor, true, "2025-03-01");
        longReference.Reference = new string('N', 201);
        Assert.Contains("reference", (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () => compliance.Participants.UpdateParticipantAsync(longReference))).Fields());

        var early = await Errors.Expect(StatusCode.InvalidArgument, "EFFECTIVE_DATE_OUT_OF_RANGE",
            () => compliance.Participants.UpdateParticipantAsync(Designate(vendor, true, "2017-05-31")));
        Assert.Equal("2017-06-01", early.GetDetail<ErrorInfo>().Metadata["earliest_date"]);
        var ahead = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Errors.Expect(StatusCode.InvalidArgument, "EFFECTIVE_DATE_OUT_OF_RANGE", () => compliance.Participants.UpdateParticipantAsync(Designate(vendor, true, ahead)));

        await Errors.Expect(StatusCode.FailedPrecondition, "CIIO_DESIGNATION_UNCHANGED",
            () => compliance.Participants.UpdateParticipantAsync(Designate(vendor, false, "2025-03-01")));
        await Errors.Expect(StatusCode.Aborted, "CONCURRENT_MODIFICATION",
            () => compliance.Participants.UpdateParticipantAsync(Designate(vendor, true, "2025-03-01", etag: "7")));
        await Errors.Expect(StatusCode.NotFound, "PARTICIPANT_NOT_FOUND",
            () => compliance.Participants.UpdateParticipantAsync(Designate($"participants/{Guid.CreateVersion7()}", true, "2025-03-01")));
        await Errors.Expect(StatusCode.PermissionDenied, "COMPLIANCE_OR_OPERATOR_ROLE_REQUIRED",
            () => vendorClients.Participants.UpdateParticipantAsync(Designate(vendor, true, "2025-03-01")));

        Assert.Equal(before, await server.CountEventsAsync());
        Assert.Empty((await compliance.Participants.GetParticipantAsync(new GetParticipantRequest { Name = vendor })).CiioDesignations);
    }
}
