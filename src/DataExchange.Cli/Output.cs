using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DataExchange.Cli;

/// <summary>
/// Where results go: with --json exactly one protobuf JSON document on stdout, otherwise Spectre.Console tables
/// and key-value panels for people. Commands hand over the response and a renderer; this class picks one.
/// </summary>
internal sealed class Output(bool json, TextWriter stdout, TextWriter stderr)
{
    // Default values are written so scripts see every field (for example "exclusive": false), not only the set ones.
    private static readonly JsonFormatter Formatter =
        new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation("  "));

    private IAnsiConsole? console;

    public bool Json { get; } = json;

    public TextWriter Error { get; } = stderr;

    public IAnsiConsole Console => console ??= CreateConsole(stdout);

    // Piped or captured output has no terminal width; Spectre would assume 80 columns and fold resource names,
    // which breaks copy-paste and grep. Use a wide virtual width instead.
    private const int RedirectedWidth = 240;

    private static IAnsiConsole CreateConsole(TextWriter writer)
    {
        var created = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (!created.Profile.Out.IsTerminal)
        {
            created.Profile.Width = RedirectedWidth;
        }

        return created;
    }

    public static string ToJson(IMessage message) => Formatter.Format(message);

    /// <summary>Writes the message as JSON, or lets <paramref name="renderForPeople"/> draw it.</summary>
    public void Show(IMessage message, Action<IAnsiConsole> renderForPeople)
    {
        if (Json)
        {
            stdout.WriteLine(ToJson(message));
        }
        else
        {
            renderForPeople(Console);
        }
    }

    /// <summary>Writes JSON made elsewhere (for what is not an API message, such as the offline rule sets).</summary>
    public void WriteJson(string json) => stdout.WriteLine(json);

    /// <summary>A two-column panel of labelled values; empty values are left out.</summary>
    public static Panel Details(string header, IEnumerable<(string Label, string? Value)> rows)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (label, value) in rows)
        {
            if (!string.IsNullOrEmpty(value))
            {
                grid.AddRow(new Text(label, new Style(decoration: Decoration.Bold)), new Text(value));
            }
        }

        return new Panel(grid) { Header = new PanelHeader(Markup.Escape(header)), Border = BoxBorder.Rounded, Expand = false };
    }

    /// <summary>
    /// A table whose cells are plain text (never parsed as markup, since values come from users). Columns named in
    /// <paramref name="noWrap"/> (resource names) are kept on one line; the others wrap when the table is too wide.
    /// </summary>
    public static Table Table(IEnumerable<string> headers, IEnumerable<IEnumerable<string>> rows, IReadOnlyCollection<string>? noWrap = null)
    {
        var table = new Table { Border = TableBorder.Rounded };
        foreach (var header in headers)
        {
            var column = new TableColumn(new Text(header, new Style(decoration: Decoration.Bold)));
            if (noWrap?.Contains(header) == true)
            {
                column.NoWrap();
            }

            table.AddColumn(column);
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(IRenderable (cell) => new Text(cell)));
        }

        return table;
    }

    /// <summary>How to fetch the next page, printed under a partial list.</summary>
    public static IRenderable NextPageHint(string nextPageToken) =>
        new Text($"More results: --page-token {nextPageToken} (or --all)", new Style(Color.Grey));
}
