using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

/// <summary>What the specs read from the explorer's pages.</summary>
internal static partial class ExplorerPages
{
    /// <summary>The digits of a rendered figure ("CN¥12,345.00" → "1234500", "1,234" → "1234").</summary>
    public static string Digits(string text) => NonDigits().Replace(text, "");

    [GeneratedRegex("[^0-9]")]
    private static partial Regex NonDigits();

    public static async Task<string> TextAsync(this IPage page, string testId) =>
        (await page.Locator($"[data-testid=\"{testId}\"]").First.InnerTextAsync()).Trim();

    /// <summary>Waits for the verify view to have loaded its library and the published keys: from then on it needs no network.</summary>
    public static Task WaitForVerifierAsync(this IPage page) =>
        page.Locator("main[data-verifier=\"ready\"]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    /// <summary>Chooses a receipt file (as a person would with the file dialog) and waits for the verdict.</summary>
    public static async Task<bool> VerifyAsync(this IPage page, string name, string json)
    {
        await page.Locator("#receipt-file").SetInputFilesAsync(new FilePayload
        {
            Name = name, MimeType = "application/json", Buffer = System.Text.Encoding.UTF8.GetBytes(json),
        });
        var verdict = page.Locator("[data-testid=\"verdict\"]");
        await verdict.WaitForAsync();
        await page.Locator("main[data-verified]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        return await verdict.GetAttributeAsync("data-ok") == "true";
    }

    /// <summary>The fields of the failed checks, as the page lists them.</summary>
    public static async Task<IReadOnlyList<string>> FailedFieldsAsync(this IPage page)
    {
        var items = page.Locator("[data-testid=\"failures\"] li[data-field]");
        var fields = new List<string>();
        for (var i = 0; i < await items.CountAsync(); i++)
        {
            fields.Add(await items.Nth(i).GetAttributeAsync("data-field") ?? "");
        }

        return fields;
    }
}
