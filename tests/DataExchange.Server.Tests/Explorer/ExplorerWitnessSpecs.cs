using DataExchange.Contracts.V1;
using DataExchange.Ledger.Witness;
using DataExchange.Server.Configuration;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

/// <summary>An exchange with one witness (a `dx witness serve` process): the front page shows its cosignature.</summary>
[Collection(ExplorerCollection.Name)]
public sealed class ExplorerWitnessSpecs(ExplorerWorld world) : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("dx-explorer-witnessed-").FullName;
    private WitnessProcess witness = null!;
    private ServerFixture exchange = null!;

    public async Task InitializeAsync()
    {
        var keys = WitnessedLedgerKeys.Create(folder, $"dataexchange.local/explorer-witnessed-{Guid.NewGuid():N}");
        witness = await WitnessProcess.StartAsync("witness-explorer.test/w", Path.Combine(folder, "witness"), keys.Ledger.Origin, keys.LogKeys);
        exchange = new ServerFixture
        {
            ServeHttp = true,
            Ledger = keys.Ledger with { Witnesses = ConfiguredWitness.ParseList(witness.Setting) },
        };
        await exchange.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await exchange.DisposeAsync();
        await witness.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task The_front_page_shows_the_witness_cosignature_and_the_quorum()
    {
        await exchange.NewParticipantAsync("Witnessed vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var size = (await exchange.CaughtUpCheckpointAsync()).TreeSize;
        var cosigned = await Waiting.UntilAsync(async () => await exchange.Operator.Ledger.GetCheckpointAsync(new GetCheckpointRequest()),
            c => c.TreeSize >= size && c.Cosignatures.Count == 1, TimeSpan.FromSeconds(60));
        Assert.True(cosigned.Cosignatures.Count == 1, "the witness never cosigned");

        var context = await world.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = exchange.HttpAddress.ToString(), Locale = "en-GB" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/#/");
        var signatures = page.Locator("[data-testid=\"signatures\"] tbody");
        await Assertions.Expect(signatures).ToContainTextAsync("witness-explorer.test/w");
        var row = signatures.Locator("tr", new LocatorLocatorOptions { HasText = "witness-explorer.test/w" });
        Assert.Contains(witness.Key.KeyId.ToString("x8"), await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("a witness", await row.InnerTextAsync(), StringComparison.Ordinal);
        var quorum = await page.Locator("[data-testid=\"witnesses\"]").InnerTextAsync();
        Assert.Contains("quorum 1", quorum, StringComparison.Ordinal);
        Assert.Contains("quorum met", quorum, StringComparison.Ordinal);
        await context.CloseAsync();
    }
}
