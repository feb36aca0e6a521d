using System.Globalization;
using DataExchange.Compliance.NegativeLists;

namespace DataExchange.Compliance.Tests;

/// <summary>
/// The export law as a table: every instrument from 2017 to 2026 on the day before and the day it takes effect, every
/// threshold on both sides, every exemption, scope and approval-scope rule. Each row names the rule set and the article
/// it exercises; thresholds come from the catalogue (<see cref="RuleSet"/>), never from literals, so the catalogue and
/// the tests cannot disagree.
/// </summary>
public class LawTableTests
{
    public enum Want { Accepted, Refused, ManualReview }

    /// <summary>One row. <paramref name="Build"/> receives the rule set in force on the date, for thresholds.</summary>
    public sealed record Row(
        string Name,
        string Date,
        string Version,
        string Citation,
        Want Outcome,
        ExportMechanism Mechanism,
        string? Detail,
        Func<RuleSet, Setup, ComplianceInput> Build)
    {
        public override string ToString() => $"{Date} {Version} {Citation}: {Name}";
    }

    /// <summary>Builds inputs around the standard Shenzhen exporter and Hong Kong importer of <see cref="Given"/>.</summary>
    public sealed class Setup(DateOnly date)
    {
        public ComplianceInput Trade(long individuals = 0, long sensitive = 0, DataLevel level = DataLevel.General, bool ciio = false,
            Region importer = Region.HongKong, string? importerCode = null, ExportVolume? prior = null, ExemptionGround claim = ExemptionGround.None,
            LicenceTerms? licence = null, Region location = Region.MainlandChina, string? exporterCity = "Shenzhen", string? exporterCode = null,
            string? zone = null, string? sector = null, string[]? categories = null, params ExportApproval[] approvals)
        {
            var t = Given.Trade(individuals, sensitive, date, level, importer, exporterCity: exporterCity, ciio: ciio, licence: licence, prior: prior, approvals: approvals);
            return t with
            {
                Exporter = t.Exporter with { JurisdictionCode = exporterCode, FreeTradeZone = zone },
                Importer = t.Importer with { JurisdictionCode = importerCode },
                Data = t.Data with { Location = location, Sector = sector ?? t.Data.Sector, Categories = categories ?? t.Data.Categories },
                Claim = claim,
            };
        }

        public ExportApproval Approval(ExportMechanism kind, Region counterpart = Region.HongKong, Guid[]? recipients = null,
            string[]? destinations = null, long? scale = null, long? sensitiveScale = null, ExportVolume? used = null, string? purpose = null,
            DateOnly? revoked = null, DateOnly? until = null, Guid? exporter = null, string[]? categories = null, Guid[]? listings = null) =>
            Given.Approval(kind, $"{kind}-1", exporter: exporter, counterpart: counterpart, listings: listings, categories: categories,
                from: date.AddYears(-1), until: until ?? date.AddYears(1), revoked: revoked) with
            {
                RecipientIds = recipients,
                DestinationCodes = destinations,
                CoveredIndividuals = scale,
                CoveredSensitiveIndividuals = sensitiveScale,
                ExportedUnder = used,
                Purpose = purpose,
            };
    }

    private const ExportMechanism None = ExportMechanism.None;
    private const ExportMechanism Exempt = ExportMechanism.Exempt;
    private const ExportMechanism Sa = ExportMechanism.SecurityAssessment;
    private const ExportMechanism Sc = ExportMechanism.StandardContract;
    private const ExportMechanism Cert = ExportMechanism.Certification;
    private const ExportMechanism Gba = ExportMechanism.GbaStandardContract;

    private static Row R(string name, string date, string version, string citation, Want outcome, ExportMechanism mechanism, string? detail,
        Func<RuleSet, Setup, ComplianceInput> build) => new(name, date, version, citation, outcome, mechanism, detail, build);

    private static readonly Guid OtherRecipient = new("99999999-9999-9999-9999-999999999999");

    public static IEnumerable<Row> Rows() =>
    [
        // ---- 2017-06-01 Cybersecurity Law art. 37: CIIOs only ----
        R("CIIO exporting PI without an assessment", "2017-06-01", "CN-2017.06", "CSL art. 37", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: 10, ciio: true)),
        R("CIIO exporting PI with an assessment", "2017-06-01", "CN-2017.06", "CSL art. 37", Want.Accepted, Sa, null,
            (r, s) => s.Trade(individuals: 10, ciio: true, approvals: s.Approval(Sa))),
        R("CIIO exporting important data without an assessment", "2019-05-05", "CN-2017.06", "CSL art. 37", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important, ciio: true)),
        R("CIIO exporting general non-personal data: no gate", "2019-05-05", "CN-2017.06", "CSL art. 37 (binds CIIOs only)", Want.Accepted, Exempt, nameof(ExemptionGround.NoExportGateInForce),
            (r, s) => s.Trade(ciio: true)),
        R("non-CIIO exporting 5 million individuals' PI: no general gate", "2019-05-05", "CN-2017.06", "CSL art. 37 (binds CIIOs only)", Want.Accepted, Exempt, nameof(ExemptionGround.NoExportGateInForce),
            (r, s) => s.Trade(individuals: 5_000_000, sensitive: 50_000)),
        R("non-CIIO exporting important data: no gate before the DSL", "2021-08-31", "CN-2017.06", "CSL art. 37 (binds CIIOs only)", Want.Accepted, Exempt, nameof(ExemptionGround.NoExportGateInForce),
            (r, s) => s.Trade(level: DataLevel.Important)),
        R("core data before the DSL: manual review", "2021-08-31", "CN-2017.06", "OQ-1", Want.ManualReview, None, RefusalReasons.ManualReviewRequired,
            (r, s) => s.Trade(level: DataLevel.Core)),
        R("non-CIIO PI the day before the DSL: no gate", "2021-08-31", "CN-2017.06", "CSL art. 37 (binds CIIOs only)", Want.Accepted, Exempt, nameof(ExemptionGround.NoExportGateInForce),
            (r, s) => s.Trade(individuals: 50)),

        // ---- 2021-09-01 Data Security Law arts. 21, 31 ----
        R("non-CIIO important data the day the DSL applies: manual review", "2021-09-01", "CN-2021.09", "OQ-2", Want.ManualReview, None, RefusalReasons.ManualReviewRequired,
            (r, s) => s.Trade(level: DataLevel.Important)),
        R("non-CIIO important data covered by an assessment anyway", "2021-09-01", "CN-2021.09", "DSL art. 31", Want.Accepted, Sa, null,
            (r, s) => s.Trade(level: DataLevel.Important, approvals: s.Approval(Sa))),
        R("core data under the DSL: prohibited", "2021-09-01", "CN-2021.09", "DSL art. 21", Want.Refused, None, RefusalReasons.CoreDataExportProhibited,
            (r, s) => s.Trade(level: DataLevel.Core)),
        R("CIIO important data under the DSL: assessment", "2021-09-01", "CN-2021.09", "CSL art. 37", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important, ciio: true)),
        R("non-CIIO PI the day before PIPL: no gate", "2021-10-31", "CN-2021.09", "PIPL not yet in force", Want.Accepted, Exempt, nameof(ExemptionGround.NoExportGateInForce),
            (r, s) => s.Trade(individuals: 50)),

        // ---- 2021-11-01 PIPL arts. 38-40 ----
        R("non-CIIO PI the day PIPL applies: contract or certification", "2021-11-01", "CN-2021.11", "PIPL art. 38(2)-(3)", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: 50)),
        R("non-CIIO PI with a standard contract", "2021-11-01", "CN-2021.11", "PIPL art. 38(2)-(3)", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: 50, approvals: s.Approval(Sc))),
        R("non-CIIO PI with a certification", "2021-11-01", "CN-2021.11", "PIPL art. 38(2)-(3)", Want.Accepted, Cert, null,
            (r, s) => s.Trade(individuals: 50, approvals: s.Approval(Cert))),
        R("non-CIIO important data under PIPL: assessment (exchange policy)", "2021-11-01", "CN-2021.11", "DSL art. 31", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important)),
        R("CIIO PI under PIPL: assessment", "2021-11-01", "CN-2021.11", "PIPL art. 40", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: 10, ciio: true)),
        R("no PI, no important data under PIPL: exempt", "2021-11-01", "CN-2021.11", "PIPL art. 38 (no personal information)", Want.Accepted, Exempt, nameof(ExemptionGround.NoPersonalOrImportantData),
            (r, s) => s.Trade()),
        R("PIPL: one below the assessment threshold", "2022-08-31", "CN-2021.11", "PIPL art. 38(2)-(3)", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals - 1)),
        R("PIPL: at the assessment threshold", "2022-08-31", "CN-2021.11", "PIPL art. 40", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals)),
        R("core data under PIPL: prohibited", "2022-08-31", "CN-2021.11", "DSL art. 21", Want.Refused, None, RefusalReasons.CoreDataExportProhibited,
            (r, s) => s.Trade(level: DataLevel.Core)),
        R("exemption claimed under PIPL: none provided, contract needed", "2022-08-31", "CN-2021.11", "PIPL art. 38(2)-(3)", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: 50, claim: ExemptionGround.ContractNecessity)),

        // ---- 2022-09-01 Security Assessment Measures ----
        R("2022 Measures: at the assessment threshold", "2022-09-01", "CN-2022.09", "SA Measures 2022 art. 4(3)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals)),
        R("2022 Measures: one below the assessment threshold", "2022-09-01", "CN-2022.09", "PIPL art. 38(2)-(3)", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals - 1)),
        R("2022 Measures: sensitive at the threshold", "2022-09-01", "CN-2022.09", "SA Measures 2022 art. 4(3)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentSensitiveIndividuals, sensitive: r.SecurityAssessmentSensitiveIndividuals)),
        R("2022 Measures: sensitive one below the threshold", "2022-09-01", "CN-2022.09", "PIPL art. 38(2)-(3)", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentSensitiveIndividuals, sensitive: r.SecurityAssessmentSensitiveIndividuals - 1)),
        R("2022 Measures: previous year's exports count", "2023-02-01", "CN-2022.09", "SA Measures 2022 art. 4(3)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: 10, prior: new ExportVolume(r.SecurityAssessmentIndividuals - 10, 0))),
        R("2022 Measures: important data", "2022-09-01", "CN-2022.09", "SA Measures 2022 art. 4(1)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important)),
        R("2022 Measures: CIIO PI", "2022-09-01", "CN-2022.09", "SA Measures 2022 art. 4(2)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: 1, ciio: true)),
        R("2022 Measures: assessment covers the trade", "2022-09-01", "CN-2022.09", "SA Measures 2022 arts. 4, 14", Want.Accepted, Sa, null,
            (r, s) => s.Trade(level: DataLevel.Important, approvals: s.Approval(Sa))),
        R("2022 Measures: a contract before the SC Measures still answers the band", "2023-05-31", "CN-2022.09", "PIPL art. 38(2)-(3)", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: 50, approvals: s.Approval(Sc))),

        // ---- 2023-06-01 Standard Contract Measures ----
        R("SC Measures: small PI export needs the filed contract", "2023-06-01", "CN-2023.06", "SC Measures 2023 art. 4", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: 50)),
        R("SC Measures: filed contract covers", "2023-06-01", "CN-2023.06", "SC Measures 2023 arts. 4, 7", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: 50, approvals: s.Approval(Sc))),
        R("SC Measures: an assessment is the stronger mechanism", "2023-06-01", "CN-2023.06", "SC Measures 2023 arts. 4, 7", Want.Accepted, Sa, null,
            (r, s) => s.Trade(individuals: 50, approvals: s.Approval(Sa))),
        R("SC Measures: at the assessment threshold a contract is not enough", "2023-06-01", "CN-2023.06", "SA Measures 2022 art. 4(3)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals, approvals: s.Approval(Sc))),
        R("GBA contract the day before the HK guideline", "2023-12-12", "CN-2023.06", "SC Measures 2023 art. 4", Want.Refused, Sc, RefusalReasons.GbaStandardContractNotApplicable,
            (r, s) => s.Trade(individuals: 50, approvals: s.Approval(Gba))),

        // ---- 2023-12-13 GBA (Mainland, Hong Kong) standard contract ----
        R("GBA contract the day the HK guideline applies", "2023-12-13", "CN-2023.12", "GBA (Mainland, Hong Kong) Standard Contract Guideline 2023", Want.Accepted, Gba, null,
            (r, s) => s.Trade(individuals: 50, approvals: s.Approval(Gba))),
        R("GBA contract lifts the thresholds", "2023-12-13", "CN-2023.12", "GBA (Mainland, Hong Kong)", Want.Accepted, Gba, null,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals - 1, approvals: s.Approval(Gba))),
        R("GBA contract with onward transfer allowed worldwide", "2023-12-13", "CN-2023.12", "GBA (Mainland, Hong Kong)", Want.Refused, Gba, RefusalReasons.GbaOnwardTransferNotRestricted,
            (r, s) => s.Trade(individuals: 50, licence: new LicenceTerms(true, "GLOBAL"), approvals: s.Approval(Gba))),
        R("GBA HK contract does not reach Macao before its guideline", "2024-09-09", "CN-2024.03", "GBA (Mainland, Hong Kong)", Want.Refused, Sc, RefusalReasons.GbaStandardContractNotApplicable,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, importer: Region.Macao, licence: new LicenceTerms(false, "MO"), approvals: s.Approval(Gba, Region.Macao))),
        R("GBA contract never covers important data", "2023-12-13", "CN-2023.12", "SA Measures 2022 art. 4(1)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important, approvals: s.Approval(Gba))),

        // ---- 2024-03-22 Provisions on Promoting and Regulating Cross-Border Data Flows ----
        R("small PI export the day before the Provisions: contract", "2024-03-21", "CN-2023.12", "SC Measures 2023 art. 4", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: 50)),
        R("small PI export the day the Provisions apply: exempt", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 5(4)", Want.Accepted, Exempt, nameof(ExemptionGround.SmallVolume),
            (r, s) => s.Trade(individuals: 50)),
        R("Provisions: one below the contract threshold", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 5(4)", Want.Accepted, Exempt, nameof(ExemptionGround.SmallVolume),
            (r, s) => s.Trade(individuals: r.ContractIndividuals - 1)),
        R("Provisions: at the contract threshold", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals)),
        R("Provisions: one sensitive individual needs a contract", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractSensitiveIndividuals, sensitive: r.ContractSensitiveIndividuals)),
        R("Provisions: one below the assessment threshold with a contract", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 8", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals - 1, approvals: s.Approval(Sc))),
        R("Provisions: at the assessment threshold", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 7(2)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals, approvals: s.Approval(Sc))),
        R("Provisions: sensitive one below the assessment threshold", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 8", Want.Accepted, Cert, null,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentSensitiveIndividuals, sensitive: r.SecurityAssessmentSensitiveIndividuals - 1, approvals: s.Approval(Cert))),
        R("Provisions: sensitive at the assessment threshold", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 7(2)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentSensitiveIndividuals, sensitive: r.SecurityAssessmentSensitiveIndividuals)),
        R("Provisions: only the current year counts", "2024-06-01", "CN-2024.03", "Provisions 2024 art. 5(4)", Want.Accepted, Exempt, nameof(ExemptionGround.SmallVolume),
            (r, s) => s.Trade(individuals: 10, prior: new ExportVolume(r.ContractIndividuals - 11, 0))),
        R("Provisions: cumulative volume this year reaches the contract band", "2024-06-01", "CN-2024.03", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: 10, prior: new ExportVolume(r.ContractIndividuals - 10, 0))),
        R("Provisions: CIIO exporting any PI", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 7(1)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: 1, ciio: true)),
        R("Provisions: important data (notified)", "2024-03-22", "CN-2024.03", "Provisions 2024 arts. 2, 7(2)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important)),
        R("Provisions: no PI and no important data", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 3", Want.Accepted, Exempt, nameof(ExemptionGround.NoPersonalOrImportantData),
            (r, s) => s.Trade()),
        R("Provisions: core data still prohibited", "2024-03-22", "CN-2024.03", "DSL art. 21", Want.Refused, None, RefusalReasons.CoreDataExportProhibited,
            (r, s) => s.Trade(level: DataLevel.Core, approvals: s.Approval(Sa))),
        R("contract necessity the day before the Provisions: not available", "2024-03-21", "CN-2023.12", "SA Measures 2022 art. 4(3)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: 500_000, claim: ExemptionGround.ContractNecessity)),
        R("contract necessity the day the Provisions apply", "2024-03-22", "CN-2024.03", "Provisions 2024 arts. 4, 5(1)-(3)", Want.Accepted, Exempt, nameof(ExemptionGround.ContractNecessity),
            (r, s) => s.Trade(individuals: 500_000, claim: ExemptionGround.ContractNecessity)),
        R("cross-border HR management", "2024-03-22", "CN-2024.03", "Provisions 2024 arts. 4, 5(1)-(3)", Want.Accepted, Exempt, nameof(ExemptionGround.HumanResourcesManagement),
            (r, s) => s.Trade(individuals: 2_000, sensitive: 2_000, claim: ExemptionGround.HumanResourcesManagement)),
        R("emergency, even for a CIIO", "2024-03-22", "CN-2024.03", "Provisions 2024 arts. 4, 5(1)-(3)", Want.Accepted, Exempt, nameof(ExemptionGround.Emergency),
            (r, s) => s.Trade(individuals: 5, ciio: true, claim: ExemptionGround.Emergency)),
        R("PI collected abroad and sent back", "2024-03-22", "CN-2024.03", "Provisions 2024 arts. 4, 5(1)-(3)", Want.Accepted, Exempt, nameof(ExemptionGround.CollectedAbroad),
            (r, s) => s.Trade(individuals: 2_000_000, claim: ExemptionGround.CollectedAbroad)),
        R("a claim never covers important data", "2024-03-22", "CN-2024.03", "Provisions 2024 arts. 2, 7(2)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: 5, level: DataLevel.Important, claim: ExemptionGround.ContractNecessity)),
        R("the small-volume ground cannot be claimed", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, claim: ExemptionGround.SmallVolume)),
        R("statutory duty the day before the NDSM Regulations: not available", "2024-12-31", "CN-2024.09", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, claim: ExemptionGround.StatutoryDuty)),

        // ---- 2024-09-10 GBA (Mainland, Macao) standard contract ----
        R("GBA Macao contract the day its guideline applies", "2024-09-10", "CN-2024.09", "GBA (Mainland, Macao)", Want.Accepted, Gba, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, importer: Region.Macao, licence: new LicenceTerms(false, "MO"), approvals: s.Approval(Gba, Region.Macao))),
        R("GBA Macao contract with onward transfer to Hong Kong stays in the GBA", "2024-09-10", "CN-2024.09", "GBA (Mainland, Macao)", Want.Accepted, Gba, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, importer: Region.Macao, licence: new LicenceTerms(true, "GBA"), approvals: s.Approval(Gba, Region.Macao))),
        R("GBA contract never reaches Singapore", "2024-09-10", "CN-2024.09", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.GbaStandardContractNotApplicable,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, importer: Region.Other, importerCode: "SG", approvals: s.Approval(Gba, Region.Other))),

        // ---- 2025-01-01 Network Data Security Management Regulations ----
        R("statutory duty the day the NDSM Regulations apply", "2025-01-01", "CN-2025.01", "NDSM Regs 2025 art. 35(4)-(7)", Want.Accepted, Exempt, nameof(ExemptionGround.StatutoryDuty),
            (r, s) => s.Trade(individuals: r.ContractIndividuals, claim: ExemptionGround.StatutoryDuty)),
        R("NDSM: important means notified or published", "2025-01-01", "CN-2025.01", "NDSM Regs 2025 art. 37", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important)),
        R("NDSM: an assessment binds the approved scale", "2025-01-01", "CN-2025.01", "NDSM Regs 2025 art. 37", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(individuals: 100, level: DataLevel.Important, approvals: s.Approval(Sa, scale: 1_000, used: new ExportVolume(950, 0)))),
        R("NDSM: within the approved scale", "2025-01-01", "CN-2025.01", "NDSM Regs 2025 arts. 35(1), 38", Want.Accepted, Sa, null,
            (r, s) => s.Trade(individuals: 50, level: DataLevel.Important, approvals: s.Approval(Sa, scale: 1_000, used: new ExportVolume(950, 0)))),
        R("NDSM: the approved sensitive scale binds too", "2025-01-01", "CN-2025.01", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: 200, sensitive: 200, approvals: s.Approval(Sc, sensitiveScale: 100))),
        R("NDSM: contract for another recipient does not cover", "2025-01-01", "CN-2025.01", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, approvals: s.Approval(Sc, recipients: [OtherRecipient]))),
        R("NDSM: contract naming the recipient covers", "2025-01-01", "CN-2025.01", "NDSM Regs 2025 arts. 35(2)-(3), 38", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, approvals: s.Approval(Sc, recipients: [Given.ImporterId]))),
        R("NDSM: approval for Singapore does not cover the United States", "2025-01-01", "CN-2025.01", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, importer: Region.Other, importerCode: "US", approvals: s.Approval(Sc, Region.Other, destinations: ["SG"]))),
        R("NDSM: approval for Singapore covers Singapore", "2025-01-01", "CN-2025.01", "NDSM Regs 2025 arts. 35(2)-(3), 38", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, importer: Region.Other, importerCode: "SG", approvals: s.Approval(Sc, Region.Other, destinations: ["SG"]))),
        R("NDSM: approval for another purpose does not cover", "2025-01-01", "CN-2025.01", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, licence: new LicenceTerms(false, "HK", "marketing"), approvals: s.Approval(Sc, purpose: "credit scoring"))),
        R("NDSM: approval for the licensed purpose covers", "2025-01-01", "CN-2025.01", "NDSM Regs 2025 arts. 35(2)-(3), 38", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, licence: new LicenceTerms(false, "HK", "Credit scoring "), approvals: s.Approval(Sc, purpose: "credit scoring"))),
        R("NDSM: a revoked contract does not cover", "2025-03-01", "CN-2025.01", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, approvals: s.Approval(Sc, revoked: new DateOnly(2025, 3, 1)))),
        R("NDSM: a contract revoked tomorrow still covers", "2025-03-01", "CN-2025.01", "NDSM Regs 2025 arts. 35(2)-(3), 38", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, approvals: s.Approval(Sc, revoked: new DateOnly(2025, 3, 2)))),
        R("NDSM: an expired assessment does not cover", "2025-03-01", "CN-2025.01", "NDSM Regs 2025 art. 37", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important, approvals: s.Approval(Sa, until: new DateOnly(2025, 2, 28)))),
        R("NDSM: another exporter's assessment does not cover", "2025-03-01", "CN-2025.01", "NDSM Regs 2025 art. 37", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important, approvals: s.Approval(Sa, exporter: OtherRecipient))),
        R("NDSM: an approval by categories covers a listing within them", "2025-03-01", "CN-2025.01", "NDSM Regs 2025 arts. 35(2)-(3), 38", Want.Accepted, Sc, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, approvals: s.Approval(Sc, listings: [], categories: ["Shipping", "customs", "tariffs"]))),
        R("NDSM: an approval by categories misses a listing outside them", "2025-03-01", "CN-2025.01", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, approvals: s.Approval(Sc, listings: [], categories: ["shipping"]))),

        // ---- 2025-06-27 assessment extension guide; 2026-01-01 certification measures ----
        R("the day before the extension guide: decisions unchanged", "2025-06-26", "CN-2025.01", "NDSM Regs 2025 arts. 35(1), 38", Want.Accepted, Sa, null,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals, approvals: s.Approval(Sa))),
        R("the day the extension guide applies: decisions unchanged", "2025-06-27", "CN-2025.06", "NDSM Regs 2025 arts. 35(1), 38", Want.Accepted, Sa, null,
            (r, s) => s.Trade(individuals: r.SecurityAssessmentIndividuals, approvals: s.Approval(Sa))),
        R("certification the day before the Certification Measures", "2025-12-31", "CN-2025.06", "NDSM Regs 2025 arts. 35(2)-(3), 38", Want.Accepted, Cert, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, approvals: s.Approval(Cert))),
        R("certification the day the Certification Measures apply", "2026-01-01", "CN-2026.01", "Certification Measures 2026", Want.Accepted, Cert, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, approvals: s.Approval(Cert))),
        R("Certification Measures: the band without an approval", "2026-01-01", "CN-2026.01", "Certification Measures 2026", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals)),
        R("Certification Measures: below the band still exempt", "2026-01-01", "CN-2026.01", "Provisions 2024 art. 5(4)", Want.Accepted, Exempt, nameof(ExemptionGround.SmallVolume),
            (r, s) => s.Trade(individuals: r.ContractIndividuals - 1)),

        // ---- Places as codes: the GBA is data (jurisdiction catalogue), whatever the spelling ----
        R("GBA exporter named in Chinese", "2024-03-22", "CN-2024.03", "GBA (Mainland, Hong Kong)", Want.Accepted, Gba, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, exporterCity: "深圳", approvals: s.Approval(Gba))),
        R("GBA exporter named by its GB/T 2260 code", "2024-03-22", "CN-2024.03", "GBA (Mainland, Hong Kong)", Want.Accepted, Gba, null,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, exporterCity: null, exporterCode: "440300", approvals: s.Approval(Gba))),
        R("exporter in Shanghai is outside the GBA", "2024-03-22", "CN-2024.03", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.GbaStandardContractNotApplicable,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, exporterCity: "上海市", approvals: s.Approval(Gba))),

        // ---- 2024 Provisions art. 6: free-trade-zone negative lists ----
        R("Tianjin FTZ the day before its list: national rules", "2024-05-08", "CN-2024.03", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, exporterCity: "天津", zone: "CN-FTZ-TIANJIN", sector: "sports", categories: ["match results"])),
        R("Tianjin FTZ the day its list applies: its PI thresholds are not published offline, so national rules", "2024-05-09", "CN-2024.03", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, exporterCity: "天津", zone: "CN-FTZ-TIANJIN", sector: "sports", categories: ["match results"])),
        R("Beijing FTZ: a sector its list does not cover gets no exemption", "2024-09-01", "CN-2024.03", "Provisions 2024 art. 8", Want.Refused, Sc, RefusalReasons.StandardContractOrCertificationRequired,
            (r, s) => s.Trade(individuals: r.ContractIndividuals, exporterCity: "北京", zone: "CN-FTZ-BEIJING", sector: "sports", categories: ["match results"])),
        R("FTZ lists never exempt important data", "2024-05-09", "CN-2024.03", "Provisions 2024 arts. 2, 7(2)", Want.Refused, Sa, RefusalReasons.SecurityAssessmentRequired,
            (r, s) => s.Trade(level: DataLevel.Important, exporterCity: "天津", zone: "CN-FTZ-TIANJIN", sector: "sports", categories: ["match results"])),

        // ---- Scope: which border, if any ----
        R("Shenzhen to Guangzhou: domestic", "2026-01-01", "CN-2026.01", "Provisions 2024 art. 1", Want.Accepted, None, nameof(BorderCrossing.Domestic),
            (r, s) => s.Trade(individuals: 5_000_000, importer: Region.MainlandChina)),
        R("Hong Kong data to Shenzhen: into the mainland, not an export", "2026-01-01", "CN-2026.01", "Provisions 2024 art. 1", Want.Accepted, None, nameof(BorderCrossing.IntoMainland),
            (r, s) => s.Trade(individuals: 5_000_000, importer: Region.MainlandChina, location: Region.HongKong)),
        R("Hong Kong data to Singapore: outside the mainland", "2026-01-01", "CN-2026.01", "Provisions 2024 art. 1", Want.Accepted, None, nameof(BorderCrossing.OutsideMainland),
            (r, s) => s.Trade(individuals: 5_000_000, importer: Region.Other, importerCode: "SG", location: Region.HongKong)),
        R("Shenzhen to Hong Kong: a mainland export", "2017-06-01", "CN-2017.06", "CSL art. 37", Want.Accepted, Exempt, nameof(BorderCrossing.MainlandExport),
            (r, s) => s.Trade(individuals: 5)),
    ];

    public static TheoryData<Row> Cases()
    {
        var data = new TheoryData<Row>();
        foreach (var row in Rows()) data.Add(row);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_row_of_the_law_decides_as_the_table_says(Row row)
    {
        var date = DateOnly.Parse(row.Date, CultureInfo.InvariantCulture);
        var rules = RuleSetCatalog.Default.RuleSetFor(date);
        var d = ComplianceEngine.Decide(row.Build(rules, new Setup(date)));

        Assert.Equal(row.Version, d.RuleSetVersion);
        Assert.Equal(row.Outcome switch
        {
            Want.Accepted => DecisionOutcome.Accepted,
            Want.Refused => DecisionOutcome.Refused,
            _ => DecisionOutcome.ManualReview,
        }, d.Outcome);
        Assert.Equal(row.Outcome == Want.Accepted, d.Accepted);
        Assert.Equal(row.Mechanism, d.Mechanism);
        switch (row.Outcome)
        {
            case Want.Accepted when row.Detail is { } detail && Enum.TryParse<ExemptionGround>(detail, out var ground):
                Assert.Equal(ground, d.Exemption);
                break;
            case Want.Accepted when row.Detail is { } detail && Enum.TryParse<BorderCrossing>(detail, out var crossing):
                Assert.Equal(crossing, d.Crossing);
                break;
            case Want.Accepted:
                Assert.Equal(ExemptionGround.None, d.Exemption);
                break;
            default:
                Assert.Equal(row.Detail, d.RefusalReason);
                break;
        }
        Assert.NotEmpty(d.Citations!);
        if (row.Outcome == Want.ManualReview) Assert.StartsWith(row.Citation, d.OpenQuestion, StringComparison.Ordinal);
        else Assert.Contains(d.Citations!, c => c.Contains(row.Citation, StringComparison.Ordinal));
    }

    [Fact]
    public void An_exporter_in_a_free_trade_zone_exporting_personal_information_off_the_zones_list_is_exempt_from_the_day_the_list_applies()
    {
        var list = NegativeListFile.Parse(NegativeLists.ListFileTests.Minimal());
        var lists = new NegativeListCatalog([list]);
        ComplianceDecision On(string date)
        {
            var day = DateOnly.Parse(date, CultureInfo.InvariantCulture);
            var rules = RuleSetCatalog.Default.RuleSetFor(day);
            var input = new Setup(day).Trade(individuals: rules.ContractIndividuals, exporterCity: "天津", zone: "cn-ftz-test",
                sector: "sports", categories: ["match results"]);
            return ComplianceEngine.Decide(input, rules, lists);
        }

        var before = On("2024-05-08");
        var onTheDay = On("2024-05-09");

        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, before.RefusalReason);
        Assert.True(onTheDay.Accepted);
        Assert.Equal(ExemptionGround.FreeTradeZoneNegativeList, onTheDay.Exemption);
        Assert.Contains("Provisions 2024 art. 6", onTheDay.Citations!);
        var onList = ComplianceEngine.Decide(new Setup(new DateOnly(2024, 6, 1)).Trade(individuals: 200_000, exporterCity: "天津",
            zone: "cn-ftz-test", sector: "sports", categories: ["test data"]), RuleSetCatalog.Cn2024_03, lists);
        Assert.Equal(RefusalReasons.StandardContractOrCertificationRequired, onList.RefusalReason);
        Assert.Contains(onList.Evaluations, e => e.RuleId == RuleIds.FreeTradeZoneNegativeList && e.Inputs["listOutcome"] == "OnList");
    }

    [Fact]
    public void The_table_has_at_least_eighty_rows_and_tests_every_instrument_on_the_day_before_and_the_day_it_applies()
    {
        var rows = Rows().ToList();
        Assert.True(rows.Count >= 80, $"{rows.Count} rows");
        var dates = rows.Select(r => DateOnly.Parse(r.Date, CultureInfo.InvariantCulture)).ToHashSet();
        foreach (var version in RuleSetCatalog.Default.Versions.Skip(1))
        {
            Assert.Contains(version.EffectiveFrom, dates);
            Assert.Contains(version.EffectiveFrom.AddDays(-1), dates);
        }
        Assert.Contains(RuleSetCatalog.Default.EarliestDate, dates);
        Assert.Equal(rows.Count, rows.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_version_cites_an_article_for_every_rule_it_applies()
    {
        foreach (var version in RuleSetCatalog.Default.Versions)
        {
            Assert.NotEmpty(version.Citations);
            Assert.All(version.Citations, c => Assert.False(string.IsNullOrWhiteSpace(c.Value), $"{version.Version} {c.Key}"));
            Assert.All(version.Citations.Keys, k => Assert.Contains(k, RuleIds.All));
        }
    }

    [Fact]
    public void Approval_limits_follow_the_instruments_assessment_two_then_three_years_extensions_capped_from_2025_06_27()
    {
        static RuleSet On(string date) => RuleSetCatalog.Default.RuleSetFor(DateOnly.Parse(date, CultureInfo.InvariantCulture));

        Assert.Null(On("2022-08-31").Approvals.SecurityAssessmentValidityYears);
        Assert.Equal(2, On("2022-09-01").Approvals.SecurityAssessmentValidityYears);
        Assert.Equal(2, On("2024-03-21").Approvals.SecurityAssessmentValidityYears);
        Assert.Equal(3, On("2024-03-22").Approvals.SecurityAssessmentValidityYears);
        Assert.Null(On("2025-06-26").Approvals.ExtensionMaxGrowthPercent);
        Assert.Equal(20, On("2025-06-27").Approvals.ExtensionMaxGrowthPercent);
        Assert.Null(On("2025-12-31").Approvals.CertificationValidityYears);
        Assert.Equal(3, On("2026-01-01").Approvals.CertificationValidityYears);
    }
}
