namespace DataExchange.Compliance;

/// <summary>
/// One evaluated rule. Outcome is one of <see cref="Outcomes"/> (SATISFIED_BY carries the approval reference).
/// Inputs holds the values the rule looked at, as invariant strings, in evaluation order.
/// </summary>
public sealed record RuleEvaluation(
    string RuleId,
    string Description,
    string Outcome,
    IReadOnlyDictionary<string, string> Inputs)
{
    // Value equality over the inputs too, so that a replayed decision compares equal to the recorded one.
    public bool Equals(RuleEvaluation? other) =>
        other is not null
        && RuleId == other.RuleId
        && Description == other.Description
        && Outcome == other.Outcome
        && Inputs.Count == other.Inputs.Count
        && Inputs.All(kv => other.Inputs.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public override int GetHashCode() => HashCode.Combine(RuleId, Description, Outcome, Inputs.Count);
}

/// <summary>
/// The engine's verdict. <see cref="Mechanism"/> is the mechanism that made the trade lawful when accepted
/// (None for domestic trades, Exempt for rows 6/7), or the mechanism that was required and missing when refused
/// (None when the export is prohibited or the input invalid). <see cref="RefusedByRule"/> is the id of the rule whose
/// requirement was not met (for a missing approval, the table row that required it, e.g. XB-4-SA-VOLUME).
/// <see cref="VolumeAfter"/> is the exporter's cumulative volume if this decision stands: prior + this trade when an
/// accepted cross-border export, else the prior volume unchanged.
/// </summary>
public sealed record ComplianceDecision(
    bool Accepted,
    bool CrossBorder,
    string RuleSetVersion,
    ExportMechanism Mechanism,
    Guid? ApprovalId,
    string? ApprovalReference,
    string? RefusalReason,
    string? RefusedByRule,
    string Explanation,
    IReadOnlyList<RuleEvaluation> Evaluations,
    ExportVolume VolumeAfter)
{
    public bool Equals(ComplianceDecision? other) =>
        other is not null
        && Accepted == other.Accepted
        && CrossBorder == other.CrossBorder
        && RuleSetVersion == other.RuleSetVersion
        && Mechanism == other.Mechanism
        && ApprovalId == other.ApprovalId
        && ApprovalReference == other.ApprovalReference
        && RefusalReason == other.RefusalReason
        && RefusedByRule == other.RefusedByRule
        && Explanation == other.Explanation
        && VolumeAfter == other.VolumeAfter
        && Evaluations.SequenceEqual(other.Evaluations);

    public override int GetHashCode() =>
        HashCode.Combine(Accepted, CrossBorder, RuleSetVersion, Mechanism, RefusalReason, Explanation, Evaluations.Count);
}

/// <summary>Refusal reasons (UPPER_SNAKE_CASE, stable: stored with trades and shown to users).</summary>
public static class RefusalReasons
{
    /// <summary>The declaration or prior volume is inconsistent (negative counts, sensitive &gt; total, PI flag vs counts).</summary>
    public const string InvalidDataDeclaration = "INVALID_DATA_DECLARATION";
    public const string InvalidPriorVolume = "INVALID_PRIOR_VOLUME";
    /// <summary>Row 1: core data may not leave the mainland.</summary>
    public const string CoreDataExportProhibited = "CORE_DATA_EXPORT_PROHIBITED";
    /// <summary>Rows 2–4 triggered and no valid covering security-assessment approval.</summary>
    public const string SecurityAssessmentRequired = "SECURITY_ASSESSMENT_REQUIRED";
    /// <summary>Row 5 triggered and no valid covering standard contract, certification, assessment or usable GBA contract.</summary>
    public const string StandardContractOrCertificationRequired = "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED";
    /// <summary>Only a GBA standard contract covers the trade, but the parties/route are not eligible for it.</summary>
    public const string GbaStandardContractNotApplicable = "GBA_STANDARD_CONTRACT_NOT_APPLICABLE";
    /// <summary>Only a GBA standard contract covers the trade, but the licence does not forbid onward transfer outside the GBA.</summary>
    public const string GbaOnwardTransferNotRestricted = "GBA_ONWARD_TRANSFER_NOT_RESTRICTED";

    public static IReadOnlyList<string> All { get; } =
    [
        InvalidDataDeclaration, InvalidPriorVolume, CoreDataExportProhibited, SecurityAssessmentRequired,
        StandardContractOrCertificationRequired, GbaStandardContractNotApplicable, GbaOnwardTransferNotRestricted,
    ];
}

/// <summary>Rule ids; the number is the row of the cross-border table (domain guide), XB-0 are engine preconditions.</summary>
public static class RuleIds
{
    public const string Scope = "XB-0-SCOPE";
    public const string Declaration = "XB-0-DECLARATION";
    public const string CoreData = "XB-1-CORE-DATA";
    public const string ImportantData = "XB-2-IMPORTANT-DATA";
    public const string CriticalInfrastructure = "XB-3-CIIO";
    public const string SecurityAssessmentVolume = "XB-4-SA-VOLUME";
    public const string SecurityAssessmentApproval = "XB-SA-APPROVAL";
    public const string ContractBand = "XB-5-CONTRACT-BAND";
    public const string ContractApproval = "XB-5-APPROVAL";
    public const string GbaStandardContract = "XB-8-GBA-CONTRACT";
    public const string SmallVolumeExempt = "XB-6-SMALL-VOLUME-EXEMPT";
    public const string NonPersonalDataExempt = "XB-7-NON-PI-EXEMPT";
}

/// <summary>Values of <see cref="RuleEvaluation.Outcome"/>.</summary>
public static class Outcomes
{
    public const string Passed = "PASSED";
    public const string NotApplicable = "NOT_APPLICABLE";
    public const string Refused = "REFUSED";
    public const string Triggered = "TRIGGERED";
    public const string NotTriggered = "NOT_TRIGGERED";
    public const string Exempt = "EXEMPT";
    public const string CrossBorder = "CROSS_BORDER";
    public const string Domestic = "DOMESTIC";
    public const string NotMainlandExport = "NOT_MAINLAND_EXPORT";
    public const string SatisfiedByPrefix = "SATISFIED_BY:";

    public static string SatisfiedBy(string approvalReference) => SatisfiedByPrefix + approvalReference;
}
