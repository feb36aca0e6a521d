using DataExchange.Contracts.V1;
using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

[Collection(ExplorerCollection.Name)]
public class ExplorerFilingLookupSpecs(ExplorerWorld world)
{
    [Fact]
    public async Task A_lookup_by_filing_number_shows_the_public_fields_and_no_personal_data()
    {
        var number = world.FilingNumbers["settled"];
        var receipt = ExplorerWorld.Parse(world.Receipts["settled"]);
        var page = await world.OpenAsync("#/filings");
        await page.Locator("#filing-query").FillAsync(number);
        await page.Locator("#filing-query").PressAsync("Enter");
        var card = page.Locator($"article[data-filing=\"{number}\"]");
        await card.WaitForAsync();

        Assert.Equal(number, await page.TextAsync("filing-number"));
        Assert.Equal(receipt["trade"]!.GetValue<string>(), await page.TextAsync("filing-trade"));
        Assert.Equal(world.FeedTitle, await page.TextAsync("filing-product"));
        Assert.Equal("Hetao Mobility Data", await page.TextAsync("filing-vendor"));
        Assert.Contains("深圳", await page.TextAsync("filing-vendor-place"), StringComparison.Ordinal);
        Assert.Contains("广东", await page.TextAsync("filing-buyer-place"), StringComparison.Ordinal); // the province, never the city
        Assert.Equal(receipt["record"]!["amount"]!["amountMinor"]!.GetValue<string>(), ExplorerPages.Digits(await page.TextAsync("filing-amount")));
        Assert.Equal("settled", await page.TextAsync("filing-state"));
        Assert.Equal("accepted", await page.TextAsync("filing-outcome"));
        Assert.Equal(receipt["record"]!["compliance"]!["ruleSetVersion"]!.GetValue<string>(), await page.TextAsync("filing-rule-set"));
        Assert.Equal("no", await page.TextAsync("filing-cross-border"));

        // Its leaves: one link per event, to the inclusion proof of that leaf index.
        var leafIndexes = receipt["leaves"]!.AsArray().Select(l => l!["entry"]!["leafIndex"]!.GetValue<string>()).ToList();
        var links = card.Locator("a[data-leaf]");
        Assert.Equal(leafIndexes.Count, await links.CountAsync());
        for (var i = 0; i < leafIndexes.Count; i++)
        {
            Assert.Equal(leafIndexes[i], await links.Nth(i).GetAttributeAsync("data-leaf"));
            Assert.Equal($"/v1/ledger/inclusionProof?leafIndex={leafIndexes[i]}", await links.Nth(i).GetAttributeAsync("href"));
        }

        await AssertNoPersonalDataAsync(page);
    }

    [Fact]
    public async Task A_lookup_by_product_title_lists_its_filings_and_no_personal_data()
    {
        var page = await world.OpenAsync("#/filings?q=" + Uri.EscapeDataString("logistics feed"));
        await page.Locator("[data-testid=\"filing-count\"]").WaitForAsync();
        // The settled trade is filed; the cancelled one is filed and withdrawn.
        await Assertions.Expect(page.Locator($"article[data-filing=\"{world.FilingNumbers["settled"]}\"]")).ToBeVisibleAsync();
        var cancelled = page.Locator($"article[data-filing=\"{world.FilingNumbers["cancelled"]}\"]");
        await Assertions.Expect(cancelled).ToBeVisibleAsync();
        Assert.Contains("Withdrawn", await cancelled.Locator("[data-testid=\"filing-state\"]").InnerTextAsync(), StringComparison.Ordinal);
        await AssertNoPersonalDataAsync(page);
    }

    [Fact]
    public async Task A_cross_border_filing_shows_its_destination_and_mechanism_but_not_the_buyer()
    {
        var page = await world.OpenAsync("#/filings?q=" + world.FilingNumbers["crossBorder"]);
        await page.Locator("[data-testid=\"filing-number\"]").WaitForAsync();
        Assert.Equal("yes", await page.TextAsync("filing-cross-border"));
        Assert.Contains("HK", await page.TextAsync("filing-buyer-place"), StringComparison.Ordinal);
        Assert.Equal("GBA standard contract", await page.TextAsync("filing-mechanism"));
        await AssertNoPersonalDataAsync(page);
    }

    [Fact]
    public async Task An_unknown_filing_number_says_nothing_matches()
    {
        var page = await world.OpenAsync("#/filings?q=DX-1999-000001");
        await Assertions.Expect(page.Locator("[data-testid=\"no-filings\"]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_lookup_by_trade_name_finds_its_filing()
    {
        var trade = ExplorerWorld.Parse(world.Receipts["crossBorder"])["trade"]!.GetValue<string>();
        var page = await world.OpenAsync("#/filings?q=" + Uri.EscapeDataString(trade));
        await Assertions.Expect(page.Locator($"article[data-filing=\"{world.FilingNumbers["crossBorder"]}\"]")).ToBeVisibleAsync();
        Assert.Equal(1, await page.Locator("article[data-filing]").CountAsync());
    }

    [Fact]
    public async Task A_query_the_api_refuses_shows_its_message_and_reason()
    {
        var page = await world.OpenAsync("#/filings?q=" + new string('x', 101));
        var error = page.Locator("#filing-results .error");
        await Assertions.Expect(error).ToBeVisibleAsync();
        Assert.Equal("alert", await error.GetAttributeAsync("role"));
        var text = await error.InnerTextAsync();
        Assert.Contains("HTTP 400", text, StringComparison.Ordinal);
        Assert.Contains("Reason: ", text, StringComparison.Ordinal);
    }

    private async Task AssertNoPersonalDataAsync(IPage page)
    {
        var html = await page.ContentAsync();
        var text = await page.Locator("body").InnerTextAsync();
        foreach (var secret in world.PrivateTexts)
        {
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        var licencePurpose = ExplorerWorld.Parse(world.Receipts["settled"])["record"]!["licence"]!["purpose"]!.GetValue<string>();
        Assert.DoesNotContain(licencePurpose, text, StringComparison.Ordinal);
        Assert.DoesNotContain("participants/", html[html.IndexOf("<main", StringComparison.Ordinal)..].Replace(VendorName(), "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private string VendorName() => world.Trades.VendorName;
}
