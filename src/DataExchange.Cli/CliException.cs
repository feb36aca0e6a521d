using Grpc.Core;

namespace DataExchange.Cli;

/// <summary>
/// A failure the client detects itself (a malformed name, nothing to update, an unknown display name). It carries
/// the status code the service would have used, so it is reported and mapped to an exit code like a server error.
/// </summary>
internal sealed class CliException(string message, StatusCode code = StatusCode.InvalidArgument, int? exitCode = null) : Exception(message)
{
    public StatusCode Code { get; } = code;

    /// <summary>An exit code more specific than the status code's (see <see cref="ExitCodes"/>).</summary>
    public int? ExitCode { get; } = exitCode;
}
