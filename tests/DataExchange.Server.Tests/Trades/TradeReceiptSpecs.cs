using System.Diagnostics;
using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using Google.Protobuf;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Trades;

/// <summary>The trade certificate (交易凭证): fetched by filing number, verified offline with dx and with OpenSSL.</summary>
public class TradeReceiptSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_buyer_waits_for_its_receipt_verifies_it_offline_and_tampering_is_caught()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Receipted feed", individuals: 0));
        var request = TradeWorld.Buy(listing);
        request.WaitForReceipt = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(request);
        Assert.True(trade.ReceiptCheckpointSize > 0, "the receipt should be covered within the wait");

        var receipt = await world.DomesticBuyer.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { FilingNumber = trade.FilingNumber });
        Assert.Equal(trade.Name, receipt.Trade);
        Assert.Equal("trade_contracted", Assert.Single(receipt.Leaves).Entry.EventType);
        Assert.True(receipt.TreeSize >= trade.ReceiptCheckpointSize);

        // Offline, with the public keys the auditor downloaded.
        var dir = Directory.CreateTempSubdirectory("dx-trade-receipt-").FullName;
        foreach (var key in (await world.DomesticBuyer.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest())).Keys)
        {
            await File.WriteAllTextAsync(Path.Combine(dir, key.KeyName + ".pem"), key.PublicKeyPem);
        }

        var receiptFile = Path.Combine(dir, "receipt.json");
        await File.WriteAllTextAsync(receiptFile, JsonFormatter.Default.Format(receipt));
        var exit = await DataExchange.Cli.Program.BuildRootCommand().Parse(["receipt", "verify", receiptFile, "--keys", dir]).InvokeAsync();
        Assert.Equal(0, exit);

        // With stock OpenSSL: both signatures on the receipt's checkpoint.
        await File.WriteAllTextAsync(Path.Combine(dir, "checkpoint.note"), receipt.Checkpoint.Note);
        var (opensslExit, output) = await ShellAsync(dir, """
            set -e
            sed '/^$/,$d' checkpoint.note > note.txt
            grep '^— dataexchange-sm2 '     checkpoint.note | cut -d' ' -f3 | base64 -d | tail -c +5 > sig.der
            grep '^— dataexchange-ed25519 ' checkpoint.note | cut -d' ' -f3 | base64 -d | tail -c +5 > sig.bin
            /usr/bin/openssl dgst -sm3 -verify dataexchange-sm2.pem -sigopt distid:1234567812345678 -signature sig.der note.txt
            /usr/bin/openssl pkeyutl -verify -pubin -inkey dataexchange-ed25519.pem -rawin -in note.txt -sigfile sig.bin
            """);
        Assert.True(opensslExit == 0, output);

        // A receipt whose leaf was altered (here: a different amount claimed) fails verification.
        var forged = receipt.Clone();
        var leafText = forged.Leaves[0].Entry.Leaf.ToStringUtf8();
        forged.Leaves[0].Entry.Leaf = ByteString.CopyFromUtf8(leafText.Replace("\"stream_version\":1", "\"stream_version\":2", StringComparison.Ordinal));
        await File.WriteAllTextAsync(receiptFile, JsonFormatter.Default.Format(forged));
        Assert.NotEqual(0, await DataExchange.Cli.Program.BuildRootCommand().Parse(["receipt", "verify", receiptFile, "--keys", dir]).InvokeAsync());

        // Changing the trade in PostgreSQL: the audit names the trade's leaf.
        await server.TamperAsync($"update {{schema}}.mt_events set data = jsonb_set(data, '{{Amount,AmountMinor}}', '1') where stream_id = '{trade.Name["trades/".Length..]}'");
        var report = await LedgerAudit.VerifyAsync(server.Operator.Ledger, () => new CallOptions(), server.Verifiers(), null, null, CancellationToken.None);
        Assert.False(report.Ok);
        Assert.Equal(receipt.Leaves[0].Entry.LeafIndex, report.FailingLeafIndex);
    }

    [Fact]
    public async Task A_receipt_as_dx_and_the_rest_api_write_it_with_every_default_shown_verifies_and_an_unknown_value_does_not()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Receipt with defaults", individuals: 0));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        await server.CaughtUpCheckpointAsync();
        var dir = Directory.CreateTempSubdirectory("dx-receipt-defaults-").FullName;
        var keys = await ReceiptTools.WriteKeysAsync(server.Operator.Ledger, Path.Combine(dir, "keys"));
        var file = Path.Combine(dir, "receipt.json");

        // What `dx receipt get --out` writes: every field, empty ones included (the checkpoint's cosignatures, witness
        // quorum and its state among them, which format 1 does not define and leaves empty).
        var got = await ReceiptTools.DxAsync("receipt", "get", trade.FilingNumber, "--out", file, "--address", server.Address.ToString(), "--token", ServerFixture.OperatorToken);
        Assert.True(got.Exit == 0, got.ToString());
        var text = await File.ReadAllTextAsync(file);
        Assert.Contains("\"witnessQuorumState\": \"WITNESS_QUORUM_STATE_UNSPECIFIED\"", text, StringComparison.Ordinal);
        var dx = await ReceiptTools.DxAsync("receipt", "verify", file, "--keys", keys);
        Assert.True(dx.Exit == 0, dx.ToString());
        var python = await ReceiptTools.PythonAsync(file, "--key", keys);
        Assert.True(python.Exit == 0, python.ToString());

        // A member the format does not define, holding something: refused, by name, by both.
        await File.WriteAllTextAsync(file, text.Replace("\"witnessQuorum\": 0", "\"witnessQuorum\": 2", StringComparison.Ordinal));
        dx = await ReceiptTools.DxAsync("receipt", "verify", file, "--keys", keys);
        Assert.Equal(5, dx.Exit);
        Assert.Contains("checkpoint.witnessQuorum", dx.Stderr + dx.Stdout, StringComparison.Ordinal);
        python = await ReceiptTools.PythonAsync(file, "--key", keys);
        Assert.NotEqual(0, python.Exit);
        Assert.Contains("checkpoint.witnessQuorum", python.Stderr + python.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_settled_trades_receipt_carries_every_event_and_its_record_but_no_text_a_person_typed()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Sealed notes feed", individuals: 0));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        string Rid() => Guid.CreateVersion7().ToString();
        await world.Vendor.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, Note = "Keys sent to Li Lei, 13800138000", RequestId = Rid() });
        await world.DomesticBuyer.Trades.ConfirmDeliveryAsync(new ConfirmDeliveryRequest { Name = trade.Name, Note = "Received by Han Meimei", RequestId = Rid() });
        var settled = await server.Operator.Trades.SettleTradeAsync(new SettleTradeRequest
        {
            Name = trade.Name, Amount = trade.Amount, PaymentReference = "6222 0201 0001 2345", RequestId = Rid(),
        });
        Assert.Equal("Keys sent to Li Lei, 13800138000", settled.DeliveryNote);
        await server.CaughtUpCheckpointAsync();

        var receipt = await world.DomesticBuyer.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = trade.Name });
        Assert.Equal(["trade_contracted", "trade_delivered", "trade_receipt_acknowledged", "trade_settled"], receipt.Leaves.Select(l => l.Entry.EventType));
        Assert.Equal(TradeState.Settled, receipt.Record.State);
        Assert.Equal(trade.FilingNumber, receipt.Record.FilingNumber);
        Assert.Equal(trade.Amount, receipt.Record.SettledAmount);
        Assert.Equal(4, receipt.Record.Version);
        var file = JsonFormatter.Default.Format(receipt);
        var payloads = string.Join("\n", receipt.Leaves.Select(l => l.Entry.Payload.ToStringUtf8()));
        // Whole phrases: a fragment such as "6222" turns up in a random hex commitment about once in a hundred runs.
        foreach (var personal in new[] { "Li Lei", "13800138000", "Han Meimei", "6222 0201 0001 2345" })
        {
            Assert.DoesNotContain(personal, payloads, StringComparison.Ordinal);
            Assert.DoesNotContain(personal, file, StringComparison.Ordinal);
        }

        Assert.Contains("\"Note\":{\"Commitment\":\"sha256:", payloads, StringComparison.Ordinal);
        var keys = (await world.DomesticBuyer.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest())).Keys
            .Select(k => DataExchange.Ledger.Notes.NoteKeys.ParseVerifierKey(k.VerifierKey)).ToList();
        var verified = ReceiptCommands.Verify(file, keys, null);
        Assert.True(verified.IsValid, verified.Describe());
        Assert.Equal(4, verified.EventCount);
    }

    [Fact]
    public async Task Only_the_parties_and_the_exchange_staff_fetch_a_receipt()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Private receipt", individuals: 0));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        await LedgerTestSupport.Eventually(async () =>
        {
            try
            {
                await world.Vendor.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = trade.Name });
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return false;
            }
        }, "the trade to enter the ledger");
        await Errors.Expect(StatusCode.NotFound, "FILING_NUMBER_NOT_FOUND",
            () => world.HongKongBuyer.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { FilingNumber = trade.FilingNumber }));
        await Errors.Expect(StatusCode.PermissionDenied, "RECEIPT_PARTY_REQUIRED",
            () => world.HongKongBuyer.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = trade.Name }));
    }

    private static async Task<(int Exit, string Output)> ShellAsync(string directory, string script)
    {
        var start = new ProcessStartInfo("/bin/bash", ["-c", script])
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
