using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>What a raw gRPC call answered: its status, the rich status if any, and the size of its header blocks.</summary>
public sealed record RawGrpcResult(StatusCode Code, Google.Rpc.Status? Details, int HeaderBytes, int HttpStatus, string Headers = "")
{
    public override string ToString() => $"{Code} (HTTP {HttpStatus}) {Details?.Message} [{Headers}]";

    public ErrorInfo? Info => Details?.Details.Select(d => d.TryUnpack<ErrorInfo>(out var info) ? info : null).FirstOrDefault(i => i is not null);

    /// <summary>INVALID_ARGUMENT with ErrorInfo MALFORMED_REQUEST in our domain, naming the message type it could not read.</summary>
    public void AssertMalformedRequest(string what, string messageType)
    {
        Xunit.Assert.True(StatusCode.InvalidArgument == Code, $"{what}: {this}");
        Xunit.Assert.Equal("MALFORMED_REQUEST", Info?.Reason);
        Xunit.Assert.Equal("dataexchange", Info?.Domain);
        Xunit.Assert.Equal(messageType, Info?.Metadata["message_type"]);
    }
}

/// <summary>
/// gRPC over plain HTTP/2 (prior knowledge) with arbitrary request bytes: what a hostile client can send, which a
/// generated client cannot (it only serialises valid messages).
/// </summary>
public sealed class RawGrpc(Uri address) : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
    {
        BaseAddress = address,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>One unary call of <paramref name="path"/> (/package.Service/Method) whose message is exactly <paramref name="message"/>.</summary>
    public async Task<RawGrpcResult> CallAsync(string path, ReadOnlyMemory<byte> message, string? token)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.Span.CopyTo(frame.AsSpan(5));
        return await SendAsync(path, frame, token);
    }

    /// <summary>One call of <paramref name="path"/> whose HTTP/2 request body is exactly <paramref name="body"/>, framing and all.</summary>
    public async Task<RawGrpcResult> SendAsync(string path, byte[] body, string? token, IReadOnlyDictionary<string, string>? headers = null)
    {
        var frame = body;
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(frame), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        _ = await response.Content.ReadAsByteArrayAsync();
        var status = Header(response, "grpc-status");
        var details = Header(response, "grpc-status-details-bin");
        var headerBytes = response.Headers.Concat(response.TrailingHeaders).Concat(response.Content.Headers)
            .Sum(h => h.Key.Length + h.Value.Sum(v => v.Length));
        return new RawGrpcResult(
            status is null ? (StatusCode)(-1) : (StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture),
            details is null ? null : Google.Rpc.Status.Parser.ParseFrom(DecodeBase64(details)),
            headerBytes,
            (int)response.StatusCode,
            string.Join("; ", response.Headers.Concat(response.TrailingHeaders).Select(h => $"{h.Key}: {string.Join(",", h.Value)[..Math.Min(80, string.Join(",", h.Value).Length)]}")));
    }

    public Task<RawGrpcResult> CallAsync(string path, IMessage message, string? token) => CallAsync(path, message.ToByteArray(), token);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var values) || response.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    private static byte[] DecodeBase64(string text)
    {
        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        return Convert.FromBase64String(padded);
    }

    public void Dispose() => http.Dispose();
}
