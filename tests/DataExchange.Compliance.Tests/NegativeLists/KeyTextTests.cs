using DataExchange.Compliance.NegativeLists;

namespace DataExchange.Compliance.Tests.NegativeLists;

/// <summary>Keyword matching through the public matcher, on a one-entry list.</summary>
public class KeyTextTests
{
    private static NegativeListOutcome Outcome(string key, string category)
    {
        var json = ListFileTests.Minimal().Replace("\"keys\": [\"Test data\"]", $"\"keys\": [\"{key}\"]", StringComparison.Ordinal);
        var catalog = new NegativeListCatalog([NegativeListFile.Parse(json)]);
        return NegativeListMatcher.Match(new("CN-FTZ-TEST", new DateOnly(2025, 1, 1), "any", [category], false, 0, 0, false), catalog).Outcome;
    }

    [Theory]
    [InlineData("car", "Cars sold", NegativeListOutcome.OnList)]             // whole word, plural
    [InlineData("car", "carbon emissions", NegativeListOutcome.OffList)]     // not a prefix
    [InlineData("ai", "retail sales", NegativeListOutcome.OffList)]          // not inside a word
    [InlineData("ai", "AI训练数据", NegativeListOutcome.OnList)]              // Latin word next to Chinese
    [InlineData("source code", "SOURCE-CODE repository", NegativeListOutcome.OnList)]
    [InlineData("训练数据", "大模型 训练 数据", NegativeListOutcome.OnList)]  // Chinese ignores spaces
    [InlineData("ota", "ＯＴＡ升级", NegativeListOutcome.OnList)]            // full-width forms fold
    [InlineData("r&d", "R & D results", NegativeListOutcome.OnList)]
    public void A_key_matches_words_or_chinese_substrings(string key, string category, NegativeListOutcome outcome) =>
        Assert.Equal(outcome, Outcome(key, category));
}
