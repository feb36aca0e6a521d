using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace DataExchange.Server.Tests.Infrastructure;

public class ServingSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Health_reports_serving_without_a_token_while_the_database_answers()
    {
        var health = new Health.HealthClient(server.Channel(null));
        var response = await health.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_services()
    {
        var reflection = new ServerReflection.ServerReflectionClient(server.Channel(null));
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("dataexchange.v1.ParticipantService", services);
        Assert.Contains("dataexchange.v1.ListingService", services);
    }
}

public class DatabaseHealthSpecs
{
    [Fact]
    public async Task The_database_check_is_unhealthy_when_postgres_is_unreachable()
    {
        var settings = new DataExchange.Server.Configuration.ServerSettings
        {
            Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
            ConnectionString = "Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2",
            DataDirectory = Path.GetTempPath(),
        };
        var check = new DataExchange.Server.Hosting.DatabaseHealthCheck(settings);
        var result = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, result.Status);
    }
}
