using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using static DataExchange.Cli.Tests.TestSupport;

namespace DataExchange.Cli.Tests;

public sealed class TradesParsingTests
{
    private const string TradeId = "0199b0a4-7777-7888-8999-aaaaaaaaaaaa";
    private const string TradeName = "trades/" + TradeId;

    /// <summary>The listing as read with GetListing just before executing or filing.</summary>
    private static Listing Listed() => new()
    {
        Name = ListingName,
        Price = new Money { CurrencyCode = "HKD", AmountMinor = 150_000 },
        Licence = new LicenceTerms { Purpose = "Credit risk models", TermDays = 365, Territory = Territory.GreaterBayArea },
    };

    [Fact]
    public void Execute_accepts_the_listings_licence_and_current_price()
    {
        var (command, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {ListingId} --request-id buy-1");

        var request = command.BuildRequest(result, Listed());

        Assert.Equal(new ExecuteTradeRequest
        {
            Listing = ListingName,
            Licence = Listed().Licence,
            AgreedPrice = Listed().Price,
            RequestId = "buy-1",
        }, request);
        Assert.Null(request.WaitForReceipt);
    }

    [Theory]
    [InlineData("contract-necessity", ExportExemption.ContractNecessity)]
    [InlineData("collected-abroad", ExportExemption.CollectedAbroad)]
    [InlineData("STATUTORY_DUTY", ExportExemption.StatutoryDuty)]
    public void Execute_and_file_carry_a_claimed_exemption(string text, ExportExemption expected)
    {
        var (execute, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {ListingId} --claim-exemption {text}");
        Assert.Equal(expected, execute.BuildRequest(result, Listed()).ExemptionClaim);
        var (file, filed) = Parse<TradesCommands.FileCommand>(
            $"trades file --listing {ListingId} --buyer {ParticipantId} --amount 100 --contract-date 2025-01-02 --claim-exemption {text}");
        Assert.Equal(expected, file.BuildRequest(filed, ParticipantName, Listed()).ExemptionClaim);
    }

    [Fact]
    public void An_exemption_the_engine_derives_cannot_be_claimed()
    {
        Assert.Contains(ParseErrors($"trades execute {ListingId} --claim-exemption small-volume"), e => e.Contains("small-volume", StringComparison.Ordinal));
        var (command, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {ListingId}");
        Assert.Equal(ExportExemption.Unspecified, command.BuildRequest(result, Listed()).ExemptionClaim);
    }

    [Fact]
    public void Execute_sends_an_explicit_price_as_agreed_so_a_stale_one_is_refused_by_the_server()
    {
        var (command, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {ListingName} --price 120000 --currency cny");

        var request = command.BuildRequest(result, Listed());

        Assert.Equal(new Money { CurrencyCode = "CNY", AmountMinor = 120_000 }, request.AgreedPrice);
        Assert.Equal(Listed().Licence, request.Licence);
        AssertUuidV7(request.RequestId);
    }

    [Fact]
    public void Execute_with_price_alone_takes_the_listings_currency()
    {
        var (command, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {ListingId} --price 99");

        Assert.Equal(new Money { CurrencyCode = "HKD", AmountMinor = 99 }, command.BuildRequest(result, Listed()).AgreedPrice);
    }

    [Fact]
    public void Execute_refuses_a_currency_without_a_price()
    {
        var (command, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {ListingId} --currency HKD");

        var error = Assert.Throws<CliException>(() => command.BuildRequest(result, Listed()));
        Assert.Contains("--price", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(10)]
    public void Execute_waits_for_the_receipt_when_asked(int seconds)
    {
        var (command, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {ListingId} --wait-for-receipt {seconds}");

        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)), command.BuildRequest(result, Listed()).WaitForReceipt);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public void Execute_rejects_a_wait_outside_what_the_service_allows(int seconds)
    {
        var (command, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {ListingId} --wait-for-receipt {seconds}");

        Assert.Throws<CliException>(() => command.BuildRequest(result, Listed()));
    }

    [Fact]
    public void Execute_rejects_a_name_of_another_collection()
    {
        var (command, result) = Parse<TradesCommands.ExecuteCommand>($"trades execute {TradeName}");

        Assert.Throws<CliException>(() => command.ListingName(result));
    }

    [Fact]
    public void File_sends_the_listings_licence_amount_and_date()
    {
        var (command, result) = Parse<TradesCommands.FileCommand>(
            $"trades file --listing {ListingId} --buyer Harbour --amount 5000000 --currency hkd --contract-date 2022-11-03 " +
            "--external-reference \" OTC-2022-17 \" --request-id file-1");

        var request = command.BuildRequest(result, ParticipantName, Listed());

        Assert.Equal(new FileTradeRequest
        {
            Listing = ListingName,
            Buyer = ParticipantName,
            Licence = Listed().Licence,
            Amount = new Money { CurrencyCode = "HKD", AmountMinor = 5_000_000 },
            TradeDate = new() { Year = 2022, Month = 11, Day = 3 },
            ExternalReference = "OTC-2022-17",
            RequestId = "file-1",
        }, request);
    }

    [Fact]
    public void File_defaults_to_cny_and_no_external_reference()
    {
        var (command, result) = Parse<TradesCommands.FileCommand>(
            $"trades file --listing {ListingId} --buyer {ParticipantId} --amount 100 --contract-date 2024-02-29");

        var request = command.BuildRequest(result, ParticipantName, Listed());

        Assert.Equal("CNY", request.Amount.CurrencyCode);
        Assert.Equal(new Google.Type.Date { Year = 2024, Month = 2, Day = 29 }, request.TradeDate);
        Assert.Equal("", request.ExternalReference);
    }

    [Theory]
    [InlineData("2023-02-29")]
    [InlineData("2024-13-01")]
    [InlineData("03/11/2022")]
    [InlineData("2022-3-1")]
    [InlineData("20221103")]
    [InlineData("yesterday")]
    public void File_rejects_dates_that_are_not_real_yyyy_mm_dd(string date) =>
        Assert.Contains(ParseErrors($"trades file --listing {ListingId} --buyer B --amount 1 --contract-date {date}"),
            e => e.Contains($"'{date}' is not a valid date for --contract-date", StringComparison.Ordinal));

    [Theory]
    [InlineData("--listing")]
    [InlineData("--buyer")]
    [InlineData("--amount")]
    [InlineData("--contract-date")]
    public void File_requires_its_options(string option)
    {
        var all = new Dictionary<string, string>
        {
            ["--listing"] = ListingId, ["--buyer"] = "B", ["--amount"] = "1", ["--contract-date"] = "2022-01-01",
        };
        var commandLine = "trades file " + string.Join(' ', all.Where(o => o.Key != option).Select(o => $"{o.Key} {o.Value}"));

        Assert.Contains(ParseErrors(commandLine), e => e.Contains(option, StringComparison.Ordinal));
    }

    [Fact]
    public void Show_takes_a_bare_uuid_or_a_filing_number_but_not_both_or_neither()
    {
        var (byName, nameResult) = Parse<TradesCommands.ShowCommand>($"trades show {TradeId.ToUpperInvariant()}");
        Assert.Equal(new GetTradeRequest { Name = TradeName }, byName.BuildRequest(nameResult));

        var (byFiling, filingResult) = Parse<TradesCommands.ShowCommand>("trades show --filing-number dx-2022-000001");
        Assert.Equal(new GetTradeRequest { FilingNumber = "DX-2022-000001" }, byFiling.BuildRequest(filingResult));

        var (both, bothResult) = Parse<TradesCommands.ShowCommand>($"trades show {TradeName} --filing-number DX-2022-000001");
        Assert.Throws<CliException>(() => both.BuildRequest(bothResult));

        var (neither, neitherResult) = Parse<TradesCommands.ShowCommand>("trades show");
        Assert.Throws<CliException>(() => neither.BuildRequest(neitherResult));
    }

    [Fact]
    public void List_maps_every_filter_and_paging()
    {
        var (command, result) = Parse<TradesCommands.ListCommand>(
            $"trades list --buyer Harbour --vendor Acme --listing {ListingId} --state refused --cross-border only --year 2022 " +
            "--page-size 20 --page-token next");

        var request = command.BuildRequest(result, ParticipantName, "participants/0199b0a4-bbbb-7bbb-8bbb-bbbbbbbbbbbb");

        Assert.Equal(new ListTradesRequest
        {
            Buyer = ParticipantName,
            Vendor = "participants/0199b0a4-bbbb-7bbb-8bbb-bbbbbbbbbbbb",
            Listing = ListingName,
            State = TradeState.Refused,
            CrossBorder = CrossBorderFilter.Only,
            FilingYear = 2022,
            PageSize = 20,
            PageToken = "next",
        }, request);
    }

    [Fact]
    public void List_without_filters_sends_unspecified()
    {
        var (command, result) = Parse<TradesCommands.ListCommand>("trades list --all");

        Assert.Equal(new ListTradesRequest(), command.BuildRequest(result, "", ""));
    }

    [Theory]
    [InlineData("--state", "pending")]
    [InlineData("--cross-border", "yes")]
    public void List_rejects_unknown_filter_values(string option, string value) =>
        Assert.Contains(ParseErrors($"trades list {option} {value}"), e => e.Contains($"'{value}' is not a valid value", StringComparison.Ordinal));

    [Fact]
    public void Deliver_carries_the_note_etag_and_request_id()
    {
        var (command, result) = Parse<TradesCommands.ChangeCommand<ConfirmDeliveryRequest>>(
            $"trades deliver {TradeId} --note \"SFTP drop, checksum abc\" --etag 3 --request-id d1");

        Assert.Equal(new ConfirmDeliveryRequest { Name = TradeName, Note = "SFTP drop, checksum abc", Etag = "3", RequestId = "d1" },
            command.BuildRequest(result));
    }

    [Fact]
    public void Deliver_needs_no_note()
    {
        var (command, result) = Parse<TradesCommands.ChangeCommand<ConfirmDeliveryRequest>>($"trades deliver {TradeName}");

        var request = command.BuildRequest(result);

        Assert.Equal("", request.Note);
        AssertUuidV7(request.RequestId);
    }

    [Fact]
    public void Settle_maps_amount_currency_and_references()
    {
        var (command, result) = Parse<TradesCommands.SettleCommand>(
            $"trades settle {TradeId} --amount 149000 --currency hkd --payment-reference HSBC-42 --adjustment-reason \"Late delivery discount\"");

        var request = command.BuildRequest(result);

        Assert.Equal(TradeName, request.Name);
        Assert.Equal(new Money { CurrencyCode = "HKD", AmountMinor = 149_000 }, request.Amount);
        Assert.Equal("HSBC-42", request.PaymentReference);
        Assert.Equal("Late delivery discount", request.AdjustmentReason);
        Assert.Equal("", request.Etag);
        AssertUuidV7(request.RequestId);
    }

    [Theory]
    [InlineData("--amount")]
    [InlineData("--currency")]
    [InlineData("--payment-reference")]
    public void Settle_requires_amount_currency_and_payment_reference(string option)
    {
        var all = new Dictionary<string, string> { ["--amount"] = "1", ["--currency"] = "CNY", ["--payment-reference"] = "P" };
        var commandLine = $"trades settle {TradeId} " + string.Join(' ', all.Where(o => o.Key != option).Select(o => $"{o.Key} {o.Value}"));

        Assert.Contains(ParseErrors(commandLine), e => e.Contains(option, StringComparison.Ordinal));
    }

    [Fact]
    public void Cancel_and_dispute_carry_their_reason()
    {
        var (cancel, cancelResult) = Parse<TradesCommands.ChangeCommand<CancelTradeRequest>>(
            $"trades cancel {TradeId} --reason \"Buyer withdrew\" --request-id c1");
        Assert.Equal(new CancelTradeRequest { Name = TradeName, Reason = "Buyer withdrew", RequestId = "c1" }, cancel.BuildRequest(cancelResult));

        var (dispute, disputeResult) = Parse<TradesCommands.ChangeCommand<OpenDisputeRequest>>(
            $"trades dispute {TradeName} --reason \"Data incomplete\" --etag 4 --request-id o1");
        Assert.Equal(new OpenDisputeRequest { Name = TradeName, Reason = "Data incomplete", Etag = "4", RequestId = "o1" },
            dispute.BuildRequest(disputeResult));
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("dispute")]
    public void Cancel_and_dispute_require_a_reason(string verb) =>
        Assert.Contains(ParseErrors($"trades {verb} {TradeId}"), e => e.Contains("--reason", StringComparison.Ordinal));

    [Theory]
    [InlineData("dismissed", DisputeResolution.Dismissed)]
    [InlineData("upheld-refund", DisputeResolution.UpheldRefund)]
    [InlineData("UPHELD_REFUND", DisputeResolution.UpheldRefund)]
    public void Resolve_maps_the_resolution(string text, DisputeResolution expected)
    {
        var (command, result) = Parse<TradesCommands.ResolveCommand>($"trades resolve {TradeId} --resolution {text} --reason \"Checked the logs\"");

        var request = command.BuildRequest(result);

        Assert.Equal(expected, request.Resolution);
        Assert.Equal("Checked the logs", request.Reason);
        Assert.Equal(TradeName, request.Name);
    }

    [Fact]
    public void Resolve_requires_a_known_resolution_and_a_reason()
    {
        Assert.Contains(ParseErrors($"trades resolve {TradeId} --resolution refund --reason r"),
            e => e.Contains("expected one of: dismissed, upheld-refund", StringComparison.Ordinal));
        Assert.Contains(ParseErrors($"trades resolve {TradeId} --resolution dismissed"), e => e.Contains("--reason", StringComparison.Ordinal));
    }

    [Fact]
    public void Changes_reject_a_listing_name()
    {
        var (deliver, deliverResult) = Parse<TradesCommands.ChangeCommand<ConfirmDeliveryRequest>>($"trades deliver {ListingName}");
        Assert.Throws<CliException>(() => deliver.BuildRequest(deliverResult));

        var (settle, settleResult) = Parse<TradesCommands.SettleCommand>(
            $"trades settle {ListingName} --amount 1 --currency CNY --payment-reference P");
        Assert.Throws<CliException>(() => settle.BuildRequest(settleResult));

        var (resolve, resolveResult) = Parse<TradesCommands.ResolveCommand>($"trades resolve {ListingName} --resolution dismissed --reason r");
        Assert.Throws<CliException>(() => resolve.BuildRequest(resolveResult));
    }
}
