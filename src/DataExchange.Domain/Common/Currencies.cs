namespace DataExchange.Domain.Common;

/// <summary>ISO 4217 currencies the exchange settles in, with their minor-unit exponents.</summary>
public static class Currencies
{
    private static readonly Dictionary<string, int> MinorUnitDigits = new(StringComparer.Ordinal)
    {
        ["CNY"] = 2, ["HKD"] = 2, ["MOP"] = 2, ["USD"] = 2, ["EUR"] = 2, ["GBP"] = 2, ["SGD"] = 2, ["JPY"] = 0,
    };

    public static bool IsKnown(string code) => MinorUnitDigits.ContainsKey(code);

    public static int Digits(string code) => MinorUnitDigits[code];

    /// <summary>Upper bound for a single price or payment: 10^15 minor units keeps sums far inside Int64.</summary>
    public const long MaxAmountMinor = 1_000_000_000_000_000;
}
