using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;
using DataExchange.Server.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DataExchange.Server.Ledger;

/// <summary>
/// Pushes each new checkpoint to every configured witness (C2SP tlog-witness add-checkpoint) with a consistency proof
/// from the size that witness cosigned last, and stores the cosignatures that come back. One loop per witness, apart
/// from signing and from trades: a slow or dead witness delays only its own cosignatures. In the steady state that is
/// one request per witness per checkpoint (a newer checkpoint replaces one not yet sent); a witness that knows another
/// size (409) costs one more. Only the process whose signer is active pushes.
/// </summary>
public sealed class WitnessPusher(
    LedgerStorage storage, CheckpointSigner signer, WitnessRoster roster, ServerSettings settings, TimeProvider time,
    ILogger<WitnessPusher> logger) : BackgroundService
{
    private readonly IHasher hasher = TreeHasher.For(settings.Ledger.HashAlgorithm);

    private readonly HttpClient http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each request has its own deadline (DX_WITNESS_TIMEOUT_MS)
    };

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(roster.Witnesses.Select(w => Task.Run(() => FollowAsync(w, stoppingToken), stoppingToken)));

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }

    private async Task FollowAsync(ConfiguredWitness witness, CancellationToken ct)
    {
        long? known = null;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var next = signer.NextPublished;
                var latest = signer.IsActive ? signer.Latest : null; // in memory: no query per look
                known ??= latest is null ? null : await storage.LastCosignedSizeAsync(witness.Name, witness.Key.KeyId, ct) ?? 0;
                if (latest is not null)
                {
                    roster.LatestIs(latest.Size);
                    roster.Known(witness, known ?? 0);
                }

                if (latest is null || latest.Size <= known)
                {
                    // Wake on this process's next checkpoint, or look again after an interval (leadership may move).
                    await Task.WhenAny(next, Task.Delay(settings.Ledger.CheckpointInterval * 10, time, ct)).WaitAsync(ct);
                    continue;
                }

                var outcome = await PushAsync(witness, latest, known!.Value, ct);
                known = outcome.KnownSize ?? known;
                if (outcome.Retry)
                {
                    failures = 0;
                    continue;
                }

                failures = outcome.Failed ? failures + 1 : 0;
                if (outcome.Failed)
                {
                    // Back off while it fails (up to 30 s), but come back at once when it answers again.
                    var backoff = TimeSpan.FromMilliseconds(Math.Min(30_000, settings.Ledger.CheckpointInterval.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16))));
                    await Task.Delay(backoff, time, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or LedgerIntegrityException)
            {
                // The database or the ledger is failing: that is reported elsewhere; witnesses wait for it.
                logger.LogWarning("Witness {Witness}: cannot read the ledger to push a checkpoint: {Error}", witness.Name, e.Message);
                known = null;
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            }
        }
    }

    private sealed record PushOutcome(long? KnownSize, bool Retry, bool Failed);

    private async Task<PushOutcome> PushAsync(ConfiguredWitness witness, StoredCheckpoint checkpoint, long oldSize, CancellationToken ct)
    {
        IReadOnlyList<byte[]> proof = oldSize == 0
            ? []
            : await storage.ProofAsync(hasher, ProofPlanner.ConsistencyPlan(oldSize, checkpoint.Size), ct);
        var body = WitnessProtocol.Format(new WitnessProtocol.AddCheckpointRequest(oldSize, proof, checkpoint.Note));
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        string answer;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(settings.Ledger.WitnessTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(witness.Address, "add-checkpoint"))
            {
                Content = new StringContent(body, Encoding.UTF8, "text/plain"),
            };
            response = await http.SendAsync(request, deadline.Token);
            answer = await response.Content.ReadAsStringAsync(deadline.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var error = e is OperationCanceledException ? $"no answer within {settings.Ledger.WitnessTimeout.TotalSeconds:0.###} s" : e.Message;
            Unreachable(witness, oldSize, error, Stopwatch.GetElapsedTime(started));
            return new PushOutcome(null, false, true);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await AcceptAsync(witness, checkpoint, oldSize, answer, elapsed, ct);
            }

            if (response.StatusCode == HttpStatusCode.Conflict && response.Content.Headers.ContentType?.MediaType == WitnessProtocol.SizeContentType
                && long.TryParse(answer.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var witnessSize))
            {
                return Resized(witness, checkpoint, oldSize, witnessSize, elapsed);
            }

            var reason = $"{(int)response.StatusCode} {response.ReasonPhrase}: {Bounded(answer)}";
            if ((int)response.StatusCode >= 500)
            {
                Unreachable(witness, oldSize, reason, elapsed);
                return new PushOutcome(null, false, true);
            }

            roster.Record(witness, WitnessStatus.Refusing, oldSize, reason, time.GetUtcNow(), "refused", elapsed);
            logger.LogError("Witness {Witness} refused the checkpoint of {Size} leaves: {Reason}", witness.Name, checkpoint.Size, reason);
            return new PushOutcome(null, false, true);
        }
    }

    private async Task<PushOutcome> AcceptAsync(ConfiguredWitness witness, StoredCheckpoint checkpoint, long oldSize, string answer, TimeSpan elapsed, CancellationToken ct)
    {
        // The answer is the witness's signature lines: read them as lines of the note they sign, keep the one by its key.
        NoteSignature? line = null;
        ulong? timestamp = null;
        try
        {
            var cosigned = SignedNote.Parse(checkpoint.Note + answer);
            foreach (var signature in cosigned.Signatures.Where(s => s.KeyName == witness.Name && s.KeyId == witness.Key.KeyId))
            {
                if (witness.Key.Verify(cosigned.Text, signature) is { } at)
                {
                    (line, timestamp) = (signature, at);
                }
            }
        }
        catch (FormatException)
        {
        }

        if (line is null || timestamp is null)
        {
            var error = $"200 with no valid cosignature by {witness.Key.VerifierKey}: {Bounded(answer)}";
            roster.Record(witness, WitnessStatus.Refusing, oldSize, error, time.GetUtcNow(), "refused", elapsed);
            logger.LogError("Witness {Witness}: {Error}", witness.Name, error);
            return new PushOutcome(null, false, true);
        }

        await storage.InsertCosignatureAsync(new StoredCosignature(checkpoint.Size, witness.Name, witness.Key.KeyId, line.ToLine(),
            DateTimeOffset.FromUnixTimeSeconds((long)timestamp.Value)), ct);
        var status = checkpoint.Size >= roster.LatestSize ? WitnessStatus.Current : WitnessStatus.Behind;
        roster.Record(witness, status, checkpoint.Size, "", time.GetUtcNow(), "cosigned", elapsed);
        return new PushOutcome(checkpoint.Size, false, false);
    }

    private PushOutcome Resized(ConfiguredWitness witness, StoredCheckpoint checkpoint, long oldSize, long witnessSize, TimeSpan elapsed)
    {
        if (witnessSize > checkpoint.Size || witnessSize == oldSize)
        {
            // It holds a larger tree of this log than ours, or another root at our size: not something a retry mends.
            var error = witnessSize > checkpoint.Size
                ? $"the witness has cosigned a tree of {witnessSize} leaves, more than this exchange's latest {checkpoint.Size}: was this log rolled back?"
                : $"the witness holds a different checkpoint of {witnessSize} leaves: the log has forked";
            roster.Record(witness, WitnessStatus.Refusing, 0, error, time.GetUtcNow(), "refused", elapsed);
            logger.LogError("Witness {Witness}: {Error}", witness.Name, error);
            return new PushOutcome(null, false, true);
        }

        // It cosigned another size than we remember (its state or ours is newer): prove from there, at once.
        roster.Record(witness, WitnessStatus.Behind, 0, "", time.GetUtcNow(), "resized", elapsed);
        return new PushOutcome(witnessSize, true, false);
    }

    private void Unreachable(ConfiguredWitness witness, long oldSize, string error, TimeSpan elapsed)
    {
        roster.Record(witness, WitnessStatus.Unreachable, oldSize, error, time.GetUtcNow(), "unreachable", elapsed);
        logger.LogWarning("Witness {Witness} at {Address} did not answer: {Error}", witness.Name, witness.Address, error);
    }

    private static string Bounded(string text) => (text.Length > 300 ? text[..300] + "…" : text).Trim();
}
