using DataExchange.Cli;

namespace DataExchange.Cli.Tests;

public sealed class GlobalOptionsTests
{
    private static CliSettings Read(string commandLine, Dictionary<string, string>? environment = null)
    {
        var global = new GlobalOptions();
        var result = Program.BuildRootCommand(global).Parse(commandLine);
        Assert.Empty(result.Errors);
        return global.Read(result, name => environment?.GetValueOrDefault(name));
    }

    [Fact]
    public void Defaults_without_options_or_environment()
    {
        var settings = Read("participants list");

        Assert.Equal(new Uri("http://127.0.0.1:5080"), settings.Address);
        Assert.Null(settings.Token);
        Assert.False(settings.Json);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Timeout);
    }

    [Fact]
    public void Environment_fills_in_what_options_do_not_give()
    {
        var settings = Read("health", new() { ["DX_ADDRESS"] = "http://10.0.0.5:6000", ["DX_TOKEN"] = "dx_env" });

        Assert.Equal(new Uri("http://10.0.0.5:6000"), settings.Address);
        Assert.Equal("dx_env", settings.Token);
    }

    [Fact]
    public void Options_win_over_the_environment_and_may_follow_the_subcommand()
    {
        var settings = Read("listings list --address http://example:1 --token dx_opt --json --timeout 5",
            new() { ["DX_ADDRESS"] = "http://10.0.0.5:6000", ["DX_TOKEN"] = "dx_env" });

        Assert.Equal(new Uri("http://example:1"), settings.Address);
        Assert.Equal("dx_opt", settings.Token);
        Assert.True(settings.Json);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Timeout);
    }

    [Theory]
    [InlineData("health --address 127.0.0.1:5080")]
    [InlineData("health --address ftp://host")]
    [InlineData("health --timeout 0")]
    [InlineData("health --address http://127.0.0.1:5080 --ca ca.crt")]
    [InlineData("health --address https://127.0.0.1:5080 --key client.key")]
    public void Bad_settings_are_usage_errors(string commandLine) =>
        Assert.Throws<CliException>(() => Read(commandLine));

    [Fact]
    public void Tls_files_come_from_options_or_the_environment_for_https_addresses()
    {
        Assert.Null(Read("health --address https://dx.example:5080").Tls);

        var fromEnvironment = Read("health", new()
        {
            ["DX_ADDRESS"] = "https://dx.example:5080", ["DX_CA"] = "ca.crt", ["DX_CERT"] = "me.crt", ["DX_KEY"] = "me.key",
        });
        Assert.Equal(new TlsFiles("ca.crt", "me.crt", "me.key"), fromEnvironment.Tls);

        var fromOptions = Read("health --address https://dx.example:5080 --ca other.crt --cert bundle.pem", new() { ["DX_CA"] = "ca.crt" });
        Assert.Equal(new TlsFiles("other.crt", "bundle.pem", null), fromOptions.Tls);
    }

    [Fact]
    public void With_a_cleartext_address_tls_options_are_refused_and_the_environments_tls_files_ignored()
    {
        var global = new GlobalOptions();
        var refused = Assert.Throws<CliException>(() => global.Read(Program.BuildRootCommand(global).Parse("health --cert me.crt"), _ => null));
        Assert.Equal("--cert needs an https:// address; http://127.0.0.1:5080 is cleartext.", refused.Message);

        var settings = Read("health", new() { ["DX_CA"] = "ca.crt", ["DX_CERT"] = "me.crt", ["DX_KEY"] = "me.key" });
        Assert.Equal(Uri.UriSchemeHttp, settings.Address.Scheme);
        Assert.Null(settings.Tls);
    }

    [Fact]
    public void Token_is_sent_as_a_bearer_header_with_a_deadline()
    {
        using var context = new CliContext(new CliSettings(new Uri("http://127.0.0.1:5080"), "dx_secret", false, TimeSpan.FromSeconds(7)),
            new Output(false, TextWriter.Null, TextWriter.Null));

        var before = DateTime.UtcNow;
        var options = context.Call(CancellationToken.None);

        Assert.Equal("Bearer dx_secret", options.Headers!.GetValue("authorization"));
        Assert.InRange(options.Deadline!.Value, before.AddSeconds(6), DateTime.UtcNow.AddSeconds(8));
    }

    [Fact]
    public void No_token_no_header()
    {
        using var context = new CliContext(new CliSettings(new Uri("http://127.0.0.1:5080"), null, false, TimeSpan.FromSeconds(7)),
            new Output(false, TextWriter.Null, TextWriter.Null));

        Assert.Null(context.Call(CancellationToken.None).Headers!.GetValue("authorization"));
    }

    [Fact]
    public void Help_documents_the_exit_codes()
    {
        var output = new StringWriter();
        var result = Program.BuildRootCommand().Parse("--help");
        result.InvocationConfiguration.Output = output;
        result.Invoke();

        Assert.Contains("Exit codes:", output.ToString());
        Assert.Contains("3  refused: NOT_FOUND", output.ToString());
    }
}
