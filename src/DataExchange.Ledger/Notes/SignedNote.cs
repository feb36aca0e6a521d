using System.Buffers.Binary;
using System.Text;

namespace DataExchange.Ledger.Notes;

/// <summary>One signature line of a note: "— &lt;name&gt; base64(4-byte key id ‖ signature)".</summary>
public sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature)
{
    public string ToLine()
    {
        byte[] blob = new byte[4 + Signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyId);
        Signature.CopyTo(blob, 4);
        return $"{SignedNote.SignaturePrefix}{KeyName} {Convert.ToBase64String(blob)}\n";
    }
}

/// <summary>A key that verified a note.</summary>
public sealed record VerifiedKey(string KeyName, uint KeyId);

/// <summary>Outcome of <see cref="SignedNote.Verify"/>.</summary>
/// <param name="IsValid">At least one known key verified and no known key failed.</param>
/// <param name="Text">The note text (signed part), when the note parsed.</param>
/// <param name="VerifiedKeys">Keys whose signatures verified.</param>
/// <param name="Error">Why the note was rejected.</param>
public sealed record NoteVerificationResult(bool IsValid, string? Text, IReadOnlyList<VerifiedKey> VerifiedKeys, string? Error)
{
    public bool IsVerifiedBy(string keyName, uint keyId) => VerifiedKeys.Contains(new VerifiedKey(keyName, keyId));
}

/// <summary>
/// A C2SP signed note: UTF-8 text ending in a newline, a blank line, then one or more lines
/// "— &lt;key name&gt; base64(key id ‖ signature)\n" (U+2014 EM DASH and a space). Signatures are over the text bytes.
/// </summary>
public sealed record SignedNote(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>"— " (U+2014 then a space) that starts every signature line.</summary>
    public const string SignaturePrefix = "\u2014 ";

    /// <summary>Upper bound on signature lines, as in golang.org/x/mod/sumdb/note.</summary>
    public const int MaxSignatures = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Signs <paramref name="text"/> with every signer, in order, and returns the encoded note.</summary>
    public static string Sign(string text, params IEnumerable<INoteSigner> signers) => new SignedNote(text, []).AddSignatures(signers).Encode();

    /// <summary>
    /// Adds signatures (e.g. a witness cosignature): existing lines from other keys stay, a line from the same key
    /// (name and id) is replaced.
    /// </summary>
    public SignedNote AddSignatures(params IEnumerable<INoteSigner> signers)
    {
        ValidateText(Text);
        byte[] message = Encoding.UTF8.GetBytes(Text);
        var signatures = Signatures.ToList();
        foreach (var signer in signers)
        {
            NoteKeys.ValidateKeyName(signer.KeyName);
            signatures.RemoveAll(s => s.KeyName == signer.KeyName && s.KeyId == signer.KeyId);
            signatures.Add(new NoteSignature(signer.KeyName, signer.KeyId, signer.Sign(message)));
        }

        return this with { Signatures = signatures };
    }

    public string Encode()
    {
        ValidateText(Text);
        if (Signatures.Count == 0)
        {
            throw new InvalidOperationException("A signed note needs at least one signature.");
        }

        var note = new StringBuilder(Text).Append('\n');
        foreach (var signature in Signatures)
        {
            note.Append(signature.ToLine());
        }

        return note.ToString();
    }

    /// <summary>Splits a note into text and signature lines without verifying anything.</summary>
    /// <exception cref="FormatException">Malformed note.</exception>
    public static SignedNote Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);

        // The signature block starts after the last blank line.
        int split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new FormatException("Malformed note: no blank line before the signatures.");
        }

        string text = note[..(split + 1)];
        string block = note[(split + 2)..];
        try
        {
            ValidateText(text);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Malformed note: {e.Message}");
        }

        if (block.Length == 0 || !block.EndsWith('\n'))
        {
            throw new FormatException("Malformed note: signature block is empty or lacks a final newline.");
        }

        var signatures = new List<NoteSignature>();
        foreach (var line in block[..^1].Split('\n'))
        {
            signatures.Add(ParseSignatureLine(line));
            if (signatures.Count > MaxSignatures)
            {
                throw new FormatException($"Malformed note: more than {MaxSignatures} signatures.");
            }
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>
    /// Verifies a note against known keys. A signature line whose (name, key id) matches no verifier is ignored;
    /// one that matches a verifier but does not verify rejects the whole note. At least one known key must verify.
    /// </summary>
    public static NoteVerificationResult Verify(string note, IEnumerable<INoteVerifier> verifiers)
    {
        SignedNote parsed;
        try
        {
            parsed = Parse(note);
        }
        catch (FormatException e)
        {
            return new NoteVerificationResult(false, null, [], e.Message);
        }

        var known = verifiers.ToList();
        byte[] message = Encoding.UTF8.GetBytes(parsed.Text);
        var verified = new List<VerifiedKey>();
        foreach (var signature in parsed.Signatures)
        {
            var matches = known.Where(v => v.KeyName == signature.KeyName && v.KeyId == signature.KeyId).ToList();
            if (matches.Count == 0)
            {
                continue;
            }

            if (!matches.Any(v => v.Verify(message, signature.Signature)))
            {
                return new NoteVerificationResult(false, parsed.Text, verified, $"Invalid signature for key {signature.KeyName}+{signature.KeyId:x8}.");
            }

            var key = new VerifiedKey(signature.KeyName, signature.KeyId);
            if (!verified.Contains(key))
            {
                verified.Add(key);
            }
        }

        return verified.Count == 0
            ? new NoteVerificationResult(false, parsed.Text, verified, "The note has no signature from a known key.")
            : new NoteVerificationResult(true, parsed.Text, verified, null);
    }

    private static NoteSignature ParseSignatureLine(string line)
    {
        if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            throw new FormatException("Malformed note: signature line does not start with \"— \".");
        }

        string rest = line[SignaturePrefix.Length..];
        int space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || rest.IndexOf(' ', space + 1) >= 0)
        {
            throw new FormatException("Malformed note: signature line must be \"— <name> <base64>\".");
        }

        string name = rest[..space];
        try
        {
            NoteKeys.ValidateKeyName(name);
        }
        catch (ArgumentException)
        {
            throw new FormatException($"Malformed note: bad key name \"{name}\".");
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(rest[(space + 1)..]);
        }
        catch (FormatException)
        {
            throw new FormatException("Malformed note: signature is not base64.");
        }

        if (blob.Length < 5)
        {
            throw new FormatException("Malformed note: signature is too short.");
        }

        return new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(blob), blob[4..]);
    }

    private static void ValidateText(string text)
    {
        if (string.IsNullOrEmpty(text) || !text.EndsWith('\n'))
        {
            throw new ArgumentException("Note text must be non-empty and end with a newline.");
        }

        if (text.Any(c => char.IsControl(c) && c != '\n'))
        {
            throw new ArgumentException("Note text must not contain control characters other than newline.");
        }

        try
        {
            StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("Note text is not valid Unicode.");
        }
    }
}
