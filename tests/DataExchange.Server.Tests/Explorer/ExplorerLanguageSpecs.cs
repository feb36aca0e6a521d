using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

[Collection(ExplorerCollection.Name)]
public class ExplorerLanguageSpecs(ExplorerWorld world)
{
    [Fact]
    public async Task A_browser_that_prefers_chinese_gets_chinese_first()
    {
        var page = await world.OpenAsync("#/", locale: "zh-CN");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
        await Assertions.Expect(page.Locator("nav.site a[href=\"#/\"]")).ToHaveTextAsync("概览");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("交易所概览");
        Assert.Equal("zh", await page.Locator("#lang").InputValueAsync());
    }

    [Fact]
    public async Task A_browser_that_prefers_english_gets_english()
    {
        var page = await world.OpenAsync("#/", locale: "en-US");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(page.Locator("nav.site a[href=\"#/verify\"]")).ToHaveTextAsync("Verify a receipt");
    }

    [Fact]
    public async Task The_language_switch_changes_every_view_and_is_remembered()
    {
        var page = await world.OpenAsync("#/verify", locale: "en-GB");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Verify a trade receipt in your browser");
        await page.Locator("#lang").SelectOptionAsync("zh");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("在浏览器中验证交易凭证");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
        Assert.Contains("不上传任何内容", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("zh", await page.EvaluateAsync<string>("localStorage.getItem('dx-explorer-lang')"));

        // Remembered: a reload in the same browser stays in Chinese, though the browser prefers English.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("在浏览器中验证交易凭证");
        await page.Locator("#lang").SelectOptionAsync("en");
        await Assertions.Expect(page.Locator("nav.site a[href=\"#/filings\"]")).ToHaveTextAsync("Filing lookup");
    }

    [Fact]
    public async Task A_verification_result_is_shown_again_in_the_other_language()
    {
        var page = await world.OpenAsync("#/verify", locale: "en-GB");
        await page.WaitForVerifierAsync();
        Assert.True(await page.VerifyAsync("settled.json", world.Receipts["settled"]));
        await page.Locator("#lang").SelectOptionAsync("zh");
        await Assertions.Expect(page.Locator("[data-testid=\"verdict\"] h2")).ToContainTextAsync("凭证验证通过");
        Assert.Equal(world.FilingNumbers["settled"], await page.TextAsync("receipt-filing-number"));
    }
}
