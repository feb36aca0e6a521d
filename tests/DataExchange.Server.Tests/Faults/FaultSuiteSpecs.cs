using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace DataExchange.Server.Tests.Faults;

/// <summary>The fault suite runs alone: it starts its own PostgreSQL and server and kills them, so nothing else of this assembly runs beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultSuiteCollection
{
    public const string Name = "Fault suite";
}

/// <summary>A test that runs unless DX_FAULTS=0 (filter it out with <c>--filter "Category!=Faults"</c> too).</summary>
public sealed class FaultSuiteFactAttribute : FactAttribute
{
    public FaultSuiteFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("DX_FAULTS") == "0")
        {
            Skip = "DX_FAULTS=0";
        }
    }
}

/// <summary>
/// CI's run of scripts/faults.sh --short: a real PostgreSQL and the real server (Release) on free ports of their own, in
/// a folder of their own (DX_FAULTS_DIR), so the test cluster of scripts/test.sh and other runs are left alone.
/// </summary>
[Collection(FaultSuiteCollection.Name)]
[Trait("Category", "Faults")]
public class FaultSuiteSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(20);

    [FaultSuiteFact]
    public async Task The_short_fault_suite_loses_nothing_duplicates_nothing_and_answers_the_outage_with_UNAVAILABLE()
    {
        var repo = RepositoryRoot();
        var dir = Path.Combine(repo, ".data", $"faults-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var start = new ProcessStartInfo("bash", [Path.Combine(repo, "scripts", "faults.sh"), "--short"])
        {
            WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["DX_FAULTS_DIR"] = dir;
        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.WaitForExit(); // the output handlers have run
        string text;
        lock (log)
        {
            text = log.ToString();
        }

        output.WriteLine(text);
        Assert.True(process.ExitCode == 0, $"scripts/faults.sh --short exited {process.ExitCode} (files kept in {dir}):\n{text}");
        Directory.Delete(dir, recursive: true);
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataExchange.sln")) && File.Exists(Path.Combine(dir.FullName, "scripts", "faults.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository (DataExchange.sln, scripts/faults.sh) was not found above " + AppContext.BaseDirectory);
    }
}
