using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace DataExchange.Cli.Tests;

/// <summary>How trade refusals, decisions and enum values look to people.</summary>
public sealed class TradeOutputTests
{
    private const string AttemptName = "trades/0199b0a4-7777-7888-8999-aaaaaaaaaaaa";

    private const string Explanation =
        "Refused under CN-2024.03: 100,000 to 1,000,000 individuals requires a PI export standard contract filed with the provincial CAC " +
        "or a PI protection certification, and none covers this listing.";

    private const string DefaultRequiredMechanism = "EXPORT_MECHANISM_STANDARD_CONTRACT"; // as the server writes it: the proto's name

    /// <summary>What ExecuteTrade answers when compliance refuses: FAILED_PRECONDITION with the refusal in ErrorInfo.</summary>

    private static Google.Rpc.Status Refusal(string requiredMechanism = DefaultRequiredMechanism) => new()
    {
        Code = (int)Code.FailedPrecondition,
        Message = Explanation,
        Details =
        {
            Any.Pack(new ErrorInfo
            {
                Reason = "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
                Domain = "dataexchange",
                Metadata =
                {
                    ["trade"] = AttemptName,
                    ["rule"] = "CN-EXPORT-PI-CONTRACT-BAND",
                    ["rule_set_version"] = "CN-2024.03",
                    ["required_mechanism"] = requiredMechanism,
                    ["cumulative_individuals"] = "40000",
                    ["cumulative_sensitive_individuals"] = "0",
                    ["individuals_with_this_trade"] = "150000",
                    ["sensitive_individuals_with_this_trade"] = "0",
                },
            }),
        },
    };

    [Fact]
    public void A_refusal_shows_the_rule_what_is_required_the_explanation_and_the_recorded_attempt()
    {
        Assert.Equal(
        [
            $"error: FAILED_PRECONDITION STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED: {Explanation}",
            "  refused by rule:  CN-EXPORT-PI-CONTRACT-BAND (rule set CN-2024.03)",
            "  required:         standard-contract: PI export standard contract filed with the provincial CAC (个人信息出境标准合同)",
            "  exporter volume:  150,000 individuals, 0 with sensitive information this year with this trade (40,000 before it)",
            $"  recorded attempt: {AttemptName} (dx trades show {AttemptName})",
            "  to proceed:       a compliance officer records the approval on the vendor: dx approvals record VENDOR --kind standard-contract ...",
        ], ErrorReporter.FormatLines(Refusal()));
    }

    [Fact]
    public void A_refusal_from_an_older_server_reads_its_cumulative_volume_as_including_the_trade()
    {
        // Servers before 2026-12-03 sent only cumulative_individuals, counting this trade.
        var older = Refusal();
        var info = older.Details[0].Unpack<ErrorInfo>();
        info.Metadata.Remove("individuals_with_this_trade");
        info.Metadata.Remove("sensitive_individuals_with_this_trade");
        info.Metadata["cumulative_individuals"] = "150000";
        older.Details[0] = Any.Pack(info);

        Assert.Contains("  exporter volume:  150,000 individuals, 0 with sensitive information this year, including this trade",
            ErrorReporter.FormatLines(older));
    }

    [Fact]
    public void A_refusal_keeps_the_refused_exit_code_and_writes_nothing_to_stdout()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exitCode = ErrorReporter.Report(Refusal(), new Output(false, stdout, stderr), requestId: "buy-1");

        Assert.Equal(ExitCodes.Refused, exitCode);
        Assert.Equal("", stdout.ToString());
        Assert.Contains("refused by rule:  CN-EXPORT-PI-CONTRACT-BAND", stderr.ToString());
        Assert.DoesNotContain("--request-id", stderr.ToString());
    }

    [Fact]
    public void A_refusal_in_json_is_the_status_with_its_metadata()
    {
        var stderr = new StringWriter();

        ErrorReporter.Report(Refusal(), new Output(true, TextWriter.Null, stderr), requestId: null);

        using var document = System.Text.Json.JsonDocument.Parse(stderr.ToString());
        var metadata = document.RootElement.GetProperty("details")[0].GetProperty("metadata");
        Assert.Equal(AttemptName, metadata.GetProperty("trade").GetString());
        Assert.Equal(DefaultRequiredMechanism, metadata.GetProperty("required_mechanism").GetString());
    }

    [Theory]
    [InlineData("StandardContract", ExportMechanism.StandardContract)]
    [InlineData("GbaStandardContract", ExportMechanism.GbaStandardContract)]
    [InlineData("EXPORT_MECHANISM_SECURITY_ASSESSMENT", ExportMechanism.SecurityAssessment)]
    [InlineData("certification", ExportMechanism.Certification)]
    [InlineData("None", ExportMechanism.None)]
    public void The_required_mechanism_is_read_in_any_spelling(string text, ExportMechanism expected) =>
        Assert.Equal(expected, TradeRefusal.ParseMechanism(text));

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("Teleport")]
    public void An_unknown_mechanism_is_shown_as_sent(string text)
    {
        Assert.Null(TradeRefusal.ParseMechanism(text));
        Assert.Contains("required:         " + (text.Length == 0 ? "(not stated" : text),
            string.Join('\n', ErrorReporter.FormatLines(Refusal(text))));
    }

    [Fact]
    public void A_prohibition_says_no_mechanism_can_permit_it_and_offers_no_approval()
    {
        var lines = ErrorReporter.FormatLines(Refusal("None"));

        Assert.Contains("  required:         no export mechanism can permit this trade as declared; see the explanation above", lines);
        Assert.DoesNotContain(lines, l => l.Contains("dx approvals record", StringComparison.Ordinal));
    }

    [Fact]
    public void Other_failed_preconditions_get_no_refusal_lines()
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = "Listing is suspended; only listed products trade.",
            Details = { Any.Pack(new ErrorInfo { Reason = "LISTING_NOT_TRADABLE", Metadata = { ["current_state"] = "SUSPENDED" } }) },
        };

        Assert.Equal(["error: FAILED_PRECONDITION LISTING_NOT_TRADABLE: Listing is suspended; only listed products trade."],
            ErrorReporter.FormatLines(status));
    }

    [Fact]
    public void A_stale_price_shows_the_listings_current_price_as_money()
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = "The agreed price differs from the listing's current price; read the listing again.",
            Details =
            {
                Any.Pack(new ErrorInfo
                {
                    Reason = "PRICE_MISMATCH",
                    Metadata = { ["listing_price"] = "1234567", ["listing_currency"] = "HKD", ["listing_revision"] = "3" },
                }),
            },
        };

        Assert.Equal("  listing price now: HKD 12,345.67 (revision 3); run the command again without --price to accept it",
            ErrorReporter.FormatLines(status)[1]);
    }

    [Fact]
    public void Enum_values_use_the_names_people_type()
    {
        Assert.Equal(["contracted", "delivered", "received", "settled", "cancelled", "disputed", "refunded", "refused"],
            EnumNames.Choices<TradeState>());
        Assert.Equal(["only", "exclude"], EnumNames.Choices<CrossBorderFilter>());
        Assert.Equal(["dismissed", "upheld-refund"], EnumNames.Choices<DisputeResolution>());
        Assert.Equal(["executed", "filed"], EnumNames.Choices<TradeOrigin>());
        Assert.Equal(["none", "exempt", "security-assessment", "standard-contract", "certification", "gba-standard-contract"],
            EnumNames.Choices<ExportMechanism>());
        Assert.Equal(["security-assessment", "standard-contract", "certification", "gba-standard-contract"],
            ApprovalsCommands.Kinds.Select(EnumNames.Format));
        Assert.Equal(["hong-kong", "macao", "other"], ApprovalsCommands.Counterparts.Select(EnumNames.Format));
    }

    [Theory]
    [InlineData("2024-02-29", true)]
    [InlineData(" 2022-11-03 ", true)]
    [InlineData("2023-02-29", false)]
    [InlineData("2022-11-3", false)]
    [InlineData("2022/11/03", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Dates_are_real_yyyy_mm_dd(string? text, bool valid)
    {
        Assert.Equal(valid, Formatting.TryParseDate(text, out var date));
        if (valid)
        {
            Assert.Equal(text!.Trim(), Formatting.Date(date));
        }
    }

    private static Trade FiledTrade() => new()
    {
        Name = AttemptName,
        FilingNumber = "DX-2024-000001",
        Listing = TestSupport.ListingName,
        ListingRevision = 2,
        Vendor = TestSupport.ParticipantName,
        Buyer = "participants/0199b0a4-bbbb-7bbb-8bbb-bbbbbbbbbbbb",
        Licence = new LicenceTerms { Purpose = "Credit risk models", TermDays = 365, Territory = Territory.GreaterBayArea },
        Amount = new Money { CurrencyCode = "CNY", AmountMinor = 12_345_678 },
        State = TradeState.Contracted,
        Origin = TradeOrigin.Executed,
        TradeDate = new() { Year = 2024, Month = 5, Day = 1 },
        Compliance = new ComplianceDecision
        {
            Accepted = true,
            CrossBorder = true,
            RuleSetVersion = "CN-2024.03",
            Mechanism = ExportMechanism.GbaStandardContract,
            Approval = TestSupport.ParticipantName + "/exportApprovals/0199b0a4-5555-7666-8777-888888888888",
            ApprovalReference = "GD-GBA-2024-0001",
            Explanation = "Accepted under CN-2024.03: replaced by GBA standard contract GD-GBA-2024-0001.",
            CumulativeIndividuals = 150_000,
            Evaluations =
            {
                new RuleEvaluation { RuleId = "CN-EXPORT-CROSS-BORDER", Description = "Is it an export?", Outcome = "CROSS_BORDER", Inputs = { ["importerRegion"] = "HongKong" } },
                new RuleEvaluation { RuleId = "CN-EXPORT-GBA", Description = "GBA standard contract", Outcome = "SATISFIED_BY:GD-GBA-2024-0001" },
            },
        },
    };

    private static string RenderForPeople(Trade trade, bool evaluations, int width = 200)
    {
        var stdout = new StringWriter();
        var output = new Output(false, stdout, TextWriter.Null, width);
        output.Show(trade, console => TradesCommands.Render(console, trade, evaluations));
        return stdout.ToString();
    }

    [Fact]
    public void A_filed_trade_shows_filing_number_money_and_the_decision()
    {
        var text = RenderForPeople(FiledTrade(), evaluations: false);

        Assert.Contains("DX-2024-000001", text);
        Assert.Contains("CNY 123,456.78", text);
        Assert.Contains("contracted", text);
        Assert.Contains("Cross-border", text);
        Assert.Contains("CN-2024.03", text);
        Assert.Contains("gba-standard-contract", text);
        Assert.Contains("GD-GBA-2024-0001", text);
        Assert.Contains("150,000 individuals", text);
        Assert.Contains("2 rules evaluated; each is shown by: dx trades show DX-2024-000001", text);
        Assert.DoesNotContain("CN-EXPORT-GBA", text);
    }

    [Fact]
    public void Show_lists_every_rule_evaluation()
    {
        var text = RenderForPeople(FiledTrade(), evaluations: true);

        Assert.Contains("CN-EXPORT-CROSS-BORDER", text);
        Assert.Contains("importerRegion=HongKong", text);
        Assert.Contains("satisfied by GD-GBA-2024-0001", text);
        Assert.DoesNotContain("SATISFIED_BY", text);
    }

    [Fact]
    public void An_accepted_decision_never_reads_refused()
    {
        // The engine records the standard-contract approval it did not find as REFUSED before the GBA contract lets the
        // trade pass: that row must read as not met, not as a refusal.
        var trade = FiledTrade();
        trade.Compliance.Outcome = DecisionOutcome.Accepted;
        trade.Compliance.Evaluations.Insert(1, new RuleEvaluation
        {
            RuleId = "XB-5-APPROVAL", Description = "A valid standard contract, certification or security assessment covers the trade", Outcome = "REFUSED",
        });

        var text = RenderForPeople(trade, evaluations: true);

        Assert.Contains("not met (passed by another rule)", text);
        Assert.DoesNotContain("REFUSED", text);
        Assert.DoesNotContain("refused", text);
    }

    [Theory]
    [InlineData("PASSED", "passed")]
    [InlineData("NOT_APPLICABLE", "does not apply")]
    [InlineData("NOT_TRIGGERED", "not triggered")]
    [InlineData("TRIGGERED", "triggered")]
    [InlineData("EXEMPT", "exempt")]
    [InlineData("DOMESTIC", "domestic")]
    [InlineData("NOT_MAINLAND_EXPORT", "not a mainland export")]
    [InlineData("MANUAL_REVIEW", "needs manual review")]
    [InlineData("SATISFIED_BY:YUE-SC-1", "satisfied by YUE-SC-1")]
    public void Rule_outcomes_read_as_words(string outcome, string expected) =>
        Assert.Equal(expected, TradesCommands.OutcomeText(new RuleEvaluation { RuleId = "R", Outcome = outcome }, new ComplianceDecision { Accepted = true }));

    [Fact]
    public void In_a_refused_decision_the_deciding_rule_refused_and_the_others_were_not_met()
    {
        var decision = new ComplianceDecision { Outcome = DecisionOutcome.Refused, RefusedByRule = "XB-8-GBA-CONTRACT" };

        Assert.Equal("refused the trade", TradesCommands.OutcomeText(new RuleEvaluation { RuleId = "XB-8-GBA-CONTRACT", Outcome = "REFUSED" }, decision));
        Assert.Equal("not met", TradesCommands.OutcomeText(new RuleEvaluation { RuleId = "XB-5-APPROVAL", Outcome = "REFUSED" }, decision));
    }

    [Fact]
    public void A_refused_decision_names_the_required_mechanism()
    {
        var rows = TradesCommands.DecisionRows(new ComplianceDecision
        {
            CrossBorder = true,
            Mechanism = ExportMechanism.StandardContract,
            RefusalReason = "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            RefusedByRule = "CN-EXPORT-PI-CONTRACT-BAND",
        });

        Assert.Contains(("Decision", "refused"), rows);
        Assert.Contains(rows, r => r.Label == "Required" && r.Value!.StartsWith("standard-contract: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_output_is_the_protobuf_json_of_the_trade()
    {
        var stdout = new StringWriter();
        new Output(true, stdout, TextWriter.Null).Show(FiledTrade(), _ => throw new InvalidOperationException("not for people"));

        using var document = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        Assert.Equal("DX-2024-000001", document.RootElement.GetProperty("filingNumber").GetString());
        Assert.Equal("12345678", document.RootElement.GetProperty("amount").GetProperty("amountMinor").GetString());
        Assert.Equal("EXPORT_MECHANISM_GBA_STANDARD_CONTRACT", document.RootElement.GetProperty("compliance").GetProperty("mechanism").GetString());
    }
}
