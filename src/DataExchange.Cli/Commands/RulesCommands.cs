using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DataExchange.Compliance;
using Spectre.Console;

namespace DataExchange.Cli.Commands;

/// <summary>
/// dx rules: the export law this dx was built with (the compliance engine's rule-set catalogue), read offline. The
/// server judges with the same catalogue; a decision records the version it used.
/// </summary>
internal static class RulesCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true };

    public static Command Build(GlobalOptions global) => new("rules", "The export law as versioned rule sets, 2017-2026, with their citations (offline)")
    {
        new ListCommand(global),
        new ShowCommand(global),
    };

    /// <summary>One rule set as --json shows it.</summary>
    public sealed record RuleSetView(
        string Version, string EffectiveFrom, string Basis, IReadOnlyList<string> Instruments,
        long SecurityAssessmentIndividuals, long SecurityAssessmentSensitiveIndividuals, long ContractIndividuals, long ContractSensitiveIndividuals,
        bool SmallVolumeExempt, string VolumeWindow, string PersonalInformationRegime, string ImportantDataRegime, bool CoreDataDefined,
        IReadOnlyList<string> ClaimableExemptions, bool FreeTradeZoneNegativeLists, IReadOnlyList<string> GbaStandardContracts,
        int? SecurityAssessmentValidityYears, int? CertificationValidityYears, int? ExtensionMaxGrowthPercent,
        IReadOnlyDictionary<string, string> Citations);

    public static RuleSetView View(RuleSet r) => new(
        r.Version, Day(r.EffectiveFrom), r.Basis, r.Instruments,
        r.SecurityAssessmentIndividuals, r.SecurityAssessmentSensitiveIndividuals, r.ContractIndividuals, r.ContractSensitiveIndividuals,
        r.SmallVolumePersonalInformationExempt, r.VolumeWindow.ToString(), r.PersonalInformation.ToString(), r.ImportantData.ToString(), r.CoreDataDefined,
        [.. r.ClaimableExemptions.Select(e => e.ToString())], r.FreeTradeZoneNegativeLists,
        [.. r.GbaStandardContracts.Select(t => $"{t.Counterpart} from {Day(t.AvailableFrom)}")],
        r.Approvals.SecurityAssessmentValidityYears, r.Approvals.CertificationValidityYears, r.Approvals.ExtensionMaxGrowthPercent,
        new SortedDictionary<string, string>(r.Citations.ToDictionary(), StringComparer.Ordinal));

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    internal sealed class ListCommand : Command
    {
        public ListCommand(GlobalOptions global)
            : base("list", "Every rule-set version: when it took effect and the instrument that brought it")
        {
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, context =>
            {
                var versions = RuleSetCatalog.Default.Versions;
                if (context.Output.Json)
                {
                    context.Output.WriteJson(JsonSerializer.Serialize(new { ruleSets = versions.Select(View) }, Json));
                }
                else
                {
                    context.Output.Console.Write(Table(versions));
                    foreach (var line in TextLayout.Wrap(
                        $"A trade is judged by the latest version in force on its contract date; none before {Day(RuleSetCatalog.Default.EarliestDate)}. Details: dx rules show VERSION",
                        context.Output.Width))
                    {
                        context.Output.Console.Profile.Out.Writer.WriteLine(line);
                    }
                }

                return Task.FromResult(ExitCodes.Success);
            }));
        }
    }

    /// <summary>Every rule-set version, when it took effect, and the instrument that brought it (cut when narrow).</summary>
    public static TextTable Table(IEnumerable<RuleSet> versions) => Output.Table(
        [new("Version", CellKind.Id), new("From", CellKind.Fixed), new("Instrument")],
        versions.Select(r => (IReadOnlyList<string>)[r.Version, Day(r.EffectiveFrom), r.Basis]));

    internal sealed class ShowCommand : Command
    {
        private readonly Argument<string> version = new("VERSION_OR_DATE")
        {
            Description = "A version (CN-2024.03) or a date (2024-05-01: the version in force that day)",
        };

        public ShowCommand(GlobalOptions global)
            : base("show", "One rule set: thresholds, mechanisms, exemptions, approval limits and the articles each rule applies")
        {
            Add(version);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, context =>
            {
                var rules = Find(result.GetRequiredValue(version));
                if (context.Output.Json)
                {
                    context.Output.WriteJson(JsonSerializer.Serialize(View(rules), Json));
                    return Task.FromResult(ExitCodes.Success);
                }

                var a = rules.Approvals;
                context.Output.Console.Write(Output.Details($"Rule set {rules.Version}",
                [
                    ("In force from", Day(rules.EffectiveFrom)),
                    ("Brought by", rules.Basis),
                    ("Instruments", string.Join("; ", rules.Instruments)),
                    ("Personal information", rules.PersonalInformation == PersonalInformationRegime.CiioOnly
                        ? "gated for CIIOs only (security assessment)"
                        : $"assessment from {Count(rules.SecurityAssessmentIndividuals)} individuals or {Count(rules.SecurityAssessmentSensitiveIndividuals)} sensitive; contract or certification from {Count(rules.ContractIndividuals)} or {Count(rules.ContractSensitiveIndividuals)} sensitive"),
                    ("Counting window", rules.VolumeWindow == VolumeCountingWindow.CurrentCalendarYear ? "since 1 January of the trade's year" : "since 1 January of the previous year"),
                    ("Small volumes exempt", rules.SmallVolumePersonalInformationExempt ? "yes (non-CIIO, non-sensitive)" : "no"),
                    ("Important data", rules.ImportantData.ToString()),
                    ("Core data", rules.CoreDataDefined ? "defined; never exported" : "no category yet"),
                    ("GBA standard contract", string.Join("; ", rules.GbaStandardContracts.Select(t => $"{t.Counterpart} from {Day(t.AvailableFrom)} ({t.Citation})"))),
                    ("Claimable exemptions", string.Join(", ", rules.ClaimableExemptions)),
                    ("Free-trade-zone lists", rules.FreeTradeZoneNegativeLists ? "apply (Provisions 2024 art. 6)" : ""),
                    ("Longest validity", $"assessment {Years(a.SecurityAssessmentValidityYears)}, certification {Years(a.CertificationValidityYears)}"),
                    ("Extension growth", a.ExtensionMaxGrowthPercent is { } growth ? $"at most {growth} %" : ""),
                ]));
                // Legal text is never cut: each rule's articles wrap under it.
                context.Output.Console.Write(Output.Details("Articles applied, by rule",
                    rules.Citations.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, (string?)c.Value))));
                return Task.FromResult(ExitCodes.Success);
            }));
        }

        private static string Years(int? years) => years is { } y ? $"{y} years" : "no statutory limit";

        public static RuleSet Find(string text)
        {
            var catalog = RuleSetCatalog.Default;
            text = text.Trim();
            if (catalog.Find(text.ToUpperInvariant()) is { } exact) return exact;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date < catalog.EarliestDate
                    ? throw new CliException($"No rule set was in force on {text}: the earliest took effect on {Day(catalog.EarliestDate)}.")
                    : catalog.RuleSetFor(date);
            }

            throw new CliException($"'{text}' is neither a rule-set version ({string.Join(", ", catalog.Versions.Select(v => v.Version))}) nor a date (YYYY-MM-DD).");
        }
    }
}
