using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DataExchange.Contracts.V1;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>A certificate authority made in memory (EC P-256), issuing server and client certificates as PEM files.</summary>
internal sealed class TestCa
{
    private TestCa(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static TestCa Create(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=DataExchange tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new TestCa(request.CreateSelfSigned(now.AddDays(-10), now.AddYears(1)));
    }

    /// <summary>A TLS server certificate for localhost and 127.0.0.1.</summary>
    public X509Certificate2 IssueServer() => Issue("DataExchange test server", "1.3.6.1.5.5.7.3.1", names =>
    {
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
    });

    /// <summary>A client certificate bound to <paramref name="participant"/> (none: a certificate that names no participant).</summary>
    public X509Certificate2 IssueClient(Guid? participant, DateTimeOffset? notAfter = null) => Issue(
        participant is { } id ? $"participant {id}" : "nobody in particular", "1.3.6.1.5.5.7.3.2", names =>
        {
            if (participant is { } id)
            {
                names.AddUri(new Uri(ClientCertificates.ParticipantUriPrefix + id));
            }
            else
            {
                names.AddDnsName("client.example");
            }
        }, notAfter);

    private X509Certificate2 Issue(string commonName, string usage, Action<SubjectAlternativeNameBuilder> alternativeNames, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}, O=DataExchange tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var names = new SubjectAlternativeNameBuilder();
        alternativeNames(names);
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        var end = notAfter ?? now.AddDays(30);
        using var issued = request.Create(Certificate, end < now ? end.AddDays(-2) : now.AddHours(-1), end, serial);
        return issued.CopyWithPrivateKey(key);
    }
}

internal static class Pem
{
    /// <summary>Writes NAME.crt and NAME.key (owner-only) into <paramref name="directory"/> and returns their paths.</summary>
    public static (string Cert, string Key) Write(string directory, string name, X509Certificate2 certificate)
    {
        Directory.CreateDirectory(directory);
        var cert = Path.Combine(directory, name + ".crt");
        var key = Path.Combine(directory, name + ".key");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        if (certificate.GetECDsaPrivateKey() is { } ecdsa)
        {
            OwnerOnlyFile.Write(key, ecdsa.ExportPkcs8PrivateKeyPem());
        }

        return (cert, key);
    }
}

/// <summary>gRPC clients over TLS: trusting only <c>trust</c> (none: the machine's store), offering <c>clientCertificate</c>.</summary>
internal static class TlsClients
{
    public static Clients For(Uri address, string? token, X509Certificate2? trust, X509Certificate2? clientCertificate = null)
    {
        var ssl = new SslClientAuthenticationOptions { CertificateRevocationCheckMode = X509RevocationMode.NoCheck };
        if (trust is not null)
        {
            ssl.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            ssl.CertificateChainPolicy.CustomTrustStore.Add(trust);
        }

        if (clientCertificate is not null)
        {
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, null, offline: true);
        }

        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            if (token is not null)
            {
                metadata.Add("authorization", $"Bearer {token}");
            }

            return Task.CompletedTask;
        });
        return new Clients(GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = ssl },
            Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials),
        }));
    }

    /// <summary>The exception a call that never got an answer raises, with the transport's cause in its chain.</summary>
    public static async Task<RpcException> RefusedAsync(Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(refused.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown,
            $"expected a transport failure, got {refused.StatusCode}: {refused.Status.Detail}");
        Assert.Null(refused.GetRpcStatus()); // no rich status: the service never answered
        return refused;
    }

    public static IEnumerable<Exception> Causes(this Exception exception)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            yield return cause;
        }
    }

    public static async Task<Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus> HealthAsync(this Clients clients) =>
        (await new Grpc.Health.V1.Health.HealthClient(clients.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status;
}

/// <summary>
/// A server serving TLS with a certificate from <see cref="Ca"/>; with <c>mutual</c>, it also requires client
/// certificates from <see cref="Ca"/>. <see cref="OtherCa"/> is a stranger's CA, for certificates it must refuse.
/// </summary>
public abstract class TlsServerFixtureBase(bool mutual, bool requireClientCertificate = true) : IAsyncLifetime
{
    internal TestCa Ca { get; } = TestCa.Create("DataExchange test CA");

    internal TestCa OtherCa { get; } = TestCa.Create("A stranger's CA");

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "dx-tls-tests", Guid.NewGuid().ToString("N"));

    public ServerFixture Server { get; private set; } = null!;

    public string CaFile { get; private set; } = null!;

    public Guid OperatorId { get; private set; }

    /// <summary>The operator's clients over TLS (with its own client certificate when the server requires one).</summary>
    internal Clients Operator { get; private set; } = null!;

    internal X509Certificate2 OperatorCertificate { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        CaFile = Pem.Write(Directory, "ca", Ca.Certificate).Cert;
        File.Delete(Path.Combine(Directory, "ca.key")); // the server never needs the CA's key
        var (cert, key) = Pem.Write(Directory, "server", Ca.IssueServer());
        Server = new ServerFixture
        {
            Tls = new TlsSettings
            {
                CertificateFile = cert,
                KeyFile = key,
                ClientCaFile = mutual ? CaFile : null,
                RequireClientCertificate = mutual && requireClientCertificate,
            },
        };
        await Server.InitializeAsync();
        await using (var session = Server.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            OperatorId = (await session.LoadAsync<BootstrapRecord>("bootstrap"))!.OperatorId;
        }

        OperatorCertificate = Ca.IssueClient(OperatorId);
        Operator = As(ServerFixture.OperatorToken, mutual ? OperatorCertificate : null);
    }

    internal Clients As(string? token, X509Certificate2? clientCertificate) =>
        TlsClients.For(Server.Address, token, Ca.Certificate, clientCertificate);

    /// <summary>Registers a participant through the operator; returns its id and a token of its own.</summary>
    public async Task<(Guid Id, string Name, string Token)> NewParticipantAsync(string displayName, params Role[] roles)
    {
        var participant = await Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest
        {
            RequestId = Guid.CreateVersion7().ToString(),
            Participant = new Participant
            {
                DisplayName = displayName,
                LegalName = displayName + " Ltd",
                Roles = { roles },
                Jurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" },
            },
        });
        var token = await Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest
        {
            Parent = participant.Name, Label = "tls test", RequestId = Guid.CreateVersion7().ToString(),
        });
        return (Guid.Parse(participant.Name["participants/".Length..]), participant.Name, token.Secret);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

public sealed class TlsServerFixture() : TlsServerFixtureBase(mutual: false);

public sealed class MutualTlsServerFixture() : TlsServerFixtureBase(mutual: true);

public sealed class OptionalMutualTlsServerFixture() : TlsServerFixtureBase(mutual: true, requireClientCertificate: false);

/// <summary>A local port that refuses connections for as long as this lives: bound, never listening.</summary>
internal sealed class ClosedPort : IDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort() => socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)socket.LocalEndPoint!).Port;

    public void Dispose() => socket.Dispose();
}

/// <summary>dx, in-process: parsed and invoked as the command line does, or with its output captured.</summary>
internal static class Dx
{
    public static Task<int> RunAsync(params string[] args) =>
        DataExchange.Cli.Program.BuildRootCommand().Parse(args).InvokeAsync();

    /// <summary>
    /// `dx health` with the given options through the same option reading and error reporting every command uses
    /// (CliContext.RunAsync), with stdout and stderr captured.
    /// </summary>
    public static async Task<(int Exit, string Out, string Error)> HealthAsync(params string[] options)
    {
        var global = new DataExchange.Cli.GlobalOptions();
        var parsed = DataExchange.Cli.Program.BuildRootCommand(global).Parse(["health", .. options]);
        Assert.Empty(parsed.Errors);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await DataExchange.Cli.CliContext.RunAsync(parsed, global, CancellationToken.None, async context =>
        {
            var response = await context.Health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), context.Call(CancellationToken.None));
            await stdout.WriteLineAsync(response.Status.ToString());
            return 0;
        }, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
