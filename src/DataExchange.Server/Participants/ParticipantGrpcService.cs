using DataExchange.Domain.Common;
using DataExchange.Domain.Participants;
using DataExchange.Server.Auth;
using DataExchange.Server.Infrastructure;
using Grpc.Core;
using Marten;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Participants;

public sealed class ParticipantGrpcService(
    IDocumentStore store, AggregateCommands commands, TokenSecrets secrets, TokenAuthenticator authenticator, TokenCacheSync tokenSync)
    : V1.ParticipantService.ParticipantServiceBase
{
    public override Task<V1.Participant> CreateParticipant(V1.CreateParticipantRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        var p = request.Participant;
        if (p is null)
        {
            v.Check(false, "participant", "is required");
        }
        else
        {
            v.Text(p.DisplayName, "participant.display_name", 100)
                .Text(p.LegalName, "participant.legal_name", 200)
                .Check(p.Roles.Count > 0, "participant.roles", "must name at least one role")
                .Check(p.Roles.Count == p.Roles.Distinct().Count(), "participant.roles", "must not repeat a role")
                .Check(string.IsNullOrEmpty(p.Name), "participant.name", "is assigned by the service")
                .Check(p.Roles.Count <= 8, "participant.roles", "must name at most 8 roles")
                .Timestamp(p.CreateTime, "participant.create_time")
                .Timestamp(p.UpdateTime, "participant.update_time");
            for (var i = 0; i < Math.Min(p.Roles.Count, 8); i++)
            {
                v.Enum(p.Roles[i], $"participant.roles[{i}]");
            }

            v.Jurisdiction(p.Jurisdiction, "participant.jurisdiction");
        }

        v.ThrowIfInvalid();
        var caller = context.Caller();
        caller.Require(Role.Operator, "OPERATOR_ROLE_REQUIRED", "Only operators register participants.");

        var command = new RegisterParticipant(Guid.CreateVersion7(), p!.DisplayName, p.LegalName,
            [.. p.Roles.Select(r => (Role)r)], p.Jurisdiction.ToDomain(), p.CriticalInformationInfrastructureOperator);
        return commands.StartAsync<Participant, V1.Participant>(caller, nameof(CreateParticipant), request.RequestId, request, command.ParticipantId,
            (actor, now) => ParticipantDecider.Decide(command, actor, now), participant => participant.ToProto(), context.CancellationToken);
    }

    public override async Task<V1.Participant> GetParticipant(V1.GetParticipantRequest request, ServerCallContext context)
    {
        var v = new RequestValidator();
        var id = ResourceNames.Require(v, request.Name, "participants", "name");
        v.ThrowIfInvalid();

        await using var session = store.QuerySession();
        var participant = await session.LoadAsync<Participant>(id, context.CancellationToken)
            ?? throw ResourceNames.NotFound("Participant", request.Name);
        return participant.ToProto();
    }

    public override async Task<V1.ListParticipantsResponse> ListParticipants(V1.ListParticipantsRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().PageSize(request.PageSize);
        if (request.Role != V1.Role.Unspecified)
        {
            v.Enum(request.Role, "role");
        }

        if (request.Region != V1.Region.Unspecified)
        {
            v.Enum(request.Region, "region");
        }

        v.ThrowIfInvalid();
        var fingerprint = Paging.Fingerprint(request.Role, request.Region);

        await using var session = store.QuerySession();
        IQueryable<Participant> query = session.Query<Participant>();
        if (request.Role != V1.Role.Unspecified)
        {
            var role = (Role)request.Role;
            query = query.Where(x => x.Roles.Contains(role));
        }

        if (request.Region != V1.Region.Unspecified)
        {
            var region = (Region)request.Region;
            query = query.Where(x => x.Jurisdiction.Region == region);
        }
        var (page, next) = await Paging.PageAsync(query, x => x.Id, request.PageToken, request.PageSize, fingerprint, context.CancellationToken);
        return new V1.ListParticipantsResponse { Participants = { page.Select(x => x.ToProto()) }, NextPageToken = next };
    }

    /// <summary>The fields UpdateParticipant changes: dated facts only, each with its effective date and document.</summary>
    public static readonly string[] UpdatablePaths = ["critical_information_infrastructure_operator"];

    public override Task<V1.Participant> UpdateParticipant(V1.UpdateParticipantRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        var paths = request.UpdateMask?.Paths.ToList() ?? [];
        v.Check(paths.Count > 0, "update_mask", $"is required; allowed paths: {string.Join(", ", UpdatablePaths)}");
        v.Check(paths.Count <= UpdatablePaths.Length, "update_mask", $"must name at most {UpdatablePaths.Length} paths");
        foreach (var path in paths.Take(UpdatablePaths.Length + 1))
        {
            v.Check(UpdatablePaths.Contains(path), "update_mask",
                $"'{ErrorBounds.Echo(path)}' cannot be updated; allowed: {string.Join(", ", UpdatablePaths)}");
        }

        var id = Guid.Empty;
        long? etag = null;
        var p = request.Participant;
        if (p is null)
        {
            v.Check(false, "participant", "is required");
        }
        else
        {
            id = ResourceNames.Require(v, p.Name, "participants", "participant.name");
            etag = ResourceNames.ParseEtag(v, p.Etag, "participant.etag");
            v.Timestamp(p.CreateTime, "participant.create_time").Timestamp(p.UpdateTime, "participant.update_time");
        }

        var effectiveOn = Dates.Parse(v, request.EffectiveDate, "effective_date");
        v.Text(request.Reference, "reference", DatedFacts.MaxReferenceLength);
        v.ThrowIfInvalid();
        var caller = context.Caller();
        if (!caller.Has(Role.ComplianceOfficer) && !caller.Has(Role.Operator))
        {
            throw DomainException.Denied("COMPLIANCE_OR_OPERATOR_ROLE_REQUIRED", "Only compliance officers and operators record CIIO designations.");
        }

        var command = new ChangeCiioDesignation(p!.CriticalInformationInfrastructureOperator, effectiveOn!.Value, request.Reference);
        var target = new StreamTarget<Participant>(id, etag, "Participant", ResourceNames.Participant(id));
        return commands.ChangeAsync(caller, nameof(UpdateParticipant), request.RequestId, request, target,
            (participant, actor, now) => [ParticipantDecider.Decide(participant, command, actor, now)],
            participant => participant.ToProto(), context.CancellationToken);
    }

    public override async Task<V1.IssueApiTokenResponse> IssueApiToken(V1.IssueApiTokenRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        var participantId = ResourceNames.Require(v, request.Parent, "participants", "parent");
        v.Text(request.Label, "label", 100);
        v.ThrowIfInvalid();
        var caller = context.Caller();
        caller.Require(Role.Operator, "OPERATOR_ROLE_REQUIRED", "Only operators issue API tokens.");

        var target = new StreamTarget<Participant>(participantId, null, "Participant", request.Parent);
        var response = await commands.ChangeAsync(caller, nameof(IssueApiToken), request.RequestId, request, target,
            (participant, actor, now) => [ParticipantDecider.Decide(participant, new Domain.Participants.IssueApiToken(participantId, Guid.CreateVersion7(), request.Label),
                actor, now)],
            (session, changed) =>
        {
            var issued = (ApiTokenIssued)changed.Events[0];
            var secret = secrets.SecretFor(issued.TokenId);
            session.Insert(new ApiTokenRecord
            {
                Id = issued.TokenId,
                ParticipantId = participantId,
                SecretHash = TokenSecrets.Hash(secret),
                IssuedAt = issued.IssuedAt,
            });
            // The stored response omits the secret; a retry derives it again from the token id.
            return Task.FromResult(new V1.IssueApiTokenResponse
            {
                Token = new ParticipantToken(issued.TokenId, issued.Label, issued.IssuedAt, null).ToProto(participantId),
            });
        }, context.CancellationToken);
        ResourceNames.TryParseToken(response.Token.Name, out _, out var tokenId);
        response.Secret = secrets.SecretFor(tokenId);
        // No server may still remember this secret as unknown once the caller has it.
        var hash = TokenSecrets.Hash(response.Secret);
        authenticator.NoteIssued(hash);
        await tokenSync.IssuedAsync(hash, context.CancellationToken);
        return response;
    }

    /// <summary>
    /// A participant's tokens (or, for "participants/-", every participant's), oldest first, never a secret. Operators
    /// read any; a participant reads its own; anyone else is denied.
    /// </summary>
    public override async Task<V1.ListApiTokensResponse> ListApiTokens(V1.ListApiTokensRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().PageSize(request.PageSize);
        var all = request.Parent == "participants/-";
        var participantId = all ? Guid.Empty : ResourceNames.Require(v, request.Parent, "participants", "parent");
        v.ThrowIfInvalid();
        var caller = context.Caller();
        if (!caller.Has(Role.Operator) && (all || caller.ParticipantId != participantId))
        {
            throw DomainException.Denied("OPERATOR_ROLE_REQUIRED", "Only operators list other participants' API tokens; a participant may list its own.");
        }

        var fingerprint = Paging.Fingerprint(request.Parent, request.ShowRevoked);
        var after = Paging.After(request.PageToken, fingerprint);
        await using var session = store.QuerySession();
        IReadOnlyList<Participant> owners;
        if (all)
        {
            owners = await session.Query<Participant>().ToListAsync(context.CancellationToken);
        }
        else
        {
            owners = [await session.LoadAsync<Participant>(participantId, context.CancellationToken) ?? throw ResourceNames.NotFound("Participant", request.Parent)];
        }

        // Token ids are UUIDv7, so their order is the order of issue: the page token carries the last id served.
        var tokens = owners
            .SelectMany(p => p.Tokens.Select(t => (Owner: p.Id, Token: t)))
            .Where(x => request.ShowRevoked || x.Token.RevokedAt is null)
            .Where(x => after is null || x.Token.TokenId.CompareTo(after.Value) > 0)
            .OrderBy(x => x.Token.TokenId)
            .ToList();
        var size = Paging.Size(request.PageSize);
        var response = new V1.ListApiTokensResponse { Tokens = { tokens.Take(size).Select(x => x.Token.ToProto(x.Owner)) } };
        if (tokens.Count > size)
        {
            response.NextPageToken = Paging.NextToken(tokens[size - 1].Token.TokenId, fingerprint);
        }

        return response;
    }

    public override async Task<V1.ApiToken> RevokeApiToken(V1.RevokeApiTokenRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().RequestId(request.RequestId);
        var ok = ResourceNames.TryParseToken(request.Name, out var participantId, out var tokenId);
        v.Check(ok, "name", "must be a token name like participants/{uuid}/tokens/{uuid}");
        v.Text(request.Reason, "reason", 500, required: false);
        v.ThrowIfInvalid();
        var caller = context.Caller();
        caller.Require(Role.Operator, "OPERATOR_ROLE_REQUIRED", "Only operators revoke API tokens.");

        var target = new StreamTarget<Participant>(participantId, null, "Participant", ResourceNames.Participant(participantId));
        var revokedToken = await commands.ChangeAsync(caller, nameof(RevokeApiToken), request.RequestId, request, target,
            (participant, actor, now) => [ParticipantDecider.Decide(participant, new Domain.Participants.RevokeApiToken(participantId, tokenId, request.Reason),
                actor, now)],
            async (session, changed) =>
            {
                var revoked = (ApiTokenRevoked)changed.Events[0];
                var record = await session.LoadAsync<ApiTokenRecord>(tokenId, context.CancellationToken)
                    ?? throw ResourceNames.NotFound("Token", request.Name);
                record.RevokedAt = revoked.RevokedAt;
                session.Update(record);
                return changed.After.Tokens.Single(t => t.TokenId == tokenId).ToProto(participantId);
            }, context.CancellationToken);
        // Effective before the reply, here and on every server sharing the database (retries notify again).
        authenticator.Evict(tokenId);
        await tokenSync.RevokedAsync(tokenId, context.CancellationToken);
        return revokedToken;
    }
}
