using System.Collections.Concurrent;
using DataExchange.Bench;
using DataExchange.Contracts.V1;
using Grpc.Health.V1;

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
CpuSample? Cpu() => CpuSample.Take(options.ServerPid, options.PostmasterPid);
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

// 1. Trades at 8 and 32 concurrent buyers.
results.Add(await Load.RunAsync("execute_trade_8", "TradeService/ExecuteTrade", 8, warmup, tradeWindow, ExecuteTrade, stageFile, Cpu));
results.Add(await Load.RunAsync("execute_trade_32", "TradeService/ExecuteTrade", 32, shortWarmup, tradeWindow, ExecuteTrade, stageFile, Cpu));
var crossBorderShare = total == 0 ? 0 : (double)crossBorder / total;
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

Report.Write(options, results, crossBorderShare, Interlocked.Read(ref tradesInTable));
var errors = results.Sum(r => r.ErrorCount);
if (errors > 0)
{
    Console.Error.WriteLine($"{errors} calls failed during the measured windows (see errors_by_status): the run is reported, but it is not clean.");
    return 3;
}

return 0;
