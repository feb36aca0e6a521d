using CsCheck;
using DataExchange.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace DataExchange.Cli.Tests;

public sealed class FormattingTests
{
    [Theory]
    [InlineData("CNY", 1999L, "CNY 19.99")]
    [InlineData("CNY", 0L, "CNY 0.00")]
    [InlineData("CNY", 5L, "CNY 0.05")]
    [InlineData("HKD", 100L, "HKD 1.00")]
    [InlineData("USD", 123456789L, "USD 1,234,567.89")]
    [InlineData("JPY", 1999L, "JPY 1,999")]
    [InlineData("JPY", 0L, "JPY 0")]
    [InlineData("CNY", -1999L, "CNY -19.99")]
    [InlineData("XTS", 1999L, "XTS 19.99")]
    [InlineData("CNY", 1_000_000_000_000_000L, "CNY 10,000,000,000,000.00")]
    [InlineData("CNY", long.MaxValue, "CNY 92,233,720,368,547,758.07")]
    [InlineData("CNY", long.MinValue, "CNY -92,233,720,368,547,758.08")]
    public void Money_uses_the_currency_minor_unit_digits(string currency, long amountMinor, string expected) =>
        Assert.Equal(expected, Formatting.Money(currency, amountMinor));

    [Fact]
    public void Money_loses_no_digit_for_any_amount() =>
        // Removing the code, sign, separators and point must give back the exact integer: no rounding anywhere.
        Gen.Long.Sample(amount =>
        {
            var text = Formatting.Money("CNY", amount)["CNY ".Length..];
            var digits = text.Replace(",", "").Replace(".", "");
            return decimal.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) == amount
                && text[^3] == '.';
        });

    [Fact]
    public void Money_message_and_missing_money()
    {
        Assert.Equal("MOP 12.30", Formatting.Money(new Money { CurrencyCode = "MOP", AmountMinor = 1230 }));
        Assert.Equal("", Formatting.Money(null));
    }

    [Fact]
    public void Time_is_utc_iso_like()
    {
        var time = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 27, 4, 5, 6, TimeSpan.Zero));
        Assert.Equal("2026-11-27 04:05:06Z", Formatting.Time(time));
        Assert.Equal("", Formatting.Time(null));
    }

    [Fact]
    public void Jurisdiction_shows_region_and_city()
    {
        Assert.Equal("mainland / Shenzhen", Formatting.Jurisdiction(new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" }));
        Assert.Equal("hong-kong", Formatting.Jurisdiction(new Jurisdiction { Region = Region.HongKong }));
    }
}

public sealed class EnumNamesTests
{
    [Fact]
    public void Short_names_override_the_kebab_case_default()
    {
        Assert.Equal("mainland", EnumNames.Format(Region.MainlandChina));
        Assert.Equal("compliance", EnumNames.Format(Role.ComplianceOfficer));
        Assert.Equal("privacy-computation", EnumNames.Format(DeliveryMethod.PrivacyPreservingComputation));
        Assert.Equal("gba", EnumNames.Format(Territory.GreaterBayArea));
        Assert.Equal("mainland", EnumNames.Format(Territory.MainlandChina));
        Assert.Equal("ai-training", EnumNames.Format(Sector.AiTraining));
        Assert.Equal("hong-kong", EnumNames.Format(Region.HongKong));
    }

    [Fact]
    public void Choices_match_the_documented_names_and_leave_out_unspecified()
    {
        Assert.Equal(["vendor", "buyer", "compliance", "auditor", "operator"], EnumNames.Choices<Role>());
        Assert.Equal(["mainland", "hong-kong", "macao", "other"], EnumNames.Choices<Region>());
        Assert.Equal(["finance", "transport", "healthcare", "geospatial", "ecommerce", "manufacturing", "energy", "ai-training",
            "public-data", "other"], EnumNames.Choices<Sector>());
        Assert.Equal(["general", "important", "core"], EnumNames.Choices<DataLevel>());
        Assert.Equal(["api", "file", "privacy-computation"], EnumNames.Choices<DeliveryMethod>());
        Assert.Equal(["mainland", "gba", "hong-kong", "macao", "global"], EnumNames.Choices<Territory>());
        Assert.Equal(["approve", "return", "reject"], EnumNames.Choices<ReviewDecision>());
    }

    [Theory]
    [InlineData("mainland", Territory.MainlandChina)]
    [InlineData("mainland-china", Territory.MainlandChina)]
    [InlineData("GBA", Territory.GreaterBayArea)]
    [InlineData("greater_bay_area", Territory.GreaterBayArea)]
    [InlineData(" global ", Territory.Global)]
    public void Parse_accepts_short_and_full_names_in_any_case(string text, Territory expected)
    {
        Assert.True(EnumNames.TryParse<Territory>(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("unspecified")]
    [InlineData("moon")]
    [InlineData("0")]
    public void Parse_rejects_unknown_and_unspecified(string text)
    {
        Assert.False(EnumNames.TryParse<Territory>(text, out _));
        var error = Assert.Throws<CliException>(() => EnumNames.Parse<Territory>(text));
        Assert.Contains("mainland, gba, hong-kong, macao, global", error.Message);
    }

    [Fact]
    public void Every_value_round_trips()
    {
        AssertRoundTrips<Role>();
        AssertRoundTrips<Region>();
        AssertRoundTrips<Sector>();
        AssertRoundTrips<DataLevel>();
        AssertRoundTrips<DeliveryMethod>();
        AssertRoundTrips<Territory>();
        AssertRoundTrips<ListingState>();
        AssertRoundTrips<ReviewDecision>();
    }

    private static void AssertRoundTrips<TEnum>() where TEnum : struct, System.Enum
    {
        foreach (var value in System.Enum.GetValues<TEnum>().Skip(1))
        {
            Assert.True(EnumNames.TryParse<TEnum>(EnumNames.Format(value), out var parsed));
            Assert.Equal(value, parsed);
        }
    }

    [Fact]
    public void Kebab_splits_pascal_case() =>
        Assert.Equal("privacy-preserving-computation", EnumNames.Kebab("PrivacyPreservingComputation"));
}
