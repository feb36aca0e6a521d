using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace DataExchange.Faults;

/// <summary>Milliseconds since the Unix epoch: one clock for the driver's calls and its faults.</summary>
public static class Clock
{
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}

/// <summary>
/// The real server, started as scripts/run.sh and scripts/bench.sh start it (the Release build, its own port and
/// DX_DATA_DIR), killed with SIGKILL and started again on the same port, data directory and database.
/// </summary>
public sealed class ServerHost(Options options, string token)
{
    private Process? process;
    private bool killing;

    public int Starts { get; private set; }

    /// <summary>Exits nobody asked for (a crash): each is a failure of the suite.</summary>
    public List<string> UnexpectedExits { get; } = [];

    public async Task<TimeSpan> StartAsync()
    {
        var watch = Stopwatch.StartNew();
        // `exec` so the pid is the server's own, and its output goes to the log across restarts.
        var start = new ProcessStartInfo("/bin/sh", ["-c", "exec dotnet \"$0\" >>\"$1\" 2>&1", options.ServerDll, options.ServerLog])
        {
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("DX_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name); // the caller's settings (test.sh exports its own database) are not the suite's
        }

        start.Environment["DX_DATABASE_URL"] = options.DatabaseUrl;
        start.Environment["DX_LISTEN"] = $"127.0.0.1:{options.Port}";
        start.Environment["DX_DATA_DIR"] = options.ServerDataDir;
        start.Environment["DX_SCHEMA"] = options.Schema;
        start.Environment["DX_BOOTSTRAP_TOKEN"] = token;
        await File.AppendAllTextAsync(options.ServerLog, $"=== faults: server start {Starts + 1} at {DateTimeOffset.UtcNow:O}\n");
        process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        killing = false;
        Starts++;
        await File.WriteAllTextAsync(options.ServerPidFile, process.Id.ToString(CultureInfo.InvariantCulture));

        using var channel = GrpcChannel.ForAddress(options.Address);
        while (watch.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {process.ExitCode} while starting; see {options.ServerLog}");
            }

            if (await HealthProbe.AskAsync(channel) == "SERVING")
            {
                return watch.Elapsed;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"the server did not become healthy within 120 s; see {options.ServerLog}");
    }

    /// <summary>SIGKILL (what Process.Kill sends on Linux): no shutdown hooks, no flushing, in-flight calls cut.</summary>
    public void Kill()
    {
        killing = true;
        process!.Kill();
        process.WaitForExit();
    }

    /// <summary>Notes an exit the suite did not cause; returns true when the server has to be started again.</summary>
    public bool CheckAlive()
    {
        if (process is null || killing || !process.HasExited)
        {
            return false;
        }

        UnexpectedExits.Add($"exit code {process.ExitCode} at {DateTimeOffset.UtcNow:O}");
        killing = true;
        return true;
    }

    public void Stop()
    {
        if (process is { HasExited: false })
        {
            killing = true;
            process.Kill();
            process.WaitForExit();
        }
    }
}

/// <summary>The suite's PostgreSQL cluster, through scripts/lib/postgres.sh (as root it runs as the postgres user).</summary>
public sealed class Postgres(Options options)
{
    private string Lib => Path.Combine(options.Repo, "scripts", "lib", "postgres.sh");

    public int PostmasterPid()
    {
        var first = File.ReadLines(Path.Combine(options.PgDir, "data", "postmaster.pid")).First();
        return int.Parse(first.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILL to the postmaster named in postmaster.pid: its backends notice and exit, nothing is shut down cleanly.</summary>
    public int KillPostmaster()
    {
        var pid = PostmasterPid();
        using var postmaster = Process.GetProcessById(pid);
        postmaster.Kill();
        postmaster.WaitForExit();
        return pid;
    }

    /// <summary>pg_ctl stop -m fast: active transactions are rolled back, connections closed.</summary>
    public Task StopFastAsync() =>
        Shell("source \"$0\" && pg_find_bin && pg_as_owner \"$PG_BIN/pg_ctl\" -D \"$1/data\" -m fast -w -t 60 stop", Lib, options.PgDir);

    /// <summary>
    /// Starts the cluster again on the same port with the same settings (pg_up). After a killed postmaster its last
    /// backends may still hold the shared memory for a moment, so a refused start is tried again.
    /// </summary>
    public async Task<TimeSpan> StartAsync()
    {
        var watch = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Shell("source \"$0\" && pg_up \"$1\" \"$2\" >/dev/null", Lib, options.PgDir, options.PgPort.ToString(CultureInfo.InvariantCulture));
                return watch.Elapsed;
            }
            catch (InvalidOperationException) when (watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(250);
            }
        }
    }

    private static async Task Shell(string script, params string[] args)
    {
        var (exit, output, error) = await Run.CaptureAsync("bash", ["-c", script, .. args]);
        if (exit != 0)
        {
            throw new InvalidOperationException($"exit {exit}: {(error + output).Trim()}");
        }
    }
}

/// <summary>A child process run to its end, its output captured.</summary>
public static class Run
{
    public static async Task<(int Exit, string Output, string Error)> CaptureAsync(string file, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}

/// <summary>The gRPC health service, as a load balancer would ask it.</summary>
public static class HealthProbe
{
    /// <summary>"SERVING", "NOT_SERVING", or the call's status when it failed.</summary>
    public static async Task<string> AskAsync(GrpcChannel channel, string service = "")
    {
        try
        {
            var answer = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(5));
            return answer.Status switch
            {
                HealthCheckResponse.Types.ServingStatus.Serving => "SERVING",
                HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
                var other => other.ToString().ToUpperInvariant(),
            };
        }
        catch (RpcException e)
        {
            return e.StatusCode.ToString().ToUpperInvariant();
        }
    }

    /// <summary>Asks every 250 ms until the answer is SERVING: the answers before it, and how long it took.</summary>
    public static async Task<(double Seconds, List<string> Before)> UntilServingAsync(string address, TimeSpan bound, string service = "")
    {
        using var channel = GrpcChannel.ForAddress(address);
        var watch = Stopwatch.StartNew();
        var before = new List<string>();
        while (true)
        {
            var answer = await AskAsync(channel, service);
            if (answer == "SERVING")
            {
                return (watch.Elapsed.TotalSeconds, before);
            }

            before.Add(answer);
            if (watch.Elapsed > bound)
            {
                return (double.NaN, before);
            }

            await Task.Delay(250);
        }
    }
}

/// <summary>SQL through psql (as the bench does): the checks read the database directly, not through the server.</summary>
public static class Sql
{
    public static async Task<string[][]> RowsAsync(string databaseUrl, string sql)
    {
        var (exit, output, error) = await Run.CaptureAsync("psql", ["-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", databaseUrl, "-c", sql]);
        if (exit != 0)
        {
            throw new InvalidOperationException($"psql failed ({exit}): {error}");
        }

        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t'))];
    }

    public static async Task<long> ScalarAsync(string databaseUrl, string sql) =>
        long.Parse((await RowsAsync(databaseUrl, sql))[0][0], CultureInfo.InvariantCulture);
}

/// <summary>The driver's arguments (scripts/faults.sh passes them).</summary>
public sealed record Options(
    bool Short, string Repo, string Address, int Port, string ServerDll, string DxDll, string ServerDataDir, string ServerLog,
    string ServerPidFile, string TokenFile, string PgDir, int PgPort, string DatabaseUrl, string Schema, string OutDir, int Buyers)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--short")
            {
                map["short"] = "1";
                continue;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            map[args[i][2..]] = args[++i];
        }

        string Req(string k) => map.TryGetValue(k, out var v) && v.Length > 0 ? v : throw new ArgumentException($"--{k} is required");
        var port = int.Parse(Req("port"), CultureInfo.InvariantCulture);
        return new Options(
            map.ContainsKey("short"), Req("repo"), $"http://127.0.0.1:{port}", port, Req("server-dll"), Req("dx-dll"), Req("server-data-dir"),
            Req("server-log"), Req("server-pid-file"), Req("token-file"), Req("pg-dir"), int.Parse(Req("pg-port"), CultureInfo.InvariantCulture),
            Req("database-url"), map.GetValueOrDefault("schema", "dataexchange"), Req("out-dir"),
            int.Parse(map.GetValueOrDefault("buyers", "8"), CultureInfo.InvariantCulture));
    }
}
