using System.CommandLine;
using DataExchange.Contracts.V1;
using Spectre.Console;
using Region = DataExchange.Contracts.V1.Region;

namespace DataExchange.Cli.Commands;

/// <summary>dx approvals: export approvals (出境合规手续) that compliance officers record on an exporting participant.</summary>
internal static class ApprovalsCommands
{
    /// <summary>The mechanisms an approval can be of (none and exempt need no approval).</summary>
    public static readonly IReadOnlyList<ExportMechanism> Kinds =
        [ExportMechanism.SecurityAssessment, ExportMechanism.StandardContract, ExportMechanism.Certification, ExportMechanism.GbaStandardContract];

    /// <summary>Where recipients may be: an export never goes to the mainland.</summary>
    public static readonly IReadOnlyList<Region> Counterparts = [Region.HongKong, Region.Macao, Region.Other];

    public static Command Build(GlobalOptions global) => new("approvals", "Export approvals (出境合规手续) recorded on exporters: security assessments, standard contracts, certifications")
    {
        new RecordCommand(global),
        new ListCommand(global),
        new RevokeCommand(global),
        new ExtendCommand(global),
    };

    /// <summary>"participants/{uuid}" from "participants/{uuid}/exportApprovals/{uuid}".</summary>
    public static string Exporter(string approvalName)
    {
        var parts = approvalName.Split('/');
        return parts.Length >= 2 ? $"{parts[0]}/{parts[1]}" : "";
    }

    public static string Validity(ExportApproval approval) => $"{Formatting.Date(approval.ValidFromDate)}..{Formatting.Date(approval.ValidUntilDate)}";

    /// <summary>The approved scale, empty when the approval states none.</summary>
    public static string Scale(ExportApproval approval) =>
        (approval.HasCoveredIndividuals, approval.HasCoveredSensitiveIndividuals) switch
        {
            (false, false) => "",
            (true, false) => $"{approval.CoveredIndividuals:N0} individuals",
            (false, true) => $"{approval.CoveredSensitiveIndividuals:N0} sensitive individuals",
            _ => $"{approval.CoveredIndividuals:N0} individuals, {approval.CoveredSensitiveIndividuals:N0} sensitive",
        };

    /// <summary>Shows the approval: as JSON, or with the exporter's display name and the listings' titles read first.</summary>
    public static async Task ShowAsync(CliContext context, ExportApproval approval)
    {
        if (!context.Output.Json)
        {
            await context.Names.LoadParticipantsAsync([Exporter(approval.Name)]);
            await context.Names.LoadListingsAsync(approval.Listings);
        }

        context.Output.Show(approval, console => Render(console, approval, context.Names));
    }

    // The full name (participants/{uuid}/exportApprovals/{uuid}, 102 characters) is longer than a terminal line: people
    // see the approval's UUID and its exporter, which together name it, and every command accepts the UUID.
    public static void Render(IAnsiConsole console, ExportApproval approval, IDisplayNames? names = null) =>
        console.Write(Output.Details($"Export approval {approval.ReferenceNumber}",
        [
            ("Id", Names.BareId(approval.Name)),
            ("Exporter", TradesCommands.Labelled((names ?? NoDisplayNames.Instance).Participant(Exporter(approval.Name)), Exporter(approval.Name))),
            ("Kind", $"{EnumNames.Format(approval.Kind)}: {Formatting.Mechanism(approval.Kind)}"),
            ("Reference", approval.ReferenceNumber),
            ("Listings", string.Join("\n", approval.Listings.Select(l => TradesCommands.Labelled((names ?? NoDisplayNames.Instance).Listing(l), l)))),
            ("Categories", string.Join(", ", approval.DataCategories)),
            ("Counterpart", EnumNames.Format(approval.CounterpartRegion)),
            ("Valid", Validity(approval)),
            ("Recipients", string.Join(", ", approval.Recipients)),
            ("Destinations", string.Join(", ", approval.Destinations)),
            ("Purpose", approval.Purpose),
            ("Scale", Scale(approval)),
            ("Exported under it", approval.HasCoveredIndividuals || approval.HasCoveredSensitiveIndividuals
                ? $"{approval.ExportedIndividuals:N0} individuals ({approval.ExportedSensitiveIndividuals:N0} sensitive)" : ""),
            ("Extensions", string.Join("; ", approval.Extensions.Select(e => $"to {Formatting.Date(e.ValidUntilDate)} ({e.ReferenceNumber})"))),
            ("Revoked on", Formatting.Date(approval.RevokedDate)),
            ("Revoked because", approval.RevocationReason),
            ("Created", Formatting.Time(approval.CreateTime)),
            ("Etag", approval.Etag),
        ]));

    internal sealed class RecordCommand : Command
    {
        private readonly Argument<string> exporter = new("EXPORTER")
        {
            Description = "The exporting participant (usually the vendor): participants/{uuid}, a bare UUID, or a display name",
        };

        private readonly Option<ExportMechanism> kind = CliOptions.Enum("--kind", "The export mechanism approved", required: true, allowed: Kinds);
        private readonly Option<string> reference = new("--reference")
        {
            Description = "The authority's reference number, for example the CAC approval or filing number",
            HelpName = "ref",
            Required = true,
        };

        private readonly Option<string[]> listings = new("--listing")
        {
            Description = "A listing it covers: listings/{uuid}, a bare UUID, or its title (repeatable; give listings, categories or both)",
            HelpName = "listing",
        };

        private readonly Option<string[]> categories = new("--category")
        {
            Description = "A data category it covers, for example credit-records (repeatable)",
            HelpName = "category",
        };

        private readonly Option<Region> counterpart = CliOptions.Enum("--counterpart", "The recipients' jurisdiction it covers",
            required: true, allowed: Counterparts);

        private readonly Option<DateOnly> validFrom = CliOptions.Date("--valid-from", "First day it is valid (inclusive)", required: true);
        private readonly Option<DateOnly> validUntil = CliOptions.Date("--valid-until", "Last day it is valid (inclusive)", required: true);

        private readonly Option<string[]> recipients = new("--recipient")
        {
            Description = "A recipient it was granted for: participants/{uuid}, a bare UUID, or a display name (repeatable; none: any recipient)",
            HelpName = "participant",
        };

        private readonly Option<string[]> destinations = new("--destination")
        {
            Description = "A destination it was granted for: HK, MO, an ISO 3166-1 code such as SG, or a country name (repeatable; none: the counterpart region)",
            HelpName = "code",
        };

        private readonly Option<long?> coveredIndividuals = new("--covered-individuals")
        {
            Description = "The number of individuals whose personal information it covers over its life; exports under it count against it",
            HelpName = "n",
        };

        private readonly Option<long?> coveredSensitive = new("--covered-sensitive-individuals")
        {
            Description = "The number of individuals whose sensitive personal information it covers",
            HelpName = "n",
        };

        private readonly Option<string> purpose = new("--purpose")
        {
            Description = "The approved purpose; a trade is covered only if its licence states the same purpose",
            HelpName = "text",
        };

        private readonly Option<string> requestId = CliOptions.RequestId();

        public RecordCommand(GlobalOptions global)
            : base("record", "Record an export approval on an exporter (compliance)")
        {
            Add(exporter);
            Add(kind);
            Add(reference);
            Add(listings);
            Add(categories);
            Add(counterpart);
            Add(validFrom);
            Add(validUntil);
            Add(recipients);
            Add(destinations);
            Add(coveredIndividuals);
            Add(coveredSensitive);
            Add(purpose);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                // Check the request before looking the exporter, recipients and listings up by name.
                _ = BuildRequest(result, ResourceNames.AllParticipants, listingNames: result.GetValue(listings) ?? []);
                var parent = await ParticipantsCommands.ResolveAsync(context, result.GetRequiredValue(exporter), cancellationToken);
                var recipientNames = new List<string>();
                foreach (var recipient in result.GetValue(recipients) ?? [])
                {
                    recipientNames.Add(await ParticipantsCommands.ResolveAsync(context, recipient, cancellationToken));
                }

                var listingNames = new List<string>();
                foreach (var listing in result.GetValue(listings) ?? [])
                {
                    listingNames.Add(await context.Names.ResolveListingAsync(listing));
                }

                var request = BuildRequest(result, parent, recipientNames, listingNames);
                context.RequestId = request.RequestId;
                var approval = await context.Approvals.RecordExportApprovalAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, approval);
                return ExitCodes.Success;
            }));
        }

        public RecordExportApprovalRequest BuildRequest(ParseResult result, string parent, IReadOnlyList<string>? recipientNames = null,
            IReadOnlyList<string>? listingNames = null)
        {
            var from = result.GetValue(validFrom);
            var until = result.GetValue(validUntil);
            if (until < from)
            {
                throw new CliException($"--valid-until {Formatting.Date(until)} is before --valid-from {Formatting.Date(from)}.");
            }

            var approval = new ExportApproval
            {
                Kind = result.GetValue(kind),
                ReferenceNumber = result.GetValue(reference)?.Trim() ?? "",
                Listings = { listingNames ?? [.. (result.GetValue(listings) ?? []).Select(l => ResourceNames.Normalize(l, ResourceNames.Listings))] },
                DataCategories = { (result.GetValue(categories) ?? []).Select(c => c.Trim()).Where(c => c.Length > 0) },
                CounterpartRegion = result.GetValue(counterpart),
                ValidFromDate = Formatting.ProtoDate(from),
                ValidUntilDate = Formatting.ProtoDate(until),
                Recipients = { recipientNames ?? [] },
                Destinations = { (result.GetValue(destinations) ?? []).Select(d => d.Trim()).Where(d => d.Length > 0) },
                Purpose = result.GetValue(purpose)?.Trim() ?? "",
            };
            if (approval.Listings.Count + approval.DataCategories.Count == 0)
            {
                throw new CliException("Name what the approval covers: give --listing, --category, or both.");
            }

            if (result.GetValue(coveredIndividuals) is { } individuals)
            {
                approval.CoveredIndividuals = individuals >= 0 ? individuals : throw new CliException("--covered-individuals must not be negative.");
            }

            if (result.GetValue(coveredSensitive) is { } sensitive)
            {
                approval.CoveredSensitiveIndividuals = sensitive >= 0 ? sensitive : throw new CliException("--covered-sensitive-individuals must not be negative.");
            }

            return new RecordExportApprovalRequest { Parent = parent, Approval = approval, RequestId = CliOptions.RequestIdOrNew(result, requestId) };
        }
    }

    internal sealed class ListCommand : Command
    {
        private readonly Argument<string> exporter = new("EXPORTER")
        {
            Description = "The exporter: participants/{uuid}, a bare UUID, or a display name (or give --all)",
            Arity = ArgumentArity.ZeroOrOne,
        };

        private readonly Option<bool> all = new("--all") { Description = "Every exporter's approvals (compliance, auditors, operators)" };
        private readonly Option<bool> includeRevoked = new("--include-revoked") { Description = "Also show revoked approvals" };

        public ListCommand(GlobalOptions global)
            : base("list", "List export approvals of one exporter or of all (every page)")
        {
            Add(exporter);
            Add(all);
            Add(includeRevoked);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var parent = WantsAll(result)
                    ? ResourceNames.AllParticipants
                    : await ParticipantsCommands.ResolveAsync(context, result.GetValue(exporter)!, cancellationToken);
                var request = BuildRequest(result, parent);
                var response = new ListExportApprovalsResponse();
                do
                {
                    var page = await context.Approvals.ListExportApprovalsAsync(request, context.Call(cancellationToken));
                    response.Approvals.Add(page.Approvals);
                    request.PageToken = page.NextPageToken;
                }
                while (request.PageToken.Length > 0);

                // Revoked approvals appear only with --include-revoked, and so does their column; validity takes two
                // lines (from, until). Both keep the table within 240 columns, so names are never folded.
                if (!context.Output.Json)
                {
                    await context.Names.LoadParticipantsAsync(response.Approvals.Select(a => Exporter(a.Name)));
                    await context.Names.LoadListingsAsync(response.Approvals.SelectMany(a => a.Listings));
                }

                context.Output.Show(response, console => console.Write(Table(response.Approvals, context.Names,
                    exporters: parent == ResourceNames.AllParticipants, revoked: request.IncludeRevoked)));
                return ExitCodes.Success;
            }));
        }

        /// <summary>
        /// One row per approval: its UUID (what revoke and extend accept), kind and reference first; validity (two lines:
        /// from, until), what it covers (one listing title or category a line) and its counterpart go when narrow.
        /// </summary>
        public static TextTable Table(IEnumerable<ExportApproval> approvals, IDisplayNames names, bool exporters, bool revoked)
        {
            var columns = new List<Col>
            {
                new("Id", CellKind.Id), new("Kind", CellKind.Fixed), new("Reference", CellKind.Id), new("Valid", CellKind.Fixed, Drop: 1),
                new("Covers", Drop: 3), new("Counterpart", CellKind.Fixed, Drop: 4),
            };
            if (exporters)
            {
                columns.Add(new("Exporter", Drop: 2));
            }

            if (revoked)
            {
                columns.Add(new("Revoked on", CellKind.Fixed, Drop: 1));
            }

            return Output.Table(columns, approvals.Select(a =>
            {
                var row = new List<string>
                {
                    Names.BareId(a.Name), EnumNames.Format(a.Kind), a.ReferenceNumber, $"{Formatting.Date(a.ValidFromDate)}\n{Formatting.Date(a.ValidUntilDate)}",
                    string.Join('\n', a.Listings.Select(names.Listing).Concat(a.DataCategories)), EnumNames.Format(a.CounterpartRegion),
                };
                if (exporters)
                {
                    row.Add(names.Participant(Exporter(a.Name)));
                }

                if (revoked)
                {
                    row.Add(Formatting.Date(a.RevokedDate));
                }

                return (IReadOnlyList<string>)row;
            }));
        }

        /// <summary>True for --all; throws unless exactly one of EXPORTER and --all is given.</summary>
        public bool WantsAll(ParseResult result)
        {
            var named = !string.IsNullOrWhiteSpace(result.GetValue(exporter));
            return (named, result.GetValue(all)) switch
            {
                (true, true) => throw new CliException("Give an EXPORTER or --all, not both."),
                (false, false) => throw new CliException("Give an EXPORTER (participants/{uuid}, a bare UUID, or a display name) or --all."),
                (_, var everyone) => everyone,
            };
        }

        public ListExportApprovalsRequest BuildRequest(ParseResult result, string parent) =>
            new() { Parent = parent, IncludeRevoked = result.GetValue(includeRevoked), PageSize = 200 };
    }

    internal sealed class RevokeCommand : Command
    {
        private readonly Argument<string> name = new("APPROVAL") { Description = "participants/{uuid}/exportApprovals/{uuid}, the approval's UUID, or its reference number" };
        private readonly Option<string> reason = CliOptions.Reason("Why it no longer holds (recorded)", required: true);
        private readonly Option<string> requestId = CliOptions.RequestId();

        public RevokeCommand(GlobalOptions global)
            : base("revoke", "Revoke an export approval from today on; later trades can no longer rely on it (compliance)")
        {
            Add(name);
            Add(reason);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result, await context.Names.ResolveApprovalAsync(result.GetRequiredValue(name)));
                context.RequestId = request.RequestId;
                var approval = await context.Approvals.RevokeExportApprovalAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, approval);
                return ExitCodes.Success;
            }));
        }

        public RevokeExportApprovalRequest BuildRequest(ParseResult result, string? resolved = null) => new()
        {
            Name = resolved ?? ResourceNames.NormalizeApproval(result.GetRequiredValue(name)),
            Reason = result.GetValue(reason)?.Trim() ?? "",
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    internal sealed class ExtendCommand : Command
    {
        private readonly Argument<string> name = new("APPROVAL") { Description = "participants/{uuid}/exportApprovals/{uuid}, the approval's UUID, or its reference number" };
        private readonly Option<DateOnly> validUntil = CliOptions.Date("--valid-until", "The new last day it is valid (inclusive)", required: true);

        private readonly Option<long?> coveredIndividuals = new("--covered-individuals")
        {
            Description = "The scale approved for the new term (from 2025-06-27 at most 20 % above the old one); unchanged when absent",
            HelpName = "n",
        };

        private readonly Option<string> reference = new("--reference")
        {
            Description = "The authority's reference for the extension",
            HelpName = "ref",
            Required = true,
        };

        private readonly Option<string> requestId = CliOptions.RequestId();

        public ExtendCommand(GlobalOptions global)
            : base("extend", "Extend a security assessment: same purpose, scope and parties (compliance)")
        {
            Add(name);
            Add(validUntil);
            Add(coveredIndividuals);
            Add(reference);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result, await context.Names.ResolveApprovalAsync(result.GetRequiredValue(name)));
                context.RequestId = request.RequestId;
                var approval = await context.Approvals.ExtendExportApprovalAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, approval);
                return ExitCodes.Success;
            }));
        }

        public ExtendExportApprovalRequest BuildRequest(ParseResult result, string? resolved = null)
        {
            var request = new ExtendExportApprovalRequest
            {
                Name = resolved ?? ResourceNames.NormalizeApproval(result.GetRequiredValue(name)),
                ValidUntilDate = Formatting.ProtoDate(result.GetValue(validUntil)),
                ReferenceNumber = result.GetValue(reference)?.Trim() ?? "",
                RequestId = CliOptions.RequestIdOrNew(result, requestId),
            };
            if (result.GetValue(coveredIndividuals) is { } individuals)
            {
                request.CoveredIndividuals = individuals >= 0 ? individuals : throw new CliException("--covered-individuals must not be negative.");
            }

            return request;
        }
    }
}
