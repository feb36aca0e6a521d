using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using static DataExchange.Cli.Tests.TestSupport;

namespace DataExchange.Cli.Tests;

public sealed class ApprovalsParsingTests
{
    private const string ApprovalName = ParticipantName + "/exportApprovals/0199b0a4-5555-7666-8777-888888888888";

    [Fact]
    public void Record_builds_the_approval_with_listings_and_categories()
    {
        var (command, result) = Parse<ApprovalsCommands.RecordCommand>(
            $"approvals record Acme --kind gba-standard-contract --reference \" GD-GBA-2024-0001 \" --listing {ListingId} " +
            "--listing listings/0199b0a4-1111-7222-8333-444444444444 --category credit-records --counterpart hong-kong " +
            "--valid-from 2024-01-01 --valid-until 2026-12-31 --request-id rec-1");

        var request = command.BuildRequest(result, ParticipantName);

        Assert.Equal(new RecordExportApprovalRequest
        {
            Parent = ParticipantName,
            RequestId = "rec-1",
            Approval = new ExportApproval
            {
                Kind = ExportMechanism.GbaStandardContract,
                ReferenceNumber = "GD-GBA-2024-0001",
                Listings = { ListingName, "listings/0199b0a4-1111-7222-8333-444444444444" },
                DataCategories = { "credit-records" },
                CounterpartRegion = Region.HongKong,
                ValidFromDate = new() { Year = 2024, Month = 1, Day = 1 },
                ValidUntilDate = new() { Year = 2026, Month = 12, Day = 31 },
            },
        }, request);
    }

    [Fact]
    public void Record_carries_the_approved_scope()
    {
        var (command, result) = Parse<ApprovalsCommands.RecordCommand>(
            $"approvals record Acme --kind standard-contract --reference R --listing {ListingId} --counterpart other " +
            "--valid-from 2024-01-01 --valid-until 2026-12-31 --destination SG --destination \" Japan \" " +
            "--covered-individuals 200000 --covered-sensitive-individuals 5000 --purpose \" credit scoring \"");

        var approval = command.BuildRequest(result, ParticipantName, [ParticipantName]).Approval;

        Assert.Equal([ParticipantName], approval.Recipients);
        Assert.Equal(["SG", "Japan"], approval.Destinations);
        Assert.Equal(200_000, approval.CoveredIndividuals);
        Assert.Equal(5_000, approval.CoveredSensitiveIndividuals);
        Assert.Equal("credit scoring", approval.Purpose);
    }

    [Fact]
    public void Record_leaves_an_unstated_scale_unset_and_refuses_a_negative_one()
    {
        var line = $"approvals record Acme --kind standard-contract --reference R --category c --counterpart other --valid-from 2024-01-01 --valid-until 2026-12-31";
        var (command, result) = Parse<ApprovalsCommands.RecordCommand>(line);
        Assert.False(command.BuildRequest(result, ParticipantName).Approval.HasCoveredIndividuals);

        (command, result) = Parse<ApprovalsCommands.RecordCommand>(line + " --covered-individuals -1");
        Assert.Throws<CliException>(() => command.BuildRequest(result, ParticipantName));
    }

    [Fact]
    public void Extend_builds_the_request_with_an_optional_new_scale()
    {
        var (command, result) = Parse<ApprovalsCommands.ExtendCommand>(
            $"approvals extend {ApprovalName} --valid-until 2029-12-31 --covered-individuals 1200000 --reference CAC-EXT-1 --request-id ex1");
        Assert.Equal(new ExtendExportApprovalRequest
        {
            Name = ApprovalName, ValidUntilDate = new() { Year = 2029, Month = 12, Day = 31 }, CoveredIndividuals = 1_200_000, ReferenceNumber = "CAC-EXT-1", RequestId = "ex1",
        }, command.BuildRequest(result));

        (command, result) = Parse<ApprovalsCommands.ExtendCommand>($"approvals extend {ApprovalName} --valid-until 2029-12-31 --reference R");
        Assert.False(command.BuildRequest(result).HasCoveredIndividuals);
        Assert.Contains(ParseErrors($"approvals extend {ApprovalName} --reference R"), e => e.Contains("--valid-until", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("security-assessment", ExportMechanism.SecurityAssessment)]
    [InlineData("standard-contract", ExportMechanism.StandardContract)]
    [InlineData("certification", ExportMechanism.Certification)]
    [InlineData("GBA_STANDARD_CONTRACT", ExportMechanism.GbaStandardContract)]
    public void Record_maps_each_kind(string text, ExportMechanism expected)
    {
        var (command, result) = Parse<ApprovalsCommands.RecordCommand>(
            $"approvals record {ParticipantId} --kind {text} --reference R --category c --counterpart other " +
            "--valid-from 2024-01-01 --valid-until 2024-01-01");

        var request = command.BuildRequest(result, ParticipantName);

        Assert.Equal(expected, request.Approval.Kind);
        Assert.Equal(Region.Other, request.Approval.CounterpartRegion);
        AssertUuidV7(request.RequestId);
    }

    [Theory]
    [InlineData("--kind none", "'none' is not a valid value")]
    [InlineData("--kind exempt", "'exempt' is not a valid value")]
    [InlineData("--counterpart mainland", "expected one of: hong-kong, macao, other")]
    [InlineData("--valid-from 2024-02-30", "'2024-02-30' is not a valid date for --valid-from")]
    [InlineData("--valid-until 31.12.2026", "'31.12.2026' is not a valid date for --valid-until")]
    public void Record_rejects_kinds_regions_and_dates_that_cannot_be_approved(string replacement, string expected)
    {
        var options = new Dictionary<string, string>
        {
            ["--kind"] = "standard-contract", ["--counterpart"] = "macao", ["--valid-from"] = "2024-01-01", ["--valid-until"] = "2024-12-31",
        };
        var (option, value) = (replacement.Split(' ')[0], replacement.Split(' ')[1]);
        options[option] = value;
        var commandLine = "approvals record Acme --reference R --category c " + string.Join(' ', options.Select(o => $"{o.Key} {o.Value}"));

        Assert.Contains(ParseErrors(commandLine), e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Record_refuses_a_validity_that_ends_before_it_starts()
    {
        var (command, result) = Parse<ApprovalsCommands.RecordCommand>(
            "approvals record Acme --kind certification --reference R --category c --counterpart macao " +
            "--valid-from 2024-06-01 --valid-until 2024-05-31");

        var error = Assert.Throws<CliException>(() => command.BuildRequest(result, ParticipantName));
        Assert.Equal("--valid-until 2024-05-31 is before --valid-from 2024-06-01.", error.Message);
    }

    [Fact]
    public void Record_refuses_an_approval_that_covers_nothing()
    {
        var (command, result) = Parse<ApprovalsCommands.RecordCommand>(
            "approvals record Acme --kind certification --reference R --counterpart macao --valid-from 2024-01-01 --valid-until 2024-12-31");

        Assert.Throws<CliException>(() => command.BuildRequest(result, ParticipantName));
    }

    [Fact]
    public void Record_rejects_a_malformed_listing()
    {
        var (command, result) = Parse<ApprovalsCommands.RecordCommand>(
            "approvals record Acme --kind certification --reference R --listing acme --counterpart macao " +
            "--valid-from 2024-01-01 --valid-until 2024-12-31");

        Assert.Throws<CliException>(() => command.BuildRequest(result, ParticipantName));
    }

    [Fact]
    public void List_of_one_exporter_or_of_all()
    {
        var (one, oneResult) = Parse<ApprovalsCommands.ListCommand>($"approvals list {ParticipantId} --include-revoked");
        Assert.False(one.WantsAll(oneResult));
        Assert.Equal(new ListExportApprovalsRequest { Parent = ParticipantName, IncludeRevoked = true, PageSize = 200 },
            one.BuildRequest(oneResult, ParticipantName));

        var (all, allResult) = Parse<ApprovalsCommands.ListCommand>("approvals list --all");
        Assert.True(all.WantsAll(allResult));
        Assert.Equal(new ListExportApprovalsRequest { Parent = "participants/-", PageSize = 200 },
            all.BuildRequest(allResult, ResourceNames.AllParticipants));
    }

    [Theory]
    [InlineData("approvals list")]
    [InlineData("approvals list Acme --all")]
    public void List_needs_exactly_one_of_exporter_and_all(string commandLine)
    {
        var (command, result) = Parse<ApprovalsCommands.ListCommand>(commandLine);

        Assert.Throws<CliException>(() => command.WantsAll(result));
    }

    [Fact]
    public void Revoke_normalises_the_name_and_requires_a_reason()
    {
        var (command, result) = Parse<ApprovalsCommands.RevokeCommand>(
            $"approvals revoke {ApprovalName.ToUpperInvariant().Replace("PARTICIPANTS", "participants").Replace("EXPORTAPPROVALS", "exportApprovals")} " +
            "--reason \"Contract terminated\" --request-id rv1");

        Assert.Equal(new RevokeExportApprovalRequest { Name = ApprovalName, Reason = "Contract terminated", RequestId = "rv1" },
            command.BuildRequest(result));
        Assert.Contains(ParseErrors($"approvals revoke {ApprovalName}"), e => e.Contains("--reason", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ParticipantId)]
    [InlineData(ParticipantName)]
    [InlineData(ParticipantName + "/tokens/0199b0a4-5555-7666-8777-888888888888")]
    public void Revoke_rejects_anything_but_a_full_approval_name(string name)
    {
        var (command, result) = Parse<ApprovalsCommands.RevokeCommand>($"approvals revoke {name} --reason r");

        var error = Assert.Throws<CliException>(() => command.BuildRequest(result));
        Assert.Contains("participants/{uuid}/exportApprovals/{uuid}", error.Message);
    }

    [Fact]
    public void The_exporter_is_the_parent_of_the_approval_name() =>
        Assert.Equal(ParticipantName, ApprovalsCommands.Exporter(ApprovalName));
}
