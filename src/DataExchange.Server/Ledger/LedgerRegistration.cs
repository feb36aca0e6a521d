using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace DataExchange.Server.Ledger;

public static class LedgerRegistration
{
    /// <summary>The verifiable ledger: storage, keys, checkpoints, the sequencer (after Marten's schema is applied) and its gRPC service.</summary>
    public static IServiceCollection AddLedger(this IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton(sp => new LedgerStorage(sp.GetRequiredService<NpgsqlDataSource>(), settings));
        services.AddSingleton<LedgerSigning>();
        services.AddSingleton<LedgerIntegrity>();
        services.AddSingleton<CheckpointSigner>();
        services.AddSingleton<Checkpointer>();
        services.AddSingleton<ServedProofGuard>();
        services.AddSingleton<TextSealer>();
        services.AddSingleton<StreamHeadIndex>();
        services.AddSingleton<LedgerReadPolicy>();
        services.AddSingleton<LedgerStreams>();
        services.AddSingleton<WitnessRoster>();
        services.AddSingleton<CheckpointCosignatures>();
        if (settings.Ledger.Witnesses.Count > 0)
        {
            services.AddHostedService<WitnessPusher>();
        }

        services.TryAddSingleton<ITradeReceiptResolver, DefaultTradeReceiptResolver>();
        services.AddHostedService<LedgerStartup>();
        services.AddHostedService<AppendOnlyGuards>();
        services.AddSingleton<LedgerSequencer>();
        if (settings.Ledger.RunSequencer)
        {
            services.AddHostedService(sp => sp.GetRequiredService<LedgerSequencer>());
        }

        return services;
    }
}
