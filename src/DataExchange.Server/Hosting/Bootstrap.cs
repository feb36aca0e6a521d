using DataExchange.Domain.Common;
using DataExchange.Domain.Participants;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using JasperFx;
using Marten;

namespace DataExchange.Server.Hosting;

/// <summary>Marks that the first operator exists, so concurrent first starts create it once.</summary>
public sealed class BootstrapRecord
{
    public string Id { get; set; } = "bootstrap";

    public Guid OperatorId { get; set; }
}

/// <summary>
/// On first start, registers the exchange's operator and gives it a token: DX_BOOTSTRAP_TOKEN when set, otherwise a
/// generated one written owner-only under the data folder. Later starts add DX_BOOTSTRAP_TOKEN if it is new.
/// </summary>
public sealed class Bootstrap(IDocumentStore store, TokenSecrets secrets, ServerSettings settings, TimeProvider time, TokenCacheSync tokenSync,
    ILogger<Bootstrap> logger)
{
    public string TokenFile => Path.Combine(settings.DataDirectory, "bootstrap-token");

    public async Task EnsureOperatorAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var record = await session.LoadAsync<BootstrapRecord>("bootstrap", ct);
        if (record is null)
        {
            await CreateOperatorAsync(ct);
            return;
        }

        if (settings.BootstrapToken is { } configured)
        {
            var hash = TokenSecrets.Hash(configured);
            if (!await session.Query<ApiTokenRecord>().AnyAsync(t => t.SecretHash == hash, ct))
            {
                var now = time.GetUtcNow();
                var tokenId = Guid.CreateVersion7();
                session.Events.Append(record.OperatorId, new ApiTokenIssued(record.OperatorId, tokenId, "bootstrap (DX_BOOTSTRAP_TOKEN)", record.OperatorId, now));
                session.Insert(new ApiTokenRecord { Id = tokenId, ParticipantId = record.OperatorId, SecretHash = hash, IssuedAt = now });
                await session.SaveChangesAsync(ct);
                await tokenSync.IssuedAsync(hash, ct); // a server that was shown this token before must not still call it unknown
                logger.LogInformation("Added DX_BOOTSTRAP_TOKEN as a token of operator {Operator}", record.OperatorId);
            }
        }
    }

    private async Task CreateOperatorAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var operatorId = Guid.CreateVersion7();
        var tokenId = Guid.CreateVersion7();
        var secret = settings.BootstrapToken ?? secrets.SecretFor(tokenId);

        await using var session = store.LightweightSession();
        session.Insert(new BootstrapRecord { OperatorId = operatorId });
        session.Events.StartStream<Participant>(operatorId,
            new ParticipantRegistered(operatorId, "Exchange operator", "DataExchange operator (bootstrap)", [Role.Operator],
                new Jurisdiction(Region.MainlandChina, "Shenzhen"), false, operatorId, now),
            new ApiTokenIssued(operatorId, tokenId, "bootstrap", operatorId, now));
        session.Insert(new ApiTokenRecord { Id = tokenId, ParticipantId = operatorId, SecretHash = TokenSecrets.Hash(secret), IssuedAt = now });
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            return; // Another process bootstrapped first.
        }

        await tokenSync.IssuedAsync(TokenSecrets.Hash(secret), ct);

        if (settings.BootstrapToken is null)
        {
            Directory.CreateDirectory(settings.DataDirectory);
            OwnerOnlyFile.Write(TokenFile, secret + "\n");
            logger.LogWarning("Created operator {Operator}; its token is in {File} (owner-only)", operatorId, Path.GetFullPath(TokenFile));
        }
        else
        {
            logger.LogInformation("Created operator {Operator} with DX_BOOTSTRAP_TOKEN", operatorId);
        }
    }
}
