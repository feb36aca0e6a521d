using System.Diagnostics;
using System.Diagnostics.Metrics;
using DataExchange.Server.Configuration;
using DataExchange.Server.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataExchange.Server.Ledger;

/// <summary>How one witness is doing, as the exchange last saw it.</summary>
public enum WitnessStatus
{
    Pending,
    Current,
    Behind,
    Unreachable,
    Refusing,
}

/// <summary>One witness's standing: written by its push loop only, read by ListWitnesses, health and metrics.</summary>
public sealed record WitnessStanding(ConfiguredWitness Witness, WitnessStatus Status, long CosignedSize, DateTimeOffset? LastContact, string LastError);

/// <summary>
/// The configured witnesses and how each is doing, with the instruments that report it: dx.witness.requests (by witness
/// and outcome), dx.witness.round_trip.duration, dx.witness.cosigned_size and dx.witness.lag (leaves behind the latest
/// checkpoint).
/// </summary>
public sealed class WitnessRoster
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, WitnessStanding> standings;
    private readonly Counter<long> requests;
    private readonly Histogram<double> roundTrips;
    private long latestSize;

    public WitnessRoster(ServerSettings settings, IMeterFactory meters)
    {
        Witnesses = settings.Ledger.Witnesses;
        Quorum = settings.Ledger.EffectiveWitnessQuorum;
        standings = Witnesses.ToDictionary(w => w.Name, w => new WitnessStanding(w, WitnessStatus.Pending, 0, null, ""));
        var meter = meters.Create(ExchangeTelemetry.Name, ExchangeTelemetry.Version);
        requests = meter.CreateCounter<long>("dx.witness.requests", "{request}",
            "add-checkpoint requests to witnesses, by witness and outcome (cosigned, refused, unreachable, resized).");
        roundTrips = meter.CreateHistogram("dx.witness.round_trip.duration", "s", "Time from sending a checkpoint to a witness to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        meter.CreateObservableGauge("dx.witness.cosigned_size", () => Snapshot().Select(s =>
            new Measurement<long>(s.CosignedSize, new KeyValuePair<string, object?>("witness", s.Witness.Name))), "{leaf}",
            "The largest tree size each witness has cosigned.");
        meter.CreateObservableGauge("dx.witness.lag", () => Snapshot().Select(s =>
            new Measurement<long>(Math.Max(0, Volatile.Read(ref latestSize) - s.CosignedSize), new KeyValuePair<string, object?>("witness", s.Witness.Name))),
            "{leaf}", "Leaves of the latest checkpoint each witness has not cosigned yet.");
    }

    public IReadOnlyList<ConfiguredWitness> Witnesses { get; }

    public int Quorum { get; }

    public IReadOnlyList<WitnessStanding> Snapshot()
    {
        lock (gate)
        {
            return [.. Witnesses.Select(w => standings[w.Name])];
        }
    }

    public void LatestIs(long size) => Volatile.Write(ref latestSize, Math.Max(Volatile.Read(ref latestSize), size));

    public long LatestSize => Volatile.Read(ref latestSize);

    public void Record(ConfiguredWitness witness, WitnessStatus status, long cosignedSize, string error, DateTimeOffset at, string outcome, TimeSpan? roundTrip)
    {
        lock (gate)
        {
            standings[witness.Name] = new WitnessStanding(witness, status, Math.Max(cosignedSize, standings[witness.Name].CosignedSize), at, error);
        }

        requests.Add(1, new TagList { { "witness", witness.Name }, { "outcome", outcome } });
        if (roundTrip is { } elapsed)
        {
            roundTrips.Record(elapsed.TotalSeconds, new TagList { { "witness", witness.Name } });
        }
    }

    /// <summary>Known before the first push (the last size each witness cosigned, from the database).</summary>
    public void Known(ConfiguredWitness witness, long cosignedSize)
    {
        lock (gate)
        {
            var standing = standings[witness.Name];
            standings[witness.Name] = standing with { CosignedSize = Math.Max(standing.CosignedSize, cosignedSize) };
        }
    }
}

/// <summary>
/// "witnesses": Healthy while at least the quorum of witnesses cosigned the latest checkpoint or are on their way to it;
/// Degraded (still serving: the exchange goes on without them) with each witness's state when fewer do.
/// </summary>
public sealed class WitnessHealthCheck(WitnessRoster roster) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (roster.Witnesses.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("no witnesses configured"));
        }

        var standings = roster.Snapshot();
        var data = standings.ToDictionary(s => s.Witness.Name, s => (object)$"{s.Status} at {s.CosignedSize}{(s.LastError.Length > 0 ? ": " + s.LastError : "")}");
        var keepingUp = standings.Count(s => s.Status is WitnessStatus.Current or WitnessStatus.Behind or WitnessStatus.Pending);
        return Task.FromResult(keepingUp >= roster.Quorum
            ? HealthCheckResult.Healthy($"{keepingUp} of {standings.Count} witnesses keeping up (quorum {roster.Quorum})", data)
            : HealthCheckResult.Degraded($"only {keepingUp} of {standings.Count} witnesses keeping up, quorum {roster.Quorum}: checkpoints are served below quorum", data: data));
    }
}
