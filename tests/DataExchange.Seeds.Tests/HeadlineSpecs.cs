namespace DataExchange.Seeds.Tests;

public class HeadlineSpecs
{
    private static readonly SeedDataSet DataSet = SeedGenerator.Generate();
    private static readonly SeedIndex Index = new(DataSet);
    private static readonly List<SeedTrade> Filed = [.. DataSet.Trades.Where(SeedIndex.CountsAsFiled)];

    [Fact]
    public void Exactly_415_filed_trades_worth_exactly_1107_million_yuan()
    {
        Assert.Equal(415, Filed.Count);
        Assert.Equal(110_700_000_000L, Filed.Sum(t => t.Amount.AmountMinor));
        Assert.All(Filed, t => Assert.Equal("CNY", t.Amount.Currency));
        Assert.Equal(415, DataSet.Headline.FiledTrades);
        Assert.Equal(110_700_000_000L, DataSet.Headline.TotalValueMinor);
    }

    [Fact]
    public void Exactly_14_of_them_cross_border_worth_exactly_1115_million_yuan()
    {
        var crossBorder = Filed.Where(Index.IsCrossBorder).ToList();
        Assert.Equal(14, crossBorder.Count);
        Assert.Equal(1_115_000_000L, crossBorder.Sum(t => t.Amount.AmountMinor));
        Assert.Equal(14, DataSet.Headline.CrossBorderTrades);
        Assert.Equal(1_115_000_000L, DataSet.Headline.CrossBorderValueMinor);
    }

    [Fact]
    public void Every_trade_is_dated_within_the_trial_year()
    {
        Assert.All(DataSet.Trades, t => Assert.InRange(t.ContractDate, new DateOnly(2021, 12, 1), new DateOnly(2022, 11, 15)));
    }

    [Fact]
    public void The_first_cross_border_trade_is_a_hetao_vendor_selling_to_a_hong_kong_buyer()
    {
        var first = DataSet.Trades.Where(Index.IsCrossBorder).OrderBy(t => t.ContractDate).First();
        Assert.Equal(TradeOutcomes.Filed, first.Outcome);
        var vendor = Index.VendorOf(first);
        Assert.Equal("Shenzhen", vendor.City);
        Assert.Contains("Futian", vendor.District);
        Assert.Contains("Hetao", vendor.District);
        Assert.Equal(SeedRegion.HongKong, Index.BuyerOf(first).Region);
    }

    [Fact]
    public void The_spread_has_many_small_subscriptions_and_a_few_deals_of_tens_of_millions()
    {
        var yuan = Filed.Select(t => t.Amount.AmountMinor / 100).ToList();
        Assert.True(yuan.Count(y => y < 300_000) >= 200, "many small API subscriptions");
        Assert.InRange(yuan.Count(y => y >= 10_000_000), 5, 20);
        Assert.True(yuan.Min() >= 3_000);
    }

    [Fact]
    public void History_goes_beyond_the_happy_path()
    {
        Assert.InRange(DataSet.Trades.Count(t => TradeOutcomes.IsRefused(t.Outcome)), 3, 5);
        Assert.Contains(DataSet.Trades, t => t.Outcome == TradeOutcomes.FiledThenCancelled);
        Assert.Contains(DataSet.Listings, l => l.Lifecycle.Contains(LifecycleSteps.Return) && l.IsPublished);
        Assert.InRange(DataSet.Listings.Count(l => l.Lifecycle.Contains(LifecycleSteps.Reject)), 1, 2);
        var suspended = Assert.Single(DataSet.Listings, l => l.Lifecycle.Contains(LifecycleSteps.Suspend));
        var delisted = Assert.Single(DataSet.Listings, l => l.Lifecycle.Contains(LifecycleSteps.Delist));
        Assert.Contains(DataSet.Trades, t => t.Listing == suspended.Id && SeedIndex.CountsAsFiled(t));
        Assert.Equal(LifecycleSteps.Suspend, suspended.Lifecycle[^1]);
        Assert.Equal(LifecycleSteps.Delist, delisted.Lifecycle[^1]);
        Assert.DoesNotContain(DataSet.Trades, t => Index.ListingOf(t).Lifecycle.Contains(LifecycleSteps.Reject));
    }
}
