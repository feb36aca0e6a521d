using DataExchange.Server.Tests.Trades;
using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

/// <summary>
/// The README's screenshots of the front page and a verification result. Written to docs/ when
/// DX_EXPLORER_SCREENSHOTS=1 (`DX_EXPLORER_SCREENSHOTS=1 scripts/test.sh --filter "FullyQualifiedName~ExplorerScreenshot"`),
/// otherwise to a temporary folder, so that an ordinary run does not change the working tree.
/// </summary>
[Collection(ExplorerCollection.Name)]
public class ExplorerScreenshotSpecs(ExplorerWorld world)
{
    private static string Folder => Environment.GetEnvironmentVariable("DX_EXPLORER_SCREENSHOTS") == "1"
        ? Path.Combine(ReceiptTools.RepositoryRoot, "docs")
        : Directory.CreateTempSubdirectory("dx-explorer-screenshots-").FullName;

    [Fact]
    public async Task Screenshots_of_the_front_page_and_a_verification_result()
    {
        var folder = Folder;
        Directory.CreateDirectory(folder);

        var page = await world.OpenAsync("#/", "zh-CN");
        await page.Locator("svg.chart").WaitForAsync();
        await page.Locator("[data-testid=\"signatures\"] tbody tr").First.WaitForAsync();
        var front = Path.Combine(folder, "explorer-front.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = front, FullPage = true });

        page = await world.OpenAsync("#/verify", "en-GB");
        await page.WaitForVerifierAsync();
        Assert.True(await page.VerifyAsync("receipt-DX.json", world.Receipts["crossBorder"]));
        var verify = Path.Combine(folder, "explorer-verify.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = verify, FullPage = true });

        // A receipt whose amount was changed: rejected, naming the member.
        Assert.False(await page.VerifyAsync("receipt-altered.json", ExplorerCorruptions.All["amount"].Apply(world)));
        var failed = Path.Combine(folder, "explorer-verify-failed.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = failed, FullPage = false });

        Assert.True(new[] { front, verify, failed }.All(f => new FileInfo(f).Length > 10_000));
    }
}
