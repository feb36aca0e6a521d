using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace DataExchange.Server.Hosting;

/// <summary>
/// The server's TLS material, loaded once at start from the files <see cref="TlsSettings"/> names, and the Kestrel
/// endpoint built from it: HTTP/2 negotiated by ALPN, TLS 1.2 or 1.3, and with DX_TLS_CLIENT_CA client certificates
/// checked against that CA only. A file that is missing, unreadable, not PEM, a key that does not match, or a
/// certificate that has expired stops the start with a <see cref="SettingsException"/> naming the variable.
/// </summary>
public sealed class ServerTls
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private ServerTls(TlsSettings settings, X509Certificate2 certificate, X509Certificate2Collection chain, X509Certificate2Collection? clientAuthorities)
    {
        Settings = settings;
        Certificate = certificate;
        Chain = chain;
        ClientAuthorities = clientAuthorities;
    }

    public TlsSettings Settings { get; }

    /// <summary>The server's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediate certificates sent after the server's (the rest of DX_TLS_CERT).</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>The CAs whose client certificates are accepted (DX_TLS_CLIENT_CA), or null without mTLS.</summary>
    public X509Certificate2Collection? ClientAuthorities { get; }

    public static ServerTls Load(TlsSettings settings, DateTimeOffset now)
    {
        var all = ReadCertificates(TlsSettings.CertVariable, settings.CertificateFile);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(settings.CertificateFile, settings.KeyFile);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException) // ArgumentException: a key of another certificate
        {
            var keyVariable = settings.KeyFile is null ? $"{TlsSettings.CertVariable} (no {TlsSettings.KeyVariable} given)" : $"{TlsSettings.KeyVariable} '{settings.KeyFile}'";
            throw new SettingsException(
                $"{keyVariable}: no unencrypted PEM private key that matches the certificate in {TlsSettings.CertVariable} '{settings.CertificateFile}' "
                + (e is ArgumentException ? "(it is the key of another certificate)." : $"({e.Message.TrimEnd('.')})."), e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"{TlsSettings.KeyVariable} '{settings.KeyFile}': {e.Message}", e);
        }

        if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            throw new SettingsException(
                $"{TlsSettings.CertVariable} '{settings.CertificateFile}': the certificate for {certificate.Subject} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.");
        }

        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usage
            && !usage.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == ServerAuthentication))
        {
            throw new SettingsException(
                $"{TlsSettings.CertVariable} '{settings.CertificateFile}': the certificate for {certificate.Subject} is not for TLS servers (its extended key usage lacks serverAuth).");
        }

        var chain = new X509Certificate2Collection();
        chain.AddRange(all.Skip(1).ToArray());

        X509Certificate2Collection? authorities = null;
        if (settings.ClientCaFile is { } caFile)
        {
            authorities = ReadCertificates(TlsSettings.ClientCaVariable, caFile);
            if (!authorities.Any(IsAuthority))
            {
                throw new SettingsException($"{TlsSettings.ClientCaVariable} '{caFile}': none of its certificates is a CA certificate (basicConstraints CA:TRUE).");
            }
        }

        return new ServerTls(settings, certificate, chain, authorities);
    }

    /// <summary>TLS on <paramref name="listen"/> (whose protocols are HTTP/2 only, so ALPN must offer h2).</summary>
    public void Configure(ListenOptions listen)
    {
        var authorities = ClientAuthorities;
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = Certificate,
            ServerCertificateChain = Chain.Count > 0 ? Chain : null,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CheckCertificateRevocation = false,
            ClientCertificateMode = authorities is null ? ClientCertificateMode.NoCertificate
                : Settings.RequireClientCertificate ? ClientCertificateMode.RequireCertificate
                : ClientCertificateMode.AllowCertificate,
            // Replaces the default check against the machine's trust store: only the exchange's CA counts.
            ClientCertificateValidation = authorities is null ? null
                : (certificate, presented, _) => ClientCertificates.ChainsTo(certificate, authorities, presented),
        });
    }

    /// <summary>"TLS; certificate 'CN=…' valid until …; client certificates required, issued by 'CN=…'" for the start-up banner.</summary>
    public string Describe()
    {
        var text = $"TLS; certificate '{Certificate.Subject}' valid until {Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}";
        if (ClientAuthorities is { } authorities)
        {
            var names = string.Join("; ", authorities.Where(IsAuthority).Select(a => a.Subject));
            text += Settings.RequireClientCertificate
                ? $"; client certificates required, issued by '{names}'"
                : $"; client certificates optional, issued by '{names}'";
        }

        return text;
    }

    /// <summary>
    /// Cleartext is for loopback development only: a non-loopback DX_LISTEN without TLS stops the start unless the
    /// operator set DX_INSECURE_CLEARTEXT=1 (for a TLS-terminating proxy on a private network); bearer tokens would
    /// otherwise cross the network readable by anyone on the path.
    /// </summary>
    public static void EnsureListenIsSafe(ServerSettings settings)
    {
        EnsureSafe(settings, "DX_LISTEN", settings.Listen);
        if (settings.HttpListen is { } http)
        {
            EnsureSafe(settings, ServerSettings.HttpListenVariable, http);
        }
    }

    private static void EnsureSafe(ServerSettings settings, string variable, IPEndPoint endpoint)
    {
        if (settings.Tls is not null || IPAddress.IsLoopback(endpoint.Address) || settings.InsecureCleartext)
        {
            return;
        }

        throw new SettingsException(
            $"{variable} {endpoint} is not a loopback address and TLS is not configured: refusing to serve bearer tokens in cleartext. "
            + $"Set {TlsSettings.CertVariable} and {TlsSettings.KeyVariable} (scripts/dev-ca.sh makes development ones), listen on 127.0.0.1, "
            + $"or set {ServerSettings.InsecureCleartextVariable}=1 if a TLS-terminating proxy on a private network fronts this server.");
    }

    private static X509Certificate2Collection ReadCertificates(string variable, string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new SettingsException($"{variable} '{path}': cannot read PEM certificates: {e.Message}", e);
        }

        return certificates.Count > 0
            ? certificates
            : throw new SettingsException($"{variable} '{path}': no PEM certificate (-----BEGIN CERTIFICATE-----) in the file.");
    }

    private static bool IsAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);
}
