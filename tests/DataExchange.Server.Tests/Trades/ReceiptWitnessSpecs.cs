using DataExchange.Cli;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;
using DataExchange.Server.Tests.Infrastructure;
using Google.Protobuf;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>
/// dx receipt verify with a witness policy: a real receipt whose checkpoint note carries C2SP cosignature lines (as
/// the exchange serves them once witnesses cosign) verifies only when K policy witnesses cosigned it validly.
/// </summary>
public sealed class ReceiptWitnessSpecs(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private static readonly Cosigner W1 = new("witness.example.org/w1", LedgerKeys.GenerateEd25519());
    private static readonly Cosigner W2 = new("witness.example.org/w2", LedgerKeys.GenerateEd25519());
    private readonly string folder = Directory.CreateTempSubdirectory("dx-receipt-witness-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>A receipt of a real trade (a file), and the log's keys in a folder.</summary>
    private async Task<(string Receipt, string Keys)> ReceiptAsync()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Witnessed feed", individuals: 0));
        var request = TradeWorld.Buy(listing);
        request.WaitForReceipt = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(request);
        var receipt = await world.DomesticBuyer.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { FilingNumber = trade.FilingNumber });
        var file = Path.Combine(folder, $"receipt-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonFormatter.Default.Format(receipt));
        return (file, await ReceiptTools.WriteKeysAsync(world.DomesticBuyer.Ledger, Path.Combine(folder, "keys")));
    }

    private static string Body(string receiptFile) =>
        SignedNote.Parse(System.Text.Json.JsonDocument.Parse(File.ReadAllText(receiptFile)).RootElement.GetProperty("checkpoint").GetProperty("note").GetString()!).Text;

    private async Task<string> VkeyFileAsync(Cosigner witness)
    {
        var path = Path.Combine(folder, witness.Name.Replace('/', '_') + ".vkey");
        await File.WriteAllTextAsync(path, witness.Verifier.VerifierKey + "\n");
        return path;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> VerifyAsync(params string[] arguments)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await DataExchange.Cli.Program.RunAsync(["receipt", "verify", .. arguments], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task One_cosignature_of_two_required_fails_naming_the_note_and_the_count_and_two_verify_with_their_times()
    {
        var (receipt, keys) = await ReceiptAsync();
        var body = Body(receipt);
        var note = SignedNote.Parse(System.Text.Json.JsonDocument.Parse(File.ReadAllText(receipt)).RootElement.GetProperty("checkpoint").GetProperty("note").GetString()!);
        var w1 = await VkeyFileAsync(W1);
        var w2 = await VkeyFileAsync(W2);

        async Task<string> WithAsync(params NoteSignature[] cosignatures)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(receipt))!;
            json["checkpoint"]!["note"] = (note with { Signatures = [.. note.Signatures, .. cosignatures] }).Encode();
            var path = Path.Combine(folder, $"cosigned-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(path, json.ToJsonString());
            return path;
        }

        var one = await WithAsync(W1.Cosign(body, 1_767_225_600));
        var missing = await VerifyAsync(one, "--keys", keys, "--witness", w1, "--witness", w2, "--witness-quorum", "2");
        Assert.True(missing.Exit == ExitCodes.ReceiptInvalid, missing.Stderr);
        Assert.Contains("checkpoint.note: cosigned by 1 of 2 witness(es), quorum 2; no cosignature from witness.example.org/w2", missing.Stderr.ReplaceLineEndings(" "), StringComparison.Ordinal);

        var quorumOfOne = await VerifyAsync(one, "--keys", keys, "--witness", w1, "--witness", W2.Verifier.VerifierKey, "--witness-quorum", "1");
        Assert.True(quorumOfOne.Exit == ExitCodes.Success, quorumOfOne.Stderr);

        var both = await WithAsync(W1.Cosign(body, 1_767_225_600), W2.Cosign(body, 1_767_225_660));
        var verified = await VerifyAsync(both, "--keys", keys, "--witness", w1, "--witness", w2, "--width", "200");
        Assert.True(verified.Exit == ExitCodes.Success, verified.Stderr);
        Assert.Contains("Witnesses: cosigned by 2 of 2 witness(es) (quorum 2)", verified.Stdout, StringComparison.Ordinal);
        Assert.Contains("2026-01-01 00:01:00Z", verified.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{W2.Verifier.KeyId:x8}", verified.Stdout, StringComparison.Ordinal);

        // W2's cosignature bytes under W1's name and key id: a forgery, named.
        var forged = await WithAsync(new NoteSignature(W1.Name, W1.Verifier.KeyId, W2.Cosign(body, 1_767_225_660).Signature), W2.Cosign(body, 1_767_225_660));
        var refused = await VerifyAsync(forged, "--keys", keys, "--witness", w1, "--witness", w2, "--witness-quorum", "1");
        Assert.Equal(ExitCodes.ReceiptInvalid, refused.Exit);
        Assert.Contains("checkpoint.note: invalid cosignature from witness witness.example.org/w1", refused.Stderr.ReplaceLineEndings(" "), StringComparison.Ordinal);

        // A receipt that fails on its own keeps its own failure under a witness policy (the policy judges only a checkpoint that verified).
        var altered = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(both))!;
        altered["record"]!["amount"]!["amountMinor"] = "1";
        var alteredPath = Path.Combine(folder, "altered.json");
        await File.WriteAllTextAsync(alteredPath, altered.ToJsonString());
        var alteredResult = await VerifyAsync(alteredPath, "--keys", keys, "--witness", w1, "--witness", w2);
        Assert.Equal(ExitCodes.ReceiptInvalid, alteredResult.Exit);
        Assert.Contains("record.amount.amountMinor", alteredResult.Stderr, StringComparison.Ordinal);

        var policy = Path.Combine(folder, "witnesses.policy");
        await File.WriteAllTextAsync(policy, $"# both required\nwitness {W1.Verifier.VerifierKey}\nwitness {W2.Verifier.VerifierKey}\nquorum 2\n");
        Assert.Equal(ExitCodes.ReceiptInvalid, (await VerifyAsync(one, "--keys", keys, "--witness-policy", policy)).Exit);
        Assert.Equal(ExitCodes.Success, (await VerifyAsync(both, "--keys", keys, "--witness-policy", policy)).Exit);
    }

    [Fact]
    public async Task A_bad_witness_option_is_an_input_error()
    {
        var (receipt, keys) = await ReceiptAsync();

        Assert.Equal(ExitCodes.InvalidInput, (await VerifyAsync(receipt, "--keys", keys, "--witness", "no-such.vkey")).Exit);
        Assert.Equal(ExitCodes.InvalidInput, (await VerifyAsync(receipt, "--keys", keys, "--witness", W1.Verifier.VerifierKey, "--witness-quorum", "2")).Exit);
        Assert.Equal(ExitCodes.InvalidInput, (await VerifyAsync(receipt, "--keys", keys, "--witness-quorum", "1")).Exit);
    }
}
