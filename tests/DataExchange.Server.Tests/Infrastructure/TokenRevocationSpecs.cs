using System.Diagnostics;
using DataExchange.Contracts.V1;
using DataExchange.Server.Auth;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>Two servers on one schema (and one data directory, so one token key): token caches stay in step.</summary>
public class TokenRevocationSpecs(ITestOutputHelper output)
{
    private static Guid Rid() => Guid.CreateVersion7();

    private static async Task<(ServerFixture A, ServerFixture B)> TwoServersAsync()
    {
        var a = new ServerFixture();
        await a.InitializeAsync();
        var b = new ServerFixture { Schema = a.Schema, DataDirectory = a.DataDirectory, OwnsSchema = false };
        await b.InitializeAsync();
        await BothListeningAsync(a, b);
        return (a, b);
    }

    /// <summary>Both servers' notification connections are up and visible to each other.</summary>
    private static Task BothListeningAsync(ServerFixture a, ServerFixture b) =>
        Eventually(async () => Authenticator(a).Synchronised && Authenticator(b).Synchronised
            && await a.ScalarAsync($"select count(*) from pg_stat_activity where application_name in ('{Sync(a).ApplicationName}', '{Sync(b).ApplicationName}')") == 2,
            "both servers to listen for token notifications");

    private static TokenAuthenticator Authenticator(ServerFixture server) => server.Services.GetRequiredService<TokenAuthenticator>();

    private static TokenCacheSync Sync(ServerFixture server) => server.Services.GetRequiredService<TokenCacheSync>();

    private static async Task DisposeAsync(ServerFixture a, ServerFixture b)
    {
        await b.DisposeAsync();
        await a.DisposeAsync();
    }

    [Fact]
    public async Task A_revoked_token_is_refused_by_every_server_on_the_very_next_call()
    {
        var (a, b) = await TwoServersAsync();
        try
        {
            var participant = await a.Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest
            {
                RequestId = Rid().ToString(),
                Participant = new Participant
                {
                    DisplayName = "Revocation probe", LegalName = "Revocation probe Ltd", Roles = { Role.Buyer },
                    Jurisdiction = new Jurisdiction { Region = Region.HongKong },
                },
            });
            var read = new GetParticipantRequest { Name = participant.Name };
            var latencies = new List<double>();
            for (var round = 0; round < 50; round++)
            {
                var (revoker, other) = round % 2 == 0 ? (a, b) : (b, a);
                var issued = await revoker.Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest
                {
                    Parent = participant.Name, Label = $"round {round}", RequestId = Rid().ToString(),
                });
                var onA = a.As(issued.Secret).Participants;
                var onB = b.As(issued.Secret).Participants;
                await onA.GetParticipantAsync(read);
                await onB.GetParticipantAsync(read);
                // The second call on each server is answered from its cache: exactly what revocation must reach.
                var lookupsA = Authenticator(a).DatabaseLookups;
                var lookupsB = Authenticator(b).DatabaseLookups;
                await onA.GetParticipantAsync(read);
                await onB.GetParticipantAsync(read);
                Assert.Equal(lookupsA, Authenticator(a).DatabaseLookups);
                Assert.Equal(lookupsB, Authenticator(b).DatabaseLookups);

                var watch = Stopwatch.StartNew();
                await revoker.Operator.Participants.RevokeApiTokenAsync(new RevokeApiTokenRequest { Name = issued.Token.Name, Reason = "leaked", RequestId = Rid().ToString() });
                latencies.Add(watch.Elapsed.TotalMilliseconds);

                await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => (other == a ? onA : onB).GetParticipantAsync(read));
                await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => (revoker == a ? onA : onB).GetParticipantAsync(read));
            }

            latencies.Sort();
            output.WriteLine($"RevokeApiToken with the other server's acknowledgement, 50 rounds: p50 {latencies[24]:F1} ms, p90 {latencies[44]:F1} ms, max {latencies[^1]:F1} ms");
        }
        finally
        {
            await DisposeAsync(a, b);
        }
    }

    [Fact]
    public async Task Without_its_notification_connection_a_server_reads_tokens_from_the_database_until_the_connection_is_back()
    {
        var (a, b) = await TwoServersAsync();
        try
        {
            var (_, _, secret) = await a.NewParticipantAsync("Cut off", Region.Macao, "", Role.Buyer);
            var onB = b.As(secret).Participants;
            var list = new ListParticipantsRequest { PageSize = 1 };
            await onB.ListParticipantsAsync(list);

            // Cut B's listener; B notices, stops trusting its cache, and reconnects (flushing again).
            await a.ExecAsync($"select pg_terminate_backend(pid) from pg_stat_activity where application_name = '{Sync(b).ApplicationName}'");
            var before = Authenticator(b).DatabaseLookups;
            await Eventually(async () =>
            {
                await onB.ListParticipantsAsync(list);
                return Authenticator(b).DatabaseLookups > before;
            }, "server B to read the token from the database once its notification connection is gone");
            await BothListeningAsync(a, b);

            // Revocation is seen by B whether or not its listener was back in time.
            var record = await FindTokenAsync(a, secret);
            await a.Operator.Participants.RevokeApiTokenAsync(new RevokeApiTokenRequest
            {
                Name = $"participants/{record.ParticipantId}/tokens/{record.Id}", Reason = "cut", RequestId = Rid().ToString(),
            });
            await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => onB.ListParticipantsAsync(list));
        }
        finally
        {
            await DisposeAsync(a, b);
        }
    }

    [Fact]
    public async Task A_token_remembered_as_unknown_works_on_every_server_as_soon_as_it_is_issued()
    {
        var (a, b) = await TwoServersAsync();
        try
        {
            // A DX_BOOTSTRAP_TOKEN is chosen by a person, so it can be tried before it exists: B remembers it as unknown.
            const string secret = "dx_chosen_by_an_operator_before_it_existed_0123456789";
            var onB = b.As(secret).Participants;
            await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => onB.ListParticipantsAsync(new ListParticipantsRequest()));
            var lookups = Authenticator(b).DatabaseLookups;
            await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => onB.ListParticipantsAsync(new ListParticipantsRequest()));
            Assert.Equal(lookups, Authenticator(b).DatabaseLookups); // answered from the negative cache

            // Server A files it as a token of the operator (as Bootstrap does) and tells the others.
            var operatorRecord = await FindTokenAsync(a, ServerFixture.OperatorToken);
            await using (var session = a.Services.GetRequiredService<IDocumentStore>().LightweightSession())
            {
                session.Insert(new ApiTokenRecord
                {
                    Id = Guid.CreateVersion7(), ParticipantId = operatorRecord.ParticipantId, SecretHash = TokenSecrets.Hash(secret), IssuedAt = DateTimeOffset.UtcNow,
                });
                await session.SaveChangesAsync();
            }

            Assert.Empty(await Sync(a).IssuedAsync(TokenSecrets.Hash(secret), CancellationToken.None));
            await onB.ListParticipantsAsync(new ListParticipantsRequest());
        }
        finally
        {
            await DisposeAsync(a, b);
        }
    }

    private static async Task<ApiTokenRecord> FindTokenAsync(ServerFixture server, string secret)
    {
        await using var session = server.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var hash = TokenSecrets.Hash(secret);
        return await session.Query<ApiTokenRecord>().SingleAsync(t => t.SecretHash == hash);
    }
}
