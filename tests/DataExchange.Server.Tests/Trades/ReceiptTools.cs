using System.Diagnostics;
using DataExchange.Contracts.V1;

namespace DataExchange.Server.Tests.Trades;

/// <summary>What receipt tests run outside the test process: tools/verify_receipt.py, the dx binary, bash with OpenSSL.</summary>
internal static class ReceiptTools
{
    /// <summary>The repository root: the nearest ancestor of the test binaries holding DataExchange.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static string PythonVerifier => Path.Combine(RepositoryRoot, "tools", "verify_receipt.py");

    /// <summary>tools/verify_receipt.py with the given arguments.</summary>
    public static Task<ProcessResult> PythonAsync(params string[] arguments) => RunAsync("python3", [PythonVerifier, .. arguments]);

    /// <summary>The dx command as a process of its own (its binary is copied next to the tests), so its console is its own.</summary>
    public static Task<ProcessResult> DxAsync(params string[] arguments) =>
        RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "dx.dll"), .. arguments]);

    public static Task<ProcessResult> BashAsync(string workingDirectory, string script) => RunAsync("/bin/bash", ["-c", script], workingDirectory);

    /// <summary>Runs a process to its end (at most <paramref name="timeout"/>, default two minutes) and returns its exit code and output.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1"; // no __pycache__ left in tools/
        start.Environment["DX_STATE_DIR"] = Infrastructure.DxStateDirectory.Path; // dx's memory of checkpoints: the test run's, never the user's

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {(timeout ?? TimeSpan.FromMinutes(2)).TotalSeconds:F0} s.");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>What <c>dx ledger keys --out DIR</c> writes: &lt;name&gt;.pem and &lt;name&gt;.vkey for each current key.</summary>
    public static async Task<string> WriteKeysAsync(LedgerService.LedgerServiceClient ledger, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var key in (await ledger.ListSigningKeysAsync(new ListSigningKeysRequest())).Keys)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, key.KeyName + ".pem"), key.PublicKeyPem);
            await File.WriteAllTextAsync(Path.Combine(directory, key.KeyName + ".vkey"), key.VerifierKey + "\n");
        }

        return directory;
    }

    private static string FindRoot()
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

internal sealed record ProcessResult(int Exit, string Stdout, string Stderr)
{
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {Exit}\nstdout: {Stdout}\nstderr: {Stderr}";
}
