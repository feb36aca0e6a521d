using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

/// <summary>
/// A receipt verifies in the browser, field by field, with no network request while it is checked; a receipt altered
/// in any one member is rejected and the page names that member.
/// </summary>
[Collection(ExplorerCollection.Name)]
public class ExplorerReceiptSpecs(ExplorerWorld world)
{
    [Theory]
    [InlineData("settled")]
    [InlineData("cancelled")]
    [InlineData("crossBorder")]
    public async Task A_real_receipt_verifies_in_the_page_without_a_network_request(string name)
    {
        var page = await world.OpenAsync("#/verify");
        await page.WaitForVerifierAsync();
        var requests = Record(page);

        var ok = await page.VerifyAsync(name + ".json", world.Receipts[name]);

        Assert.True(ok, $"the page rejected the {name} receipt: " + string.Join("; ", await page.FailedFieldsAsync())
            + " " + await page.Locator("#verify-result").InnerTextAsync());
        Assert.True(requests.Count == 0, "requests while verifying: " + string.Join(", ", requests));

        // What the receipt proves, field by field.
        var receipt = ExplorerWorld.Parse(world.Receipts[name]);
        var record = receipt["record"]!;
        Assert.Equal(world.FilingNumbers[name], await page.TextAsync("receipt-filing-number"));
        Assert.Equal(record["amount"]!["amountMinor"]!.GetValue<string>(), ExplorerPages.Digits(await page.TextAsync("receipt-amount")));
        Assert.Equal(receipt["leaves"]!.AsArray().Count.ToString(), await page.TextAsync("receipt-events"));
        Assert.Equal(receipt["treeSize"]!.GetValue<string>(), ExplorerPages.Digits(await page.TextAsync("receipt-tree-size")));
        Assert.Contains("Shenzhen", await page.TextAsync("receipt-vendor-place"), StringComparison.Ordinal);
        Assert.Contains(name == "crossBorder" ? "Hong Kong" : "Guangzhou", await page.TextAsync("receipt-buyer-place"), StringComparison.Ordinal);
        Assert.Contains(StateLabel(record["state"]!.GetValue<string>()), await page.TextAsync("receipt-state"), StringComparison.Ordinal);
        var signatures = await page.TextAsync("receipt-signatures");
        foreach (var key in receipt["keys"]!.AsArray())
        {
            Assert.Contains(key!["keyId"]!.GetValue<string>(), signatures, StringComparison.Ordinal);
        }

        Assert.Contains("Nothing is uploaded", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CorruptionNames))]
    public async Task An_altered_receipt_is_rejected_naming_the_altered_field_without_a_network_request(string name)
    {
        var corruption = ExplorerCorruptions.All[name];
        var json = corruption.Apply(world);
        var page = await world.OpenAsync("#/verify");
        await page.WaitForVerifierAsync();
        var requests = Record(page);

        var ok = await page.VerifyAsync(name.Replace(' ', '-') + ".json", json);

        Assert.False(ok, $"{name}: the page accepted the altered receipt");
        Assert.True(requests.Count == 0, "requests while verifying: " + string.Join(", ", requests));
        var fields = await page.FailedFieldsAsync();
        Assert.True(fields.Any(f => corruption.Fields.Any(expected => f.StartsWith(expected, StringComparison.Ordinal))),
            $"{name}: the page names [{string.Join(", ", fields)}], expected one of [{string.Join(", ", corruption.Fields)}]");
        // The failing field is named on the page as text, not only in an attribute.
        var failures = await page.Locator("[data-testid=\"failures\"]").InnerTextAsync();
        Assert.Contains(fields.First(f => corruption.Fields.Any(expected => f.StartsWith(expected, StringComparison.Ordinal))), failures, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receipt_dropped_on_the_page_verifies_without_a_network_request()
    {
        var page = await world.OpenAsync("#/verify");
        await page.WaitForVerifierAsync();
        var requests = Record(page);
        var dataTransfer = await page.EvaluateHandleAsync(
            "json => { const t = new DataTransfer(); t.items.add(new File([json], 'dropped.json', { type: 'application/json' })); return t; }",
            world.Receipts["settled"]);
        await page.DispatchEventAsync("[data-testid=\"dropzone\"]", "drop", new Dictionary<string, object> { ["dataTransfer"] = dataTransfer });
        await page.Locator("main[data-verified]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.Equal("true", await page.Locator("[data-testid=\"verdict\"]").GetAttributeAsync("data-ok"));
        Assert.Contains("dropped.json", await page.Locator("[data-testid=\"verdict\"]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(requests.Count == 0, "requests while verifying: " + string.Join(", ", requests));
    }

    [Fact]
    public async Task A_file_that_is_not_json_is_rejected_in_the_page()
    {
        var page = await world.OpenAsync("#/verify");
        await page.WaitForVerifierAsync();
        Assert.False(await page.VerifyAsync("notes.txt", "receipt: {this is not JSON"));
        Assert.Contains("not JSON", await page.Locator("[data-testid=\"failures\"]").InnerTextAsync(), StringComparison.Ordinal);
    }

    private static string StateLabel(string state) => state["TRADE_STATE_".Length..].ToLowerInvariant();

    public static TheoryData<string> CorruptionNames()
    {
        var names = new TheoryData<string>();
        foreach (var name in ExplorerCorruptions.All.Keys)
        {
            names.Add(name);
        }

        return names;
    }

    /// <summary>Every request the page makes from now on (the explorer's files and the verifier are loaded before).</summary>
    private static List<string> Record(IPage page)
    {
        var requests = new List<string>();
        page.Request += (_, request) =>
        {
            lock (requests)
            {
                requests.Add(request.Method + " " + request.Url);
            }
        };
        return requests;
    }
}

/// <summary>Receipts altered one member at a time (JSON surgery on the proto3 JSON form), with the fields a verifier must name.</summary>
internal static class ExplorerCorruptions
{
    /// <param name="Fields">Acceptable names of the failing check (prefixes): the JavaScript verifier's paths.</param>
    public sealed record Corruption(string Receipt, Action<JsonObject, ExplorerWorld> Alter, params string[] Fields)
    {
        public string Apply(ExplorerWorld world)
        {
            var receipt = ExplorerWorld.Parse(world.Receipts[Receipt]);
            Alter(receipt, world);
            var json = receipt.ToJsonString();
            Assert.NotEqual(ExplorerWorld.Parse(world.Receipts[Receipt]).ToJsonString(), json);
            return json;
        }
    }

    public static readonly Dictionary<string, Corruption> All = new()
    {
        ["amount"] = new("settled", (r, _) => r["record"]!["amount"]!["amountMinor"] = "19900", "record.amount"),
        ["filing number"] = new("settled", (r, _) => r["record"]!["filingNumber"] = "DX-2026-999999", "record.filingNumber"),
        ["vendor place"] = new("settled", (r, _) => r["record"]!["vendorJurisdiction"]!["city"] = "Beijing", "record.vendorJurisdiction"),
        ["contract date"] = new("settled", (r, _) => r["record"]!["contractDate"] = "2020-01-01", "record.contractDate"),
        ["event payload"] = new("settled", (r, _) => Leaf(r, 1)["payload"] = Flip64(Leaf(r, 1)["payload"]!.GetValue<string>(), 10),
            "leaves[1]", "events[1]"),
        ["dropped last event (the cancellation)"] = new("cancelled", (r, _) =>
        {
            r["leaves"]!.AsArray().RemoveAt(1);
            r["record"]!["state"] = "TRADE_STATE_CONTRACTED";
            r["record"]!["version"] = "1";
            r["record"]!["updateTime"] = r["record"]!["createTime"]!.GetValue<string>();
        }, "leaves", "events", "streamHead", "record"),
        ["dropped middle event"] = new("settled", (r, _) => r["leaves"]!.AsArray().RemoveAt(2), "leaves", "events"),
        ["inclusion proof hash"] = new("settled", (r, _) =>
        {
            var proof = r["leaves"]![1]!["inclusionProof"]!.AsArray();
            proof[0] = Flip64(proof[0]!.GetValue<string>(), 0);
        }, "leaves[1].inclusionProof", "events[1].inclusionProof", "events[1]", "leaves[1]"),
        ["checkpoint root"] = new("settled", (r, _) => EditNoteLine(r, 2, _ => Convert.ToBase64String(new byte[32])), "checkpoint"),
        ["checkpoint rootHash member"] = new("settled", (r, _) => r["checkpoint"]!["rootHash"] = Convert.ToBase64String(new byte[32]), "checkpoint.rootHash", "checkpoint"),
        ["Ed25519 signature"] = new("settled", (r, _) => EditSignature(r, "SIGNING_KEY_TYPE_ED25519"), "checkpoint.signature.ed25519", "checkpoint.signatures.ed25519", "checkpoint.note"),
        ["SM2 signature"] = new("settled", (r, _) => EditSignature(r, "SIGNING_KEY_TYPE_SM2_SM3"), "checkpoint.signature.sm2", "checkpoint.signatures.sm2", "checkpoint.note"),
        ["stream heads proof"] = new("settled", (r, _) =>
        {
            var proof = r["streamHead"]!["proof"]!.AsArray();
            proof[0] = Flip64(proof[0]!.GetValue<string>(), 0);
        }, "streamHead"),
        ["format"] = new("settled", (r, _) => r["format"] = "dataexchange.trade-receipt/2", "format"),
        ["tree size"] = new("settled", (r, _) => r["treeSize"] = (long.Parse(r["treeSize"]!.GetValue<string>()) - 1).ToString(), "treeSize"),
    };

    private static JsonObject Leaf(JsonObject receipt, int index) => receipt["leaves"]![index]!["entry"]!.AsObject();

    private static string Flip64(string base64, int at)
    {
        var bytes = Convert.FromBase64String(base64);
        bytes[at] ^= 0x01;
        return Convert.ToBase64String(bytes);
    }

    private static void EditNoteLine(JsonObject receipt, int line, Func<string, string> edit)
    {
        var lines = receipt["checkpoint"]!["note"]!.GetValue<string>().Split('\n');
        lines[line] = edit(lines[line]);
        receipt["checkpoint"]!["note"] = string.Join('\n', lines);
    }

    /// <summary>Flips the last byte of the signature on the line of the receipt's key of a type.</summary>
    private static void EditSignature(JsonObject receipt, string type)
    {
        var key = receipt["keys"]!.AsArray().Single(k => k!["type"]!.GetValue<string>() == type)!;
        var prefix = "\u2014 " + key["keyName"]!.GetValue<string>() + " ";
        var lines = receipt["checkpoint"]!["note"]!.GetValue<string>().Split('\n');
        var at = Array.FindIndex(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(at > 0, $"no signature line of {type}");
        var blob = Convert.FromBase64String(lines[at][prefix.Length..]);
        blob[^1] ^= 0x01;
        lines[at] = prefix + Convert.ToBase64String(blob);
        receipt["checkpoint"]!["note"] = string.Join('\n', lines);
    }
}
