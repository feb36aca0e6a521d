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

    /// <summary>A google.type.Date with no string twin; null (with a violation when required) when unset or not a calendar date.</summary>
    public static DateOnly? Parse(RequestValidator v, Google.Type.Date? date, string field, bool required = true)
    {
        if (date is null)
        {
            v.Check(!required, field, "is required");
            return null;
        }

        return Parse(v, null, date, field, field, required);
    }

    public static Google.Type.Date ToProto(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };

    /// <summary>
    /// A date given as a google.type.Date (<paramref name="dateField"/>) or, from clients of the first v1 release, as
    /// its deprecated YYYY-MM-DD twin (<paramref name="field"/>); when both come they must agree.
    /// </summary>
    public static DateOnly? Parse(RequestValidator v, string? text, Google.Type.Date? date, string field, string dateField, bool required = true)
    {
        if (date is null)
        {
            if (string.IsNullOrEmpty(text))
            {
                v.Check(!required, dateField, $"is required (or its deprecated twin {field}, YYYY-MM-DD)");
                return null;
            }

            return Parse(v, text, field, required);
        }

        DateOnly? value = date.Year is >= 2000 and <= 2100 && date.Month is >= 1 and <= 12 && date.Day >= 1
            && date.Day <= DateTime.DaysInMonth(date.Year, date.Month)
            ? new DateOnly(date.Year, date.Month, date.Day)
            : null;
        v.Check(value is not null, dateField, "must be a whole calendar date (year, month and day) between 2000 and 2100");
        if (value is not null && !string.IsNullOrEmpty(text))
        {
            var twin = Parse(v, text, field, required: false);
            v.Check(twin is null || twin == value, field, $"must agree with {dateField} when both are given");
        }

        return value;
    }
}
