using DataExchange.Server.Configuration;
using DataExchange.Server.Diagnostics;
using DataExchange.Server.Hosting;
using Marten;

WebApplication app;
ServerSettings settings;
try
{
    settings = ServerSettings.FromEnvironment(Environment.GetEnvironmentVariable);
    app = DataExchangeApp.Build(settings, StageTimings.AddIfEnabled); // DX_STAGE_TIMINGS=1: per-stage timings for the bench
}
catch (SettingsException e)
{
    // A setting to fix, not a bug: one line naming the variable, no stack trace.
    Console.Error.WriteLine($"DataExchange cannot start: {e.Message}");
    return 2;
}

await app.StartAsync();
var bootstrap = app.Services.GetRequiredService<Bootstrap>();
if (settings.Tls is not null)
{
    app.Announce($"DataExchange listening on https://{settings.Listen} (gRPC, HTTP/2 over {app.Services.GetRequiredService<ServerTls>().Describe()})");
}
else
{
    app.Announce($"DataExchange listening on http://{settings.Listen} (gRPC, HTTP/2 cleartext)");
    if (settings.InsecureCleartext && !System.Net.IPAddress.IsLoopback(settings.Listen.Address))
    {
        app.Logger.LogWarning("{Variable}=1: serving bearer tokens in CLEARTEXT on {Listen}, a non-loopback address; only a TLS-terminating proxy on a private network may front this",
            ServerSettings.InsecureCleartextVariable, settings.Listen);
    }
}

if (settings.Telemetry.MetricsListen is { } metrics)
{
    app.Announce($"Metrics on http://{metrics}/metrics (Prometheus)");
}

// The operator's participant name (not a secret): with mTLS its client certificate must be bound to it.
await using (var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession())
{
    if (await session.LoadAsync<BootstrapRecord>("bootstrap") is { } record)
    {
        app.Announce($"Operator: participants/{record.OperatorId}");
    }
}

if (settings.BootstrapToken is null && File.Exists(bootstrap.TokenFile))
{
    app.Announce($"Operator token: {Path.GetFullPath(bootstrap.TokenFile)}");
}

await app.WaitForShutdownAsync();
return 0;
