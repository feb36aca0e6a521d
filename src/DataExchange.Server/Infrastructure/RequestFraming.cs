using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using DataExchange.Server.Auth;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Checks the gRPC framing of a request to the exchange's services before Grpc.AspNetCore reads it. Every RPC of
/// protos/dataexchange/v1 takes exactly one request message, and the framework answers a badly framed one from code
/// no interceptor sees: a truncated or missing message or trailing bytes as INTERNAL, a compressed flag without an
/// encoding as INTERNAL, a message over the size limit as RESOURCE_EXHAUSTED without ErrorInfo. Here those answer
/// INVALID_ARGUMENT MALFORMED_REQUEST, or RESOURCE_EXHAUSTED REQUEST_TOO_LARGE, with ErrorInfo. The request is only
/// examined, never consumed: the framework then reads the same bytes. A message too large is refused from its length
/// prefix, before its bytes are buffered.
/// </summary>
public sealed class RequestFraming(RequestDelegate next, IOptions<GrpcServiceOptions> grpc)
{
    private const int PrefixLength = 5;
    private readonly long maxMessageBytes = grpc.Value.MaxReceiveMessageSize ?? int.MaxValue;
    private readonly ConcurrentDictionary<string, string> requestTypes = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext http)
    {
        if (!IsExchangeCall(http.Request))
        {
            await next(http);
            return;
        }

        var problem = await ExamineAsync(http);
        if (problem is not null)
        {
            await TrailersOnlyResponse.WriteAsync(http, problem);
            return;
        }

        await next(http);
    }

    private static bool IsExchangeCall(Microsoft.AspNetCore.Http.HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && request.Path.Value is { } path && path.StartsWith("/dataexchange.v1.", StringComparison.Ordinal)
        && request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads until the one message and the end of the request are in the buffer; null when the framing is sound.</summary>
    private async Task<Google.Rpc.Status?> ExamineAsync(HttpContext http)
    {
        var reader = http.Request.BodyReader;
                long? length = null;
        while (true)
        {
            var result = await reader.ReadAsync(http.RequestAborted);
            var buffer = result.Buffer;
            Google.Rpc.Status? problem = null;
            var done = false;
            if (length is null && buffer.Length >= PrefixLength)
            {
                var prefix = new byte[PrefixLength];
                buffer.Slice(0, PrefixLength).CopyTo(prefix);
                length = BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1));
                problem = prefix[0] switch
                {
                    0 => null,
                    1 when http.Request.Headers["grpc-encoding"] is { Count: 1 } encoding && encoding[0] is { } name && name != "identity" => null,
                    1 => Malformed(http, "its message is flagged compressed, but the request names no grpc-encoding."),
                    _ => Malformed(http, $"its message's compressed flag is {prefix[0]}; only 0 and 1 exist."),
                };
                if (problem is null && length > maxMessageBytes)
                {
                    problem = TooLarge(http, length.Value);
                }
            }

            if (problem is null && length is { } size)
            {
                if (buffer.Length > PrefixLength + size)
                {
                    problem = Malformed(http, "it carries bytes after its one message.");
                }
                else if (result.IsCompleted)
                {
                    problem = buffer.Length < PrefixLength + size
                        ? Malformed(http, $"its message is {size} bytes long by its prefix, but {buffer.Length - PrefixLength} arrived.")
                        : null;
                    done = true;
                }
            }
            else if (problem is null && result.IsCompleted)
            {
                problem = Malformed(http, buffer.Length == 0 ? "it has no message." : "it ends inside a message's 5-byte prefix.");
            }

            // Nothing consumed: the framework reads the request from its start.
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (problem is not null || done || result.IsCanceled)
            {
                return problem;
            }
        }
    }

    private Google.Rpc.Status Malformed(HttpContext http, string problem) =>
        RpcErrors.MalformedRequest(RequestTypeName(http), problem).GetRpcStatus()!;

    private Google.Rpc.Status TooLarge(HttpContext http, long length)
    {
        var info = new ErrorInfo { Reason = "REQUEST_TOO_LARGE", Domain = RpcErrors.Domain };
        info.Metadata["message_type"] = RequestTypeName(http);
        info.Metadata["limit_bytes"] = maxMessageBytes.ToString(CultureInfo.InvariantCulture);
        info.Metadata["message_bytes"] = length.ToString(CultureInfo.InvariantCulture);
        return new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = $"The request is {length} bytes; the limit is {maxMessageBytes} bytes.",
            Details = { Any.Pack(info) },
        };
    }

    /// <summary>The request message's proto name (dataexchange.v1.ExecuteTradeRequest), from the endpoint's method.</summary>
    private string RequestTypeName(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        return requestTypes.GetOrAdd(path, static (_, endpoint) =>
        {
            var method = endpoint?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
            var requestType = method?.GetType() is { IsGenericType: true } type ? type.GetGenericArguments()[0] : null;
            return (requestType?.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as MessageDescriptor)?.FullName
                ?? "request message";
        }, http.GetEndpoint());
    }
}
