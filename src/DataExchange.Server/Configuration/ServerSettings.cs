using System.Net;
using Npgsql;

namespace DataExchange.Server.Configuration;

/// <summary>Settings from the environment (DX_*), with the defaults a newcomer's machine needs.</summary>
public sealed record ServerSettings
{
    public required IPEndPoint Listen { get; init; }

    /// <summary>
    /// DX_HTTP_LISTEN: the HTTP/1.1 and HTTP/2 port for REST/JSON (the gRPC methods transcoded by their google.api.http
    /// annotations) and the OpenAPI document; null serves them on <see cref="Listen"/> only (HTTP/2). Browsers and
    /// plain curl cannot speak cleartext HTTP/2, hence a port of its own. Same TLS and loopback rules as DX_LISTEN.
    /// </summary>
    public IPEndPoint? HttpListen { get; init; }

    public const string HttpListenVariable = "DX_HTTP_LISTEN";

    /// <summary>DX_TLS_*: the certificate, key and client CA to serve TLS with; null serves cleartext (loopback only).</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>
    /// DX_INSECURE_CLEARTEXT=1: allow cleartext on a non-loopback <see cref="Listen"/> address, for a TLS-terminating
    /// proxy on a private network only. Off, such a start is refused (<see cref="ServerTls.EnsureListenIsSafe"/>).
    /// </summary>
    public bool InsecureCleartext { get; init; }

    public const string InsecureCleartextVariable = "DX_INSECURE_CLEARTEXT";

    public required string ConnectionString { get; init; }

    /// <summary>
    /// DX_DATABASE_OWNER_URL (optional): the role that owns the schema. When set, the server creates and migrates the
    /// schema (Marten's tables, the ledger's, the append-only guards) with it at start, grants
    /// <see cref="ConnectionString"/>'s role only the rights it needs (no DELETE or TRUNCATE of history, UPDATE of the
    /// guarded tables only on the columns the guards allow, not the owner, so it cannot disable a trigger), and runs
    /// everything else as that role. Unset: one role does both.
    /// </summary>
    public string? OwnerConnectionString { get; init; }

    /// <summary>The connection for schema changes: the owner's when configured, otherwise the server's.</summary>
    public string SchemaConnectionString => OwnerConnectionString ?? ConnectionString;

    /// <summary>Marten schema; tests use one per test class so they run in parallel on one cluster.</summary>
    public string Schema { get; init; } = "dataexchange";

    public string? BootstrapToken { get; init; }

    /// <summary>How stale the public statistics may be; tests that read their own trades back set zero.</summary>
    public TimeSpan StatisticsMaxAge { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the server keeps its own files: keys and the generated bootstrap token.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The verifiable ledger: hash, origin, checkpoint interval, signing keys.</summary>
    public LedgerSettings Ledger { get; init; } = new();

    /// <summary>Token caching and per-caller limits (DX_TOKEN_*, DX_MAX_*, DX_RATE_*).</summary>
    public AccessSettings Access { get; init; } = new();

    /// <summary>The batched trade pipeline (DX_TRADE_*).</summary>
    public TradePipelineSettings Trades { get; init; } = new();

    /// <summary>Traces, metrics and the log format (DX_METRICS_LISTEN, DX_LOG_FORMAT, OTEL_*).</summary>
    public TelemetrySettings Telemetry { get; init; } = new();

    public static ServerSettings FromEnvironment(Func<string, string?> env)
    {
        var listen = env("DX_LISTEN") is { Length: > 0 } l ? l : "127.0.0.1:5080";
        var url = env("DX_DATABASE_URL") is { Length: > 0 } u ? u
            : throw new SettingsException("DX_DATABASE_URL is not set; scripts/run.sh starts a private PostgreSQL and sets it.");
        var toast = ToastCompression(env);
        var telemetry = TelemetrySettings.FromEnvironment(env);
        var endpoint = ParseEndpoint(listen);
        var httpListen = env(HttpListenVariable) switch
        {
            null or "" => ParseEndpoint("127.0.0.1:5081"),
            "off" => null,
            var http => ParseEndpoint(http, HttpListenVariable),
        };
        foreach (var (variable, other) in new[] { ("DX_LISTEN", endpoint), (HttpListenVariable, httpListen) })
        {
            if (telemetry.MetricsListen is { } metrics && other is not null && metrics.Port == other.Port
                && (metrics.Address.Equals(other.Address) || IsAnyAddress(metrics.Address) || IsAnyAddress(other.Address)))
            {
                throw new SettingsException(
                    $"{TelemetrySettings.MetricsListenVariable} {metrics} and {variable} {other} are the same port; the metrics endpoint needs a port of its own.");
            }
        }

        return new ServerSettings
        {
            Listen = endpoint,
            HttpListen = httpListen,
            Tls = TlsSettings.FromEnvironment(env),
            InsecureCleartext = TlsSettings.ParseFlag(InsecureCleartextVariable, env(InsecureCleartextVariable)) ?? false,
            ConnectionString = ToConnectionString(url, toast),
            OwnerConnectionString = env("DX_DATABASE_OWNER_URL") is { Length: > 0 } owner ? ToConnectionString(owner, toast) : null,
            Schema = env("DX_SCHEMA") is { Length: > 0 } s ? s : "dataexchange",
            BootstrapToken = env("DX_BOOTSTRAP_TOKEN") is { Length: > 0 } t ? t : null,
            DataDirectory = env("DX_DATA_DIR") is { Length: > 0 } d ? d : ".data",
            Ledger = LedgerSettings.FromEnvironment(env),
            Access = AccessSettings.FromEnvironment(env),
            Trades = TradePipelineSettings.FromEnvironment(env),
            Telemetry = telemetry,
        };
    }

    private static bool IsAnyAddress(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    public static IPEndPoint ParseEndpoint(string text, string variable = "DX_LISTEN", string example = "127.0.0.1:5080 (or off)") =>
        IPEndPoint.TryParse(text.Replace("localhost", "127.0.0.1", StringComparison.OrdinalIgnoreCase), out var endpoint)
            ? endpoint
            : throw new SettingsException($"{variable} '{text}' is not host:port, for example {example}.");

    public const string ToastCompressionVariable = "DX_PG_TOAST_COMPRESSION";

    /// <summary>
    /// How PostgreSQL compresses the large values the server writes (events, read models, leaves): lz4 by default, set
    /// per connection. Measured with scripts/bench.sh: PostgreSQL's CPU per trade fell by 17% and trades/s rose by 16%
    /// against pglz, and the audit read 36% faster. "pglz" for a server built without lz4, "server" to leave it to the
    /// server's own default_toast_compression.
    /// </summary>
    public static string? ToastCompression(Func<string, string?> env) => env(ToastCompressionVariable) switch
    {
        null or "" or "lz4" => "lz4",
        "pglz" => "pglz",
        "server" => null,
        var other => throw new SettingsException($"{ToastCompressionVariable} '{other}' must be lz4, pglz or server."),
    };

    /// <summary>
    /// Accepts postgres:// URLs (as docker-compose and most hosts give them) or Npgsql connection strings; with
    /// <paramref name="toastCompression"/>, every connection sets default_toast_compression to it.
    /// </summary>
    public static string ToConnectionString(string url, string? toastCompression = "lz4")
    {
        if (!url.StartsWith("postgres://", StringComparison.Ordinal) && !url.StartsWith("postgresql://", StringComparison.Ordinal))
        {
            NpgsqlConnectionStringBuilder given;
            try
            {
                given = new NpgsqlConnectionStringBuilder(url);
            }
            catch (ArgumentException e)
            {
                throw new SettingsException($"The database address is neither a postgres:// URL nor an Npgsql connection string: {e.Message}");
            }

            return WithToastCompression(given, toastCompression);
        }

        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2 && kv[0] == "host")
            {
                builder.Host = Uri.UnescapeDataString(kv[1]);
            }
        }

        return WithToastCompression(builder, toastCompression);
    }

    private static string WithToastCompression(NpgsqlConnectionStringBuilder builder, string? method)
    {
        if (method is not null && builder.Options?.Contains("default_toast_compression", StringComparison.Ordinal) != true)
        {
            builder.Options = $"{builder.Options} -c default_toast_compression={method}".Trim();
        }

        return builder.ConnectionString;
    }
}
