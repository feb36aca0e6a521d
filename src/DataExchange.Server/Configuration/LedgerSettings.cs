using System.Globalization;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Server.Configuration;

/// <summary>Settings of the verifiable ledger (DX_LEDGER_*, DX_CHECKPOINT_INTERVAL_MS).</summary>
public sealed record LedgerSettings
{
    /// <summary>Hash function of the log; fixed when the log is created (the server refuses to start with another).</summary>
    public LogHashAlgorithm HashAlgorithm { get; init; } = LogHashAlgorithm.Sha256;

    /// <summary>Checkpoint origin: a schema-less URL naming the log.</summary>
    public string Origin { get; init; } = "dataexchange.local/ledger";

    /// <summary>
    /// A checkpoint is signed at least this often while new leaves arrive (and at once when a caller waits for one): it
    /// bounds how long a committed event stays unsigned. 100 ms keeps commit → signed checkpoint under 250 ms at load
    /// for about ten SM2 and Ed25519 signatures a second while the log grows, and none while it does not.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the sequencer looks for new events when idle, and how often a follower retries the leader lock.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Most events integrated in one transaction.</summary>
    public int BatchSize { get; init; } = 2000;

    /// <summary>PEM file of the SM2 private key; null → generated under &lt;data dir&gt;/keys/ on first start.</summary>
    public string? Sm2KeyFile { get; init; }

    /// <summary>PEM file of the Ed25519 private key; null → generated under &lt;data dir&gt;/keys/ on first start.</summary>
    public string? Ed25519KeyFile { get; init; }

    /// <summary>Signature lines read "— {prefix}-sm2 …" and "— {prefix}-ed25519 …".</summary>
    public string KeyNamePrefix { get; init; } = "dataexchange";

    /// <summary>False only in tests that drive a server without a sequencer (it then serves whatever is stored).</summary>
    public bool RunSequencer { get; init; } = true;

    /// <summary>DX_WITNESSES: the witnesses each new checkpoint is pushed to (C2SP tlog-witness), with their keys.</summary>
    public IReadOnlyList<ConfiguredWitness> Witnesses { get; init; } = [];

    /// <summary>DX_WITNESS_QUORUM: cosignatures a checkpoint needs to count as witnessed (default: every configured witness).</summary>
    public int? WitnessQuorum { get; init; }

    /// <summary>DX_WITNESS_TIMEOUT_MS: how long one add-checkpoint request may take before the witness counts as unreachable.</summary>
    public TimeSpan WitnessTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int EffectiveWitnessQuorum => WitnessQuorum ?? Witnesses.Count;

    public string Sm2KeyName => KeyNamePrefix + "-sm2";

    public string Ed25519KeyName => KeyNamePrefix + "-ed25519";

    public static LedgerSettings FromEnvironment(Func<string, string?> env)
    {
        var settings = new LedgerSettings();
        if (env("DX_LEDGER_HASH") is { Length: > 0 } hash)
        {
            settings = settings with { HashAlgorithm = ParseHash(hash) };
        }

        if (env("DX_LEDGER_ORIGIN") is { Length: > 0 } origin)
        {
            settings = settings with { Origin = origin };
        }

        if (env("DX_CHECKPOINT_INTERVAL_MS") is { Length: > 0 } interval)
        {
            settings = settings with
            {
                CheckpointInterval = int.TryParse(interval, out var ms) && ms > 0
                    ? TimeSpan.FromMilliseconds(ms)
                    : throw new InvalidOperationException($"DX_CHECKPOINT_INTERVAL_MS '{interval}' must be a positive number of milliseconds."),
            };
        }

        var witnesses = env("DX_WITNESSES") is { Length: > 0 } list ? ConfiguredWitness.ParseList(list) : [];
        int? quorum = null;
        if (env("DX_WITNESS_QUORUM") is { Length: > 0 } q)
        {
            quorum = int.TryParse(q, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k >= 1 && k <= witnesses.Count
                ? k
                : throw new SettingsException($"DX_WITNESS_QUORUM '{q}' must be a whole number from 1 to the number of DX_WITNESSES ({witnesses.Count}).");
        }

        if (env("DX_WITNESS_TIMEOUT_MS") is { Length: > 0 } timeout)
        {
            settings = settings with
            {
                WitnessTimeout = int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
                    ? TimeSpan.FromMilliseconds(ms)
                    : throw new SettingsException($"DX_WITNESS_TIMEOUT_MS '{timeout}' must be a positive number of milliseconds."),
            };
        }

        return settings with
        {
            Witnesses = witnesses,
            WitnessQuorum = quorum,
            Sm2KeyFile = env("DX_LEDGER_SM2_KEY") is { Length: > 0 } sm2 ? sm2 : null,
            Ed25519KeyFile = env("DX_LEDGER_ED25519_KEY") is { Length: > 0 } ed ? ed : null,
        };
    }

    public static LogHashAlgorithm ParseHash(string text) => text.Trim().ToLowerInvariant() switch
    {
        "sha256" or "sha-256" => LogHashAlgorithm.Sha256,
        "sm3" => LogHashAlgorithm.Sm3,
        _ => throw new InvalidOperationException($"DX_LEDGER_HASH '{text}' must be sha256 or sm3."),
    };

    public static string Name(LogHashAlgorithm algorithm) => algorithm == LogHashAlgorithm.Sm3 ? "sm3" : "sha256";
}
