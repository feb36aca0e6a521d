using System.Globalization;

namespace DataExchange.Server.Configuration;

/// <summary>The batched trade pipeline (DX_TRADE_*): whether ExecuteTrade and FileTrade go through it, and its bounds.</summary>
public sealed record TradePipelineSettings
{
    /// <summary>DX_TRADE_PIPELINE (1/0): contract trades in batches (group commit) rather than one transaction each.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>DX_TRADE_BATCH_MAX: at most this many trades per batch (one transaction).</summary>
    public int BatchMax { get; init; } = 64;

    /// <summary>
    /// DX_TRADE_BATCH_WINDOW_MS: how long a batch that is not full waits for more trades before it starts. Under load the
    /// queue fills while the previous batch commits, so the window matters only when few callers trade at once.
    /// </summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>DX_TRADE_QUEUE_MAX: trades waiting for a batch; beyond it a trade is answered RESOURCE_EXHAUSTED.</summary>
    public int QueueMax { get; init; } = 4096;

    public static TradePipelineSettings FromEnvironment(Func<string, string?> env)
    {
        var s = new TradePipelineSettings();
        int Int(string name, int fallback, int min)
        {
            if (env(name) is not { Length: > 0 } text)
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new SettingsException($"{name} '{text}' must be a whole number of at least {min}.");
        }

        return s with
        {
            Enabled = env("DX_TRADE_PIPELINE") is not { Length: > 0 } flag
                ? s.Enabled
                : flag switch
                {
                    "1" or "true" => true,
                    "0" or "false" => false,
                    _ => throw new SettingsException($"DX_TRADE_PIPELINE '{flag}' must be 1 or 0."),
                },
            BatchMax = Int("DX_TRADE_BATCH_MAX", s.BatchMax, min: 1),
            Window = TimeSpan.FromMilliseconds(Int("DX_TRADE_BATCH_WINDOW_MS", (int)s.Window.TotalMilliseconds, min: 0)),
            QueueMax = Int("DX_TRADE_QUEUE_MAX", s.QueueMax, min: 1),
        };
    }
}
