using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using static DataExchange.Cli.Tests.TestSupport;

namespace DataExchange.Cli.Tests;

/// <summary>dx participants update and dx listings reclassify: dated facts on the command line, and their histories on screen.</summary>
public sealed class DatedFactsCommandsTests
{
    [Fact]
    public void Participants_update_sends_the_ciio_designation_with_its_date_reference_and_mask()
    {
        var (command, result) = Parse<ParticipantsCommands.UpdateCommand>(
            $"participants update {ParticipantId} --ciio true --effective-date 2025-03-01 --reference \" GD-CIIO-2025-017 \" --etag 4 --request-id retry-1");

        var request = command.BuildRequest(result, ParticipantName);

        Assert.Equal(ParticipantName, request.Participant.Name);
        Assert.True(request.Participant.CriticalInformationInfrastructureOperator);
        Assert.Equal("4", request.Participant.Etag);
        Assert.Equal(["critical_information_infrastructure_operator"], request.UpdateMask.Paths);
        Assert.Equal("2025-03-01", TestDates.Text(request.EffectiveDate));
        Assert.Equal("GD-CIIO-2025-017", request.Reference);
        Assert.Equal("retry-1", request.RequestId);
    }

    [Fact]
    public void Participants_update_can_end_a_designation_and_defaults_to_a_fresh_request_id()
    {
        var (command, result) = Parse<ParticipantsCommands.UpdateCommand>(
            $"participants update {ParticipantId} --ciio false --effective-date 2026-01-01 --reference N-1");

        var request = command.BuildRequest(result, ParticipantName);

        Assert.False(request.Participant.CriticalInformationInfrastructureOperator);
        Assert.Equal("", request.Participant.Etag);
        AssertUuidV7(request.RequestId);
    }

    [Theory]
    [InlineData("participants update X --effective-date 2025-03-01 --reference N", "--ciio")]
    [InlineData("participants update X --ciio maybe --effective-date 2025-03-01 --reference N", "maybe")]
    [InlineData("participants update X --ciio true --reference N", "--effective-date")]
    [InlineData("participants update X --ciio true --effective-date 1/3/2025 --reference N", "YYYY-MM-DD")]
    [InlineData("participants update X --ciio true --effective-date 2025-03-01", "--reference")]
    public void Participants_update_needs_the_status_a_date_and_a_reference(string commandLine, string expected) =>
        Assert.Contains(ParseErrors(commandLine), e => e.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void Participants_update_does_not_read_a_bare_ciio_flag_as_true() =>
        Assert.NotEmpty(ParseErrors("participants update X --ciio --effective-date 2025-03-01 --reference N"));

    [Fact]
    public void Listings_reclassify_sends_the_level_date_reference_and_etag()
    {
        var (command, result) = Parse<ListingsCommands.ReclassifyCommand>(
            $"listings reclassify {ListingId} --data-level core --effective-date 2022-08-01 --reference YUE-HXSJ-2022-031 --etag 9 --request-id r-1");

        Assert.Equal(new ReclassifyListingRequest
        {
            Name = ListingName, DataLevel = DataLevel.Core, EffectiveDate = TestDates.Day("2022-08-01"), Reference = "YUE-HXSJ-2022-031", Etag = "9", RequestId = "r-1",
        }, command.BuildRequest(result));
    }

    [Theory]
    [InlineData("listings reclassify X --effective-date 2025-01-01 --reference N", "--data-level")]
    [InlineData("listings reclassify X --data-level secret --effective-date 2025-01-01 --reference N", "'secret' is not a valid value")]
    [InlineData("listings reclassify X --data-level important --reference N", "--effective-date")]
    [InlineData("listings reclassify X --data-level important --effective-date 2025-01-01", "--reference")]
    public void Listings_reclassify_needs_a_level_a_date_and_a_reference(string commandLine, string expected) =>
        Assert.Contains(ParseErrors(commandLine), e => e.Contains(expected, StringComparison.Ordinal));

    private static string Render(Action<Spectre.Console.IAnsiConsole> render)
    {
        var stdout = new StringWriter();
        new Output(false, stdout, TextWriter.Null).Show(new Empty(), render);
        return stdout.ToString();
    }

    [Fact]
    public void Show_of_a_participant_lists_its_designations_by_effective_date()
    {
        var participant = new Participant
        {
            Name = ParticipantName, DisplayName = "Pengtong", CriticalInformationInfrastructureOperator = false,
            CiioDesignations =
            {
                new CiioDesignation { CriticalInformationInfrastructureOperator = false, EffectiveDate = TestDates.Day("2026-01-01"), Reference = "GD-CIIO-END-2" },
                new CiioDesignation { CriticalInformationInfrastructureOperator = true, EffectiveDate = TestDates.Day("2025-03-01"), Reference = "GD-CIIO-2025-017" },
            },
        };

        var text = Render(console => ParticipantsCommands.Render(console, participant));

        Assert.Contains("CIIO from", text);
        Assert.True(text.IndexOf("GD-CIIO-2025-017", StringComparison.Ordinal) < text.IndexOf("GD-CIIO-END-2", StringComparison.Ordinal));
        Assert.Contains("2025-03-01", text);
    }

    [Fact]
    public void Show_of_a_listing_gives_the_reclassified_level_beside_the_declared_one_and_the_history()
    {
        var listing = new Listing
        {
            Name = ListingName, Title = "Port basemap",
            Declaration = new DataDeclaration { DataLevel = DataLevel.Important },
            DataLevel = DataLevel.Core,
            DataLevelHistory = { new DataLevelClassification { DataLevel = DataLevel.Core, EffectiveDate = TestDates.Day("2022-08-01"), Reference = "YUE-HXSJ-2022-031" } },
        };

        var text = Render(console => ListingsCommands.Render(console, listing));

        Assert.Contains("core (reclassified; declared important)", text);
        Assert.Contains("Level from", text);
        Assert.Contains("YUE-HXSJ-2022-031", text);
        Assert.Equal("general", ListingsCommands.DataLevelText(new Listing { Declaration = new DataDeclaration { DataLevel = DataLevel.General } }));
    }
}
