namespace DataExchange.Server.Auth;

/// <summary>
/// A token's secret hash, kept in its own table and never in the event history auditors replay.
/// Revocation sets <see cref="RevokedAt"/>; the ApiTokenRevoked event records that it happened.
/// </summary>
public sealed class ApiTokenRecord
{
    public Guid Id { get; set; }

    public Guid ParticipantId { get; set; }

    /// <summary>Hex SHA-256 of the bearer secret.</summary>
    public string SecretHash { get; set; } = "";

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
