using DataExchange.Cli.Commands;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>The audit's speed on a log of a few thousand leaves (printed; a loose floor only, the machine is shared).</summary>
public class AuditRateSpecs(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task An_audit_of_a_few_thousand_leaves_reports_its_rate()
    {
        var store = server.Services.GetRequiredService<IDocumentStore>();
        for (var s = 0; s < 50; s++)
        {
            await using var session = store.LightweightSession();
            session.Events.Append(Guid.CreateVersion7(), Enumerable.Range(0, 100).Select(i => (object)new LedgerProbe(s, i, $"rate probe {s}/{i} with some text to make the payload look like an event")).ToArray());
            await session.SaveChangesAsync();
        }

        var size = (await server.CaughtUpCheckpointAsync()).TreeSize;
        var rates = new List<double>();
        var whole = new List<double>();
        var cpu = new List<double>(); // µs of this process's CPU (client and server, not PostgreSQL) per leaf
        for (var run = 0; run < 8; run++)
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var report = await LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
            whole.Add(size / watch.Elapsed.TotalSeconds);
            self.Refresh();
            cpu.Add((self.TotalProcessorTime - cpuBefore).TotalMicroseconds / size);
            Assert.True(report.Ok, report.Failure);
            Assert.Equal(size, report.LeavesChecked);
            rates.Add(report.LeavesPerSecond);
        }

        static string F(IEnumerable<double> r)
        {
            var sorted = r.Order().ToList();
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"median {sorted[sorted.Count / 2]:F0}, best {sorted[^1]:F0} ({string.Join(" ", r.Select(x => x.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))})");
        }

        var line = $"audit of {size} leaves: streaming {F(rates)} leaves/s; whole audit (keys, checkpoints, nodes, events) {F(whole)} leaves/s; CPU (client + server) {F(cpu)} µs/leaf";
        output.WriteLine(line);
        Console.WriteLine("AUDIT-RATE " + line);
    }
}
