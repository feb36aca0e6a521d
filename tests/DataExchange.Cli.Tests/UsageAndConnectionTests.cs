namespace DataExchange.Cli.Tests;

/// <summary>What a mistyped command line and an unreachable server look like: stderr, one hint, a distinct exit code.</summary>
public sealed class UsageAndConnectionTests
{
    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Program.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task A_mistyped_command_is_a_usage_error_on_stderr_with_a_suggestion_and_exit_2()
    {
        var (exit, stdout, stderr) = await RunAsync("trade", "list");

        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("dx: unknown command 'trade' for 'dx'.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("'list'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", stderr, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'dx trades'?", stderr, StringComparison.Ordinal);
        Assert.Contains("Run 'dx --help'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistyped_subcommand_suggests_the_one_meant()
    {
        var (exit, stdout, stderr) = await RunAsync("trades", "lst");

        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Equal("", stdout);
        Assert.Contains("Did you mean 'dx trades list'?", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_without_a_command_names_its_commands()
    {
        var (exit, stdout, stderr) = await RunAsync("tokens");

        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Equal("", stdout);
        Assert.Contains("'dx tokens' takes one of: list.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_and_a_bad_value_are_usage_errors()
    {
        Assert.Equal(ExitCodes.InvalidInput, (await RunAsync("trades", "list", "--bogus")).Exit);
        var (exit, _, stderr) = await RunAsync("trades", "list", "--state", "sold");
        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains("'sold' is not a valid value", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_asked_for_goes_to_stdout_with_exit_0()
    {
        var (exit, stdout, stderr) = await RunAsync("--help");
        Assert.Equal(0, exit);
        Assert.Contains("Exit codes:", stdout, StringComparison.Ordinal);
        Assert.Contains("8  no connection", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);

        Assert.Contains("Exit codes:", (await RunAsync()).Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("https")]
    public async Task A_server_that_is_down_is_one_line_naming_the_address_and_exit_8(string scheme)
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var address = $"{scheme}://127.0.0.1:{port}";

        var (exit, stdout, stderr) = await RunAsync("participants", "list", "--address", address, "--token", "t", "--timeout", "5");

        Assert.Equal(ExitCodes.NoConnection, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"dx: cannot reach {address}: connection refused (is the server running and listening there?)", line.TrimEnd());
    }

    [Theory]
    [InlineData("trads", "trades")]
    [InlineData("list", "listings")]
    [InlineData("zzzz", null)]
    [InlineData("ledgr", "ledger")]
    [InlineData("tok", "tokens")]
    public void Typos_find_the_command_meant(string typed, string? expected) =>
        Assert.Equal(expected, Program.Closest(typed, ["trades", "tokens", "ledger", "listings", "participants"]));
}
