using System.Globalization;
using DataExchange.Compliance;
using Engine = DataExchange.Compliance;

namespace DataExchange.Seeds;

/// <summary>One trade as the engine judged it during the replay.</summary>
public sealed record SeedTradeDecision(SeedTrade Trade, bool CrossBorder, ComplianceDecision Decision, ExportVolume PriorVolume);

/// <summary>Figures computed from the trades (filed, non-cancelled ones), to compare with the headline.</summary>
public sealed record SeedFigures(
    int FiledTrades,
    long TotalValueMinor,
    int CrossBorderTrades,
    long CrossBorderValueMinor,
    int RefusedAttempts,
    int CancelledTrades,
    DateOnly? FirstContractDate,
    DateOnly? LastContractDate);

public sealed record SeedValidationReport(
    IReadOnlyList<string> Problems,
    IReadOnlyList<SeedTradeDecision> Decisions,
    SeedFigures Figures)
{
    public bool IsValid => Problems.Count == 0;
}

/// <summary>
/// Checks a data set without a server: references and lifecycles are consistent, and every trade, replayed in
/// contract-date order through <see cref="ComplianceEngine.Decide(ComplianceInput)"/> with the cumulative volumes
/// tracked here and the seeded approvals, gets the outcome the seed expects. Also recomputes the headline figures.
/// </summary>
public static class SeedValidator
{
    public static readonly DateOnly FirstTradeDate = new(2021, 12, 1);
    public static readonly DateOnly LastTradeDate = new(2022, 11, 15);

    public static SeedValidationReport Validate(SeedDataSet dataSet) => Validate(dataSet, RuleSetCatalog.Default);

    public static SeedValidationReport Validate(SeedDataSet dataSet, RuleSetCatalog catalog)
    {
        var problems = new List<string>();
        if (dataSet.Format != SeedFormat.Current)
        {
            problems.Add($"format is '{dataSet.Format}', expected '{SeedFormat.Current}'");
        }

        CheckUnique(problems, "participant id", dataSet.Participants.Select(p => p.Id));
        CheckUnique(problems, "listing id", dataSet.Listings.Select(l => l.Id));
        CheckUnique(problems, "approval id", dataSet.Approvals.Select(a => a.Id));
        CheckUnique(problems, "trade id", dataSet.Trades.Select(t => t.Id));
        CheckUnique(problems, "display name", dataSet.Participants.Select(p => p.DisplayName));
        CheckUnique(problems, "Chinese display name", dataSet.Participants.Select(p => p.DisplayNameZh));
        CheckUnique(problems, "legal name", dataSet.Participants.Select(p => p.LegalName));
        CheckUnique(problems, "Chinese legal name", dataSet.Participants.Select(p => p.LegalNameZh));
        CheckUnique(problems, "listing title", dataSet.Listings.Select(l => l.Title));
        CheckUnique(problems, "approval reference", dataSet.Approvals.Select(a => a.ReferenceNumber));
        CheckUnique(problems, "trade external reference", dataSet.Trades.Select(t => t.ExternalReference));
        if (problems.Count > 0)
        {
            return new SeedValidationReport(problems, [], Figures(dataSet, null));
        }

        var index = new SeedIndex(dataSet);
        foreach (var p in dataSet.Participants)
        {
            CheckParticipant(problems, p);
        }

        foreach (var l in dataSet.Listings)
        {
            CheckListing(problems, index, l);
        }

        foreach (var a in dataSet.Approvals)
        {
            CheckApproval(problems, index, a);
        }

        foreach (var t in dataSet.Trades)
        {
            CheckTrade(problems, index, t);
        }

        if (problems.Count > 0)
        {
            return new SeedValidationReport(problems, [], Figures(dataSet, null));
        }

        var decisions = Replay(problems, index, catalog);
        var figures = Figures(dataSet, index);
        CheckHeadline(problems, dataSet.Headline, figures);
        return new SeedValidationReport(problems, decisions, figures);
    }

    /// <summary>Trades in the order the engine must see them: contract date, then seed id.</summary>
    public static IReadOnlyList<SeedTrade> InContractDateOrder(IEnumerable<SeedTrade> trades) =>
        [.. trades.OrderBy(t => t.ContractDate).ThenBy(t => t.Id, StringComparer.Ordinal)];

    private static List<SeedTradeDecision> Replay(List<string> problems, SeedIndex index, RuleSetCatalog catalog)
    {
        var decisions = new List<SeedTradeDecision>();
        // Accepted cross-border exports per exporter: (contract date, individuals, sensitive).
        var exported = new Dictionary<string, List<(DateOnly Date, long Individuals, long Sensitive)>>(StringComparer.Ordinal);
        var approvalsByExporter = index.DataSet.Approvals
            .GroupBy(a => a.Exporter, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Engine.ExportApproval>)[.. g.Select(SeedIndex.ToEngine)], StringComparer.Ordinal);

        foreach (var trade in InContractDateOrder(index.DataSet.Trades))
        {
            var listing = index.ListingOf(trade);
            var vendor = index.VendorOf(trade);
            var buyer = index.BuyerOf(trade);
            var ruleSet = catalog.RuleSetFor(trade.ContractDate);
            var windowStart = ruleSet.VolumeWindowStart(trade.ContractDate);
            var history = exported.GetValueOrDefault(vendor.Id) ?? [];
            var inWindow = history.Where(e => e.Date >= windowStart && e.Date <= trade.ContractDate).ToList();
            var prior = new ExportVolume(inWindow.Sum(e => e.Individuals), inWindow.Sum(e => e.Sensitive));
            var input = new ComplianceInput(
                trade.ContractDate,
                SeedIndex.ToParty(vendor),
                SeedIndex.ToParty(buyer),
                SeedIndex.ToDeclaration(listing, trade.ContractDate),
                new Engine.LicenceTerms(trade.Licence.OnwardTransferAllowed, SeedIndex.TerritoryCode(trade.Licence.Territory)),
                prior,
                approvalsByExporter.GetValueOrDefault(vendor.Id) ?? []);
            var decision = ComplianceEngine.Decide(input, ruleSet);
            decisions.Add(new SeedTradeDecision(trade, decision.CrossBorder, decision, prior));

            var expectedRefusal = TradeOutcomes.IsRefused(trade.Outcome) ? TradeOutcomes.RefusalReason(trade.Outcome) : null;
            if (expectedRefusal is null && !decision.Accepted)
            {
                problems.Add($"trade {trade.Id} ({trade.ContractDate:yyyy-MM-dd}) expects '{trade.Outcome}' but the engine refuses it: {decision.RefusalReason}: {decision.Explanation}");
            }
            else if (expectedRefusal is not null && decision.Accepted)
            {
                problems.Add($"trade {trade.Id} ({trade.ContractDate:yyyy-MM-dd}) expects refusal {expectedRefusal} but the engine accepts it: {decision.Explanation}");
            }
            else if (expectedRefusal is not null && decision.RefusalReason != expectedRefusal)
            {
                problems.Add($"trade {trade.Id} expects refusal {expectedRefusal} but the engine refuses with {decision.RefusalReason}: {decision.Explanation}");
            }

            if (decision.CrossBorder != index.IsCrossBorder(trade))
            {
                problems.Add($"trade {trade.Id}: the engine's cross-border scope ({decision.CrossBorder}) differs from the seed's");
            }

            if (decision is { Accepted: true, CrossBorder: true })
            {
                if (history.Any(e => e.Date == trade.ContractDate))
                {
                    // Two exports by one exporter on one day would make the server's volume order ambiguous.
                    problems.Add($"trade {trade.Id}: exporter {vendor.Id} already has a cross-border trade on {trade.ContractDate:yyyy-MM-dd}");
                }

                history.Add((trade.ContractDate, listing.Individuals, listing.SensitiveIndividuals));
                exported[vendor.Id] = history;
            }
        }

        return decisions;
    }

    private static void CheckParticipant(List<string> problems, SeedParticipant p)
    {
        if (p.Roles.Count == 0 || p.Roles.Distinct().Count() != p.Roles.Count)
        {
            problems.Add($"participant {p.Id}: roles must be non-empty and distinct");
        }

        if (p.Region == SeedRegion.Mainland && string.IsNullOrWhiteSpace(p.City))
        {
            problems.Add($"participant {p.Id}: a mainland participant needs a city");
        }

        if (p.DisplayName.Length > 100 || p.ServerLegalName.Length > 200)
        {
            problems.Add($"participant {p.Id}: names exceed the API's limits (100 / 200 characters)");
        }
    }

    private static void CheckListing(List<string> problems, SeedIndex index, SeedListing l)
    {
        if (!index.Participants.TryGetValue(l.Vendor, out var vendor) || !vendor.Has(SeedRole.Vendor))
        {
            problems.Add($"listing {l.Id}: vendor {l.Vendor} is not a seeded vendor");
        }

        if (!index.Participants.TryGetValue(l.Reviewer, out var reviewer) || !reviewer.Has(SeedRole.ComplianceOfficer))
        {
            problems.Add($"listing {l.Id}: reviewer {l.Reviewer} is not a seeded compliance officer");
        }

        if (l.ContainsPersonalInformation != l.Individuals > 0 || l.SensitiveIndividuals < 0 || l.SensitiveIndividuals > l.Individuals)
        {
            problems.Add($"listing {l.Id}: inconsistent personal-information declaration");
        }

        if (l.Location.Region == SeedRegion.Mainland && string.IsNullOrWhiteSpace(l.Location.City))
        {
            problems.Add($"listing {l.Id}: mainland data needs a city");
        }

        if (l.Categories.Count == 0 || l.Categories.Any(c => !IsCategory(c)))
        {
            problems.Add($"listing {l.Id}: categories must be lower-case slugs");
        }

        if (l.Price.AmountMinor < 0 || l.Licence.TermDays is < 1 or > 3650)
        {
            problems.Add($"listing {l.Id}: price or licence term out of range");
        }

        // Walk the lifecycle through the listing state machine (see listings.proto).
        var state = "draft";
        foreach (var step in l.Lifecycle)
        {
            var next = (state, step) switch
            {
                ("draft" or "returned", LifecycleSteps.Submit) => "submitted",
                ("submitted", LifecycleSteps.Approve) => "registered",
                ("submitted", LifecycleSteps.Return) => "returned",
                ("submitted", LifecycleSteps.Reject) => "rejected",
                ("returned", LifecycleSteps.Revise) => "returned",
                ("registered", LifecycleSteps.Publish) => "listed",
                ("listed", LifecycleSteps.Suspend) => "suspended",
                ("registered" or "listed" or "suspended", LifecycleSteps.Delist) => "delisted",
                _ => null,
            };
            if (next is null)
            {
                problems.Add($"listing {l.Id}: step '{step}' is not allowed in state {state}");
                return;
            }

            state = next;
        }

        // Core data (核心数据) is not offered for trade: it cannot be submitted, and a reclassification needs its notice.
        if (l.DataLevel == SeedDataLevel.Core && l.Lifecycle.Contains(LifecycleSteps.Submit))
        {
            problems.Add($"listing {l.Id}: core data cannot be submitted for registration");
        }

        var level = l.DataLevel;
        foreach (var r in (l.Reclassifications ?? []).OrderBy(r => r.EffectiveOn))
        {
            if (string.IsNullOrWhiteSpace(r.Reference) || r.Reference.Length > 200 || r.EffectiveOn < new DateOnly(2017, 6, 1) || r.DataLevel == level)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"listing {l.Id}: the reclassification of {r.EffectiveOn:yyyy-MM-dd} needs a reference, a date from 2017-06-01 and a change of level"));
            }

            level = r.DataLevel;
        }

        if ((l.Reclassifications?.Count ?? 0) > 0 && !l.IsPublished)
        {
            problems.Add($"listing {l.Id}: only published listings are reclassified (after publication, before their trades)");
        }

        var needs = new (string Step, string? Text)[]
        {
            (LifecycleSteps.Return, l.ReturnReason), (LifecycleSteps.Revise, l.RevisedDescription),
            (LifecycleSteps.Reject, l.RejectReason), (LifecycleSteps.Suspend, l.SuspendReason), (LifecycleSteps.Delist, l.DelistReason),
        };
        foreach (var (step, text) in needs)
        {
            if (l.Lifecycle.Contains(step) && string.IsNullOrWhiteSpace(text))
            {
                problems.Add($"listing {l.Id}: step '{step}' needs its reason or text");
            }
        }
    }

    private static void CheckApproval(List<string> problems, SeedIndex index, SeedApproval a)
    {
        if (!index.Participants.TryGetValue(a.Exporter, out var exporter) || !exporter.Has(SeedRole.Vendor) || exporter.Region != SeedRegion.Mainland)
        {
            problems.Add($"approval {a.Id}: exporter {a.Exporter} is not a seeded mainland vendor");
        }

        if (!index.Participants.TryGetValue(a.RecordedBy, out var officer) || !officer.Has(SeedRole.ComplianceOfficer))
        {
            problems.Add($"approval {a.Id}: {a.RecordedBy} is not a seeded compliance officer");
        }

        if (a.Listings.Count == 0 && a.Categories.Count == 0)
        {
            problems.Add($"approval {a.Id}: names neither listings nor categories");
        }

        if (a.Listings.Any(id => !index.Listings.TryGetValue(id, out var l) || l.Vendor != a.Exporter))
        {
            problems.Add($"approval {a.Id}: covers a listing that is not the exporter's");
        }

        if (a.ValidUntil < a.ValidFrom || a.CounterpartRegion == SeedRegion.Mainland)
        {
            problems.Add($"approval {a.Id}: validity or counterpart region is wrong");
        }
    }

    private static void CheckTrade(List<string> problems, SeedIndex index, SeedTrade t)
    {
        if (!index.Listings.TryGetValue(t.Listing, out var listing))
        {
            problems.Add($"trade {t.Id}: unknown listing {t.Listing}");
            return;
        }

        if (!index.Participants.TryGetValue(t.Buyer, out var buyer) || !buyer.Has(SeedRole.Buyer))
        {
            problems.Add($"trade {t.Id}: buyer {t.Buyer} is not a seeded buyer");
            return;
        }

        if (buyer.Id == listing.Vendor)
        {
            problems.Add($"trade {t.Id}: the buyer is the vendor");
        }

        if (!listing.IsPublished)
        {
            problems.Add($"trade {t.Id}: listing {listing.Id} is never published");
        }

        if (t.Amount.Currency != "CNY" || t.Amount.AmountMinor <= 0)
        {
            problems.Add($"trade {t.Id}: amounts are positive CNY");
        }

        if (t.ContractDate < FirstTradeDate || t.ContractDate > LastTradeDate)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"trade {t.Id}: contract date {t.ContractDate:yyyy-MM-dd} outside {FirstTradeDate:yyyy-MM-dd}..{LastTradeDate:yyyy-MM-dd}"));
        }

        // As the server decides: an export of core data is the engine's to refuse (rule 1); any other trade of it is rejected.
        if (!TradeOutcomes.IsRefused(t.Outcome) && !index.IsCrossBorder(t) && listing.DataLevelOn(t.ContractDate) == SeedDataLevel.Core)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"trade {t.Id}: listing {listing.Id} is core data on {t.ContractDate:yyyy-MM-dd}; core data does not trade"));
        }

        if (t.Licence != listing.Licence)
        {
            problems.Add($"trade {t.Id}: licence differs from the listing's");
        }

        var validOutcome = t.Outcome is TradeOutcomes.Filed or TradeOutcomes.FiledThenCancelled
            || (TradeOutcomes.IsRefused(t.Outcome) && RefusalReasons.All.Contains(TradeOutcomes.RefusalReason(t.Outcome)));
        if (!validOutcome)
        {
            problems.Add($"trade {t.Id}: unknown outcome '{t.Outcome}'");
        }

        var stepsArePrefix = t.Steps.Count <= TradeSteps.Ordered.Count && t.Steps.SequenceEqual(TradeSteps.Ordered.Take(t.Steps.Count));
        if (!stepsArePrefix || (t.Outcome != TradeOutcomes.Filed && t.Steps.Count > 0))
        {
            problems.Add($"trade {t.Id}: steps must be a prefix of delivered, received, settled, and only for filed trades");
        }

        var cancelled = t.Outcome == TradeOutcomes.FiledThenCancelled;
        if (cancelled != (t.CancelledBy is not null && !string.IsNullOrWhiteSpace(t.CancellationReason)))
        {
            problems.Add($"trade {t.Id}: a cancelled trade (and only one) names who cancelled and why");
        }

        if (cancelled && index.IsCrossBorder(t))
        {
            // Whether a withdrawn export still counts towards the exporter's volume is the server's call: stay clear.
            problems.Add($"trade {t.Id}: cancelled trades are kept domestic");
        }
    }

    private static SeedFigures Figures(SeedDataSet dataSet, SeedIndex? index)
    {
        var filed = dataSet.Trades.Where(SeedIndex.CountsAsFiled).ToList();
        var crossBorder = index is null ? [] : filed.Where(index.IsCrossBorder).ToList();
        return new SeedFigures(
            filed.Count,
            filed.Sum(t => t.Amount.AmountMinor),
            crossBorder.Count,
            crossBorder.Sum(t => t.Amount.AmountMinor),
            dataSet.Trades.Count(t => TradeOutcomes.IsRefused(t.Outcome)),
            dataSet.Trades.Count(t => t.Outcome == TradeOutcomes.FiledThenCancelled),
            filed.Count == 0 ? null : filed.Min(t => t.ContractDate),
            filed.Count == 0 ? null : filed.Max(t => t.ContractDate));
    }

    private static void CheckHeadline(List<string> problems, SeedHeadline headline, SeedFigures figures)
    {
        void Same<T>(string what, T declared, T computed)
        {
            if (!EqualityComparer<T>.Default.Equals(declared, computed))
            {
                problems.Add($"headline {what} is {declared} but the trades give {computed}");
            }
        }

        Same("filed trades", headline.FiledTrades, figures.FiledTrades);
        Same("total value", headline.TotalValueMinor, figures.TotalValueMinor);
        Same("cross-border trades", headline.CrossBorderTrades, figures.CrossBorderTrades);
        Same("cross-border value", headline.CrossBorderValueMinor, figures.CrossBorderValueMinor);
        Same("first contract date", (DateOnly?)headline.FirstContractDate, figures.FirstContractDate);
        Same("last contract date", (DateOnly?)headline.LastContractDate, figures.LastContractDate);
    }

    private static void CheckUnique(List<string> problems, string what, IEnumerable<string> values)
    {
        foreach (var duplicate in values.GroupBy(v => v, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"duplicate {what}: {duplicate.Key}");
        }
    }

    private static bool IsCategory(string c) =>
        c.Length is >= 1 and <= 64 && (char.IsAsciiLetterLower(c[0]) || char.IsAsciiDigit(c[0]))
        && c.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-');
}
