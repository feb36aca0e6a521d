using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using Npgsql;

namespace DataExchange.Server.Auth;

/// <summary>
/// Keeps the token caches of every server on one schema in step, through PostgreSQL LISTEN/NOTIFY.
/// <para>Each server holds one dedicated connection that LISTENs on the schema's channel and then names itself in
/// <c>application_name</c> ("dx-tokens {channel} {instance}"), so <c>pg_stat_activity</c> lists exactly the servers
/// that will hear a notification. On "revoked" it drops the token from its cache, on "issued" it forgets that the
/// token was unknown, and then it acknowledges on the same channel.</para>
/// <para>The server that revoked or issued a token (<see cref="RevokedAsync"/>, <see cref="IssuedAsync"/>) has already
/// updated its own cache; it lists the other listening servers, notifies, and waits until each has acknowledged (at most
/// <see cref="AccessSettings.TokenSyncAckTimeout"/>), so when RevokeApiToken returns no server still accepts the token.
/// A server that starts listening after that list was read flushes its whole cache once it listens, after the
/// revocation committed, so it cannot hold the token either.</para>
/// <para>When its connection drops, a server stops using its cache at once (<see cref="TokenAuthenticator.OnUnsynchronised"/>)
/// and reconnects with backoff (0.1 s doubling to 5 s), flushing on reconnect. A connection that dies silently is found by
/// a ping each second (5 s timeout); until then the cache TTL (<see cref="AccessSettings.TokenCacheTtl"/>) bounds how long
/// a revoked token can still pass on that server.</para>
/// </summary>
public sealed class TokenCacheSync : BackgroundService
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly TokenAuthenticator authenticator;
    private readonly AccessSettings access;
    private readonly NpgsqlDataSource dataSource;
    private readonly ILogger<TokenCacheSync> logger;
    private readonly string connectionString;
    private readonly string channel;
    private readonly string namePrefix;
    private readonly string instance = Guid.NewGuid().ToString("N");
    private readonly Queue<string> acks = new();

    public TokenCacheSync(ServerSettings settings, AccessSettings access, TokenAuthenticator authenticator, NpgsqlDataSource dataSource,
        ILogger<TokenCacheSync> logger)
    {
        this.authenticator = authenticator;
        this.access = access;
        this.dataSource = dataSource;
        this.logger = logger;
        connectionString = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false, CommandTimeout = 5 }.ConnectionString;
        // Several exchanges (and every test class) may share one database: one channel per schema.
        var suffix = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings.Schema)))[..12];
        channel = "dx_tokens_" + suffix;
        namePrefix = $"dx-tokens {suffix} ";
    }

    /// <summary>This server's listener name in pg_stat_activity.</summary>
    public string ApplicationName => namePrefix + instance;

    /// <summary>
    /// Tells every other server that <paramref name="tokenId"/> is revoked and waits until each has dropped it.
    /// Returns the servers that did not confirm in time (their caches expire within the TTL).
    /// </summary>
    public Task<IReadOnlyCollection<string>> RevokedAsync(Guid tokenId, CancellationToken ct) =>
        BroadcastAsync("revoked", tokenId.ToString("N"), ct);

    /// <summary>Tells every other server that a token with this secret hash exists now (it must not stay "unknown" anywhere).</summary>
    public Task<IReadOnlyCollection<string>> IssuedAsync(string secretHash, CancellationToken ct) =>
        BroadcastAsync("issued", secretHash, ct);

    private async Task<IReadOnlyCollection<string>> BroadcastAsync(string kind, string subject, CancellationToken ct)
    {
        // Read who listens before notifying: each of them is then sure to hear it; a later one flushes when it starts.
        var expected = new HashSet<string>(StringComparer.Ordinal);
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var command = new NpgsqlCommand(
            "select application_name from pg_stat_activity where datname = current_database() and starts_with(application_name, @prefix) and application_name <> @self",
            connection))
        {
            command.Parameters.AddWithValue("prefix", namePrefix);
            command.Parameters.AddWithValue("self", ApplicationName);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                expected.Add(reader.GetString(0)[namePrefix.Length..]);
            }
        }

        if (expected.Count == 0)
        {
            return [];
        }

        var nonce = Guid.NewGuid().ToString("N");
        var pending = new HashSet<string>(expected, StringComparer.Ordinal);
        await using var listener = new NpgsqlConnection(connectionString);
        listener.Notification += (_, e) =>
        {
            if (e.Channel == channel && Parse(e.Payload) is ("ack", var n, var by, _) && n == nonce)
            {
                lock (pending)
                {
                    pending.Remove(by);
                }
            }
        };
        await listener.OpenAsync(ct);
        await ExecuteAsync(listener, $"listen {channel}", ct);
        await NotifyAsync(listener, $"{kind} {nonce} {subject} {instance}", ct);
        var deadline = DateTime.UtcNow + access.TokenSyncAckTimeout;
        while (true)
        {
            lock (pending)
            {
                if (pending.Count == 0)
                {
                    return [];
                }
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            await listener.WaitAsync(left, ct);
        }

        lock (pending)
        {
            logger.LogWarning("Token {Kind}: {Count} server(s) did not confirm within {Timeout} ms ({Servers}); their token caches expire within {Ttl} ms",
                kind, pending.Count, access.TokenSyncAckTimeout.TotalMilliseconds, string.Join(", ", pending), access.TokenCacheTtl.TotalMilliseconds);
            return [.. pending];
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += OnNotification;
                await connection.OpenAsync(stoppingToken);
                await ExecuteAsync(connection, $"listen {channel}", stoppingToken);
                await ExecuteAsync(connection, $"set application_name = '{ApplicationName}'", stoppingToken);
                authenticator.OnSynchronised();
                if (backoff > TimeSpan.FromMilliseconds(100))
                {
                    logger.LogInformation("Token notifications restored; token cache flushed");
                }

                backoff = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    var notified = await connection.WaitAsync(PingInterval, stoppingToken);
                    while (TryDequeueAck(out var ack))
                    {
                        await NotifyAsync(connection, ack, stoppingToken);
                    }

                    if (!notified)
                    {
                        await ExecuteAsync(connection, "select 1", stoppingToken); // finds a connection that died silently
                    }
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                authenticator.OnUnsynchronised();
                logger.LogWarning("Token notifications lost ({Error}); tokens are read from the database on every call until they are back; retrying in {Backoff} ms",
                    e.Message, backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }

        authenticator.OnUnsynchronised();
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel != channel)
        {
            return;
        }

        // Its own broadcasts are skipped: the sender updated its cache before notifying.
        switch (Parse(e.Payload))
        {
            case (_, _, _, var from) when from == instance:
                break;
            case ("revoked", var nonce, var token, _) when Guid.TryParseExact(token, "N", out var tokenId):
                authenticator.Evict(tokenId);
                EnqueueAck(nonce);
                break;
            case ("issued", var nonce, var hash, _):
                authenticator.NoteIssued(hash);
                EnqueueAck(nonce);
                break;
        }
    }

    private void EnqueueAck(string nonce)
    {
        lock (acks)
        {
            acks.Enqueue($"ack {nonce} {instance} {instance}");
        }
    }

    private bool TryDequeueAck(out string ack)
    {
        lock (acks)
        {
            return acks.TryDequeue(out ack!);
        }
    }

    /// <summary>"{kind} {nonce} {subject} {sender}": revoked (subject: token id), issued (secret hash), ack (subject: the acknowledging server).</summary>
    private static (string Kind, string Nonce, string Subject, string From)? Parse(string payload) =>
        payload.Split(' ') is [var kind, var nonce, var subject, var from] ? (kind, nonce, subject, from) : null;

    private async Task NotifyAsync(NpgsqlConnection connection, string payload, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_notify(@channel, @payload)", connection);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("payload", payload);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"TokenCacheSync({channel}, {instance})");
}
