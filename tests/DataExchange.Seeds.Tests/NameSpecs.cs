using System.Text.RegularExpressions;

namespace DataExchange.Seeds.Tests;

public partial class NameSpecs
{
    private static readonly SeedDataSet DataSet = SeedGenerator.Generate();

    // Well-known companies and brands whose names must not appear: the data set is fictitious.
    private static readonly string[] RealNames =
    [
        "Tencent", "腾讯", "Huawei", "华为", "Alibaba", "阿里", "Ant Group", "蚂蚁", "Ping An", "平安", "BYD", "比亚迪", "DJI", "大疆",
        "ZTE", "中兴", "China Mobile", "中国移动", "SF Express", "顺丰", "Meituan", "美团", "JD", "京东", "Baidu", "百度", "WeBank", "微众",
        "HSBC", "汇丰", "Bank of China", "中国银行", "China Merchants", "招商", "Shenzhen Data Exchange", "深圳数据交易所", "SZDEX",
        "Kunpeng", "鲲鹏", "ByteDance", "字节", "Xiaomi", "小米", "OPPO", "vivo", "Lenovo", "联想", "Sinopec", "中石化", "State Grid", "国家电网",
        "China Southern Power Grid", "南方电网", "CATL", "宁德时代", "Hang Seng", "恒生", "Octopus", "八达通", "MTR", "港铁",
    ];

    [Fact]
    public void Ids_and_names_are_unique()
    {
        AssertUnique(DataSet.Participants.Select(p => p.Id));
        AssertUnique(DataSet.Participants.Select(p => p.DisplayName));
        AssertUnique(DataSet.Participants.Select(p => p.DisplayNameZh));
        AssertUnique(DataSet.Participants.Select(p => p.LegalName));
        AssertUnique(DataSet.Participants.Select(p => p.LegalNameZh));
        AssertUnique(DataSet.Listings.Select(l => l.Id));
        AssertUnique(DataSet.Listings.Select(l => l.Title));
        AssertUnique(DataSet.Approvals.Select(a => a.ReferenceNumber));
        AssertUnique(DataSet.Trades.Select(t => t.Id));
        AssertUnique(DataSet.Trades.Select(t => t.ExternalReference));
    }

    [Fact]
    public void No_real_company_or_brand_names()
    {
        var texts = DataSet.Participants.SelectMany(p => new[] { p.DisplayName, p.DisplayNameZh, p.LegalName, p.LegalNameZh })
            .Concat(DataSet.Listings.Select(l => l.Title));
        foreach (var text in texts)
        {
            foreach (var real in RealNames)
            {
                Assert.False(Regex.IsMatch(text, $@"(^|[^A-Za-z]){Regex.Escape(real)}($|[^A-Za-z])"), $"'{text}' contains the real name '{real}'");
            }
        }
    }

    [Fact]
    public void Names_look_like_registered_companies_and_ids_are_slugs()
    {
        foreach (var p in DataSet.Participants.Where(p => p.Has(SeedRole.Vendor) || p.Has(SeedRole.Buyer)))
        {
            if (p.Region == SeedRegion.Mainland)
            {
                Assert.EndsWith("有限公司", p.LegalNameZh);
                Assert.EndsWith("Co., Ltd.", p.LegalName);
                Assert.StartsWith(p.City!, p.LegalName);
            }
            else
            {
                Assert.Matches("(Limited|Pte\\. Ltd\\.)$", p.LegalName);
            }
        }

        Assert.All(DataSet.Participants, p => Assert.Matches(SlugPattern(), p.Id));
        Assert.All(DataSet.Listings, l => Assert.Matches(SlugPattern(), l.Id));
        Assert.All(DataSet.Participants, p => Assert.StartsWith("p-", p.Id));
        Assert.All(DataSet.Listings, l => Assert.StartsWith("l-", l.Id));
    }

    private static void AssertUnique(IEnumerable<string> values)
    {
        var duplicates = values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "duplicates: " + string.Join(", ", duplicates));
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex SlugPattern();
}
