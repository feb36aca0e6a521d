using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Witness;
using DataExchange.Server.Tests.Trades;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// A `dx witness serve` process of its own (its own key, state file and port), as an operator would run one. Stop and
/// start it again to restart it on the same port with the same state.
/// </summary>
internal sealed class WitnessProcess : IAsyncDisposable
{
    private readonly string keyFile;
    private readonly string origin;
    private readonly IReadOnlyList<string> logKeys;
    private Process? process;

    private WitnessProcess(string name, string folder, string origin, IReadOnlyList<string> logKeys)
    {
        Directory.CreateDirectory(folder);
        var key = LedgerKeys.GenerateEd25519();
        keyFile = Path.Combine(folder, "witness.key");
        File.WriteAllText(keyFile, LedgerKeys.ExportPrivateKeyPem(key));
        Key = new Cosigner(name, key).Verifier;
        StateFile = Path.Combine(folder, "state.json");
        this.origin = origin;
        this.logKeys = logKeys;
        Port = FreePort();
    }

    public CosignatureVerifier Key { get; }

    public string StateFile { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>"URL VKEY", one DX_WITNESSES entry.</summary>
    public string Setting => $"{Address} {Key.VerifierKey}";

    public static async Task<WitnessProcess> StartAsync(string name, string folder, string origin, IReadOnlyList<string> logKeys)
    {
        var witness = new WitnessProcess(name, folder, origin, logKeys);
        await witness.StartAsync();
        return witness;
    }

    /// <summary>Starts the process and waits for its "witness … on URL" line (it is listening by then).</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "dx.dll"), "witness", "serve", "--name", Key.Name, "--key", keyFile,
            "--state", StateFile, "--listen", $"127.0.0.1:{Port}", "--log-origin", origin,
            .. logKeys.SelectMany(k => new[] { "--log-key", k }),
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        process = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
            if (line is null)
            {
                Assert.Fail($"dx witness serve ({Key.Name}) ended before it listened: {await process.StandardError.ReadToEndAsync(deadline.Token)}");
            }

            if (line.StartsWith("witness ", StringComparison.Ordinal))
            {
                break;
            }
        }

        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None); // keep draining, so the process never blocks
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
    }

    /// <summary>Kills the process (as a crash or a pulled cable would stop it) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
