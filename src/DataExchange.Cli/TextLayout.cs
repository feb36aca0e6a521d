using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DataExchange.Cli;

/// <summary>What a table cell holds, which decides what may be done to it when the table is too wide.</summary>
internal enum CellKind
{
    /// <summary>Free text (titles, display names, descriptions): cut with an ellipsis when the table is too wide.</summary>
    Text,

    /// <summary>A short value (date, state, amount, count): never cut.</summary>
    Fixed,

    /// <summary>An identifier (resource name, UUID, filing or reference number): never cut and never split across lines.</summary>
    Id,
}

/// <summary>
/// One column: its header, what it holds, and when it goes. <paramref name="Drop"/> 0 is a key column, always shown;
/// columns with higher values are left out first when the terminal is too narrow. <paramref name="MinWidth"/>: the
/// narrowest free text is cut to before another column goes (default <see cref="TextLayout.MinCutWidth"/>).
/// </summary>
internal sealed record Col(string Header, CellKind Kind = CellKind.Text, int Drop = 0, int MinWidth = 0);

/// <summary>
/// Tables and labelled values laid out for a given width, by hand (no borders, so 80 columns go further): columns that
/// do not fit are left out, lowest priority first, free text is cut with an ellipsis, and when even the key columns do
/// not fit, every row is shown as "label  value" lines. Identifiers are never cut or split across lines.
/// </summary>
internal static class TextLayout
{
    /// <summary>The narrowest a value column of labelled values wraps in; narrower, values go under their labels.</summary>
    public const int MinTextWidth = 10;

    /// <summary>
    /// The narrowest a free-text table column is cut to (its header may be wider): below this a column says too little,
    /// and a column of lower priority is left out instead.
    /// </summary>
    public const int MinCutWidth = 16;

    private const string Gap = "  ";
    private const char Ellipsis = '…';

    /// <summary>The lines of a table at <paramref name="width"/> columns, and the headers of the columns left out.</summary>
    public static (IReadOnlyList<string> Lines, IReadOnlyList<string> Hidden, bool Vertical) Table(
        IReadOnlyList<Col> columns, IReadOnlyList<IReadOnlyList<string>> rows, int width)
    {
        var cells = rows.Select(r => columns.Select((_, i) => (i < r.Count ? r[i] ?? "" : "").Replace("\r", "", StringComparison.Ordinal).Split('\n')).ToArray()).ToArray();
        var natural = columns.Select((c, i) => Math.Max(Width(c.Header), cells.Select(r => r[i].Max(Width)).DefaultIfEmpty(0).Max())).ToArray();
        var minimum = columns.Select((c, i) => c.Kind == CellKind.Text
            ? Math.Min(natural[i], Math.Max(Width(c.Header), c.MinWidth > 0 ? c.MinWidth : MinCutWidth))
            : natural[i]).ToArray();
        var shown = Enumerable.Range(0, columns.Count).ToList();
        var hidden = new List<int>();
        while (shown.Sum(i => minimum[i]) + (Gap.Length * (shown.Count - 1)) > width)
        {
            var droppable = shown.Where(i => columns[i].Drop > 0).ToList();
            if (droppable.Count == 0)
            {
                return (Vertical(columns, rows, width), [], true);
            }

            var drop = droppable.OrderByDescending(i => columns[i].Drop).ThenByDescending(i => i).First();
            shown.Remove(drop);
            hidden.Add(drop);
        }

        // Shrink the widest free-text column, one column of characters at a time, until the table fits.
        var widths = natural.ToArray();
        while (shown.Sum(i => widths[i]) + (Gap.Length * (shown.Count - 1)) > width)
        {
            var widest = shown.Where(i => widths[i] > minimum[i]).OrderByDescending(i => widths[i]).ThenByDescending(i => i).First();
            widths[widest]--;
        }

        var lines = new List<string> { Row(shown, widths, i => columns[i].Header) };
        lines.Add(Row(shown, widths, i => new string('─', widths[i])));
        foreach (var row in cells)
        {
            var height = shown.Max(i => row[i].Length);
            for (var line = 0; line < height; line++)
            {
                lines.Add(Row(shown, widths, i => line < row[i].Length ? Cut(row[i][line], widths[i]) : ""));
            }
        }

        return (lines, [.. hidden.Order().Select(i => columns[i].Header)], false);
    }

    /// <summary>Each row as "label  value" lines, rows apart by a blank line.</summary>
    public static IReadOnlyList<string> Vertical(IReadOnlyList<Col> columns, IReadOnlyList<IReadOnlyList<string>> rows, int width)
    {
        var lines = new List<string>();
        foreach (var row in rows)
        {
            if (lines.Count > 0)
            {
                lines.Add("");
            }

            lines.AddRange(Labelled(columns.Select((c, i) => (c.Header, (string?)(i < row.Count ? row[i] : ""))), width, indent: 0));
        }

        return lines;
    }

    /// <summary>
    /// "label  value" lines; values wrap at spaces under their column. A value with a word too long for that column
    /// goes on the lines below its label, indented by two more.
    /// </summary>
    public static IReadOnlyList<string> Labelled(IEnumerable<(string Label, string? Value)> rows, int width, int indent = 2)
    {
        var shown = rows.Where(r => !string.IsNullOrEmpty(r.Value)).ToList();
        if (shown.Count == 0)
        {
            return [];
        }

        var labelWidth = shown.Max(r => Width(r.Label));
        var valueColumn = indent + labelWidth + Gap.Length;
        var pad = new string(' ', indent);
        var lines = new List<string>();
        foreach (var (label, value) in shown)
        {
            var available = width - valueColumn;
            var words = value!.Replace("\r", "", StringComparison.Ordinal).Split('\n').SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (available >= MinTextWidth && words.All(w => Width(w) <= available))
            {
                var wrapped = Wrap(value, available);
                lines.Add(TrimEnd(pad + PadRight(label, labelWidth) + Gap + wrapped[0]));
                lines.AddRange(wrapped.Skip(1).Select(l => TrimEnd(new string(' ', valueColumn) + l)));
            }
            else
            {
                lines.Add(pad + label);
                var deeper = indent + 2;
                lines.AddRange(Wrap(value, Math.Max(1, width - deeper)).Select(l => TrimEnd(new string(' ', deeper) + l)));
            }
        }

        return lines;
    }

    /// <summary>Greedy word wrap at spaces; a word longer than the width has a line to itself and is never split.</summary>
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var line = new StringBuilder();
            var lineWidth = 0;
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var wordWidth = Width(word);
                if (lineWidth > 0 && lineWidth + 1 + wordWidth > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                    lineWidth = 0;
                }

                if (lineWidth > 0)
                {
                    line.Append(' ');
                    lineWidth++;
                }

                line.Append(word);
                lineWidth += wordWidth;
            }

            lines.Add(line.ToString());
        }

        return lines;
    }

    /// <summary>The text cut to <paramref name="width"/> columns, ending in an ellipsis when it was longer.</summary>
    public static string Cut(string text, int width)
    {
        if (Width(text) <= width)
        {
            return text;
        }

        var cut = new StringBuilder();
        var used = 0;
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext())
        {
            var element = e.GetTextElement();
            var w = Width(element);
            if (used + w > width - 1)
            {
                break;
            }

            cut.Append(element);
            used += w;
        }

        return cut.ToString().TrimEnd() + Ellipsis;
    }

    /// <summary>Terminal columns the text takes: East Asian wide and full-width characters take two, combining marks none.</summary>
    public static int Width(string text)
    {
        var width = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            width += Width(rune);
        }

        return width;
    }

    private static int Width(Rune rune)
    {
        var value = rune.Value;
        if (value < 0x20 || (value >= 0x7F && value < 0xA0))
        {
            return 0;
        }

        var category = Rune.GetUnicodeCategory(rune);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format)
        {
            return 0;
        }

        return IsWide(value) ? 2 : 1;
    }

    private static bool IsWide(int c) =>
        c is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0x303E) or (>= 0x3041 and <= 0x33FF) or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x4E00 and <= 0x9FFF) or (>= 0xA000 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60) or (>= 0xFFE0 and <= 0xFFE6) or (>= 0x1F300 and <= 0x1F64F)
            or (>= 0x1F900 and <= 0x1F9FF) or (>= 0x20000 and <= 0x3FFFD);

    private static string PadRight(string text, int width) => text + new string(' ', Math.Max(0, width - Width(text)));

    private static string TrimEnd(string text) => text.TrimEnd(' ');

    private static string Row(List<int> shown, int[] widths, Func<int, string> cell) =>
        TrimEnd(string.Join(Gap, shown.Select(i => PadRight(cell(i), widths[i]))));
}

/// <summary>A table for Spectre's console, laid out by <see cref="TextLayout"/> at the console's width.</summary>
internal sealed class TextTable(IReadOnlyList<Col> columns, IEnumerable<IReadOnlyList<string>> rows) : IRenderable
{
    private readonly IReadOnlyList<IReadOnlyList<string>> rows = [.. rows];

    public IReadOnlyList<Col> Columns { get; } = columns;

    public IReadOnlyList<IReadOnlyList<string>> Rows => rows;

    public Measurement Measure(RenderOptions options, int maxWidth) => new(Math.Min(maxWidth, TextLayout.MinTextWidth), maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        var (lines, hidden, vertical) = TextLayout.Table(Columns, rows, maxWidth);
        var segments = new List<Segment>();
        for (var i = 0; i < lines.Count; i++)
        {
            // The header line is bold; in the vertical layout every line is a value.
            segments.Add(new Segment(lines[i], !vertical && i == 0 ? new Style(decoration: Decoration.Bold) : Style.Plain));
            segments.Add(Segment.LineBreak);
        }

        if (hidden.Count > 0)
        {
            var note = $"Not shown at {maxWidth.ToString(CultureInfo.InvariantCulture)} columns: {string.Join(", ", hidden)} (a wider terminal, --width or --json shows them).";
            foreach (var line in TextLayout.Wrap(note, maxWidth))
            {
                segments.Add(new Segment(line, new Style(Color.Grey)));
                segments.Add(Segment.LineBreak);
            }
        }

        return segments;
    }
}

/// <summary>A title and labelled values, wrapped to the console's width; empty values are left out.</summary>
internal sealed class DetailsBlock(string title, IEnumerable<(string Label, string? Value)> rows) : IRenderable
{
    private readonly IReadOnlyList<(string Label, string? Value)> rows = [.. rows];

    public string Title { get; } = title;

    public IReadOnlyList<(string Label, string? Value)> Rows => rows;

    public Measurement Measure(RenderOptions options, int maxWidth) => new(Math.Min(maxWidth, TextLayout.MinTextWidth), maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        var segments = new List<Segment>();
        foreach (var line in TextLayout.Wrap(Title, maxWidth))
        {
            segments.Add(new Segment(line, new Style(decoration: Decoration.Bold)));
            segments.Add(Segment.LineBreak);
        }

        foreach (var line in TextLayout.Labelled(rows, maxWidth))
        {
            segments.Add(new Segment(line));
            segments.Add(Segment.LineBreak);
        }

        segments.Add(Segment.LineBreak);
        return segments;
    }
}
