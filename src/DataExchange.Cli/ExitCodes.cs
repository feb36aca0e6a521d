using Grpc.Core;

namespace DataExchange.Cli;

/// <summary>Process exit codes, grouped so scripts can tell "fix your input" from "retry later".</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Anything not covered below (unknown, cancelled, resource exhausted).</summary>
    public const int Failure = 1;

    /// <summary>The request itself is wrong: bad arguments, INVALID_ARGUMENT, OUT_OF_RANGE.</summary>
    public const int InvalidInput = 2;

    /// <summary>The request is well-formed but refused: NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION, ABORTED.</summary>
    public const int Refused = 3;

    /// <summary>The service could not answer: UNAVAILABLE, INTERNAL, DATA_LOSS, DEADLINE_EXCEEDED, UNIMPLEMENTED, or health not SERVING.</summary>
    public const int Unavailable = 4;

    /// <summary>dx receipt verify: the receipt was read but does not verify (a field fails its check).</summary>
    public const int ReceiptInvalid = 5;

    /// <summary>dx receipt verify: a JSON file, but not a receipt format this dx reads (no or an unknown format version).</summary>
    public const int UnknownReceiptFormat = 6;

    /// <summary>dx receipt verify: the file is not JSON at all.</summary>
    public const int NotJson = 7;

    /// <summary>No answer from the service: connection refused, unknown host, failed TLS handshake, connection closed.</summary>
    public const int NoConnection = 8;

    /// <summary>The log forked: two checkpoints it signed that no consistency proof joins (a split view). Both notes are kept as evidence.</summary>
    public const int LogForked = 9;

    /// <summary>The log rolled back: asked for its latest, it presented less than a checkpoint it signed before. Both notes are kept as evidence.</summary>
    public const int LogRolledBack = 10;

    /// <summary>Shown at the end of <c>dx --help</c>.</summary>
    public const string HelpText =
        """
        Exit codes:
          0  success
          1  other failure (UNKNOWN, CANCELLED, RESOURCE_EXHAUSTED)
          2  usage error or invalid input: unknown command or option, bad arguments, INVALID_ARGUMENT, OUT_OF_RANGE
          3  refused: NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION, ABORTED
          4  service unavailable: UNAVAILABLE, INTERNAL, DATA_LOSS, DEADLINE_EXCEEDED, UNIMPLEMENTED; health not SERVING
          5  receipt verify: the receipt does not verify
          6  receipt verify: missing or unknown receipt format version
          7  receipt verify: the file is not JSON
          8  no connection: the server cannot be reached at the address (refused, unknown host, TLS handshake, connection closed)
          9  the log forked: two signed checkpoints that no consistency proof joins (a split view); both notes are written as evidence
         10  the log rolled back: its latest checkpoint is smaller than one it signed before; both notes are written as evidence
        """;

    public static int For(StatusCode code) => code switch
    {
        StatusCode.OK => Success,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => InvalidInput,
        StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.PermissionDenied or StatusCode.Unauthenticated
            or StatusCode.FailedPrecondition or StatusCode.Aborted => Refused,
        StatusCode.Unavailable or StatusCode.Internal or StatusCode.DataLoss or StatusCode.DeadlineExceeded
            or StatusCode.Unimplemented => Unavailable,
        _ => Failure,
    };
}
