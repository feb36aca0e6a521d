using System.Collections.ObjectModel;
using System.Globalization;
using DataExchange.Compliance.Jurisdictions;
using DataExchange.Compliance.NegativeLists;

namespace DataExchange.Compliance;

/// <summary>
/// Decides whether a trade may proceed under the cross-border data-export rules in force on its trade date.
/// Pure and deterministic: same input and rule set → equal decision. Order: scope (is it a mainland export?) →
/// declaration check → row 1 core → rows 2–4 security-assessment triggers → row 5 contract band (standard contract,
/// certification, a security assessment as the stronger mechanism, or the GBA contract if eligible) → rows 6/7 exempt.
/// </summary>
public static class ComplianceEngine
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static ComplianceDecision Decide(ComplianceInput input) => Decide(input, RuleSetCatalog.Default);

    public static ComplianceDecision Decide(ComplianceInput input, RuleSetCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(catalog);
        return Decide(input, catalog.RuleSetFor(input.TradeDate));
    }

    /// <summary>Judge by an explicit rule set (audit replay with the version recorded on the trade).</summary>
    public static ComplianceDecision Decide(ComplianceInput input, RuleSet ruleSet) => Decide(input, ruleSet, NegativeListCatalog.Default);

    /// <summary>Judge by an explicit rule set and free-trade-zone negative lists.</summary>
    public static ComplianceDecision Decide(ComplianceInput input, RuleSet ruleSet, NegativeListCatalog negativeLists)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(ruleSet);
        ArgumentNullException.ThrowIfNull(negativeLists);
        return new Evaluation(input, ruleSet, negativeLists).Run();
    }

    private sealed class Evaluation(ComplianceInput input, RuleSet rules, NegativeListCatalog negativeLists)
    {
        private readonly List<RuleEvaluation> _evaluations = [];
        private readonly DataDeclaration _data = input.Data;
        private readonly ExportVolume _prior = input.PriorVolumeThisYear;
        private long _cumIndividuals;
        private long _cumSensitive;
        private BorderCrossing _crossing;

        public ComplianceDecision Run()
        {
            // Scope: only data located in the mainland and received outside it is a mainland export.
            var crossBorder = _data.Location == Region.MainlandChina && input.Importer.Region != Region.MainlandChina;
            _crossing = _data.Location == Region.MainlandChina
                ? (crossBorder ? BorderCrossing.MainlandExport : BorderCrossing.Domestic)
                : (input.Importer.Region == Region.MainlandChina ? BorderCrossing.IntoMainland : BorderCrossing.OutsideMainland);
            var scopeOutcome = crossBorder ? Outcomes.CrossBorder
                : _data.Location == Region.MainlandChina ? Outcomes.Domestic : Outcomes.NotMainlandExport;
            Record(RuleIds.Scope, "Cross-border = data located in the mainland and importer outside it", scopeOutcome,
                ("dataLocation", _data.Location.ToString()), ("dataLocationCity", _data.LocationCity ?? ""),
                ("importerRegion", input.Importer.Region.ToString()), ("exporterRegion", input.Exporter.Region.ToString()));
            if (!crossBorder)
            {
                var why = scopeOutcome == Outcomes.Domestic
                    ? $"Accepted: domestic trade (data located in the mainland, importer in {input.Importer.Region}), so no export mechanism is needed under {rules.Version}."
                    : _crossing == BorderCrossing.IntoMainland
                        ? $"Accepted: the data is located in {_data.Location} and goes to an importer in the mainland; it crosses a border, but into the mainland, so it is not an export out of the mainland under {rules.Version}; other jurisdictions' transfer rules are not evaluated by this engine."
                        : $"Accepted: the data is located in {_data.Location}, so delivering it is not an export out of the mainland under {rules.Version}; other jurisdictions' transfer rules are not evaluated by this engine.";
                return Accept(false, ExportMechanism.None, null, why);
            }

            if (ValidateDeclaration() is { } invalid) return invalid;

            _cumIndividuals = _prior.Individuals + _data.Individuals;
            _cumSensitive = _prior.SensitiveIndividuals + _data.SensitiveIndividuals;

            // Row 1: core data never leaves; before the Data Security Law no such category existed.
            if (_data.Level == DataLevel.Core)
            {
                if (!rules.CoreDataDefined)
                {
                    Record(RuleIds.CoreData, "Core data may not be exported", Outcomes.ManualReview, ("level", "Core"));
                    return ManualReview(RuleIds.CoreData, OpenQuestions.CoreDataBeforeDsl,
                        $"Manual review under {rules.Version}: the listing declares core data (核心数据), a category the Data Security Law created on 2021-09-01; the law in force on {Date} does not say how such data could leave, so a compliance officer must decide.");
                }
                Record(RuleIds.CoreData, "Core data may not be exported", Outcomes.Refused, ("level", "Core"));
                return Refuse(RefusalReasons.CoreDataExportProhibited, RuleIds.CoreData, ExportMechanism.None,
                    $"Refused under {rules.Version}: rule 1 prohibits exporting core data (核心数据); no approval can satisfy it — the listing cannot be sold to a buyer in {input.Importer.Region}.");
            }
            Record(RuleIds.CoreData, "Core data may not be exported", Outcomes.Passed, ("level", _data.Level.ToString()));

            return rules.PersonalInformation == PersonalInformationRegime.CiioOnly ? DecideBeforePipl() : DecideUnderPipl();
        }

        private string Date => input.TradeDate.ToString("yyyy-MM-dd", Inv);

        // Cybersecurity Law art. 37 (and, from 2021-09-01, Data Security Law art. 31): only CIIOs are gated.
        private ComplianceDecision DecideBeforePipl()
        {
            var pi = _data.ContainsPersonalInformation;
            var important = _data.Level == DataLevel.Important;
            var ciio = input.Exporter.IsCriticalInformationInfrastructureOperator;
            Record(RuleIds.ImportantData, "Important data requires a CAC security assessment",
                !important ? Outcomes.NotTriggered
                : ciio ? Outcomes.Triggered
                : rules.ImportantData == ImportantDataRegime.AwaitingMeasures ? Outcomes.ManualReview : Outcomes.NotApplicable,
                ("level", _data.Level.ToString()), ("exporterIsCiio", Bool(ciio)), ("regime", rules.ImportantData.ToString()));
            var ciioTriggered = ciio && (pi || important);
            Record(RuleIds.CriticalInfrastructure, "A CIIO exporting personal information or important data requires a security assessment",
                ciio ? (ciioTriggered ? Outcomes.Triggered : Outcomes.NotTriggered) : Outcomes.NotApplicable,
                ("exporterIsCiio", Bool(ciio)), ("containsPersonalInformation", Bool(pi)), ("level", _data.Level.ToString()));

            if (ciioTriggered)
            {
                var (approval, notes) = FindCovering([ExportMechanism.SecurityAssessment]);
                if (approval is not null)
                {
                    Record(RuleIds.SecurityAssessmentApproval, "A valid security-assessment approval covers the trade", Outcomes.SatisfiedBy(approval.Reference), notes);
                    return Accept(true, ExportMechanism.SecurityAssessment, approval,
                        $"Accepted under {rules.Version}: rule 3 (a critical information infrastructure operator exporting personal information or important data collected in the mainland) requires a security assessment, satisfied by approval {approval.Reference}.");
                }
                Record(RuleIds.SecurityAssessmentApproval, "A valid security-assessment approval covers the trade", Outcomes.Refused, notes);
                return Refuse(RefusalReasons.SecurityAssessmentRequired, RuleIds.CriticalInfrastructure, ExportMechanism.SecurityAssessment,
                    $"Refused under {rules.Version}: rule 3 (a critical information infrastructure operator exporting personal information or important data collected in the mainland) requires a security assessment (数据出境安全评估), and no security-assessment approval {CoverageClause()}{NotesClause(notes)}.");
            }

            if (important && rules.ImportantData == ImportantDataRegime.AwaitingMeasures)
            {
                // No procedure existed; an assessment the exporter holds anyway settles the question.
                var (approval, notes) = FindCovering([ExportMechanism.SecurityAssessment]);
                if (approval is not null)
                {
                    Record(RuleIds.SecurityAssessmentApproval, "A valid security-assessment approval covers the trade", Outcomes.SatisfiedBy(approval.Reference), notes);
                    return Accept(true, ExportMechanism.SecurityAssessment, approval,
                        $"Accepted under {rules.Version}: the export of important data by a non-CIIO had no procedure yet (DSL art. 31), and security assessment {approval.Reference} covers it.");
                }
                Record(RuleIds.SecurityAssessmentApproval, "A valid security-assessment approval covers the trade", Outcomes.ManualReview, notes);
                return ManualReview(RuleIds.ImportantData, OpenQuestions.ImportantDataAwaitingMeasures,
                    $"Manual review under {rules.Version}: important data exported by a non-CIIO on {Date}; Data Security Law art. 31 refers it to CAC measures not yet issued, and no security assessment {CoverageClause()}{NotesClause(notes)}.");
            }

            Record(RuleIds.NoExportGate, "Before PIPL, only a CIIO's export of personal information or important data was gated", Outcomes.Exempt,
                ("exporterIsCiio", Bool(ciio)), ("containsPersonalInformation", Bool(pi)), ("level", _data.Level.ToString()));
            return Accept(true, ExportMechanism.Exempt, null,
                $"Accepted under {rules.Version}: before PIPL (2021-11-01) only a critical information infrastructure operator's export of personal information or important data needed a security assessment (CSL art. 37), and the exporter is not one.",
                ExemptionGround.NoExportGateInForce);
        }

        private ComplianceDecision DecideUnderPipl()
        {
            var c = CultureInfo.InvariantCulture;
            if (ClaimedExemption() is { } exempt) return exempt;
            if (FreeTradeZoneExemption() is { } offList) return offList;

            // Rows 2–4: any trigger requires a security assessment.
            var pi = _data.ContainsPersonalInformation;
            var triggers = new List<(string Rule, string Phrase)>();
            var important = _data.Level == DataLevel.Important;
            Record(RuleIds.ImportantData, "Important data requires a CAC security assessment",
                important ? Outcomes.Triggered : Outcomes.NotTriggered, ("level", _data.Level.ToString()));
            if (important) triggers.Add((RuleIds.ImportantData, "rule 2 (important data)"));

            var ciio = input.Exporter.IsCriticalInformationInfrastructureOperator;
            var ciioTriggered = ciio && pi;
            Record(RuleIds.CriticalInfrastructure, "A CIIO exporting personal information requires a security assessment",
                ciio ? (ciioTriggered ? Outcomes.Triggered : Outcomes.NotTriggered) : Outcomes.NotApplicable,
                ("exporterIsCiio", Bool(ciio)), ("containsPersonalInformation", Bool(pi)));
            if (ciioTriggered) triggers.Add((RuleIds.CriticalInfrastructure, "rule 3 (a critical information infrastructure operator exporting personal information)"));

            var saPhrases = pi ? CrossedPhrases(rules.SecurityAssessmentIndividuals, rules.SecurityAssessmentSensitiveIndividuals) : [];
            Record(RuleIds.SecurityAssessmentVolume, "Cumulative PI volume at or above the security-assessment thresholds",
                !pi ? Outcomes.NotApplicable : saPhrases.Count > 0 ? Outcomes.Triggered : Outcomes.NotTriggered,
                VolumeInputs(rules.SecurityAssessmentIndividuals, rules.SecurityAssessmentSensitiveIndividuals));
            if (saPhrases.Count > 0) triggers.Add((RuleIds.SecurityAssessmentVolume, $"rule 4 ({string.Join(" and ", saPhrases)})"));

            if (triggers.Count > 0)
            {
                var required = string.Join(" and ", triggers.Select(t => t.Phrase));
                var (approval, notes) = FindCovering([ExportMechanism.SecurityAssessment]);
                if (approval is not null)
                {
                    Record(RuleIds.SecurityAssessmentApproval, "A valid security-assessment approval covers the trade",
                        Outcomes.SatisfiedBy(approval.Reference), notes);
                    return Accept(true, ExportMechanism.SecurityAssessment, approval,
                        $"Accepted under {rules.Version}: {required} requires a CAC security assessment, satisfied by approval {approval.Reference}.");
                }
                Record(RuleIds.SecurityAssessmentApproval, "A valid security-assessment approval covers the trade", Outcomes.Refused, notes);
                return Refuse(RefusalReasons.SecurityAssessmentRequired, triggers[0].Rule, ExportMechanism.SecurityAssessment,
                    $"Refused under {rules.Version}: {required} requires a CAC security assessment (数据出境安全评估), and no security-assessment approval {CoverageClause()}{NotesClause(notes)}.");
            }

            // Row 5: contract band (no important data here: row 2 caught it).
            var contractPhrases = pi ? CrossedPhrases(rules.ContractIndividuals, rules.ContractSensitiveIndividuals) : [];
            var noSmallExemption = pi && !rules.SmallVolumePersonalInformationExempt;
            var contractBand = contractPhrases.Count > 0 || noSmallExemption;
            var bandInputs = VolumeInputs(rules.ContractIndividuals, rules.ContractSensitiveIndividuals)
                .Append(("smallVolumeExemption", Bool(rules.SmallVolumePersonalInformationExempt))).ToArray();
            Record(RuleIds.ContractBand, "PI export below the assessment thresholds needs a standard contract or certification",
                !pi ? Outcomes.NotApplicable : contractBand ? Outcomes.Triggered : Outcomes.NotTriggered, bandInputs);
            if (contractBand)
                // Without a small-volume exemption the thresholds are moot: say why any PI is caught.
                return DecideContractBand(noSmallExemption
                    ? string.Create(c, $"rule 5 ({rules.Version} has no small-volume exemption and the data contains personal information of {_data.Individuals:N0} individuals, {_data.SensitiveIndividuals:N0} sensitive; cumulative since {rules.VolumeWindowStart(input.TradeDate):yyyy-MM-dd} {_cumIndividuals:N0} / {_cumSensitive:N0})")
                    : $"rule 5 ({string.Join(" and ", contractPhrases)})");

            // Rows 6/7: exempt.
            if (pi)
            {
                Record(RuleIds.SmallVolumeExempt, "Non-CIIO exporting below the contract thresholds, no sensitive PI, no important data", Outcomes.Exempt,
                    VolumeInputs(rules.ContractIndividuals, rules.ContractSensitiveIndividuals));
                return Accept(true, ExportMechanism.Exempt, null, string.Create(c,
                    $"Accepted under {rules.Version}: rule 6 exempts the export because the cumulative volume is {_cumIndividuals:N0} individuals (below {rules.ContractIndividuals:N0}) with no sensitive personal information."),
                    ExemptionGround.SmallVolume);
            }
            Record(RuleIds.NonPersonalDataExempt, "No personal information and no important data: exempt", Outcomes.Exempt,
                ("containsPersonalInformation", "false"), ("level", _data.Level.ToString()), ("sector", _data.Sector));
            return Accept(true, ExportMechanism.Exempt, null,
                $"Accepted under {rules.Version}: rule 7 exempts the export because the data contains no personal information and no important data.",
                ExemptionGround.NoPersonalOrImportantData);
        }

        // Provisions 2024 arts. 4, 5(1)-(3) and NDSM Regulations art. 35(6): personal information only, never important data.
        private ComplianceDecision? ClaimedExemption()
        {
            var claim = input.Claim;
            if (claim == ExemptionGround.None) return null;
            const string description = "An exemption the filer claims applies: provided by the rule set, personal information, no important data";
            var inputs = new List<(string, string)>
            {
                ("claim", claim.ToString()), ("containsPersonalInformation", Bool(_data.ContainsPersonalInformation)),
                ("level", _data.Level.ToString()), ("claimable", string.Join("|", rules.ClaimableExemptions)),
            };
            string? gap =
                claim is ExemptionGround.SmallVolume or ExemptionGround.NoPersonalOrImportantData or ExemptionGround.FreeTradeZoneNegativeList or ExemptionGround.NoExportGateInForce
                    ? "the engine derives this ground itself; it cannot be claimed"
                : !rules.ClaimableExemptions.Contains(claim) ? $"{rules.Version} provides no such exemption on {Date}"
                : _data.Level != DataLevel.General ? "the exemption covers personal information, not important data"
                : !_data.ContainsPersonalInformation ? "the data contains no personal information, so the claim is not needed"
                : null;
            if (gap is not null)
            {
                inputs.Add(("notApplied", gap));
                Record(RuleIds.ClaimedExemption, description, Outcomes.NotApplicable, [.. inputs]);
                return null;
            }
            inputs.Add(("openQuestion", OpenQuestions.ClaimedExemptionCountsTowardThresholds));
            Record(RuleIds.ClaimedExemption, description, Outcomes.Exempt, [.. inputs]);
            return Accept(true, ExportMechanism.Exempt, null,
                $"Accepted under {rules.Version}: the filer claims {ClaimPhrase(claim)}, which exempts this export of personal information from every mechanism ({rules.CitationFor(RuleIds.ClaimedExemption)}); its volume still counts toward the exporter's thresholds.",
                claim);
        }

        // Provisions 2024 art. 6: data off the negative list of the zone the exporter is registered in leaves freely.
        // Only general data with PI (without PI, art. 3 exempts it anyway): notified important data and core data follow
        // the national rules whatever the list says. A list the declaration cannot settle leaves the national rules.
        private ComplianceDecision? FreeTradeZoneExemption()
        {
            if (input.Exporter.FreeTradeZone is not { Length: > 0 } zone || !_data.ContainsPersonalInformation) return null;
            const string description = "Data off the negative list of the exporter's pilot free-trade zone leaves without a mechanism";
            var inputs = new List<(string, string)> { ("zone", zone), ("level", _data.Level.ToString()), ("sector", _data.Sector) };
            if (!rules.FreeTradeZoneNegativeLists || _data.Level != DataLevel.General)
            {
                inputs.Add(("notApplied", !rules.FreeTradeZoneNegativeLists
                    ? $"{rules.Version} has no free-trade-zone negative lists"
                    : "negative lists exempt general data only"));
                Record(RuleIds.FreeTradeZoneNegativeList, description, Outcomes.NotApplicable, [.. inputs]);
                return null;
            }
            var result = NegativeListMatcher.Match(NegativeListQuery.FromDeclaration(zone, input.TradeDate, _data,
                input.Exporter.IsCriticalInformationInfrastructureOperator), negativeLists);
            inputs.Add(("listOutcome", result.Outcome.ToString()));
            inputs.Add(("lists", string.Join("|", result.Lists.Select(l => l.ListId))));
            foreach (var m in result.Matches)
                inputs.Add(($"entry:{m.ListId}/{m.EntryId}", m.Question is { } q ? $"{m.Status}: {q}" : m.Status.ToString()));
            if (!result.Exempt)
            {
                Record(RuleIds.FreeTradeZoneNegativeList, description, Outcomes.NotApplicable, [.. inputs]);
                return null;
            }
            Record(RuleIds.FreeTradeZoneNegativeList, description, Outcomes.Exempt, [.. inputs]);
            return Accept(true, ExportMechanism.Exempt, null,
                $"Accepted under {rules.Version}: the exporter is registered in {zone}, and the data is off the zone's negative list in force on {Date} ({string.Join(", ", result.Lists.Select(l => l.ListId))}); Provisions 2024 art. 6 exempts it from every mechanism.",
                ExemptionGround.FreeTradeZoneNegativeList);
        }

        private static string ClaimPhrase(ExemptionGround claim) => claim switch
        {
            ExemptionGround.ContractNecessity => "necessity to conclude or perform a contract with the individual (art. 5(1))",
            ExemptionGround.HumanResourcesManagement => "cross-border human-resources management (art. 5(2))",
            ExemptionGround.Emergency => "an emergency protecting life, health or property (art. 5(3))",
            ExemptionGround.StatutoryDuty => "a statutory duty or obligation (NDSM Regulations art. 35(6))",
            ExemptionGround.CollectedAbroad => "personal information collected abroad, processed here and sent back unchanged in kind (art. 4)",
            _ => claim.ToString(),
        };

        private ComplianceDecision DecideContractBand(string required)
        {
            // A security assessment is the stronger mechanism and also satisfies the contract band.
            var (approval, notes) = FindCovering([ExportMechanism.StandardContract, ExportMechanism.Certification, ExportMechanism.SecurityAssessment]);
            if (approval is not null)
            {
                Record(RuleIds.ContractApproval, "A valid standard contract, certification or security assessment covers the trade",
                    Outcomes.SatisfiedBy(approval.Reference), notes);
                return Accept(true, approval.Kind, approval,
                    $"Accepted under {rules.Version}: {required} requires a PI export standard contract or certification, satisfied by {Describe(approval.Kind)} {approval.Reference}.");
            }
            Record(RuleIds.ContractApproval, "A valid standard contract, certification or security assessment covers the trade", Outcomes.Refused, notes);

            // Row 8: the GBA contract may replace the standard contract for eligible parties.
            var (eligible, eligibilityGap) = GbaEligibility();
            var (gba, gbaNotes) = FindCovering([ExportMechanism.GbaStandardContract]);
            var gbaInputs = gbaNotes
                .Prepend(("licenceForbidsOnwardTransferOutsideGba", Bool(input.Licence.ForbidsOnwardTransferOutsideGba)))
                .Prepend(("licence", $"onwardTransferAllowed={Bool(input.Licence.OnwardTransferAllowed)}; territory={input.Licence.Territory}"))
                .Prepend(("eligible", eligible ? "true" : eligibilityGap))
                .Prepend(("importerRegion", input.Importer.Region.ToString()))
                .Prepend(("exporterCity", input.Exporter.City ?? ""))
                .ToArray();
            var gbaDescription = rules.GbaStandardContracts.Any(t => t.Counterpart == Region.Macao)
                ? "GBA standard contract: mainland GBA city ↔ Hong Kong or Macao, no important data, no onward transfer outside the GBA"
                : "GBA standard contract: mainland GBA city ↔ Hong Kong, no important data, no onward transfer outside the GBA";
            var gbaHint = eligible
                ? " (or, as the parties qualify, a GBA standard contract with a licence forbidding onward transfer outside the Greater Bay Area)"
                : "";

            if (gba is null)
            {
                Record(RuleIds.GbaStandardContract, gbaDescription, Outcomes.NotApplicable, gbaInputs);
                return Refuse(RefusalReasons.StandardContractOrCertificationRequired, RuleIds.ContractBand, ExportMechanism.StandardContract,
                    $"Refused under {rules.Version}: {required} requires a PI export standard contract filed with the provincial CAC or a PI protection certification{gbaHint}, and none {CoverageClause()}{NotesClause(notes)}.");
            }
            if (!eligible)
            {
                Record(RuleIds.GbaStandardContract, gbaDescription, Outcomes.Refused, gbaInputs);
                return Refuse(RefusalReasons.GbaStandardContractNotApplicable, RuleIds.GbaStandardContract, ExportMechanism.StandardContract,
                    $"Refused under {rules.Version}: {required} requires a PI export standard contract or certification; GBA standard contract {gba.Reference} cannot replace it because {eligibilityGap}.");
            }
            if (!input.Licence.ForbidsOnwardTransferOutsideGba)
            {
                Record(RuleIds.GbaStandardContract, gbaDescription, Outcomes.Refused, gbaInputs);
                return Refuse(RefusalReasons.GbaOnwardTransferNotRestricted, RuleIds.GbaStandardContract, ExportMechanism.GbaStandardContract,
                    $"Refused under {rules.Version}: {required} requires a PI export standard contract or certification, and the only covering approval is GBA standard contract {gba.Reference}, which requires the licence to forbid onward transfer outside the Greater Bay Area, but the licence allows onward transfer within territory '{input.Licence.Territory}'; restrict the licence to 'GBA' (or no onward transfer) or file a PI export standard contract or certification.");
            }
            Record(RuleIds.GbaStandardContract, gbaDescription, Outcomes.SatisfiedBy(gba.Reference), gbaInputs);
            return Accept(true, ExportMechanism.GbaStandardContract, gba,
                $"Accepted under {rules.Version}: {required} requires a PI export standard contract, replaced by GBA standard contract {gba.Reference} (parties in the Greater Bay Area, no onward transfer outside it).");
        }

        private (bool Eligible, string Gap) GbaEligibility()
        {
            if (rules.GbaStandardContracts.Count == 0)
                return (false, $"rule set {rules.Version} has no GBA standard contract");
            if (rules.GbaTermsFor(input.Importer.Region) is not { } terms)
                return (false, $"the importer is in {input.Importer.Region}, not {string.Join("/", rules.GbaStandardContracts.Select(t => t.Counterpart))}");
            if (input.TradeDate < terms.AvailableFrom)
                return (false, string.Create(Inv, $"the GBA standard contract is only available from {terms.AvailableFrom:yyyy-MM-dd}"));
            // Membership is data with dates (jurisdiction catalogue), read by code; inputs recorded before codes existed
            // carry only the city's name, which resolves to the same code.
            var exporterCode = PartyCode(input.Exporter);
            if (input.Exporter.Region != Region.MainlandChina || exporterCode is null
                || !JurisdictionCatalogue.Default.IsMember(terms.RegionId, exporterCode, input.TradeDate))
                return (false, $"the exporter is not registered in one of the 9 mainland GBA cities (city '{input.Exporter.City}'{(exporterCode is null ? "" : $", {exporterCode}")})");
            if (_data.Level != DataLevel.General)
                return (false, "the data is not general data");
            return (true, "");
        }

        // Deterministic choice whatever the list order: preferred kind first, then the longest-valid, then reference, then id.
        private (ExportApproval? Approval, (string, string)[] Notes) FindCovering(ExportMechanism[] kinds)
        {
            var candidates = input.ExporterApprovals
                .Where(a => kinds.Contains(a.Kind))
                .OrderBy(a => Array.IndexOf(kinds, a.Kind))
                .ThenByDescending(a => a.ValidUntil)
                .ThenBy(a => a.Reference, StringComparer.Ordinal)
                .ThenBy(a => a.ApprovalId)
                .ToList();
            var notes = new List<(string, string)> { ("acceptedKinds", string.Join("|", kinds)) };
            ExportApproval? chosen = null;
            foreach (var a in candidates)
            {
                var gap = CoverageGap(a);
                notes.Add(($"approval:{a.Reference}", gap ?? (chosen is null ? "covers (chosen)" : "covers")));
                if (gap is null) chosen ??= a;
            }
            return (chosen, notes.ToArray());
        }

        private string? CoverageGap(ExportApproval a)
        {
            var date = input.TradeDate;
            if (a.ExporterId != input.Exporter.ParticipantId) return "issued to another exporter";
            if (a.RecipientIds is { Count: > 0 } recipients && !recipients.Contains(input.Importer.ParticipantId))
                return $"recipients {string.Join("|", recipients)}, not importer {input.Importer.ParticipantId}";
            if (a.DestinationCodes is { Count: > 0 } destinations)
            {
                var importerCode = ImporterJurisdictionCode();
                if (importerCode is null) return $"destinations {string.Join("|", destinations)}, importer's jurisdiction code unknown";
                if (!destinations.Contains(importerCode, StringComparer.OrdinalIgnoreCase))
                    return $"destinations {string.Join("|", destinations)}, importer in {importerCode}";
            }
            else if (a.CounterpartRegion != input.Importer.Region) return $"counterpart region {a.CounterpartRegion}, importer in {input.Importer.Region}";
            var byListing = a.ListingIds.Contains(_data.ListingId);
            var byCategories = _data.Categories.Count > 0
                && _data.Categories.All(cat => a.DataCategories.Any(x => string.Equals(x.Trim(), cat.Trim(), StringComparison.OrdinalIgnoreCase)));
            if (!byListing && !byCategories) return "scope covers neither this listing nor all its categories";
            if (!string.IsNullOrWhiteSpace(a.Purpose)
                && !string.Equals(a.Purpose.Trim(), (input.Licence.Purpose ?? "").Trim(), StringComparison.OrdinalIgnoreCase))
                return $"purpose '{a.Purpose}', licence purpose '{input.Licence.Purpose}'";
            if (a.RevokedOn is { } revoked && revoked <= date) return string.Create(Inv, $"revoked {revoked:yyyy-MM-dd}");
            if (date < a.ValidFrom) return string.Create(Inv, $"not valid until {a.ValidFrom:yyyy-MM-dd}");
            if (date > a.ValidUntil) return string.Create(Inv, $"expired after {a.ValidUntil:yyyy-MM-dd}");
            var used = a.ExportedUnder ?? ExportVolume.Zero;
            if (a.CoveredIndividuals is { } scale && used.Individuals + _data.Individuals > scale)
                return string.Create(Inv, $"scale: {used.Individuals:N0} already exported under it + {_data.Individuals:N0} exceeds the approved {scale:N0} individuals");
            if (a.CoveredSensitiveIndividuals is { } sensitiveScale && used.SensitiveIndividuals + _data.SensitiveIndividuals > sensitiveScale)
                return string.Create(Inv, $"scale: {used.SensitiveIndividuals:N0} already exported under it + {_data.SensitiveIndividuals:N0} exceeds the approved {sensitiveScale:N0} sensitive individuals");
            return null;
        }

        private string? ImporterJurisdictionCode() => PartyCode(input.Importer);

        // Inputs recorded before jurisdiction codes existed carry none: a SAR's region is its code, a mainland city's
        // name resolves to its GB/T 2260 code; a foreign country stays unknown.
        private static string? PartyCode(Party party) => party.JurisdictionCode ?? party.Region switch
        {
            Region.HongKong => "HK",
            Region.Macao => "MO",
            Region.MainlandChina when JurisdictionCatalogue.Default.Resolve(party.City) is { IsResolved: true } r => r.Jurisdiction!.Code,
            _ => null,
        };

        private List<string> CrossedPhrases(long individualsThreshold, long sensitiveThreshold)
        {
            var phrases = new List<string>();
            var since = rules.VolumeWindowStart(input.TradeDate);
            if (_cumIndividuals >= individualsThreshold)
                phrases.Add(string.Create(Inv,
                    $"cumulative personal information of {_cumIndividuals:N0} individuals since {since:yyyy-MM-dd} (prior {_prior.Individuals:N0} + this trade {_data.Individuals:N0}) reaches the {individualsThreshold:N0} threshold"));
            if (_cumSensitive >= sensitiveThreshold)
                phrases.Add(string.Create(Inv,
                    $"cumulative sensitive personal information of {_cumSensitive:N0} individuals since {since:yyyy-MM-dd} (prior {_prior.SensitiveIndividuals:N0} + this trade {_data.SensitiveIndividuals:N0}) reaches the {sensitiveThreshold:N0} threshold"));
            return phrases;
        }

        private (string, string)[] VolumeInputs(long individualsThreshold, long sensitiveThreshold) =>
        [
            ("containsPersonalInformation", Bool(_data.ContainsPersonalInformation)),
            ("volumeWindowStart", rules.VolumeWindowStart(input.TradeDate).ToString("yyyy-MM-dd", Inv)),
            ("priorIndividuals", N(_prior.Individuals)), ("tradeIndividuals", N(_data.Individuals)),
            ("cumulativeIndividuals", N(_cumIndividuals)), ("individualsThreshold", N(individualsThreshold)),
            ("priorSensitiveIndividuals", N(_prior.SensitiveIndividuals)), ("tradeSensitiveIndividuals", N(_data.SensitiveIndividuals)),
            ("cumulativeSensitiveIndividuals", N(_cumSensitive)), ("sensitiveThreshold", N(sensitiveThreshold)),
        ];

        private ComplianceDecision? ValidateDeclaration()
        {
            const string description = "Declared volumes are consistent (non-negative, sensitive ≤ total, PI flag matches counts)";
            var d = _data;
            string? problem =
                d.Individuals < 0 || d.SensitiveIndividuals < 0 ? "negative individual counts"
                : d.SensitiveIndividuals > d.Individuals ? "more sensitive individuals than individuals"
                : !d.ContainsPersonalInformation && d.Individuals > 0 ? "individuals declared but no personal information"
                : d.ContainsPersonalInformation && d.Individuals == 0 ? "personal information declared without a number of individuals"
                : null;
            var p = _prior;
            string? priorProblem =
                p.Individuals < 0 || p.SensitiveIndividuals < 0 ? "negative prior volume"
                : p.SensitiveIndividuals > p.Individuals ? "prior sensitive individuals exceed prior individuals"
                : long.MaxValue - p.Individuals < d.Individuals ? "cumulative volume overflows"
                : null;
            var inputs = new (string, string)[]
            {
                ("containsPersonalInformation", Bool(d.ContainsPersonalInformation)),
                ("individuals", N(d.Individuals)), ("sensitiveIndividuals", N(d.SensitiveIndividuals)),
                ("priorIndividuals", N(p.Individuals)), ("priorSensitiveIndividuals", N(p.SensitiveIndividuals)),
            };
            if (problem is null && priorProblem is null)
            {
                Record(RuleIds.Declaration, description, Outcomes.Passed, inputs);
                return null;
            }
            Record(RuleIds.Declaration, description, Outcomes.Refused, [.. inputs, ("problem", problem ?? priorProblem!)]);
            return problem is not null
                ? Refuse(RefusalReasons.InvalidDataDeclaration, RuleIds.Declaration, ExportMechanism.None,
                    $"Refused under {rules.Version}: the listing's declaration is inconsistent ({problem}); correct the declared personal-information counts before a cross-border trade can be judged.")
                : Refuse(RefusalReasons.InvalidPriorVolume, RuleIds.Declaration, ExportMechanism.None,
                    $"Refused under {rules.Version}: the exporter's prior export volume is invalid ({priorProblem}); recompute it from accepted cross-border trades.");
        }

        private string CoverageClause() => string.Create(Inv,
            $"issued to exporter {input.Exporter.ParticipantId} covers listing {_data.ListingId} for a counterpart in {input.Importer.Region} on {input.TradeDate:yyyy-MM-dd}");

        private static string NotesClause((string Key, string Value)[] notes)
        {
            var misses = notes.Where(n => n.Key.StartsWith("approval:", StringComparison.Ordinal))
                .Select(n => $"{n.Key["approval:".Length..]}: {n.Value}").ToList();
            return misses.Count == 0 ? "" : $" (approvals on file: {string.Join("; ", misses)})";
        }

        private static string Describe(ExportMechanism kind) => kind switch
        {
            ExportMechanism.StandardContract => "standard contract",
            ExportMechanism.Certification => "PI protection certification",
            ExportMechanism.SecurityAssessment => "security assessment (stronger mechanism)",
            ExportMechanism.GbaStandardContract => "GBA standard contract",
            _ => kind.ToString(),
        };

        private void Record(string ruleId, string description, string outcome, params (string Key, string Value)[] inputs)
        {
            var dict = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in inputs) dict[k] = v;
            _evaluations.Add(new RuleEvaluation(ruleId, description, outcome, new ReadOnlyDictionary<string, string>(dict), rules.CitationFor(ruleId)));
        }

        private ComplianceDecision Accept(bool crossBorder, ExportMechanism mechanism, ExportApproval? approval, string explanation,
            ExemptionGround exemption = ExemptionGround.None)
        {
            var after = crossBorder
                ? new ExportVolume(_prior.Individuals + _data.Individuals, _prior.SensitiveIndividuals + _data.SensitiveIndividuals)
                : _prior;
            return new ComplianceDecision(true, crossBorder, rules.Version, mechanism, approval?.ApprovalId, approval?.Reference,
                null, null, explanation, _evaluations.AsReadOnly(), after, DecisionOutcome.Accepted, _crossing, exemption, DecisiveCitations(), null);
        }

        private ComplianceDecision Refuse(string reason, string rule, ExportMechanism required, string explanation) =>
            new(false, true, rules.Version, required, null, null, reason, rule, explanation, _evaluations.AsReadOnly(), _prior,
                DecisionOutcome.Refused, _crossing, ExemptionGround.None, DecisiveCitations(), null);

        private ComplianceDecision ManualReview(string rule, string question, string explanation) =>
            new(false, true, rules.Version, ExportMechanism.None, null, null, RefusalReasons.ManualReviewRequired, rule, explanation,
                _evaluations.AsReadOnly(), _prior, DecisionOutcome.ManualReview, _crossing, ExemptionGround.None, DecisiveCitations(), question);

        // The articles behind the rules that decided: triggered, satisfied, exempt, refused or sent to review.
        private List<string> DecisiveCitations()
        {
            var decisive = _evaluations
                .Where(e => e.Outcome is Outcomes.Triggered or Outcomes.Refused or Outcomes.Exempt or Outcomes.ManualReview
                    || e.Outcome.StartsWith(Outcomes.SatisfiedByPrefix, StringComparison.Ordinal))
                .Select(e => e.Citation ?? "")
                .Where(c => c.Length > 0)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return decisive.Count > 0 ? decisive : [.. _evaluations.Take(1).Select(e => e.Citation ?? "").Where(c => c.Length > 0)];
        }

        private static string Bool(bool b) => b ? "true" : "false";

        private static string N(long n) => n.ToString(Inv);
    }
}
