using System.CommandLine;
using System.Globalization;
using DataExchange.Contracts.V1;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>dx register: the public register (登记备案公示), the part of every filing anyone may read without a token.</summary>
internal static class RegisterCommands
{
    public static Command Build(GlobalOptions global) => new("register", "The public register: what anyone may read of a filing, without a token")
    {
        new ShowCommand(global),
        new SearchCommand(global),
    };

    internal sealed class ShowCommand : Command
    {
        private readonly Argument<string> filing = new("FILING") { Description = "The filing number (DX-2022-000415) or filings/{number}" };

        public ShowCommand(GlobalOptions global)
            : base("show", "Show the public part of one filing")
        {
            Add(filing);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var number = result.GetRequiredValue(filing).Trim();
                var name = number.StartsWith("filings/", StringComparison.Ordinal) ? number : $"filings/{number.ToUpperInvariant()}";
                var response = await context.Register.GetPublicFilingAsync(new GetPublicFilingRequest { Name = name }, context.Call(ct));
                context.Output.Show(response, console => console.Write(Details(response)));
                return ExitCodes.Success;
            }));
        }
    }

    internal sealed class SearchCommand : Command
    {
        private readonly Argument<string> query = new("QUERY") { Description = "A filing number, a trade name (trades/{uuid}), or words of a product title" };
        private readonly Option<int> pageSize = new("--page-size") { Description = "At most this many (1–50; default 20)", HelpName = "n" };
        private readonly Option<string> pageToken = new("--page-token") { Description = "The next page, as the previous call printed", HelpName = "token" };
        private readonly Option<bool> all = new("--all") { Description = "Every page" };

        public SearchCommand(GlobalOptions global)
            : base("search", "Find filings by number, trade name or product title")
        {
            Add(query);
            Add(pageSize);
            Add(pageToken);
            Add(all);
            SetAction((result, ct) => CliContext.RunAsync(result, global, ct, async context =>
            {
                var request = new SearchPublicFilingsRequest
                {
                    Query = result.GetRequiredValue(query), PageSize = result.GetValue(pageSize), PageToken = result.GetValue(pageToken) ?? "",
                };
                var response = await context.Register.SearchPublicFilingsAsync(request, context.Call(ct));
                while (result.GetValue(all) && response.NextPageToken.Length > 0)
                {
                    var following = request.Clone();
                    following.PageToken = response.NextPageToken;
                    var next = await context.Register.SearchPublicFilingsAsync(following, context.Call(ct));
                    response.Filings.Add(next.Filings);
                    response.NextPageToken = next.NextPageToken;
                }

                context.Output.Show(response, console =>
                {
                    if (response.Filings.Count == 0)
                    {
                        console.WriteLine("No filing matches.");
                        return;
                    }

                    console.Write(Table(response.Filings));
                    if (response.NextPageToken.Length > 0)
                    {
                        console.Write(Output.NextPageHint(response.NextPageToken));
                        console.WriteLine();
                    }
                });
                return ExitCodes.Success;
            }));
        }
    }

    public static DetailsBlock Details(PublicFiling f) => Output.Details($"Filing {f.FilingNumber}",
    [
        ("Trade", f.Trade),
        ("Product", $"{f.ListingTitle} ({f.Listing})"),
        ("Registration number", f.ListingRegistrationNumber),
        ("Vendor", $"{f.VendorDisplayName} ({f.Vendor})"),
        ("Vendor's place", Place(f.VendorJurisdiction)),
        ("Buyer's place", Place(f.BuyerJurisdiction)),
        ("Crossing", EnumNames.Format(f.Crossing)),
        ("Amount", Formatting.Money(f.Amount)),
        ("Trade date", Formatting.Date(f.TradeDate)),
        ("Origin", EnumNames.Format(f.Origin)),
        ("State", EnumNames.Format(f.State) + (f.Withdrawn ? " (withdrawn from the statistics)" : "")),
        ("Compliance", $"{EnumNames.Format(f.Outcome)} under {f.RuleSetVersion}"),
        ("Mechanism", Formatting.Mechanism(f.Mechanism)),
        ("Exemption", f.Exemption == ExportExemption.Unspecified ? "" : EnumNames.Format(f.Exemption)),
        ("Citations", string.Join("; ", f.Citations)),
        ("Leaves in the log", string.Join(", ", f.LeafIndexes.Select(i => i.ToString(CultureInfo.InvariantCulture)))),
    ]);

    /// <summary>Number, date, amount and product first; the vendor and places go when narrow.</summary>
    public static TextTable Table(IEnumerable<PublicFiling> filings) => Output.Table(
        [
            new("Filing", CellKind.Id), new("Date", CellKind.Fixed), new("Amount", CellKind.Fixed), new("Product", CellKind.Text),
            new("Vendor", CellKind.Text, Drop: 2), new("To", CellKind.Fixed, Drop: 1), new("State", CellKind.Fixed, Drop: 3),
        ],
        filings.Select(f => (IReadOnlyList<string>)
        [
            f.FilingNumber, Formatting.Date(f.TradeDate), Formatting.Money(f.Amount), f.ListingTitle, f.VendorDisplayName,
            f.BuyerJurisdiction?.Code ?? "", EnumNames.Format(f.State),
        ]));

    private static string Place(Jurisdiction? place) =>
        place is null ? "" : string.Join(" ", new[] { place.ChineseName, place.Code.Length > 0 ? $"({place.Code})" : "" }.Where(p => p.Length > 0));
}
