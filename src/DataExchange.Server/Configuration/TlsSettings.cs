namespace DataExchange.Server.Configuration;

/// <summary>
/// Transport security (DX_TLS_*): the server's certificate and key as PEM files, and optionally the CA whose client
/// certificates it accepts (mTLS). Unset: cleartext HTTP/2, allowed only on a loopback address (see
/// <see cref="ServerTls.EnsureListenIsSafe"/>).
/// </summary>
public sealed record TlsSettings
{
    /// <summary>DX_TLS_CERT: PEM file with the server's certificate first, then any intermediate CA certificates.</summary>
    public required string CertificateFile { get; init; }

    /// <summary>DX_TLS_KEY: PEM file with the certificate's private key (PKCS#8, SEC1 or PKCS#1). Unset: the key is in <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>DX_TLS_CLIENT_CA: PEM file with the CA certificate(s) that issue participants' client certificates (mTLS).</summary>
    public string? ClientCaFile { get; init; }

    /// <summary>
    /// DX_TLS_REQUIRE_CLIENT_CERT: refuse TLS connections without a client certificate from <see cref="ClientCaFile"/>.
    /// From the environment it defaults to on when DX_TLS_CLIENT_CA is set; off, a certificate is optional but one that
    /// is presented must still chain to the CA and match the caller's token.
    /// </summary>
    public bool RequireClientCertificate { get; init; }

    public const string CertVariable = "DX_TLS_CERT";
    public const string KeyVariable = "DX_TLS_KEY";
    public const string ClientCaVariable = "DX_TLS_CLIENT_CA";
    public const string RequireClientCertVariable = "DX_TLS_REQUIRE_CLIENT_CERT";

    /// <summary>The TLS settings, or null for cleartext; contradictory combinations are refused with the variable to fix.</summary>
    public static TlsSettings? FromEnvironment(Func<string, string?> env)
    {
        var cert = NonEmpty(env(CertVariable));
        var key = NonEmpty(env(KeyVariable));
        var clientCa = NonEmpty(env(ClientCaVariable));
        var require = ParseFlag(RequireClientCertVariable, env(RequireClientCertVariable));
        if (cert is null)
        {
            var orphan = key is not null ? KeyVariable
                : clientCa is not null ? ClientCaVariable
                : require is true ? RequireClientCertVariable
                : null;
            return orphan is null
                ? null
                : throw new SettingsException($"{orphan} is set but {CertVariable} is not: client certificates and keys need TLS; set {CertVariable} (and {KeyVariable}) to the server's certificate.");
        }

        if (require is true && clientCa is null)
        {
            throw new SettingsException($"{RequireClientCertVariable}=1 needs {ClientCaVariable}, the CA that issues the client certificates to accept.");
        }

        return new TlsSettings
        {
            CertificateFile = cert,
            KeyFile = key,
            ClientCaFile = clientCa,
            RequireClientCertificate = clientCa is not null && (require ?? true),
        };
    }

    /// <summary>1/true/yes/on or 0/false/no/off; unset or empty is null; anything else is an error naming the variable.</summary>
    public static bool? ParseFlag(string variable, string? value) => NonEmpty(value)?.ToLowerInvariant() switch
    {
        null => null,
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        var other => throw new SettingsException($"{variable} must be 1 or 0, not '{other}'."),
    };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
