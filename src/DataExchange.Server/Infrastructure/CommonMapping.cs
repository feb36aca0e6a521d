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

    public static V1.Jurisdiction ToProto(this Jurisdiction jurisdiction) =>
        new() { Region = (V1.Region)jurisdiction.Region, City = jurisdiction.City ?? "" };

    public static Jurisdiction ToDomain(this V1.Jurisdiction jurisdiction) =>
        new((Region)jurisdiction.Region, string.IsNullOrEmpty(jurisdiction.City) ? null : jurisdiction.City);

    public static void Jurisdiction(this RequestValidator validator, V1.Jurisdiction? jurisdiction, string field)
    {
        if (jurisdiction is null)
        {
            validator.Check(false, field, "is required");
            return;
        }

        validator.Enum(jurisdiction.Region, $"{field}.region");
        validator.Text(jurisdiction.City, $"{field}.city", 64, required: jurisdiction.Region == V1.Region.MainlandChina);
    }
}
