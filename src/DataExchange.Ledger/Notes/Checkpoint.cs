using System.Globalization;
using System.Text;

namespace DataExchange.Ledger.Notes;

/// <summary>
/// A C2SP tlog-checkpoint: the body of a signed note stating a log's size and root hash.
/// Text form: "&lt;origin&gt;\n&lt;size&gt;\n&lt;base64 root&gt;\n" followed by optional extension lines.
/// </summary>
/// <param name="Origin">Schema-less URL naming the log, e.g. "exchange.example/ledger/trades".</param>
/// <param name="Size">Tree size (number of leaves).</param>
/// <param name="RootHash">RFC 9162 root hash for that size.</param>
public sealed record Checkpoint(string Origin, long Size, byte[] RootHash)
{
    /// <summary>Extra lines after the root (C2SP allows them; none are used by us). Each must be non-empty.</summary>
    public IReadOnlyList<string> Extensions { get; init; } = [];

    public string ToNoteText()
    {
        if (string.IsNullOrWhiteSpace(Origin) || Origin.Contains('\n', StringComparison.Ordinal) || Size < 0)
        {
            throw new InvalidOperationException("A checkpoint needs a one-line origin and a non-negative size.");
        }

        var text = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(RootHash)).Append('\n');
        foreach (var line in Extensions)
        {
            if (line.Length == 0 || line.Contains('\n', StringComparison.Ordinal))
            {
                throw new InvalidOperationException("Checkpoint extension lines must be single non-empty lines.");
            }

            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Parses the note text of a checkpoint (not the signature block; see <see cref="SignedNote.Parse"/>).</summary>
    /// <exception cref="FormatException">Not a well-formed checkpoint.</exception>
    public static Checkpoint Parse(string noteText)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        if (!noteText.EndsWith('\n'))
        {
            throw new FormatException("Checkpoint text must end with a newline.");
        }

        var lines = noteText[..^1].Split('\n');
        if (lines.Length < 3)
        {
            throw new FormatException("Checkpoint needs origin, size and root hash lines.");
        }

        if (lines[0].Length == 0)
        {
            throw new FormatException("Checkpoint origin is empty.");
        }

        // Decimal ASCII without sign or leading zeros, so each size has one spelling.
        string sizeText = lines[1];
        if (sizeText.Length == 0 || !sizeText.All(char.IsAsciiDigit) || (sizeText.Length > 1 && sizeText[0] == '0')
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            throw new FormatException($"Checkpoint size \"{sizeText}\" is not a canonical decimal number.");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("Checkpoint root hash is not valid base64.");
        }

        if (root.Length == 0 || Convert.ToBase64String(root) != lines[2])
        {
            throw new FormatException("Checkpoint root hash is not canonical base64.");
        }

        var extensions = lines[3..];
        if (extensions.Any(l => l.Length == 0))
        {
            throw new FormatException("Checkpoint has an empty extension line.");
        }

        return new Checkpoint(lines[0], size, root) { Extensions = extensions };
    }
}
