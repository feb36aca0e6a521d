using System.Globalization;

namespace DataExchange.Server.Infrastructure;

public static class Dates
{
    /// <summary>Parses YYYY-MM-DD into a date, or records a violation.</summary>
    public static DateOnly? Parse(RequestValidator v, string? text, string field, bool required = true)
    {
        if (string.IsNullOrEmpty(text))
        {
            v.Check(!required, field, "is required (YYYY-MM-DD)");
            return null;
        }

        var ok = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            && date.Year is >= 2000 and <= 2100;
        v.Check(ok, field, "must be a date YYYY-MM-DD between 2000 and 2100");
        return ok ? date : null;
    }

    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
