using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>
/// mTLS required (DX_TLS_CLIENT_CA, DX_TLS_REQUIRE_CLIENT_CERT): only client certificates from the exchange's CA get a
/// connection, and a certificate bound to a participant carries only that participant's token.
/// </summary>
public class MutualTlsSpecs(MutualTlsServerFixture tls) : IClassFixture<MutualTlsServerFixture>
{
    [Fact]
    public async Task Without_a_client_certificate_the_connection_is_refused()
    {
        var noCertificate = tls.As(ServerFixture.OperatorToken, clientCertificate: null);

        await TlsClients.RefusedAsync(() => noCertificate.HealthAsync());
        await TlsClients.RefusedAsync(() => noCertificate.Participants.GetParticipantAsync(
            new GetParticipantRequest { Name = $"participants/{tls.OperatorId}" }).ResponseAsync);
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_is_refused()
    {
        // Bound to the operator, but issued by a CA the server does not trust.
        var stranger = tls.As(ServerFixture.OperatorToken, tls.OtherCa.IssueClient(tls.OperatorId));

        await TlsClients.RefusedAsync(() => stranger.HealthAsync());
        await TlsClients.RefusedAsync(() => stranger.Participants.GetParticipantAsync(
            new GetParticipantRequest { Name = $"participants/{tls.OperatorId}" }).ResponseAsync);
    }

    [Fact]
    public async Task An_expired_client_certificate_is_refused()
    {
        var expired = tls.As(ServerFixture.OperatorToken, tls.Ca.IssueClient(tls.OperatorId, notAfter: DateTimeOffset.UtcNow.AddDays(-1)));

        await TlsClients.RefusedAsync(() => expired.HealthAsync());
    }

    [Fact]
    public async Task The_participants_certificate_with_its_own_token_works_and_acts_as_that_participant()
    {
        var (buyerId, buyerName, buyerToken) = await tls.NewParticipantAsync("Harbour Analytics", Role.Buyer);
        var buyer = tls.As(buyerToken, tls.Ca.IssueClient(buyerId));

        var self = await buyer.Participants.GetParticipantAsync(new GetParticipantRequest { Name = buyerName });
        Assert.Equal(buyerName, self.Name);

        // It is the buyer, not the operator: an operator's call is denied to it.
        var denied = await Assert.ThrowsAsync<RpcException>(() => buyer.Participants.CreateParticipantAsync(new CreateParticipantRequest
        {
            RequestId = Guid.CreateVersion7().ToString(),
            Participant = new Participant
            {
                DisplayName = "Not allowed", LegalName = "Not allowed Ltd", Roles = { Role.Buyer },
                Jurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" },
            },
        }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Another_participants_token_over_a_certificate_is_refused()
    {
        var (buyerId, buyerName, _) = await tls.NewParticipantAsync("Buyer whose certificate leaked", Role.Buyer);
        var (_, _, vendorToken) = await tls.NewParticipantAsync("Vendor", Role.Vendor);
        var buyerCertificate = tls.Ca.IssueClient(buyerId);

        // A stolen operator token does not turn the buyer's certificate into the operator, nor a vendor's into the buyer.
        foreach (var token in new[] { ServerFixture.OperatorToken, vendorToken })
        {
            await Errors.Expect(StatusCode.Unauthenticated, "CLIENT_CERTIFICATE_MISMATCH",
                () => tls.As(token, buyerCertificate).Participants.GetParticipantAsync(new GetParticipantRequest { Name = buyerName }));
        }

        // And the operator's certificate does not carry the buyer's token.
        var buyerToken = (await tls.Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest
        {
            Parent = buyerName, Label = "second", RequestId = Guid.CreateVersion7().ToString(),
        })).Secret;
        await Errors.Expect(StatusCode.Unauthenticated, "CLIENT_CERTIFICATE_MISMATCH",
            () => tls.As(buyerToken, tls.OperatorCertificate).Participants.GetParticipantAsync(new GetParticipantRequest { Name = buyerName }));
    }

    [Fact]
    public async Task A_certificate_that_names_no_participant_reaches_only_calls_without_a_token()
    {
        var unbound = tls.As(ServerFixture.OperatorToken, tls.Ca.IssueClient(participant: null));

        Assert.Equal(ServingStatus.Serving, await unbound.HealthAsync());
        await Errors.Expect(StatusCode.Unauthenticated, "CLIENT_CERTIFICATE_NOT_BOUND",
            () => unbound.Participants.GetParticipantAsync(new GetParticipantRequest { Name = $"participants/{tls.OperatorId}" }));
    }

    [Fact]
    public async Task A_server_streaming_call_is_bound_to_the_certificate_too()
    {
        var (buyerId, _, _) = await tls.NewParticipantAsync("Streaming buyer", Role.Buyer, Role.Auditor);
        var wrongToken = tls.As(ServerFixture.OperatorToken, tls.Ca.IssueClient(buyerId));

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = wrongToken.Ledger.StreamEntries(new StreamEntriesRequest());
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task Dx_with_ca_cert_and_key_over_https_works_and_without_the_certificate_says_why_in_one_line()
    {
        var (buyerId, buyerName, buyerToken) = await tls.NewParticipantAsync("Buyer on the command line", Role.Buyer);
        var (cert, key) = Pem.Write(Path.Combine(tls.Directory, "clients"), buyerId.ToString(), tls.Ca.IssueClient(buyerId));
        var address = tls.Server.Address.GetLeftPart(UriPartial.Authority);

        Assert.Equal(0, await Dx.RunAsync("participants", "show", buyerName,
            "--address", address, "--ca", tls.CaFile, "--cert", cert, "--key", key, "--token", buyerToken));

        var (exit, _, error) = await Dx.HealthAsync("--address", address, "--ca", tls.CaFile);
        Assert.Equal(8, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dx: cannot reach {address}: the connection was closed (", line, StringComparison.Ordinal);
        Assert.Contains("the server may require a client certificate: pass --cert and --key", line, StringComparison.Ordinal);
        Assert.DoesNotContain("disposed", line, StringComparison.Ordinal);
    }
}

/// <summary>mTLS optional (DX_TLS_REQUIRE_CLIENT_CERT=0): the token alone works, but a certificate presented still binds.</summary>
public class OptionalMutualTlsSpecs(OptionalMutualTlsServerFixture tls) : IClassFixture<OptionalMutualTlsServerFixture>
{
    [Fact]
    public async Task A_token_alone_works_and_a_presented_certificate_must_match_it()
    {
        var (buyerId, buyerName, buyerToken) = await tls.NewParticipantAsync("Optional buyer", Role.Buyer);

        var tokenOnly = tls.As(buyerToken, clientCertificate: null);
        Assert.Equal(buyerName, (await tokenOnly.Participants.GetParticipantAsync(new GetParticipantRequest { Name = buyerName })).Name);

        var withItsCertificate = tls.As(buyerToken, tls.Ca.IssueClient(buyerId));
        Assert.Equal(buyerName, (await withItsCertificate.Participants.GetParticipantAsync(new GetParticipantRequest { Name = buyerName })).Name);

        await Errors.Expect(StatusCode.Unauthenticated, "CLIENT_CERTIFICATE_MISMATCH",
            () => tls.As(buyerToken, tls.OperatorCertificate).Participants.GetParticipantAsync(new GetParticipantRequest { Name = buyerName }));
        await TlsClients.RefusedAsync(() => tls.As(buyerToken, tls.OtherCa.IssueClient(buyerId)).HealthAsync());
    }
}
