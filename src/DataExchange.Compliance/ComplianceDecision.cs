namespace DataExchange.Compliance;

/// <summary>
/// One evaluated rule. Outcome is one of <see cref="Outcomes"/> (SATISFIED_BY carries the approval reference).
/// Inputs holds the values the rule looked at, as invariant strings, in evaluation order. <see cref="Citation"/> is the
/// articles the rule applied under the decision's rule set (empty in decisions recorded before citations existed).
/// </summary>
public sealed record RuleEvaluation(
    string RuleId,
    string Description,
    string Outcome,
    IReadOnlyDictionary<string, string> Inputs,
    string? Citation = null)
{
    // Value equality over the inputs too, so that a replayed decision compares equal to the recorded one.
    public bool Equals(RuleEvaluation? other) =>
        other is not null
        && RuleId == other.RuleId
        && Description == other.Description
        && Outcome == other.Outcome
        && (Citation ?? "") == (other.Citation ?? "")
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
/// <see cref="CrossBorder"/> keeps the statistics' definition: a mainland export (data located in the mainland, importer
/// outside it); <see cref="Crossing"/> says precisely which border, if any, the data crosses. <see cref="Outcome"/>
/// adds manual review to accepted/refused: the law is unclear and a person must decide (<see cref="OpenQuestion"/>);
/// such a trade is not recorded as lawful. <see cref="Citations"/> lists the articles the decision rests on.
/// Decisions recorded before these fields existed read them as their defaults; <see cref="OutcomeOrDerived"/> and
/// <see cref="CrossingOrDerived"/> answer for them too.
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
    ExportVolume VolumeAfter,
    DecisionOutcome Outcome = DecisionOutcome.Unspecified,
    BorderCrossing Crossing = BorderCrossing.Unspecified,
    ExemptionGround Exemption = ExemptionGround.None,
    IReadOnlyList<string>? Citations = null,
    string? OpenQuestion = null)
{
    // Derived, so not stored: the event holds Outcome (or, written before it existed, nothing).
    [System.Text.Json.Serialization.JsonIgnore]
    public DecisionOutcome OutcomeOrDerived => Outcome != DecisionOutcome.Unspecified ? Outcome
        : Accepted ? DecisionOutcome.Accepted : DecisionOutcome.Refused;

    [System.Text.Json.Serialization.JsonIgnore]
    public BorderCrossing CrossingOrDerived => Crossing != BorderCrossing.Unspecified ? Crossing
        : CrossBorder ? BorderCrossing.MainlandExport : BorderCrossing.Domestic;

    public bool Equals(ComplianceDecision? other) =>
        other is not null
        && Outcome == other.Outcome
        && Crossing == other.Crossing
        && Exemption == other.Exemption
        && OpenQuestion == other.OpenQuestion
        && (Citations ?? []).SequenceEqual(other.Citations ?? [])
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

public enum DecisionOutcome
{
    /// <summary>Recorded before outcomes existed: read <see cref="ComplianceDecision.Accepted"/>.</summary>
    Unspecified,
    Accepted,
    Refused,
    /// <summary>The law is unclear for this trade; a compliance officer must decide. Not recorded as lawful.</summary>
    ManualReview,
}

/// <summary>Which border the data crosses.</summary>
public enum BorderCrossing
{
    Unspecified,
    /// <summary>Data located in the mainland, importer in the mainland.</summary>
    Domestic,
    /// <summary>Data located in the mainland, importer outside it: the export this engine judges.</summary>
    MainlandExport,
    /// <summary>Data located outside the mainland, importer in it (for example Hong Kong → Shenzhen): not a mainland export.</summary>
    IntoMainland,
    /// <summary>Neither data nor importer in the mainland (for example Hong Kong → Singapore), or both in the same place abroad.</summary>
    OutsideMainland,
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
    /// <summary>The law is unclear for this trade (<see cref="ComplianceDecision.OpenQuestion"/>); a compliance officer must decide.</summary>
    public const string ManualReviewRequired = "MANUAL_REVIEW_REQUIRED";

    public static IReadOnlyList<string> All { get; } =
    [
        InvalidDataDeclaration, InvalidPriorVolume, CoreDataExportProhibited, SecurityAssessmentRequired,
        StandardContractOrCertificationRequired, GbaStandardContractNotApplicable, GbaOnwardTransferNotRestricted,
        ManualReviewRequired,
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
    /// <summary>An exemption the filer claims (Provisions 2024 arts. 4, 5(1)–(3); NDSM Regulations 2025 art. 35(6)).</summary>
    public const string ClaimedExemption = "XB-9-CLAIMED-EXEMPTION";
    /// <summary>A pilot free-trade zone's negative list (Provisions 2024 art. 6).</summary>
    public const string FreeTradeZoneNegativeList = "XB-10-FTZ-NEGATIVE-LIST";
    /// <summary>Before PIPL: a non-CIIO's export passed no gate (Cybersecurity Law art. 37 binds CIIOs only).</summary>
    public const string NoExportGate = "XB-11-NO-GATE";

    public static IReadOnlyList<string> All { get; } =
    [
        Scope, Declaration, CoreData, ImportantData, CriticalInfrastructure, SecurityAssessmentVolume, SecurityAssessmentApproval,
        ContractBand, ContractApproval, GbaStandardContract, SmallVolumeExempt, NonPersonalDataExempt, ClaimedExemption,
        FreeTradeZoneNegativeList, NoExportGate,
    ];
}

/// <summary>
/// Points where the law is unclear, each with a stable id. The engine names one in a manual-review decision, or in a
/// rule's inputs where it took the reading stated here; the README lists them all.
/// </summary>
public static class OpenQuestions
{
    public const string CoreDataBeforeDsl =
        "OQ-1: the data is declared core, but no core-data category existed before the Data Security Law (2021-09-01); whether and how it could be exported then is not settled.";
    public const string ImportantDataAwaitingMeasures =
        "OQ-2: Data Security Law art. 31 sends a non-CIIO's export of important data to measures the CAC had not yet issued (until 2022-09-01 the exchange required an assessment from PIPL's entry into force on 2021-11-01); between 2021-09-01 and 2021-10-31 no procedure existed.";
    public const string ClaimedExemptionCountsTowardThresholds =
        "OQ-3: whether exports exempted under Provisions 2024 art. 5(1)-(3) count toward the art. 5(4), 7 and 8 thresholds is not stated; the engine counts them (the stricter reading).";
    public const string CoreDataExport =
        "OQ-4: no national rule sets a procedure for exporting core data; the engine treats it as prohibited (Data Security Law art. 21, strictest management).";
    public const string PreProvisionsApprovalValidity =
        "OQ-5: whether assessments granted for 2 years before 2024-03-22 run for 3 years under Provisions 2024 art. 9 is not stated; the engine uses the validity recorded on the approval.";

    public static IReadOnlyList<string> All { get; } =
        [CoreDataBeforeDsl, ImportantDataAwaitingMeasures, ClaimedExemptionCountsTowardThresholds, CoreDataExport, PreProvisionsApprovalValidity];
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
    public const string ManualReview = "MANUAL_REVIEW";
    public const string SatisfiedByPrefix = "SATISFIED_BY:";

    public static string SatisfiedBy(string approvalReference) => SatisfiedByPrefix + approvalReference;
}
