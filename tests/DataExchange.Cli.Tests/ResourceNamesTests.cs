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

public sealed class NamesTests
{
    [Theory]
    [InlineData("DX-2022-000001", true)]
    [InlineData(" dx-2026-12 ", true)]
    [InlineData("0199b0a4-1c2d-7e3f-8a4b-5c6d7e8f9a0b", false)]
    [InlineData("Shenzhen credit scores", false)]
    public void Filing_numbers_are_told_from_uuids_and_titles(string text, bool filing) =>
        Assert.Equal(filing, Names.LooksLikeFilingNumber(text));

    [Fact]
    public void An_ambiguous_name_lists_its_candidates_one_a_line()
    {
        var message = Names.Ambiguous("'Credit' matches the titles of 12 listings", Enumerable.Range(1, 12).Select(i => $"listings/{i}  Credit {i}"));

        var lines = message.Split('\n');
        Assert.Equal("'Credit' matches the titles of 12 listings; use one of:", lines[0]);
        Assert.Equal("  listings/1  Credit 1", lines[1]);
        Assert.Equal("  … and 2 more", lines[^1]);
        Assert.Equal(12, lines.Length);
    }

    [Fact]
    public void A_filing_number_names_a_trade_wherever_a_trade_is_named()
    {
        var (show, showResult) = TestSupport.Parse<DataExchange.Cli.Commands.TradesCommands.ShowCommand>("trades show dx-2022-000001");
        Assert.Equal(new DataExchange.Contracts.V1.GetTradeRequest { FilingNumber = "DX-2022-000001" }, show.BuildRequest(showResult));

        var (get, getResult) = TestSupport.Parse<DataExchange.Cli.Commands.ReceiptCommands.GetCommand>("receipt get DX-2022-000001 --out r.json");
        Assert.Equal(new DataExchange.Contracts.V1.GetTradeReceiptRequest { FilingNumber = "DX-2022-000001" }, get.BuildRequest(getResult));
    }

    [Fact]
    public void Bare_ids_come_from_the_end_of_a_name()
    {
        Assert.Equal("0199", Names.BareId("participants/x/exportApprovals/0199"));
        Assert.Equal("0199", Names.BareId("0199"));
    }
}
