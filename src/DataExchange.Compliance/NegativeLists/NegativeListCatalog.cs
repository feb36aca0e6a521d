using System.Reflection;

namespace DataExchange.Compliance.NegativeLists;

/// <summary>
/// The published negative lists, by zone and date. <see cref="Default"/> reads the list files embedded in this assembly
/// (Data/*.json): data compiled in, so the engine stays free of file and network I/O and every build carries the exact
/// list versions it was tested with. Unlike <see cref="RuleSetCatalog"/>, a date before a zone's first list gets no list:
/// the art. 6 exemption did not exist for that zone then, and pretending otherwise would exempt exports wrongly.
/// Several lists may be in force in one zone at once (Beijing's 2025 edition does not say it repeals the 2024 one).
/// </summary>
public sealed class NegativeListCatalog
{
    private const string ResourcePrefix = "DataExchange.Compliance.NegativeLists.Data.";
    private readonly NegativeList[] _lists;

    public NegativeListCatalog(IEnumerable<NegativeList> lists)
    {
        ArgumentNullException.ThrowIfNull(lists);
        _lists = [.. lists.OrderBy(l => l.EffectiveFrom).ThenBy(l => l.Id, StringComparer.Ordinal)];
        var duplicateList = _lists.GroupBy(l => l.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicateList is not null)
            throw new ArgumentException($"Negative list id {duplicateList.Key} appears twice.", nameof(lists));
        // Entry ids are cited on their own in decisions, so they must name one entry across the whole catalog.
        var duplicateEntry = _lists.SelectMany(l => l.Entries).GroupBy(e => e.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicateEntry is not null)
            throw new ArgumentException($"Negative-list entry id {duplicateEntry.Key} appears twice.", nameof(lists));
        ZoneIds = [.. _lists.SelectMany(l => l.ZoneIds).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The embedded lists (one file per published list).</summary>
    public static NegativeListCatalog Default { get; } = new(LoadEmbedded());

    /// <summary>All lists, ordered by effective date then id.</summary>
    public IReadOnlyList<NegativeList> Lists => _lists;

    /// <summary>Every zone id some list applies in, ordinal order.</summary>
    public IReadOnlyList<string> ZoneIds { get; }

    /// <summary>Lists applying in <paramref name="zoneId"/> and in force on <paramref name="date"/>; empty when none.</summary>
    public IReadOnlyList<NegativeList> InForce(string zoneId, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(zoneId);
        return [.. _lists.Where(l => l.AppliesIn(zoneId) && l.InForceOn(date))];
    }

    /// <summary>Every list ever published for the zone, in force or not (for an explanation of why none applies).</summary>
    public IReadOnlyList<NegativeList> ForZone(string zoneId)
    {
        ArgumentNullException.ThrowIfNull(zoneId);
        return [.. _lists.Where(l => l.AppliesIn(zoneId))];
    }

    public NegativeList? Find(string listId) =>
        Array.Find(_lists, l => string.Equals(l.Id, listId, StringComparison.Ordinal));

    /// <summary>Zone ids compare trimmed and upper-cased (invariant): "cn-ftz-tianjin " is CN-FTZ-TIANJIN.</summary>
    public static string NormaliseZoneId(string zoneId)
    {
        ArgumentNullException.ThrowIfNull(zoneId);
        return zoneId.Trim().ToUpperInvariant();
    }

    private static IEnumerable<NegativeList> LoadEmbedded()
    {
        var assembly = typeof(NegativeListCatalog).Assembly;
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (names.Length == 0)
            throw new InvalidOperationException("No negative-list files are embedded in DataExchange.Compliance.");
        foreach (var name in names)
            yield return Read(assembly, name);
    }

    private static NegativeList Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded negative list {name} cannot be read.");
        using var reader = new StreamReader(stream);
        var list = NegativeListFile.Parse(reader.ReadToEnd());
        // The file name is the list id: keeps one file per published list and makes a renamed copy fail loudly.
        if (!string.Equals(ResourcePrefix + list.Id + ".json", name, StringComparison.Ordinal))
            throw new FormatException($"Negative list {list.Id} is stored as {name}; the file must be named {list.Id}.json.");
        return list;
    }
}
