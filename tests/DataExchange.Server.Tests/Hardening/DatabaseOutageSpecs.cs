using System.Net.Sockets;
using DataExchange.Contracts.V1;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using DataExchange.Server.Tests.Trades;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>A server whose only way to PostgreSQL is a <see cref="TcpProxy"/> the test can cut.</summary>
public sealed class OutageFixture : IAsyncLifetime
{
    public TcpProxy Proxy { get; private set; } = null!;

    public ServerFixture Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var direct = new NpgsqlConnectionStringBuilder(ServerSettings.ToConnectionString(
            Environment.GetEnvironmentVariable("DX_TEST_DATABASE_URL")
            ?? throw new InvalidOperationException("DX_TEST_DATABASE_URL is not set: run the tests through scripts/test.sh.")));
        Proxy = new TcpProxy(direct.Host!, direct.Port);
        var proxied = new NpgsqlConnectionStringBuilder(direct.ConnectionString) { Host = "127.0.0.1", Port = Proxy.Port, Timeout = 3 };
        // The fixture's own connection (schema set-up, counting, dropping) stays direct; the server's goes through the proxy.
        Server = new ServerFixture { ServerConnectionString = proxied.ConnectionString };
        await Server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        Proxy.Restore();
        await Server.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}

/// <summary>
/// Issue 12, item 1: with the database gone every kind of call answers UNAVAILABLE / DATABASE_UNAVAILABLE with a
/// RetryInfo (never INTERNAL), and the server serves again once it is back.
/// </summary>
public class DatabaseOutageSpecs(OutageFixture fixture) : IClassFixture<OutageFixture>
{
    [Fact]
    public async Task Every_kind_of_call_answers_unavailable_while_the_database_is_down_and_succeeds_once_it_is_back()
    {
        var server = fixture.Server;
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing(individuals: 0));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        var (_, unusedTokenClients, _) = await server.NewParticipantAsync("Never called before", Region.MainlandChina, "Shenzhen", Role.Auditor);
        var op = server.Operator;

        var calls = new (string Name, Func<Task> Call)[]
        {
            ("GetParticipant", async () => await op.Participants.GetParticipantAsync(new GetParticipantRequest { Name = world.VendorName })),
            ("ListParticipants", async () => await op.Participants.ListParticipantsAsync(new ListParticipantsRequest())),
            ("CreateParticipant", async () => await op.Participants.CreateParticipantAsync(new CreateParticipantRequest
            {
                RequestId = Rid(),
                Participant = new Participant
                {
                    DisplayName = "Outage Data", LegalName = "Outage Data Ltd", Roles = { Role.Buyer },
                    Jurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" },
                },
            })),
            ("IssueApiToken", async () => await op.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = world.VendorName, Label = "x", RequestId = Rid() })),
            ("GetListing", async () => await op.Listings.GetListingAsync(new GetListingRequest { Name = listing.Name })),
            ("ListListings", async () => await op.Listings.ListListingsAsync(new ListListingsRequest())),
            ("CreateListing", async () => await world.Vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing(), RequestId = Rid() })),
            ("ExecuteTrade", async () => await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing))),
            ("GetTrade", async () => await op.Trades.GetTradeAsync(new GetTradeRequest { Name = trade.Name })),
            ("ListTrades", async () => await op.Trades.ListTradesAsync(new ListTradesRequest())),
            ("GetExchangeStatistics", async () => await op.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest())),
            ("ListExportApprovals", async () => await op.Approvals.ListExportApprovalsAsync(new ListExportApprovalsRequest { Parent = "participants/-" })),
            ("GetCheckpoint", async () => await op.Ledger.GetCheckpointAsync(new GetCheckpointRequest())),
            ("ListEntries", async () => await op.Ledger.ListEntriesAsync(new ListEntriesRequest())),
            ("GetTradeReceipt", async () => await op.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = trade.Name })),
            ("StreamEntries (server streaming)", async () =>
            {
                using var stream = op.Ledger.StreamEntries(new StreamEntriesRequest());
                while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }),
            ("a token not yet cached (authentication)", async () => await unusedTokenClients.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest())),
        };

        fixture.Proxy.Cut();
        var answers = new List<string>();
        foreach (var (name, call) in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            var status = error.GetRpcStatus();
            var info = status?.GetDetail<ErrorInfo>();
            answers.Add($"{name}: {error.StatusCode} {info?.Reason} retry={status?.GetDetail<RetryInfo>()?.RetryDelay?.ToTimeSpan().TotalSeconds}s");
        }

        Assert.All(answers, a => Assert.EndsWith(": Unavailable DATABASE_UNAVAILABLE retry=1s", a, StringComparison.Ordinal));

        // Back: pooled connections the outage broke fail once each (UNAVAILABLE again, which a client retries), then
        // writes through Marten and reads of the ledger's own queries succeed.
        fixture.Proxy.Restore();
        await Recovers(() => world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)).ResponseAsync, "trades");
        await Recovers(() => op.Ledger.ListEntriesAsync(new ListEntriesRequest()).ResponseAsync, "ledger reads");
    }

    private static Task Recovers(Func<Task> call, string what) =>
        LedgerTestSupport.Eventually(async () =>
        {
            try
            {
                await call();
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false;
            }
        }, $"{what} to succeed once the database is back", TimeSpan.FromSeconds(30));
}

/// <summary>The one mapping from database failures to statuses, wherever Marten or JasperFx wrapped them.</summary>
public class DatabaseFailureClassificationSpecs
{
    public static TheoryData<string, DatabaseFailure> SqlStates() => new()
    {
        { "08006", DatabaseFailure.Unavailable }, // connection failure
        { "08001", DatabaseFailure.Unavailable }, // unable to connect
        { "53300", DatabaseFailure.Unavailable }, // too many connections
        { "53100", DatabaseFailure.Unavailable }, // disk full
        { "57P01", DatabaseFailure.Unavailable }, // terminated by administrator
        { "57P02", DatabaseFailure.Unavailable }, // crash shutdown
        { "57P03", DatabaseFailure.Unavailable }, // cannot connect now (starting up)
        { "25006", DatabaseFailure.Unavailable }, // read-only standby
        { "40001", DatabaseFailure.Conflict },
        { "40P01", DatabaseFailure.Conflict },
        { "23505", DatabaseFailure.None }, // unique violation: a bug
        { "42P01", DatabaseFailure.None }, // undefined table: a bug
        { "DXA01", DatabaseFailure.None }, // an append-only guard refused: never "retry later"
    };

    [Theory]
    [MemberData(nameof(SqlStates))]
    public void A_postgres_error_is_classified_by_its_sqlstate_however_deeply_wrapped(string sqlState, DatabaseFailure expected)
    {
        var postgres = new PostgresException("message", "FATAL", "FATAL", sqlState);
        Assert.Equal(expected, DatabaseFailures.Classify(postgres));
        Assert.Equal(expected, DatabaseFailures.Classify(new Marten.Exceptions.MartenCommandException(new NpgsqlCommand("select 1"), postgres)));
        Assert.Equal(expected, DatabaseFailures.Classify(new InvalidOperationException("outer", new AggregateException(new TimeoutException("other"), postgres))));
    }

    [Fact]
    public void Client_side_connection_failures_are_unavailable()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:1", new SocketException((int)SocketError.ConnectionRefused));
        Assert.Equal(DatabaseFailure.Unavailable, DatabaseFailures.Classify(refused));
        Assert.Equal(DatabaseFailure.Unavailable, DatabaseFailures.Classify(new Marten.Exceptions.MartenCommandException(new NpgsqlCommand("select 1"), refused)));
        Assert.Equal(DatabaseFailure.Unavailable, DatabaseFailures.Classify(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.Equal(DatabaseFailure.Unavailable, DatabaseFailures.Classify(new NpgsqlException("The operation has timed out", new TimeoutException())));
        Assert.Equal(DatabaseFailure.None, DatabaseFailures.Classify(new InvalidOperationException("a bug")));
        Assert.Equal(DatabaseFailure.None, DatabaseFailures.Classify(new NpgsqlException("a protocol bug")));
    }
}
