using DataExchange.Cli;
using DataExchange.Cli.Commands;
using DataExchange.Compliance;
using DataExchange.Contracts.V1;
using DataExchange.Domain.Trades;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Trades;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static DataExchange.Server.Tests.Listings.Samples;
using D = DataExchange.Domain;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Tests.Ledger;

/// <summary>
/// <c>dx audit replay</c> against a real server and PostgreSQL: a clean exchange with cross-border trades, approvals,
/// a CIIO exporter, a revocation, a cancellation and a back-filed trade replays without a difference; then one attack
/// per test, each on a server and schema of its own, and replay names what was changed.
/// </summary>
public class ReplaySpecs(ITestOutputHelper output)
{
    [Fact]
    public Task A_clean_exchange_with_cross_border_trades_and_approvals_replays_without_a_difference() => OnOwnServerAsync(async server =>
    {
        var exchange = await Exchange.CreateAsync(server);
        var report = await ReplayAsync(server);
        Assert.True(report.Differences == 0, string.Join("\n", report.Lines));
        Assert.Contains(report.Lines, l => l.StartsWith("trades: 7 rebuilt, 0 difference(s); 7 compliance decisions re-derived from the rebuilt history", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith("export approvals: 2 rebuilt, 0 difference(s)", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith("export volumes: 2 rebuilt, 0 difference(s)", StringComparison.Ordinal));

        // The dx command itself: exit code 0.
        var exit = await DataExchange.Cli.Program.BuildRootCommand()
            .Parse(["audit", "replay", "--address", server.Address.ToString(), "--token", ServerFixture.OperatorToken]).InvokeAsync();
        Assert.Equal(0, exit);
        Assert.NotNull(exchange.RefusedAfterRevocation);
    });

    [Fact]
    public Task Dated_facts_replay_as_the_server_decided_later_trades_by_them_earlier_ones_by_what_came_before() => OnOwnServerAsync(async server =>
    {
        var world = await TradeWorld.CreateAsync(server);
        var feeder = await world.ListedAsync(Listing("Feeder load curves", individuals: 0));
        var kyc = await world.ListedAsync(Listing("Merchant KYC attestations", individuals: 50_000));
        FileTradeRequest File(V1.Listing l, string buyer, string date) => new()
        {
            Listing = l.Name, Buyer = buyer, Licence = l.Licence, Amount = l.Price, ContractDate = date, RequestId = Rid(),
        };

        var general = await server.Operator.Trades.FileTradeAsync(File(feeder, world.HongKongBuyerName, "2024-12-31"));
        await world.Compliance.Listings.ReclassifyListingAsync(Listings.ReclassifyListingSpecs.Reclassify(feeder.Name, V1.DataLevel.Important, "2025-01-01"));
        // Recorded after the 2024-12-31 trade, effective before it: that trade stays as decided, on what was known then.
        await world.Compliance.Listings.ReclassifyListingAsync(Listings.ReclassifyListingSpecs.Reclassify(feeder.Name, V1.DataLevel.Important, "2024-06-01"));
        await Assert.ThrowsAsync<RpcException>(() => server.Operator.Trades.FileTradeAsync(File(feeder, world.HongKongBuyerName, "2025-01-01")).ResponseAsync);
        await world.Compliance.Participants.UpdateParticipantAsync(Participants.UpdateParticipantSpecs.Designate(world.VendorName, true, "2025-03-01"));
        var beforeDesignation = await server.Operator.Trades.FileTradeAsync(File(kyc, world.HongKongBuyerName, "2025-02-28"));
        await Assert.ThrowsAsync<RpcException>(() => server.Operator.Trades.FileTradeAsync(File(kyc, world.HongKongBuyerName, "2025-03-01")).ResponseAsync);
        await world.Compliance.Listings.ReclassifyListingAsync(Listings.ReclassifyListingSpecs.Reclassify(kyc.Name, V1.DataLevel.Core, "2025-06-01"));
        Assert.True(general.Compliance.Accepted && beforeDesignation.Compliance.Accepted);

        var report = await ReplayAsync(server);

        Assert.True(report.Differences == 0, string.Join("\n", report.Lines));
        Assert.Contains(report.Lines, l => l.StartsWith("trades: 4 rebuilt, 0 difference(s); 4 compliance decisions re-derived from the rebuilt history", StringComparison.Ordinal));
    });

    [Fact]
    public Task A_trade_price_edited_in_its_event_payload_is_named_by_leaf_and_digest_and_not_used() => OnOwnServerAsync(async server =>
    {
        var exchange = await Exchange.CreateAsync(server);
        var id = Id(exchange.Filed.Name);
        var (leaf, eventId) = await LeafOfAsync(server, id, "trade_contracted");
        Assert.Equal(1, await server.TamperAsync(
            $"update {{schema}}.mt_events set data = jsonb_set(data, '{{Amount,AmountMinor}}', '1') where stream_id = '{id}' and type = 'trade_contracted'"));

        var report = await ReplayAsync(server);
        Assert.Contains(report.Lines, l => l.StartsWith($"ledger leaf {leaf}: event {eventId}, trade_contracted, stream {id} version 1: the payload digest is sha256:", StringComparison.Ordinal)
            && l.EndsWith("the payload was changed; not replayed", StringComparison.Ordinal));
        // Not used: the trade is not rebuilt from the forged price, so the one served is not vouched for.
        Assert.Contains($"{exchange.Filed.Name}: served, but no verified event rebuilds it", report.Lines);
        Assert.DoesNotContain(report.Lines, l => l.Contains("amount_minor: served 1,", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith("statistics: years[2022]: served only", StringComparison.Ordinal));

        var exit = await DataExchange.Cli.Program.BuildRootCommand()
            .Parse(["audit", "replay", "--address", server.Address.ToString(), "--token", ServerFixture.OperatorToken]).InvokeAsync();
        Assert.NotEqual(0, exit);
    });

    [Fact]
    public Task Read_models_edited_behind_the_events_are_named_by_field() => OnOwnServerAsync(async server =>
    {
        var exchange = await Exchange.CreateAsync(server);
        var trade = Id(exchange.UnderContract.Name);
        await server.TamperAsync($$"""
            update {schema}.mt_doc_trade set data = jsonb_set(jsonb_set(data, '{Amount,AmountMinor}', '1'), '{Compliance,Mechanism}', '"SecurityAssessment"')
            where id = '{{trade}}'
            """);
        await server.TamperAsync($"update {{schema}}.mt_doc_participant set data = jsonb_set(data, '{{CriticalInformationInfrastructureOperator}}', 'false') where id = '{Id(exchange.CiioVendorName)}'");
        await server.TamperAsync($"update {{schema}}.mt_doc_listing set data = jsonb_set(data, '{{Content,Declaration,Individuals}}', '1') where id = '{Id(exchange.Large.Name)}'");
        await server.TamperAsync($"update {{schema}}.mt_doc_export_approval set data = jsonb_set(data, '{{RevokedOn}}', 'null') where id = '{exchange.Contract.Name.Split('/')[3]}'");

        var report = await ReplayAsync(server);
        Assert.Contains($"{exchange.UnderContract.Name}: amount.amount_minor: served 1, replayed 199900", report.Lines);
        Assert.Contains($"{exchange.UnderContract.Name}: compliance.mechanism: served SecurityAssessment, replayed StandardContract", report.Lines);
        Assert.Contains($"{exchange.CiioVendorName}: critical_information_infrastructure_operator: served False, replayed True", report.Lines);
        Assert.Contains($"{exchange.Large.Name}: declaration.individuals: served 1, replayed 60000", report.Lines);
        Assert.Contains(report.Lines, l => l.StartsWith($"{exchange.Contract.Name}: revoked_on: served '', replayed '", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith($"{exchange.Contract.Name}: revoked_date: served unset, replayed ", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith("statistics: overall.total_value[CNY].amount_minor: served", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Lines, l => l.StartsWith("ledger", StringComparison.Ordinal) && !l.StartsWith("ledger:", StringComparison.Ordinal));
        // The settled cross-border trade's value, overall, in its year and its month (total and cross-border), and its destination's.
        Assert.Equal(7, report.Found.Count(d => d.Area == "statistics"));
        Assert.Contains(report.Lines, l => l.StartsWith("statistics: cross_border_destinations[", StringComparison.Ordinal));
        Assert.Equal(13, report.Differences); // the revocation shows in revoked_on and in its google.type.Date twin
    });

    [Fact]
    public Task A_recorded_prior_volume_forged_in_event_and_read_model_is_named_as_a_digest_mismatch() => OnOwnServerAsync(async server =>
    {
        var exchange = await Exchange.CreateAsync(server);
        var id = Id(exchange.Refused);
        var (leaf, eventId) = await LeafOfAsync(server, id, "trade_refused");
        Assert.Equal(1, await server.TamperAsync($$"""
            update {schema}.mt_events
            set data = jsonb_set(jsonb_set(data, '{ComplianceInput,PriorVolumeThisYear,Individuals}', '0'), '{Compliance,VolumeAfter,Individuals}', '0')
            where stream_id = '{{id}}' and type = 'trade_refused'
            """));
        Assert.Equal(1, await server.TamperAsync($"update {{schema}}.mt_doc_trade set data = jsonb_set(data, '{{Compliance,VolumeAfter,Individuals}}', '0') where id = '{id}'"));

        var report = await ReplayAsync(server);
        Assert.Contains(report.Lines, l => l.StartsWith($"ledger leaf {leaf}: event {eventId}, trade_refused, stream {id} version 1: the payload digest is", StringComparison.Ordinal)
            && l.EndsWith("the payload was changed; not replayed", StringComparison.Ordinal));
        Assert.Contains($"{exchange.Refused}: served, but no verified event rebuilds it", report.Lines);
    });

    [Fact]
    public Task Crafted_events_whose_recorded_inputs_disagree_with_the_history_are_named_though_their_digests_match() => OnOwnServerAsync(async server =>
    {
        var exchange = await Exchange.CreateAsync(server);

        // Appended through Marten as the server would, so the sequencer commits to them: every digest matches.
        var priorVolume = await CraftTradeAsync(server, exchange.Large2.Name, exchange.World.HongKongBuyerName,
            input => input with { PriorVolumeThisYear = ExportVolume.Zero });
        var notCiio = await CraftTradeAsync(server, exchange.Grid2.Name, exchange.World.HongKongBuyerName,
            input => input with { Exporter = input.Exporter with { IsCriticalInformationInfrastructureOperator = false } });
        var fakeApproval = new Compliance.ExportApproval(Guid.CreateVersion7(), Guid.Parse(Id(exchange.World.VendorName)), Compliance.ExportMechanism.StandardContract,
            "FAKE-SC-0001", Compliance.Region.HongKong, [Guid.Parse(Id(exchange.Mid2.Name))], [], new DateOnly(2020, 1, 1), new DateOnly(2099, 12, 31), null);
        var approval = await CraftTradeAsync(server, exchange.Mid2.Name, exchange.World.HongKongBuyerName,
            input => input with { ExporterApprovals = [.. input.ExporterApprovals, fakeApproval] });

        var audit = await LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
        Assert.True(audit.Ok, audit.Failure); // the log itself is consistent: only replay can tell

        var report = await ReplayAsync(server);
        Assert.DoesNotContain(report.Lines, l => l.StartsWith("ledger leaf", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{priorVolume}: compliance input prior volume: recorded 0 individuals / 0 sensitive, history gives 210000 individuals / 0 sensitive (trade_contracted at leaf ", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{priorVolume}: compliance decision outcome: recorded accepted (Exempt), history gives refused (STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED by XB-5-CONTRACT-BAND)", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{priorVolume}: compliance decision evaluation XB-5-CONTRACT-BAND: outcome recorded NOT_TRIGGERED, history gives TRIGGERED; cumulativeIndividuals recorded '60000', history gives '270000'; priorIndividuals recorded '0', history gives '210000'", StringComparison.Ordinal));

        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{notCiio}: compliance input exporter CIIO status: recorded not a CIIO, history gives CIIO", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{notCiio}: compliance decision outcome: recorded accepted (Exempt), history gives refused (SECURITY_ASSESSMENT_REQUIRED by XB-3-CIIO)", StringComparison.Ordinal));

        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{approval}: compliance input approval FAKE-SC-0001 ({fakeApproval.ApprovalId}, StandardContract): recorded, but the history holds no such approval of the exporter before the trade", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{approval}: compliance decision outcome: recorded accepted (StandardContract), history gives refused", StringComparison.Ordinal));
        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{approval}: compliance decision approval relied on: recorded FAKE-SC-0001 ({fakeApproval.ApprovalId}), history gives none", StringComparison.Ordinal));

        // Each forged trade's recorded decision does follow from its forged inputs: only the history exposes them.
        Assert.DoesNotContain(report.Lines, l => l.Contains("does not even follow", StringComparison.Ordinal));
        // The export the forged approval trade recorded counts against that approval; the history relies on none.
        Assert.Contains(report.Lines, l => l.StartsWith($"trades/{approval}: export volume recorded at leaf ", StringComparison.Ordinal)
            && l.Contains($"under approval {fakeApproval.ApprovalId}, history gives", StringComparison.Ordinal));
        // The served trades are what their (crafted) events say; the other differences are all in the re-derivation.
        Assert.All(report.Found.Where(d => d.Area != "export volumes" || !d.Subject.EndsWith(approval.ToString(), StringComparison.Ordinal)),
            d => Assert.Equal("compliance", d.Area));
    });

    [Fact]
    public Task A_crafted_event_replay_cannot_read_is_named_and_not_crashed_on() => OnOwnServerAsync(async server =>
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Shenzhen port ETA feed", individuals: 60_000));
        var honest = await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));

        // A copy of an honest trade without its compliance inputs, appended through Marten: its digest matches.
        var store = server.Services.GetRequiredService<IDocumentStore>();
        var forged = Guid.CreateVersion7();
        await using (var session = store.LightweightSession())
        {
            var original = (TradeContracted)(await session.Events.FetchStreamAsync(Guid.Parse(Id(honest.Name))))[0].Data;
            session.Events.StartStream<D.Trades.Trade>(forged, original with { TradeId = forged, FilingNumber = "DX-2026-999999", ComplianceInput = null! });
            await session.SaveChangesAsync();
        }

        await server.CaughtUpCheckpointAsync();
        var (leaf, eventId) = await LeafOfAsync(server, forged.ToString(), "trade_contracted");
        var report = await ReplayAsync(server);
        Assert.Contains(report.Lines, l => l.StartsWith($"ledger leaf {leaf}: event {eventId}, trade_contracted, stream {forged} version 1: the payload does not read as TradeContracted", StringComparison.Ordinal));
        Assert.Contains($"trades/{forged}: served, but no verified event rebuilds it", report.Lines);
    });

    private async Task OnOwnServerAsync(Func<ServerFixture, Task> body)
    {
        var server = new ServerFixture();
        await server.InitializeAsync();
        try
        {
            await body(server);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private async Task<ReplayReport> ReplayAsync(ServerFixture server)
    {
        await server.CaughtUpCheckpointAsync();
        using var context = new CliContext(new CliSettings(server.Address, ServerFixture.OperatorToken, false, TimeSpan.FromSeconds(30), StateDirectory: DxStateDirectory.Path),
            new Output(false, TextWriter.Null, TextWriter.Null));
        var report = await LedgerReplay.RunAsync(context, CancellationToken.None);
        output.WriteLine(string.Join("\n", report.Lines));
        return report;
    }

    private static string Id(string name) => name[(name.LastIndexOf('/') + 1)..];

    /// <summary>The leaf index and event id of a stream's event of the given type.</summary>
    private static async Task<(long Leaf, Guid EventId)> LeafOfAsync(ServerFixture server, string streamId, string type)
    {
        var seq = await server.ScalarAsync($"select seq_id from {{schema}}.mt_events where stream_id = '{streamId}' and type = '{type}'");
        // The event must be a leaf before it is tampered with, or the leaf would commit to the forged payload.
        await LedgerTestSupport.Eventually(async () => await server.ScalarAsync($"select count(*) from {{schema}}.ledger_leaves where seq_id = {seq}") == 1,
            "the event to become a leaf");
        var leaf = await server.ScalarAsync($"select leaf_index from {{schema}}.ledger_leaves where seq_id = {seq}");
        var entry = (await server.ReadLeavesAsync()).Single(l => l.LeafIndex == leaf);
        return (leaf, entry.EventId);
    }

    /// <summary>
    /// A trade_contracted event written straight through Marten (an attacker with the server's database access): its
    /// inputs are read as the server reads them, then <paramref name="forge"/> changes them and the engine decides on
    /// the forged inputs, so the recorded decision is consistent with what the event records. The export volume follows.
    /// </summary>
    private static async Task<Guid> CraftTradeAsync(ServerFixture server, string listingName, string buyerName, Func<ComplianceInput, ComplianceInput> forge)
    {
        var store = server.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.LightweightSession();
        var listing = (await session.LoadAsync<D.Listings.Listing>(Guid.Parse(Id(listingName))))!;
        var vendor = (await session.LoadAsync<D.Participants.Participant>(listing.VendorId))!;
        var buyer = (await session.LoadAsync<D.Participants.Participant>(Guid.Parse(Id(buyerName))))!;
        var now = DateTimeOffset.UtcNow;
        var date = D.Common.RegionMapping.ChinaDate(now);
        var start = RuleSetCatalog.Default.RuleSetFor(date).VolumeWindowStart(date);
        long individuals = 0, sensitive = 0;
        for (var year = start.Year; year <= date.Year; year++)
        {
            var volume = await session.LoadAsync<ExporterYearVolume>(ExporterYearVolume.StreamId(vendor.Id, year));
            individuals += volume?.Individuals ?? 0;
            sensitive += volume?.SensitiveIndividuals ?? 0;
        }

        var approvals = await session.Query<D.Approvals.ExportApproval>().Where(a => a.ExporterId == vendor.Id).ToListAsync();
        var request = new TradeRequest(Guid.CreateVersion7(), listing, vendor, buyer, listing.Content.Licence, listing.Content.Price, date, D.Trades.TradeOrigin.Executed, null);
        var input = forge(TradeDecider.ComplianceInputFor(request, new ExporterRecord(new ExportVolume(individuals, sensitive), [.. approvals.Select(a => a.ToCompliance())])));
        var decision = ComplianceEngine.Decide(input);
        Assert.True(decision.Accepted, decision.Explanation);
        var contracted = new TradeContracted(request.TradeId, $"DX-{date.Year}-9{Random.Shared.Next(100_000):D5}", listing.Id, listing.Revision, vendor.Id, buyer.Id,
            listing.Content.Licence, listing.Content.Price, D.Trades.TradeOrigin.Executed, date, null, input, decision, buyer.Id, now);
        session.Events.StartStream<D.Trades.Trade>(contracted.TradeId, contracted);
        if (TradeDecider.VolumeOf(contracted, now) is { } exported)
        {
            session.Events.Append(ExporterYearVolume.StreamId(vendor.Id, date.Year), exported);
        }

        await session.SaveChangesAsync();
        return request.TradeId;
    }

    /// <summary>
    /// The exchange the attacks start from. A Shenzhen vendor sells to Hong Kong: 60,000 individuals exempt; a standard
    /// contract then covers 150,000 more; a third export (cumulative 270,000) is refused; the contract is revoked and
    /// the next export under it refused. A CIIO vendor exports under a security assessment. A domestic trade is
    /// cancelled, one from 2022 is back-filed, and the contracted one is delivered, received and settled.
    /// </summary>
    private sealed record Exchange(
        TradeWorld World, string CiioVendorName, V1.Listing Small, V1.Listing Mid, V1.Listing Large, V1.Listing Large2, V1.Listing Mid2,
        V1.Listing Grid, V1.Listing Grid2, V1.Trade Exempt, V1.Trade UnderContract, string Refused, V1.Trade Cancelled, V1.Trade CiioExport,
        V1.Trade Filed, V1.ExportApproval Contract, V1.ExportApproval Assessment, string RefusedAfterRevocation)
    {
        public static async Task<Exchange> CreateAsync(ServerFixture server)
        {
            var world = await TradeWorld.CreateAsync(server);
            var ciio = await server.Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest
            {
                RequestId = Rid(),
                Participant = new V1.Participant
                {
                    DisplayName = "Qianhai Grid Operator", LegalName = "Qianhai Grid Operator Ltd", Roles = { V1.Role.Vendor },
                    Jurisdiction = new V1.Jurisdiction { Region = V1.Region.MainlandChina, City = "Shenzhen" },
                    CriticalInformationInfrastructureOperator = true,
                },
            });
            var ciioToken = await server.Operator.Participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = ciio.Name, Label = "test", RequestId = Rid() });
            var ciioVendor = server.As(ciioToken.Secret);
            var ciioWorld = world with { Vendor = ciioVendor, VendorName = ciio.Name };

            var small = await world.ListedAsync(Listing("Shenzhen port ETA feed", individuals: 60_000));
            var mid = await world.ListedAsync(Listing("Shenzhen commuter OD matrix", individuals: 150_000));
            var large = await world.ListedAsync(Listing("Shenzhen taxi trips", individuals: 60_000));
            var large2 = await world.ListedAsync(Listing("Shenzhen bus taps", individuals: 60_000));
            var mid2 = await world.ListedAsync(Listing("Shenzhen metro taps", individuals: 150_000));
            var grid = await ciioWorld.ListedAsync(Listing("Qianhai smart-meter readings", individuals: 10_000));
            var grid2 = await ciioWorld.ListedAsync(Listing("Qianhai outage reports", individuals: 10_000));

            var exempt = await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(small));
            var contract = await world.ApproveAsync(V1.ExportMechanism.StandardContract, mid);
            var underContract = await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(mid));
            var refused = await RefusedAsync(world, large);
            var cancelled = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(large));
            cancelled = await world.DomesticBuyer.Trades.CancelTradeAsync(new CancelTradeRequest { Name = cancelled.Name, Reason = "duplicate order", RequestId = Rid() });
            var assessment = await ciioWorld.ApproveAsync(V1.ExportMechanism.SecurityAssessment, grid);
            var ciioExport = await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(grid));
            var filed = await server.Operator.Trades.FileTradeAsync(new FileTradeRequest
            {
                Listing = small.Name, Buyer = world.DomesticBuyerName, Licence = small.Licence, Amount = small.Price, ContractDate = "2022-06-01",
                ExternalReference = "SZDEX-OTC-2022-0601", RequestId = Rid(),
            });
            await world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = underContract.Name, Note = "API key sent", RequestId = Rid() });
            await world.HongKongBuyer.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = underContract.Name, RequestId = Rid() });
            underContract = await server.Operator.Trades.SettleTradeAsync(new SettleTradeRequest
            {
                Name = underContract.Name, Amount = mid.Price, PaymentReference = "CMB-2026-0001", RequestId = Rid(),
            });
            contract = await world.Compliance.Approvals.RevokeExportApprovalAsync(new RevokeExportApprovalRequest { Name = contract.Name, Reason = "filing withdrawn", RequestId = Rid() });
            var refusedAfterRevocation = await RefusedAsync(world, mid);

            Assert.Equal(V1.ExportMechanism.Exempt, exempt.Compliance.Mechanism);
            Assert.Equal(V1.ExportMechanism.StandardContract, underContract.Compliance.Mechanism);
            Assert.Equal(V1.ExportMechanism.SecurityAssessment, ciioExport.Compliance.Mechanism);
            return new Exchange(world, ciio.Name, small, mid, large, large2, mid2, grid, grid2, exempt, underContract, refused, cancelled, ciioExport, filed,
                contract, assessment, refusedAfterRevocation);
        }

        private static async Task<string> RefusedAsync(TradeWorld world, V1.Listing listing)
        {
            await Assert.ThrowsAsync<RpcException>(() => world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing)).ResponseAsync);
            var refused = await world.Compliance.Trades.ListTradesAsync(new ListTradesRequest { State = V1.TradeState.Refused, Listing = listing.Name });
            return refused.Trades.OrderBy(t => t.CreateTime).Last().Name;
        }
    }
}
