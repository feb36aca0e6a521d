using System.Globalization;

namespace DataExchange.Cli.Tests;

/// <summary>google.type.Date from and to the YYYY-MM-DD text the specs read best in.</summary>
public static class TestDates
{
    public static Google.Type.Date Day(string text)
    {
        var d = DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new Google.Type.Date { Year = d.Year, Month = d.Month, Day = d.Day };
    }

    public static string Text(Google.Type.Date? date) =>
        date is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{date.Year:D4}-{date.Month:D2}-{date.Day:D2}");
}
