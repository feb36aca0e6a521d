using System.Security.Authentication;
using DataExchange.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>A real server serving TLS (HTTP/2 over ALPN) with a certificate from a CA generated for the test.</summary>
public class TlsSpecs(TlsServerFixture tls) : IClassFixture<TlsServerFixture>
{
    [Fact]
    public async Task A_call_over_https_trusting_the_CA_works()
    {
        Assert.Equal(Uri.UriSchemeHttps, tls.Server.Address.Scheme);

        var participant = await tls.Operator.Participants.GetParticipantAsync(new GetParticipantRequest { Name = $"participants/{tls.OperatorId}" });

        Assert.Equal($"participants/{tls.OperatorId}", participant.Name);
        Assert.Equal(ServingStatus.Serving, await tls.Operator.HealthAsync());
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_CA_is_refused_in_the_handshake()
    {
        var machineTrust = TlsClients.For(tls.Server.Address, Infrastructure.ServerFixture.OperatorToken, trust: null);
        var strangerTrust = TlsClients.For(tls.Server.Address, Infrastructure.ServerFixture.OperatorToken, tls.OtherCa.Certificate);

        foreach (var client in new[] { machineTrust, strangerTrust })
        {
            var refused = await TlsClients.RefusedAsync(() => client.Participants.GetParticipantAsync(
                new GetParticipantRequest { Name = $"participants/{tls.OperatorId}" }).ResponseAsync);
            Assert.Contains(refused.Causes(), c => c is AuthenticationException);
        }
    }

    [Fact]
    public async Task Cleartext_to_the_TLS_port_gets_no_answer()
    {
        var cleartext = new Uri($"http://127.0.0.1:{tls.Server.Address.Port}");
        using var channel = GrpcChannel.ForAddress(cleartext);

        await TlsClients.RefusedAsync(() => new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync);
    }

    [Fact]
    public async Task Dx_over_https_with_the_CA_works()
    {
        var address = tls.Server.Address.ToString();

        Assert.Equal(0, await Dx.RunAsync("participants", "show", $"participants/{tls.OperatorId}",
            "--address", address, "--ca", tls.CaFile, "--token", Infrastructure.ServerFixture.OperatorToken));
        var (exit, output, error) = await Dx.HealthAsync("--address", address, "--ca", tls.CaFile);
        Assert.True(exit == 0, error);
        Assert.Equal("Serving", output.Trim());
    }

    [Fact]
    public async Task Dx_without_the_CA_says_in_one_line_which_address_it_cannot_trust()
    {
        var address = tls.Server.Address.GetLeftPart(UriPartial.Authority);

        var (exit, _, error) = await Dx.HealthAsync("--address", address);

        Assert.Equal(8, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dx: cannot reach {address}: TLS handshake failed: ", line, StringComparison.Ordinal);
        Assert.Contains("--ca", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dx_to_a_server_that_is_down_says_so_in_one_line_naming_the_address()
    {
        using var closed = new ClosedPort();
        var address = $"https://127.0.0.1:{closed.Port}";

        var (exit, _, error) = await Dx.HealthAsync("--address", address, "--ca", tls.CaFile);

        Assert.Equal(8, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"dx: cannot reach {address}: connection refused (is the server running and listening there?)", line);
    }

    [Fact]
    public async Task Dx_talking_cleartext_to_the_TLS_port_says_to_use_https()
    {
        var address = $"http://127.0.0.1:{tls.Server.Address.Port}";

        var (exit, _, error) = await Dx.HealthAsync("--address", address);

        Assert.Equal(8, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dx: cannot reach {address}: ", line, StringComparison.Ordinal);
        Assert.Contains("https://", line, StringComparison.Ordinal);
    }
}
