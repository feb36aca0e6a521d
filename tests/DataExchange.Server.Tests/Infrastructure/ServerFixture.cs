using System.Net;
using DataExchange.Contracts.V1;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>
/// A real server on a real Kestrel port (HTTP/2) over a real PostgreSQL, in a schema of its own, so test classes
/// run in parallel on one cluster. scripts/test.sh provides the cluster through DX_TEST_DATABASE_URL.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string OperatorToken = "dx_test_operator_token_0123456789abcdef";

    private WebApplication? app;

    public string DataDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "dx-tests", Guid.NewGuid().ToString("N"));

    public string Schema { get; init; } = "t_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Ledger settings of the server (fixtures for SM3 logs or fast checkpoints change them).</summary>
    public DataExchange.Server.Configuration.LedgerSettings Ledger { get; init; } = new();

    /// <summary>
    /// The log's origin: the one <see cref="Ledger"/> names, except that the default becomes one per schema, so the many
    /// logs the specs run (different keys, different histories) are never one log to dx's memory of checkpoints.
    /// </summary>
    public string Origin => Ledger.Origin == new DataExchange.Server.Configuration.LedgerSettings().Origin ? $"dataexchange.local/test-{Schema}" : Ledger.Origin;

    /// <summary>TLS settings of the server (the TLS specs serve HTTPS with certificates they generate); null: cleartext.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>The batched trade pipeline's settings (on, as by default, unless a fixture says otherwise).</summary>
    public DataExchange.Server.Configuration.TradePipelineSettings Trades { get; init; } = new();

    /// <summary>
    /// Telemetry of the server (off, as without OTEL_* and DX_METRICS_LISTEN, unless a fixture says otherwise). A test that
    /// turns traces on adds its exporter through <see cref="ConfigureServices"/>, e.g.
    /// <c>services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans))</c>.
    /// </summary>
    public TelemetrySettings Telemetry { get; init; } = new();

    /// <summary>False for a fixture that shares its schema with another server and must not drop it.</summary>
    public bool OwnsSchema { get; init; } = true;

    public string ConnectionString { get; } = ServerSettings.ToConnectionString(
        Environment.GetEnvironmentVariable("DX_TEST_DATABASE_URL")
        ?? throw new InvalidOperationException("DX_TEST_DATABASE_URL is not set: run the tests through scripts/test.sh, which starts PostgreSQL."));

    /// <summary>
    /// The server's own connection when it differs from <see cref="ConnectionString"/> (a restricted runtime role);
    /// the fixture's connection then acts as DX_DATABASE_OWNER_URL. Tests always use <see cref="ConnectionString"/>.
    /// </summary>
    public string? ServerConnectionString { get; init; }

    public Uri Address { get; private set; } = null!;

    /// <summary>True: also serve REST/JSON on a port of its own (DX_HTTP_LISTEN), at <see cref="HttpAddress"/>.</summary>
    public bool ServeHttp { get; init; }

    public Uri HttpAddress { get; private set; } = null!;

    public IServiceProvider Services => app!.Services;

    public async Task InitializeAsync()
    {
        var settings = new ServerSettings
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            HttpListen = ServeHttp ? new IPEndPoint(IPAddress.Loopback, 0) : null,
            ConnectionString = ServerConnectionString ?? ConnectionString,
            OwnerConnectionString = ServerConnectionString is null ? null : ConnectionString,
            Schema = Schema,
            BootstrapToken = OperatorToken,
            StatisticsMaxAge = TimeSpan.Zero,
            DataDirectory = DataDirectory,
            Ledger = Ledger with { Origin = Origin },
            Tls = Tls,
            Trades = Trades,
            Telemetry = Telemetry,
        };
        app = DataExchangeApp.Build(settings, ConfigureServices);
        await app.StartAsync();
        // Kestrel lists the endpoints in the order they were configured: gRPC, then HTTP.
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal))).ToList();
        Address = addresses[0];
        HttpAddress = ServeHttp ? addresses[1] : null!;
    }

    /// <summary>Hook for fixtures that swap a service, such as the clock.</summary>
    public Action<IServiceCollection> ConfigureServices { get; init; } = _ => { };

    /// <summary>Stops the server (a test may do so early, e.g. to restart on the same schema); idempotent.</summary>
    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (!OwnsSchema)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop schema if exists {Schema} cascade", connection);
        await drop.ExecuteNonQueryAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    public GrpcChannel Channel(string? token)
    {
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            if (token is not null)
            {
                metadata.Add("authorization", $"Bearer {token}");
            }

            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, credentials),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }

    public Clients As(string? token) => new(Channel(token));

    public Clients Operator => As(OperatorToken);

    /// <summary>Registers a participant and returns its name and a client set holding its token.</summary>
    public Task<(string Name, Clients Clients, string Token)> NewParticipantAsync(string displayName, Region region, string city, params Role[] roles) =>
        NewParticipantAsync(displayName, new Jurisdiction { Region = region, City = city }, roles);

    /// <summary>Registers a participant in <paramref name="jurisdiction"/> (a code, a name, a free-trade zone) with a token.</summary>
    public async Task<(string Name, Clients Clients, string Token)> NewParticipantAsync(string displayName, Jurisdiction jurisdiction, params Role[] roles)
    {
        var participant = await Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest
        {
            RequestId = Guid.CreateVersion7().ToString(),
            Participant = new Participant
            {
                DisplayName = displayName,
                LegalName = displayName + " Ltd",
                Roles = { roles },
                Jurisdiction = jurisdiction,
            },
        });
        var token = await Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest
        {
            Parent = participant.Name, Label = "test", RequestId = Guid.CreateVersion7().ToString(),
        });
        return (participant.Name, As(token.Secret), token.Secret);
    }

    /// <summary>Every committed row of mt_events, tombstones included: what the ledger must hold as leaves.</summary>
    public async Task<long> CountEventRowsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"select count(*) from {Schema}.mt_events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    public async Task<long> CountEventsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        // Marten writes 'tombstone' rows for appends that failed after drawing sequence numbers: bookkeeping, not events.
        await using var count = new NpgsqlCommand($"select count(*) from {Schema}.mt_events where type <> 'tombstone'", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}

public sealed class Clients(GrpcChannel channel)
{
    public ParticipantService.ParticipantServiceClient Participants { get; } = new(channel);

    public ListingService.ListingServiceClient Listings { get; } = new(channel);

    public TradeService.TradeServiceClient Trades { get; } = new(channel);

    public ExportApprovalService.ExportApprovalServiceClient Approvals { get; } = new(channel);

    public LedgerService.LedgerServiceClient Ledger { get; } = new(channel);

    public PublicRegisterService.PublicRegisterServiceClient Register { get; } = new(channel);

    public GrpcChannel Channel { get; } = channel;
}
