using System.Net;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataExchange.Seeds.Tests;

/// <summary>
/// A real server on a real Kestrel port over a real PostgreSQL, in a schema of its own (the pattern of
/// tests/DataExchange.Server.Tests/Infrastructure/ServerFixture.cs). Started on first use rather than by xunit, so
/// a skipped test does not need a database; scripts/test.sh provides one through DX_TEST_DATABASE_URL.
/// </summary>
public sealed class SeedServerFixture : IAsyncLifetime
{
    public const string OperatorToken = "dx_seed_test_operator_token_0123456789abcdef";

    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "dx-seed-tests", Guid.NewGuid().ToString("N"));
    private readonly SemaphoreSlim starting = new(1, 1);
    private WebApplication? app;
    private string? connectionString;

    public string Schema { get; } = "s_" + Guid.NewGuid().ToString("N")[..16];

    public Uri Address { get; private set; } = null!;

    public async Task StartAsync()
    {
        await starting.WaitAsync();
        try
        {
            if (app is not null)
            {
                return;
            }

            connectionString = ServerSettings.ToConnectionString(
                Environment.GetEnvironmentVariable("DX_TEST_DATABASE_URL")
                ?? throw new InvalidOperationException("DX_TEST_DATABASE_URL is not set: run the tests through scripts/test.sh, which starts PostgreSQL."));
            app = DataExchangeApp.Build(new ServerSettings
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                ConnectionString = connectionString,
                Schema = Schema,
                BootstrapToken = OperatorToken,
                DataDirectory = dataDirectory,
            }, _ => { });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }
        finally
        {
            starting.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (app is null)
        {
            return;
        }

        await app.StopAsync();
        await app.DisposeAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop schema if exists {Schema} cascade", connection);
        await drop.ExecuteNonQueryAsync();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>A plain channel: the loader sends each call's token itself.</summary>
    public GrpcChannel Channel() => GrpcChannel.ForAddress(Address);

    public static CallOptions AsOperator() => new(new Metadata { { "authorization", $"Bearer {OperatorToken}" } });

    public async Task<long> CountEventsAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"select count(*) from {Schema}.mt_events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
