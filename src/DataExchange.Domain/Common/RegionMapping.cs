namespace DataExchange.Domain.Common;

/// <summary>The domain's regions and the compliance engine's are the same four places.</summary>
public static class RegionMapping
{
    public static Compliance.Region ToCompliance(Region region) => region switch
    {
        Region.MainlandChina => Compliance.Region.MainlandChina,
        Region.HongKong => Compliance.Region.HongKong,
        Region.Macao => Compliance.Region.Macao,
        _ => Compliance.Region.Other,
    };

    /// <summary>China Standard Time (UTC+8, no daylight saving): contract dates and filing years are counted in it.</summary>
    public static DateOnly ChinaDate(DateTimeOffset instant) => DateOnly.FromDateTime(instant.ToOffset(TimeSpan.FromHours(8)).DateTime);
}
