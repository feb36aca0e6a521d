using System.Text.Json.Nodes;
using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using DataExchange.Server.Tests.Trades;
using Grpc.Core;
using Microsoft.Playwright;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Explorer;

[CollectionDefinition(Name)]
public sealed class ExplorerCollection : ICollectionFixture<ExplorerWorld>
{
    public const string Name = "Explorer (one server, one headless Chromium)";
}

/// <summary>
/// One exchange serving its HTTP port (where the explorer lives) with a few real trades, their receipts, two
/// checkpoints of different sizes, and one headless Chromium (Debian's /usr/bin/chromium, driven by Playwright: its own
/// browser download cannot work here) shared by the explorer's specs.
/// </summary>
public sealed class ExplorerWorld : IAsyncLifetime
{
    /// <summary>Debian's Chromium; DX_CHROMIUM overrides it.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("DX_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public ServerFixture Server { get; } = new() { ServeHttp = true };

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public TradeWorld Trades { get; private set; } = null!;

    /// <summary>Receipt JSON (the proto3 JSON form, as `dx receipt get` writes it) by name: settled, cancelled, crossBorder.</summary>
    public Dictionary<string, string> Receipts { get; } = [];

    /// <summary>Filing numbers by the same names.</summary>
    public Dictionary<string, string> FilingNumbers { get; } = [];

    /// <summary>What must never appear on a public page: the buyers' names, typed texts, licence purposes.</summary>
    public List<string> PrivateTexts { get; } = [];

    public string BuyerParticipantName { get; private set; } = "";

    /// <summary>A checkpoint note signed before the last trades, and one after.</summary>
    public string EarlyNote { get; private set; } = "";

    public string LateNote { get; private set; } = "";

    public string FeedTitle => "Explorer logistics feed";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: scripts/test.sh installs Debian's chromium package (apt-get install chromium).");
        }

        await Server.InitializeAsync();
        Trades = await TradeWorld.CreateAsync(Server);
        BuyerParticipantName = Trades.HongKongBuyerName;
        PrivateTexts.AddRange(["Victoria Harbour Analytics", "Pearl River Credit", "Pearl River Credit Ltd", "Victoria Harbour Analytics Ltd",
            "API key sent to ops@buyer", "CMB-2026-0042", "late delivery discount", "duplicate order", "goods received in full", "OTC-2023-01-16",
            Trades.HongKongBuyerName, Trades.DomesticBuyerName]);
        var names = new Dictionary<string, (string Trade, int Events)>();

        // A domestic trade, delivered with a note, received, settled below the price (5 events).
        var feed = await Trades.ListedAsync(Listing(FeedTitle, individuals: 0));
        var settled = await Trades.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(feed));
        await Trades.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = settled.Name, Note = "API key sent to ops@buyer", RequestId = Rid() });
        await Trades.DomesticBuyer.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = settled.Name, Note = "goods received in full", RequestId = Rid() });
        await Server.Operator.Trades.SettleTradeAsync(new SettleTradeRequest
        {
            Name = settled.Name, Amount = new Money { CurrencyCode = "CNY", AmountMinor = feed.Price.AmountMinor - 100_00 },
            PaymentReference = "CMB-2026-0042", AdjustmentReason = "late delivery discount", RequestId = Rid(),
        });
        names["settled"] = (settled.Name, 5);
        EarlyNote = (await Server.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true })).Note;

        var cancelled = await Trades.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(feed));
        await Trades.Vendor.Trades.CancelTradeAsync(new CancelTradeRequest { Name = cancelled.Name, Reason = "duplicate order", RequestId = Rid() });
        names["cancelled"] = (cancelled.Name, 2);

        // A mainland export to Hong Kong under a GBA standard contract.
        var export = await Trades.ListedAsync(Listing("Explorer export panel", individuals: 150_000));
        await Trades.ApproveAsync(ExportMechanism.GbaStandardContract, export);
        var crossBorder = await Trades.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(export));
        await Trades.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = crossBorder.Name, RequestId = Rid() });
        names["crossBorder"] = (crossBorder.Name, 2);

        // Trades filed after the fact over three years (over-the-counter deals reported to the exchange): the monthly chart's history.
        var archive = await Trades.ListedAsync(Listing("Explorer archive panel", individuals: 0));
        foreach (var (date, amount) in new[] { ("2023-01-16", 8_800_00L), ("2023-06-12", 12_500_00L), ("2023-11-20", 6_400_00L), ("2024-03-05", 21_000_00L),
            ("2024-03-18", 9_900_00L), ("2024-09-09", 15_300_00L), ("2025-02-14", 30_000_00L), ("2025-07-01", 18_750_00L), ("2026-04-22", 11_100_00L) })
        {
            await Server.Operator.Trades.FileTradeAsync(new FileTradeRequest
            {
                Listing = archive.Name, Buyer = Trades.DomesticBuyerName, Licence = archive.Licence,
                Amount = new Money { CurrencyCode = "CNY", AmountMinor = amount }, ContractDate = date, ExternalReference = "OTC-" + date, RequestId = Rid(),
            });
        }

        foreach (var (key, (trade, events)) in names)
        {
            var receipt = await Server.ReceiptWithAsync(trade, events);
            // The file a person holds: the receipt as the REST API serves it (GET /v1/trades/{uuid}/receipt).
            Receipts[key] = await FetchReceiptJsonAsync(trade);
            FilingNumbers[key] = receipt.Record.FilingNumber;
        }

        LateNote = (await Server.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true })).Note;

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context (its own storage) on the explorer, in a locale.</summary>
    public async Task<IPage> OpenAsync(string route = "#/", string locale = "en-GB")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            BaseURL = Server.HttpAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync("/" + route);
        return page;
    }

    private async Task<string> FetchReceiptJsonAsync(string trade)
    {
        using var http = new HttpClient { BaseAddress = Server.HttpAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/{trade}/receipt");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ServerFixture.OperatorToken);
        using var response = await http.SendAsync(request);
        var json = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /v1/{trade}/receipt: {(int)response.StatusCode} {json}");
        return json;
    }

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        Playwright?.Dispose();
        await Server.DisposeAsync();
    }
}
