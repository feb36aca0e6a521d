using System.Text;
using DataExchange.Domain.Common;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Builds the rich errors every RPC returns: a google.rpc.Status with ErrorInfo (domain "dataexchange"), bounded by
/// <see cref="ErrorBounds"/> so that no request, however large, draws a large error.
/// </summary>
public static class RpcErrors
{
    /// <summary>The error details the API sends, so that their JSON (REST) carries their fields, not an opaque Any.</summary>
    public static readonly Google.Protobuf.Reflection.TypeRegistry DetailTypes =
        Google.Protobuf.Reflection.TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor, Google.Rpc.StatusReflection.Descriptor);

    public const string Domain = "dataexchange";

    /// <summary>How long a client should wait before retrying a call that failed because the database is unreachable.</summary>
    public static readonly TimeSpan DatabaseRetryDelay = TimeSpan.FromSeconds(1);

    public static RpcException Create(Code code, string reason, string message,
        IReadOnlyDictionary<string, string>? metadata = null, BadRequest? badRequest = null, RetryInfo? retry = null)
    {
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                info.Metadata[key] = value;
            }
        }

        var status = new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(info) } };
        if (badRequest is not null)
        {
            status.Details.Add(Any.Pack(badRequest));
        }

        if (retry is not null)
        {
            status.Details.Add(Any.Pack(retry));
        }

        return ErrorBounds.Apply(status).ToRpcException();
    }

    /// <summary>
    /// The one mapping of a domain error to a gRPC status: handlers throw <see cref="DomainException"/> and the
    /// <see cref="ErrorInterceptor"/> calls this on the way out.
    /// </summary>
    public static RpcException From(DomainException e) => Create(e.Kind switch
    {
        ErrorKind.InvalidArgument => Code.InvalidArgument,
        ErrorKind.NotFound => Code.NotFound,
        ErrorKind.AlreadyExists => Code.AlreadyExists,
        ErrorKind.FailedPrecondition => Code.FailedPrecondition,
        ErrorKind.PermissionDenied => Code.PermissionDenied,
        ErrorKind.Aborted => Code.Aborted,
        _ => Code.Internal,
    }, e.Reason, e.Message, e.Metadata);

    public static RpcException Unauthenticated(string reason, string message) =>
        Create(Code.Unauthenticated, reason, message);

    public static RpcException Aborted(string message) =>
        Create(Code.Aborted, "CONCURRENT_MODIFICATION", message);

    /// <summary>UNAVAILABLE / DATABASE_UNAVAILABLE with a RetryInfo: the call may be retried as it is.</summary>
    public static RpcException DatabaseUnavailable() =>
        Create(Code.Unavailable, "DATABASE_UNAVAILABLE", "The exchange's database is unavailable; retry later.",
            retry: new RetryInfo { RetryDelay = Duration.FromTimeSpan(DatabaseRetryDelay) });

    /// <summary>
    /// INVALID_ARGUMENT / MALFORMED_REQUEST: the request body is not a valid protobuf encoding of its message (broken
    /// bytes, a truncated message, an invalid wire type, invalid UTF-8 in a string field, nesting too deep).
    /// </summary>
    public static RpcException MalformedRequest(string messageType, string problem) =>
        Create(Code.InvalidArgument, "MALFORMED_REQUEST",
            $"The request is not a valid {messageType}: {problem}",
            new Dictionary<string, string> { ["message_type"] = messageType });

    /// <summary>
    /// Any error on its way out, made to follow the rules: an ErrorInfo in the dataexchange domain (a bare status gets
    /// one whose reason is its code) and within <see cref="ErrorBounds"/>. Returns <paramref name="e"/> itself when it
    /// already does.
    /// </summary>
    public static RpcException Conform(RpcException e)
    {
        var status = e.GetRpcStatus();
        if (status is null)
        {
            status = new Google.Rpc.Status
            {
                Code = (int)e.StatusCode,
                Message = e.Status.Detail,
                Details = { Any.Pack(new ErrorInfo { Reason = ReasonOf(e.StatusCode), Domain = Domain }) },
            };
            return ErrorBounds.Apply(status).ToRpcException();
        }

        return ErrorBounds.IsWithin(status) ? e : ErrorBounds.Apply(status).ToRpcException();
    }

    /// <summary>"DEADLINE_EXCEEDED" for StatusCode.DeadlineExceeded.</summary>
    public static string ReasonOf(StatusCode code)
    {
        var name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(name[i]));
        }

        return builder.ToString();
    }
}

/// <summary>
/// One rule bounds every error the server sends, whatever the request held: at most
/// <see cref="MaxFieldViolations"/> field violations (the message says how many there were), text that may echo the
/// caller's input cut to <see cref="MaxEchoChars"/> characters (metadata values, violation descriptions are cut to
/// <see cref="MaxDescriptionChars"/>), the message to <see cref="MaxMessageBytes"/> bytes of UTF-8, and the whole
/// serialized google.rpc.Status to <see cref="MaxStatusBytes"/> bytes (its base64 trailer under 4 KiB): details are
/// dropped, least important first, until it fits.
/// </summary>
public static class ErrorBounds
{
    public const int MaxFieldViolations = 10;
    public const int MaxEchoChars = 64;
    public const int MaxFieldNameChars = 128;
    public const int MaxDescriptionChars = 256;
    public const int MaxMetadataEntries = 16;
    public const int MaxMessageBytes = 512;
    public const int MaxStatusBytes = 3072;

    private const string Ellipsis = "…";

    /// <summary>A value from the request, fit to quote in an error: at most <see cref="MaxEchoChars"/> characters.</summary>
    public static string Echo(string? value) => Cut(value ?? "", MaxEchoChars);

    public static bool IsWithin(Google.Rpc.Status status)
    {
        if (status.CalculateSize() > MaxStatusBytes || Encoding.UTF8.GetByteCount(status.Message) > MaxMessageBytes)
        {
            return false;
        }

        foreach (var detail in status.Details)
        {
            if (detail.TryUnpack<ErrorInfo>(out var info) && (info.Metadata.Count > MaxMetadataEntries
                    || info.Metadata.Any(m => m.Key.Length > MaxEchoChars || m.Value.Length > MaxEchoChars)))
            {
                return false;
            }

            if (detail.TryUnpack<BadRequest>(out var bad) && (bad.FieldViolations.Count > MaxFieldViolations
                    || bad.FieldViolations.Any(v => v.Field.Length > MaxFieldNameChars || v.Description.Length > MaxDescriptionChars)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The status cut down to the bounds (a copy; the argument is not changed).</summary>
    public static Google.Rpc.Status Apply(Google.Rpc.Status original)
    {
        var status = new Google.Rpc.Status { Code = original.Code, Message = original.Message };
        var dropped = 0;
        foreach (var detail in original.Details)
        {
            if (detail.TryUnpack<ErrorInfo>(out var info))
            {
                var bounded = new ErrorInfo { Reason = Cut(info.Reason, MaxEchoChars), Domain = info.Domain };
                foreach (var (key, value) in info.Metadata.Take(MaxMetadataEntries))
                {
                    bounded.Metadata[Cut(key, MaxEchoChars)] = Cut(value, MaxEchoChars);
                }

                status.Details.Add(Any.Pack(bounded));
            }
            else if (detail.TryUnpack<BadRequest>(out var bad))
            {
                var bounded = new BadRequest();
                bounded.FieldViolations.AddRange(bad.FieldViolations.Take(MaxFieldViolations).Select(v => new BadRequest.Types.FieldViolation
                {
                    Field = Cut(v.Field, MaxFieldNameChars),
                    Description = Cut(v.Description, MaxDescriptionChars),
                }));
                dropped = bad.FieldViolations.Count - bounded.FieldViolations.Count;
                status.Details.Add(Any.Pack(bounded));
            }
            else
            {
                status.Details.Add(detail);
            }
        }

        if (dropped > 0 && !status.Message.Contains("more)", StringComparison.Ordinal))
        {
            status.Message += $" ({dropped} more violations not listed)";
        }

        status.Message = CutUtf8(status.Message, MaxMessageBytes);

        // Still too large (many large details): drop details from the last, but keep the ErrorInfo.
        for (var i = status.Details.Count - 1; i >= 0 && status.CalculateSize() > MaxStatusBytes; i--)
        {
            if (!status.Details[i].Is(ErrorInfo.Descriptor))
            {
                status.Details.RemoveAt(i);
            }
        }

        return status;
    }

    private static string Cut(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        var cut = maxChars - Ellipsis.Length;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), Ellipsis);
    }

    private static string CutUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var budget = maxBytes - Encoding.UTF8.GetByteCount(Ellipsis);
        var length = 0;
        var bytes = 0;
        while (length < text.Length)
        {
            var step = char.IsHighSurrogate(text[length]) && length + 1 < text.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(length, step));
            if (bytes + size > budget)
            {
                break;
            }

            bytes += size;
            length += step;
        }

        return string.Concat(text.AsSpan(0, length), Ellipsis);
    }
}

/// <summary>What a database failure means for the caller.</summary>
public enum DatabaseFailure
{
    /// <summary>Not a database failure the caller can do anything about: a bug (INTERNAL).</summary>
    None,

    /// <summary>PostgreSQL cannot be reached or cannot serve now (UNAVAILABLE, retry later).</summary>
    Unavailable,

    /// <summary>The transaction lost a serialization or deadlock race (ABORTED, retry at once).</summary>
    Conflict,
}

/// <summary>
/// Recognises an unreachable or overloaded database however it arrives: Marten and JasperFx wrap Npgsql's exceptions
/// (MartenCommandException and friends), so the whole chain of inner exceptions is examined.
/// </summary>
public static class DatabaseFailures
{
    public static DatabaseFailure Classify(Exception e)
    {
        var seen = 0;
        var pending = new Stack<Exception>();
        pending.Push(e);
        while (pending.Count > 0 && seen++ < 32)
        {
            var current = pending.Pop();
            var failure = current switch
            {
                Npgsql.PostgresException pg => OfSqlState(pg.SqlState),
                // Client-side: connection refused or reset, broken stream, timeout, pool exhausted.
                Npgsql.NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException
                    ? DatabaseFailure.Unavailable
                    : DatabaseFailure.None,
                System.Net.Sockets.SocketException => DatabaseFailure.Unavailable,
                _ => DatabaseFailure.None,
            };
            if (failure != DatabaseFailure.None)
            {
                return failure;
            }

            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }

        return DatabaseFailure.None;
    }

    /// <summary>
    /// Class 08 (connection exception), class 53 (insufficient resources: too many connections, out of memory, disk
    /// full), 57P01–57P03 and 57P05 (administrator or crash shutdown, cannot connect now, idle session timeout), 57014
    /// (a statement timeout), 58030 (I/O error) and 25006 (a read-only standby) are UNAVAILABLE; 40001 and 40P01
    /// (serialization failure, deadlock) and 55P03 (lock not available) are ABORTED. Everything else is a bug.
    /// </summary>
    public static DatabaseFailure OfSqlState(string sqlState) => sqlState switch
    {
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => DatabaseFailure.Unavailable,
        _ when sqlState.StartsWith("53", StringComparison.Ordinal) => DatabaseFailure.Unavailable,
        "57P01" or "57P02" or "57P03" or "57P05" or "57014" or "58030" or "25006" => DatabaseFailure.Unavailable,
        "40001" or "40P01" or "55P03" => DatabaseFailure.Conflict,
        _ => DatabaseFailure.None,
    };
}
