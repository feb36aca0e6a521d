using System.CommandLine;
using System.Globalization;
using DataExchange.Contracts.V1;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>dx stats: the exchange's public figures (filed trades, value, cross-border share, per year).</summary>
internal sealed class StatsCommand : Command
{
    private readonly Option<bool> byMonth = new("--by-month") { Description = "Also a line per month since the first filing" };

    public StatsCommand(GlobalOptions global)
        : base("stats", "The exchange's filed trades and their value, overall, cross-border (by destination), per year and per month")
    {
        Add(byMonth);
        SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
        {
            var statistics = await context.Trades.GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), context.Call(cancellationToken));
            context.Output.Show(statistics, console => Render(console, statistics, result.GetValue(byMonth)));
            return ExitCodes.Success;
        }));
    }

    public static void Render(IAnsiConsole console, ExchangeStatistics statistics, bool byMonth = false)
    {
        var overall = statistics.Overall ?? new FilingTotals();
        console.Write(Output.Details("Exchange statistics",
        [
            ("Filed trades", overall.FiledTrades.ToString("N0", CultureInfo.InvariantCulture)),
            ("Total value", Values(overall.TotalValue)),
            ("Cross-border trades", overall.CrossBorderTrades.ToString("N0", CultureInfo.InvariantCulture)),
            ("Cross-border value", Values(overall.CrossBorderValue)),
            ("Cross-border share", Share(overall)),
            ("Refused attempts", overall.RefusedAttempts.ToString("N0", CultureInfo.InvariantCulture)),
            ("As of", Formatting.Time(statistics.AsOf)),
        ]));
        if (statistics.Years.Count > 0)
        {
            console.Write(Output.Table(
                [
                    new("Year", CellKind.Fixed), new("Filed", CellKind.Fixed), new("Value", CellKind.Fixed, Drop: 2),
                    new("Cross-border", CellKind.Fixed, Drop: 1), new("Cross-border value", CellKind.Fixed, Drop: 3), new("Refused", CellKind.Fixed, Drop: 4),
                ],
                statistics.Years.OrderBy(y => y.Year).Select(y => (IReadOnlyList<string>)
                [
                    y.Year.ToString(CultureInfo.InvariantCulture),
                    (y.Totals?.FiledTrades ?? 0).ToString("N0", CultureInfo.InvariantCulture),
                    Values(y.Totals?.TotalValue ?? []),
                    (y.Totals?.CrossBorderTrades ?? 0).ToString("N0", CultureInfo.InvariantCulture),
                    Values(y.Totals?.CrossBorderValue ?? []),
                    (y.Totals?.RefusedAttempts ?? 0).ToString("N0", CultureInfo.InvariantCulture),
                ])));
        }

        if (statistics.CrossBorderDestinations.Count > 0)
        {
            console.Write(Output.Table(
                [new("Destination", CellKind.Text), new("Code", CellKind.Fixed), new("Cross-border filed", CellKind.Fixed), new("Value", CellKind.Fixed)],
                statistics.CrossBorderDestinations.Select(d => (IReadOnlyList<string>)
                [
                    $"{d.EnglishName} {d.ChineseName}".Trim(), d.Code, d.FiledTrades.ToString("N0", CultureInfo.InvariantCulture), Values(d.Value),
                ])));
        }

        if (byMonth && statistics.Months.Count > 0)
        {
            console.Write(Output.Table(
                [new("Month", CellKind.Fixed), new("Filed", CellKind.Fixed), new("Value", CellKind.Fixed), new("Cross-border", CellKind.Fixed, Drop: 1)],
                statistics.Months.Select(m => (IReadOnlyList<string>)
                [
                    string.Create(CultureInfo.InvariantCulture, $"{m.Year}-{m.Month:D2}"),
                    (m.Totals?.FiledTrades ?? 0).ToString("N0", CultureInfo.InvariantCulture),
                    Values(m.Totals?.TotalValue ?? []),
                    (m.Totals?.CrossBorderTrades ?? 0).ToString("N0", CultureInfo.InvariantCulture),
                ])));
        }
    }

    /// <summary>"¥1,107,000,000.00" for CNY (the exchange reports in yuan); "HKD 1,000.00" for the others.</summary>
    public static string Yuan(long amountMinor) => "¥" + Formatting.Money("CNY", amountMinor)["CNY ".Length..];

    public static string Values(IEnumerable<Money> values)
    {
        var list = values.OrderBy(m => m.CurrencyCode == "CNY" ? "" : m.CurrencyCode, StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "¥0.00"
            : string.Join(" + ", list.Select(m => m.CurrencyCode == "CNY" ? Yuan(m.AmountMinor) : Formatting.Money(m)));
    }

    /// <summary>Cross-border share of trades and of CNY value, in percent with two decimals (integer arithmetic).</summary>
    public static string Share(FilingTotals totals)
    {
        var cny = totals.TotalValue.Where(m => m.CurrencyCode == "CNY").Sum(m => m.AmountMinor);
        var crossBorderCny = totals.CrossBorderValue.Where(m => m.CurrencyCode == "CNY").Sum(m => m.AmountMinor);
        return $"{Percent(totals.CrossBorderTrades, totals.FiledTrades)} of trades, {Percent(crossBorderCny, cny)} of CNY value";
    }

    public static string Percent(long part, long whole)
    {
        if (whole <= 0)
        {
            return "0.00%";
        }

        // Basis points, rounded half up, without floating point.
        var basisPoints = (((Int128)part * 10_000 * 2) + whole) / (2 * (Int128)whole);
        var bp = (long)basisPoints;
        return string.Create(CultureInfo.InvariantCulture, $"{bp / 100}.{bp % 100:D2}%");
    }
}
