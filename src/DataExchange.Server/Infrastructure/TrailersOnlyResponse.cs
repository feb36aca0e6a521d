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
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = status.Code.ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(status.Message);
        response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
        return Task.CompletedTask;
    }

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
