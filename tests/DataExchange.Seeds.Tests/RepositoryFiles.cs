namespace DataExchange.Seeds.Tests;

internal static class RepositoryFiles
{
    /// <summary>The repository root: the nearest ancestor of the test binaries holding DataExchange.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string CommittedSeedFile => Path.Combine(Root, "seeds", "exchange-2022.json");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DataExchange.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("DataExchange.sln not found above " + AppContext.BaseDirectory);
    }
}
