using System.CommandLine;
using System.Globalization;

namespace DataExchange.Cli;

/// <summary>Connection and output settings of one invocation, after options and environment are combined.</summary>
internal sealed record CliSettings(Uri Address, string? Token, bool Json, TimeSpan Timeout);

/// <summary>Options every command accepts (recursive on the root command, so they may follow the subcommand).</summary>
internal sealed class GlobalOptions
{
    public const string AddressVariable = "DX_ADDRESS";
    public const string TokenVariable = "DX_TOKEN";
    public const string DefaultAddress = "http://127.0.0.1:5080";

    public Option<string> Address { get; } = new("--address")
    {
        Description = $"Service address, HTTP/2 cleartext gRPC [env {AddressVariable}; default {DefaultAddress}]",
        HelpName = "url",
        Recursive = true,
    };

    // No DefaultValueFactory: help would print the secret from the environment as the default.
    public Option<string> Token { get; } = new("--token")
    {
        Description = $"API token, sent as 'authorization: Bearer <token>' [env {TokenVariable}]",
        HelpName = "secret",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the response as protobuf JSON on stdout (errors: google.rpc.Status JSON on stderr)",
        Recursive = true,
    };

    public Option<int> TimeoutSeconds { get; } = new("--timeout")
    {
        Description = "Deadline of each call in seconds",
        HelpName = "seconds",
        DefaultValueFactory = _ => 30,
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(Address);
        root.Add(Token);
        root.Add(Json);
        root.Add(TimeoutSeconds);
    }

    /// <summary>Options win over the environment; the environment over defaults.</summary>
    public CliSettings Read(ParseResult result, Func<string, string?> environment)
    {
        var addressText = NonEmpty(result.GetValue(Address)) ?? NonEmpty(environment(AddressVariable)) ?? DefaultAddress;
        if (!Uri.TryCreate(addressText, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new CliException($"--address '{addressText}' must be an absolute http:// or https:// URL.");
        }

        var seconds = result.GetValue(TimeoutSeconds);
        if (seconds <= 0)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--timeout must be positive, not {seconds}."));
        }

        var token = NonEmpty(result.GetValue(Token)) ?? NonEmpty(environment(TokenVariable));
        return new CliSettings(address, token, result.GetValue(Json), TimeSpan.FromSeconds(seconds));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
