using DataExchange.Server.Configuration;
using DataExchange.Server.Diagnostics;
using DataExchange.Server.Infrastructure;
using Npgsql;

namespace DataExchange.Server.Ledger;

/// <summary>
/// Reads the ledger's gauges from the database every <see cref="TelemetrySettings.LedgerSampleInterval"/>, so that
/// every server reports them, not only the sequencer's leader: the tree size, the committed events above the
/// sequencer's mark (its lag; at most a million are counted) and when the latest checkpoint was signed. One small
/// query; registered only when metrics are collected.
/// </summary>
public sealed class LedgerGauges(LedgerStorage storage, ExchangeMetrics metrics, ServerSettings settings, ILogger<LedgerGauges> logger)
    : BackgroundService
{
    private const int LagCountLimit = 1_000_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Telemetry.LedgerSampleInterval);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The gauges keep their last values; the database's own health check reports the outage.
                logger.LogDebug(e, "Could not read the ledger's gauges");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
    }

    private async Task SampleAsync(CancellationToken ct)
    {
        await using var connection = await storage.DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select s.size,
                   (select count(*) from (select 1 from {storage.Table(MartenTables.Events)} e where e.seq_id > s.last_seq_id limit {LagCountLimit}) above),
                   (select c.created_at from {storage.Table("ledger_checkpoints")} c order by c.size desc limit 1)
            from {storage.Table("ledger_state")} s where s.id = 1
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            metrics.ObserveLedger(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
        }
    }
}
