using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

[Collection(ExplorerCollection.Name)]
public class ExplorerConsistencySpecs(ExplorerWorld world)
{
    [Fact]
    public async Task Two_checkpoints_of_the_log_are_consistent()
    {
        var page = await world.OpenAsync("#/consistency");
        await page.Locator("#note-old").FillAsync(world.EarlyNote);
        await page.Locator("#note-new").FillAsync(world.LateNote);
        await page.Locator("#check-consistency").ClickAsync();
        var verdict = page.Locator("[data-testid=\"consistency-verdict\"]");
        await verdict.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.True(await verdict.GetAttributeAsync("data-ok") == "true", await page.Locator("#consistency-result").InnerTextAsync());
        Assert.Contains("Consistent", await verdict.InnerTextAsync(), StringComparison.Ordinal);
        var trees = await page.TextAsync("consistency-trees");
        Assert.Contains("size " + world.EarlyNote.Split('\n')[1], trees, StringComparison.Ordinal);
        Assert.Contains("size " + world.LateNote.Split('\n')[1], trees, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_notes_may_be_given_in_either_order_and_the_latest_filled_in_by_the_page()
    {
        var page = await world.OpenAsync("#/consistency");
        await page.Locator("#note-old").FillAsync(world.EarlyNote);
        await page.Locator("#fill-latest").ClickAsync();
        await Assertions.Expect(page.Locator("#note-new")).Not.ToHaveValueAsync("");
        await page.Locator("#check-consistency").ClickAsync();
        var verdict = page.Locator("[data-testid=\"consistency-verdict\"]");
        await verdict.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.True(await verdict.GetAttributeAsync("data-ok") == "true", await page.Locator("#consistency-result").InnerTextAsync());
    }

    [Fact]
    public async Task A_checkpoint_whose_root_was_changed_is_not_consistent_with_the_log()
    {
        var lines = world.EarlyNote.Split('\n');
        lines[2] = Convert.ToBase64String(new byte[32]);
        var page = await world.OpenAsync("#/consistency");
        await page.Locator("#note-old").FillAsync(string.Join('\n', lines));
        await page.Locator("#note-new").FillAsync(world.LateNote);
        await page.Locator("#check-consistency").ClickAsync();
        var verdict = page.Locator("[data-testid=\"consistency-verdict\"]");
        await verdict.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.Equal("false", await verdict.GetAttributeAsync("data-ok"));
    }

    [Fact]
    public async Task Text_that_is_not_a_checkpoint_is_refused()
    {
        var page = await world.OpenAsync("#/consistency");
        await page.Locator("#note-old").FillAsync("hello");
        await page.Locator("#note-new").FillAsync(world.LateNote);
        await page.Locator("#check-consistency").ClickAsync();
        var verdict = page.Locator("[data-testid=\"consistency-verdict\"]");
        await verdict.WaitForAsync();
        Assert.Equal("false", await verdict.GetAttributeAsync("data-ok"));
        Assert.Contains("not a checkpoint", await verdict.InnerTextAsync(), StringComparison.Ordinal);
    }
}
