using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Cryptography;
using DataExchange.Contracts.V1;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>Per-caller limits, each on a server of its own with small limits.</summary>
public class CallLimitSpecs(ITestOutputHelper output)
{
    private static async Task<ServerFixture> StartAsync(AccessSettings access)
    {
        var server = new ServerFixture { ConfigureServices = s => s.AddSingleton(access) };
        await server.InitializeAsync();
        return server;
    }

    private static ErrorInfo Info(Google.Rpc.Status status) => status.GetDetail<ErrorInfo>();

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    /// <summary>The rich status of a call that must fail.</summary>
    private static async Task<Google.Rpc.Status> FailureOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        return error.GetRpcStatus() ?? throw new Xunit.Sdk.XunitException($"{error.StatusCode} without a rich status");
    }

    [Fact]
    public async Task Over_its_rate_a_rest_caller_is_answered_429_with_the_status_as_json()
    {
        var server = new ServerFixture
        {
            ServeHttp = true,
            ConfigureServices = s => s.AddSingleton(new AccessSettings { CallsPerSecondPerParticipant = 5, BurstPerParticipant = 10 }),
        };
        await server.InitializeAsync();
        try
        {
            var (name, _, token) = await server.NewParticipantAsync("Hasty REST client", Region.HongKong, "", Role.Buyer);
            using var http = new HttpClient { BaseAddress = server.HttpAddress };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            HttpResponseMessage? refused = null;
            for (var i = 0; i < 200 && refused is null; i++)
            {
                var response = await http.GetAsync($"/v1/{name}");
                if (response.StatusCode != System.Net.HttpStatusCode.OK)
                {
                    refused = response;
                }
            }

            Assert.NotNull(refused);
            Assert.Equal((System.Net.HttpStatusCode)429, refused.StatusCode);
            var status = new Google.Protobuf.JsonParser(Google.Protobuf.JsonParser.Settings.Default.WithTypeRegistry(DataExchange.Server.Infrastructure.RpcErrors.DetailTypes))
                .Parse<Google.Rpc.Status>(await refused.Content.ReadAsStringAsync());
            Assert.Equal((int)Google.Rpc.Code.ResourceExhausted, status.Code);
            Assert.Equal("RATE_LIMITED", Info(status).Reason);
            Assert.True(status.GetDetail<RetryInfo>() is not null);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Over_its_rate_a_participant_is_answered_resource_exhausted_with_retry_info_and_others_are_not()
    {
        var server = await StartAsync(new AccessSettings { CallsPerSecondPerParticipant = 5, BurstPerParticipant = 10 });
        try
        {
            var (name, clients, _) = await server.NewParticipantAsync("Hasty buyer", Region.HongKong, "", Role.Buyer);
            var second = await server.Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = name, Label = "second", RequestId = Guid.CreateVersion7().ToString() });
            var (_, other, _) = await server.NewParticipantAsync("Patient buyer", Region.HongKong, "", Role.Buyer);
            var read = new GetParticipantRequest { Name = name };

            var passed = 0;
            RpcException? refused = null;
            for (var i = 0; i < 200 && refused is null; i++)
            {
                try
                {
                    await clients.Participants.GetParticipantAsync(read);
                    passed++;
                }
                catch (RpcException e)
                {
                    refused = e;
                }
            }

            Assert.NotNull(refused);
            Assert.InRange(passed, 10, 100);
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            var status = refused.GetRpcStatus()!;
            Assert.Equal("RATE_LIMITED", Info(status).Reason);
            Assert.Equal("dataexchange", Info(status).Domain);
            Assert.Equal("participant", Info(status).Metadata["scope"]);
            Assert.Equal("5", Info(status).Metadata["limit"]);
            Assert.InRange(status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan(), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));

            // The bucket is the participant's, whichever of its tokens calls; other participants are not affected.
            await Errors.Expect(StatusCode.ResourceExhausted, "RATE_LIMITED", () => server.As(second.Secret).Participants.GetParticipantAsync(read));
            await other.Participants.GetParticipantAsync(read);

            // It refills.
            await Eventually(async () =>
            {
                try
                {
                    await clients.Participants.GetParticipantAsync(read);
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    return false;
                }
            }, "the participant's bucket to refill");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_token_may_have_only_so_many_calls_in_progress()
    {
        var server = await StartAsync(new AccessSettings { MaxCallsPerToken = 2 });
        try
        {
            var (name, clients, _) = await server.NewParticipantAsync("Busy buyer", Region.HongKong, "", Role.Buyer);

            // Hold the listings table, so that ListListings calls stay in progress until it is released.
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand($"lock table {server.Schema}.mt_doc_listing in access exclusive mode", connection, transaction))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            var held = Enumerable.Range(0, 2).Select(_ => clients.Listings.ListListingsAsync(new ListListingsRequest()).ResponseAsync).ToList();
            await Eventually(async () => await server.ScalarAsync(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like '%{schema}.mt_doc_listing%'") == 2,
                "both calls to wait on the listings table");

            var status = await Errors.Expect(StatusCode.ResourceExhausted, "TOO_MANY_CONCURRENT_CALLS",
                () => clients.Participants.GetParticipantAsync(new GetParticipantRequest { Name = name }));
            Assert.Equal("token", Info(status).Metadata["scope"]);
            Assert.Equal("2", Info(status).Metadata["limit"]);
            Assert.NotNull(status.GetDetail<RetryInfo>());
            await server.Operator.Participants.GetParticipantAsync(new GetParticipantRequest { Name = name }); // another token

            await transaction.RollbackAsync();
            await Task.WhenAll(held);
            await clients.Participants.GetParticipantAsync(new GetParticipantRequest { Name = name });
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_flood_of_unknown_tokens_costs_no_database_query_each_and_known_tokens_keep_working()
    {
        var server = await StartAsync(new AccessSettings { UnverifiedLookupsPerSecond = 20 });
        try
        {
            var (name, clients, _) = await server.NewParticipantAsync("Honest buyer", Region.HongKong, "", Role.Buyer);
            var authenticator = server.Services.GetRequiredService<TokenAuthenticator>();
            var read = new GetParticipantRequest { Name = name };
            await clients.Participants.GetParticipantAsync(read);

            // 2,000 distinct random tokens: half shaped like issued ones (with a MAC that does not verify), half anything.
            const int flood = 2000;
            var answers = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
            var anonymous = server.As(null).Participants; // one connection; each call brings its own token
            var lookups = authenticator.DatabaseLookups;
            var watch = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, flood), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            {
                var token = i % 2 == 0 ? "dx_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48)) : Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
                var status = await FailureOf(() => anonymous.GetParticipantAsync(read, Bearer(token)).ResponseAsync);
                answers.AddOrUpdate($"{(StatusCode)status.Code}/{Info(status).Reason}", 1, (_, n) => n + 1);
                if (i % 100 == 0)
                {
                    await clients.Participants.GetParticipantAsync(read); // an honest caller is served throughout
                }
            });
            var elapsed = watch.Elapsed;
            var queried = authenticator.DatabaseLookups - lookups;
            output.WriteLine($"{flood} random tokens in {elapsed.TotalSeconds:F1} s: {queried} token lookups reached the database; answers: " +
                string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key} × {a.Value}")));
            Assert.Equal([$"{StatusCode.ResourceExhausted}/TOKEN_LOOKUPS_THROTTLED", $"{StatusCode.Unauthenticated}/INVALID_TOKEN"], answers.Keys.Order());
            // The burst (40) and 20/s, plus the honest token read again each time its 2 s cache entry expires.
            Assert.True(queried <= 40 + 20 * elapsed.TotalSeconds + (elapsed.TotalSeconds / 2) + 2, $"{queried} lookups in {elapsed.TotalSeconds:F1} s");
            // The rate bound above is the real one; this only says most of the flood never reached the database, on a
            // machine loaded enough to stretch the flood over 18 s (20/s admits 360 then).
            Assert.True(queried < flood / 2, $"{queried} of {flood} lookups reached the database");

            // One bad token retried: one lookup, then the negative cache answers.
            var retried = server.As("dx_a_token_someone_mistyped_" + Guid.NewGuid().ToString("N")).Participants;
            await Eventually(async () => (await FailureOf(() => retried.GetParticipantAsync(read).ResponseAsync)).Code == (int)Code.Unauthenticated,
                "the throttle to let one lookup of the mistyped token through");
            lookups = authenticator.DatabaseLookups;
            for (var i = 0; i < 200; i++)
            {
                await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => retried.GetParticipantAsync(read));
            }

            Assert.Equal(lookups, authenticator.DatabaseLookups);

            // A revoked token is remembered too.
            var issued = await server.Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = name, Label = "soon revoked", RequestId = Guid.CreateVersion7().ToString() });
            var revoked = server.As(issued.Secret).Participants;
            await revoked.GetParticipantAsync(read);
            await server.Operator.Participants.RevokeApiTokenAsync(new RevokeApiTokenRequest { Name = issued.Token.Name, RequestId = Guid.CreateVersion7().ToString() });
            lookups = authenticator.DatabaseLookups;
            for (var i = 0; i < 200; i++)
            {
                await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => revoked.GetParticipantAsync(read));
            }

            Assert.Equal(1, authenticator.DatabaseLookups - lookups);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
