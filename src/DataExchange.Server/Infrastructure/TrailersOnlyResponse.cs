using System.Globalization;
using System.Text;
using Google.Protobuf;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// A gRPC error answered by middleware before any service runs (call limits, broken framing): a trailers-only
/// response whose headers carry the status, its message and the google.rpc.Status with its details.
/// </summary>
public static class TrailersOnlyResponse
{
    /// <summary>
    /// Answers the call with <paramref name="status"/> before the gRPC pipeline runs: a trailers-only response (status
    /// in the headers, no body), as grpc-dotnet answers an unimplemented method.
    /// </summary>
    public static Task WriteAsync(HttpContext http, Google.Rpc.Status status)
    {
        if (http.Request.ContentType is not { } type || !type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            return WriteJsonAsync(http, status);
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = status.Code.ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(status.Message);
        response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
        return Task.CompletedTask;
    }

    /// <summary>
    /// A REST caller (the transcoded API) gets what the transcoder answers for an error: the google.rpc.Status in the
    /// protobuf JSON mapping, under the HTTP status Google's mapping gives its code (RESOURCE_EXHAUSTED → 429).
    /// </summary>
    private static Task WriteJsonAsync(HttpContext http, Google.Rpc.Status status)
    {
        http.Response.StatusCode = HttpStatusOf((Google.Rpc.Code)status.Code);
        http.Response.ContentType = "application/json; charset=utf-8";
        var formatter = new JsonFormatter(JsonFormatter.Settings.Default.WithTypeRegistry(RpcErrors.DetailTypes));
        return http.Response.WriteAsync(formatter.Format(status), http.RequestAborted);
    }

    public static int HttpStatusOf(Google.Rpc.Code code) => code switch
    {
        Google.Rpc.Code.Ok => 200,
        Google.Rpc.Code.Cancelled => 499,
        Google.Rpc.Code.InvalidArgument or Google.Rpc.Code.FailedPrecondition or Google.Rpc.Code.OutOfRange => 400,
        Google.Rpc.Code.DeadlineExceeded => 504,
        Google.Rpc.Code.NotFound => 404,
        Google.Rpc.Code.AlreadyExists or Google.Rpc.Code.Aborted => 409,
        Google.Rpc.Code.PermissionDenied => 403,
        Google.Rpc.Code.Unauthenticated => 401,
        Google.Rpc.Code.ResourceExhausted => 429,
        Google.Rpc.Code.Unimplemented => 501,
        Google.Rpc.Code.Unavailable => 503,
        _ => 500,
    };

    private static string PercentEncode(string message)
    {
        var builder = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
