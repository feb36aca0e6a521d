using System.CommandLine;
using System.Text.Json;
using DataExchange.Contracts.V1;
using Google.Rpc;
using Grpc.Core;

namespace DataExchange.Cli.Tests;

public sealed class RunAndOutputTests
{
    private static (GlobalOptions Global, ParseResult Result) ParseRoot(string commandLine)
    {
        var global = new GlobalOptions();
        return (global, Program.BuildRootCommand(global).Parse(commandLine));
    }

    [Fact]
    public async Task Rpc_errors_become_stderr_lines_and_exit_codes()
    {
        var (global, result) = ParseRoot("health");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var refusal = new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = "Only a registered listing can be published.",
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new ErrorInfo { Reason = "INVALID_STATE", Domain = "dataexchange" }) },
        };

        var exitCode = await CliContext.RunAsync(result, global, CancellationToken.None,
            _ => throw refusal.ToRpcException(), stdout, stderr);

        Assert.Equal(ExitCodes.Refused, exitCode);
        Assert.Equal("error: FAILED_PRECONDITION INVALID_STATE: Only a registered listing can be published." + Environment.NewLine,
            stderr.ToString());
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public async Task Client_side_errors_use_the_same_format()
    {
        var (global, result) = ParseRoot("listings show nope --json");
        var stderr = new StringWriter();

        var exitCode = await CliContext.RunAsync(result, global, CancellationToken.None,
            _ => throw new CliException("'nope' is not a listing name."), TextWriter.Null, stderr);

        Assert.Equal(ExitCodes.InvalidInput, exitCode);
        using var document = JsonDocument.Parse(stderr.ToString());
        Assert.Equal(3, document.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_bad_address_is_reported_before_any_call()
    {
        var (global, result) = ParseRoot("health --address not-a-url");
        var stderr = new StringWriter();
        var called = false;

        var exitCode = await CliContext.RunAsync(result, global, CancellationToken.None, _ =>
        {
            called = true;
            return Task.FromResult(0);
        }, TextWriter.Null, stderr);

        Assert.False(called);
        Assert.Equal(ExitCodes.InvalidInput, exitCode);
        Assert.StartsWith("error: INVALID_ARGUMENT: --address 'not-a-url'", stderr.ToString());
    }

    [Fact]
    public async Task Success_passes_the_body_exit_code_through()
    {
        var (global, result) = ParseRoot("health");

        Assert.Equal(0, await CliContext.RunAsync(result, global, CancellationToken.None, _ => Task.FromResult(0), TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void Json_output_is_one_protobuf_json_document_with_defaults_and_raw_money()
    {
        var stdout = new StringWriter();
        var listing = new Listing
        {
            Name = "listings/x",
            Price = new Money { CurrencyCode = "CNY", AmountMinor = 1999 },
            State = ListingState.Listed,
        };

        new Output(true, stdout, TextWriter.Null).Show(listing, _ => Assert.Fail("people's rendering must not run with --json"));

        using var document = JsonDocument.Parse(stdout.ToString());
        var root = document.RootElement;
        Assert.Equal("1999", root.GetProperty("price").GetProperty("amountMinor").GetString());
        Assert.Equal("LISTING_STATE_LISTED", root.GetProperty("state").GetString());
        Assert.Equal("", root.GetProperty("registrationNumber").GetString());
    }

    [Fact]
    public void People_output_renders_tables_with_user_text_taken_literally()
    {
        var stdout = new StringWriter();
        var output = new Output(false, stdout, TextWriter.Null);

        output.Show(new Listing(), console => console.Write(Output.Table([new("Title"), new("Price", CellKind.Fixed)], [["[red]not markup[/]", "CNY 19.99"]])));

        Assert.Contains("[red]not markup[/]", stdout.ToString());
        Assert.Contains("CNY 19.99", stdout.ToString());
    }

    [Fact]
    public async Task All_pages_are_fetched_and_merged()
    {
        var paging = new PagingOptions();
        var command = new Command("list");
        paging.AddTo(command);
        var result = new RootCommand { command }.Parse("list --all --page-size 2");
        var pages = new Dictionary<string, ListParticipantsResponse>
        {
            [""] = Page("next-1", "a", "b"),
            ["next-1"] = Page("next-2", "c", "d"),
            ["next-2"] = Page("", "e"),
        };
        var sizes = new List<int>();

        var all = await paging.FetchAsync(result, (size, token) =>
            {
                sizes.Add(size);
                return Task.FromResult(pages[token].Clone());
            },
            page => page.NextPageToken,
            (merged, page) =>
            {
                merged.Participants.Add(page.Participants);
                merged.NextPageToken = page.NextPageToken;
            });

        Assert.Equal(["a", "b", "c", "d", "e"], all.Participants.Select(p => p.DisplayName));
        Assert.Equal("", all.NextPageToken);
        Assert.Equal([2, 2, 2], sizes);
    }

    [Fact]
    public async Task Without_all_one_page_and_its_token_are_returned()
    {
        var paging = new PagingOptions();
        var command = new Command("list");
        paging.AddTo(command);
        var result = new RootCommand { command }.Parse("list --page-token t0");
        var tokens = new List<string>();

        var page = await paging.FetchAsync(result, (_, token) =>
            {
                tokens.Add(token);
                return Task.FromResult(Page("t1", "a"));
            },
            p => p.NextPageToken,
            (_, _) => Assert.Fail("no merge without --all"));

        Assert.Equal(["t0"], tokens);
        Assert.Equal("t1", page.NextPageToken);
    }

    [Fact]
    public void Parse_errors_select_the_parse_error_action()
    {
        var result = Program.BuildRootCommand().Parse("listings review");

        Assert.IsType<System.CommandLine.Invocation.ParseErrorAction>(result.Action);
    }

    private static ListParticipantsResponse Page(string next, params string[] names) => new()
    {
        NextPageToken = next,
        Participants = { names.Select(n => new Participant { DisplayName = n }) },
    };
}
