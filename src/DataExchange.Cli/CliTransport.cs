using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace DataExchange.Cli;

/// <summary>
/// The connection to the service: cleartext HTTP/2 for http://, TLS for https:// (the machine's CAs, or only --ca's),
/// with a client certificate when --cert is given. Failures to connect become one line naming the address.
/// </summary>
internal static class CliTransport
{
    public static GrpcChannel CreateChannel(CliSettings settings)
    {
        if (settings.Address.Scheme != Uri.UriSchemeHttps || settings.Tls is null)
        {
            return GrpcChannel.ForAddress(settings.Address);
        }

        var ssl = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (settings.Tls.CaFile is { } caFile)
        {
            var authorities = ReadCertificates(caFile, "--ca");
            ssl.CertificateChainPolicy = new X509ChainPolicy
            {
                // Only this CA: a certificate from any other, public ones included, is not this exchange's server.
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            ssl.CertificateChainPolicy.CustomTrustStore.AddRange(authorities);
        }

        if (settings.Tls.CertFile is { } certFile)
        {
            X509Certificate2 certificate;
            try
            {
                certificate = X509Certificate2.CreateFromPemFile(certFile, settings.Tls.KeyFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"--cert/--key: {e.Message}");
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException) // ArgumentException: a key of another certificate
            {
                var keyFile = settings.Tls.KeyFile ?? certFile;
                throw new CliException($"--cert '{certFile}' / --key '{keyFile}': not a PEM certificate with its matching unencrypted private key.");
            }

            var intermediates = ReadCertificates(certFile, "--cert");
            // Always offer this certificate, whatever CA names the server lists in its request.
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(certificate, intermediates.Count > 1 ? new X509Certificate2Collection(intermediates.Skip(1).ToArray()) : null, offline: true);
        }

        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        return GrpcChannel.ForAddress(settings.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>
    /// One line for a call that got no answer from the service (refused connection, unknown host, failed TLS
    /// handshake, connection closed), naming the address and what to check; null for any answer the service gave.
    /// <see cref="TransportFailure.MayHaveArrived"/> is false when the request certainly never reached the service.
    /// </summary>
    public static TransportFailure? DescribeFailure(RpcException exception, CliSettings settings)
    {
        if (exception.StatusCode is not (StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown)
            || exception.Status.DebugException is not { } debug)
        {
            return null;
        }

        var causes = new List<Exception>();
        for (var cause = debug; cause is not null; cause = cause.InnerException)
        {
            causes.Add(cause);
        }

        var address = settings.Address.GetLeftPart(UriPartial.Authority);
        var https = settings.Address.Scheme == Uri.UriSchemeHttps;
        if (causes.OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            return new TransportFailure(socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"cannot reach {address}: connection refused (is the server running and listening there?)",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"cannot reach {address}: unknown host {settings.Address.Host}",
                SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"cannot reach {address}: {Lower(socket.Message)}",
                _ => $"cannot reach {address}: {Lower(socket.Message)}",
            }, MayHaveArrived: false);
        }

        if (causes.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            var message = tls.Message;
            string hint;
            if (message.Contains("RemoteCertificateNameMismatch", StringComparison.Ordinal))
            {
                hint = $"the server's certificate is not issued for '{settings.Address.Host}'; use the host name it names";
            }
            else if (message.Contains("certificate chain", StringComparison.Ordinal) || message.Contains("UntrustedRoot", StringComparison.Ordinal)
                || message.Contains("PartialChain", StringComparison.Ordinal))
            {
                hint = settings.Tls?.CaFile is null
                    ? "the server's certificate is not from a CA this machine trusts; pass the CA that issued it with --ca (or DX_CA)"
                    : "the server's certificate is not issued by the CA in --ca";
            }
            else if (message.Contains("alert", StringComparison.OrdinalIgnoreCase) || message.Contains("certificate", StringComparison.OrdinalIgnoreCase))
            {
                hint = ClientCertificateHint(settings);
            }
            else
            {
                hint = "is the server serving TLS there? (a cleartext loopback server takes http://)";
            }

            return new TransportFailure($"cannot reach {address}: TLS handshake failed: {hint} ({FirstLine(message)})", MayHaveArrived: false);
        }

        if (causes.Any(c => c.Message.Contains("HTTP_1_1_REQUIRED", StringComparison.Ordinal)))
        {
            return new TransportFailure($"cannot reach {address}: it speaks HTTP/1.1, not gRPC (the REST port? gRPC listens on DX_LISTEN, 127.0.0.1:5080 by default)",
                MayHaveArrived: false);
        }

        if (causes.Any(c => c is HttpRequestException or IOException))
        {
            // The deepest transport error says most ("unexpected EOF", "response ended prematurely"); what lies below it
            // (a disposed stream, say) is how .NET noticed, not what happened.
            var innermost = causes.Last(c => c is HttpRequestException or IOException);
            var hint = https
                ? ClientCertificateHint(settings)
                : "if the server uses TLS, use an https:// address";
            return new TransportFailure($"cannot reach {address}: the connection was closed ({FirstLine(innermost.Message)}); {hint}", MayHaveArrived: true);
        }

        return null;
    }

    private static string ClientCertificateHint(CliSettings settings) => settings.Tls?.CertFile is null
        ? "the server may require a client certificate: pass --cert and --key (or DX_CERT, DX_KEY)"
        : "the server refused the client certificate: it must come from the CA the server trusts (DX_TLS_CLIENT_CA) and be valid";

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    // "Connection timed out" reads as a cause after a colon: "cannot reach …: connection timed out".
    private static string Lower(string text) => text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;

    private static X509Certificate2Collection ReadCertificates(string path, string option)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (CryptographicException)
        {
            throw new CliException($"{option} '{path}': not a PEM certificate file.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{option} '{path}': {e.Message}");
        }

        return certificates.Count > 0 ? certificates : throw new CliException($"{option} '{path}': no PEM certificate (-----BEGIN CERTIFICATE-----) in the file.");
    }
}

/// <summary>A call that got no answer from the service: the line to print, and whether the request may have arrived.</summary>
internal sealed record TransportFailure(string Message, bool MayHaveArrived);
