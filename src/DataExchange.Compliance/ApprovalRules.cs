using System.Globalization;

namespace DataExchange.Compliance;

/// <summary>What is wrong with an approval as recorded: the field at fault, a stable reason, and the figures behind it.</summary>
public sealed record ApprovalProblem(string Field, string Reason, string Message, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Approvals judged by the law of their own dates: no mechanism before it existed, no validity longer than the rule
/// set in force when it was granted allows, and an extension only within the cap in force on the day it is recorded.
/// Pure; the limits come from <see cref="RuleSetCatalog"/> (the one source of the figures).
/// </summary>
public static class ApprovalRules
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// The first day a mechanism could be granted: a security assessment from the Cybersecurity Law (2017-06-01); a
    /// standard contract or certification from PIPL (2021-11-01, art. 38); a GBA contract from its guideline, which
    /// depends on the destination (Hong Kong 2023-12-13, Macao 2024-09-10; none elsewhere: null).
    /// </summary>
    public static DateOnly? AvailableFrom(ExportMechanism kind, Region counterpart, RuleSetCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        DateOnly? FirstWhere(Func<RuleSet, bool> has) =>
            catalog.Versions.FirstOrDefault(has) is { } r ? r.EffectiveFrom : null;
        return kind switch
        {
            ExportMechanism.SecurityAssessment => catalog.EarliestDate,
            ExportMechanism.StandardContract or ExportMechanism.Certification =>
                FirstWhere(r => r.PersonalInformation == PersonalInformationRegime.Pipl),
            ExportMechanism.GbaStandardContract => catalog.Versions
                .SelectMany(r => r.GbaStandardContracts).Where(t => t.Counterpart == counterpart)
                .Select(t => (DateOnly?)t.AvailableFrom).Min(),
            _ => null,
        };
    }

    /// <summary>The first problem with recording an approval of <paramref name="kind"/> valid from/until these dates; null if lawful.</summary>
    public static ApprovalProblem? CheckGrant(ExportMechanism kind, Region counterpart, DateOnly validFrom, DateOnly validUntil,
        RuleSetCatalog? catalog = null)
    {
        catalog ??= RuleSetCatalog.Default;
        if (AvailableFrom(kind, counterpart, catalog) is not { } available)
        {
            return new ApprovalProblem("approval.counterpart_region", "MECHANISM_NOT_AVAILABLE_FOR_DESTINATION",
                $"A {kind} cannot cover exports to {counterpart}: the GBA standard contracts cover Hong Kong and Macao only.",
                Meta(("mechanism", kind.ToString()), ("counterpart_region", counterpart.ToString())));
        }

        if (validFrom < available)
        {
            return new ApprovalProblem("approval.valid_from", "APPROVAL_PREDATES_MECHANISM",
                string.Create(Inv, $"A {kind} for {counterpart} could not be granted before {available:yyyy-MM-dd}, when the instrument providing it took effect; valid_from is {validFrom:yyyy-MM-dd}."),
                Meta(("mechanism", kind.ToString()), ("available_from", available.ToString("yyyy-MM-dd", Inv)),
                    ("valid_from", validFrom.ToString("yyyy-MM-dd", Inv))));
        }

        var rules = catalog.RuleSetFor(validFrom);
        var years = kind switch
        {
            ExportMechanism.SecurityAssessment => rules.Approvals.SecurityAssessmentValidityYears,
            ExportMechanism.Certification => rules.Approvals.CertificationValidityYears,
            _ => null,
        };
        if (years is { } y && validUntil > validFrom.AddYears(y).AddDays(-1))
        {
            var latest = validFrom.AddYears(y).AddDays(-1);
            return new ApprovalProblem("approval.valid_until", "APPROVAL_VALIDITY_TOO_LONG",
                string.Create(Inv, $"A {kind} granted on {validFrom:yyyy-MM-dd} is valid at most {y} years under {rules.Version} ({rules.Approvals.Citation}): until {latest:yyyy-MM-dd}, not {validUntil:yyyy-MM-dd}."),
                Meta(("mechanism", kind.ToString()), ("rule_set_version", rules.Version), ("max_validity_years", y.ToString(Inv)),
                    ("latest_valid_until", latest.ToString("yyyy-MM-dd", Inv))));
        }

        return null;
    }

    /// <summary>
    /// The first problem with extending a security assessment on <paramref name="today"/> to <paramref name="newValidUntil"/>
    /// and the scale <paramref name="newCoveredIndividuals"/>: only assessments extend; the new term runs at most the
    /// validity in force today from the day after the old one ends; from 2025-06-27 the scale may grow by at most the cap
    /// (20 %), and an approval whose scale was never stated cannot show it stayed within it.
    /// </summary>
    public static ApprovalProblem? CheckExtension(ExportApproval approval, DateOnly today, DateOnly newValidUntil, long? newCoveredIndividuals,
        RuleSetCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(approval);
        catalog ??= RuleSetCatalog.Default;
        var rules = catalog.RuleSetFor(today);
        if (approval.Kind != ExportMechanism.SecurityAssessment)
        {
            return new ApprovalProblem("approval", "ONLY_ASSESSMENTS_EXTEND",
                $"Only a security assessment is extended (Provisions 2024 art. 9); a {approval.Kind} is recorded anew.",
                Meta(("mechanism", approval.Kind.ToString())));
        }

        if (newValidUntil <= approval.ValidUntil)
        {
            return new ApprovalProblem("valid_until", "EXTENSION_DOES_NOT_EXTEND",
                string.Create(Inv, $"The approval already runs until {approval.ValidUntil:yyyy-MM-dd}; an extension must end later."),
                Meta(("valid_until", approval.ValidUntil.ToString("yyyy-MM-dd", Inv))));
        }

        if (rules.Approvals.SecurityAssessmentValidityYears is { } years)
        {
            var start = approval.ValidUntil.AddDays(1);
            var latest = start.AddYears(years).AddDays(-1);
            if (newValidUntil > latest)
            {
                return new ApprovalProblem("valid_until", "APPROVAL_VALIDITY_TOO_LONG",
                    string.Create(Inv, $"An extension recorded on {today:yyyy-MM-dd} adds at most {years} years under {rules.Version} ({rules.Approvals.Citation}): until {latest:yyyy-MM-dd}."),
                    Meta(("rule_set_version", rules.Version), ("max_validity_years", years.ToString(Inv)), ("latest_valid_until", latest.ToString("yyyy-MM-dd", Inv))));
            }
        }

        if (rules.Approvals.ExtensionMaxGrowthPercent is { } cap && newCoveredIndividuals is { } grown)
        {
            if (approval.CoveredIndividuals is not { } before)
            {
                return new ApprovalProblem("covered_individuals", "APPROVAL_SCALE_UNKNOWN",
                    $"Under {rules.Version} an extension may grow the approved scale by at most {cap} %, and this approval never stated its scale; record its scale before extending it.",
                    Meta(("rule_set_version", rules.Version), ("max_growth_percent", cap.ToString(Inv))));
            }

            // Integer arithmetic: grown ≤ before × (100 + cap) / 100, without rounding in the exporter's favour.
            if (grown * 100 > before * (100 + cap))
            {
                return new ApprovalProblem("covered_individuals", "EXTENSION_GROWTH_TOO_LARGE",
                    string.Create(Inv, $"Under {rules.Version} ({rules.Approvals.Citation}) an extension keeps the purpose, scope and parties and grows the scale by at most {cap} %: {before:N0} → at most {before * (100 + cap) / 100:N0}, not {grown:N0}."),
                    Meta(("rule_set_version", rules.Version), ("max_growth_percent", cap.ToString(Inv)),
                        ("covered_individuals", before.ToString(Inv)), ("max_covered_individuals", (before * (100 + cap) / 100).ToString(Inv))));
            }
        }

        return null;
    }

    private static Dictionary<string, string> Meta(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
