using System.CommandLine;
using System.Globalization;
using DataExchange.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>
/// dx trades: execution with the synchronous compliance decision, filing of trades concluded elsewhere (场外交易登记),
/// delivery (交付), settlement (清结算), cancellation and disputes (纠纷).
/// </summary>
internal static class TradesCommands
{
    /// <summary>The longest wait for a receipt the service accepts.</summary>
    public const int MaxWaitForReceiptSeconds = 10;

    public static Command Build(GlobalOptions global) => new("trades", "Trades: execution with a compliance decision, filing, delivery, settlement, disputes")
    {
        new ExecuteCommand(global),
        new FileCommand(global),
        new ShowCommand(global),
        new ListCommand(global),
        new HistoryCommand(global),
        new ChangeCommand<ConfirmDeliveryRequest>(global, "deliver",
            "Confirm delivery: the vendor records delivery, then the buyer acknowledges receipt (same command)",
            new Option<string>("--note") { Description = "Delivery note, for example how and where the data was handed over" },
            c => new ConfirmDeliveryRequest { Name = c.Name, Note = c.Text, Etag = c.Etag, RequestId = c.RequestId },
            (client, request, options) => client.ConfirmDeliveryAsync(request, options)),
        new SettleCommand(global),
        new ChangeCommand<CancelTradeRequest>(global, "cancel",
            "Cancel before delivery (either party); the filing is withdrawn from the statistics",
            CliOptions.Reason("Why the trade is cancelled (recorded)", required: true),
            c => new CancelTradeRequest { Name = c.Name, Reason = c.Text, Etag = c.Etag, RequestId = c.RequestId },
            (client, request, options) => client.CancelTradeAsync(request, options)),
        new ChangeCommand<OpenDisputeRequest>(global, "dispute",
            "Open a dispute on a delivered or settled trade (compliance)",
            CliOptions.Reason("The complaint (recorded)", required: true),
            c => new OpenDisputeRequest { Name = c.Name, Reason = c.Text, Etag = c.Etag, RequestId = c.RequestId },
            (client, request, options) => client.OpenDisputeAsync(request, options)),
        new ResolveCommand(global),
    };

    public static Argument<string> NameArgument() => new("TRADE") { Description = "trades/{uuid}, a bare UUID, or its filing number" };

    /// <summary>Shows the trade: as JSON, or with its parties' display names and its listing's title read first.</summary>
    public static async Task ShowAsync(CliContext context, Trade trade, bool evaluations)
    {
        if (!context.Output.Json)
        {
            await context.Names.LoadParticipantsAsync([trade.Vendor, trade.Buyer]);
            await context.Names.LoadListingsAsync([trade.Listing]);
        }

        context.Output.Show(trade, console => Render(console, trade, evaluations, context.Names));
    }

    /// <summary>"Hetao Mobility Data (participants/0199…)": the display name beside the name, or the name alone.</summary>
    public static string Labelled(string display, string name) =>
        name.Length == 0 ? "" : display.Length == 0 || display == Names.BareId(name) ? name : $"{display} ({name})";

    /// <summary>The trade and its compliance decision; with <paramref name="evaluations"/> also every rule evaluated.</summary>
    public static void Render(IAnsiConsole console, Trade trade, bool evaluations, IDisplayNames? names = null)
    {
        names ??= NoDisplayNames.Instance;
        var licence = trade.Licence ?? new LicenceTerms();
        var header = trade.FilingNumber.Length > 0 ? $"Trade {trade.FilingNumber}" : $"Trade attempt ({EnumNames.Format(trade.State)})";
        console.Write(Output.Details(header,
        [
            ("Name", trade.Name),
            ("Filing no.", trade.FilingNumber),
            ("State", EnumNames.Format(trade.State)),
            ("Origin", EnumNames.Format(trade.Origin)),
            ("Listing", Labelled(names.Listing(trade.Listing), trade.Listing)
                + (trade.ListingRevision > 0 ? $", revision {trade.ListingRevision.ToString(CultureInfo.InvariantCulture)}" : "")),
            ("Vendor", Labelled(names.Participant(trade.Vendor), trade.Vendor)),
            ("Buyer", Labelled(names.Participant(trade.Buyer), trade.Buyer)),
            ("Amount", Formatting.Money(trade.Amount)),
            ("Contract date", Formatting.Date(trade.TradeDate)),
            ("Purpose", licence.Purpose),
            ("Term", licence.TermDays > 0 ? $"{licence.TermDays.ToString(CultureInfo.InvariantCulture)} days" : ""),
            ("Exclusive", Formatting.YesNo(licence.Exclusive)),
            ("Onward transfer", Formatting.YesNo(licence.OnwardTransferAllowed)),
            ("Territory", EnumNames.Format(licence.Territory)),
            ("External ref.", trade.ExternalReference),
            ("Delivery note", trade.DeliveryNote),
            ("Payment ref.", trade.PaymentReference),
            ("Settled amount", Formatting.Money(trade.SettledAmount)),
            ("Cancelled because", trade.CancellationReason),
            ("Dispute", trade.DisputeReason),
            ("Dispute outcome", trade.DisputeResolution),
            ("Created", Formatting.Time(trade.CreateTime)),
            ("Updated", Formatting.Time(trade.UpdateTime)),
            ("Etag", trade.Etag),
        ]));

        if (trade.Compliance is not { } decision)
        {
            return;
        }

        console.Write(Output.Details("Compliance decision", DecisionRows(decision)));
        if (evaluations)
        {
            console.Write(EvaluationsTable(decision));
        }
        else if (decision.Evaluations.Count > 0)
        {
            var shownBy = trade.FilingNumber.Length > 0 ? trade.FilingNumber : trade.Name;
            console.Write(new Text(
                $"{decision.Evaluations.Count.ToString(CultureInfo.InvariantCulture)} rules evaluated; each is shown by: dx trades show {shownBy}",
                new Style(Color.Grey)));
            console.WriteLine();
        }
    }

    /// <summary>The labelled rows of a decision: outcome, cross-border, rule set, mechanism, approval, explanation.</summary>
    public static IReadOnlyList<(string Label, string? Value)> DecisionRows(ComplianceDecision decision) =>
    [
        ("Decision", decision.Outcome switch
        {
            DecisionOutcome.Unspecified => decision.Accepted ? "accepted" : "refused",
            var outcome => EnumNames.Format(outcome).Replace('-', ' '),
        }),
        ("Cross-border", Formatting.YesNo(decision.CrossBorder)),
        ("Crossing", decision.Crossing == BorderCrossing.Unspecified ? "" : EnumNames.Format(decision.Crossing).Replace('-', ' ')),
        ("Rule set", decision.RuleSetVersion),
        ("Exemption", decision.Exemption == ExportExemption.Unspecified ? "" : EnumNames.Format(decision.Exemption)),
        (decision.Accepted ? "Mechanism" : "Required", decision.Mechanism == ExportMechanism.Unspecified
            ? ""
            : $"{EnumNames.Format(decision.Mechanism)}: {Formatting.Mechanism(decision.Mechanism)}"),
        // The approval's full name (participants/…/exportApprovals/…) is longer than a terminal line; its reference and
        // UUID identify it, and 'dx approvals revoke/extend' accept either.
        ("Approval", decision.Approval.Length == 0 ? decision.ApprovalReference
            : decision.ApprovalReference.Length == 0 ? Names.BareId(decision.Approval)
            : $"{decision.ApprovalReference} (approval {Names.BareId(decision.Approval)})"),
        ("Refusal reason", decision.RefusalReason),
        ("Refused by rule", decision.RefusedByRule),
        ("Exporter volume", decision.CrossBorder
            ? $"{Formatting.Count(decision.CumulativeIndividuals)} individuals, {Formatting.Count(decision.CumulativeSensitiveIndividuals)} with sensitive information (cumulative, this trade included)"
            : ""),
        ("Explanation", decision.Explanation),
        ("Law applied", string.Join("; ", decision.Citations)),
        ("Open question", decision.OpenQuestion),
    ];

    public static TextTable EvaluationsTable(ComplianceDecision decision) => Output.Table(
        [new("Rule", CellKind.Id), new("Outcome", CellKind.Fixed), new("Description", MinWidth: 40), new("Inputs", Drop: 1)],
        decision.Evaluations.Select(e => (IReadOnlyList<string>)
        [
            e.RuleId, OutcomeText(e, decision), e.Description, string.Join("; ", e.Inputs.Select(i => $"{i.Key}={i.Value}")),
        ]));

    /// <summary>
    /// What a rule's evaluation came to, in words (the engine's RuleEvaluation.outcome values). A rule that was not met
    /// in an accepted decision did not decide it: another rule let the trade pass (a GBA contract instead of a standard
    /// contract), so it reads "not met", never "refused".
    /// </summary>
    public static string OutcomeText(RuleEvaluation evaluation, ComplianceDecision decision)
    {
        const string SatisfiedBy = "SATISFIED_BY:";
        var outcome = evaluation.Outcome.Trim();
        if (outcome.StartsWith(SatisfiedBy, StringComparison.Ordinal))
        {
            return $"satisfied by {outcome[SatisfiedBy.Length..]}";
        }

        var accepted = decision.Outcome == DecisionOutcome.Accepted || (decision.Outcome == DecisionOutcome.Unspecified && decision.Accepted);
        return outcome switch
        {
            "PASSED" => "passed",
            "NOT_APPLICABLE" => "does not apply",
            "NOT_TRIGGERED" => "not triggered",
            "TRIGGERED" => "triggered",
            "EXEMPT" => "exempt",
            "CROSS_BORDER" => "cross-border",
            "DOMESTIC" => "domestic",
            "NOT_MAINLAND_EXPORT" => "not a mainland export",
            "MANUAL_REVIEW" => "needs manual review",
            "REFUSED" when accepted => "not met (passed by another rule)",
            "REFUSED" when evaluation.RuleId == decision.RefusedByRule => "refused the trade",
            "REFUSED" => "not met",
            "" => "",
            _ => outcome.ToLowerInvariant().Replace('_', ' '),
        };
    }

    /// <summary>"CNY" from " cny ".</summary>
    private static string Currency(string? code) => code?.Trim().ToUpperInvariant() ?? "";

    private static string Text(ParseResult result, Option<string> option) => result.GetValue(option)?.Trim() ?? "";

    /// <summary>The exemptions a party may claim (the small-volume one is derived by the engine, never claimed).</summary>
    public static readonly IReadOnlyList<ExportExemption> ClaimableExemptions =
    [
        ExportExemption.ContractNecessity, ExportExemption.HumanResourcesManagement, ExportExemption.Emergency,
        ExportExemption.StatutoryDuty, ExportExemption.CollectedAbroad,
    ];

    private static Option<ExportExemption> ExemptionClaim() => CliOptions.Enum("--claim-exemption",
        "Claim an exemption from the export procedures (Provisions 2024 arts. 4-5, NDSM Regulations art. 35); recorded with the decision, for personal information only",
        required: false, allowed: ClaimableExemptions);

    internal sealed class ExecuteCommand : Command
    {
        private readonly Argument<string> listing = new("LISTING") { Description = "The listed product: listings/{uuid}, a bare UUID, or its title" };
        private readonly Option<long> price = new("--price")
        {
            Description = "The price you agreed to, in minor units; refused if the listing's price has changed since [default: the listing's current price]",
            HelpName = "minor-units",
        };

        private readonly Option<string> currency = new("--currency")
        {
            Description = "Currency of --price, ISO 4217 [default: the listing's]",
            HelpName = "code",
        };

        private readonly Option<int> waitForReceipt = new("--wait-for-receipt")
        {
            Description = $"Wait up to this many seconds (0..{MaxWaitForReceiptSeconds}) for the trade's receipt to be covered by a signed checkpoint",
            HelpName = "seconds",
        };

        private readonly Option<ExportExemption> claim = ExemptionClaim();
        private readonly Option<string> requestId = CliOptions.RequestId();

        public ExecuteCommand(GlobalOptions global)
            : base("execute", "Buy a listed product: accepts the listing's licence and price; compliance decides at once (buyers)")
        {
            Add(listing);
            Add(price);
            Add(currency);
            Add(waitForReceipt);
            Add(claim);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                // The accepted terms are the listing's as they stand now; the server refuses them if they changed since.
                var listingName = await context.Names.ResolveListingAsync(result.GetRequiredValue(listing));
                var current = await context.Listings.GetListingAsync(new GetListingRequest { Name = listingName },
                    context.Call(cancellationToken));
                var request = BuildRequest(result, current);
                context.RequestId = request.RequestId;
                var trade = await context.Trades.ExecuteTradeAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, trade, evaluations: false);
                return ExitCodes.Success;
            }));
        }

        public string ListingName(ParseResult result) => ResourceNames.Normalize(result.GetRequiredValue(listing), ResourceNames.Listings);

        // The listing as read (its title may have been typed), else as typed.
        private string ListingName(ParseResult result, Listing current) =>
            ResourceNames.TryNormalize(result.GetRequiredValue(listing), ResourceNames.Listings) ?? current.Name;

        /// <summary>The request from the options and the listing as read just before.</summary>
        public ExecuteTradeRequest BuildRequest(ParseResult result, Listing current)
        {
            var request = new ExecuteTradeRequest
            {
                Listing = ListingName(result, current),
                Licence = current.Licence?.Clone() ?? new LicenceTerms(),
                AgreedPrice = AgreedPrice(result, current),
                ExemptionClaim = result.GetValue(claim),
                RequestId = CliOptions.RequestIdOrNew(result, requestId),
            };
            if (CliOptions.IsGiven(result, waitForReceipt))
            {
                var seconds = result.GetValue(waitForReceipt);
                if (seconds is < 0 or > MaxWaitForReceiptSeconds)
                {
                    throw new CliException(string.Create(CultureInfo.InvariantCulture,
                        $"--wait-for-receipt must be between 0 and {MaxWaitForReceiptSeconds} seconds, not {seconds}."));
                }

                request.WaitForReceipt = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds));
            }

            return request;
        }

        // An explicit --price is what the buyer agreed to; it is sent as is, so a changed listing price is refused.
        private Money AgreedPrice(ParseResult result, Listing current)
        {
            var listed = current.Price ?? new Money();
            if (CliOptions.IsGiven(result, price))
            {
                return new Money
                {
                    AmountMinor = result.GetValue(price),
                    CurrencyCode = CliOptions.IsGiven(result, currency) ? Currency(result.GetValue(currency)) : listed.CurrencyCode,
                };
            }

            if (CliOptions.IsGiven(result, currency))
            {
                throw new CliException("--currency is the currency of --price; give --price too, or neither to accept the listing's price.");
            }

            return listed.Clone();
        }
    }

    internal sealed class FileCommand : Command
    {
        private readonly Option<string> listing = new("--listing") { Description = "The product traded: listings/{uuid}, a bare UUID, or its title", Required = true };
        private readonly Option<string> buyer = new("--buyer")
        {
            Description = "The buyer: participants/{uuid}, a bare UUID, or a display name",
            Required = true,
        };

        private readonly Option<long> amount = new("--amount")
        {
            Description = "Contract amount in minor units of the currency, e.g. 1999 = CNY 19.99",
            HelpName = "minor-units",
            Required = true,
        };

        private readonly Option<string> currency = new("--currency")
        {
            Description = "ISO 4217 code: CNY, HKD, MOP, USD, EUR, GBP, SGD, JPY",
            HelpName = "code",
            DefaultValueFactory = _ => "CNY",
        };

        private readonly Option<DateOnly> contractDate = CliOptions.Date("--contract-date",
            "Contract date (签约日期) in China Standard Time, not in the future; judged by the rules in force that day", required: true);

        private readonly Option<string> externalReference = new("--external-reference")
        {
            Description = "Reference of the original contract",
            HelpName = "ref",
        };

        private readonly Option<ExportExemption> claim = ExemptionClaim();
        private readonly Option<string> requestId = CliOptions.RequestId();

        public FileCommand(GlobalOptions global)
            : base("file", "File a trade concluded elsewhere (场外交易登记) on the listing's licence terms (compliance, operators)")
        {
            Add(listing);
            Add(buyer);
            Add(amount);
            Add(currency);
            Add(contractDate);
            Add(externalReference);
            Add(claim);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var buyerName = await ParticipantsCommands.ResolveAsync(context, result.GetRequiredValue(buyer), cancellationToken);
                var listingName = await context.Names.ResolveListingAsync(result.GetRequiredValue(listing));
                var current = await context.Listings.GetListingAsync(new GetListingRequest { Name = listingName },
                    context.Call(cancellationToken));
                var request = BuildRequest(result, buyerName, current);
                context.RequestId = request.RequestId;
                var trade = await context.Trades.FileTradeAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, trade, evaluations: false);
                return ExitCodes.Success;
            }));
        }

        public string ListingName(ParseResult result) => ResourceNames.Normalize(result.GetRequiredValue(listing), ResourceNames.Listings);

        // The listing as read (its title may have been typed), else as typed.
        private string ListingName(ParseResult result, Listing current) =>
            ResourceNames.TryNormalize(result.GetRequiredValue(listing), ResourceNames.Listings) ?? current.Name;

        public FileTradeRequest BuildRequest(ParseResult result, string buyerName, Listing current) => new()
        {
            Listing = ListingName(result, current),
            Buyer = buyerName,
            Licence = current.Licence?.Clone() ?? new LicenceTerms(),
            Amount = new Money { AmountMinor = result.GetValue(amount), CurrencyCode = Currency(result.GetValue(currency)) },
            TradeDate = Formatting.ProtoDate(result.GetValue(contractDate)),
            ExternalReference = Text(result, externalReference),
            ExemptionClaim = result.GetValue(claim),
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    internal sealed class ShowCommand : Command
    {
        private readonly Argument<string> nameOrId = new("NAME_OR_ID")
        {
            Description = "trades/{uuid}, a bare UUID, or its filing number (or give --filing-number instead)",
            Arity = ArgumentArity.ZeroOrOne,
        };

        private readonly Option<string> filingNumber = new("--filing-number")
        {
            Description = "Find the trade by its filing number (登记备案编号), for example DX-2022-000001",
            HelpName = "number",
        };

        public ShowCommand(GlobalOptions global)
            : base("show", "Show one trade with its compliance decision and every rule evaluated")
        {
            Add(nameOrId);
            Add(filingNumber);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var trade = await context.Trades.GetTradeAsync(BuildRequest(result), context.Call(cancellationToken));
                await ShowAsync(context, trade, evaluations: true);
                return ExitCodes.Success;
            }));
        }

        public GetTradeRequest BuildRequest(ParseResult result)
        {
            var name = result.GetValue(nameOrId);
            var filing = result.GetValue(filingNumber)?.Trim();
            return (string.IsNullOrWhiteSpace(name), string.IsNullOrEmpty(filing)) switch
            {
                (false, true) when ResourceNames.TryNormalize(name, ResourceNames.Trades) is null && Names.LooksLikeFilingNumber(name!) =>
                    new GetTradeRequest { FilingNumber = name!.Trim().ToUpperInvariant() },
                (false, true) => new GetTradeRequest { Name = ResourceNames.Normalize(name, ResourceNames.Trades) },
                (true, false) => new GetTradeRequest { FilingNumber = filing!.ToUpperInvariant() },
                (false, false) => throw new CliException("Give either a trade name or --filing-number, not both."),
                (true, true) => throw new CliException("Give a trade name (trades/{uuid} or a bare UUID) or --filing-number."),
            };
        }
    }

    internal sealed class ListCommand : Command
    {
        private readonly Option<string> buyer = new("--buyer")
        {
            Description = "Only trades of this buyer: participants/{uuid}, a bare UUID, or a display name",
        };

        private readonly Option<string> vendor = new("--vendor")
        {
            Description = "Only trades of this vendor: participants/{uuid}, a bare UUID, or a display name",
        };

        private readonly Option<string> listing = new("--listing") { Description = "Only trades of this listing: listings/{uuid}, a bare UUID, or its title" };
        private readonly Option<TradeState> state = CliOptions.Enum<TradeState>("--state",
            "Only trades in this state [default: every state but refused]");

        private readonly Option<CrossBorderFilter> crossBorder = CliOptions.Enum<CrossBorderFilter>("--cross-border",
            "Only cross-border trades, or exclude them");

        private readonly Option<int> year = new("--year") { Description = "Only trades contracted in this year", HelpName = "year" };
        private readonly PagingOptions paging = new();

        public ListCommand(GlobalOptions global)
            : base("list", "List trades (parties see their own; compliance, auditors and operators see all)")
        {
            Add(buyer);
            Add(vendor);
            Add(listing);
            Add(state);
            Add(crossBorder);
            Add(year);
            paging.AddTo(this);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var buyerName = result.GetValue(buyer) is { Length: > 0 } b ? await ParticipantsCommands.ResolveAsync(context, b, cancellationToken) : "";
                var vendorName = result.GetValue(vendor) is { Length: > 0 } v ? await ParticipantsCommands.ResolveAsync(context, v, cancellationToken) : "";
                var listingName = result.GetValue(listing) is { Length: > 0 } l ? await context.Names.ResolveListingAsync(l) : null;
                var response = await paging.FetchAsync(result,
                    (pageSize, pageToken) =>
                    {
                        var request = BuildRequest(result, buyerName, vendorName, listingName);
                        request.PageSize = pageSize;
                        request.PageToken = pageToken;
                        return context.Trades.ListTradesAsync(request, context.Call(cancellationToken)).ResponseAsync;
                    },
                    page => page.NextPageToken,
                    (all, page) =>
                    {
                        all.Trades.Add(page.Trades);
                        all.NextPageToken = page.NextPageToken;
                    });
                if (!context.Output.Json)
                {
                    await context.Names.LoadParticipantsAsync(response.Trades.SelectMany(t => new[] { t.Vendor, t.Buyer }));
                    await context.Names.LoadListingsAsync(response.Trades.Select(t => t.Listing));
                }

                context.Output.Show(response, console =>
                {
                    console.Write(Table(response.Trades, context.Names));
                    if (response.NextPageToken.Length > 0)
                    {
                        console.Write(Output.NextPageHint(response.NextPageToken));
                        console.WriteLine();
                    }
                });
                return ExitCodes.Success;
            }));
        }

        /// <summary>
        /// One row per trade: its filing number (the UUID of a refused attempt, which has none), the listing's title and
        /// the parties' display names. Narrow terminals lose the parties first, then the listing.
        /// </summary>
        public static TextTable Table(IEnumerable<Trade> trades, IDisplayNames names) => Output.Table(
            [
                new("Trade", CellKind.Id), new("Date", CellKind.Fixed, Drop: 1), new("State", CellKind.Fixed), new("Amount", CellKind.Fixed, Drop: 2),
                new("Listing", Drop: 3, MinWidth: 20), new("Vendor", Drop: 4), new("Buyer", Drop: 4), new("X-border", CellKind.Fixed, Drop: 5),
            ],
            trades.Select(t => (IReadOnlyList<string>)
            [
                t.FilingNumber.Length > 0 ? t.FilingNumber : Names.BareId(t.Name), Formatting.Date(t.TradeDate), EnumNames.Format(t.State),
                Formatting.Money(t.Amount), names.Listing(t.Listing), names.Participant(t.Vendor), names.Participant(t.Buyer),
                Formatting.YesNo(t.Compliance?.CrossBorder ?? false),
            ]));

        public ListTradesRequest BuildRequest(ParseResult result, string buyerName, string vendorName, string? listingName = null) => new()
        {
            Buyer = buyerName,
            Vendor = vendorName,
            Listing = listingName ?? (result.GetValue(listing) is { Length: > 0 } given ? ResourceNames.Normalize(given, ResourceNames.Listings) : ""),
            State = result.GetValue(state),
            CrossBorder = result.GetValue(crossBorder),
            FilingYear = result.GetValue(year),
            PageSize = result.GetValue(paging.PageSize),
            PageToken = result.GetValue(paging.PageToken) ?? "",
        };
    }

    /// <summary>
    /// dx trades history: the trade's events as its receipt holds them (every event in the ledger, in order), one line
    /// each; the texts the ledger keeps only as commitments come from the trade as the caller may read it.
    /// </summary>
    internal sealed class HistoryCommand : Command
    {
        private readonly Argument<string> name = NameArgument();

        public HistoryCommand(GlobalOptions global)
            : base("history", "The trade's events, oldest first, from its receipt (parties, compliance, auditors, operators)")
        {
            Add(name);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var tradeName = await context.Names.ResolveTradeAsync(result.GetRequiredValue(name));
                var receipt = await context.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = tradeName }, context.Call(cancellationToken));
                if (context.Output.Json)
                {
                    context.Output.Show(receipt, _ => { });
                    return ExitCodes.Success;
                }

                var trade = await context.Trades.GetTradeAsync(new GetTradeRequest { Name = tradeName }, context.Call(cancellationToken));
                await context.Names.LoadParticipantsAsync(TradeTimeline.Actors(receipt));
                var title = trade.FilingNumber.Length > 0 ? $"History of trade {trade.FilingNumber} (times in UTC)" : $"History of trade attempt {Names.BareId(trade.Name)} (times in UTC)";
                context.Output.Show(receipt, console => console.Write(new TimelineBlock(title, TradeTimeline.Entries(receipt, trade, context.Names))));
                return ExitCodes.Success;
            }));
        }
    }

    /// <summary>What deliver, cancel and dispute carry: the trade, one text (note or reason), etag and request id.</summary>
    internal sealed record Change(string Name, string Text, string Etag, string RequestId);

    internal sealed class ChangeCommand<TRequest> : Command where TRequest : IMessage
    {
        private readonly Argument<string> name = NameArgument();
        private readonly Option<string> text;
        private readonly Option<string> etag = CliOptions.Etag();
        private readonly Option<string> requestId = CliOptions.RequestId();
        private readonly Func<Change, TRequest> build;

        public ChangeCommand(GlobalOptions global, string commandName, string description, Option<string> text,
            Func<Change, TRequest> build, Func<TradeService.TradeServiceClient, TRequest, CallOptions, AsyncUnaryCall<Trade>> call)
            : base(commandName, description)
        {
            this.text = text;
            this.build = build;
            Add(name);
            Add(text);
            Add(etag);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                // Read once, so the request and the retry hint carry the same generated request id.
                var change = ReadChange(result, await context.Names.ResolveTradeAsync(result.GetRequiredValue(name)));
                context.RequestId = change.RequestId;
                var trade = await call(context.Trades, build(change), context.Call(cancellationToken));
                await ShowAsync(context, trade, evaluations: false);
                return ExitCodes.Success;
            }));
        }

        public TRequest BuildRequest(ParseResult result) => build(ReadChange(result));

        private Change ReadChange(ParseResult result, string? resolved = null) => new(
            resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Trades),
            Text(result, text),
            Text(result, etag),
            CliOptions.RequestIdOrNew(result, requestId));
    }

    internal sealed class SettleCommand : Command
    {
        private readonly Argument<string> name = NameArgument();
        private readonly Option<long> amount = new("--amount")
        {
            Description = "Amount paid in minor units; must equal the trade's unless --adjustment-reason is given",
            HelpName = "minor-units",
            Required = true,
        };

        private readonly Option<string> currency = new("--currency") { Description = "ISO 4217 code of the amount paid", HelpName = "code", Required = true };
        private readonly Option<string> paymentReference = new("--payment-reference")
        {
            Description = "Reference of the payment, for example the bank transfer number",
            HelpName = "ref",
            Required = true,
        };

        private readonly Option<string> adjustmentReason = new("--adjustment-reason")
        {
            Description = "Why the amount paid differs from the trade's (recorded); required when it does",
            HelpName = "reason",
        };

        private readonly Option<string> etag = CliOptions.Etag();
        private readonly Option<string> requestId = CliOptions.RequestId();

        public SettleCommand(GlobalOptions global)
            : base("settle", "Record payment (清结算); completes the trade (operators)")
        {
            Add(name);
            Add(amount);
            Add(currency);
            Add(paymentReference);
            Add(adjustmentReason);
            Add(etag);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result, await context.Names.ResolveTradeAsync(result.GetRequiredValue(name)));
                context.RequestId = request.RequestId;
                var trade = await context.Trades.SettleTradeAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, trade, evaluations: false);
                return ExitCodes.Success;
            }));
        }

        public SettleTradeRequest BuildRequest(ParseResult result, string? resolved = null) => new()
        {
            Name = resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Trades),
            Amount = new Money { AmountMinor = result.GetValue(amount), CurrencyCode = Currency(result.GetValue(currency)) },
            PaymentReference = Text(result, paymentReference),
            AdjustmentReason = Text(result, adjustmentReason),
            Etag = Text(result, etag),
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    internal sealed class ResolveCommand : Command
    {
        private readonly Argument<string> name = NameArgument();
        private readonly Option<DisputeResolution> resolution = CliOptions.Enum<DisputeResolution>("--resolution",
            "dismissed: back to the state before the dispute; upheld-refund: the buyer is refunded", required: true);

        private readonly Option<string> reason = CliOptions.Reason("Why (recorded with the resolution)", required: true);
        private readonly Option<string> etag = CliOptions.Etag();
        private readonly Option<string> requestId = CliOptions.RequestId();

        public ResolveCommand(GlobalOptions global)
            : base("resolve", "Resolve a dispute: dismiss it or uphold it with a refund (compliance)")
        {
            Add(name);
            Add(resolution);
            Add(reason);
            Add(etag);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result, await context.Names.ResolveTradeAsync(result.GetRequiredValue(name)));
                context.RequestId = request.RequestId;
                var trade = await context.Trades.ResolveDisputeAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, trade, evaluations: false);
                return ExitCodes.Success;
            }));
        }

        public ResolveDisputeRequest BuildRequest(ParseResult result, string? resolved = null) => new()
        {
            Name = resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Trades),
            Resolution = result.GetValue(resolution),
            Reason = Text(result, reason),
            Etag = Text(result, etag),
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }
}
