using DataExchange.Domain.Common;
using Google.Protobuf.WellKnownTypes;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Infrastructure;

/// <summary>Proto ↔ domain conversions shared by every slice. Enum numbers match on both sides by design.</summary>
public static class CommonMapping
{
    public static Timestamp ToTimestamp(this DateTimeOffset value) => Timestamp.FromDateTimeOffset(value);

    public static V1.Money ToProto(this Money money) => new() { CurrencyCode = money.CurrencyCode, AmountMinor = money.AmountMinor };

    public static Money ToDomain(this V1.Money money) => new(money.CurrencyCode, money.AmountMinor);

    public static V1.Jurisdiction ToProto(this Jurisdiction jurisdiction)
    {
        var canonical = jurisdiction.Canonical();
        return new()
        {
            Region = (V1.Region)canonical.Region,
            City = canonical.City ?? "",
            Code = canonical.Code ?? "",
            ChineseName = JurisdictionCodes.Describe(canonical.Code)?.ChineseName ?? "",
            FreeTradeZone = canonical.FreeTradeZone ?? "",
        };
    }

    /// <summary>The canonical place a validated request names (<see cref="Jurisdiction(RequestValidator, V1.Jurisdiction?, string)"/> ran first).</summary>
    public static Jurisdiction ToDomain(this V1.Jurisdiction jurisdiction) =>
        Resolve(jurisdiction).Value ?? throw new InvalidOperationException("An unvalidated jurisdiction reached the domain.");

    public static void Jurisdiction(this RequestValidator validator, V1.Jurisdiction? jurisdiction, string field)
    {
        if (jurisdiction is null)
        {
            validator.Check(false, field, "is required");
            return;
        }

        var before = validator.ViolationCount;
        if (jurisdiction.Region != V1.Region.Unspecified || string.IsNullOrWhiteSpace(jurisdiction.Code))
        {
            validator.Enum(jurisdiction.Region, $"{field}.region");
        }

        validator.Text(jurisdiction.City, $"{field}.city", 64, required: false)
            .Text(jurisdiction.Code, $"{field}.code", 16, required: false)
            .Text(jurisdiction.FreeTradeZone, $"{field}.free_trade_zone", 40, required: false)
            .Check(string.IsNullOrEmpty(jurisdiction.ChineseName), $"{field}.chinese_name", "is output only");
        if (validator.ViolationCount == before)
        {
            var (_, at, problem) = Resolve(jurisdiction);
            validator.Check(problem is null, $"{field}.{at}", problem ?? "");
        }
    }

    private static (Jurisdiction? Value, string? Field, string? Problem) Resolve(V1.Jurisdiction j) =>
        JurisdictionCodes.Resolve(j.Region == V1.Region.Unspecified ? null : (Region)j.Region, j.City, j.Code, j.FreeTradeZone);
}
