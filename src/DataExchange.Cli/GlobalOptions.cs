using System.CommandLine;
using System.Globalization;

namespace DataExchange.Cli;

/// <summary>Connection and output settings of one invocation, after options and environment are combined.</summary>
/// <param name="StateDirectory">Where dx remembers the last checkpoint it verified per log; null when no home is known.</param>
internal sealed record CliSettings(Uri Address, string? Token, bool Json, TimeSpan Timeout, TlsFiles? Tls = null, string? StateDirectory = null);

/// <summary>
/// PEM files for an https:// address: the CA to trust instead of the machine's store (--ca), and the client
/// certificate and key for a server that requires mTLS (--cert, --key; the key may also sit in the certificate file).
/// </summary>
internal sealed record TlsFiles(string? CaFile, string? CertFile, string? KeyFile);

/// <summary>Options every command accepts (recursive on the root command, so they may follow the subcommand).</summary>
internal sealed class GlobalOptions
{
    public const string AddressVariable = "DX_ADDRESS";
    public const string TokenVariable = "DX_TOKEN";
    public const string DefaultAddress = "http://127.0.0.1:5080";
    public const string CaVariable = "DX_CA";
    public const string CertVariable = "DX_CERT";
    public const string KeyVariable = "DX_KEY";
    public const string StateVariable = "DX_STATE_DIR";

    public Option<string> Address { get; } = new("--address")
    {
        Description = $"Service address: https://host:port for TLS, http:// for cleartext on loopback [env {AddressVariable}; default {DefaultAddress}]",
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

    public Option<string> Ca { get; } = new("--ca")
    {
        Description = $"PEM file of the CA that issued the server's certificate, trusted instead of the system's CAs (https:// only) [env {CaVariable}]",
        HelpName = "file",
        Recursive = true,
    };

    public Option<string> Cert { get; } = new("--cert")
    {
        Description = $"PEM file of this client's certificate, for a server that requires client certificates (mTLS) [env {CertVariable}]",
        HelpName = "file",
        Recursive = true,
    };

    public Option<string> Key { get; } = new("--key")
    {
        Description = $"PEM file of the client certificate's private key [env {KeyVariable}; default: in the --cert file]",
        HelpName = "file",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the response as protobuf JSON on stdout (errors: google.rpc.Status JSON on stderr)",
        Recursive = true,
    };

    public Option<int?> Width { get; } = new("--width")
    {
        Description = $"Lay tables out for this many columns [env {Output.ColumnsVariable}; default: the terminal's width, or {Output.DefaultWidth} when not a terminal]",
        HelpName = "columns",
        Recursive = true,
    };

    public Option<int> TimeoutSeconds { get; } = new("--timeout")
    {
        Description = "Deadline of each call in seconds",
        HelpName = "seconds",
        DefaultValueFactory = _ => 30,
        Recursive = true,
    };

    public Option<string> StateDir { get; } = new("--state-dir")
    {
        Description = $"Where dx remembers, per log, the last checkpoint it verified [env {StateVariable}; default $XDG_CONFIG_HOME/dataexchange or ~/.config/dataexchange]",
        HelpName = "dir",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(Address);
        root.Add(Token);
        root.Add(Ca);
        root.Add(Cert);
        root.Add(Key);
        root.Add(Json);
        root.Add(Width);
        root.Add(TimeoutSeconds);
        root.Add(StateDir);
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
        return new CliSettings(address, token, result.GetValue(Json), TimeSpan.FromSeconds(seconds), ReadTls(result, environment, address),
            StateDirectory(result, environment));
    }

    /// <summary>--state-dir, else DX_STATE_DIR, else the XDG config home's dataexchange folder (~/.config/dataexchange).</summary>
    public string? StateDirectory(ParseResult result, Func<string, string?> environment)
    {
        if ((NonEmpty(result.GetValue(StateDir)) ?? NonEmpty(environment(StateVariable))) is { } given)
        {
            return Path.GetFullPath(given);
        }

        if (NonEmpty(environment("XDG_CONFIG_HOME")) is { } config && Path.IsPathRooted(config))
        {
            return Path.Combine(config, "dataexchange");
        }

        return NonEmpty(environment("HOME")) is { } home ? Path.Combine(home, ".config", "dataexchange") : null;
    }

    /// <summary>
    /// The TLS files for an https:// address. With an http:// address, --ca/--cert/--key are refused (the user meant
    /// TLS) and DX_CA/DX_CERT/DX_KEY are ignored: the environment is ambient, and the address's scheme decides.
    /// </summary>
    private TlsFiles? ReadTls(ParseResult result, Func<string, string?> environment, Uri address)
    {
        var https = address.Scheme == Uri.UriSchemeHttps;
        string? File(Option<string> option, string variable)
        {
            if (NonEmpty(result.GetValue(option)) is { } given)
            {
                return https
                    ? given
                    : throw new CliException($"{option.Name} needs an https:// address; {address.GetLeftPart(UriPartial.Authority)} is cleartext.");
            }

            return https ? NonEmpty(environment(variable)) : null;
        }

        var ca = File(Ca, CaVariable);
        var cert = File(Cert, CertVariable);
        var key = File(Key, KeyVariable);
        if (key is not null && cert is null)
        {
            throw new CliException($"--key (or {KeyVariable}) needs --cert (or {CertVariable}), the certificate of that key.");
        }

        return ca is null && cert is null && key is null ? null : new TlsFiles(ca, cert, key);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
