using System.Globalization;
using System.Text;
using DataExchange.Bench;
using DataExchange.Faults;
using Grpc.Core;

// The fault suite's driver (scripts/faults.sh starts PostgreSQL, then this). It starts the real server, builds a small
// market through the API, runs concurrent trade load with retries under the same request id, injects the faults of
// the plan (SIGKILL to the server, SIGKILL to the postmaster, a PostgreSQL outage, a storm of one request id), then
// checks the database directly and runs `dx audit verify`. Exit 0 only when every check holds.
Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"DataExchange.Faults: {e.Message} (scripts/faults.sh passes the arguments)");
    return 64;
}

var token = (await File.ReadAllTextAsync(options.TokenFile)).Trim();
var plan = options.Short ? Plan.Short : Plan.Full;
var began = Clock.Now;
void Say(string text) => Console.WriteLine($"[{(Clock.Now - began) / 1000.0,6:F1} s] {text}");

var server = new ServerHost(options, token);
var postgres = new Postgres(options);
var serverLock = new SemaphoreSlim(1);
var faults = new List<FaultRecord>();
var outage = (From: 0L, To: 0L, StoppedAt: 0L, StartedAt: 0L);
StormResult? storm = null;
TradeLoad? load = null;
World? world = null;
var exitCode = 1;
using var stopWatchdog = new CancellationTokenSource();
Task watchdog = Task.CompletedTask;
try
{
    Say($"fault suite, {(options.Short ? "short" : "full")} mode: {plan.Describe()}");
    Say($"starting the server (Release) on {options.Address}, DX_DATA_DIR {options.ServerDataDir}");
    var up = await server.StartAsync();
    Say($"  serving after {up.TotalSeconds:F1} s");

    var channels = World.Channels(options.Address, options.Buyers + 1, 4);
    world = await World.CreateAsync(options.Address, token, options.Buyers + 1, vendors: 4, listingsPerVendor: 4, channels);
    var stormBuyer = world.Buyers[options.Buyers]; // its own participant: the storm's trade is the only one it has
    Say($"market: {world.All.Count()} listed products, {options.Buyers} buyers under load + 1 for the storm, 2 readers");

    load = new TradeLoad(world, options.Buyers, readers: 2);
    load.Start();

    // A crash nobody caused is a failure; the server is started again so the run can finish and show the rest.
    watchdog = Task.Run(async () =>
    {
        while (!stopWatchdog.IsCancellationRequested)
        {
            await serverLock.WaitAsync();
            try
            {
                if (server.CheckAlive())
                {
                    Say("!! the server exited on its own; starting it again");
                    await server.StartAsync();
                }
            }
            finally
            {
                serverLock.Release();
            }

            await Task.Delay(200);
        }
    });

    async Task Calm(TimeSpan span)
    {
        var acked = load.Acks.Count;
        await Task.Delay(span);
        Say($"  load: {load.Acks.Count - acked} trades acknowledged in {span.TotalSeconds:F1} s ({load.Acks.Count} in all)");
    }

    /// <summary>Until a trade whose final attempt began after <paramref name="at"/> is acknowledged.</summary>
    async Task<double> RecoveredAsync(long at)
    {
        while (Clock.Now - at < 120_000)
        {
            if (load.LatestFinalAttemptMs > at)
            {
                return (load.FirstAckAfter(at) - at) / 1000.0;
            }

            await Task.Delay(25);
        }

        return double.NaN;
    }

    await Calm(plan.WarmUp);
    var stormListing = world.Pick(stormBuyer, new Random(42));
    Say($"storm: one request id from {plan.StormClients} concurrent clients (each its own connection)");
    storm = await TradeLoad.StormAsync(options.Address, stormBuyer, stormListing, plan.StormClients);
    Say($"  {storm.Answers.Count} of {storm.Clients} answered in {storm.Milliseconds} ms, {storm.Distinct.Count} distinct answer(s), {storm.Calls} calls");

    var rng = new Random();
    var serverKills = 0;
    var postmasterKills = 0;
    foreach (var fault in plan.Faults)
    {
        await Calm(plan.Gap(rng));
        switch (fault)
        {
            case Fault.ServerKill:
            {
                serverKills++;
                long at;
                TimeSpan restart;
                await serverLock.WaitAsync();
                try
                {
                    at = Clock.Now;
                    server.Kill();
                    Say($"SIGKILL server ({serverKills} of {plan.Faults.Count(f => f == Fault.ServerKill)}); starting it again");
                    restart = await server.StartAsync();
                }
                finally
                {
                    serverLock.Release();
                }

                var recovered = await RecoveredAsync(at);
                faults.Add(FaultRecord.Of("server SIGKILL", at, restart.TotalSeconds, recovered, load));
                Say($"  serving again after {restart.TotalSeconds:F1} s; first trade acknowledged {recovered:F1} s after the kill");
                break;
            }

            case Fault.PostmasterKill:
            {
                postmasterKills++;
                var at = Clock.Now;
                var pid = postgres.KillPostmaster();
                Say($"SIGKILL postmaster pid {pid} ({postmasterKills} of {plan.Faults.Count(f => f == Fault.PostmasterKill)})");
                await Task.Delay(plan.PostmasterDown);
                var restart = await postgres.StartAsync();
                var recovered = await RecoveredAsync(at);
                faults.Add(FaultRecord.Of("postmaster SIGKILL", at, (Clock.Now - at) / 1000.0, recovered, load));
                Say($"  PostgreSQL started again ({restart.TotalSeconds:F1} s to start); first trade acknowledged {recovered:F1} s after the kill");
                break;
            }

            case Fault.Outage:
            {
                var at = Clock.Now;
                Say($"PostgreSQL outage: pg_ctl stop -m fast, {plan.Outage.TotalSeconds:F0} s down, start; calls continue");
                await postgres.StopFastAsync();
                var stopped = Clock.Now;
                await Task.Delay(plan.Outage);
                var starting = Clock.Now;
                await postgres.StartAsync();
                var started = Clock.Now;
                // Calls answered from the stop until shortly after the start: a pooled connection that died with the
                // database is part of the outage too.
                outage = (at, started + (long)plan.OutageGrace.TotalMilliseconds, stopped, starting);
                var recovered = await RecoveredAsync(started);
                faults.Add(FaultRecord.Of($"PostgreSQL stopped {plan.Outage.TotalSeconds:F0} s", at, (started - at) / 1000.0, (Clock.Now - at) / 1000.0, load));
                Say($"  down from {(stopped - at) / 1000.0:F1} s to {(starting - at) / 1000.0:F1} s after the stop began; first trade acknowledged {recovered:F1} s after the start");
                break;
            }
        }

        // What a load balancer would see: the health service's answers after the first trade, until SERVING.
        var (healthSeconds, notYet) = await HealthProbe.UntilServingAsync(options.Address, TimeSpan.FromSeconds(60));
        faults[^1].Health = notYet.Count == 0 ? "SERVING"
            : string.Join(", ", notYet.GroupBy(a => a).Select(g => $"{g.Key} x{g.Count()}")) + (double.IsNaN(healthSeconds) ? ", not SERVING within 60 s" : $", then SERVING ({healthSeconds:F1} s later)");
        Say($"  health after the first trade: {faults[^1].Health}");
    }

    await Calm(plan.FinalCalm);
    Say("stopping the load (each buyer finishes its current request) ...");
    var stopping = load.StopAsync();
    if (await Task.WhenAny(stopping, Task.Delay(TradeLoad.GiveUpAfter + TimeSpan.FromSeconds(30))) != stopping)
    {
        Say("!! the load did not stop: some requests are still unanswered");
    }

    await stopWatchdog.CancelAsync();
    await watchdog;

    var checks = await Checks.RunAsync(options, token, world, load, storm, outage, faults, server.UnexpectedExits, Say);
    exitCode = checks ? 0 : 1;
}
catch (Exception e) when (e is InvalidOperationException or RpcException or IOException)
{
    Console.Error.WriteLine($"fault suite aborted: {e.Message}");
    exitCode = 2;
}
finally
{
    await stopWatchdog.CancelAsync();
    try
    {
        await watchdog;
    }
    catch (Exception e) when (e is InvalidOperationException or RpcException)
    {
        Console.Error.WriteLine($"watchdog: {e.Message}");
    }

    if (load is not null)
    {
        await WriteAcksAsync(Path.Combine(options.OutDir, "acks.tsv"), load, storm);
    }

    server.Stop();
}

return exitCode;

static async Task WriteAcksAsync(string path, TradeLoad load, StormResult? storm)
{
    var text = new StringBuilder("request_id\tbuyer\ttrade\tfiling_number\tattempts\tcommitted_by_earlier_attempt\n");
    foreach (var ack in load.Acks.Concat(storm?.Answers ?? []))
    {
        text.Append(CultureInfo.InvariantCulture, $"{ack.RequestId}\t{ack.Buyer}\t{ack.Trade}\t{ack.FilingNumber}\t{ack.Attempts}\t{ack.CommittedByEarlierAttempt}\n");
    }

    await File.WriteAllTextAsync(path, text.ToString());
}

namespace DataExchange.Faults
{
    public enum Fault { ServerKill, PostmasterKill, Outage }

    /// <summary>What a mode injects, and how much calm load runs between the faults.</summary>
    public sealed record Plan(IReadOnlyList<Fault> Faults, TimeSpan WarmUp, TimeSpan GapMin, TimeSpan GapMax, TimeSpan FinalCalm,
        TimeSpan PostmasterDown, TimeSpan Outage, TimeSpan OutageGrace, int StormClients)
    {
        public static readonly Plan Full = new(
            [Fault.ServerKill, Fault.PostmasterKill, Fault.ServerKill, Fault.PostmasterKill, Fault.ServerKill, Fault.PostmasterKill,
                Fault.ServerKill, Fault.ServerKill, Fault.Outage],
            TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(5),
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), 50);

        public static readonly Plan Short = new(
            [Fault.ServerKill, Fault.PostmasterKill, Fault.Outage],
            TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2),
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2), 50);

        public TimeSpan Gap(Random rng) => GapMin + (GapMax - GapMin) * rng.NextDouble();

        public string Describe() =>
            $"{Faults.Count(f => f == Fault.ServerKill)} server kills, {Faults.Count(f => f == Fault.PostmasterKill)} postmaster kills, "
            + $"a {Outage.TotalSeconds:F0} s PostgreSQL outage, a storm of one request id from {StormClients} clients";
    }

    /// <summary>One injected fault, and the statuses the clients saw from it until the first trade after it.</summary>
    public sealed record FaultRecord(string Kind, long At, double DownSeconds, double RecoveredSeconds, IReadOnlyDictionary<string, int> Statuses)
    {
        /// <summary>The health service's answers after the first trade, until SERVING.</summary>
        public string Health { get; set; } = "";

        public static FaultRecord Of(string kind, long at, double down, double recovered, TradeLoad load)
        {
            var until = double.IsNaN(recovered) ? long.MaxValue : at + (long)(recovered * 1000);
            var statuses = load.Calls.Where(c => c.EndMs >= at && c.EndMs <= until)
                .GroupBy(c => Checks.Code(c.Code) + (c.Reason.Length > 0 ? "/" + c.Reason : ""))
                .ToDictionary(g => g.Key, g => g.Count());
            return new FaultRecord(kind, at, down, recovered, statuses);
        }
    }
}
