using System.Diagnostics;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>scripts/dev-ca.sh: what it issues is what the server serves with and what dx connects with.</summary>
public class DevCaScriptSpecs
{
    [Fact]
    public async Task The_dev_CA_scripts_certificates_serve_mutual_TLS_to_dx_and_no_key_is_printed()
    {
        var directory = Directory.CreateTempSubdirectory("dx-dev-ca-").FullName;
        ServerFixture? server = null;
        try
        {
            var (exit, output) = await DevCaAsync(directory);
            Assert.True(exit == 0, output);
            Assert.Contains("Created the development CA", output, StringComparison.Ordinal);
            var (again, kept) = await DevCaAsync(directory);
            Assert.True(again == 0, kept);
            Assert.Contains("Server certificate kept", kept, StringComparison.Ordinal);

            server = new ServerFixture
            {
                Tls = new TlsSettings
                {
                    CertificateFile = Path.Combine(directory, "server.crt"),
                    KeyFile = Path.Combine(directory, "server.key"),
                    ClientCaFile = Path.Combine(directory, "ca.crt"),
                    RequireClientCertificate = true,
                },
            };
            await server.InitializeAsync();
            Guid operatorId;
            await using (var session = server.Services.GetRequiredService<IDocumentStore>().QuerySession())
            {
                operatorId = (await session.LoadAsync<BootstrapRecord>("bootstrap"))!.OperatorId;
            }

            var (clientExit, clientOutput) = await DevCaAsync(directory, "client", $"participants/{operatorId}");
            Assert.True(clientExit == 0, clientOutput);
            var cert = Path.Combine(directory, "clients", $"{operatorId}.crt");
            var key = Path.Combine(directory, "clients", $"{operatorId}.key");

            foreach (var secret in new[] { "ca.key", "server.key", $"clients/{operatorId}.key" })
            {
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, secret)));
                }
            }

            Assert.DoesNotContain("PRIVATE KEY", output + kept + clientOutput, StringComparison.Ordinal);

            // localhost: the name the script's server certificate carries besides 127.0.0.1 and ::1.
            var address = $"https://localhost:{server.Address.Port}";
            Assert.Equal(0, await Dx.RunAsync("participants", "show", $"participants/{operatorId}", "--address", address,
                "--ca", Path.Combine(directory, "ca.crt"), "--cert", cert, "--key", key, "--token", ServerFixture.OperatorToken));
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> DevCaAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot(), "scripts", "dev-ca.sh"), .. arguments])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["DX_TLS_DIR"] = directory;
        start.Environment.Remove("DX_TLS_CA_DIR");
        start.Environment.Remove("DX_TLS_SERVER_NAMES");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DataExchange.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("DataExchange.sln not found above " + AppContext.BaseDirectory);
    }
}
