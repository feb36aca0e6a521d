using System.CommandLine;
using DataExchange.Cli;

namespace DataExchange.Cli.Tests;

internal static class TestSupport
{
    /// <summary>Parses a command line with the real command tree and returns the command it selected.</summary>
    public static (TCommand Command, ParseResult Result) Parse<TCommand>(string commandLine) where TCommand : Command
    {
        var result = Program.BuildRootCommand().Parse(commandLine);
        Assert.Empty(result.Errors.Select(e => e.Message));
        return (Assert.IsType<TCommand>(result.CommandResult.Command), result);
    }

    public static IReadOnlyList<string> ParseErrors(string commandLine) =>
        [.. Program.BuildRootCommand().Parse(commandLine).Errors.Select(e => e.Message)];

    public const string ListingId = "0199b0a4-1c2d-7e3f-8a4b-5c6d7e8f9a0b";
    public const string ListingName = "listings/" + ListingId;
    public const string ParticipantId = "0199b0a4-aaaa-7bbb-8ccc-dddddddddddd";
    public const string ParticipantName = "participants/" + ParticipantId;

    public static void AssertUuidV7(string requestId)
    {
        var id = Guid.Parse(requestId);
        Assert.Equal(7, id.Version);
    }
}
