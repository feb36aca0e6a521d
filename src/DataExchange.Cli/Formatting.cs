using System.Globalization;
using System.Text;
using DataExchange.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace DataExchange.Cli;

/// <summary>How values look to people: money, times, enum values as short kebab-case names.</summary>
internal static class Formatting
{
    // Minor-unit digits per ISO 4217; the service supports these (JPY has no minor unit).
    private static readonly Dictionary<string, int> CurrencyDigits = new(StringComparer.Ordinal)
    {
        ["CNY"] = 2, ["HKD"] = 2, ["MOP"] = 2, ["USD"] = 2, ["EUR"] = 2, ["GBP"] = 2, ["SGD"] = 2, ["JPY"] = 0,
    };

    public static int DigitsOf(string currencyCode) => CurrencyDigits.GetValueOrDefault(currencyCode, 2);

    /// <summary>"CNY 1,234.56" from 123456 minor units; integer arithmetic only, so no amount is ever rounded.</summary>
    public static string Money(string currencyCode, long amountMinor)
    {
        var digits = DigitsOf(currencyCode);
        var divisor = 1L;
        for (var i = 0; i < digits; i++)
        {
            divisor *= 10;
        }

        // Work on the magnitude as ulong: -long.MinValue does not fit in a long.
        var magnitude = amountMinor < 0 ? (ulong)(-(amountMinor + 1)) + 1 : (ulong)amountMinor;
        var whole = magnitude / (ulong)divisor;
        var fraction = magnitude % (ulong)divisor;
        var text = new StringBuilder();
        text.Append(currencyCode).Append(' ');
        if (amountMinor < 0)
        {
            text.Append('-');
        }

        text.Append(whole.ToString("N0", CultureInfo.InvariantCulture));
        if (digits > 0)
        {
            text.Append('.').Append(fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0'));
        }

        return text.ToString();
    }

    public static string Money(Money? money) => money is null ? "" : Money(money.CurrencyCode, money.AmountMinor);

    public static string Time(Timestamp? time) =>
        time is null ? "" : time.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>"150,000": counts of individuals and the like, the same in every locale.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The API's date format, YYYY-MM-DD; only real calendar dates parse (no 2024-02-30).</summary>
    public static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A google.type.Date as YYYY-MM-DD; empty when unset.</summary>
    public static string Date(Google.Type.Date? date) =>
        date is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{date.Year:D4}-{date.Month:D2}-{date.Day:D2}");

    public static Google.Type.Date ProtoDate(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };

    /// <summary>What an export mechanism is, in words (with the Chinese term an officer would look for).</summary>
    public static string Mechanism(ExportMechanism mechanism) => mechanism switch
    {
        ExportMechanism.None => "none (domestic trade)",
        ExportMechanism.Exempt => "exempt from export formalities",
        ExportMechanism.SecurityAssessment => "CAC data export security assessment (数据出境安全评估)",
        ExportMechanism.StandardContract => "PI export standard contract filed with the provincial CAC (个人信息出境标准合同)",
        ExportMechanism.Certification => "PI protection certification (个人信息保护认证)",
        ExportMechanism.GbaStandardContract => "Greater Bay Area standard contract (粤港澳大湾区标准合同)",
        _ => EnumNames.Format(mechanism),
    };

    public static string Jurisdiction(Jurisdiction? jurisdiction) => jurisdiction is null
        ? ""
        : string.IsNullOrEmpty(jurisdiction.City)
            ? EnumNames.Format(jurisdiction.Region)
            : $"{EnumNames.Format(jurisdiction.Region)} / {jurisdiction.City}";
}

/// <summary>
/// Enum values ↔ the names people type: kebab-case of the C# member ("ai-training"), with a few shorter
/// overrides ("mainland", "gba"). Both the short and the full kebab-case name parse; the short one is shown.
/// New enums (trades, approvals) work without registration; add an override only when the default is clumsy.
/// </summary>
internal static class EnumNames
{
    private static readonly Dictionary<System.Enum, string> ShortNames = new()
    {
        [Region.MainlandChina] = "mainland",
        [Role.ComplianceOfficer] = "compliance",
        [DeliveryMethod.PrivacyPreservingComputation] = "privacy-computation",
        [Territory.MainlandChina] = "mainland",
        [Territory.GreaterBayArea] = "gba",
    };

    public static string Format<TEnum>(TEnum value) where TEnum : struct, System.Enum =>
        ShortNames.TryGetValue(value, out var name) ? name
        : System.Enum.IsDefined(value) ? Kebab(value.ToString())
        : Convert.ToInt32(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    /// <summary>The names offered for a choice: every value but UNSPECIFIED (0).</summary>
    public static IReadOnlyList<string> Choices<TEnum>() where TEnum : struct, System.Enum =>
        [.. Specified<TEnum>().Select(Format)];

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, System.Enum
    {
        var wanted = text?.Trim().Replace('_', '-') ?? "";
        foreach (var candidate in Specified<TEnum>())
        {
            if (string.Equals(Format(candidate), wanted, StringComparison.OrdinalIgnoreCase)
                || string.Equals(Kebab(candidate.ToString()), wanted, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    public static TEnum Parse<TEnum>(string text) where TEnum : struct, System.Enum =>
        TryParse<TEnum>(text, out var value)
            ? value
            : throw new CliException($"'{text}' is not one of: {string.Join(", ", Choices<TEnum>())}.");

    /// <summary>"PrivacyPreservingComputation" → "privacy-preserving-computation".</summary>
    public static string Kebab(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    private static IEnumerable<TEnum> Specified<TEnum>() where TEnum : struct, System.Enum =>
        System.Enum.GetValues<TEnum>().Where(v => Convert.ToInt32(v, CultureInfo.InvariantCulture) != 0);
}
