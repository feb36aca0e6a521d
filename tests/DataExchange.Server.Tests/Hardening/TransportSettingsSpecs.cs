using System.Diagnostics;
using System.Net;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>Start-up refuses transport settings that cannot be safe or cannot work, naming the variable to fix.</summary>
public class TransportSettingsSpecs
{
    private static ServerSettings Settings(IPEndPoint listen, TlsSettings? tls = null, bool insecureCleartext = false) => new()
    {
        Listen = listen,
        ConnectionString = "Host=127.0.0.1;Port=1;Database=unused", // never opened: these servers are built, not started
        DataDirectory = Path.Combine(Path.GetTempPath(), "dx-tests", Guid.NewGuid().ToString("N")),
        Tls = tls,
        InsecureCleartext = insecureCleartext,
    };

    [Theory]
    [InlineData("0.0.0.0:5080")]
    [InlineData("[::]:5080")]
    [InlineData("192.0.2.10:5080")]
    public void Cleartext_on_a_non_loopback_address_is_refused_at_start_up(string listen)
    {
        var refused = Assert.Throws<SettingsException>(() => DataExchangeApp.Build(Settings(ServerSettings.ParseEndpoint(listen))));

        Assert.Contains($"DX_LISTEN {listen} is not a loopback address", refused.Message, StringComparison.Ordinal);
        Assert.Contains("DX_TLS_CERT", refused.Message, StringComparison.Ordinal);
        Assert.Contains("DX_INSECURE_CLEARTEXT", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("[::1]:0")]
    [InlineData("localhost:0")]
    public async Task Cleartext_on_loopback_is_allowed_for_development(string listen)
    {
        await using var app = DataExchangeApp.Build(Settings(ServerSettings.ParseEndpoint(listen)));
    }

    [Fact]
    public async Task The_loudly_named_opt_out_allows_cleartext_on_the_network()
    {
        await using var app = DataExchangeApp.Build(Settings(new IPEndPoint(IPAddress.Any, 0), insecureCleartext: true));
    }

    [Fact]
    public void Tls_settings_come_from_the_environment()
    {
        Assert.Null(TlsSettings.FromEnvironment(_ => null));

        var tls = TlsSettings.FromEnvironment(Env(("DX_TLS_CERT", "/tls/server.crt"), ("DX_TLS_KEY", "/tls/server.key")))!;
        Assert.Equal(new TlsSettings { CertificateFile = "/tls/server.crt", KeyFile = "/tls/server.key" }, tls);

        var mutual = TlsSettings.FromEnvironment(Env(("DX_TLS_CERT", "s.crt"), ("DX_TLS_CLIENT_CA", "ca.crt")))!;
        Assert.True(mutual.RequireClientCertificate, "a client CA requires client certificates unless told otherwise");
        var optional = TlsSettings.FromEnvironment(Env(("DX_TLS_CERT", "s.crt"), ("DX_TLS_CLIENT_CA", "ca.crt"), ("DX_TLS_REQUIRE_CLIENT_CERT", "0")))!;
        Assert.False(optional.RequireClientCertificate);

        var settings = ServerSettings.FromEnvironment(Env(("DX_DATABASE_URL", "Host=x"), ("DX_LISTEN", "0.0.0.0:5080"), ("DX_INSECURE_CLEARTEXT", "1")));
        Assert.True(settings.InsecureCleartext);
        Assert.Null(settings.Tls);
    }

    [Theory]
    [InlineData("DX_TLS_KEY", "DX_TLS_KEY is set but DX_TLS_CERT is not")]
    [InlineData("DX_TLS_CLIENT_CA", "DX_TLS_CLIENT_CA is set but DX_TLS_CERT is not")]
    [InlineData("DX_TLS_REQUIRE_CLIENT_CERT", "DX_TLS_REQUIRE_CLIENT_CERT is set but DX_TLS_CERT is not")]
    public void A_client_side_setting_without_a_server_certificate_is_refused(string variable, string message)
    {
        var refused = Assert.Throws<SettingsException>(() => TlsSettings.FromEnvironment(Env((variable, variable == "DX_TLS_REQUIRE_CLIENT_CERT" ? "1" : "x.pem"))));
        Assert.StartsWith(message, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Requiring_client_certificates_without_a_client_CA_or_with_a_bad_flag_is_refused()
    {
        Assert.Contains("needs DX_TLS_CLIENT_CA", Assert.Throws<SettingsException>(() =>
            TlsSettings.FromEnvironment(Env(("DX_TLS_CERT", "s.crt"), ("DX_TLS_REQUIRE_CLIENT_CERT", "yes")))).Message, StringComparison.Ordinal);
        Assert.Equal("DX_TLS_REQUIRE_CLIENT_CERT must be 1 or 0, not 'maybe'.", Assert.Throws<SettingsException>(() =>
            TlsSettings.FromEnvironment(Env(("DX_TLS_CERT", "s.crt"), ("DX_TLS_REQUIRE_CLIENT_CERT", "maybe")))).Message);
    }

    [Fact]
    public void Unusable_certificate_files_stop_the_start_naming_the_variable()
    {
        var directory = Directory.CreateTempSubdirectory("dx-tls-files-").FullName;
        try
        {
            var ca = TestCa.Create("Settings CA");
            var (cert, key) = Pem.Write(directory, "server", ca.IssueServer());
            var (_, otherKey) = Pem.Write(directory, "other", ca.IssueServer());
            var (expiredCert, expiredKey) = Pem.Write(directory, "expired", ca.IssueClient(Guid.NewGuid(), notAfter: DateTimeOffset.UtcNow.AddDays(-1)));
            var (clientCert, clientKey) = Pem.Write(directory, "client", ca.IssueClient(Guid.NewGuid()));
            var loopback = new IPEndPoint(IPAddress.Loopback, 0);

            string Refusal(TlsSettings tls) => Assert.Throws<SettingsException>(() => DataExchangeApp.Build(Settings(loopback, tls))).Message;

            Assert.StartsWith($"DX_TLS_CERT '{directory}/missing.crt': cannot read PEM certificates", Refusal(new() { CertificateFile = Path.Combine(directory, "missing.crt"), KeyFile = key }), StringComparison.Ordinal);
            Assert.StartsWith($"DX_TLS_CERT '{key}': no PEM certificate", Refusal(new() { CertificateFile = key, KeyFile = key }), StringComparison.Ordinal);
            Assert.StartsWith($"DX_TLS_KEY '{otherKey}': no unencrypted PEM private key that matches", Refusal(new() { CertificateFile = cert, KeyFile = otherKey }), StringComparison.Ordinal);
            Assert.Contains("expired on", Refusal(new() { CertificateFile = expiredCert, KeyFile = expiredKey }), StringComparison.Ordinal);
            Assert.Contains("is not for TLS servers", Refusal(new() { CertificateFile = clientCert, KeyFile = clientKey }), StringComparison.Ordinal);
            Assert.Contains("none of its certificates is a CA certificate", Refusal(new() { CertificateFile = cert, KeyFile = key, ClientCaFile = cert, RequireClientCertificate = true }), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_server_process_prints_one_line_and_exits_2_on_cleartext_off_loopback()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DataExchange.Server.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["DX_LISTEN"] = "0.0.0.0:5080";
        start.Environment["DX_DATABASE_URL"] = "Host=127.0.0.1;Port=1;Database=unused";
        start.Environment["DX_DATA_DIR"] = Path.Combine(Path.GetTempPath(), "dx-tests", Guid.NewGuid().ToString("N"));
        foreach (var variable in new[] { "DX_TLS_CERT", "DX_TLS_KEY", "DX_TLS_CLIENT_CA", "DX_TLS_REQUIRE_CLIENT_CERT", "DX_INSECURE_CLEARTEXT" })
        {
            start.Environment.Remove(variable);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Equal("", await stdout);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("DataExchange cannot start: DX_LISTEN 0.0.0.0:5080 is not a loopback address and TLS is not configured", line, StringComparison.Ordinal);
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
