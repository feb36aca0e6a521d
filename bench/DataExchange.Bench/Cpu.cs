using System.Globalization;
using System.Text.Json.Nodes;

namespace DataExchange.Bench;

/// <summary>
/// CPU seconds used by the server, by this cluster's PostgreSQL (the postmaster, its live children, and what it reaped from
/// exited backends) and by this load generator, read from /proc. On a two-core machine this says who the cores went to.
/// </summary>
public sealed record CpuSample(double Server, double Postgres, double Generator, double MachineBusy, DateTime At)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>Server CPU is the sum over <paramref name="serverPids"/> (the second server of scenario 4 counts too).</summary>
    public static CpuSample? Take(IReadOnlyList<int> serverPids, int? postmasterPid)
    {
        if (!Directory.Exists("/proc")) return null;
        double server = serverPids.Sum(pid => Seconds(pid, children: false)), postgres = 0;
        if (postmasterPid is { } pm)
        {
            // The postmaster's cutime/cstime hold what its exited backends used; live backends are its children.
            postgres = Seconds(pm, children: true);
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var p) && p != pm && ParentOf(p) == pm)
                {
                    postgres += Seconds(p, children: false);
                }
            }
        }

        var self = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        return new CpuSample(server, postgres, self, MachineBusySeconds(), DateTime.UtcNow);
    }

    /// <summary>Busy CPU seconds of the whole machine (all cores), from /proc/stat: user+nice+system+irq+softirq+steal.</summary>
    private static double MachineBusySeconds()
    {
        try
        {
            var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double F(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            return (F(1) + F(2) + F(3) + F(6) + F(7) + F(8)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1; // The process exited while we looked.
        }
    }

    private static double Seconds(int pid, bool children)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields after "(comm)": state is [0], utime [11], stime [12], cutime [13], cstime [14].
            double F(int i) => double.Parse(fields[i], CultureInfo.InvariantCulture);
            return (F(11) + F(12) + (children ? F(13) + F(14) : 0)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static JsonObject? Diff(CpuSample? a, CpuSample? b, long calls)
    {
        if (a is null || b is null) return null;
        var wall = (b.At - a.At).TotalSeconds;
        double PerCall(double s) => calls == 0 ? double.NaN : s * 1000 / calls;
        return new JsonObject
        {
            ["wall_seconds"] = Report.R(wall, 2),
            ["cores_busy_server"] = Report.R((b.Server - a.Server) / wall, 2),
            ["cores_busy_postgres"] = Report.R((b.Postgres - a.Postgres) / wall, 2),
            ["cores_busy_generator"] = Report.R((b.Generator - a.Generator) / wall, 2),
            // Everything else on the machine (other people's builds and tests share these cores): noise to report.
            ["cores_busy_other"] = Report.R(Math.Max(0, (b.MachineBusy - a.MachineBusy) - (b.Server - a.Server) - (b.Postgres - a.Postgres) - (b.Generator - a.Generator)) / wall, 2),
            ["cpu_ms_per_call_server"] = Report.R(PerCall(b.Server - a.Server), 3),
            ["cpu_ms_per_call_postgres"] = Report.R(PerCall(b.Postgres - a.Postgres), 3),
            ["cpu_ms_per_call_generator"] = Report.R(PerCall(b.Generator - a.Generator), 3),
        };
    }
}
