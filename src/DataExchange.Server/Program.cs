using DataExchange.Server.Hosting;

var settings = ServerSettings.FromEnvironment(Environment.GetEnvironmentVariable);
var app = DataExchangeApp.Build(settings, StageTimings.AddIfEnabled); // DX_STAGE_TIMINGS=1: per-stage timings for the bench
await app.StartAsync();
var bootstrap = app.Services.GetRequiredService<Bootstrap>();
Console.WriteLine($"DataExchange listening on http://{settings.Listen} (gRPC, HTTP/2 cleartext)");
if (settings.BootstrapToken is null && File.Exists(bootstrap.TokenFile))
{
    Console.WriteLine($"Operator token: {Path.GetFullPath(bootstrap.TokenFile)}");
}

await app.WaitForShutdownAsync();
