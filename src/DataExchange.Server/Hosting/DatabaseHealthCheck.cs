using DataExchange.Server.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace DataExchange.Server.Hosting;

/// <summary>Reports NOT_SERVING through the gRPC health service when PostgreSQL cannot answer.</summary>
public sealed class DatabaseHealthCheck(ServerSettings settings) : IHealthCheck
{
    private readonly string pooled = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Timeout = 3 }.ConnectionString;
    private readonly string unpooled = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Timeout = 3, Pooling = false }.ConnectionString;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // A pooled connection keeps health checks cheap, but after PostgreSQL restarts it may be a socket the server
        // closed: a failure is confirmed on a fresh connection before the database is reported down.
        if (await AnswersAsync(pooled, cancellationToken) is null)
        {
            return HealthCheckResult.Healthy();
        }

        await using (var stale = new NpgsqlConnection(pooled))
        {
            NpgsqlConnection.ClearPool(stale); // drop the pool's dead sockets, so the next check is pooled again
        }

        return await AnswersAsync(unpooled, cancellationToken) is { } failure
            ? HealthCheckResult.Unhealthy("PostgreSQL is unreachable", failure)
            : HealthCheckResult.Healthy();
    }

    /// <summary>Null when <c>select 1</c> succeeds on a connection of <paramref name="connectionString"/>; else the failure.</summary>
    private static async Task<Exception?> AnswersAsync(string connectionString, CancellationToken ct)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("select 1", connection);
            await command.ExecuteScalarAsync(ct);
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            return e;
        }
    }
}
