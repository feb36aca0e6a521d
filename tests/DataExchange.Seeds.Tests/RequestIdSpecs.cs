using System.Text.RegularExpressions;

namespace DataExchange.Seeds.Tests;

public partial class RequestIdSpecs
{
    private static readonly SeedDataSet DataSet = SeedGenerator.Generate();

    [Fact]
    public void Request_ids_derive_from_seed_ids_and_steps_only()
    {
        Assert.Equal(SeedRequestIds.All(DataSet), SeedRequestIds.All(SeedGenerator.Generate()));
        Assert.Equal("seed:p-hetao-mobility:create", SeedRequestIds.CreateParticipant("p-hetao-mobility"));
        Assert.Equal("seed:p-hetao-mobility:token", SeedRequestIds.IssueToken("p-hetao-mobility"));
        Assert.Equal("seed:t-0001:file", SeedRequestIds.FileTrade("t-0001"));
        Assert.Equal("seed:l-x:4-submit", SeedRequestIds.ListingStep("l-x", 3, LifecycleSteps.Submit));
    }

    [Fact]
    public void Every_request_id_is_unique_and_fits_the_apis_pattern()
    {
        var ids = SeedRequestIds.All(DataSet).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches(ApiPattern(), id));
    }

    [Fact]
    public void A_listing_that_is_returned_and_resubmitted_gets_distinct_ids_for_both_submissions()
    {
        var returned = DataSet.Listings.First(l => l.Lifecycle.Contains(LifecycleSteps.Return));
        var submits = returned.Lifecycle.Select((step, i) => (step, i)).Where(x => x.step == LifecycleSteps.Submit)
            .Select(x => SeedRequestIds.ListingStep(returned.Id, x.i, x.step)).ToList();
        Assert.Equal(2, submits.Distinct().Count());
    }

    [Fact]
    public void Suspension_and_delisting_wait_for_the_trades_and_everything_before_them_does_not()
    {
        var suspended = DataSet.Listings.Single(l => l.Lifecycle.Contains(LifecycleSteps.Suspend));
        Assert.Equal([LifecycleSteps.Suspend], suspended.StepsAfterTrades);
        Assert.Equal(LifecycleSteps.Publish, suspended.StepsBeforeTrades[^1]);
        var rejected = DataSet.Listings.First(l => l.Lifecycle.Contains(LifecycleSteps.Reject));
        Assert.Empty(rejected.StepsAfterTrades);
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex ApiPattern();
}
