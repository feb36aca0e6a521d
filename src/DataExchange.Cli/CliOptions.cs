using System.CommandLine;
using System.CommandLine.Parsing;

namespace DataExchange.Cli;

/// <summary>Builders for options that recur across command groups.</summary>
internal static class CliOptions
{
    /// <summary>
    /// An enum option typed by its kebab-case names ("--sector ai-training"); unknown names are parse errors.
    /// <paramref name="allowed"/> narrows the choices when only some values make sense ("--kind" of an approval).
    /// </summary>
    public static Option<TEnum> Enum<TEnum>(string name, string description, bool required = false, IReadOnlyList<TEnum>? allowed = null)
        where TEnum : struct, System.Enum => new(name)
        {
            Description = DescribeChoices(description, ChoiceNames(allowed)),
            HelpName = HelpNameFor(name, ChoiceNames(allowed)),
            Required = required,
            CustomParser = result => ParseEnum(result, result.Tokens.Count == 0 ? "" : result.Tokens[^1].Value, allowed),
        };

    /// <summary>A repeatable enum option ("--role vendor --role buyer").</summary>
    public static Option<TEnum[]> EnumList<TEnum>(string name, string description, bool required = false)
        where TEnum : struct, System.Enum => new(name)
        {
            Description = DescribeChoices(description, ChoiceNames<TEnum>(null)) + " (repeatable)",
            HelpName = HelpNameFor(name, ChoiceNames<TEnum>(null)),
            Required = required,
            Arity = required ? ArgumentArity.OneOrMore : ArgumentArity.ZeroOrMore,
            CustomParser = result => [.. result.Tokens.Select(t => ParseEnum<TEnum>(result, t.Value, null))],
        };

    /// <summary>A calendar date typed as YYYY-MM-DD (the API's date format); anything else is a parse error.</summary>
    public static Option<DateOnly> Date(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        HelpName = "YYYY-MM-DD",
        Required = required,
        CustomParser = result =>
        {
            var token = result.Tokens.Count == 0 ? "" : result.Tokens[^1].Value.Trim();
            if (Formatting.TryParseDate(token, out var date))
            {
                return date;
            }

            result.AddError($"'{token}' is not a valid date for {name}; expected YYYY-MM-DD, for example 2024-03-22.");
            return default;
        },
    };

    /// <summary>The idempotency key of a change; a fresh UUIDv7 when not given.</summary>
    public static Option<string> RequestId() => new("--request-id")
    {
        Description = "Idempotency key; reuse it to retry a change safely [default: a new UUIDv7]",
        HelpName = "id",
    };

    public static Option<string> Etag() => new("--etag")
    {
        Description = "Only apply if the resource is still at this etag (optimistic concurrency)",
    };

    public static Option<string> Reason(string description = "Why (recorded with the change)", bool required = false) => new("--reason")
    {
        Description = description,
        Required = required,
    };

    public static string RequestIdOrNew(ParseResult result, Option<string> option) =>
        result.GetValue(option) is { Length: > 0 } given ? given.Trim() : Guid.CreateVersion7().ToString();

    /// <summary>True when the option appeared on the command line (not merely defaulted).</summary>
    public static bool IsGiven(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };

    // Short choice lists read best inline ("<api|file>"); long ones would push every description off screen.
    private const int InlineChoicesMaxLength = 40;

    private static IReadOnlyList<string> ChoiceNames<TEnum>(IReadOnlyList<TEnum>? allowed) where TEnum : struct, System.Enum =>
        allowed is null ? EnumNames.Choices<TEnum>() : [.. allowed.Select(EnumNames.Format)];

    private static string HelpNameFor(string optionName, IReadOnlyList<string> choices)
    {
        var inline = string.Join('|', choices);
        return inline.Length <= InlineChoicesMaxLength ? inline : optionName.TrimStart('-');
    }

    private static string DescribeChoices(string description, IReadOnlyList<string> choices)
    {
        var inline = string.Join('|', choices);
        return inline.Length <= InlineChoicesMaxLength ? description : $"{description}: {string.Join(", ", choices)}";
    }

    private static TEnum ParseEnum<TEnum>(ArgumentResult result, string token, IReadOnlyList<TEnum>? allowed) where TEnum : struct, System.Enum
    {
        if (EnumNames.TryParse<TEnum>(token, out var value) && (allowed is null || allowed.Contains(value)))
        {
            return value;
        }

        result.AddError($"'{token}' is not a valid value; expected one of: {string.Join(", ", ChoiceNames(allowed))}.");
        return default;
    }
}

/// <summary>--page-size, --page-token and --all for list commands.</summary>
internal sealed class PagingOptions
{
    public Option<int> PageSize { get; } = new("--page-size")
    {
        Description = "Results per page, 1..200 [server default: 50]",
        HelpName = "n",
    };

    public Option<string> PageToken { get; } = new("--page-token")
    {
        Description = "Continue from the next_page_token of an earlier call (same filters)",
        HelpName = "token",
    };

    public Option<bool> All { get; } = new("--all")
    {
        Description = "Follow next_page_token until the last page and show everything",
    };

    public void AddTo(Command command)
    {
        command.Add(PageSize);
        command.Add(PageToken);
        command.Add(All);
    }

    /// <summary>
    /// Calls <paramref name="fetchPage"/> once, or with --all until next_page_token is empty, and merges the pages.
    /// </summary>
    public async Task<TResponse> FetchAsync<TResponse>(ParseResult result, Func<int, string, Task<TResponse>> fetchPage,
        Func<TResponse, string> nextPageToken, Action<TResponse, TResponse> appendPage)
    {
        var pageSize = result.GetValue(PageSize);
        var first = await fetchPage(pageSize, result.GetValue(PageToken) ?? "");
        if (!result.GetValue(All))
        {
            return first;
        }

        var current = first;
        // A bound on pages protects against a server that keeps returning the same token.
        for (var pages = 1; nextPageToken(current) is { Length: > 0 } token && pages < 100_000; pages++)
        {
            current = await fetchPage(pageSize, token);
            appendPage(first, current);
        }

        return first;
    }
}
