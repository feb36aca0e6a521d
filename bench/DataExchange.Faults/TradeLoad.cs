using System.Collections.Concurrent;
using DataExchange.Bench;
using DataExchange.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace DataExchange.Faults;

/// <summary>One answered call (or a call the client gave up on at its deadline), as the client saw it.</summary>
public sealed record CallRecord(long StartMs, long EndMs, string Rpc, StatusCode Code, string Reason);

/// <summary>An acknowledged trade: what the client holds as proof that the exchange recorded it.</summary>
public sealed record Ack(string Buyer, string RequestId, string Trade, string FilingNumber, int Attempts, long FirstAttemptMs,
    long FinalAttemptMs, long AckMs, bool CommittedByEarlierAttempt);

/// <summary>A request that ended without a trade: a definitive refusal, or no answer after retrying for the whole bound.</summary>
public sealed record Unanswered(string Buyer, string RequestId, int Attempts, StatusCode LastCode, string LastReason);

/// <summary>
/// Concurrent buyers executing lawful trades, each request with its own request id, retried with the SAME request id
/// (the same bytes) until answered; a couple of readers alongside. Every call's status is recorded with its time.
/// </summary>
public sealed class TradeLoad(World world, int buyers, int readers)
{
    /// <summary>A call that hangs longer than this ends DEADLINE_EXCEEDED and is retried.</summary>
    public static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(5);

    /// <summary>A request still unanswered after this long counts as unanswered (a failure).</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(180);

    private const int ClientsPerChannel = 4;
    private int stopping;
    private Task[] tasks = [];

    public ConcurrentQueue<CallRecord> Calls { get; } = new();

    public ConcurrentQueue<Ack> Acks { get; } = new();

    public ConcurrentQueue<Unanswered> Failed { get; } = new();

    private readonly ConcurrentDictionary<int, string> lastTrade = new();
    private long latestFinalAttempt;

    /// <summary>When the latest acknowledged request's last attempt began (the first trade after a fault proves recovery).</summary>
    public long LatestFinalAttemptMs => Interlocked.Read(ref latestFinalAttempt);

    /// <summary>The first acknowledgement of a request whose answered attempt began after <paramref name="at"/>.</summary>
    public long FirstAckAfter(long at) => Acks.Where(a => a.FinalAttemptMs > at).Select(a => a.AckMs).DefaultIfEmpty(long.MaxValue).Min();

    public void Start()
    {
        tasks = [.. Enumerable.Range(0, buyers).Select(Buyer), .. Enumerable.Range(0, readers).Select(Reader)];
    }

    /// <summary>Stops issuing new requests; each buyer still retries its current one until it is answered.</summary>
    public async Task StopAsync()
    {
        Volatile.Write(ref stopping, 1);
        await Task.WhenAll(tasks);
    }

    private bool Stopping => Volatile.Read(ref stopping) == 1;

    private async Task Buyer(int client)
    {
        await Task.Yield();
        var buyer = world.Buyers[client];
        var rng = new Random(7000 + client);
        var trades = new TradeService.TradeServiceClient(world.ChannelFor(client, ClientsPerChannel));
        while (!Stopping)
        {
            var listing = world.Pick(buyer, rng);
            var request = new ExecuteTradeRequest
            {
                Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = Guid.CreateVersion7().ToString(),
            };
            if (await UntilAnsweredAsync(trades, request, buyer, Calls, Acks, Failed) is { } ack)
            {
                lastTrade[client] = ack.Trade;
                long seen;
                while ((seen = Interlocked.Read(ref latestFinalAttempt)) < ack.FinalAttemptMs
                    && Interlocked.CompareExchange(ref latestFinalAttempt, ack.FinalAttemptMs, seen) != seen)
                {
                }
            }
        }
    }

    /// <summary>
    /// Sends the request until the exchange answers it: OK, or a definitive refusal. Transport failures, deadlines and
    /// the statuses of a server or database in trouble are retried with the same request id after a short pause.
    /// </summary>
    public static async Task<Ack?> UntilAnsweredAsync(TradeService.TradeServiceClient client, ExecuteTradeRequest request, Buyer buyer,
        ConcurrentQueue<CallRecord> calls, ConcurrentQueue<Ack> acks, ConcurrentQueue<Unanswered> failed)
    {
        var first = Clock.Now;
        var rng = Random.Shared;
        for (var attempt = 1; ; attempt++)
        {
            var start = Clock.Now;
            try
            {
                var trade = await client.ExecuteTradeAsync(request, buyer.Auth, deadline: DateTime.UtcNow + CallDeadline);
                var end = Clock.Now;
                calls.Enqueue(new CallRecord(start, end, "ExecuteTrade", StatusCode.OK, ""));
                // The trade's own time says which attempt recorded it: before this attempt began means an earlier one
                // committed and this one was answered from the stored outcome.
                var created = trade.CreateTime?.ToDateTimeOffset().ToUnixTimeMilliseconds() ?? start;
                var ack = new Ack(buyer.Name, request.RequestId, trade.Name, trade.FilingNumber, attempt, first, start, end, attempt > 1 && created < start);
                acks.Enqueue(ack);
                return ack;
            }
            catch (RpcException e)
            {
                var end = Clock.Now;
                var reason = Reason(e);
                calls.Enqueue(new CallRecord(start, end, "ExecuteTrade", e.StatusCode, reason));
                if (!Transient(e.StatusCode) || end - first > GiveUpAfter.TotalMilliseconds)
                {
                    failed.Enqueue(new Unanswered(buyer.Name, request.RequestId, attempt, e.StatusCode, reason));
                    return null;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(80 + rng.Next(80)));
        }
    }

    /// <summary>Statuses that say nothing about the request itself: ask again, with the same request id.</summary>
    public static bool Transient(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal
        or StatusCode.Unknown or StatusCode.Aborted or StatusCode.Cancelled or StatusCode.ResourceExhausted;

    /// <summary>Reads while the trades run, so the outage is seen by more than one RPC (never retried: each call is recorded).</summary>
    private async Task Reader(int index)
    {
        await Task.Yield();
        var client = index % buyers;
        var buyer = world.Buyers[client];
        var channel = world.ChannelFor(client, ClientsPerChannel);
        var participants = new ParticipantService.ParticipantServiceClient(channel);
        var listings = new ListingService.ListingServiceClient(channel);
        var trades = new TradeService.TradeServiceClient(channel);
        for (var i = index; !Stopping; i++)
        {
            var deadline = DateTime.UtcNow + CallDeadline;
            var kind = i % 4 == 2 && !lastTrade.ContainsKey(client) ? 3 : i % 4;
            (string Rpc, Func<Task> Call) read = kind switch
            {
                0 => ("GetParticipant", async () => await participants.GetParticipantAsync(new GetParticipantRequest { Name = buyer.Name }, buyer.Auth, deadline)),
                1 => ("ListListings", async () => await listings.ListListingsAsync(new ListListingsRequest { PageSize = 20 }, buyer.Auth, deadline)),
                2 => ("GetTrade", async () => await trades.GetTradeAsync(new GetTradeRequest { Name = lastTrade[client] }, buyer.Auth, deadline)),
                _ => ("GetExchangeStatistics", async () => await trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), buyer.Auth, deadline)),
            };
            var start = Clock.Now;
            try
            {
                await read.Call();
                Calls.Enqueue(new CallRecord(start, Clock.Now, read.Rpc, StatusCode.OK, ""));
            }
            catch (RpcException e)
            {
                Calls.Enqueue(new CallRecord(start, Clock.Now, read.Rpc, e.StatusCode, Reason(e)));
            }

            await Task.Delay(25);
        }
    }

    /// <summary>
    /// One request id from <paramref name="clients"/> clients at once, each on its own HTTP/2 connection, each retrying
    /// until answered: every answer must be the same trade.
    /// </summary>
    public static async Task<StormResult> StormAsync(string address, Buyer buyer, Listing listing, int clients)
    {
        var request = new ExecuteTradeRequest
        {
            Listing = listing.Name, Licence = listing.Licence, AgreedPrice = listing.Price, RequestId = Guid.CreateVersion7().ToString(),
        };
        var channels = Enumerable.Range(0, clients).Select(_ => GrpcChannel.ForAddress(address)).ToArray();
        var calls = new ConcurrentQueue<CallRecord>();
        var failed = new ConcurrentQueue<Unanswered>();
        var acks = new ConcurrentQueue<Ack>();
        var start = Clock.Now;
        using var gate = new SemaphoreSlim(0);
        var answers = channels.Select(async channel =>
        {
            await gate.WaitAsync();
            return await UntilAnsweredAsync(new TradeService.TradeServiceClient(channel), request, buyer, calls, acks, failed);
        }).ToArray();
        gate.Release(clients);
        var trades = await Task.WhenAll(answers);
        var took = Clock.Now - start;
        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        return new StormResult(request.RequestId, buyer.Name, clients, [.. acks], [.. failed], calls.Count, took,
            [.. trades.Where(t => t is not null).Select(t => (t!.Trade, t.FilingNumber)).Distinct()]);
    }

    /// <summary>The google.rpc.ErrorInfo reason, when the server sent one.</summary>
    public static string Reason(RpcException e)
    {
        try
        {
            return e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason ?? "";
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return "";
        }
    }
}

public sealed record StormResult(string RequestId, string Buyer, int Clients, IReadOnlyList<Ack> Answers, IReadOnlyList<Unanswered> Failed,
    int Calls, long Milliseconds, IReadOnlyList<(string Trade, string FilingNumber)> Distinct);
