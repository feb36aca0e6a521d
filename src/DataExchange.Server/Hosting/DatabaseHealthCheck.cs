using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace DataExchange.Server.Hosting;

/// <summary>Reports NOT_SERVING through the gRPC health service when PostgreSQL cannot answer.</summary>
public sealed class DatabaseHealthCheck(ServerSettings settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // A fresh connection each time: a pooled one may be a socket PostgreSQL closed when it restarted, and would report
            // a healthy database as down once.
            var builder = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Timeout = 3, Pooling = false };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", e);
        }
    }
}
