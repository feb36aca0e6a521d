using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>
/// Issue 12: a request whose gRPC framing is broken (the 5-byte prefix and the one message every RPC takes) is answered
/// by the exchange with INVALID_ARGUMENT MALFORMED_REQUEST, and one over the size limit with RESOURCE_EXHAUSTED
/// REQUEST_TOO_LARGE, both with ErrorInfo; the framework alone would answer INTERNAL or a bare status.
/// </summary>
public class RequestFramingSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string GetParticipant = "/dataexchange.v1.ParticipantService/GetParticipant";
    private const string CreateParticipant = "/dataexchange.v1.ParticipantService/CreateParticipant";
    private const int Limit = 4 * 1024 * 1024;

    private static byte[] Frame(byte flag, uint length, byte[] message) =>
        [flag, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, .. message];

    private static readonly byte[] Valid = new GetParticipantRequest { Name = "participants/0190a1b2-0000-7000-8000-000000000000" }.ToByteArray();

    public static TheoryData<string, byte[]> BrokenFrames() => new()
    {
        { "no message at all", [] },
        { "a prefix cut short", [0, 0, 0] },
        { "a message shorter than its prefix says", Frame(0, (uint)Valid.Length + 10, Valid) },
        { "bytes after the one message", [.. Frame(0, (uint)Valid.Length, Valid), 0x0A] },
        { "a second message", [.. Frame(0, (uint)Valid.Length, Valid), .. Frame(0, (uint)Valid.Length, Valid)] },
        { "compressed without an encoding", Frame(1, (uint)Valid.Length, Valid) },
        { "a compressed flag of 7", Frame(7, (uint)Valid.Length, Valid) },
    };

    [Theory]
    [MemberData(nameof(BrokenFrames))]
    public async Task A_broken_frame_is_invalid_argument_malformed_request(string kind, byte[] body)
    {
        using var raw = new RawGrpc(server.Address);
        var result = await raw.SendAsync(GetParticipant, body, ServerFixture.OperatorToken);
        result.AssertMalformedRequest(kind, "dataexchange.v1.GetParticipantRequest");
    }

    [Fact]
    public async Task A_prefix_announcing_more_than_the_limit_is_refused_from_the_prefix_alone()
    {
        using var raw = new RawGrpc(server.Address);
        var result = await raw.SendAsync(GetParticipant, Frame(0, Limit + 1, []), ServerFixture.OperatorToken);
        Assert.True(StatusCode.ResourceExhausted == result.Code, result.ToString());
        Assert.Equal("REQUEST_TOO_LARGE", result.Info?.Reason);
        Assert.Equal("dataexchange", result.Info?.Domain);
        Assert.Equal(Limit.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Info?.Metadata["limit_bytes"]);
    }

    [Fact]
    public async Task A_write_over_the_limit_is_refused_and_writes_nothing()
    {
        var before = await server.CountEventRowsAsync();
        var request = new CreateParticipantRequest
        {
            Participant = new Participant { DisplayName = new string('x', Limit), LegalName = "Oversized Ltd", Roles = { Role.Buyer } },
            RequestId = Guid.NewGuid().ToString(),
        };
        using var raw = new RawGrpc(server.Address);
        var result = await raw.CallAsync(CreateParticipant, request, ServerFixture.OperatorToken);
        Assert.True(StatusCode.ResourceExhausted == result.Code, result.ToString());
        Assert.Equal("REQUEST_TOO_LARGE", result.Info?.Reason);
        Assert.Equal(before, await server.CountEventRowsAsync());
    }

    [Fact]
    public async Task A_gzip_compressed_request_is_read_as_before()
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new ListSigningKeysRequest().ToByteArray());
        }

        using var raw = new RawGrpc(server.Address);
        var result = await raw.SendAsync("/dataexchange.v1.LedgerService/ListSigningKeys", Frame(1, (uint)compressed.Length, compressed.ToArray()),
            ServerFixture.OperatorToken, new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });
        Assert.True(StatusCode.OK == result.Code, result.ToString());
    }

    [Fact]
    public async Task A_well_framed_request_still_works()
    {
        using var raw = new RawGrpc(server.Address);
        var result = await raw.SendAsync("/dataexchange.v1.LedgerService/ListSigningKeys", Frame(0, 0, []), ServerFixture.OperatorToken);
        Assert.True(StatusCode.OK == result.Code, result.ToString());
    }
}
