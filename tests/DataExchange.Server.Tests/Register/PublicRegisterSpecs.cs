using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using DataExchange.Server.Tests.Trades;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Register;

/// <summary>
/// The public register (登记备案公示): anyone, without a token, reads the public part of a filing by its number, finds
/// filings by number, trade name or product title, and sees the statistics by month and by destination; the buyer's
/// identity, the licence, the approval and every typed text stay out.
/// </summary>
public sealed class PublicRegisterSpecs : IClassFixture<PublicRegisterSpecs.World>
{
    public sealed class World : IAsyncLifetime
    {
        public ServerFixture Server { get; } = new() { ServeHttp = true };

        public TradeWorld Cast { get; private set; } = null!;

        public Listing Product { get; private set; } = null!;

        /// <summary>A domestic trade, delivered with a note, and a cross-border one to Hong Kong under a GBA contract.</summary>
        public Trade Domestic { get; private set; } = null!;

        public Trade Export { get; private set; } = null!;

        public const string DeliveryNote = "Shipped to Mr Chan's desk, room 1204";

        public async Task InitializeAsync()
        {
            await Server.InitializeAsync();
            Cast = await TradeWorld.CreateAsync(Server);
            Product = await Cast.ListedAsync(Listing("Qianhai container dwell times", individuals: 150_000));
            Domestic = await Cast.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(Product));
            await Cast.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = Domestic.Name, Note = DeliveryNote, RequestId = Rid() });
            await Cast.ApproveAsync(ExportMechanism.GbaStandardContract, Product);
            Export = await Cast.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(Product));
        }

        public Task DisposeAsync() => Server.DisposeAsync();
    }

    private readonly World world;
    private readonly PublicRegisterService.PublicRegisterServiceClient anonymous;

    public PublicRegisterSpecs(World world)
    {
        this.world = world;
        anonymous = world.Server.As(null).Register;
    }

    [Fact]
    public async Task A_filing_reads_without_a_token_with_its_public_part_and_its_leaves()
    {
        await world.Server.CaughtUpCheckpointAsync();
        var filing = await anonymous.GetPublicFilingAsync(new GetPublicFilingRequest { Name = $"filings/{world.Export.FilingNumber}" });

        Assert.Equal(world.Export.FilingNumber, filing.FilingNumber);
        Assert.Equal(world.Export.Name, filing.Trade);
        Assert.Equal("Qianhai container dwell times", filing.ListingTitle);
        Assert.Equal("Hetao Mobility Data", filing.VendorDisplayName);
        Assert.Equal("440300", filing.VendorJurisdiction.Code);
        Assert.Equal("HK", filing.BuyerJurisdiction.Code);
        Assert.True(filing.CrossBorder);
        Assert.Equal(BorderCrossing.MainlandExport, filing.Crossing);
        Assert.Equal(world.Export.Amount, filing.Amount);
        Assert.Equal(world.Export.TradeDate, filing.TradeDate);
        Assert.Equal(DecisionOutcome.Accepted, filing.Outcome);
        Assert.Equal(world.Export.Compliance.RuleSetVersion, filing.RuleSetVersion);
        Assert.Equal(ExportMechanism.GbaStandardContract, filing.Mechanism);
        Assert.NotEmpty(filing.LeafIndexes);

        // Its leaves are the trade's: the hashes anyone may fetch are those of leaves of this trade's stream.
        var own = (await world.Server.ReadLeavesAsync()).Where(l => $"trades/{l.Entry.StreamId}" == world.Export.Name).Select(l => l.LeafIndex);
        Assert.Equal(own, filing.LeafIndexes);
    }

    [Fact]
    public async Task The_public_part_leaves_out_the_buyer_the_licence_the_approval_and_typed_text()
    {
        using var http = new HttpClient { BaseAddress = world.Server.HttpAddress };
        var json = await http.GetStringAsync($"/v1/register/filings/{world.Domestic.FilingNumber}");
        // A mainland buyer's place is its province: a city, joined with the participant directory, often names the buyer.
        var domestic = await anonymous.GetPublicFilingAsync(new GetPublicFilingRequest { Name = $"filings/{world.Domestic.FilingNumber}" });
        Assert.Equal(("440000", "广东省", ""), (domestic.BuyerJurisdiction.Code, domestic.BuyerJurisdiction.ChineseName, domestic.BuyerJurisdiction.City));
        Assert.Contains(world.Domestic.FilingNumber, json, StringComparison.Ordinal);
        var exportJson = await http.GetStringAsync($"/v1/register/filings/{world.Export.FilingNumber}");
        foreach (var secret in new[] { "Pearl River Credit", "Victoria Harbour Analytics", world.Cast.DomesticBuyerName, world.Cast.HongKongBuyerName,
                     "Guangzhou", World.DeliveryNote, "Mr Chan", "YUE-", "licence", "exportApprovals", "individuals" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, exportJson, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Filings_are_found_by_number_in_any_case_by_trade_name_and_by_words_of_the_title()
    {
        var byNumber = await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = world.Domestic.FilingNumber.ToLowerInvariant() });
        Assert.Equal([world.Domestic.Name], byNumber.Filings.Select(f => f.Trade));
        var byName = await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = world.Export.Name });
        Assert.Equal([world.Export.Name], byName.Filings.Select(f => f.Trade));
        var byTitle = await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "dwell\u3000QIANHAI" }); // an ideographic space separates too
        Assert.Equal(new[] { world.Domestic.Name, world.Export.Name }.Order(), byTitle.Filings.Select(f => f.Trade).Order());
        Assert.Empty((await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "no such product anywhere" })).Filings);
        // Pattern characters are text, not wildcards.
        Assert.Empty((await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "%" })).Filings);
        Assert.Empty((await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "Qianhai_container" })).Filings);
    }

    [Fact]
    public async Task A_product_changed_since_and_under_review_shows_as_it_was_listed_when_traded()
    {
        var product = await world.Cast.ListedAsync(Listing("Futian parking occupancy", individuals: 0));
        var trade = await world.Cast.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(product));
        await world.Cast.Vendor.Listings.UpdateListingAsync(new UpdateListingRequest
        {
            // A new declaration sends the product back to review; its new title with it.
            Listing = new Listing { Name = product.Name, Title = "Unapproved new title", Declaration = Listing(individuals: 5_000).Declaration },
            UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "title", "declaration" } },
            RequestId = Rid(),
        });
        Assert.Equal(ListingState.Submitted, (await world.Cast.Vendor.Listings.GetListingAsync(new GetListingRequest { Name = product.Name })).State);

        var filing = await anonymous.GetPublicFilingAsync(new GetPublicFilingRequest { Name = $"filings/{trade.FilingNumber}" });
        Assert.Equal("Futian parking occupancy", filing.ListingTitle);
        Assert.Empty((await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "Unapproved" })).Filings);
    }

    [Fact]
    public async Task Search_pages_with_a_token_bound_to_its_query()
    {
        var first = await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "Qianhai", PageSize = 1 });
        Assert.Single(first.Filings);
        Assert.NotEmpty(first.NextPageToken);
        var second = await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "Qianhai", PageSize = 1, PageToken = first.NextPageToken });
        Assert.Single(second.Filings);
        Assert.NotEqual(first.Filings[0].Trade, second.Filings[0].Trade);
        await Errors.Expect(StatusCode.InvalidArgument, "PAGE_TOKEN_FILTER_MISMATCH",
            () => anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "dwell", PageSize = 1, PageToken = first.NextPageToken }));

        // A forged token with a negative position is a bad token, not a database error.
        var fingerprint = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(first.NextPageToken)).Split('|')[2];
        var forged = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes($"v1|-1|{fingerprint}"));
        await Errors.Expect(StatusCode.InvalidArgument, "INVALID_PAGE_TOKEN",
            () => anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "Qianhai", PageSize = 1, PageToken = forged }));
    }

    [Fact]
    public async Task Bad_queries_and_unknown_filings_are_named_and_refused_attempts_are_not_filings()
    {
        Assert.Equal(["name"], (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => anonymous.GetPublicFilingAsync(new GetPublicFilingRequest { Name = "trades/123" }))).Fields());
        Assert.Equal(["name"], (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => anonymous.GetPublicFilingAsync(new GetPublicFilingRequest { Name = "filings/DX-٢٠٢٢-000003" }))).Fields());
        Assert.Equal(["query"], (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = new string('x', 101) }))).Fields());
        Assert.Equal(["query"], (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "  " }))).Fields());
        Assert.Equal(["page_size"], (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST",
            () => anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "x", PageSize = 51 }))).Fields());
        await Errors.Expect(StatusCode.NotFound, "FILING_NOT_FOUND",
            () => anonymous.GetPublicFilingAsync(new GetPublicFilingRequest { Name = "filings/DX-1999-000001" }));

        var refusedProduct = await world.Cast.ListedAsync(Listing("Refused export probe", individuals: 150_000));
        await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => world.Cast.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(refusedProduct)));
        Assert.Empty((await anonymous.SearchPublicFilingsAsync(new SearchPublicFilingsRequest { Query = "Refused export probe" })).Filings);
    }

    [Fact]
    public async Task Statistics_read_without_a_token_by_month_and_by_destination()
    {
        var statistics = await world.Server.As(null).Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
        Assert.Equal(statistics.Overall.FiledTrades, statistics.Months.Sum(m => m.Totals.FiledTrades));
        Assert.Equal(statistics.Overall.CrossBorderTrades, statistics.CrossBorderDestinations.Sum(d => d.FiledTrades));
        var hongKong = statistics.CrossBorderDestinations.Single(d => d.Code == "HK");
        Assert.Equal("香港特别行政区", hongKong.ChineseName);
        Assert.Equal(world.Export.Amount.AmountMinor, hongKong.Value.Single().AmountMinor);
        // Months run without holes from the first to the last.
        var indexes = statistics.Months.Select(m => m.Year * 12 + m.Month).ToList();
        Assert.Equal(Enumerable.Range(indexes[0], indexes.Count), indexes);
    }

    [Fact]
    public async Task Dx_reads_the_register_and_the_statistics_without_a_token()
    {
        var address = world.Server.Address.ToString();
        var show = await ReceiptTools.DxAsync("register", "show", world.Export.FilingNumber.ToLowerInvariant(), "--address", address, "--json");
        Assert.True(show.Exit == 0, show.Stderr);
        Assert.Contains($"\"filingNumber\": \"{world.Export.FilingNumber}\"", show.Stdout, StringComparison.Ordinal);

        var search = await ReceiptTools.DxAsync("register", "search", "container dwell", "--address", address, "--width", "120");
        Assert.True(search.Exit == 0, search.Stderr);
        Assert.Contains(world.Domestic.FilingNumber, search.Stdout, StringComparison.Ordinal);
        Assert.Contains(world.Export.FilingNumber, search.Stdout, StringComparison.Ordinal);

        var stats = await ReceiptTools.DxAsync("stats", "--by-month", "--address", address, "--width", "120");
        Assert.True(stats.Exit == 0, stats.Stderr);
        Assert.Contains("香港特别行政区", stats.Stdout, StringComparison.Ordinal);

        var missing = await ReceiptTools.DxAsync("register", "show", "DX-1999-000001", "--address", address);
        Assert.Equal(3, missing.Exit);
        Assert.Contains("FILING_NOT_FOUND", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_calls_from_one_address_are_limited_and_callers_with_a_token_are_not()
    {
        var server = new ServerFixture
        {
            ConfigureServices = s => s.AddSingleton(new DataExchange.Server.Configuration.AccessSettings { AnonymousCallsPerSecondPerAddress = 5, AnonymousBurstPerAddress = 10 }),
        };
        await server.InitializeAsync();
        try
        {
            var stranger = server.As(null).Trades;
            RpcException? refused = null;
            var passed = 0;
            for (var i = 0; i < 200 && refused is null; i++)
            {
                try
                {
                    await stranger.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
                    passed++;
                }
                catch (RpcException e)
                {
                    refused = e;
                }
            }

            Assert.NotNull(refused);
            Assert.InRange(passed, 10, 30);
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            var info = refused.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>();
            Assert.Equal("RATE_LIMITED", info.Reason);
            Assert.Equal("address", info.Metadata["scope"]);
            // The same address with a token is a participant, counted as one.
            await server.Operator.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
