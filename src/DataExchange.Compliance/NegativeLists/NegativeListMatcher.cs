using System.Globalization;

namespace DataExchange.Compliance.NegativeLists;

/// <summary>
/// What a listing declares, as the negative-list matcher needs it. <see cref="Sector"/> and <see cref="Categories"/> are
/// free strings ("pharmaceutical", "clinical trial data", "customer personal information"). <see cref="Individuals"/>
/// counts every individual whose personal information is in the data, sensitive ones included;
/// <see cref="SensitiveIndividuals"/> is the subset with sensitive PI (as <see cref="DataDeclaration"/>). An entry's
/// threshold is compared with these figures: pass the count the entry speaks of (its
/// <see cref="ListEntry.ThresholdBasis"/>); for thresholds counted cumulatively since 1 January, pass the exporter's
/// cumulative figure including this export.
/// </summary>
public sealed record NegativeListQuery(
    string ZoneId,
    DateOnly TradeDate,
    string Sector,
    IReadOnlyList<string> Categories,
    bool ContainsPersonalInformation,
    long Individuals,
    long SensitiveIndividuals,
    bool ExporterIsCriticalInformationInfrastructureOperator)
{
    /// <summary>The query for a listing's declaration, exported from a zone by an exporter of known CIIO status.</summary>
    public static NegativeListQuery FromDeclaration(string zoneId, DateOnly tradeDate, DataDeclaration data, bool exporterIsCiio)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new(zoneId, tradeDate, data.Sector, data.Categories, data.ContainsPersonalInformation,
            data.Individuals, data.SensitiveIndividuals, exporterIsCiio);
    }
}

/// <summary>
/// The answer for one list, and overall. The numeric order is the precedence used to combine several lists in force in
/// one zone: the strictest answer wins (on the list beats undetermined beats off the list), and an exemption from one
/// list that covers the data beats a list that does not cover it.
/// </summary>
public enum NegativeListOutcome
{
    /// <summary>No list of the zone is in force on the date (unknown zone, or before the first list took effect): no art. 6 exemption; national rules apply.</summary>
    NoListInForce = 0,
    /// <summary>A list is in force but excludes this exporter (Shanghai's list excludes CIIOs): national rules apply.</summary>
    ListNotApplicable = 1,
    /// <summary>The list names industry sectors and the declared one is not among them: no exemption; national rules apply.</summary>
    SectorNotCovered = 2,
    /// <summary>Off the list: exempt from the security assessment, standard contract and certification (2024 Provisions art. 6).</summary>
    OffList = 3,
    /// <summary>The declaration does not say whether the data is on the list: each matched entry carries its question.</summary>
    Undetermined = 4,
    /// <summary>On the list: the matched entries name the procedure each requires.</summary>
    OnList = 5,
}

public enum EntryMatchStatus
{
    OnList,
    Undetermined,
}

/// <summary>
/// An entry the declaration reached. <see cref="Triggers"/> says what in the declaration reached it (a declared category,
/// the personal information, or the missing sector). <see cref="Question"/> is set when undetermined: the question a
/// person must answer before the export can be judged.
/// </summary>
public sealed record EntryMatch(
    string ListId,
    string EntryId,
    EntryMatchStatus Status,
    IReadOnlyList<string> Triggers,
    string? Question,
    EntryRequirement Requires,
    string Citation);

/// <summary>One list's answer. <see cref="CoveredSectors"/> are the ids of the list's sectors the declared sector falls in.</summary>
public sealed record ListVerdict(
    string ListId,
    NegativeListOutcome Outcome,
    IReadOnlyList<EntryMatch> Matches,
    IReadOnlyList<string> CoveredSectors,
    string Explanation);

/// <summary>
/// The combined answer for a zone and date (strictest of <see cref="Lists"/>, see <see cref="NegativeListOutcome"/>).
/// <see cref="Exempt"/> is true only when the data is off every list in force that covers it and on none.
/// </summary>
public sealed record NegativeListResult(
    string ZoneId,
    DateOnly TradeDate,
    NegativeListOutcome Outcome,
    IReadOnlyList<ListVerdict> Lists,
    string Explanation)
{
    public bool Exempt => Outcome == NegativeListOutcome.OffList;

    /// <summary>Every matched entry of every list in force, on-list and undetermined alike.</summary>
    public IReadOnlyList<EntryMatch> Matches => [.. Lists.SelectMany(l => l.Matches)];
}

/// <summary>
/// Decides whether declared data falls within a zone's negative list in force on a trade date. Pure and deterministic:
/// the lists are data, the date an input.
/// <para>Matching is by explicit keys: each entry lists normalised category keywords (Chinese and English) and a declared
/// category reaches the entry when it contains one (<see cref="KeyText"/>). Then, per entry: a volume threshold not
/// reached drops the entry; a threshold on the number of people the data describes, when the declaration counts no
/// identifiable individuals, is a question; an entry with an open question is undetermined; otherwise the data is on
/// the list. For sector lists, only entries of the sectors the declared sector falls in are candidates; a declared
/// category none of them matched reaches the sector's residual entry (the part not available offline), and a category
/// matching an entry of a sector the declaration did not name asks whether the export is made in that sector.
/// Declared personal information reaches the entries about PI, or the sector's residual entry.</para>
/// <para>Not decided here: core data (prohibited whatever a list says), important data notified by authorities, and the
/// exporter's registration in the zone (the caller picks the zone).</para>
/// </summary>
public static class NegativeListMatcher
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static NegativeListResult Match(NegativeListQuery query) => Match(query, NegativeListCatalog.Default);

    public static NegativeListResult Match(NegativeListQuery query, NegativeListCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(catalog);
        Validate(query);

        var zone = NegativeListCatalog.NormaliseZoneId(query.ZoneId);
        var inForce = catalog.InForce(zone, query.TradeDate);
        if (inForce.Count == 0)
            return new(zone, query.TradeDate, NegativeListOutcome.NoListInForce, [], NoListExplanation(catalog, zone, query.TradeDate));

        var declared = new Declaration(query);
        var verdicts = inForce.Select(l => Evaluate(l, declared)).ToArray();
        var outcome = verdicts.Max(v => v.Outcome);
        var explanation = string.Create(Inv,
            $"{Phrase(outcome)} in zone {zone} on {query.TradeDate:yyyy-MM-dd}: {string.Join(" ", verdicts.Select(v => v.Explanation))}");
        return new(zone, query.TradeDate, outcome, verdicts, explanation);
    }

    private static void Validate(NegativeListQuery q)
    {
        ArgumentNullException.ThrowIfNull(q.ZoneId);
        ArgumentNullException.ThrowIfNull(q.Categories);
        if (string.IsNullOrWhiteSpace(q.ZoneId)) throw new ArgumentException("A zone id is required.", nameof(q));
        // Same consistency rules as the compliance engine's declaration check, so the two never disagree on an input.
        string? problem =
            q.Individuals < 0 || q.SensitiveIndividuals < 0 ? "negative individual counts"
            : q.SensitiveIndividuals > q.Individuals ? "more sensitive individuals than individuals"
            : !q.ContainsPersonalInformation && q.Individuals > 0 ? "individuals declared but no personal information"
            : q.ContainsPersonalInformation && q.Individuals == 0 ? "personal information declared without a number of individuals"
            : null;
        if (problem is not null) throw new ArgumentException($"Inconsistent declaration: {problem}.", nameof(q));
    }

    private static string NoListExplanation(NegativeListCatalog catalog, string zone, DateOnly date)
    {
        var all = catalog.ForZone(zone);
        if (all.Count == 0)
            return $"No negative list is recorded for zone {zone}: the free-trade-zone exemption (2024 Provisions art. 6) is not available and the national rules apply. Zones with lists: {string.Join(", ", catalog.ZoneIds)}.";
        var next = all.Where(l => l.EffectiveFrom > date).OrderBy(l => l.EffectiveFrom).FirstOrDefault();
        return next is not null
            ? string.Create(Inv, $"No negative list of zone {zone} is in force on {date:yyyy-MM-dd}: the first, {next.Id}, takes effect on {next.EffectiveFrom:yyyy-MM-dd}. The national rules apply.")
            : string.Create(Inv, $"No negative list of zone {zone} is in force on {date:yyyy-MM-dd} (every recorded list had ended). The national rules apply.");
    }

    private static ListVerdict Evaluate(NegativeList list, Declaration d)
    {
        if (list.ExcludesCriticalInformationInfrastructureOperators && d.Query.ExporterIsCriticalInformationInfrastructureOperator)
            return new(list.Id, NegativeListOutcome.ListNotApplicable, [], [],
                $"{list.Id} does not apply: it excludes critical information infrastructure operators, so the national rules apply.");

        var covered = list.Scope == ListScope.AllSectors
            ? []
            : list.Sectors.Where(s => KeyText.ContainsAny(d.Sector, s.Keys) && !KeyText.ContainsAny(d.Sector, s.ExcludeKeys)).ToArray();
        var coveredIds = covered.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var candidates = list.Entries.Where(e => list.Scope == ListScope.AllSectors || coveredIds.Contains(e.SectorId!)).ToArray();
        var hits = new Hits(list);
        var below = new List<string>();

        if (list.Scope == ListScope.ListedSectors && d.Sector.Length == 0)
        {
            // A sector list cannot be applied without a sector: every sector's remainder is a candidate.
            var sectors = string.Join(", ", list.Sectors.Select(s => $"{s.NameZh} ({s.NameEn})"));
            foreach (var residual in list.Entries.Where(e => e.Residual))
                hits.Add(residual, EntryMatchStatus.Undetermined, "no sector declared",
                    $"The declaration names no sector and {list.Id} covers only {sectors}: is the export made in one of them? If in this entry's sector: {residual.OpenQuestion}");
            return Verdict(list, d, hits, covered, below);
        }

        if (d.Categories.Count == 0)
            // Nothing says what the data is: no entry can be ruled out, so none may be treated as off the list.
            foreach (var e in candidates)
                hits.Add(e, EntryMatchStatus.Undetermined, "no data category declared",
                    $"The declaration names no data category: is the data within {e.Id} ({e.CategoryEn})?{(e.OpenQuestion is { } oq ? " " + oq : "")}");

        foreach (var (category, text) in d.Categories)
        {
            var keyed = candidates.Where(e => !e.Residual && KeyText.ContainsAny(text, e.Keys)).ToArray();
            foreach (var e in keyed) Judge(e, $"category '{category}'", d, hits, below);
            if (keyed.Length > 0 || list.Scope == ListScope.AllSectors) continue;
            if (covered.Length > 0)
            {
                foreach (var residual in candidates.Where(e => e.Residual))
                    hits.Add(residual, EntryMatchStatus.Undetermined, $"category '{category}'", $"'{category}': {residual.OpenQuestion}");
                continue;
            }
            // The declared sector is not covered, but the category looks like another sector's entry: ask, don't guess.
            var excluded = list.Sectors.Where(s => KeyText.ContainsAny(d.Sector, s.ExcludeKeys)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var e in list.Entries.Where(e => !e.Residual && !excluded.Contains(e.SectorId!) && KeyText.ContainsAny(text, e.Keys)))
            {
                var sector = list.Sector(e.SectorId)!;
                hits.Add(e, EntryMatchStatus.Undetermined, $"category '{category}'",
                    $"The declared sector '{d.Query.Sector}' is not one of {list.Id}'s sectors, but '{category}' matches this {sector.NameEn} ({sector.NameZh}) entry: is the export made in that sector? If so: {e.OpenQuestion ?? "the data is on the list."}");
            }
        }

        if (d.Query.ContainsPersonalInformation)
        {
            var trigger = string.Create(Inv, $"personal information of {d.Query.Individuals:N0} individuals ({d.Query.SensitiveIndividuals:N0} sensitive)");
            var aboutPi = candidates.Where(e => !e.Residual && e.PersonalInformation).ToArray();
            foreach (var e in aboutPi) Judge(e, trigger, d, hits, below);
            if (aboutPi.Length == 0)
                foreach (var residual in candidates.Where(e => e.Residual && e.PersonalInformation))
                    hits.Add(residual, EntryMatchStatus.Undetermined, trigger, $"Personal information: {residual.OpenQuestion}");
        }
        return Verdict(list, d, hits, covered, below);
    }

    // Thresholds first (a threshold not reached means the entry does not apply), then the entry's open question.
    private static void Judge(ListEntry e, string trigger, Declaration d, Hits hits, List<string> below)
    {
        var q = d.Query;
        if (e.MinIndividuals is not null || e.MinSensitiveIndividuals is not null)
        {
            var threshold = Threshold(e);
            if (!q.ContainsPersonalInformation)
            {
                if (e.PersonalInformation) return; // an entry about PI cannot apply to data without PI
                hits.Add(e, EntryMatchStatus.Undetermined, trigger,
                    $"{e.Id} applies from {threshold} ({e.ThresholdBasis}); the declaration counts no identifiable individuals: how many people does the data describe?");
                return;
            }
            var reached = (e.MinIndividuals is { } mi && q.Individuals >= mi) || (e.MinSensitiveIndividuals is { } ms && q.SensitiveIndividuals >= ms);
            if (!reached)
            {
                below.Add(string.Create(Inv, $"{e.Id} ({trigger}) applies from {threshold} and the declaration has {q.Individuals:N0} ({q.SensitiveIndividuals:N0} sensitive)"));
                return;
            }
        }
        if (e.OpenQuestion is { } question) hits.Add(e, EntryMatchStatus.Undetermined, trigger, question);
        else hits.Add(e, EntryMatchStatus.OnList, trigger, null);
    }

    private static string Threshold(ListEntry e) => string.Join(" or ", new[]
    {
        e.MinIndividuals is { } mi ? string.Create(Inv, $"{mi:N0} individuals") : null,
        e.MinSensitiveIndividuals is { } ms ? string.Create(Inv, $"{ms:N0} sensitive individuals") : null,
    }.OfType<string>());

    private static ListVerdict Verdict(NegativeList list, Declaration d, Hits hits, ListSector[] covered, List<string> below)
    {
        var matches = hits.ToMatches();
        var outcome =
            matches.Any(m => m.Status == EntryMatchStatus.OnList) ? NegativeListOutcome.OnList
            : matches.Count > 0 ? NegativeListOutcome.Undetermined
            : list.Scope == ListScope.ListedSectors && covered.Length == 0 ? NegativeListOutcome.SectorNotCovered
            : NegativeListOutcome.OffList;
        var belowClause = below.Count > 0 ? $" Below threshold: {string.Join("; ", below)}." : "";
        var sectors = covered.Length > 0 ? $" (sector: {string.Join(", ", covered.Select(s => s.NameEn))})" : "";
        var explanation = outcome switch
        {
            NegativeListOutcome.OnList =>
                $"{list.Id}{sectors} lists the data: {string.Join("; ", matches.Where(m => m.Status == EntryMatchStatus.OnList).Select(m => $"{m.EntryId} requires {Requirement(m.Requires)}"))}.{Undetermined(matches)}{belowClause}",
            NegativeListOutcome.Undetermined =>
                $"{list.Id}{sectors} cannot be applied from the declaration alone.{Undetermined(matches)}{belowClause}",
            NegativeListOutcome.SectorNotCovered =>
                $"{list.Id} covers only {string.Join(", ", list.Sectors.Select(s => s.NameEn))}; the declared sector '{d.Query.Sector}' is none of them, so the list grants no exemption and the national rules apply.{belowClause}",
            _ =>
                $"{list.Id}{sectors}: no entry matches the declared categories ({string.Join(", ", d.Query.Categories.Select(c => $"'{c}'"))}){(d.Query.ContainsPersonalInformation ? " or the personal information" : "")}, so the export is exempt from the security assessment, standard contract and certification (2024 Provisions art. 6). Matched against a {list.Detail.Split(':', ';')[0]}.{belowClause}",
        };
        return new(list.Id, outcome, matches, [.. covered.Select(s => s.Id)], explanation);
    }

    private static string Undetermined(IReadOnlyList<EntryMatch> matches)
    {
        var open = matches.Where(m => m.Status == EntryMatchStatus.Undetermined).ToArray();
        return open.Length == 0 ? "" : $" Undetermined: {string.Join(" ", open.Select(m => $"{m.EntryId} — {m.Question}"))}";
    }

    private static string Requirement(EntryRequirement r) => r switch
    {
        EntryRequirement.SecurityAssessment => "a CAC security assessment",
        EntryRequirement.StandardContractOrCertification => "a PI export standard contract filing or PI protection certification",
        EntryRequirement.OtherLegalPath => "another legal path named by the list (not the art. 6 procedures)",
        _ => "one of the security assessment, standard contract or certification (the sources do not say which)",
    };

    private static string Phrase(NegativeListOutcome o) => o switch
    {
        NegativeListOutcome.OnList => "On the negative list",
        NegativeListOutcome.Undetermined => "Undetermined against the negative list",
        NegativeListOutcome.OffList => "Off the negative list (exempt)",
        NegativeListOutcome.SectorNotCovered => "Sector not covered by the negative list",
        NegativeListOutcome.ListNotApplicable => "Negative list not applicable",
        _ => "No negative list in force",
    };

    // The declaration with its strings normalised once.
    private sealed class Declaration(NegativeListQuery query)
    {
        public NegativeListQuery Query { get; } = query;
        public string Sector { get; } = KeyText.Normalise(query.Sector);
        public IReadOnlyList<(string Original, string Text)> Categories { get; } =
            [.. query.Categories.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => (c.Trim(), KeyText.Normalise(c)))];
    }

    // Collects matches, one per entry, in list order; an entry reached twice keeps every trigger and its strictest status.
    private sealed class Hits(NegativeList list)
    {
        private readonly Dictionary<string, (EntryMatchStatus Status, List<string> Triggers, string? Question)> _byEntry = new(StringComparer.Ordinal);

        public void Add(ListEntry e, EntryMatchStatus status, string trigger, string? question)
        {
            if (!_byEntry.TryGetValue(e.Id, out var hit))
            {
                _byEntry[e.Id] = (status, [trigger], question);
                return;
            }
            if (!hit.Triggers.Contains(trigger)) hit.Triggers.Add(trigger);
            _byEntry[e.Id] = status == EntryMatchStatus.OnList
                ? (EntryMatchStatus.OnList, hit.Triggers, null)
                : (hit.Status, hit.Triggers, hit.Question ?? question);
        }

        public IReadOnlyList<EntryMatch> ToMatches() =>
        [
            .. list.Entries.Where(e => _byEntry.ContainsKey(e.Id)).Select(e =>
            {
                var hit = _byEntry[e.Id];
                return new EntryMatch(list.Id, e.Id, hit.Status, [.. hit.Triggers],
                    hit.Status == EntryMatchStatus.Undetermined ? hit.Question : null, e.Requires, list.Citation(e));
            }),
        ];
    }
}
