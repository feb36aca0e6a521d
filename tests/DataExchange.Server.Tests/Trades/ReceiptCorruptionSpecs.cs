using System.Text;
using System.Text.Json.Nodes;
using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Canonical;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Notes;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>
/// Real receipts of a few trades (settled after an adjustment, cancelled, cross-border under an approval, refused, filed),
/// their keys as `dx ledger keys --out` writes them, all fetched once for the class.
/// </summary>
public sealed class ReceiptWorld : IAsyncLifetime
{
    public ServerFixture Server { get; } = new();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("dx-receipt-corruption-").FullName;

    public string KeysDirectory => Path.Combine(Directory, "keys");

    /// <summary>Receipt JSON by name: settled, cancelled, crossBorder, refused, filed.</summary>
    public Dictionary<string, string> Receipts { get; } = [];

    public IReadOnlyList<INoteVerifier> Keys { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        var world = await TradeWorld.CreateAsync(Server);
        var names = new Dictionary<string, (string Trade, int Events)>();

        // Contracted, delivered, received, then settled below the price: an adjustment and a settlement (5 events).
        var feed = await world.ListedAsync(Listing("Corruption feed", individuals: 0));
        var settled = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(feed));
        await world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = settled.Name, Note = "API key sent to ops@buyer", RequestId = Rid() });
        await world.DomesticBuyer.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = settled.Name, Note = "received", RequestId = Rid() });
        await Server.Operator.Trades.SettleTradeAsync(new SettleTradeRequest
        {
            Name = settled.Name, Amount = new Money { CurrencyCode = "CNY", AmountMinor = feed.Price.AmountMinor - 100_00 },
            PaymentReference = "CMB-2026-0042", AdjustmentReason = "late delivery discount", RequestId = Rid(),
        });
        names["settled"] = (settled.Name, 5);

        var cancelled = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(feed));
        await world.Vendor.Trades.CancelTradeAsync(new CancelTradeRequest { Name = cancelled.Name, Reason = "duplicate order", RequestId = Rid() });
        names["cancelled"] = (cancelled.Name, 2);

        // Cross-border personal information: refused without an approval (recorded), accepted under a GBA standard contract.
        var export = await world.ListedAsync(Listing("Corruption export", individuals: 150_000));
        var refusal = await Errors.Expect(StatusCode.FailedPrecondition, "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            () => world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(export)));
        names["refused"] = (refusal.GetDetail<ErrorInfo>().Metadata["trade"], 1);
        await world.ApproveAsync(ExportMechanism.GbaStandardContract, export);
        var crossBorder = await world.HongKongBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(export));
        await world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = crossBorder.Name, RequestId = Rid() });
        names["crossBorder"] = (crossBorder.Name, 2);

        var filed = await Server.Operator.Trades.FileTradeAsync(new FileTradeRequest
        {
            Listing = feed.Name, Buyer = world.DomesticBuyerName, Licence = feed.Licence, Amount = new Money { CurrencyCode = "CNY", AmountMinor = 12_345_00 },
            ContractDate = "2022-03-01", ExternalReference = "OTC-2022-7", RequestId = Rid(),
        });
        names["filed"] = (filed.Name, 1);

        foreach (var (key, (trade, events)) in names)
        {
            var receipt = await Server.ReceiptWithAsync(trade, events);
            Receipts[key] = JsonFormatter.Default.Format(receipt);
        }

        await ReceiptTools.WriteKeysAsync(Server.Operator.Ledger, KeysDirectory);
        Keys = KeyFiles.Load([KeysDirectory]);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>Writes a receipt variant to a file of its own and returns its path.</summary>
    public string Write(string name, string json)
    {
        var path = Path.Combine(Directory, name.Replace(' ', '-').Replace('/', '-') + ".json");
        File.WriteAllText(path, json);
        return path;
    }
}

/// <summary>
/// Receipts altered one member at a time must be rejected by both verifiers, the C# one `dx receipt verify` calls and
/// the independent tools/verify_receipt.py, and both must name the member (a JSON path) that is wrong.
/// </summary>
public class ReceiptCorruptionSpecs(ReceiptWorld world) : IClassFixture<ReceiptWorld>
{
    [Theory]
    [InlineData("settled")]
    [InlineData("cancelled")]
    [InlineData("crossBorder")]
    [InlineData("refused")]
    [InlineData("filed")]
    public async Task An_untouched_receipt_verifies_with_both_verifiers_and_dx(string receipt)
    {
        var json = world.Receipts[receipt];
        var outcome = ReceiptCommands.Verify(json, world.Keys, null);
        Assert.True(outcome.IsValid, outcome.Describe());

        var file = world.Write("untouched-" + receipt, json);
        var python = await ReceiptTools.PythonAsync(file, "--key", world.KeysDirectory);
        Assert.True(python.Exit == 0 && python.Lines.Length == 1 && python.Stdout.StartsWith("OK: ", StringComparison.Ordinal), python.ToString());

        // With the .pem files alone (names from the file names), and with the origin pinned.
        var pemOnly = Path.Combine(world.Directory, "pem-only");
        System.IO.Directory.CreateDirectory(pemOnly);
        foreach (var pem in System.IO.Directory.GetFiles(world.KeysDirectory, "*.pem"))
        {
            File.Copy(pem, Path.Combine(pemOnly, Path.GetFileName(pem)), overwrite: true);
        }

        var origin = JsonNode.Parse(json)!["origin"]!.GetValue<string>();
        python = await ReceiptTools.PythonAsync(file, "--key", pemOnly, "--origin", origin);
        Assert.True(python.Exit == 0, python.ToString());
        Assert.Equal(0, await DataExchange.Cli.Program.BuildRootCommand().Parse(["receipt", "verify", file, "--keys", world.KeysDirectory, "--origin", origin]).InvokeAsync());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task An_altered_receipt_is_rejected_by_both_verifiers_naming_the_member(string name)
    {
        var corruption = Corruptions[name];
        var receipt = JsonNode.Parse(world.Receipts[corruption.Receipt])!.AsObject();
        corruption.Alter(receipt, world);
        var json = corruption.Text is null ? receipt.ToJsonString() : corruption.Text(receipt.ToJsonString(), world);
        Assert.NotEqual(JsonNode.Parse(world.Receipts[corruption.Receipt])!.ToJsonString(), json);

        var outcome = ReceiptCommands.Verify(json, world.Keys, null);
        Assert.False(outcome.IsValid, $"{name}: the C# verifier accepted the altered receipt");
        Assert.True(IsPathWithin(outcome.Field!, corruption.Field), $"{name}: the C# verifier names {outcome.Describe()}, expected {corruption.Field}");

        var python = await ReceiptTools.PythonAsync(world.Write(name, json), "--key", world.KeysDirectory);
        Assert.True(python.Exit == 1 && python.Lines.Length == 1 && python.Stderr.Length == 0, $"{name}: {python}");
        Assert.StartsWith("INVALID: ", python.Stdout, StringComparison.Ordinal);
        var field = python.Stdout["INVALID: ".Length..python.Stdout.IndexOf(": ", "INVALID: ".Length, StringComparison.Ordinal)];
        Assert.True(IsPathWithin(field, corruption.Field), $"{name}: verify_receipt.py names {python.Stdout.Trim()}, expected {corruption.Field}");
    }

    [Fact]
    public async Task Dx_receipt_verify_answers_a_missing_file_a_non_json_file_and_an_unknown_format_in_one_line_with_distinct_exit_codes()
    {
        var unknownFormat = JsonNode.Parse(world.Receipts["settled"])!.AsObject();
        unknownFormat["format"] = "dataexchange.trade-receipt/2";
        var invalid = JsonNode.Parse(world.Receipts["settled"])!.AsObject();
        invalid["record"]!["amount"]!["amountMinor"] = "1";
        var files = new Dictionary<string, string>
        {
            ["missing file"] = Path.Combine(world.Directory, "no-such-receipt.json"),
            ["not JSON"] = world.Write("not-json", "receipt: {this is not JSON"),
            ["unknown format"] = world.Write("unknown-format", unknownFormat.ToJsonString()),
            ["does not verify"] = world.Write("does-not-verify", invalid.ToJsonString()),
        };

        var exits = new Dictionary<string, int>();
        foreach (var (what, file) in files)
        {
            var dx = await ReceiptTools.DxAsync("receipt", "verify", file, "--keys", world.KeysDirectory);
            var lines = (dx.Stdout + dx.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(dx.Exit != 0 && lines.Length == 1, $"{what}: {dx}");
            Assert.DoesNotContain("   at ", dx.Stdout + dx.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", dx.Stdout + dx.Stderr, StringComparison.Ordinal);
            exits[what] = dx.Exit;
        }

        Assert.True(exits.Values.Distinct().Count() == exits.Count, "exit codes: " + string.Join(", ", exits.Select(e => $"{e.Key} {e.Value}")));

        // The Python verifier: ERROR (exit 2) for what it cannot read, INVALID (exit 1) for a receipt it reads and rejects.
        foreach (var (what, file) in files)
        {
            var python = await ReceiptTools.PythonAsync(file, "--key", world.KeysDirectory);
            var expected = what is "missing file" or "not JSON" ? (2, "ERROR: ") : (1, "INVALID: ");
            Assert.True(python.Exit == expected.Item1 && python.Lines.Length == 1 && python.Stderr.Length == 0
                && python.Stdout.StartsWith(expected.Item2, StringComparison.Ordinal), $"{what}: {python}");
        }
    }

    [Fact]
    public async Task The_stock_tool_steps_of_RECEIPTS_md_check_a_real_receipt()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("dx-receipt-stock-tools-").FullName;
        var json = world.Receipts["settled"];
        await File.WriteAllTextAsync(Path.Combine(directory, "receipt.json"), json);
        foreach (var pem in System.IO.Directory.GetFiles(world.KeysDirectory, "*.pem"))
        {
            File.Copy(pem, Path.Combine(directory, Path.GetFileName(pem)));
        }

        var receipt = JsonNode.Parse(json)!.AsObject();
        string KeyNamed(string type) => receipt["keys"]!.AsArray().Single(k => k!["type"]!.GetValue<string>() == type)!["keyName"]!.GetValue<string>();

        // Step 2: SIGNATURES.md's OpenSSL recipe applied to checkpoint.note, with this exchange's key names.
        var signatures = await ReceiptTools.BashAsync(directory, $$"""
            set -euo pipefail
            jq -j '.checkpoint.note' receipt.json > checkpoint.note
            sed '/^$/,$d' checkpoint.note > note.txt
            grep '^— {{KeyNamed("SIGNING_KEY_TYPE_SM2_SM3")}} '     checkpoint.note | cut -d' ' -f3 | base64 -d | tail -c +5 > sig.der
            grep '^— {{KeyNamed("SIGNING_KEY_TYPE_ED25519")}} ' checkpoint.note | cut -d' ' -f3 | base64 -d | tail -c +5 > sig.bin
            openssl dgst -sm3 -verify {{KeyNamed("SIGNING_KEY_TYPE_SM2_SM3")}}.pem -sigopt distid:1234567812345678 -signature sig.der note.txt
            openssl pkeyutl -verify -pubin -inkey {{KeyNamed("SIGNING_KEY_TYPE_SM2_SM3")}}.pem -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in note.txt -sigfile sig.der
            openssl pkeyutl -verify -pubin -inkey {{KeyNamed("SIGNING_KEY_TYPE_ED25519")}}.pem -rawin -in note.txt -sigfile sig.bin
            sed -n 3p note.txt | base64 -d | xxd -p -c 32
            """);
        Assert.True(signatures.Exit == 0, signatures.ToString());
        Assert.Equal(["Verified OK", "Signature Verified Successfully", "Signature Verified Successfully"], signatures.Lines[..3]);
        var root = signatures.Lines[3];

        // The hash one-liners exactly as RECEIPTS.md prints them, for every leaf (the page shows leaves[0]).
        var markdown = await File.ReadAllTextAsync(Path.Combine(ReceiptTools.RepositoryRoot, "src", "DataExchange.Ledger", "RECEIPTS.md"));
        var section = markdown[markdown.IndexOf("## With stock tools", StringComparison.Ordinal)..];
        var start = section.IndexOf("```sh\n", StringComparison.Ordinal) + "```sh\n".Length;
        var oneLiners = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Contains(".leaves[0].entry.payload", oneLiners);
        var hasher = TreeHasher.Sha256;
        var leaves = receipt["leaves"]!.AsArray();
        for (var i = 0; i < leaves.Count; i++)
        {
            var run = await ReceiptTools.BashAsync(directory, "set -euo pipefail\n" + oneLiners.Replace(".leaves[0].", $".leaves[{i}].", StringComparison.Ordinal));
            Assert.True(run.Exit == 0 && run.Lines.Length == 2, run.ToString());
            var digests = run.Lines.Select(l => l.Split("= ")[1].Trim()).ToArray();
            var entry = leaves[i]!["entry"]!;
            Assert.Equal(entry["payloadDigest"]!.GetValue<string>(), "sha256:" + digests[0]);
            var leafHash = Convert.FromHexString(digests[1]);
            Assert.Equal(hasher.HashLeaf(Convert.FromBase64String(entry["leaf"]!.GetValue<string>())), leafHash);

            // The shell's leaf hash and the receipt's inclusion proof lead to the root the signed note states.
            var proof = leaves[i]!["inclusionProof"]!.AsArray().Select(p => Convert.FromBase64String(p!.GetValue<string>())).ToList();
            var computed = DataExchange.Ledger.Merkle.MerkleProofs.RootFromInclusionProof(hasher,
                long.Parse(entry["leafIndex"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(receipt["treeSize"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), leafHash, proof);
            Assert.Equal(root, Convert.ToHexStringLower(computed!));
        }

        System.IO.Directory.Delete(directory, recursive: true);
    }

    /// <summary>True when <paramref name="field"/> is <paramref name="expected"/> or a member or item below it.</summary>
    private static bool IsPathWithin(string field, string expected) =>
        field == expected || field.StartsWith(expected + ".", StringComparison.Ordinal) || field.StartsWith(expected + "[", StringComparison.Ordinal);

    /// <param name="Text">A change to the JSON text after <paramref name="Alter"/> (for what a JSON tree cannot hold, such as a repeated member).</param>
    public sealed record Corruption(string Receipt, Action<JsonObject, ReceiptWorld> Alter, string Field, Func<string, ReceiptWorld, string>? Text = null);

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var name in Corruptions.Keys)
        {
            names.Add(name);
        }

        return names;
    }

    private static readonly Dictionary<string, Corruption> Corruptions = new()
    {
        // The record: every member is what the payloads say.
        ["record.trade"] = new("settled", (r, w) => Set(r, "record.trade", Other(w, "cancelled")), "record.trade"),
        ["record.filingNumber"] = new("settled", (r, _) => Set(r, "record.filingNumber", "DX-2026-999999"), "record.filingNumber"),
        ["record.listing"] = new("settled", (r, _) => Set(r, "record.listing", "listings/" + Guid.NewGuid()), "record.listing"),
        ["record.listingRevision"] = new("settled", (r, _) => Set(r, "record.listingRevision", "7"), "record.listingRevision"),
        ["record.vendor"] = new("settled", (r, _) => Set(r, "record.vendor", Get(r, "record.buyer")), "record.vendor"),
        ["record.vendorJurisdiction.region"] = new("settled", (r, _) => Set(r, "record.vendorJurisdiction.region", "REGION_MACAO"), "record.vendorJurisdiction.region"),
        ["record.vendorJurisdiction.city"] = new("settled", (r, _) => Set(r, "record.vendorJurisdiction.city", "Beijing"), "record.vendorJurisdiction.city"),
        ["record.buyer"] = new("settled", (r, _) => Set(r, "record.buyer", Get(r, "record.vendor")), "record.buyer"),
        ["record.buyerJurisdiction.region"] = new("crossBorder", (r, _) => Set(r, "record.buyerJurisdiction.region", "REGION_MAINLAND_CHINA"), "record.buyerJurisdiction.region"),
        ["record.buyerJurisdiction.city"] = new("crossBorder", (r, _) => Set(r, "record.buyerJurisdiction.city", "Shenzhen"), "record.buyerJurisdiction.city"),
        ["record.licence.purpose"] = new("settled", (r, _) => Set(r, "record.licence.purpose", "resale"), "record.licence.purpose"),
        ["record.licence.termDays"] = new("settled", (r, _) => Set(r, "record.licence.termDays", 3650), "record.licence.termDays"),
        ["record.licence.exclusive"] = new("settled", (r, _) => Set(r, "record.licence.exclusive", true), "record.licence.exclusive"),
        ["record.licence.onwardTransferAllowed"] = new("settled", (r, _) => Set(r, "record.licence.onwardTransferAllowed", true), "record.licence.onwardTransferAllowed"),
        ["record.licence.territory"] = new("settled", (r, _) => Set(r, "record.licence.territory", "TERRITORY_GLOBAL"), "record.licence.territory"),
        ["record.amount.amountMinor"] = new("settled", (r, _) => Set(r, "record.amount.amountMinor", "19900"), "record.amount.amountMinor"),
        ["record.amount.currencyCode"] = new("settled", (r, _) => Set(r, "record.amount.currencyCode", "HKD"), "record.amount.currencyCode"),
        ["record.settledAmount.amountMinor"] = new("settled", (r, _) => Set(r, "record.settledAmount.amountMinor", "19999"), "record.settledAmount.amountMinor"),
        ["record.settledAmount dropped"] = new("settled", (r, _) => Remove(r, "record.settledAmount"), "record.settledAmount"),
        ["record.contractDate"] = new("settled", (r, _) => Set(r, "record.contractDate", "2020-01-01"), "record.contractDate"),
        ["record.state"] = new("settled", (r, _) => Set(r, "record.state", "TRADE_STATE_RECEIVED"), "record.state"),
        ["record.state of a cancelled trade"] = new("cancelled", (r, _) => Set(r, "record.state", "TRADE_STATE_CONTRACTED"), "record.state"),
        ["record.state of a refused attempt"] = new("refused", (r, _) => Set(r, "record.state", "TRADE_STATE_CONTRACTED"), "record.state"),
        ["record.origin"] = new("filed", (r, _) => Set(r, "record.origin", "TRADE_ORIGIN_EXECUTED"), "record.origin"),
        ["record.externalReference"] = new("filed", (r, _) => Set(r, "record.externalReference", "OTC-2022-8"), "record.externalReference"),
        ["record.externalReference added"] = new("settled", (r, _) => Set(r, "record.externalReference", "PO-1"), "record.externalReference"),
        ["record.compliance.ruleSetVersion"] = new("settled", (r, _) => Set(r, "record.compliance.ruleSetVersion", "CN-1999.01"), "record.compliance.ruleSetVersion"),
        ["record.compliance.mechanism"] = new("crossBorder", (r, _) => Set(r, "record.compliance.mechanism", "EXPORT_MECHANISM_SECURITY_ASSESSMENT"), "record.compliance.mechanism"),
        ["record.compliance.approval"] = new("crossBorder", (r, _) => Set(r, "record.compliance.approval", Get(r, "record.vendor") + "/exportApprovals/" + Guid.NewGuid()), "record.compliance.approval"),
        ["record.compliance.approval added"] = new("settled", (r, _) => Set(r, "record.compliance.approval", Get(r, "record.vendor") + "/exportApprovals/" + Guid.NewGuid()), "record.compliance.approval"),
        ["record.compliance.accepted"] = new("crossBorder", (r, _) => Set(r, "record.compliance.accepted", false), "record.compliance.accepted"),
        ["record.compliance.crossBorder"] = new("crossBorder", (r, _) => Set(r, "record.compliance.crossBorder", false), "record.compliance.crossBorder"),
        ["record.compliance.cumulativeIndividuals"] = new("crossBorder", (r, _) => Set(r, "record.compliance.cumulativeIndividuals", "1"), "record.compliance.cumulativeIndividuals"),
        ["record.compliance.evaluations"] = new("settled", (r, _) => Set(r, "record.compliance.evaluations[0].outcome", "REFUSED"), "record.compliance.evaluations"),
        ["record.version"] = new("settled", (r, _) => Set(r, "record.version", "4"), "record.version"),
        ["record.createTime"] = new("settled", (r, _) => Set(r, "record.createTime", "2001-01-01T00:00:00Z"), "record.createTime"),
        ["record.updateTime"] = new("settled", (r, _) => Set(r, "record.updateTime", ShiftTime(Get(r, "record.updateTime"))), "record.updateTime"),
        ["record unknown member"] = new("settled", (r, _) => Set(r, "record.note", "paid in full"), "record.note"),

        // Payloads and leaves.
        ["payload byte"] = new("settled", (r, _) => SetBytes(r, "leaves[1].entry.payload", Flip(Bytes(r, "leaves[1].entry.payload"), 10)), "leaves[1].entry.payload"),
        ["payload altered and re-digested"] = new("settled", (r, _) => EditPayload(r, 0, p => p["Amount"]!["AmountMinor"] = 1, redigest: true), "leaves[0].entry.payloadDigest"),
        ["payload and leaf altered together"] = new("settled", (r, _) => EditPayload(r, 0, p => p["Amount"]!["AmountMinor"] = 1, redigest: true, releaf: true), "leaves[0].inclusionProof"),
        ["payload swapped with another trade's"] = new("settled", (r, w) => Set(r, "leaves[0].entry.payload", Get(Receipt(w, "cancelled"), "leaves[0].entry.payload")), "leaves[0].entry.payload"),
        ["last leaf dropped (the cancellation)"] = new("cancelled", (r, _) =>
        {
            Leaves(r).RemoveAt(1);
            Set(r, "record.state", "TRADE_STATE_CONTRACTED");
            Set(r, "record.version", "1");
            Set(r, "record.updateTime", Get(r, "record.createTime"));
        }, "leaves"),
        ["middle leaf dropped"] = new("settled", (r, _) => Leaves(r).RemoveAt(2), "leaves[2].entry.streamVersion"),
        ["gap in versions"] = new("settled", (r, _) => EditLeaf(r, 2, leaf => leaf["stream_version"] = 4), "leaves[2].entry.streamVersion"),
        ["trade relabelled to another trade"] = new("settled", (r, w) =>
        {
            Set(r, "trade", Other(w, "cancelled"));
            Set(r, "record.trade", Other(w, "cancelled"));
        }, "trade"),
        ["inclusion proof hash"] = new("settled", (r, _) => Set(r, "leaves[1].inclusionProof[0]", Flip64(Get(r, "leaves[1].inclusionProof[0]"))), "leaves[1].inclusionProof"),
        ["leaf bytes not canonical"] = new("settled", (r, _) => SetBytes(r, "leaves[0].entry.leaf", [.. Bytes(r, "leaves[0].entry.leaf"), (byte)' ']), "leaves[0].entry.leaf"),
        ["leaf stream id relabelled"] = new("settled", (r, w) =>
        {
            var other = Other(w, "cancelled")["trades/".Length..];
            EditLeaf(r, 1, leaf => leaf["stream_id"] = other);
        }, "leaves[1].entry"),

        // The leaf's decoded fields must be what the leaf bytes say.
        ["decoded leafIndex"] = new("settled", (r, _) => Set(r, "leaves[1].entry.leafIndex", (long.Parse(Get(r, "leaves[1].entry.leafIndex")) + 1).ToString()), "leaves[1].entry.leafIndex"),
        ["decoded streamId"] = new("settled", (r, w) => Set(r, "leaves[1].entry.streamId", Other(w, "cancelled")["trades/".Length..]), "leaves[1].entry.streamId"),
        ["decoded streamVersion"] = new("settled", (r, _) => Set(r, "leaves[1].entry.streamVersion", "3"), "leaves[1].entry.streamVersion"),
        ["decoded eventId"] = new("settled", (r, _) => Set(r, "leaves[1].entry.eventId", Guid.NewGuid().ToString()), "leaves[1].entry.eventId"),
        ["decoded eventType"] = new("settled", (r, _) => Set(r, "leaves[1].entry.eventType", "trade_cancelled"), "leaves[1].entry.eventType"),
        ["decoded recordTime"] = new("settled", (r, _) => Set(r, "leaves[1].entry.recordTime", ShiftTime(Get(r, "leaves[1].entry.recordTime"))), "leaves[1].entry.recordTime"),
        ["decoded effectiveDate"] = new("filed", (r, _) => Set(r, "leaves[0].entry.effectiveDate", "2022-03-02"), "leaves[0].entry.effectiveDate"),
        ["decoded payloadDigest"] = new("settled", (r, _) => Set(r, "leaves[1].entry.payloadDigest", "sha256:" + new string('0', 64)), "leaves[1].entry.payloadDigest"),
        ["decoded leafDecodeError"] = new("settled", (r, _) => Set(r, "leaves[0].entry.leafDecodeError", "Malformed ledger entry"), "leaves[0].entry.leafDecodeError"),
        ["decoded leafHash"] = new("settled", (r, _) => Set(r, "leaves[0].entry.leafHash", Flip64(Get(r, "leaves[0].entry.leafHash"))), "leaves[0].entry.leafHash"),

        // The checkpoint: the note is signed, the other members must repeat it.
        ["note root text"] = new("settled", (r, _) => EditNote(r, 2, _ => Convert.ToBase64String(new byte[32])), "checkpoint.note"),
        ["note size text"] = new("settled", (r, _) => EditNote(r, 1, size => (long.Parse(size) + 1).ToString()), "checkpoint.note"),
        ["note stream-heads line"] = new("settled", (r, _) => EditNote(r, 3, line => line.Replace("stream-heads ", "stream-heads 1", StringComparison.Ordinal)), "checkpoint.note"),
        ["signature byte"] = new("settled", (r, _) => EditSignature(r, 0, blob => Flip(blob, blob.Length - 1)), "checkpoint.note"),
        ["key id in the note's signature line"] = new("settled", (r, _) => EditSignature(r, 1, blob => Flip(blob, 0)), "checkpoint.note"),
        ["unsigned checkpoint.rootHash"] = new("settled", (r, _) => Set(r, "checkpoint.rootHash", Convert.ToBase64String(new byte[32])), "checkpoint.rootHash"),
        ["unsigned checkpoint.treeSize"] = new("settled", (r, _) => Set(r, "checkpoint.treeSize", (long.Parse(Get(r, "checkpoint.treeSize")) + 1).ToString()), "checkpoint.treeSize"),
        ["unsigned checkpoint.origin"] = new("settled", (r, _) => Set(r, "checkpoint.origin", "elsewhere.example/ledger"), "checkpoint.origin"),
        ["receipt treeSize"] = new("settled", (r, _) => Set(r, "treeSize", (long.Parse(Get(r, "treeSize")) - 1).ToString()), "treeSize"),
        ["receipt origin"] = new("settled", (r, _) => Set(r, "origin", "elsewhere.example/ledger"), "origin"),
        ["hashAlgorithm"] = new("settled", (r, _) => Set(r, "hashAlgorithm", "HASH_ALGORITHM_SM3"), "checkpoint.hashAlgorithm"),
        ["hashAlgorithm unknown"] = new("settled", (r, _) => Set(r, "hashAlgorithm", "HASH_ALGORITHM_MD5"), "hashAlgorithm"),

        // A member given twice: JSON parsers differ on which one counts, so a verifier must not pick one.
        ["record given twice, the second one false"] = new("settled", (_, _) => { }, "record",
            (json, w) => json[..^1] + ",\"record\":" + Altered(w, "settled", "record.amount.amountMinor", "1") + "}"),
        ["record given twice, the first one false"] = new("settled", (_, _) => { }, "record",
            (json, w) => "{\"record\":" + Altered(w, "settled", "record.amount.amountMinor", "1") + "," + json[1..]),
        ["format given twice"] = new("settled", (_, _) => { }, "format", (json, _) => "{\"format\":\"dataexchange.trade-receipt/0\"," + json[1..]),

        // Members the format does not define: nothing checks them, so a receipt must not carry them.
        ["unknown top-level member"] = new("settled", (r, _) => Set(r, "settledBy", "participants/" + Guid.NewGuid()), "settledBy"),
        ["unknown member in a leaf entry"] = new("settled", (r, _) => Set(r, "leaves[1].entry.note", "API key sent to ops@buyer"), "leaves[1].entry.note"),
        ["unknown member in the checkpoint"] = new("settled", (r, _) => Set(r, "checkpoint.witnessed", true), "checkpoint.witnessed"),

        // The format version.
        ["format changed"] = new("settled", (r, _) => Set(r, "format", "dataexchange.trade-receipt/2"), "format"),
        ["format missing"] = new("settled", (r, _) => Remove(r, "format"), "format"),
        ["trade not a trade name"] = new("settled", (r, _) => Set(r, "trade", Get(r, "trade").ToUpperInvariant()), "trade"),

        // The stream-heads map: the trade's entry, its position, the map's size and the proof.
        ["streamHead.entry version"] = new("cancelled", (r, _) => SetBytes(r, "streamHead.entry",
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Bytes(r, "streamHead.entry")).Replace("\"stream_version\":2", "\"stream_version\":3", StringComparison.Ordinal))), "streamHead"),
        ["streamHead.entry of another trade"] = new("settled", (r, w) => Set(r, "streamHead.entry", Get(Receipt(w, "cancelled"), "streamHead.entry")), "streamHead.entry"),
        ["streamHead.index"] = new("settled", (r, _) => Set(r, "streamHead.index", (long.Parse(Get(r, "streamHead.index") is { Length: > 0 } i ? i : "0") + 1).ToString()), "streamHead"),
        ["streamHead.mapSize"] = new("settled", (r, _) => Set(r, "streamHead.mapSize", (long.Parse(Get(r, "streamHead.mapSize")) + 1).ToString()), "streamHead.mapSize"),
        ["streamHead.proof"] = new("settled", (r, _) => Set(r, "streamHead.proof[0]", Flip64(Get(r, "streamHead.proof[0]"))), "streamHead.proof"),

        // The informational keys must be self-consistent.
        ["keys[].keyId"] = new("settled", (r, _) => Set(r, "keys[0].keyId", "00000000"), "keys[0].keyId"),
        ["keys[].keyName"] = new("settled", (r, _) => Set(r, "keys[1].keyName", "someone-else"), "keys[1]"),
        ["keys[].publicKeyPem"] = new("settled", (r, _) => Set(r, "keys[0].publicKeyPem", Get(r, "keys[1].publicKeyPem")), "keys[0]"),
        ["keys[].verifierKey"] = new("settled", (r, _) => Set(r, "keys[0].verifierKey", Get(r, "keys[1].verifierKey")), "keys[0]"),
        ["keys[].type"] = new("settled", (r, _) => Set(r, "keys[0].type", Get(r, "keys[0].type") == "SIGNING_KEY_TYPE_ED25519" ? "SIGNING_KEY_TYPE_SM2_SM3" : "SIGNING_KEY_TYPE_ED25519"), "keys[0].type"),
    };

    // ---- JSON surgery on the receipt's proto3 JSON ----

    private static JsonObject Receipt(ReceiptWorld world, string name) => JsonNode.Parse(world.Receipts[name])!.AsObject();

    private static string Other(ReceiptWorld world, string name) => Get(Receipt(world, name), "trade");

    /// <summary>The JSON of one member of a receipt after setting one value in it (the member is the path's first step).</summary>
    private static string Altered(ReceiptWorld world, string name, string path, JsonNode value)
    {
        var receipt = Receipt(world, name);
        Set(receipt, path, value);
        return receipt[path.Split('.')[0]]!.ToJsonString();
    }

    private static JsonArray Leaves(JsonObject receipt) => receipt["leaves"]!.AsArray();

    /// <summary>The node at a path such as "leaves[1].entry.payload"; members are created on the way when missing.</summary>
    private static (JsonNode Parent, string? Member, int Index) Locate(JsonObject receipt, string path)
    {
        JsonNode node = receipt;
        var steps = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            var last = i == steps.Length - 1;
            if (step.StartsWith('['))
            {
                var index = int.Parse(step[1..^1]);
                if (last)
                {
                    return (node, null, index);
                }

                node = node.AsArray()[index]!;
            }
            else
            {
                if (last)
                {
                    return (node, step, -1);
                }

                node = node.AsObject()[step] ??= new JsonObject();
            }
        }

        throw new ArgumentException(path);
    }

    private static string Get(JsonObject receipt, string path)
    {
        var (parent, member, index) = Locate(receipt, path);
        var value = member is null ? parent.AsArray()[index] : parent.AsObject()[member];
        return value?.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "";
    }

    private static void Set(JsonObject receipt, string path, JsonNode? value)
    {
        var (parent, member, index) = Locate(receipt, path);
        if (member is null)
        {
            parent.AsArray()[index] = value;
        }
        else
        {
            parent.AsObject()[member] = value;
        }
    }

    private static void Remove(JsonObject receipt, string path)
    {
        var (parent, member, _) = Locate(receipt, path);
        Assert.True(parent.AsObject().Remove(member!), $"{path} is not in the receipt");
    }

    private static byte[] Bytes(JsonObject receipt, string path) => Convert.FromBase64String(Get(receipt, path));

    private static void SetBytes(JsonObject receipt, string path, byte[] value) => Set(receipt, path, Convert.ToBase64String(value));

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }

    private static string Flip64(string base64) => Convert.ToBase64String(Flip(Convert.FromBase64String(base64), 0));

    /// <summary>One microsecond later, in the same RFC 3339 spelling the receipt uses.</summary>
    private static string ShiftTime(string time) =>
        DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture).AddTicks(10).UtcDateTime
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Changes a payload (kept canonical); optionally its digest in the decoded entry, and the leaf bytes to match.</summary>
    private static void EditPayload(JsonObject receipt, int leaf, Action<JsonNode> edit, bool redigest, bool releaf = false)
    {
        var at = $"leaves[{leaf}].entry";
        var payload = JsonNode.Parse(Bytes(receipt, at + ".payload"))!;
        edit(payload);
        var canonical = JsonCanonicalizer.Canonicalize(payload);
        SetBytes(receipt, at + ".payload", canonical);
        var digest = LedgerEntry.DigestPayload(LogHashAlgorithm.Sha256, canonical);
        if (redigest)
        {
            Set(receipt, at + ".payloadDigest", digest);
        }

        if (releaf)
        {
            EditLeaf(receipt, leaf, l => l["payload_digest"] = digest);
        }
    }

    /// <summary>Changes the leaf bytes (kept canonical) and the decoded fields with them, so only the proof can tell.</summary>
    private static void EditLeaf(JsonObject receipt, int leaf, Action<JsonObject> edit)
    {
        var at = $"leaves[{leaf}].entry";
        var bytes = JsonNode.Parse(Bytes(receipt, at + ".leaf"))!.AsObject();
        edit(bytes);
        SetBytes(receipt, at + ".leaf", JsonCanonicalizer.Canonicalize(bytes));
        Set(receipt, at + ".streamId", bytes["stream_id"]!.GetValue<string>());
        Set(receipt, at + ".streamVersion", bytes["stream_version"]!.ToJsonString());
        Set(receipt, at + ".payloadDigest", bytes["payload_digest"]!.GetValue<string>());
    }

    private static void EditNote(JsonObject receipt, int line, Func<string, string> edit)
    {
        var lines = Get(receipt, "checkpoint.note").Split('\n');
        lines[line] = edit(lines[line]);
        Set(receipt, "checkpoint.note", string.Join('\n', lines));
    }

    /// <summary>Edits the key id ‖ signature blob of the n-th signature line.</summary>
    private static void EditSignature(JsonObject receipt, int n, Func<byte[], byte[]> edit)
    {
        var lines = Get(receipt, "checkpoint.note").Split('\n');
        var line = Array.FindIndex(lines, l => l.Length == 0) + 1 + n;
        var parts = lines[line].Split(' ');
        parts[2] = Convert.ToBase64String(edit(Convert.FromBase64String(parts[2])));
        lines[line] = string.Join(' ', parts);
        Set(receipt, "checkpoint.note", string.Join('\n', lines));
    }
}

/// <summary>tools/test_verify_receipt.py: the Python verifier's own checks (RFC 6962 known answers, RFC 8785 edge cases, built receipts).</summary>
public class VerifyReceiptPyUnitSpecs
{
    [Fact]
    public async Task The_python_verifier_passes_its_unit_checks()
    {
        var run = await ReceiptTools.RunAsync("python3", ["-m", "unittest", "discover", "-s", "tools", "-p", "test_verify_receipt.py"]);
        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("OK", run.Stderr, StringComparison.Ordinal);
    }
}
