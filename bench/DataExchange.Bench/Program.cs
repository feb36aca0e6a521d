using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DataExchange.Bench;
using DataExchange.Contracts.V1;
using Grpc.Health.V1;
using Grpc.Net.Client;

// Load generator for scripts/bench.sh. It assumes a running server (with DX_STAGE_TIMINGS=1 for the breakdown) and an
// operator token; bench.sh passes the PostgreSQL-side figures (pgbench, versions) in, and this writes the results.
var options = Options.Parse(args);
_ = Report.LoadAverageAtStart;
var quick = options.Quick;
var tradeWindow = TimeSpan.FromSeconds(options.TradeSeconds);
var warmup = TimeSpan.FromSeconds(quick ? 2 : 5);
var shortWarmup = TimeSpan.FromSeconds(quick ? 1 : 2);
var readWindow = TimeSpan.FromSeconds(quick ? 3 : 10);
const int MaxClients = 32;
const int ClientsPerChannel = 4;

var stageFile = options.StageFile is { } path ? new StageFile(path) : null;
CpuSample? Cpu() => CpuSample.Take([.. new[] { options.ServerPid }.OfType<int>()], options.PostmasterPid);
CpuSample? CpuOfBoth() => CpuSample.Take([.. new[] { options.ServerPid, options.SecondServerPid }.OfType<int>()], options.PostmasterPid);
var channels = World.Channels(options.Address, MaxClients, ClientsPerChannel);
Console.WriteLine($"Setting up the market through the API on {options.Address} ...");
var setupStart = DateTime.UtcNow;
var world = await World.CreateAsync(options.Address, options.Token, MaxClients, vendors: 8, listingsPerVendor: 8, channels);
Console.WriteLine($"  {world.Buyers.Count} buyers, {world.All.Count()} listed products, in {(DateTime.UtcNow - setupStart).TotalSeconds:F1} s");

var results = new List<ScenarioResult>();
var tradeNames = new ConcurrentBag<(int Client, string Name)>[MaxClients];
for (var i = 0; i < MaxClients; i++) tradeNames[i] = [];
var rngs = Enumerable.Range(0, MaxClients).Select(i => new Random(1000 + i)).ToArray();
var crossBorder = 0L;
var total = 0L;

TradeService.TradeServiceClient Trades(int client) => new(world.ChannelFor(client, ClientsPerChannel));

async Task ExecuteTrade(int client)
{
    var buyer = world.Buyers[client];
    var listing = world.Pick(buyer, rngs[client]);
    var trade = await Trades(client).ExecuteTradeAsync(new ExecuteTradeRequest
    {
        Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = Guid.CreateVersion7().ToString(),
    }, buyer.Auth);
    Interlocked.Increment(ref total);
    if (trade.Compliance.CrossBorder) Interlocked.Increment(ref crossBorder);
    if (tradeNames[client].Count < 2000) tradeNames[client].Add((client, trade.Name));
}

// 1. Trades at 8 and 32 concurrent buyers (wall-clock windows kept for the ledger's coverage figures).
var tradeWindows = new List<(string Name, DateTime From, DateTime To)>();
async Task<ScenarioResult> Timed(Func<Task<ScenarioResult>> run)
{
    var from = DateTime.UtcNow;
    var result = await run();
    tradeWindows.Add((result.Name, from, DateTime.UtcNow));
    return result;
}

results.Add(await Timed(() => Load.RunAsync("execute_trade_8", "TradeService/ExecuteTrade", 8, warmup, tradeWindow, ExecuteTrade, stageFile, Cpu)));
results.Add(await Timed(() => Load.RunAsync("execute_trade_32", "TradeService/ExecuteTrade", 32, shortWarmup, tradeWindow, ExecuteTrade, stageFile, Cpu)));
var crossBorderShare = total == 0 ? 0 : (double)crossBorder / total;

// The worst case for volume windows: every trade is a cross-border export of personal information by one vendor (its
// listing under a recorded standard contract), so every trade reads and extends the same exporter's yearly volume.
// The Hong Kong buyers are the even-numbered ones; each serves two clients here.
var oneExporter = world.PersonalInformationWithContract[0];
results.Add(await Timed(() => Load.RunAsync("execute_trade_32_one_exporter", "TradeService/ExecuteTrade", 32, shortWarmup, tradeWindow, async client =>
{
    var buyer = world.Buyers[client - client % 2];
    var trade = await Trades(client).ExecuteTradeAsync(new ExecuteTradeRequest
    {
        Listing = oneExporter.Name, Licence = oneExporter.Licence, AgreedPrice = oneExporter.Price, RequestId = Guid.CreateVersion7().ToString(),
    }, buyer.Auth);
    if (!trade.Compliance.CrossBorder) throw new InvalidOperationException($"{trade.Name} is not cross-border: the scenario is wrong.");
}, stageFile, Cpu)));
Console.WriteLine($"  cross-border share of accepted trades: {crossBorderShare:P0}");

// Baseline: the floor of one authenticated call (cached token, one primary-key read) and of an unauthenticated one.
results.Add(await Load.RunAsync("baseline_get_participant_32", "ParticipantService/GetParticipant", 32, shortWarmup, readWindow, client =>
    new ParticipantService.ParticipantServiceClient(world.ChannelFor(client, ClientsPerChannel))
        .GetParticipantAsync(new GetParticipantRequest { Name = world.Buyers[client].Name }, world.Buyers[client].Auth).ResponseAsync, stageFile, Cpu));
results.Add(await Load.RunAsync("baseline_health_check_32", "grpc.health.v1.Health/Check", 32, shortWarmup, readWindow, client =>
    World.HealthClient(world.ChannelFor(client, ClientsPerChannel)).CheckAsync(new HealthCheckRequest()).ResponseAsync, stageFile, Cpu));

// 2. Reads under 32 clients.
var owned = tradeNames.Select(b => b.Select(t => t.Name).ToArray()).ToArray();
results.Add(await Load.RunAsync("get_trade_32", "TradeService/GetTrade", 32, shortWarmup, readWindow, client =>
{
    var mine = owned[client];
    return Trades(client).GetTradeAsync(new GetTradeRequest { Name = mine[rngs[client].Next(mine.Length)] }, world.Buyers[client].Auth).ResponseAsync;
}, stageFile, Cpu));
results.Add(await Load.RunAsync("list_listings_50_32", "ListingService/ListListings", 32, shortWarmup, readWindow, client =>
    new ListingService.ListingServiceClient(world.ChannelFor(client, ClientsPerChannel))
        .ListListingsAsync(new ListListingsRequest { PageSize = 50 }, world.Buyers[client].Auth).ResponseAsync, stageFile, Cpu));
var tradesInTable = 0L;
results.Add(await Load.RunAsync("get_exchange_statistics_32", "TradeService/GetExchangeStatistics", 32, shortWarmup, readWindow, async client =>
{
    var s = await Trades(client).GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), world.Buyers[client].Auth);
    Interlocked.Exchange(ref tradesInTable, s.Overall.FiledTrades + s.Overall.RefusedAttempts);
}, stageFile, Cpu));

// 3. The ledger: trades that wait for their receipt, coverage latency from the server's records, receipts served and
// verified offline, the sequencer's backlog throughput, and dx audit verify over the whole log.
JsonObject? ledger = null;
if (options.DatabaseUrl is { } databaseUrl)
{
    Console.WriteLine("Ledger ...");
    var uncovered = 0L;
    results.Add(await Timed(() => Load.RunAsync("execute_trade_8_wait_receipt", "TradeService/ExecuteTrade", 8, shortWarmup, tradeWindow, async client =>
    {
        var buyer = world.Buyers[client];
        var listing = world.Pick(buyer, rngs[client]);
        var trade = await Trades(client).ExecuteTradeAsync(new ExecuteTradeRequest
        {
            Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = Guid.CreateVersion7().ToString(),
            WaitForReceipt = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
        }, buyer.Auth);
        if (trade.ReceiptCheckpointSize == 0) Interlocked.Increment(ref uncovered); // counted over warm-up too: pessimistic
        if (tradeNames[client].Count < 2000) tradeNames[client].Add((client, trade.Name));
    }, stageFile, Cpu)));
    var waited = results[^1];

    // Let the last trades' checkpoint be signed (at least every DX_CHECKPOINT_INTERVAL_MS), then read coverage from the server's tables.
    await Task.Delay(TimeSpan.FromSeconds(2.5));
    var coverage = new JsonObject();
    foreach (var (name, from, to) in tradeWindows)
    {
        coverage[name] = await LedgerBench.CoverageAsync(databaseUrl, options.Schema, from, to);
    }

    var all = await LedgerBench.CoverageAsync(databaseUrl, options.Schema, tradeWindows.Min(w => w.From), tradeWindows.Max(w => w.To));
    Console.WriteLine($"  checkpoint coverage of events committed under trade load: p50 {all["p50_ms"]} ms, p99 {all["p99_ms"]} ms, max {all["max_ms"]} ms ({all["covered"]} of {all["events"]})");

    var receipts = new System.Collections.Concurrent.ConcurrentBag<TradeReceipt>();
    var withReceipts = tradeNames.Select(b => b.Select(t => t.Name).ToArray()).ToArray();
    results.Add(await Load.RunAsync("get_trade_receipt_32", "LedgerService/GetTradeReceipt", 32, shortWarmup, readWindow, async client =>
    {
        var mine = withReceipts[client];
        var receipt = await new LedgerService.LedgerServiceClient(world.ChannelFor(client, ClientsPerChannel))
            .GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = mine[rngs[client].Next(mine.Length)] }, world.Buyers[client].Auth);
        if (receipts.Count < 500) receipts.Add(receipt);
    }, stageFile, Cpu));
    var keys = await LedgerBench.KeysAsync(channels[0], World.Bearer(options.Token));
    var offline = LedgerBench.VerifyReceiptsOffline([.. receipts], keys, TimeSpan.FromSeconds(quick ? 2 : 5));
    var backlog = await LedgerBench.BacklogAsync(databaseUrl, options.Schema, quick ? 20_000 : 100_000);
    var audit = options.DxDll is { } dx ? await LedgerBench.AuditAsync(dx, options.Address, options.Token) : new JsonObject { ["measured"] = false };
    var t32 = results.First(r => r.Name == "execute_trade_32");
    ledger = new JsonObject
    {
        ["measured"] = true,
        ["audit_verify_leaves_per_second"] = audit["leaves_per_second"]?.DeepClone(),
        ["checkpoint_p99_ms"] = all["p99_ms"]?.DeepClone(),
        ["coverage_all_trade_windows"] = all,
        ["coverage_by_window"] = coverage,
        ["wait_for_receipt_8"] = new JsonObject
        {
            ["trades"] = waited.Ok, ["covered_within_wait"] = Math.Max(0, waited.Ok - Interlocked.Read(ref uncovered)),
            ["p50_ms"] = Report.R(waited.Percentile(0.5), 1), ["p99_ms"] = Report.R(waited.Percentile(0.99), 1),
        },
        ["sequencer_stages_execute_trade_32"] = LedgerBench.SequencerStages(t32.Stages),
        ["sequencer_stages_wait_receipt_8"] = LedgerBench.SequencerStages(waited.Stages),
        ["receipts_served_per_second"] = Report.R(results[^1].Throughput, 1),
        ["offline_receipt_verification"] = offline,
        ["backlog"] = backlog,
        ["audit"] = audit,
    };
}

// 5 (run before 4, which kills a server). Witnesses: the same 8-buyer trade load, back to back, on this server (no
// witnesses) and on a third server with DX_WITNESSES (its own fresh database of the same cluster, the same settings
// otherwise); trades/s and checkpoint coverage of both, and on the witnessed one the commit → quorum-of-cosignatures
// latency, requests per witness per checkpoint and round trips.
JsonObject? witnessing = null;
if (options.WitnessedAddress is { } witnessedAddress && options.WitnessedDatabaseUrl is { } witnessedDb
    && (options.UnwitnessedDatabaseUrl ?? options.DatabaseUrl) is { } plainDb)
{
    Console.WriteLine("Witnesses ...");
    var witnessedChannels = World.Channels(witnessedAddress, 8, ClientsPerChannel);
    var witnessedWorld = await World.CreateAsync(witnessedAddress, options.Token, 8, vendors: 8, listingsPerVendor: 8, witnessedChannels);
    // The side without witnesses: a twin of the witnessed server (fresh database, same settings but DX_WITNESSES) when
    // bench.sh started one, so that the two differ in witnessing only; else this run's first server.
    var plainWorld = options.UnwitnessedAddress is { } unwitnessedAddress
        ? await World.CreateAsync(unwitnessedAddress, options.Token, 8, vendors: 8, listingsPerVendor: 8, World.Channels(unwitnessedAddress, 8, ClientsPerChannel))
        : world;
    CpuSample? CpuOfPlain() => options.UnwitnessedServerPid is { } upid ? CpuSample.Take([upid], options.PostmasterPid) : Cpu();
    var witnessedRngs = Enumerable.Range(0, 8).Select(i => new Random(2000 + i)).ToArray();
    var plainRngs = Enumerable.Range(0, 8).Select(i => new Random(2000 + i)).ToArray();
    Func<int, Task> TradeIn(World w, Random[] r) => async client =>
    {
        var buyer = w.Buyers[client];
        var listing = w.Pick(buyer, r[client]);
        await new TradeService.TradeServiceClient(w.ChannelFor(client, ClientsPerChannel)).ExecuteTradeAsync(new ExecuteTradeRequest
        {
            Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = Guid.CreateVersion7().ToString(),
        }, buyer.Auth);
    };
    CpuSample? CpuOfWitnessed() => CpuSample.Take([.. new[] { options.WitnessedServerPid }.OfType<int>()], options.PostmasterPid);
    double WitnessCpu() => CpuSample.Take(options.WitnessPids, null)?.Server ?? double.NaN;

    // A B B A: each side twice, in an order that cancels a linear drift of the machine's other load (--quick: A B);
    // each run with the full warm-up (the witnessed server has had no trades before).
    var plainRuns = new List<ScenarioResult>();
    var witnessedRuns = new List<ScenarioResult>();
    var plainWindows = new List<(DateTime From, DateTime To)>();
    var witnessedWindows = new List<(DateTime From, DateTime To)>();
    async Task RunPlain()
    {
        var from = DateTime.UtcNow;
        plainRuns.Add(await Load.RunAsync("execute_trade_8_no_witnesses", "TradeService/ExecuteTrade", 8, warmup, tradeWindow, TradeIn(plainWorld, plainRngs),
            options.UnwitnessedAddress is null ? stageFile : null, CpuOfPlain));
        plainWindows.Add((from, DateTime.UtcNow));
    }

    async Task RunWitnessed()
    {
        var from = DateTime.UtcNow;
        witnessedRuns.Add(await Load.RunAsync("execute_trade_8_witnessed", "TradeService/ExecuteTrade", 8, warmup, tradeWindow, TradeIn(witnessedWorld, witnessedRngs), null, CpuOfWitnessed));
        witnessedWindows.Add((from, DateTime.UtcNow));
    }

    // --quick: one run of each side (A B), to stay brief.
    await RunPlain();
    var scrapeBefore = options.WitnessedMetrics is { } m0 ? await WitnessBench.ScrapeAsync(m0) : null;
    var witnessCpuBefore = WitnessCpu();
    await RunWitnessed();
    if (!quick) await RunWitnessed();
    var witnessCpuSeconds = WitnessCpu() - witnessCpuBefore;
    await Task.Delay(TimeSpan.FromSeconds(2.5)); // the last checkpoints signed and cosigned
    var scrapeAfter = options.WitnessedMetrics is { } m1 ? await WitnessBench.ScrapeAsync(m1) : null;
    if (!quick)
    {
        await RunPlain();
        await Task.Delay(TimeSpan.FromSeconds(2.5));
    }

    var plain = ScenarioResult.Merge("execute_trade_8_no_witnesses", plainRuns);
    var witnessed = ScenarioResult.Merge("execute_trade_8_witnessed", witnessedRuns);
    results.Add(plain);
    results.Add(witnessed);

    var plainCoverage = await LedgerBench.CoverageAsync(plainDb, options.Schema, plainWindows);
    var witnessedCoverage = await LedgerBench.CoverageAsync(witnessedDb, options.Schema, witnessedWindows);
    var quorumCoverage = await WitnessBench.WitnessedCoverageAsync(witnessedDb, options.Schema, witnessedWindows, options.WitnessQuorum);
    var (checkpoints, cosignatures) = await WitnessBench.CosignaturesAsync(witnessedDb, options.Schema,
        scrapeBefore?.At ?? witnessedWindows[0].From, scrapeAfter?.At ?? witnessedWindows[^1].To);
    var requests = scrapeBefore is not null && scrapeAfter is not null
        ? WitnessBench.Requests(scrapeBefore, scrapeAfter, checkpoints, cosignatures)
        : new JsonObject { ["measured"] = false, ["reason"] = "no --witnessed-metrics", ["checkpoints_signed"] = checkpoints, ["per_witness"] = cosignatures };
    witnessing = new JsonObject
    {
        ["measured"] = true,
        ["witnesses"] = options.WitnessPids.Length,
        ["without_side"] = options.UnwitnessedAddress is null ? "this run's first server" : "a twin of the witnessed server: fresh database, same settings but DX_WITNESSES",
        ["quorum"] = options.WitnessQuorum,
        ["order"] = quick ? "without, with (each run: warm-up, then the trade window)" : "without, with, with, without (each run: warm-up, then the trade window; figures over both runs of a side)",
        ["runs_trades_per_second_without"] = new JsonArray([.. plainRuns.Select(r => (JsonNode?)Report.R(r.Throughput, 1))]),
        ["runs_trades_per_second_with"] = new JsonArray([.. witnessedRuns.Select(r => (JsonNode?)Report.R(r.Throughput, 1))]),
        ["trades_per_second_without"] = Report.R(plain.Throughput, 1),
        ["trades_per_second_with"] = Report.R(witnessed.Throughput, 1),
        ["trades_ratio"] = Report.R(witnessed.Throughput / plain.Throughput, 3),
        ["trade_p99_ms_without"] = Report.R(plain.Percentile(0.99), 2),
        ["trade_p99_ms_with"] = Report.R(witnessed.Percentile(0.99), 2),
        ["checkpoint_coverage_without"] = plainCoverage,
        ["checkpoint_coverage_with"] = witnessedCoverage,
        ["witnessed_coverage"] = quorumCoverage,
        ["requests"] = requests,
        ["witness_processes_cpu_seconds"] = Report.R(witnessCpuSeconds, 2),
    };
    Console.WriteLine($"  trades/s without / with witnesses: {plain.Throughput:F1} / {witnessed.Throughput:F1}; checkpoint coverage p99 {plainCoverage["p99_ms"]} / {witnessedCoverage["p99_ms"]} ms; " +
        $"witnessed (quorum {options.WitnessQuorum}) p99 {quorumCoverage["p99_ms"]} ms; {checkpoints} checkpoints, at most {requests["max_requests_per_witness_per_checkpoint_excluding_resized"]} requests per witness per checkpoint; " +
        $"round trip p50 {requests["round_trip_p50_ms_histogram"]} / p99 {requests["round_trip_p99_ms_histogram"]} ms");
}

// 4. Two server processes on one database: trades across both, then the sequencer's leader killed under load. Last,
// because it kills a server.
JsonObject? twoServers = null;
if (options.SecondAddress is { } second && options.SecondServerPid is { } secondPid && options.ServerPid is { } firstPid
    && options.DatabaseUrl is { } url)
{
    Console.WriteLine("Two servers ...");
    var secondChannels = World.Channels(second, MaxClients, ClientsPerChannel);
    GrpcChannel ChannelOfEither(int client) => client % 2 == 0 ? world.ChannelFor(client, ClientsPerChannel) : secondChannels[client / ClientsPerChannel % secondChannels.Length];
    results.Add(await Load.RunAsync("execute_trade_32_two_servers", "TradeService/ExecuteTrade", 32, shortWarmup, tradeWindow, async client =>
    {
        var buyer = world.Buyers[client];
        var listing = world.Pick(buyer, rngs[client]);
        await new TradeService.TradeServiceClient(ChannelOfEither(client)).ExecuteTradeAsync(new ExecuteTradeRequest
        {
            Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = Guid.CreateVersion7().ToString(),
        }, buyer.Auth);
    }, stageFile, CpuOfBoth));
    var failover = await TwoServers.FailoverAsync(world, new TwoServers.Server(options.Address, firstPid, channels),
        new TwoServers.Server(second, secondPid, secondChannels), url, options.Schema, quick ? TimeSpan.FromSeconds(9) : TimeSpan.FromSeconds(30), ClientsPerChannel);
    var two = results[^1];
    twoServers = new JsonObject
    {
        ["trades_per_second"] = Report.R(two.Throughput, 1),
        ["ratio_to_one_server"] = Report.R(two.Throughput / results.First(r => r.Name == "execute_trade_32").Throughput, 3),
        ["failover"] = failover,
    };
}

Report.Write(options, results, crossBorderShare, Interlocked.Read(ref tradesInTable), ledger, twoServers, witnessing);
var errors = results.Sum(r => r.ErrorCount);
if (errors > 0)
{
    Console.Error.WriteLine($"{errors} calls failed during the measured windows (see errors_by_status): the run is reported, but it is not clean.");
    return 3;
}

return 0;
