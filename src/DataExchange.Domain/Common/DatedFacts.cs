using System.Globalization;

namespace DataExchange.Domain.Common;

/// <summary>
/// Facts that hold from a date on (a CIIO designation, a data level notified by an authority): each change is an event
/// with its effective date, and a decision reads the fact in force on its own date (a trade's contract date), not
/// today's. The same rules bound every such change: a document reference, a date no earlier than the Cybersecurity Law
/// (2017-06-01, the earliest date a trade is decided on) and no more than a year ahead.
/// </summary>
public static class DatedFacts
{
    /// <summary>The Cybersecurity Law's entry into force: no dated fact before it changes any decision.</summary>
    public static readonly DateOnly EarliestEffectiveDate = new(2017, 6, 1);

    /// <summary>How far ahead a change may be dated: a notice announces what takes effect within the year, not later.</summary>
    public const int MaxDaysAhead = 366;

    /// <summary>The notice or designation document number.</summary>
    public const int MaxReferenceLength = 200;

    /// <summary>
    /// The value in force on <paramref name="date"/>: that of the change with the latest effective date on or before it
    /// (of two on the same date, the one recorded later), or <paramref name="before"/> when none is in force yet.
    /// </summary>
    public static T InForceOn<TChange, T>(IReadOnlyList<TChange> changes, Func<TChange, DateOnly> effectiveOn, Func<TChange, T> value,
        DateOnly date, T before)
    {
        var found = false;
        var best = default(TChange);
        var bestDate = DateOnly.MinValue;
        foreach (var change in changes)
        {
            var on = effectiveOn(change);
            if (on <= date && (!found || on >= bestDate))
            {
                (found, best, bestDate) = (true, change, on);
            }
        }

        return found ? value(best!) : before;
    }

    /// <summary>The effective date and reference of a change decided on <paramref name="today"/> (China date), or why not.</summary>
    public static void Check(DateOnly effectiveOn, string reference, DateOnly today)
    {
        var latest = today.AddDays(MaxDaysAhead);
        if (effectiveOn < EarliestEffectiveDate || effectiveOn > latest)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "EFFECTIVE_DATE_OUT_OF_RANGE",
                $"The effective date {Format(effectiveOn)} must lie between {Format(EarliestEffectiveDate)} (the Cybersecurity Law) and {Format(latest)} (a year ahead).",
                new Dictionary<string, string>
                {
                    ["field"] = "effective_date",
                    ["earliest_date"] = Format(EarliestEffectiveDate),
                    ["latest_date"] = Format(latest),
                });
        }

        if (string.IsNullOrWhiteSpace(reference) || reference.Length > MaxReferenceLength)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "REFERENCE_REQUIRED",
                $"A dated change names the notice or designation document it rests on (1 to {MaxReferenceLength} characters).",
                new Dictionary<string, string> { ["field"] = "reference" });
        }
    }

    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
