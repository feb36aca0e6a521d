using DataExchange.Server.Approvals;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using DataExchange.Server.Explorer;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Ledger;
using DataExchange.Server.Listings;
using DataExchange.Server.Participants;
using DataExchange.Server.Trades;
using Marten;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace DataExchange.Server.Hosting;

/// <summary>Builds the whole server; Program.cs and the end-to-end tests both start it through here.</summary>
public static class DataExchangeApp
{
    public static WebApplication Build(ServerSettings settings, Action<IServiceCollection>? configure = null)
    {
        // Settings that cannot work stop the start here, before anything listens or touches the database.
        ServerTls.EnsureListenIsSafe(settings);
        var tls = settings.Tls is null ? null : ServerTls.Load(settings.Tls, DateTimeOffset.UtcNow);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration(); // Kestrel's HTTPS services, which the slim builder leaves out
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(settings.Listen, o =>
            {
                o.Protocols = HttpProtocols.Http2; // with TLS, negotiated by ALPN (h2); without, prior knowledge
                tls?.Configure(o);
            });
            if (settings.HttpListen is { } http)
            {
                k.Listen(http, o =>
                {
                    o.Protocols = HttpProtocols.Http1AndHttp2; // REST/JSON for browsers and curl
                    tls?.Configure(o);
                });
            }
        });
        // One log line per request costs more than the request on a busy exchange: keep framework chatter at Warning.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        // Marten logs every lost optimistic-concurrency race as an error; those are answered (ABORTED or retried) and
        // anything unexpected is logged by the error interceptor, so only its critical messages are kept.
        builder.Logging.AddFilter("Marten", LogLevel.Critical);
        builder.Services.AddDataExchange(settings);
        builder.AddTelemetry(settings); // traces, metrics, the metrics endpoint and the log format, each only when configured
        if (tls is not null)
        {
            builder.Services.AddSingleton(tls);
        }
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        if (!UnicodeNfc.IsAvailable)
        {
            app.Logger.LogWarning("ICU (libicuuc) was not found: request text is not normalised to NFC. Install libicu.");
        }

        app.UseTelemetry(settings); // first: the metrics port answers /metrics and nothing else, outside the call limits
        app.MapExplorer(settings); // the public web explorer's static files, on the HTTP port only (Explorer/ExplorerEndpoints.cs)
        app.UseCallLimits();
        app.UseMiddleware<RequestFraming>(); // after the limits: a flood of bad frames is throttled like any other
        app.MapGrpcService<ParticipantGrpcService>();
        app.MapGrpcService<ListingGrpcService>();
        app.MapGrpcService<TradeGrpcService>();
        app.MapGrpcService<ExportApprovalGrpcService>();
        app.MapGrpcService<LedgerGrpcService>();
        app.MapGrpcService<Register.PublicRegisterGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        RestApi.Map(app);
        return app;
    }

    public static IServiceCollection AddDataExchange(this IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<Diagnostics.ExchangeMetrics>(); // recorded always; collected only when telemetry is configured
        services.AddSingleton(_ => TokenSecrets.LoadOrCreate(Path.Combine(settings.DataDirectory, "keys", "token-key")));
        services.AddSingleton(settings.Access);
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<TokenCacheSync>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenCacheSync>());
        services.AddCallLimits();
        services.AddSingleton<IdempotentExecutor>();
        services.AddSingleton<AggregateCommands>();
        services.AddSingleton<Bootstrap>();
        // The process's one connection pool: Marten, the ledger and the raw queries all draw from it.
        services.AddSingleton(_ => Telemetry.CreateDataSource(settings.ConnectionString));
        services.AddSingleton<FilingNumbers>();
        services.AddSingleton<TradeContractor>();
        services.AddSingleton(settings.Trades);
        services.AddSingleton<TradePipeline>();
        if (settings.Trades.Enabled)
        {
            services.AddHostedService(sp => sp.GetRequiredService<TradePipeline>());
        }
        services.AddSingleton<ExchangeStatisticsReader>();

        var marten = services.AddMarten(_ => MartenSetup.Configure(settings)).UseLightweightSessions().UseNpgsqlDataSource();
        if (settings.OwnerConnectionString is null)
        {
            marten.ApplyAllDatabaseChangesOnStartup();
        }
        else
        {
            services.AddHostedService<RuntimeRoleSetup>(); // the schema, as its owner, before anything writes
        }

        services.AddHostedService<BootstrapService>();
        services.AddSingleton<ITradeReceiptResolver, TradeReceiptResolver>();
        services.AddLedger(settings);

        services.AddSingleton<ClientCertificateInterceptor>();
        services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            o.Interceptors.Add<RestRequestTextInterceptor>(); // REST requests: text to NFC, as the gRPC marshaller does
            o.Interceptors.Add<AuthenticationInterceptor>();
            o.Interceptors.Add<ClientCertificateInterceptor>(); // mTLS: the token must be the certificate's participant's
            o.Interceptors.Add<Ledger.LedgerIntegrityInterceptor>();
            o.EnableDetailedErrors = false;
        });
        services.AddRestApi(); // before the guard: AddGrpc (which it calls) would bring the default binder back
        services.AddGuardedServiceMethods(); // malformed bodies → INVALID_ARGUMENT, request text → NFC
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(o =>
            {
                o.Services.Map("", _ => true);
                o.Services.Map("dataexchange.v1.LedgerService", _ => true);
            })
            .AddCheck<DatabaseHealthCheck>("postgresql")
            .AddCheck<Ledger.LedgerIntegrityHealthCheck>("ledger")
            .AddCheck<Ledger.WitnessHealthCheck>("witnesses");
        return services;
    }

    private sealed class BootstrapService(Bootstrap bootstrap) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => bootstrap.EnsureOperatorAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
