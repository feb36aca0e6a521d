using System.Globalization;

namespace DataExchange.Compliance.NegativeLists;

/// <summary>
/// Whom a list speaks to. Tianjin's list is organised by data category and binds every exporter registered in the zone;
/// the Beijing, Shanghai and Hainan lists name industry sectors and scenarios, and an exporter outside them gets no
/// exemption from the list at all (the national rules apply unchanged), which is why the distinction is data.
/// </summary>
public enum ListScope
{
    AllSectors,
    ListedSectors,
}

/// <summary>What an entry requires before the data may leave, as far as the sources say.</summary>
public enum EntryRequirement
{
    /// <summary>CAC security assessment (数据出境安全评估): the lists' important-data items.</summary>
    SecurityAssessment,
    /// <summary>PI export standard contract filing (个人信息出境标准合同) or PI protection certification.</summary>
    StandardContractOrCertification,
    /// <summary>One of the three art. 6 procedures; the sources available offline do not say which.</summary>
    ExportProcedureNotSpecified,
    /// <summary>
    /// Not one of the three procedures but another legal route the list points to (e.g. the human-genetic-resources
    /// reporting and backup duties for genetic information in the Beijing pharmaceutical list).
    /// </summary>
    OtherLegalPath,
}

/// <summary>A publication a list file was built from. <see cref="Date"/> is free text because many summaries are undated.</summary>
public sealed record ListSource(string Id, string Publisher, string Date, string Url, string UsedFor);

/// <summary>
/// An industry sector of a <see cref="ListScope.ListedSectors"/> list. <see cref="Keys"/> and
/// <see cref="ExcludeKeys"/> are this project's matching aids (normalised keywords), not text of the list: a declared
/// sector is covered when it contains a key and no exclude key (Beijing 2024's automotive list leaves out automatic
/// driving).
/// </summary>
public sealed record ListSector(
    string Id,
    string NameZh,
    string NameEn,
    IReadOnlyList<string> Keys,
    IReadOnlyList<string> ExcludeKeys,
    IReadOnlyList<string> Scenarios,
    string? Notes);

/// <summary>
/// One item of a list at the detail the sources give (category, scenario, description, volume threshold).
/// <para><see cref="Keys"/>: normalised category keywords (Chinese and English) that say the declared data is of the kind
/// the entry describes; matching aids, not list text.</para>
/// <para><see cref="PersonalInformation"/>: the entry is about personal information and also matches any declaration
/// that contains PI.</para>
/// <para><see cref="Residual"/>: the entry stands for the part of its sector's list that is not available offline; it
/// matches any declared category no other entry of the sector matched, so that such data is reported undetermined
/// rather than wrongly off the list.</para>
/// <para><see cref="MinIndividuals"/> / <see cref="MinSensitiveIndividuals"/>: inclusive thresholds (以上 includes
/// the figure); the entry applies when either is reached. <see cref="ThresholdBasis"/> says what is counted.</para>
/// <para><see cref="OpenQuestion"/>: non-null when a match cannot be decided from a declaration (the entry's own
/// condition is not in it, or the item text is not available); a match then answers undetermined with this question.</para>
/// </summary>
public sealed record ListEntry(
    string Id,
    string? SectorId,
    string? Scenario,
    string CategoryZh,
    string CategoryEn,
    string? DescriptionZh,
    string? DescriptionEn,
    EntryRequirement Requires,
    IReadOnlyList<string> Keys,
    bool PersonalInformation,
    bool Residual,
    long? MinIndividuals,
    long? MinSensitiveIndividuals,
    string? ThresholdBasis,
    string? OpenQuestion,
    IReadOnlyList<string> SourceIds);

/// <summary>
/// One published free-trade-zone data-export negative list (数据出境负面清单, 2024 Provisions art. 6), loaded from a
/// versioned data file. <see cref="EffectiveUntil"/> is the last day in force (inclusive), null while not superseded.
/// <see cref="Detail"/> says at what level the entries were encoded (item, scenario, sector or category), because
/// most lists could only be sourced as summaries and a reader must know how far a "not on the list" can be trusted.
/// </summary>
public sealed record NegativeList(
    string Id,
    IReadOnlyList<string> ZoneIds,
    string? TitleZh,
    string TitleEn,
    IReadOnlyList<string> IssuingAuthorities,
    DateOnly Published,
    DateOnly EffectiveFrom,
    DateOnly? EffectiveUntil,
    string DateNotes,
    ListScope Scope,
    bool ExcludesCriticalInformationInfrastructureOperators,
    string Detail,
    IReadOnlyList<ListSource> Sources,
    IReadOnlyList<string> Notes,
    IReadOnlyList<ListSector> Sectors,
    IReadOnlyList<ListEntry> Entries)
{
    /// <summary>In force from <see cref="EffectiveFrom"/> through <see cref="EffectiveUntil"/>, both inclusive.</summary>
    public bool InForceOn(DateOnly date) => EffectiveFrom <= date && (EffectiveUntil is not { } until || date <= until);

    /// <summary>True when the list applies in <paramref name="zoneId"/> (trimmed, case-insensitive).</summary>
    public bool AppliesIn(string zoneId) =>
        ZoneIds.Contains(NegativeListCatalog.NormaliseZoneId(zoneId), StringComparer.Ordinal);

    public ListSector? Sector(string? id) =>
        id is null ? null : Sectors.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal));

    /// <summary>
    /// Human-readable citation of an entry: list, entry, category, effective date and the sources it rests on, so that a
    /// decision quoting it can be checked against the publication.
    /// </summary>
    public string Citation(ListEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var sources = string.Join("; ", entry.SourceIds
            .Select(id => Sources.First(s => string.Equals(s.Id, id, StringComparison.Ordinal)))
            .Select(s => $"{s.Publisher}, {s.Date}, {s.Url}"));
        var sector = Sector(entry.SectorId) is { } s ? $" [{s.NameZh} / {s.NameEn}]" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Id} {entry.Id}{sector}: {entry.CategoryZh} ({entry.CategoryEn}) — {TitleZh ?? TitleEn}, in force from {EffectiveFrom:yyyy-MM-dd}; sources: {sources}");
    }
}
