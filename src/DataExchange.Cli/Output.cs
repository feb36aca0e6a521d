using System.Globalization;
using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DataExchange.Cli;

/// <summary>
/// Where results go: with --json exactly one protobuf JSON document on stdout, otherwise tables and labelled values for
/// people, laid out for <see cref="Width"/> columns. Commands hand over the response and a renderer; this class picks one.
/// </summary>
internal sealed class Output(bool json, TextWriter stdout, TextWriter stderr, int width = Output.DefaultWidth, bool terminal = false)
{
    /// <summary>The width when stdout is not a terminal and neither --width nor COLUMNS says otherwise.</summary>
    public const int DefaultWidth = 100;

    /// <summary>Narrower than this, nothing useful fits; --width and COLUMNS below it are raised to it.</summary>
    public const int MinWidth = 40;

    public const string ColumnsVariable = "COLUMNS";

    // Default values are written so scripts see every field (for example "exclusive": false), not only the set ones.
    private static readonly JsonFormatter Formatter =
        new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation("  "));

    private IAnsiConsole? console;

    public bool Json { get; } = json;

    public TextWriter Error { get; } = stderr;

    /// <summary>The columns people's output is laid out for.</summary>
    public int Width { get; } = Math.Max(MinWidth, width);

    public IAnsiConsole Console => console ??= CreateConsole(stdout, Width, terminal);

    /// <summary>
    /// --width, else COLUMNS, else the terminal's width when stdout is one, else <see cref="DefaultWidth"/>.
    /// </summary>
    public static int ResolveWidth(int? option, string? columnsVariable, bool stdoutIsTerminal, Func<int> terminalWidth)
    {
        if (option is > 0)
        {
            return option.Value;
        }

        if (int.TryParse(columnsVariable, NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0)
        {
            return columns;
        }

        if (stdoutIsTerminal)
        {
            try
            {
                var terminal = terminalWidth();
                if (terminal > 0)
                {
                    return terminal;
                }
            }
            catch (IOException)
            {
                // No console after all: the default below.
            }
        }

        return DefaultWidth;
    }

    // Styles (bold headers, grey hints) only on a terminal: piped and captured output is plain text.
    private static IAnsiConsole CreateConsole(TextWriter writer, int width, bool terminal)
    {
        var plain = !terminal || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var created = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        created.Profile.Width = width;
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

    /// <summary>A title over labelled values; empty values are left out; values wrap at spaces, identifiers never split.</summary>
    public static DetailsBlock Details(string header, IEnumerable<(string Label, string? Value)> rows) => new(header, rows);

    /// <summary>
    /// A table of plain-text cells (never parsed as markup, since values come from users), laid out for the console's
    /// width: see <see cref="TextLayout"/>.
    /// </summary>
    public static TextTable Table(IReadOnlyList<Col> columns, IEnumerable<IReadOnlyList<string>> rows) => new(columns, rows);

    /// <summary>How to fetch the next page, printed under a partial list.</summary>
    public static IRenderable NextPageHint(string nextPageToken) =>
        new Text($"More results: --page-token {nextPageToken} (or --all)", new Style(Color.Grey));
}
