using DataExchange.Domain.Approvals;
using DataExchange.Domain.Common;
using DataExchange.Domain.Participants;
using DataExchange.Server.Auth;
using DataExchange.Server.Infrastructure;
using Grpc.Core;
using Marten;
using V1 = DataExchange.Contracts.V1;

// The deprecated YYYY-MM-DD string twins of the google.type.Date fields are still read and served for v1 clients.
#pragma warning disable CS0612

namespace DataExchange.Server.Approvals;

public sealed class ExportApprovalGrpcService(IDocumentStore store, AggregateCommands commands)
    : V1.ExportApprovalService.ExportApprovalServiceBase
{
    public override Task<V1.ExportApproval> RecordExportApproval(V1.RecordExportApprovalRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        var exporterId = ResourceNames.Require(v, request.Parent, "participants", "parent");
        var a = request.Approval;
        var listingIds = new List<Guid>();
        var recipientIds = new List<Guid>();
        var destinations = new List<string>();
        DateOnly? from = null, until = null;
        if (a is null)
        {
            v.Check(false, "approval", "is required");
        }
        else
        {
            v.Check(ApprovalMapping.ToDomain(a.Kind) is not null, "approval.kind",
                "must be SECURITY_ASSESSMENT, STANDARD_CONTRACT, CERTIFICATION or GBA_STANDARD_CONTRACT");
            v.Text(a.ReferenceNumber, "approval.reference_number", 100);
            v.Enum(a.CounterpartRegion, "approval.counterpart_region");
            v.Check(a.CounterpartRegion != V1.Region.MainlandChina, "approval.counterpart_region", "must be outside the mainland: an export goes abroad");
            v.Check(a.Listings.Count + a.DataCategories.Count > 0, "approval.listings", "name the listings or data categories it covers");
            v.Check(a.Listings.Count <= 100 && a.DataCategories.Count <= 50, "approval.listings", "at most 100 listings and 50 categories");
            for (var i = 0; i < Math.Min(a.Listings.Count, 100); i++)
            {
                listingIds.Add(ResourceNames.Require(v, a.Listings[i], "listings", $"approval.listings[{i}]"));
            }

            for (var i = 0; i < Math.Min(a.DataCategories.Count, 50); i++)
            {
                v.Check(System.Text.RegularExpressions.Regex.IsMatch(a.DataCategories[i], "^[a-z0-9][a-z0-9-]{0,63}$"), $"approval.data_categories[{i}]",
                    "must be 1-64 characters of lower-case letters, digits and '-'");
            }

            from = Dates.Parse(v, a.ValidFrom, a.ValidFromDate, "approval.valid_from", "approval.valid_from_date");
            until = Dates.Parse(v, a.ValidUntil, a.ValidUntilDate, "approval.valid_until", "approval.valid_until_date");
            v.Check(from is null || until is null || until >= from, "approval.valid_until", "must not be before valid_from");
            v.Check(string.IsNullOrEmpty(a.Name) && string.IsNullOrEmpty(a.RevokedOn) && a.RevokedDate is null, "approval.name",
                "name and revoked_date are set by the service");
            v.Check(a.Recipients.Count <= 100 && a.Destinations.Count <= 50, "approval.recipients", "at most 100 recipients and 50 destinations");
            for (var i = 0; i < Math.Min(a.Recipients.Count, 100); i++)
            {
                recipientIds.Add(ResourceNames.Require(v, a.Recipients[i], "participants", $"approval.recipients[{i}]"));
            }

            for (var i = 0; i < Math.Min(a.Destinations.Count, 50); i++)
            {
                var (code, problem) = JurisdictionCodes.ResolveDestination(a.Destinations[i]);
                v.Check(problem is null, $"approval.destinations[{i}]", problem ?? "");
                if (code is not null && !destinations.Contains(code)) destinations.Add(code);
            }

            v.Check(!a.HasCoveredIndividuals || a.CoveredIndividuals >= 0, "approval.covered_individuals", "must not be negative");
            v.Check(!a.HasCoveredSensitiveIndividuals || a.CoveredSensitiveIndividuals >= 0, "approval.covered_sensitive_individuals", "must not be negative");
            v.Check(!a.HasCoveredIndividuals || !a.HasCoveredSensitiveIndividuals || a.CoveredSensitiveIndividuals <= a.CoveredIndividuals,
                "approval.covered_sensitive_individuals", "sensitive individuals are among the individuals: at most covered_individuals");
            v.Text(a.Purpose, "approval.purpose", 500, required: false);
            v.Check(a.ExportedIndividuals == 0 && a.ExportedSensitiveIndividuals == 0 && a.Extensions.Count == 0, "approval.exported_individuals",
                "exported volumes and extensions are set by the service");
            v.Timestamp(a.CreateTime, "approval.create_time");
        }

        v.ThrowIfInvalid();
        var caller = context.Caller();
        caller.Require(Role.ComplianceOfficer, "COMPLIANCE_ROLE_REQUIRED", "Only compliance officers record export approvals.");

        var approvalId = Guid.CreateVersion7();
        return commands.StartAsync<ExportApproval, V1.ExportApproval>(caller, nameof(RecordExportApproval), request.RequestId, request, approvalId,
            (actor, now) => ExportApprovalDecider.Decide(new RecordExportApproval(approvalId, exporterId,
                ApprovalMapping.ToDomain(a!.Kind)!.Value, a.ReferenceNumber, (Region)a.CounterpartRegion, listingIds, [.. a.DataCategories],
                from!.Value, until!.Value,
                new ApprovalScope(recipientIds, destinations, a.HasCoveredIndividuals ? a.CoveredIndividuals : null,
                    a.HasCoveredSensitiveIndividuals ? a.CoveredSensitiveIndividuals : null,
                    string.IsNullOrWhiteSpace(a.Purpose) ? null : a.Purpose.Trim())), actor, now),
            approval => approval.ToProto(), context.CancellationToken,
            precondition: async session =>
            {
                _ = await session.LoadAsync<Participant>(exporterId, context.CancellationToken)
                    ?? throw ResourceNames.NotFound("Participant", request.Parent);
                for (var i = 0; i < recipientIds.Count; i++)
                {
                    _ = await session.LoadAsync<Participant>(recipientIds[i], context.CancellationToken)
                        ?? throw ResourceNames.NotFound("Participant", ResourceNames.Participant(recipientIds[i]));
                }
            });
    }

    public override Task<V1.ExportApproval> ExtendExportApproval(V1.ExtendExportApprovalRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId).Text(request.ReferenceNumber, "reference_number", 100);
        var ok = ApprovalMapping.TryParse(request.Name, out var exporterId, out var approvalId);
        v.Check(ok, "name", "must be participants/{uuid}/exportApprovals/{uuid}");
        var until = Dates.Parse(v, request.ValidUntil, request.ValidUntilDate, "valid_until", "valid_until_date");
        v.Check(!request.HasCoveredIndividuals || request.CoveredIndividuals >= 0, "covered_individuals", "must not be negative");
        v.ThrowIfInvalid();
        var caller = context.Caller();
        caller.Require(Role.ComplianceOfficer, "COMPLIANCE_ROLE_REQUIRED", "Only compliance officers extend export approvals.");

        var target = new StreamTarget<ExportApproval>(approvalId, null, "ExportApproval", request.Name, approval => approval.ExporterId == exporterId);
        return commands.ChangeAsync(caller, nameof(ExtendExportApproval), request.RequestId, request, target,
            (approval, actor, now) => [ExportApprovalDecider.DecideExtend(approval, until!.Value,
                request.HasCoveredIndividuals ? request.CoveredIndividuals : null, request.ReferenceNumber, RegionMapping.ChinaDate(now), actor, now)],
            async (session, changed) =>
            {
                var used = await ApprovalUsage.LoadAsync(session, [exporterId], context.CancellationToken);
                return changed.After.ToProto(used.GetValueOrDefault(approvalId));
            },
            context.CancellationToken);
    }

    public override Task<V1.ExportApproval> RevokeExportApproval(V1.RevokeExportApprovalRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId).Text(request.Reason, "reason", 1000);
        var ok = ApprovalMapping.TryParse(request.Name, out var exporterId, out var approvalId);
        v.Check(ok, "name", "must be participants/{uuid}/exportApprovals/{uuid}");
        v.ThrowIfInvalid();
        var caller = context.Caller();
        caller.Require(Role.ComplianceOfficer, "COMPLIANCE_ROLE_REQUIRED", "Only compliance officers revoke export approvals.");

        var target = new StreamTarget<ExportApproval>(approvalId, null, "ExportApproval", request.Name, approval => approval.ExporterId == exporterId);
        return commands.ChangeAsync(caller, nameof(RevokeExportApproval), request.RequestId, request, target,
            (approval, actor, now) => [ExportApprovalDecider.DecideRevoke(approval, request.Reason, RegionMapping.ChinaDate(now), actor, now)],
            approval => approval.ToProto(), context.CancellationToken);
    }

    public override async Task<V1.ListExportApprovalsResponse> ListExportApprovals(V1.ListExportApprovalsRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().PageSize(request.PageSize);
        var all = request.Parent == "participants/-";
        var exporterId = all ? Guid.Empty : ResourceNames.Require(v, request.Parent, "participants", "parent");
        v.ThrowIfInvalid();
        var caller = context.Caller();
        if (!caller.IsPrivileged && (all || exporterId != caller.ParticipantId))
        {
            throw DomainException.Denied("APPROVALS_NOT_VISIBLE", "Vendors see only their own export approvals; compliance, auditors and operators see all.");
        }

        var fingerprint = Paging.Fingerprint(request.Parent, request.IncludeRevoked);
        await using var session = store.QuerySession();
        IQueryable<ExportApproval> query = session.Query<ExportApproval>();
        if (!all) query = query.Where(a => a.ExporterId == exporterId);
        if (!request.IncludeRevoked) query = query.Where(a => a.RevokedOn == null);
        var (page, next) = await Paging.PageAsync(query, x => x.Id, request.PageToken, request.PageSize, fingerprint, context.CancellationToken);
        var used = await ApprovalUsage.LoadAsync(session, [.. page.Select(a => a.ExporterId).Distinct()], context.CancellationToken);
        return new V1.ListExportApprovalsResponse
        {
            Approvals = { page.Select(a => a.ToProto(used.GetValueOrDefault(a.Id))) },
            NextPageToken = next,
        };
    }
}
