namespace DataExchange.Seeds.Tests;

public class GeneratorSpecs
{
    private static readonly SeedDataSet DataSet = SeedGenerator.Generate();

    [Fact]
    public void The_committed_file_is_the_generators_output_byte_for_byte()
    {
        var committed = File.ReadAllBytes(RepositoryFiles.CommittedSeedFile);
        var generated = System.Text.Encoding.UTF8.GetBytes(SeedGenerator.GenerateJson());
        Assert.True(committed.SequenceEqual(generated),
            "seeds/exchange-2022.json differs from the generator's output: run `dx seed generate --out seeds/exchange-2022.json`.");
    }

    [Fact]
    public void Generating_twice_gives_the_same_text()
    {
        Assert.Equal(SeedGenerator.GenerateJson(), SeedGenerator.GenerateJson());
    }

    [Fact]
    public void The_file_reads_back_into_an_equal_data_set()
    {
        var json = SeedGenerator.GenerateJson();
        var read = SeedFormat.Deserialize(json);
        Assert.Equal(json, SeedFormat.Serialize(read));
        Assert.Equal("dataexchange-seed/1", read.Format);
    }

    [Fact]
    public void The_shape_is_representative()
    {
        Assert.InRange(DataSet.Participants.Count, 80, 120);
        Assert.InRange(DataSet.Listings.Count, 150, 250);
        var mainlandCities = DataSet.Participants.Where(p => p.Region == SeedRegion.Mainland).Select(p => p.City).Distinct().ToList();
        foreach (var city in new[] { "Shenzhen", "Guangzhou", "Dongguan", "Foshan", "Zhuhai", "Beijing", "Shanghai", "Hangzhou", "Chengdu", "Guiyang" })
        {
            Assert.Contains(city, mainlandCities);
        }

        Assert.True(DataSet.Participants.Count(p => p.City == "Shenzhen") >= 30, "Shenzhen has many participants");
        Assert.Contains(DataSet.Participants, p => p.Region == SeedRegion.HongKong);
        Assert.Contains(DataSet.Participants, p => p.Region == SeedRegion.Macao);
        Assert.InRange(DataSet.Participants.Count(p => p.Has(SeedRole.ComplianceOfficer)), 2, 5);
        Assert.Single(DataSet.Participants, p => p.Has(SeedRole.Auditor));
        Assert.Equal(Enum.GetValues<SeedSector>().Order(), DataSet.Listings.Select(l => l.Sector).Distinct().Order());
    }
}
