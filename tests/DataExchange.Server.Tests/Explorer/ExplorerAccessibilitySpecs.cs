using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

/// <summary>WCAG 2.1 AA (axe-core in the same Chromium) on every view and both languages, and use by keyboard alone.</summary>
[Collection(ExplorerCollection.Name)]
public class ExplorerAccessibilitySpecs(ExplorerWorld world)
{
    private static readonly AxeRunOptions WcagAa = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    [Theory]
    [InlineData("#/", "en-GB")]
    [InlineData("#/", "zh-CN")]
    [InlineData("#/filings", "en-GB")]
    [InlineData("#/verify", "zh-CN")]
    [InlineData("#/consistency", "en-GB")]
    public async Task Each_view_has_no_wcag_2_1_aa_violations(string route, string locale)
    {
        var page = await world.OpenAsync(route, locale);
        await page.Locator("h1").WaitForAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await AssertAccessibleAsync(page, route);
    }

    [Fact]
    public async Task Filing_results_a_verification_result_and_a_consistency_result_have_no_violations()
    {
        var page = await world.OpenAsync("#/filings?q=" + world.FilingNumbers["crossBorder"]);
        await page.Locator("[data-testid=\"filing-number\"]").WaitForAsync();
        await AssertAccessibleAsync(page, "filing result");

        page = await world.OpenAsync("#/verify");
        await page.WaitForVerifierAsync();
        await page.VerifyAsync("settled.json", world.Receipts["settled"]);
        await page.Locator("details.all-checks summary").ClickAsync();
        await AssertAccessibleAsync(page, "verified receipt");
        await page.VerifyAsync("altered.json", ExplorerCorruptions.All["amount"].Apply(world));
        await AssertAccessibleAsync(page, "rejected receipt");

        page = await world.OpenAsync("#/consistency");
        await page.Locator("#note-old").FillAsync(world.EarlyNote);
        await page.Locator("#note-new").FillAsync(world.LateNote);
        await page.Locator("#check-consistency").ClickAsync();
        await page.Locator("[data-testid=\"consistency-verdict\"]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await AssertAccessibleAsync(page, "consistency result");

        page = await world.OpenAsync("#/");
        await page.Locator("[data-testid=\"monthly-table\"]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        foreach (var summary in await page.Locator("details summary").AllAsync())
        {
            await summary.ClickAsync();
        }

        await AssertAccessibleAsync(page, "front page with its details open");
    }

    [Theory]
    [InlineData("#/filings", "filing-query")]
    [InlineData("#/verify", "receipt-file")]
    [InlineData("#/", "lang")]
    [InlineData("#/consistency", "note-old")]
    public async Task Tab_reaches_the_controls_with_a_visible_focus_indicator(string route, string id)
    {
        var page = await world.OpenAsync(route);
        await page.Locator("h1").WaitForAsync();
        var reached = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string>("document.activeElement?.id || document.activeElement?.tagName || ''");
            reached.Add(focused);
            if (focused == id)
            {
                var outline = await page.EvaluateAsync<string[]>(
                    "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()");
                Assert.True(outline[0] != "none" && double.Parse(outline[1].Replace("px", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) >= 2,
                    $"#{id} has focus but no visible outline ({outline[0]} {outline[1]})");
                return;
            }
        }

        Assert.Fail($"Tab never reached #{id}; it went through {string.Join(", ", reached)}");
    }

    [Fact]
    public async Task A_lookup_works_from_the_keyboard_alone()
    {
        var page = await world.OpenAsync("#/filings");
        await page.Locator("h1").WaitForAsync();
        for (var i = 0; i < 30 && await page.EvaluateAsync<string>("document.activeElement?.id ?? ''") != "filing-query"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        await page.Keyboard.TypeAsync(world.FilingNumbers["settled"]);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=\"filing-number\"]")).ToHaveTextAsync(world.FilingNumbers["settled"]);
    }

    private static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var result = await page.RunAxe(WcagAa);
        var violations = result.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}").ToList();
        Assert.True(violations.Count == 0, $"{what}: axe-core found WCAG 2.1 AA violations:\n" + string.Join("\n", violations));
    }
}
