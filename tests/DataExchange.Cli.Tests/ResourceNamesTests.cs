using static DataExchange.Cli.Tests.TestSupport;

namespace DataExchange.Cli.Tests;

public sealed class ResourceNamesTests
{
    [Theory]
    [InlineData(ListingName)]
    [InlineData(ListingId)]
    [InlineData(" " + ListingId + " ")]
    [InlineData("0199B0A4-1C2D-7E3F-8A4B-5C6D7E8F9A0B")]
    [InlineData("listings/0199B0A4-1C2D-7E3F-8A4B-5C6D7E8F9A0B")]
    public void Bare_or_prefixed_uuids_become_lower_case_resource_names(string input) =>
        Assert.Equal(ListingName, ResourceNames.Normalize(input, ResourceNames.Listings));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("acme")]
    [InlineData("listings/")]
    [InlineData("listings/acme")]
    [InlineData("participants/" + ListingId)]
    [InlineData("listings/00000000-0000-0000-0000-000000000000")]
    [InlineData("{" + ListingId + "}")]
    public void Anything_else_is_not_a_name(string? input)
    {
        Assert.Null(ResourceNames.TryNormalize(input, ResourceNames.Listings));
        var error = Assert.Throws<CliException>(() => ResourceNames.Normalize(input, ResourceNames.Listings));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.Code);
        Assert.Contains("expected listings/{uuid} or a bare UUID", error.Message);
    }

    [Fact]
    public void Token_names_need_their_parent()
    {
        var token = $"{ParticipantName}/tokens/{ListingId}";
        Assert.Equal(token, ResourceNames.NormalizeToken(token.ToUpperInvariant().Replace("PARTICIPANTS", "participants").Replace("TOKENS", "tokens")));
        Assert.Throws<CliException>(() => ResourceNames.NormalizeToken(ListingId));
        Assert.Throws<CliException>(() => ResourceNames.NormalizeToken($"{ParticipantName}/keys/{ListingId}"));
        Assert.Throws<CliException>(() => ResourceNames.NormalizeToken(null));
    }

    [Fact]
    public void Approval_names_need_their_exporter()
    {
        var approval = $"{ParticipantName}/exportApprovals/{ListingId}";
        Assert.Equal(approval, ResourceNames.NormalizeApproval($" {approval} "));
        Assert.Throws<CliException>(() => ResourceNames.NormalizeApproval(ListingId));
        Assert.Throws<CliException>(() => ResourceNames.NormalizeApproval($"{ParticipantName}/tokens/{ListingId}"));
        var error = Assert.Throws<CliException>(() => ResourceNames.NormalizeApproval(null));
        Assert.Contains("is not an export approval name", error.Message);
    }

    [Fact]
    public void Trade_names_accept_bare_uuids() =>
        Assert.Equal($"trades/{ListingId}", ResourceNames.Normalize(ListingId.ToUpperInvariant(), ResourceNames.Trades));
}
