namespace DataExchange.Domain.Common;

/// <summary>What kind of failure a rule produced; the server maps each kind to one gRPC status.</summary>
public enum ErrorKind
{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    PermissionDenied,
    Aborted,
}

/// <summary>
/// A business rule said no. <see cref="Reason"/> is UPPER_SNAKE_CASE and stable (clients switch on it);
/// <see cref="Metadata"/> carries the facts a caller needs to fix the request, such as the current state.
/// </summary>
public sealed class DomainException(ErrorKind kind, string reason, string message, IReadOnlyDictionary<string, string>? metadata = null)
    : Exception(message)
{
    public ErrorKind Kind { get; } = kind;
    public string Reason { get; } = reason;
    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata ?? new Dictionary<string, string>();

    public static DomainException InvalidTransition(string resource, string currentState, string action) =>
        new(ErrorKind.FailedPrecondition, "INVALID_STATE_TRANSITION",
            $"Cannot {action} a {resource} in state {currentState}.",
            new Dictionary<string, string> { ["current_state"] = currentState, ["action"] = action });

    public static DomainException NotFound(string resource, string name) =>
        new(ErrorKind.NotFound, $"{resource.ToUpperInvariant()}_NOT_FOUND", $"{resource} {name} does not exist.",
            new Dictionary<string, string> { ["name"] = name });

    public static DomainException Denied(string reason, string message) =>
        new(ErrorKind.PermissionDenied, reason, message);
}
