using System.Globalization;
using System.Collections.Immutable;
using DataExchange.Compliance;
using DataExchange.Domain;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Ledger.Entries;
using CApproval = DataExchange.Compliance.ExportApproval;
using DomainLicence = DataExchange.Domain.Listings.LicenceTerms;

namespace DataExchange.Cli.Commands;

/// <summary>What a trade_contracted or trade_refused event states, in one shape.</summary>
internal sealed record TradeFacts(
    bool Contracted,
    Guid TradeId,
    Guid ListingId,
    int ListingRevision,
    Guid VendorId,
    Guid BuyerId,
    DomainLicence Licence,
    Money Amount,
    TradeOrigin Origin,
    DateOnly EffectiveDate,
    string? ExternalReference,
    ComplianceInput Input,
    ComplianceDecision Decision,
    DateTimeOffset At)
{
    public string EventType => EventCatalogue.NameOf(Contracted ? typeof(TradeContracted) : typeof(TradeRefused));

    public static TradeFacts Of(object e) => e switch
    {
        TradeContracted c => new(true, c.TradeId, c.ListingId, c.ListingRevision, c.VendorId, c.BuyerId, c.Licence, c.Amount, c.Origin,
            c.EffectiveDate, c.ExternalReference, c.ComplianceInput, c.Compliance, c.At),
        TradeRefused r => new(false, r.TradeId, r.ListingId, r.ListingRevision, r.VendorId, r.BuyerId, r.Licence, r.Amount, r.Origin,
            r.EffectiveDate, r.ExternalReference, r.ComplianceInput, r.Compliance, r.At),
        _ => throw new ArgumentException($"{e.GetType().Name} is not a trade decision.", nameof(e)),
    };
}

/// <summary>
/// Re-derives each trade's compliance decision from the rebuilt history as of the trade, as the server derives it
/// (TradeContractor → TradeContracting.Decide → TradeDecider.ComplianceInputFor): the listing and its data level on the
/// contract date (its declaration, or the reclassification in force then), the parties' jurisdictions and their CIIO
/// designations in force on the contract date, the exporter's prior cumulative volume in the rule set's window (from the accepted
/// cross-border trades earlier in the log, not from the trade's event nor from the volume streams), and the exporter's
/// approvals with their revocations so far. Then decides again under the rule set in force on the contract date and
/// names every input and every field of the decision that differs from what the trade's event recorded. Finally the
/// recorded export volumes are matched, trade by trade, with the accepted exports the history gives.
/// </summary>
internal sealed class TradeRederivation
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Export(Guid ExporterId, int Year, long Individuals, long SensitiveIndividuals, Guid? ApprovalId);

    private readonly Dictionary<(Guid Exporter, int Year), ExportVolume> accepted = [];
    private readonly Dictionary<Guid, Export> expected = [];
    private readonly Dictionary<Guid, ExportVolume> usedByApproval = [];
    private readonly List<(long Leaf, ExportVolumeRecorded Volume)> recorded = [];

    public int Count { get; private set; }

    public void Rederive(ReplayHistory history, long leaf, LedgerEntry entry, TradeFacts t, Action<ReplayDifference> report)
    {
        Count++;
        var subject = $"trades/{t.TradeId}";
        void Diff(string what) => report(new ReplayDifference("compliance", subject, $"{what} ({t.EventType} at leaf {leaf.ToString(Inv)})"));

        if (entry.EffectiveDate != t.EffectiveDate)
        {
            Diff($"contract date: the event says {t.EffectiveDate:yyyy-MM-dd}, its leaf {entry.EffectiveDate?.ToString("yyyy-MM-dd", Inv) ?? "none"}");
        }

        if (t.Decision.Accepted != t.Contracted)
        {
            Diff($"a {t.EventType} event carries {(t.Decision.Accepted ? "an accepted" : "a refused")} decision");
        }

        history.Listings.TryGetValue(t.ListingId, out var listing);
        Participant? vendor = null, buyer = null;
        if (listing is not null)
        {
            history.Participants.TryGetValue(listing.VendorId, out vendor);
        }

        history.Participants.TryGetValue(t.BuyerId, out buyer);
        if (listing is null || vendor is null || buyer is null)
        {
            var missing = listing is null ? $"listings/{t.ListingId}" : vendor is null ? $"the vendor participants/{listing.VendorId}" : $"the buyer participants/{t.BuyerId}";
            Diff($"{missing} is not in the verified history before the trade: its compliance inputs cannot be re-derived");
            SelfCheck(t, Diff);
            if (t.Contracted && t.Decision.CrossBorder && t.Input.Data.ContainsPersonalInformation)
            {
                CountExport(t.TradeId, t.VendorId, t.EffectiveDate.Year, t.Input.Data.Individuals, t.Input.Data.SensitiveIndividuals, t.Decision.ApprovalId);
            }

            return;
        }

        CheckTerms(t, listing, vendor, buyer, Diff);

        var exporter = ReplayHistory.MayExport(listing, buyer)
            ? new ExporterRecord(PriorVolume(vendor.Id, t.EffectiveDate), ApprovalsWithUse(history, vendor.Id))
            : new ExporterRecord(ExportVolume.Zero, []);
        // The exemption claim is the filer's own statement, part of the trade's terms: replay takes it as recorded.
        var derived = TradeDecider.ComplianceInputFor(
            new TradeRequest(t.TradeId, listing, vendor, buyer, t.Licence, t.Amount, t.EffectiveDate, t.Origin, t.ExternalReference, t.Input.Claim), exporter);
        var inputDifferences = CompareInputs(t.Input, derived);
        foreach (var difference in inputDifferences)
        {
            Diff($"compliance input {difference}");
        }

        var ruleSet = RuleSetCatalog.Default.RuleSetFor(t.EffectiveDate);
        var decision = ComplianceEngine.Decide(derived, ruleSet);
        foreach (var difference in CompareDecisions(t.Decision, decision))
        {
            Diff($"compliance decision {difference}");
        }

        if (inputDifferences.Count > 0)
        {
            SelfCheck(t, Diff);
        }

        if (t.Contracted && decision.CrossBorder && derived.Data.ContainsPersonalInformation)
        {
            CountExport(t.TradeId, vendor.Id, t.EffectiveDate.Year, derived.Data.Individuals, derived.Data.SensitiveIndividuals, decision.ApprovalId);
        }
    }

    /// <summary>An export volume event as recorded; matched with the history's accepted exports in <see cref="Finish"/>.</summary>
    public void Recorded(long leaf, ExportVolumeRecorded volume, Action<ReplayDifference> report) => recorded.Add((leaf, volume));

    public void Finish(Action<ReplayDifference> report)
    {
        var open = new Dictionary<Guid, Export>(expected);
        foreach (var (leaf, v) in recorded)
        {
            if (!open.Remove(v.TradeId, out var export))
            {
                report(new ReplayDifference("export volumes", $"export volume at leaf {leaf.ToString(Inv)}", string.Create(Inv,
                    $"records {v.Individuals} individuals / {v.SensitiveIndividuals} sensitive exported by participants/{v.ExporterId} in {v.Year} " +
                    $"for trades/{v.TradeId}, but the history has no (other) accepted cross-border export of personal information by that trade")));
                continue;
            }

            var recordedVolume = new Export(v.ExporterId, v.Year, v.Individuals, v.SensitiveIndividuals, v.ApprovalId);
            if (recordedVolume != export)
            {
                report(new ReplayDifference("export volumes", $"trades/{v.TradeId}", string.Create(Inv,
                    $"export volume recorded at leaf {leaf}: recorded {Describe(recordedVolume)}, history gives {Describe(export)}")));
            }
        }

        foreach (var (tradeId, export) in open)
        {
            report(new ReplayDifference("export volumes", $"trades/{tradeId}",
                $"accepted cross-border export of {Describe(export)}, but no export volume was recorded for it"));
        }

        static string Describe(Export e) =>
            string.Create(Inv, $"{e.Individuals} individuals / {e.SensitiveIndividuals} sensitive by participants/{e.ExporterId} in {e.Year}")
            + (e.ApprovalId is { } approvalId ? $" under approval {approvalId}" : "");
    }

    private void CountExport(Guid tradeId, Guid exporterId, int year, long individuals, long sensitive, Guid? approvalId)
    {
        var key = (exporterId, year);
        var before = accepted.GetValueOrDefault(key) ?? ExportVolume.Zero;
        accepted[key] = new ExportVolume(before.Individuals + individuals, before.SensitiveIndividuals + sensitive);
        if (approvalId is { } id)
        {
            var under = usedByApproval.GetValueOrDefault(id) ?? ExportVolume.Zero;
            usedByApproval[id] = new ExportVolume(under.Individuals + individuals, under.SensitiveIndividuals + sensitive);
        }

        expected[tradeId] = new Export(exporterId, year, individuals, sensitive, approvalId);
    }

    /// <summary>
    /// The exporter's approvals with what the accepted exports earlier in the log sent under each (not what the volume
    /// streams say), so that an approval's scale is judged as the server judges it.
    /// </summary>
    private IReadOnlyList<CApproval> ApprovalsWithUse(ReplayHistory history, Guid exporterId) =>
        new ExporterHistory(exporterId, System.Collections.Immutable.ImmutableDictionary<int, ExportVolume>.Empty, history.ApprovalsOf(exporterId),
            usedByApproval.ToImmutableDictionary()).ApprovalsWithUse();

    /// <summary>The exporter's accepted exports earlier in the log, summed over the rule set's counting window.</summary>
    private ExportVolume PriorVolume(Guid exporterId, DateOnly tradeDate)
    {
        var start = RuleSetCatalog.Default.RuleSetFor(tradeDate).VolumeWindowStart(tradeDate);
        long individuals = 0, sensitive = 0;
        for (var year = start.Year; year <= tradeDate.Year; year++)
        {
            if (accepted.TryGetValue((exporterId, year), out var volume))
            {
                individuals += volume.Individuals;
                sensitive += volume.SensitiveIndividuals;
            }
        }

        return new ExportVolume(individuals, sensitive);
    }

    /// <summary>The trade's own terms against the listing and parties the history holds (TradeDecider's preconditions).</summary>
    private static void CheckTerms(TradeFacts t, Listing listing, Participant vendor, Participant buyer, Action<string> diff)
    {
        if (t.VendorId != listing.VendorId)
        {
            diff($"vendor: recorded participants/{t.VendorId}, the listing's vendor in the history is participants/{listing.VendorId}");
        }

        if (t.ListingRevision != listing.Revision)
        {
            diff(string.Create(Inv, $"listing revision: recorded {t.ListingRevision}, history gives {listing.Revision}"));
        }

        if (t.Licence != listing.Content.Licence)
        {
            diff($"licence: recorded {t.Licence}, the listing's licence in the history is {listing.Content.Licence}");
        }

        if (t.Origin == TradeOrigin.Executed)
        {
            if (listing.State != ListingState.Listed)
            {
                diff($"listing state: the history has the listing {ListingDecider.StateName(listing.State)} at the trade; executed trades need LISTED");
            }

            if (t.Amount != listing.Content.Price)
            {
                diff($"price: recorded {t.Amount}, the listing's price in the history is {listing.Content.Price}");
            }

            // The contract date is the China date of the moment the trade was decided.
            var decidedOn = RegionMapping.ChinaDate(t.At);
            if (t.EffectiveDate > decidedOn || t.EffectiveDate < decidedOn.AddDays(-1))
            {
                diff(string.Create(Inv, $"contract date: recorded {t.EffectiveDate:yyyy-MM-dd}, but the trade was executed on {decidedOn:yyyy-MM-dd}"));
            }
        }
        else if (listing.State is ListingState.Draft or ListingState.Submitted or ListingState.Returned or ListingState.Rejected)
        {
            diff($"listing state: the history has the listing {ListingDecider.StateName(listing.State)} at the trade; filed trades need a registered listing");
        }

        // Core data on the contract date never contracts (an export attempt of it is refused by rule 1 and recorded).
        if (t.Contracted && listing.DataLevelOn(t.EffectiveDate) == Domain.Listings.DataLevel.Core)
        {
            diff($"data level: the history has the listing's data core on the contract date {t.EffectiveDate:yyyy-MM-dd}; core data does not trade");
        }

        if (!buyer.Has(Role.Buyer))
        {
            diff($"buyer: participants/{buyer.Id} does not hold the buyer role in the history");
        }

        if (buyer.Id == vendor.Id)
        {
            diff("buyer: the buyer is the listing's vendor");
        }
    }

    /// <summary>When the recorded inputs are not the history's: does the recorded decision at least follow from them?</summary>
    private static void SelfCheck(TradeFacts t, Action<string> diff)
    {
        if (RuleSetCatalog.Default.Find(t.Decision.RuleSetVersion) is not { } ruleSet)
        {
            diff($"recorded rule set {t.Decision.RuleSetVersion} is unknown to this verifier");
            return;
        }

        var replayed = ComplianceEngine.Decide(t.Input, ruleSet);
        if (!replayed.Equals(t.Decision))
        {
            diff($"the recorded decision does not even follow from the trade's own recorded inputs under {ruleSet.Version}: " +
                $"they give {Outcome(replayed)}, recorded {Outcome(t.Decision)}");
        }
    }

    private static string Outcome(ComplianceDecision d) =>
        d.Accepted ? $"accepted ({d.Mechanism})" : $"refused ({d.RefusalReason} by {d.RefusedByRule})";

    private static string Text(string? s) => s is null ? "none" : $"'{s}'";

    private static string Volume(ExportVolume v) => string.Create(Inv, $"{v.Individuals} individuals / {v.SensitiveIndividuals} sensitive");

    /// <summary>Every input of the engine, recorded against re-derived: "prior volume: recorded X, history gives Y".</summary>
    public static IReadOnlyList<string> CompareInputs(ComplianceInput recorded, ComplianceInput history)
    {
        var differences = new List<string>();
        void Check<T>(string field, T a, T b, Func<T, string>? show = null)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                show ??= v => Convert.ToString(v, Inv) ?? "none";
                differences.Add($"{field}: recorded {show(a)}, history gives {show(b)}");
            }
        }

        Check("trade date", recorded.TradeDate, history.TradeDate, d => d.ToString("yyyy-MM-dd", Inv));
        foreach (var (role, a, b) in new[] { ("exporter", recorded.Exporter, history.Exporter), ("importer", recorded.Importer, history.Importer) })
        {
            Check($"{role}", a.ParticipantId, b.ParticipantId, id => $"participants/{id}");
            Check($"{role} region", a.Region, b.Region);
            Check($"{role} city", a.City, b.City, Text);
            Check($"{role} CIIO status", a.IsCriticalInformationInfrastructureOperator, b.IsCriticalInformationInfrastructureOperator,
                ciio => ciio ? "CIIO" : "not a CIIO");
            Check($"{role} jurisdiction code", a.JurisdictionCode, b.JurisdictionCode, Text);
            Check($"{role} free-trade zone", a.FreeTradeZone, b.FreeTradeZone, Text);
        }

        var (d, h) = (recorded.Data, history.Data);
        Check("listing", d.ListingId, h.ListingId, id => $"listings/{id}");
        Check("data level", d.Level, h.Level);
        Check("personal information", d.ContainsPersonalInformation, h.ContainsPersonalInformation);
        Check("individuals", d.Individuals, h.Individuals);
        Check("sensitive individuals", d.SensitiveIndividuals, h.SensitiveIndividuals);
        Check("data location", d.Location, h.Location);
        Check("data location city", d.LocationCity, h.LocationCity, Text);
        Check("sector", d.Sector, h.Sector);
        Check("data categories", string.Join(",", d.Categories), string.Join(",", h.Categories), s => $"[{s}]");
        Check("licence onward transfer allowed", recorded.Licence.OnwardTransferAllowed, history.Licence.OnwardTransferAllowed);
        Check("licence territory", recorded.Licence.Territory, history.Licence.Territory);
        Check("licence purpose", recorded.Licence.Purpose, history.Licence.Purpose, Text);
        Check("exemption claimed", recorded.Claim, history.Claim);
        Check("prior volume", recorded.PriorVolumeThisYear, history.PriorVolumeThisYear, Volume);
        differences.AddRange(CompareApprovals(recorded.ExporterApprovals, history.ExporterApprovals));
        return differences;
    }

    /// <summary>The exporter's approvals as recorded with the trade against those the history held, by approval id.</summary>
    private static IEnumerable<string> CompareApprovals(IReadOnlyList<CApproval> recorded, IReadOnlyList<CApproval> history)
    {
        var inHistory = history.ToDictionary(a => a.ApprovalId);
        foreach (var a in recorded.OrderBy(a => a.ApprovalId))
        {
            if (!inHistory.Remove(a.ApprovalId, out var h))
            {
                yield return $"approval {a.Reference} ({a.ApprovalId}, {a.Kind}): recorded, but the history holds no such approval of the exporter before the trade";
                continue;
            }

            var fields = new List<string>();
            void Check(string field, string x, string y)
            {
                if (x != y)
                {
                    fields.Add($"{field} recorded {x}, history gives {y}");
                }
            }

            Check("exporter", a.ExporterId.ToString(), h.ExporterId.ToString());
            Check("kind", a.Kind.ToString(), h.Kind.ToString());
            Check("reference", a.Reference, h.Reference);
            Check("counterpart region", a.CounterpartRegion.ToString(), h.CounterpartRegion.ToString());
            Check("listings", string.Join(",", a.ListingIds), string.Join(",", h.ListingIds));
            Check("data categories", string.Join(",", a.DataCategories), string.Join(",", h.DataCategories));
            Check("valid from", a.ValidFrom.ToString("yyyy-MM-dd", Inv), h.ValidFrom.ToString("yyyy-MM-dd", Inv));
            Check("valid until", a.ValidUntil.ToString("yyyy-MM-dd", Inv), h.ValidUntil.ToString("yyyy-MM-dd", Inv));
            Check("revoked on", a.RevokedOn?.ToString("yyyy-MM-dd", Inv) ?? "none", h.RevokedOn?.ToString("yyyy-MM-dd", Inv) ?? "none");
            Check("recipients", string.Join(",", a.RecipientIds ?? []), string.Join(",", h.RecipientIds ?? []));
            Check("destinations", string.Join(",", a.DestinationCodes ?? []), string.Join(",", h.DestinationCodes ?? []));
            Check("covered individuals", a.CoveredIndividuals?.ToString(Inv) ?? "none", h.CoveredIndividuals?.ToString(Inv) ?? "none");
            Check("covered sensitive individuals", a.CoveredSensitiveIndividuals?.ToString(Inv) ?? "none", h.CoveredSensitiveIndividuals?.ToString(Inv) ?? "none");
            Check("purpose", a.Purpose ?? "none", h.Purpose ?? "none");
            Check("exported under it before the trade", a.ExportedUnder is { } x ? Volume(x) : "none", h.ExportedUnder is { } y ? Volume(y) : "none");
            if (fields.Count > 0)
            {
                yield return $"approval {a.Reference} ({a.ApprovalId}): {string.Join("; ", fields)}";
            }
        }

        foreach (var h in inHistory.Values.OrderBy(a => a.ApprovalId))
        {
            yield return $"approval {h.Reference} ({h.ApprovalId}, {h.Kind}): held by the exporter in the history before the trade, but not recorded";
        }
    }

    /// <summary>Every field of the decision, recorded against re-decided from the history's inputs.</summary>
    public static IReadOnlyList<string> CompareDecisions(ComplianceDecision recorded, ComplianceDecision history)
    {
        var differences = new List<string>();
        void Check<T>(string field, T a, T b, Func<T, string>? show = null)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                show ??= v => Convert.ToString(v, Inv) ?? "none";
                differences.Add($"{field}: recorded {show(a)}, history gives {show(b)}");
            }
        }

        Check("rule set", recorded.RuleSetVersion, history.RuleSetVersion);
        Check("outcome", Outcome(recorded), Outcome(history));
        Check("cross-border", recorded.CrossBorder, history.CrossBorder);
        Check("outcome kind", recorded.OutcomeOrDerived, history.OutcomeOrDerived);
        Check("border crossing", recorded.CrossingOrDerived, history.CrossingOrDerived);
        Check("exemption", recorded.Exemption, history.Exemption);
        Check("open question", recorded.OpenQuestion, history.OpenQuestion, Text);
        Check("citations", string.Join(" | ", recorded.Citations ?? []), string.Join(" | ", history.Citations ?? []), s => $"[{s}]");
        if (recorded.Accepted == history.Accepted)
        {
            // With different outcomes these only repeat the outcome line.
            Check("mechanism", recorded.Mechanism, history.Mechanism);
            Check("refusal reason", recorded.RefusalReason, history.RefusalReason, Text);
            Check("refused by rule", recorded.RefusedByRule, history.RefusedByRule, Text);
        }

        Check("approval relied on", (recorded.ApprovalId, recorded.ApprovalReference), (history.ApprovalId, history.ApprovalReference),
            a => a.ApprovalId is null ? "none" : $"{a.ApprovalReference} ({a.ApprovalId})");
        Check("cumulative volume after the trade", recorded.VolumeAfter, history.VolumeAfter, Volume);

        var historyRules = history.Evaluations.ToDictionary(e => e.RuleId);
        foreach (var e in recorded.Evaluations)
        {
            if (!historyRules.Remove(e.RuleId, out var h))
            {
                differences.Add($"evaluation {e.RuleId}: recorded ({e.Outcome}), not reached from the history's inputs");
                continue;
            }

            var parts = new List<string>();
            if (e.Outcome != h.Outcome)
            {
                parts.Add($"outcome recorded {e.Outcome}, history gives {h.Outcome}");
            }

            if ((e.Citation ?? "") != (h.Citation ?? ""))
            {
                parts.Add($"citation recorded {Text(e.Citation)}, history gives {Text(h.Citation)}");
            }

            if (e.Description != h.Description)
            {
                parts.Add($"description recorded '{e.Description}', history gives '{h.Description}'");
            }

            foreach (var key in e.Inputs.Keys.Union(h.Inputs.Keys).Order(StringComparer.Ordinal))
            {
                var (x, y) = (e.Inputs.GetValueOrDefault(key), h.Inputs.GetValueOrDefault(key));
                if (x != y)
                {
                    parts.Add($"{key} recorded {Text(x)}, history gives {Text(y)}");
                }
            }

            if (parts.Count > 0)
            {
                differences.Add($"evaluation {e.RuleId}: {string.Join("; ", parts)}");
            }
        }

        foreach (var h in historyRules.Values)
        {
            differences.Add($"evaluation {h.RuleId}: reached from the history's inputs ({h.Outcome}), not recorded");
        }

        Check("explanation", recorded.Explanation, history.Explanation, Text);
        return differences;
    }
}
