using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Signing;
using DataExchange.Server.Configuration;
using DataExchange.Server.Ledger;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Grpc.Core;
using Grpc.Health.V1;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static DataExchange.Server.Tests.Ledger.LedgerTestSupport;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// A small exchange (participants, a listed product, one filed trade, some events) on its own schema and data folder,
/// and an attacker who can write its PostgreSQL as superuser but holds none of the signer's keys or state.
/// </summary>
internal sealed class TamperedExchange : IAsyncDisposable
{
    private readonly ServerFixture original;
    private readonly List<ServerFixture> restarted = [];

    private TamperedExchange(ServerFixture server)
    {
        original = server;
        Server = server;
        Settings = server.Services.GetRequiredService<DataExchange.Server.Configuration.ServerSettings>();
    }

    public DataExchange.Server.Configuration.ServerSettings Settings { get; }

    public ServerFixture Server { get; private set; }

    /// <summary>The trade's stream id and its first (TradeContracted) leaf.</summary>
    public string TradeId { get; private set; } = "";

    public long TradeLeaf { get; private set; }

    /// <summary>Leaf hashes of the true history, taken before any attack.</summary>
    public IReadOnlyList<byte[]> TrueLeafHashes { get; private set; } = [];

    private static readonly LedgerSettings FastCheckpoints = new() { CheckpointInterval = TimeSpan.FromMilliseconds(100) };

    public static async Task<TamperedExchange> StartAsync()
    {
        var server = new ServerFixture { Ledger = FastCheckpoints };
        await server.InitializeAsync();
        var exchange = new TamperedExchange(server);
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Port logistics feed"));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        exchange.TradeId = trade.Name["trades/".Length..];
        await exchange.AppendProbesAsync(20);
        await server.CaughtUpCheckpointAsync();
        exchange.TradeLeaf = await server.ScalarAsync($"select min(leaf_index) from {{schema}}.ledger_leaves where stream_id = '{exchange.TradeId}'");
        exchange.TrueLeafHashes = await exchange.StoredLeafHashesAsync();
        return exchange;
    }

    public async Task AppendProbesAsync(int count)
    {
        await using var session = Server.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.Append(Guid.CreateVersion7(), Enumerable.Range(0, count).Select(i => (object)new LedgerProbe(1, i, "after")).ToArray());
        await session.SaveChangesAsync();
    }

    /// <summary>SQL as a superuser attacker, past the append-only triggers (see <see cref="Tampering"/>). {schema} is replaced.</summary>
    public Task AttackAsync(string sql, params (string Name, object Value)[] parameters) => Server.TamperAsync(sql, parameters);

    /// <summary>
    /// The strongest rewrite without keys: changes one event's payload, rebuilds its leaf from it exactly as the
    /// sequencer would, and recomputes every tree node, so that leaves, nodes and the stored root all agree.
    /// </summary>
    public async Task RewriteConsistentlyAsync(long leafIndex, string jsonbPath, string jsonValue)
    {
        var seq = await Server.ScalarAsync($"select seq_id from {{schema}}.ledger_leaves where leaf_index = {leafIndex}");
        await AttackAsync($"update {{schema}}.mt_events set data = jsonb_set(data, '{jsonbPath}', '{jsonValue}') where seq_id = {seq}");
        var algorithm = Settings.Ledger.HashAlgorithm;
        var hasher = TreeHasher.For(algorithm);
        byte[] leaf;
        await using (var connection = new NpgsqlConnection(Server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand(
                $"select id, stream_id::text, version, type, timestamp, data::text from {Server.Schema}.mt_events where seq_id = {seq}", connection);
            await using var reader = await read.ExecuteReaderAsync();
            await reader.ReadAsync();
            leaf = LedgerSequencer.ToEntry(algorithm, leafIndex, reader.GetString(1), reader.GetInt64(2), reader.GetGuid(0), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)).ToCanonicalBytes();
        }

        await AttackAsync($"update {{schema}}.ledger_leaves set leaf_bytes = @b, leaf_hash = @h where leaf_index = {leafIndex}", ("b", leaf), ("h", hasher.HashLeaf(leaf)));
        await RebuildNodesAsync(hasher);
    }

    /// <summary>Recomputes every stored node from the stored leaf hashes (what a careful attacker does after editing leaves).</summary>
    public async Task RebuildNodesAsync(IHasher hasher)
    {
        var range = new CompactRange(hasher);
        var levels = new List<int>();
        var indexes = new List<long>();
        var hashes = new List<byte[]>();
        foreach (var hash in await StoredLeafHashesAsync())
        {
            levels.Add(0);
            indexes.Add(range.Size);
            hashes.Add(hash);
            foreach (var node in range.Append(hash))
            {
                levels.Add(node.Level);
                indexes.Add(node.Index);
                hashes.Add(node.Hash);
            }
        }

        await AttackAsync("delete from {schema}.ledger_nodes");
        await AttackAsync("insert into {schema}.ledger_nodes (level, idx, hash) select * from unnest(@l, @i, @h)",
            ("l", levels.ToArray()), ("i", indexes.ToArray()), ("h", hashes.ToArray()));
    }

    public async Task<IReadOnlyList<byte[]>> StoredLeafHashesAsync()
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select leaf_hash from {Server.Schema}.ledger_leaves order by leaf_index", connection);
        var hashes = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            hashes.Add((byte[])reader[0]);
        }

        return hashes;
    }

    /// <summary>Stops the server and starts a new one on the same schema, data folder and keys.</summary>
    public async Task RestartAsync()
    {
        await Server.StopAsync();
        var next = new ServerFixture { Schema = original.Schema, DataDirectory = original.DataDirectory, OwnsSchema = false, Ledger = FastCheckpoints };
        restarted.Add(next);
        await next.InitializeAsync();
        Server = next;
    }

    /// <summary>Waits until the signer has refused, and returns why.</summary>
    public async Task<IntegrityViolation> RefusalAsync()
    {
        var integrity = Server.Services.GetRequiredService<LedgerIntegrity>();
        await Eventually(() => Task.FromResult(integrity.Failed), "the signer to refuse", TimeSpan.FromSeconds(90));
        return integrity.Violation!;
    }

    /// <summary>The signer is still signing: new events get a checkpoint covering them.</summary>
    public async Task StillSignsAsync()
    {
        await AppendProbesAsync(5);
        var size = await Server.CountEventRowsAsync();
        await Eventually(async () => await Server.ScalarAsync("select coalesce(max(size), 0) from {schema}.ledger_checkpoints") >= size, "a checkpoint of the new events");
        Assert.False(Server.Services.GetRequiredService<LedgerIntegrity>().Failed);
    }

    /// <summary>A refused ledger: health NOT_SERVING, and checkpoints, proofs and receipts answer LEDGER_INTEGRITY_FAILURE.</summary>
    public async Task AssertStoppedAsync()
    {
        var health = new Health.HealthClient(Server.Channel(null));
        var ledgerHealth = await health.CheckAsync(new HealthCheckRequest { Service = "dataexchange.v1.LedgerService" });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, ledgerHealth.Status);
        await Errors.Expect(StatusCode.FailedPrecondition, "LEDGER_INTEGRITY_FAILURE",
            () => Server.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true }));
        await Errors.Expect(StatusCode.FailedPrecondition, "LEDGER_INTEGRITY_FAILURE",
            () => Server.Operator.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = $"trades/{TradeId}" }));
        await Errors.Expect(StatusCode.FailedPrecondition, "LEDGER_INTEGRITY_FAILURE",
            () => Server.Operator.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0 }));
        var evidence = Server.Services.GetRequiredService<LedgerIntegrity>().EvidencePath;
        Assert.True(evidence is not null && File.Exists(evidence), "the evidence is kept on disk");
    }

    /// <summary>
    /// No forged history was signed: the signer's record begins with the true leaves, and every stored note that carries
    /// the exchange's signature has, for its size, the root of that record.
    /// </summary>
    public async Task AssertOnlyTrueHistorySignedAsync()
    {
        var settings = Settings;
        var (_, record, _) = new SignerStore(settings.DataDirectory, settings.Ledger.Origin).Load(settings.Ledger.Origin, settings.Ledger.HashAlgorithm);
        for (var i = 0; i < Math.Min(TrueLeafHashes.Count, record.Count); i++)
        {
            Assert.True(record[i].SequenceEqual(TrueLeafHashes[i]), $"the signer's record of leaf {i} is the true leaf");
        }

        var roots = new Dictionary<long, byte[]>();
        var range = new CompactRange(TreeHasher.For(settings.Ledger.HashAlgorithm));
        roots[0] = range.Root();
        for (long i = 0; i < record.Count; i++)
        {
            range.Append(record[i]);
            roots[range.Size] = range.Root();
        }

        var verifiers = Server.Verifiers();
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select size, note from {Server.Schema}.ledger_checkpoints", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var note = reader.GetString(1);
            if (!SignedNote.Verify(note, verifiers).IsValid)
            {
                continue;
            }

            var stated = Checkpoint.Parse(SignedNote.Parse(note).Text);
            Assert.True(roots.TryGetValue(stated.Size, out var root) && root.SequenceEqual(stated.RootHash),
                $"the signed checkpoint of size {stated.Size} is a prefix of the signer's record ({record.Count} leaves)");
        }
    }

    public Task<AuditReport> AuditAsync() =>
        LedgerAudit.VerifyAsync(Server.Operator.Ledger, () => NoDeadline, Server.Verifiers(), null, null, CancellationToken.None);

    /// <summary>`dx audit verify` with only the exchange's public keys fails and reports a finding of <paramref name="kind"/> (at that leaf when given).</summary>
    public async Task<AuditReport> AuditNamesAsync(string kind, long? leaf = null)
    {
        var report = await AuditAsync();
        Assert.False(report.Ok);
        Assert.True(report.Findings.Any(f => f.Kind == kind && (leaf is null || f.LeafIndex == leaf)),
            $"expected a {kind} finding{(leaf is null ? "" : $" at leaf {leaf}")}; got:\n{string.Join("\n", report.Findings.Select(f => $"[{f.Kind}] leaf {f.LeafIndex}: {f.Message}"))}");
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in restarted)
        {
            await server.DisposeAsync();
        }

        await original.DisposeAsync();
    }
}
