using System.Buffers.Binary;
using System.Globalization;
using DataExchange.Ledger.Notes;

namespace DataExchange.Ledger.Witness;

/// <summary>One cosignature line found in a checkpoint note, and what a policy made of it.</summary>
/// <param name="WitnessName">The signature line's key name.</param>
/// <param name="KeyId">The signature line's key id.</param>
/// <param name="Timestamp">The time the line states (POSIX seconds), when it is long enough to carry one.</param>
/// <param name="InPolicy">A witness of the policy has this name and key id.</param>
/// <param name="Verified">A policy witness's valid cosignature of this checkpoint.</param>
public sealed record CosignatureLine(string WitnessName, uint KeyId, ulong? Timestamp, bool InPolicy, bool Verified)
{
    public DateTimeOffset? Time => Timestamp is { } t && t <= (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()
        ? DateTimeOffset.FromUnixTimeSeconds((long)t)
        : null;
}

/// <summary>Outcome of <see cref="WitnessPolicy.Evaluate"/>: which witnesses cosigned, and whether the quorum is met.</summary>
/// <param name="Satisfied">At least the quorum of distinct policy witnesses cosigned validly, and none cosigned invalidly.</param>
/// <param name="Cosigned">Distinct policy witnesses with a valid cosignature.</param>
/// <param name="Lines">Every signature line the log's own keys did not make, in note order.</param>
/// <param name="Failure">Why the policy is not met; null when it is.</param>
public sealed record WitnessPolicyResult(bool Satisfied, IReadOnlyList<string> Cosigned, int Witnesses, int Quorum,
    IReadOnlyList<CosignatureLine> Lines, string? Failure)
{
    /// <summary>"cosigned by 1 of 2 witnesses (quorum 2)".</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture, $"cosigned by {Cosigned.Count} of {Witnesses} witness(es) (quorum {Quorum})");
}

/// <summary>
/// Which witnesses a client requires (C2SP tlog-cosignature v1, Ed25519): a checkpoint is accepted only when at least
/// <see cref="Quorum"/> distinct witnesses of the policy cosigned it validly. A cosignature line that names a policy
/// witness (name and key id) but does not verify fails the policy outright, naming the witness: it is either a forgery
/// or a witness gone wrong, and either deserves attention rather than being outvoted.
/// </summary>
public sealed record WitnessPolicy
{
    public WitnessPolicy(IReadOnlyList<CosignatureVerifier> witnesses, int? quorum = null)
    {
        var distinct = witnesses.DistinctBy(w => (w.Name, w.KeyId)).ToList();
        if (distinct.Count == 0)
        {
            throw new FormatException("A witness policy names at least one witness.");
        }

        var k = quorum ?? distinct.Count;
        if (k < 1 || k > distinct.Count)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"The witness quorum must be between 1 and the number of witnesses ({distinct.Count}), not {k}."));
        }

        Witnesses = distinct;
        Quorum = k;
    }

    public IReadOnlyList<CosignatureVerifier> Witnesses { get; }

    public int Quorum { get; }

    /// <summary>
    /// Reads a policy file: one statement a line, <c>witness &lt;vkey&gt;</c> (repeatable) and at most one
    /// <c>quorum &lt;K&gt;</c> (default: every witness); blank lines and everything after '#' are ignored.
    /// </summary>
    /// <exception cref="FormatException">With the line number of the first bad line.</exception>
    public static WitnessPolicy Parse(string text)
    {
        var witnesses = new List<CosignatureVerifier>();
        int? quorum = null;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = (raw.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            try
            {
                switch (words)
                {
                    case ["witness", var vkey]:
                        witnesses.Add(CosignatureVerifier.Parse(vkey));
                        break;
                    case ["quorum", var k] when quorum is null:
                        quorum = int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                            ? parsed
                            : throw new FormatException($"quorum '{k}' is not a whole number");
                        break;
                    case ["quorum", _]:
                        throw new FormatException("quorum is given twice");
                    default:
                        throw new FormatException("expected 'witness <vkey>' or 'quorum <K>'");
                }
            }
            catch (FormatException e)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {number}: {e.Message}"));
            }
        }

        return new WitnessPolicy(witnesses, quorum);
    }

    /// <summary>
    /// Checks the cosignatures of a signed checkpoint note. Lines made by <paramref name="logKeys"/> (the exchange's
    /// own signatures) are not cosignatures; every other line is listed, and counted when a policy witness made it.
    /// </summary>
    public WitnessPolicyResult Evaluate(string signedNote, IEnumerable<INoteVerifier> logKeys)
    {
        var lines = Cosignatures(signedNote, logKeys, Witnesses, out var body);
        var cosigned = new List<string>();
        var invalid = new List<string>();
        foreach (var witness in Witnesses)
        {
            var own = lines.Where(l => l.WitnessName == witness.Name && l.KeyId == witness.KeyId).ToList();
            if (own.Any(l => !l.Verified))
            {
                invalid.Add(witness.Name);
            }
            else if (own.Count > 0)
            {
                cosigned.Add(witness.Name);
            }
        }

        string? failure = null;
        if (body is null)
        {
            failure = "not a signed note";
        }
        else if (invalid.Count > 0)
        {
            failure = string.Create(CultureInfo.InvariantCulture,
                $"invalid cosignature from witness {string.Join(", ", invalid)}; valid from {cosigned.Count} of {Witnesses.Count} witness(es), quorum {Quorum}");
        }
        else if (cosigned.Count < Quorum)
        {
            var missing = Witnesses.Select(w => w.Name).Except(cosigned, StringComparer.Ordinal);
            failure = string.Create(CultureInfo.InvariantCulture,
                $"cosigned by {cosigned.Count} of {Witnesses.Count} witness(es), quorum {Quorum}; no cosignature from {string.Join(", ", missing)}");
        }

        return new WitnessPolicyResult(failure is null, cosigned, Witnesses.Count, Quorum, lines, failure);
    }

    /// <summary>
    /// The signature lines of a note that <paramref name="logKeys"/> did not make, each checked against the witnesses
    /// given (none: listed, unverified). The body is null when the note does not parse.
    /// </summary>
    public static IReadOnlyList<CosignatureLine> Cosignatures(string signedNote, IEnumerable<INoteVerifier> logKeys,
        IReadOnlyList<CosignatureVerifier> witnesses, out string? body)
    {
        SignedNote note;
        try
        {
            note = SignedNote.Parse(signedNote);
        }
        catch (FormatException)
        {
            body = null;
            return [];
        }

        body = note.Text;
        var log = logKeys.Select(k => (k.KeyName, k.KeyId)).ToHashSet();
        var lines = new List<CosignatureLine>();
        foreach (var signature in note.Signatures.Where(s => !log.Contains((s.KeyName, s.KeyId))))
        {
            var witness = witnesses.FirstOrDefault(w => w.Name == signature.KeyName && w.KeyId == signature.KeyId);
            var verified = witness?.Verify(note.Text, signature);
            ulong? stated = signature.Signature.Length >= 8 ? BinaryPrimitives.ReadUInt64BigEndian(signature.Signature) : null;
            lines.Add(new CosignatureLine(signature.KeyName, signature.KeyId, verified ?? stated, witness is not null, verified is not null));
        }

        return lines;
    }
}
