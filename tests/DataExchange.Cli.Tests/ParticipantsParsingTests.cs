using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using static DataExchange.Cli.Tests.TestSupport;

namespace DataExchange.Cli.Tests;

public sealed class ParticipantsParsingTests
{
    [Fact]
    public void Create_builds_the_participant_with_repeated_roles()
    {
        var (command, result) = Parse<ParticipantsCommands.CreateCommand>(
            "participants create --display-name Acme --legal-name \"Acme Data Ltd\" --role vendor --role buyer " +
            "--region mainland --city Shenzhen --ciio --request-id retry-1");

        var request = command.BuildRequest(result);

        Assert.Equal("Acme", request.Participant.DisplayName);
        Assert.Equal("Acme Data Ltd", request.Participant.LegalName);
        Assert.Equal([Role.Vendor, Role.Buyer], request.Participant.Roles);
        Assert.Equal(Region.MainlandChina, request.Participant.Jurisdiction.Region);
        Assert.Equal("Shenzhen", request.Participant.Jurisdiction.City);
        Assert.True(request.Participant.CriticalInformationInfrastructureOperator);
        Assert.Equal("retry-1", request.RequestId);
        Assert.Equal("", request.Participant.Name);
    }

    [Fact]
    public void Create_defaults_to_a_fresh_uuid_v7_request_id_each_time()
    {
        var (command, result) = Parse<ParticipantsCommands.CreateCommand>(
            "participants create --display-name Ops --legal-name Ops --role compliance --region hong-kong");

        var first = command.BuildRequest(result);
        var second = command.BuildRequest(result);

        AssertUuidV7(first.RequestId);
        Assert.NotEqual(first.RequestId, second.RequestId);
        Assert.False(first.Participant.CriticalInformationInfrastructureOperator);
        Assert.Equal([Role.ComplianceOfficer], first.Participant.Roles);
        Assert.Equal("", first.Participant.Jurisdiction.City);
    }

    [Theory]
    [InlineData("participants create --legal-name L --role vendor --region macao", "--display-name")]
    [InlineData("participants create --display-name D --legal-name L --region macao", "--role")]
    [InlineData("participants create --display-name D --legal-name L --role seller --region macao", "'seller' is not a valid value")]
    [InlineData("participants create --display-name D --legal-name L --role vendor --region mars", "'mars' is not a valid value")]
    public void Create_rejects_missing_or_unknown_values(string commandLine, string expected) =>
        Assert.Contains(ParseErrors(commandLine), e => e.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void List_maps_filters_and_paging()
    {
        var (command, result) = Parse<ParticipantsCommands.ListCommand>(
            "participants list --role auditor --region other --page-size 20 --page-token abc");

        var request = command.BuildRequest(result);

        Assert.Equal(Role.Auditor, request.Role);
        Assert.Equal(Region.Other, request.Region);
        Assert.Equal(20, request.PageSize);
        Assert.Equal("abc", request.PageToken);
    }

    [Fact]
    public void List_without_filters_sends_unspecified()
    {
        var (command, result) = Parse<ParticipantsCommands.ListCommand>("participants list --all");

        var request = command.BuildRequest(result);

        Assert.Equal(new ListParticipantsRequest(), request);
    }

    [Fact]
    public void Issue_token_sends_the_resolved_parent_and_label()
    {
        var (command, result) = Parse<ParticipantsCommands.IssueTokenCommand>($"participants issue-token {ParticipantId} --label ci");

        var request = command.BuildRequest(result, ParticipantName);

        Assert.Equal(ParticipantName, request.Parent);
        Assert.Equal("ci", request.Label);
        AssertUuidV7(request.RequestId);
    }

    [Fact]
    public void Revoke_token_normalises_the_name_and_keeps_the_reason()
    {
        var token = $"{ParticipantName}/tokens/{ListingId}";
        var (command, result) = Parse<ParticipantsCommands.RevokeTokenCommand>(
            $"participants revoke-token {token.ToUpperInvariant().Replace("PARTICIPANTS", "participants").Replace("TOKENS", "tokens")} --reason leaked --request-id r1");

        var request = command.BuildRequest(result);

        Assert.Equal(token, request.Name);
        Assert.Equal("leaked", request.Reason);
        Assert.Equal("r1", request.RequestId);
    }

    [Fact]
    public void Revoke_token_rejects_a_bare_uuid()
    {
        var (command, result) = Parse<ParticipantsCommands.RevokeTokenCommand>($"participants revoke-token {ListingId}");

        Assert.Throws<CliException>(() => command.BuildRequest(result));
    }
}
