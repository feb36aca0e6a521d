using System.Globalization;
using SHA256 = System.Security.Cryptography.SHA256;
using System.Text;
using System.Text.Json;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Memory;
using DataExchange.Ledger.Notes;
using Grpc.Core;
using Org.BouncyCastle.Crypto.Parameters;
using LedgerCheckpoint = DataExchange.Ledger.Notes.Checkpoint;

namespace DataExchange.Cli;

/// <summary>A checkpoint the memory accepted: what it says, who signed it, and how it relates to what was remembered.</summary>
internal sealed record CheckedCheckpoint(LedgerCheckpoint Checkpoint, string Note, KeyTrust Keys, MemoryDecision Decision, IReadOnlyList<INoteVerifier> LogKeys)
{
    /// <summary>Called once the command trusts the checkpoint (every other check passed): the memory moves forward, if at all.</summary>
    public Action Commit { get; init; } = () => { };
}

/// <summary>
/// dx's memory of the logs it talked to: per origin, the last checkpoint it verified and the keys it verified it with,
/// in <c>&lt;state dir&gt;/checkpoints/&lt;origin-slug&gt;.json</c> (owner-only, written to a temporary file and renamed).
/// Every command that fetches a checkpoint passes it through <see cref="CheckAsync"/>: its signatures are checked
/// against the remembered keys (or --keys, or, the first time, the keys the log publishes), and it must extend, repeat
/// or be a prefix of the remembered one by a consistency proof. A fork or a rollback stops the command with its own
/// exit code and leaves both signed notes under <c>evidence/</c>; the memory never moves backwards.
/// </summary>
internal sealed class CheckpointMemory(string directory)
{
    public const string Format = "dataexchange.client-checkpoint/1";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string Directory { get; } = directory;

    public string EvidenceDirectory => Path.Combine(Directory, "evidence");

    public static CheckpointMemory For(CliSettings settings) => settings.StateDirectory is { } dir
        ? new CheckpointMemory(dir)
        : throw new CliException($"No state directory for dx's memory of checkpoints: set {GlobalOptions.StateVariable}, HOME or --state-dir.", StatusCode.FailedPrecondition);

    /// <summary>A file name for an origin: its safe characters, then a hash of it, so distinct origins never share a file.</summary>
    public static string Slug(string origin)
    {
        var safe = new string([.. origin.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_')]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(origin)))[..8];
        return $"{(safe.Length > 80 ? safe[..80] : safe)}-{hash}";
    }

    public string PathOf(string origin) => Path.Combine(Directory, "checkpoints", Slug(origin) + ".json");

    /// <summary>The remembered checkpoint of an origin, or null. A file that does not read is an error, never a fresh start.</summary>
    public RememberedCheckpoint? Load(string origin)
    {
        var path = PathOf(origin);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var stored = JsonSerializer.Deserialize<StoredCheckpoint>(File.ReadAllText(path), Json) ?? throw new InvalidDataException("empty");
            if (stored.Format != Format)
            {
                throw new InvalidDataException($"format '{stored.Format}', not {Format}");
            }

            // Size and root come from the signed note itself; the copies in the file are for people.
            var checkpoint = LedgerCheckpoint.Parse(SignedNote.Parse(stored.Note ?? "").Text);
            if (checkpoint.Origin != origin)
            {
                throw new InvalidDataException($"it holds a checkpoint of {checkpoint.Origin}");
            }

            var keys = stored.VerifierKeys ?? [];
            _ = keys.Select(NoteKeys.ParseVerifierKey).ToList();
            return keys.Count > 0
                ? new RememberedCheckpoint(origin, checkpoint.Size, checkpoint.RootHash, stored.Note!, keys)
                : throw new InvalidDataException("no verifier keys");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or FormatException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(
                $"dx's memory of {origin} ({path}) does not read: {e.Message}. dx will not start again from nothing, which would accept a rollback or a fork; "
                + $"inspect the file, or run 'dx ledger forget {origin}' to trust the log afresh.",
                StatusCode.FailedPrecondition, ExitCodes.Failure);
        }
    }

    /// <summary>Writes the checkpoint as the origin's memory, unless a larger one was remembered meanwhile (only forward).</summary>
    public void Save(RememberedCheckpoint checkpoint, DateTimeOffset now)
    {
        if (Load(checkpoint.Origin) is { } current && current.Size > checkpoint.Size)
        {
            return;
        }

        var path = PathOf(checkpoint.Origin);
        CreateOwnerOnlyDirectory(Path.GetDirectoryName(path)!);
        var stored = new StoredCheckpoint(Format, checkpoint.Origin, checkpoint.Size, Convert.ToBase64String(checkpoint.RootHash), checkpoint.Note,
            [.. checkpoint.VerifierKeys], now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(file, stored, Json);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Drops what is remembered of an origin; true when there was something.</summary>
    public bool Forget(string origin)
    {
        var path = PathOf(origin);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>
    /// Checks a checkpoint note the log presented: keys (<see cref="CheckpointMemoryDecision.TrustKeys"/>), then how it
    /// relates to the remembered one, fetching the consistency proof that needs. Throws for untrusted keys (exit 3), a
    /// fork (exit 9) or a rollback (exit 10, evidence written); otherwise returns it with a <see cref="CheckedCheckpoint.Commit"/>
    /// that remembers it if it moves the memory forward.
    /// </summary>
    /// <param name="presentedAsLatest">The log was asked for its latest checkpoint (so a smaller one is a rollback).</param>
    /// <param name="givenKeys">--keys, when given; otherwise the remembered keys, or the published ones the first time.</param>
    public async Task<CheckedCheckpoint> CheckAsync(CliContext context, string note, HashAlgorithm hashAlgorithm, bool presentedAsLatest,
        IReadOnlyList<INoteVerifier>? givenKeys, CancellationToken ct)
    {
        LedgerCheckpoint presented;
        try
        {
            presented = LedgerCheckpoint.Parse(SignedNote.Parse(note).Text);
        }
        catch (FormatException e)
        {
            throw new CliException($"The log served a checkpoint that is not a signed checkpoint note: {e.Message}", StatusCode.DataLoss);
        }

        var remembered = Load(presented.Origin);
        IReadOnlyList<INoteVerifier> published = [];
        if (givenKeys is not { Count: > 0 })
        {
            // The first time, the keys to trust; later, a rotated key that signs beside a remembered one.
            var keys = await context.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest(), context.Call(ct));
            published = [.. keys.Keys.Where(k => remembered is not null || k.ValidUntilTreeSize == 0).Select(k => NoteKeys.ParseVerifierKey(k.VerifierKey))];
        }

        var trust = CheckpointMemoryDecision.TrustKeys(note, remembered, givenKeys, published);
        if (!trust.Trusted)
        {
            throw new CliException(
                $"Not trusting the checkpoint of {presented.Origin} (size {presented.Size}): {trust.Refusal}. If the exchange rotated its keys, "
                + $"pass --keys with its new public keys obtained independently, or run 'dx ledger forget {presented.Origin}' to trust it afresh.",
                StatusCode.FailedPrecondition, ExitCodes.Refused);
        }

        var hasher = TreeHasher.For(hashAlgorithm == HashAlgorithm.Sm3 ? LogHashAlgorithm.Sm3 : LogHashAlgorithm.Sha256);
        IReadOnlyList<byte[]>? proof = null;
        if (CheckpointMemoryDecision.ProofNeeded(remembered, presented, presentedAsLatest) is { } request)
        {
            var served = await context.Ledger.GetConsistencyProofAsync(
                new GetConsistencyProofRequest { FirstTreeSize = request.FirstSize, SecondTreeSize = request.SecondSize }, context.Call(ct));
            proof = [.. served.Hashes.Select(h => h.ToByteArray())];
        }

        var decision = CheckpointMemoryDecision.Decide(remembered, presented, presentedAsLatest, hasher, proof);
        var logKeys = trust.KeysToRemember.Select(NoteKeys.ParseVerifierKey).ToList();
        if (decision.IsMisbehaviour)
        {
            Misbehaved(context.Output.Error, remembered!, note, decision, logKeys);
        }

        if (trust.FirstUse)
        {
            context.Output.Error.WriteLine($"dx: trusting {presented.Origin} on first use with the keys it publishes "
                + $"({string.Join(", ", trust.SignedBy.Select(k => $"{k.KeyName}+{k.KeyId:x8}"))}); remembered in {PathOf(presented.Origin)}. Pass --keys to trust keys you obtained yourself.");
        }

        foreach (var added in trust.NewKeys)
        {
            context.Output.Error.WriteLine($"dx: {presented.Origin} now also signs with {added.Split('+')[0]}+{added.Split('+')[1]}, beside a key dx remembers: remembering it too.");
        }

        var keysChanged = remembered is not null && !remembered.VerifierKeys.Order(StringComparer.Ordinal).SequenceEqual(trust.KeysToRemember.Order(StringComparer.Ordinal));
        return new CheckedCheckpoint(presented, note, trust, decision, logKeys)
        {
            Commit = () =>
            {
                if (decision.Advances)
                {
                    Save(new RememberedCheckpoint(presented.Origin, presented.Size, presented.RootHash, note, trust.KeysToRemember), DateTimeOffset.UtcNow);
                }
                else if (keysChanged && remembered is not null)
                {
                    Save(remembered with { VerifierKeys = trust.KeysToRemember }, DateTimeOffset.UtcNow);
                }
            },
        };
    }

    /// <summary>
    /// A signed checkpoint presented offline (a receipt): only the same size with another root can be judged without the
    /// log; that is a fork. Nothing is remembered from it.
    /// </summary>
    public void CheckOffline(TextWriter stderr, string note, IReadOnlyList<INoteVerifier> logKeys)
    {
        LedgerCheckpoint presented;
        try
        {
            presented = LedgerCheckpoint.Parse(SignedNote.Parse(note).Text);
        }
        catch (FormatException)
        {
            return;
        }

        if (Load(presented.Origin) is { } remembered && remembered.Size == presented.Size)
        {
            var decision = CheckpointMemoryDecision.Decide(remembered, presented, presentedAsLatest: false, TreeHasher.For(LogHashAlgorithm.Sha256), null);
            if (decision.IsMisbehaviour)
            {
                Misbehaved(stderr, remembered, note, decision, [.. remembered.Verifiers(), .. logKeys]);
            }
        }
    }

    /// <summary>Writes the evidence, says where on stderr, and stops the command with the fork or rollback exit code.</summary>
    private void Misbehaved(TextWriter stderr, RememberedCheckpoint remembered, string presentedNote, MemoryDecision decision, IReadOnlyList<INoteVerifier> keys)
    {
        var folder = WriteEvidence(remembered, presentedNote, decision, keys, DateTimeOffset.UtcNow);
        stderr.WriteLine($"dx: evidence of misbehaviour by {remembered.Origin} written to {folder}:");
        foreach (var file in System.IO.Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            stderr.WriteLine($"dx:   {file}");
        }

        var fork = decision.Verdict == MemoryVerdict.Fork;
        throw new CliException(
            $"{(fork ? "FORK" : "ROLLBACK")}: {decision.Message}. Both signed notes are kept in {folder}; dx still remembers size {remembered.Size} and did not trust this checkpoint.",
            StatusCode.DataLoss, fork ? ExitCodes.LogForked : ExitCodes.LogRolledBack);
    }

    /// <summary>
    /// Both signed notes, the failed proof (if any), the log's public keys as PEM and a README.txt saying what they prove
    /// and how to check each note's signatures with stock OpenSSL, in evidence/&lt;origin-slug&gt;-&lt;UTC time&gt;/.
    /// </summary>
    public string WriteEvidence(RememberedCheckpoint remembered, string presentedNote, MemoryDecision decision, IReadOnlyList<INoteVerifier> keys, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        CreateOwnerOnlyDirectory(EvidenceDirectory);
        var folder = Path.Combine(EvidenceDirectory, $"{Slug(remembered.Origin)}-{stamp}");
        for (var n = 2; System.IO.Directory.Exists(folder); n++)
        {
            folder = Path.Combine(EvidenceDirectory, $"{Slug(remembered.Origin)}-{stamp}-{n}");
        }

        System.IO.Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "remembered.note"), remembered.Note);
        File.WriteAllText(Path.Combine(folder, "presented.note"), presentedNote);
        if (decision.FailedProof is { } failed)
        {
            var proof = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                $"consistency proof from tree size {failed.FirstSize} to {failed.SecondSize}, as the log served it (base64, one hash a line):\n"));
            foreach (var hash in decision.Proof ?? [])
            {
                proof.Append(Convert.ToBase64String(hash)).Append('\n');
            }

            File.WriteAllText(Path.Combine(folder, "proof.txt"), proof.ToString());
        }

        var pems = new List<string>();
        foreach (var key in keys.DistinctBy(k => (k.KeyName, k.KeyId)))
        {
            if (PublicKeyPem(key) is { } pem)
            {
                var name = $"{key.KeyName}-{key.KeyId:x8}.pem";
                File.WriteAllText(Path.Combine(folder, name), pem);
                pems.Add(name);
            }
        }

        File.WriteAllText(Path.Combine(folder, "README.txt"), Readme(remembered, presentedNote, decision, keys, pems));
        return folder;
    }

    private static string? PublicKeyPem(INoteVerifier key)
    {
        try
        {
            return key.SignatureType switch
            {
                NoteKeys.Ed25519Type => LedgerKeys.ExportPublicKeyPem(new Ed25519PublicKeyParameters(key.KeyMaterial)),
                NoteKeys.OtherType when key.KeyMaterial.AsSpan().StartsWith(Sm2NoteVerifier.Identifier) =>
                    LedgerKeys.ExportPublicKeyPem(LedgerKeys.ImportSm2SubjectPublicKeyInfo(key.KeyMaterial[Sm2NoteVerifier.Identifier.Length..])),
                _ => null,
            };
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string Readme(RememberedCheckpoint remembered, string presentedNote, MemoryDecision decision, IReadOnlyList<INoteVerifier> keys, List<string> pems)
    {
        var ed25519 = keys.FirstOrDefault(k => k.SignatureType == NoteKeys.Ed25519Type);
        var pem = ed25519 is null ? "ed25519.pem" : $"{ed25519.KeyName}-{ed25519.KeyId:x8}.pem";
        var keyName = ed25519?.KeyName ?? "<ed25519 key name>";
        var presentedSize = LedgerCheckpoint.Parse(SignedNote.Parse(presentedNote).Text).Size;
        var what = decision.Verdict == MemoryVerdict.Fork
            ? $"""
              THE LOG FORKED (a split view). The log {remembered.Origin} signed both checkpoints below. {decision.Message}.
              An append-only log never signs two checkpoints that no consistency proof joins: one of them belongs to a
              history other than the one the other vouches for, and someone was (or will be) shown that other history.
              """
            : $"""
              THE LOG ROLLED BACK. The log {remembered.Origin} signed the remembered checkpoint (size {remembered.Size}) and later, asked
              for its latest checkpoint, presented one of size {presentedSize}. {decision.Message}.
              """;
        return $"""
            Evidence written by dx, the DataExchange client.

            {what}

            remembered.note  the checkpoint dx had verified and remembered (size {remembered.Size})
            presented.note   the checkpoint the log presented afterwards (size {presentedSize})
            {(decision.FailedProof is null ? "" : "proof.txt        the consistency proof the log served, which does not join them\n")}{string.Join("\n", pems.Select(p => $"{p,-16} the public key of the log's key {Path.GetFileNameWithoutExtension(p)}"))}

            Both are C2SP signed notes: the checkpoint text (origin, tree size, base64 root hash, extension lines), a blank
            line, then one line per signature: "— <key name> base64(4-byte key id ‖ signature)". Check that the log signed
            each one with stock OpenSSL 3 (Ed25519; the SM2 signature is checked the same way, see SIGNATURES.md):

              for n in remembered presented; do
                sed '/^$/,$d' $n.note > $n.txt
                grep '^— {keyName} ' $n.note | cut -d' ' -f3 | base64 -d | tail -c +5 > $n.sig
                openssl pkeyutl -verify -pubin -inkey {pem} -rawin -in $n.txt -sigfile $n.sig
              done

            Each must print "Signature Verified Successfully". Obtain the log's public key independently (not only from
            this folder) before relying on it.
            """;
    }

    private static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private sealed record StoredCheckpoint(string? Format, string? Origin, long Size, string? RootHash, string? Note, List<string>? VerifierKeys, string? VerifiedAt);
}
