using System.Text;

namespace DataExchange.Compliance.NegativeLists;

/// <summary>
/// Keyword matching between free declaration strings and list keys. Both sides are normalised the same way:
/// full-width forms folded to ASCII, lower-cased (invariant), every character that is not a letter or digit made a
/// space, runs of spaces collapsed. A key containing Chinese (any non-ASCII letter) matches as a substring of the text
/// with spaces removed, since Chinese has no word boundaries. An ASCII key matches as a whole-word sequence, a text word
/// also matching a key word plus "s" or "es", so that "car" finds "cars" but not "carbon" and "ai" not "retail".
/// </summary>
internal static class KeyText
{
    public static string Normalise(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length);
        var space = true; // suppress leading spaces
        foreach (var raw in text)
        {
            var c = raw switch
            {
                >= '\uFF01' and <= '\uFF5E' => (char)(raw - 0xFEE0), // full-width ASCII forms
                '\u3000' => ' ',
                _ => raw,
            };
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else if (!space)
            {
                sb.Append(' ');
                space = true;
            }
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>True when normalised <paramref name="text"/> contains normalised <paramref name="key"/> (see type remarks).</summary>
    public static bool Contains(string text, string key)
    {
        if (key.Length == 0 || text.Length == 0) return false;
        if (key.Any(c => c > '\u007F'))
            return text.Replace(" ", "", StringComparison.Ordinal).Contains(key.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var words = AsciiWords(text);
        var keyWords = key.Split(' ');
        for (var i = 0; i + keyWords.Length <= words.Count; i++)
        {
            var all = true;
            for (var j = 0; j < keyWords.Length && all; j++)
                all = WordMatches(words[i + j], keyWords[j]);
            if (all) return true;
        }
        return false;
    }

    public static bool ContainsAny(string text, IEnumerable<string> keys) => keys.Any(k => Contains(text, k));

    private static bool WordMatches(string word, string key) =>
        string.Equals(word, key, StringComparison.Ordinal)
        || (word.Length == key.Length + 1 && word.EndsWith('s') && word.StartsWith(key, StringComparison.Ordinal))
        || (word.Length == key.Length + 2 && word.EndsWith("es", StringComparison.Ordinal) && word.StartsWith(key, StringComparison.Ordinal));

    // Maximal runs of ASCII letters and digits: "ai训练数据" gives ["ai"], "r d results" gives ["r", "d", "results"].
    private static List<string> AsciiWords(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var ascii = i < text.Length && text[i] <= '\u007F' && char.IsLetterOrDigit(text[i]);
            if (ascii && start < 0) start = i;
            else if (!ascii && start >= 0)
            {
                words.Add(text[start..i]);
                start = -1;
            }
        }
        return words;
    }
}
