using DataExchange.Cli;
using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Notes;
using DataExchange.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>dx audit verify / replay, in-process against a real server; then the database is tampered with directly, as a superuser who skips the append-only triggers.</summary>
public class AuditSpecs(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private Task<AuditReport> AuditAsync(string? trustedNote = null) =>
        LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), trustedNote, null, CancellationToken.None);

    private async Task CreateListingsAsync(int count)
    {
        var (_, vendor, _) = await server.NewParticipantAsync("Qianhai Data", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var (_, compliance, _) = await server.NewParticipantAsync("SZDEX Compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer);
        for (var i = 0; i < count; i++)
        {
            var draft = await vendor.Listings.CreateListingAsync(new CreateListingRequest { Listing = Listing($"Feed {i}"), RequestId = Rid() });
            await vendor.Listings.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, RequestId = Rid() });
            await compliance.Listings.ReviewListingAsync(new ReviewListingRequest { Name = draft.Name, Decision = ReviewDecision.Approve, Evidence = { "A-1" }, RequestId = Rid() });
        }
    }

    [Fact]
    public async Task An_untouched_log_verifies_replays_and_extends_a_kept_checkpoint_and_every_tampering_names_its_leaf()
    {
        await CreateListingsAsync(3);
        var kept = await server.CaughtUpCheckpointAsync();
        var first = await AuditAsync();
        Assert.True(first.Ok, first.Failure);
        Assert.Equal(kept.TreeSize, first.LeavesChecked);

        await CreateListingsAsync(2);
        var latest = await server.CaughtUpCheckpointAsync();
        var extended = await AuditAsync(kept.Note);
        Assert.True(extended.Ok, extended.Failure);
        Assert.Contains($"consistent with the trusted checkpoint of size {kept.TreeSize}", extended.Lines);
        output.WriteLine(string.Join("\n", extended.Lines));

        // A kept checkpoint of a different history (same size, other root) is caught.
        var signing = server.Services.GetRequiredService<DataExchange.Server.Ledger.LedgerSigning>();
        var forged = signing.Sign(server.Origin, kept.TreeSize, new byte[32], new DataExchange.Ledger.Receipts.StreamHeadsCommitment(0, new byte[32]));
        var rewritten = await AuditAsync(forged);
        Assert.False(rewritten.Ok);
        Assert.Contains(rewritten.Findings, f => f.Kind == "root_mismatch" && f.Message.Contains("history was rewritten", StringComparison.Ordinal));
        Assert.Contains(rewritten.Findings, f => f.Kind == "split_view" && f.TreeSize == kept.TreeSize);

        // Replay rebuilds participants and listings as the service serves them.
        using (var context = new CliContext(new CliSettings(server.Address, ServerFixture.OperatorToken, false, TimeSpan.FromSeconds(30), StateDirectory: DxStateDirectory.Path), new Output(false, TextWriter.Null, TextWriter.Null)))
        {
            var (differences, lines) = await LedgerReplay.RunAsync(context, CancellationToken.None);
            Assert.True(differences == 0, string.Join("\n", lines));
            Assert.Contains(lines, l => l.StartsWith("listings: 5 rebuilt", StringComparison.Ordinal));
        }

        // The dx command itself: exit code 0 on an intact log.
        var keysDir = Directory.CreateTempSubdirectory("dx-audit-keys-").FullName;
        var exit = await DataExchange.Cli.Program.BuildRootCommand().Parse(["ledger", "keys", "--out", keysDir, "--address", server.Address.ToString(), "--token", ServerFixture.OperatorToken]).InvokeAsync();
        Assert.Equal(0, exit);
        exit = await DataExchange.Cli.Program.BuildRootCommand().Parse(["audit", "verify", "--keys", keysDir, "--address", server.Address.ToString(), "--token", ServerFixture.OperatorToken]).InvokeAsync();
        Assert.Equal(0, exit);

        // 1. One event's payload changed in PostgreSQL.
        var changed = latest.TreeSize - 4;
        var seq = await server.ScalarAsync($"select seq_id from {{schema}}.ledger_leaves where leaf_index = {changed}");
        await server.ExecAsync($"create table {{schema}}.tamper_backup as select seq_id, data from {{schema}}.mt_events");
        await server.TamperAsync($"update {{schema}}.mt_events set data = data || '{{\"Price\": 1}}' where seq_id = {seq}");
        var report = await AuditAsync();
        Assert.False(report.Ok);
        Assert.Equal(changed, report.FailingLeafIndex);
        Assert.Contains("payload was changed", report.Failure);
        exit = await DataExchange.Cli.Program.BuildRootCommand().Parse(["audit", "verify", "--keys", keysDir, "--address", server.Address.ToString(), "--token", ServerFixture.OperatorToken]).InvokeAsync();
        Assert.NotEqual(0, exit);
        await RestoreAsync();
        Assert.True((await AuditAsync()).Ok);

        // 2. Two events' payloads swapped: the earlier leaf is named.
        var (a, b) = (latest.TreeSize - 9, latest.TreeSize - 5);
        await server.TamperAsync($$"""
            update {schema}.mt_events e set data = o.data
            from (select l.seq_id, (select data from {schema}.mt_events where seq_id = (select seq_id from {schema}.ledger_leaves where leaf_index = case when l.leaf_index = {{a}} then {{b}} else {{a}} end)) as data
                  from {schema}.ledger_leaves l where l.leaf_index in ({{a}}, {{b}})) o
            where e.seq_id = o.seq_id
            """);
        report = await AuditAsync();
        Assert.False(report.Ok);
        Assert.Equal(a, report.FailingLeafIndex);
        await RestoreAsync();
        Assert.True((await AuditAsync()).Ok);

        // 3. One event deleted.
        var deleted = latest.TreeSize - 2;
        await server.TamperAsync($"delete from {{schema}}.mt_events where seq_id = (select seq_id from {{schema}}.ledger_leaves where leaf_index = {deleted})");
        report = await AuditAsync();
        Assert.False(report.Ok);
        Assert.Equal(deleted, report.FailingLeafIndex);
        Assert.Contains("deleted", report.Failure);
        output.WriteLine(string.Join("\n", report.Lines));
    }

    private Task RestoreAsync() =>
        server.TamperAsync("update {schema}.mt_events e set data = b.data from {schema}.tamper_backup b where e.seq_id = b.seq_id and e.data is distinct from b.data");
}
