using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataExchange.Compliance.NegativeLists;

/// <summary>
/// Reads one list file (schema version 1, see Data/*.json and README.md). Everything is checked here, not trusted
/// later: a list file is hand-written legal data, and a typo in a date or a sector reference must fail loudly at
/// start-up rather than make a trade look exempt.
/// </summary>
public static class NegativeListFile
{
    public const int SchemaVersion = 1;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Parses and validates one list; throws <see cref="FormatException"/> naming the list and the field.</summary>
    public static NegativeList Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        FileDto dto;
        try
        {
            dto = JsonSerializer.Deserialize<FileDto>(json, Options) ?? throw new FormatException("Empty negative-list file.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"Negative-list file is not valid: {e.Message}", e);
        }
        return Map(dto);
    }

    private static NegativeList Map(FileDto f)
    {
        var id = Required(f.Id, "?", "id");
        if (f.SchemaVersion != SchemaVersion)
            throw Bad(id, "schemaVersion", $"expected {SchemaVersion}, found {f.SchemaVersion}");

        var sources = (f.Sources ?? []).Select(s => new ListSource(
            Required(s.Id, id, "sources[].id"),
            Required(s.Publisher, id, "sources[].publisher"),
            Required(s.Date, id, "sources[].date"),
            Required(s.Url, id, "sources[].url"),
            Required(s.UsedFor, id, "sources[].usedFor"))).ToArray();
        if (sources.Length == 0) throw Bad(id, "sources", "a list must cite at least one source");
        Unique(sources.Select(s => s.Id), id, "sources[].id");

        var sectors = (f.Sectors ?? []).Select(s => new ListSector(
            Required(s.Id, id, "sectors[].id"),
            Required(s.NameZh, id, "sectors[].nameZh"),
            Required(s.NameEn, id, "sectors[].nameEn"),
            Keys(s.Keys, id, "sectors[].keys"),
            Keys(s.ExcludeKeys, id, "sectors[].excludeKeys"),
            s.Scenarios ?? [],
            s.Notes)).ToArray();
        Unique(sectors.Select(s => s.Id), id, "sectors[].id");

        var scope = f.Scope ?? throw Bad(id, "scope", "missing");
        if (scope == ListScope.AllSectors && sectors.Length > 0)
            throw Bad(id, "sectors", "a list for all sectors names no sectors");
        if (scope == ListScope.ListedSectors && sectors.Length == 0)
            throw Bad(id, "sectors", "a list for listed sectors must name them");
        foreach (var s in sectors.Where(s => s.Keys.Count == 0))
            throw Bad(id, $"sectors[{s.Id}].keys", "a sector needs at least one key");

        var entries = (f.Entries ?? []).Select(e => MapEntry(e, id)).ToArray();
        if (entries.Length == 0) throw Bad(id, "entries", "a list needs at least one entry");
        Unique(entries.Select(e => e.Id), id, "entries[].id");
        foreach (var e in entries)
        {
            if (scope == ListScope.AllSectors && e.SectorId is not null)
                throw Bad(id, $"entries[{e.Id}].sectorId", "must be null in a list for all sectors");
            if (scope == ListScope.ListedSectors && !sectors.Any(s => s.Id == e.SectorId))
                throw Bad(id, $"entries[{e.Id}].sectorId", $"'{e.SectorId}' is not a sector of the list");
            if (e.Residual && scope == ListScope.AllSectors)
                throw Bad(id, $"entries[{e.Id}].residual", "a residual entry stands for the rest of a sector");
            if (!e.Residual && e.Keys.Count == 0 && !e.PersonalInformation)
                throw Bad(id, $"entries[{e.Id}].keys", "an entry that is neither residual nor about PI needs keys");
            foreach (var src in e.SourceIds.Where(src => !sources.Any(s => s.Id == src)))
                throw Bad(id, $"entries[{e.Id}].sourceIds", $"'{src}' is not a source of the list");
            if (e.SourceIds.Count == 0) throw Bad(id, $"entries[{e.Id}].sourceIds", "an entry must cite a source");
        }

        var zoneIds = (f.ZoneIds ?? []).Select(z => NegativeListCatalog.NormaliseZoneId(Required(z, id, "zoneIds[]"))).ToArray();
        if (zoneIds.Length == 0) throw Bad(id, "zoneIds", "a list applies in at least one zone");
        Unique(zoneIds, id, "zoneIds");

        var published = Date(f.Published, id, "published");
        var from = Date(f.EffectiveFrom, id, "effectiveFrom");
        DateOnly? until = f.EffectiveUntil is null ? null : Date(f.EffectiveUntil, id, "effectiveUntil");
        if (from < published) throw Bad(id, "effectiveFrom", "a list cannot take effect before it is published");
        if (until is { } u && u < from) throw Bad(id, "effectiveUntil", "ends before it takes effect");

        return new NegativeList(
            id, zoneIds, f.TitleZh, Required(f.TitleEn, id, "titleEn"), f.IssuingAuthorities ?? [],
            published, from, until, Required(f.DateNotes, id, "dateNotes"), scope,
            f.ExcludesCriticalInformationInfrastructureOperators ?? throw Bad(id, "excludesCriticalInformationInfrastructureOperators", "missing"),
            Required(f.Detail, id, "detail"), sources, f.Notes ?? [], sectors, entries);
    }

    private static ListEntry MapEntry(EntryDto e, string listId)
    {
        var id = Required(e.Id, listId, "entries[].id");
        var field = $"entries[{id}]";
        if (e.MinIndividuals is <= 0) throw Bad(listId, $"{field}.minIndividuals", "must be positive");
        if (e.MinSensitiveIndividuals is <= 0) throw Bad(listId, $"{field}.minSensitiveIndividuals", "must be positive");
        var hasThreshold = e.MinIndividuals is not null || e.MinSensitiveIndividuals is not null;
        if (hasThreshold && string.IsNullOrWhiteSpace(e.ThresholdBasis))
            throw Bad(listId, $"{field}.thresholdBasis", "a threshold must say what it counts");
        var residual = e.Residual ?? throw Bad(listId, $"{field}.residual", "missing");
        if (residual && string.IsNullOrWhiteSpace(e.OpenQuestion))
            throw Bad(listId, $"{field}.openQuestion", "a residual entry is undetermined by nature and must ask its question");
        return new ListEntry(
            id, e.SectorId, e.Scenario,
            Required(e.CategoryZh, listId, $"{field}.categoryZh"),
            Required(e.CategoryEn, listId, $"{field}.categoryEn"),
            e.DescriptionZh, e.DescriptionEn,
            e.Requires ?? throw Bad(listId, $"{field}.requires", "missing"),
            Keys(e.Keys, listId, $"{field}.keys"),
            e.PersonalInformation ?? throw Bad(listId, $"{field}.personalInformation", "missing"),
            residual, e.MinIndividuals, e.MinSensitiveIndividuals, e.ThresholdBasis,
            string.IsNullOrWhiteSpace(e.OpenQuestion) ? null : e.OpenQuestion,
            e.SourceIds ?? []);
    }

    // Keys are stored normalised so that matching compares like with like.
    private static string[] Keys(IReadOnlyList<string>? keys, string listId, string field)
    {
        var normal = (keys ?? []).Select(KeyText.Normalise).ToArray();
        if (normal.Any(k => k.Length == 0)) throw Bad(listId, field, "a key normalises to nothing");
        return [.. normal.Distinct(StringComparer.Ordinal)];
    }

    private static DateOnly Date(string? value, string listId, string field) =>
        DateOnly.TryParseExact(Required(value, listId, field), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw Bad(listId, field, $"'{value}' is not a yyyy-MM-dd date");

    private static string Required(string? value, string listId, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw Bad(listId, field, "missing") : value;

    private static void Unique(IEnumerable<string> ids, string listId, string field)
    {
        var duplicate = ids.GroupBy(x => x, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw Bad(listId, field, $"'{duplicate.Key}' appears twice");
    }

    private static FormatException Bad(string listId, string field, string problem) =>
        new($"Negative list {listId}: {field}: {problem}.");

    // Wire shape of a list file. Every member nullable so that a missing field is reported by name, not defaulted.
    private sealed record FileDto(
        int SchemaVersion,
        string? Id,
        IReadOnlyList<string>? ZoneIds,
        string? TitleZh,
        string? TitleEn,
        IReadOnlyList<string>? IssuingAuthorities,
        string? Published,
        string? EffectiveFrom,
        string? EffectiveUntil,
        string? DateNotes,
        ListScope? Scope,
        bool? ExcludesCriticalInformationInfrastructureOperators,
        string? Detail,
        IReadOnlyList<SourceDto>? Sources,
        IReadOnlyList<string>? Notes,
        IReadOnlyList<SectorDto>? Sectors,
        IReadOnlyList<EntryDto>? Entries);

    private sealed record SourceDto(string? Id, string? Publisher, string? Date, string? Url, string? UsedFor);

    private sealed record SectorDto(
        string? Id,
        string? NameZh,
        string? NameEn,
        IReadOnlyList<string>? Keys,
        IReadOnlyList<string>? ExcludeKeys,
        IReadOnlyList<string>? Scenarios,
        string? Notes);

    private sealed record EntryDto(
        string? Id,
        string? SectorId,
        string? Scenario,
        string? CategoryZh,
        string? CategoryEn,
        string? DescriptionZh,
        string? DescriptionEn,
        EntryRequirement? Requires,
        IReadOnlyList<string>? Keys,
        bool? PersonalInformation,
        bool? Residual,
        long? MinIndividuals,
        long? MinSensitiveIndividuals,
        string? ThresholdBasis,
        string? OpenQuestion,
        IReadOnlyList<string>? SourceIds);
}
