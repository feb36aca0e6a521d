using DataExchange.Contracts.V1;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>A log of 6,000 leaves of about 2 KB of payload each (~26 MB as the server holds them), and at most two streams per token.</summary>
public sealed class BigLogFixture : IAsyncLifetime
{
    public const int Leaves = 6000;

    public ServerFixture Server { get; } = new()
    {
        ConfigureServices = s => s.AddSingleton(new AccessSettings { MaxStreamsPerToken = 2 }),
    };

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        var store = Server.Services.GetRequiredService<IDocumentStore>();
        var before = await Server.CountEventRowsAsync();
        for (var written = 0; written < Leaves - before; written += 250)
        {
            await using var session = store.LightweightSession();
            var count = (int)Math.Min(250, Leaves - before - written);
            session.Events.Append(Guid.CreateVersion7(), Enumerable.Range(written, count)
                .Select(i => (object)new LedgerProbe(7, i, new string((char)('a' + i % 26), 2000))).ToArray());
            await session.SaveChangesAsync();
        }

        await Server.CaughtUpCheckpointAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

/// <summary>A client that opens a ledger stream and stops reading pins a bounded buffer on the server, not the log.</summary>
public class StalledStreamSpecs(BigLogFixture log, ITestOutputHelper output) : IClassFixture<BigLogFixture>
{
    /// <summary>What one stalled stream may hold (as <see cref="StreamProgress.BytesHeld"/> counts it).</summary>
    private const long MaxHeldPerStream = 2 << 20;

    private ServerFixture Server => log.Server;

    private LedgerStreams Streams => Server.Services.GetRequiredService<LedgerStreams>();

    private static AsyncServerStreamingCall<object> Open(LedgerService.LedgerServiceClient ledger, string method) => method switch
    {
        nameof(LedgerService.LedgerServiceClient.StreamEntries) => Erase(ledger.StreamEntries(new StreamEntriesRequest())),
        nameof(LedgerService.LedgerServiceClient.StreamEntryBatches) => Erase(ledger.StreamEntryBatches(new StreamEntryBatchesRequest())),
        nameof(LedgerService.LedgerServiceClient.StreamTreeNodes) => Erase(ledger.StreamTreeNodes(new StreamTreeNodesRequest())),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    private static AsyncServerStreamingCall<object> Erase<T>(AsyncServerStreamingCall<T> call) where T : class =>
        new(new Reader<T>(call.ResponseStream), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);

    private sealed class Reader<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<object> where T : class
    {
        public object Current => inner.Current;

        public Task<bool> MoveNext(CancellationToken cancellationToken) => inner.MoveNext(cancellationToken);
    }

    /// <summary>
    /// Opens a stream and never reads it (so the client's HTTP/2 window stays at its initial 64 KiB: reading would let
    /// the client enlarge it); returns the call and the server's record of it once the server is stuck.
    /// </summary>
    private async Task<(AsyncServerStreamingCall<object> Call, StreamProgress Progress)> StallAsync(Clients reader, string method)
    {
        var before = Streams.Open.ToHashSet();
        var call = Open(reader.Ledger, method);
        await call.ResponseHeadersAsync;
        StreamProgress? progress = null;
        long sent = -1;
        await Eventually(() =>
        {
            progress ??= Streams.Open.Except(before).SingleOrDefault(p => p.Method == method);
            if (progress is null)
            {
                return Task.FromResult(false);
            }

            // Stuck: waiting on the transport, nothing being read, and nothing sent since the last look.
            var stuck = progress.Writing && !progress.Reading && progress.ItemsSent == sent;
            sent = progress.ItemsSent;
            return Task.FromResult(stuck);
        }, $"the {method} stream to stall on flow control");
        return (call, progress!);
    }

    [Theory]
    [InlineData(nameof(LedgerService.LedgerServiceClient.StreamEntries))]
    [InlineData(nameof(LedgerService.LedgerServiceClient.StreamEntryBatches))]
    [InlineData(nameof(LedgerService.LedgerServiceClient.StreamTreeNodes))]
    public async Task A_stream_whose_client_stops_reading_holds_a_bounded_buffer_whatever_the_size_of_the_log(string method)
    {
        var (_, auditor, _) = await Server.NewParticipantAsync($"Slow auditor {method}", Region.HongKong, "", Role.Auditor);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var (call, progress) = await StallAsync(auditor, method);
        var heapStalled = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"{method}, stalled after {progress.ItemsSent} of {BigLogFixture.Leaves} leaves sent, {progress.ItemsRead} read: " +
            $"holds {progress.BytesHeld / 1024} KiB (peak {progress.PeakBytesHeld / 1024} KiB); process heap {heapBefore / 1048576} → {heapStalled / 1048576} MiB " +
            "(other test classes share the process)");

        // Stopped well before the end (a client that has read may have grown its window to two chunks of tree nodes).
        Assert.True(progress.ItemsSent < BigLogFixture.Leaves / 2, $"sent {progress.ItemsSent}: the client's flow-control window should have stopped it");
        Assert.True(progress.ItemsRead < BigLogFixture.Leaves, $"read all {progress.ItemsRead} leaves for a client that stopped reading");
        // Two pages of leaves (or chunks of nodes) and the message being sent, whatever the log's size (~26 MB here;
        // before the pages were bounded a stalled stream held all of it).
        Assert.True(progress.PeakBytesHeld <= MaxHeldPerStream, $"peak {progress.PeakBytesHeld} bytes held");

        call.Dispose();
        await Eventually(() => Task.FromResult(!Streams.Open.Contains(progress)), "the cancelled stream to end on the server");
    }

    [Fact]
    public async Task A_token_may_hold_only_so_many_streams_open_and_unary_calls_still_pass()
    {
        var (_, auditor, _) = await Server.NewParticipantAsync("Greedy auditor", Region.HongKong, "", Role.Auditor);
        var (first, _) = await StallAsync(auditor, nameof(LedgerService.LedgerServiceClient.StreamEntries));
        var (second, _) = await StallAsync(auditor, nameof(LedgerService.LedgerServiceClient.StreamTreeNodes));

        var status = await Errors.Expect(StatusCode.ResourceExhausted, "TOO_MANY_CONCURRENT_STREAMS", async () =>
        {
            using var third = auditor.Ledger.StreamEntryBatches(new StreamEntryBatchesRequest());
            await third.ResponseStream.MoveNext(CancellationToken.None);
        });
        var retry = status.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        Assert.True(retry.RetryDelay.ToTimeSpan() > TimeSpan.Zero);
        Assert.Equal("2", status.GetDetail<ErrorInfo>().Metadata["limit"]);

        // Unary calls of the same token and streams of other tokens are not held up.
        Assert.NotEmpty((await auditor.Ledger.ListEntriesAsync(new ListEntriesRequest { PageSize = 1 })).Entries);
        var (_, other, _) = await Server.NewParticipantAsync("Other auditor", Region.HongKong, "", Role.Auditor);
        using (var theirs = other.Ledger.StreamEntries(new StreamEntriesRequest { StartLeafIndex = 0, TreeSize = 3 }))
        {
            Assert.Equal(3, (await theirs.ResponseStream.ReadAllAsync().ToListAsync()).Count);
        }

        // Once one of its streams ends, the token may open another.
        first.Dispose();
        await Eventually(async () =>
        {
            try
            {
                using var again = auditor.Ledger.StreamEntries(new StreamEntriesRequest { StartLeafIndex = 0, TreeSize = 2 });
                return (await again.ResponseStream.ReadAllAsync().ToListAsync()).Count == 2;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                return false;
            }
        }, "a stream slot to free once a stream ends");
        second.Dispose();
    }
}
