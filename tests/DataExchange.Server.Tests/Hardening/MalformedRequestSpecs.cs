using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>
/// Issue 12, item 3: a body that is not a valid protobuf encoding of its message is INVALID_ARGUMENT with ErrorInfo
/// MALFORMED_REQUEST (domain dataexchange), never UNKNOWN or INTERNAL, and nothing is written.
/// </summary>
public class MalformedRequestSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string GetParticipant = "/dataexchange.v1.ParticipantService/GetParticipant";

    public static TheoryData<string, byte[]> Bodies() => new()
    {
        { "random bytes", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] },
        { "truncated string", [0x0A, 0x05, 0x41] },
        { "invalid wire type 6", [0x0E] },
        { "invalid wire type 7", [0x0F, 0x01] },
        { "end group without start", [0x0C] },
        { "unclosed group", [0x0B] },
        { "tag zero", [0x00] },
        { "negative length", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },
        { "invalid UTF-8", [0x0A, 0x02, 0xC3, 0x28] },
        { "overlong UTF-8", [0x0A, 0x02, 0xC0, 0x80] },
        { "UTF-8 encoded surrogate", [0x0A, 0x03, 0xED, 0xA0, 0x80] },
        { "nesting too deep", [.. Enumerable.Repeat((byte)0x13, 200), .. Enumerable.Repeat((byte)0x14, 200)] },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_malformed_body_is_invalid_argument_malformed_request(string kind, byte[] body)
    {
        using var raw = new RawGrpc(server.Address);
        var result = await raw.CallAsync(GetParticipant, body, ServerFixture.OperatorToken);
        result.AssertMalformedRequest(kind, "dataexchange.v1.GetParticipantRequest");
    }

    [Fact]
    public async Task A_malformed_body_is_invalid_argument_before_authentication()
    {
        using var raw = new RawGrpc(server.Address);
        var result = await raw.CallAsync(GetParticipant, new byte[] { 0x0A, 0x02, 0xC3, 0x28 }, token: null);
        Assert.True(StatusCode.InvalidArgument == result.Code, result.ToString());
        Assert.Equal("MALFORMED_REQUEST", result.Info?.Reason);
    }

    [Fact]
    public async Task Invalid_UTF8_deep_inside_a_write_is_rejected_and_nothing_is_written()
    {
        // CreateParticipantRequest { participant { display_name = C3 28 }, request_id = "abc" }
        byte[] body = [0x0A, 0x04, 0x12, 0x02, 0xC3, 0x28, 0x12, 0x03, (byte)'a', (byte)'b', (byte)'c'];
        var before = await server.CountEventRowsAsync();
        using var raw = new RawGrpc(server.Address);
        var result = await raw.CallAsync("/dataexchange.v1.ParticipantService/CreateParticipant", body, ServerFixture.OperatorToken);
        Assert.Equal(StatusCode.InvalidArgument, result.Code);
        Assert.Equal("MALFORMED_REQUEST", result.Info?.Reason);
        Assert.Equal(before, await server.CountEventRowsAsync());
    }

    [Fact]
    public async Task A_malformed_body_of_a_streaming_call_is_invalid_argument()
    {
        using var raw = new RawGrpc(server.Address);
        var result = await raw.CallAsync("/dataexchange.v1.LedgerService/StreamEntries", new byte[] { 0x08, 0x80 }, ServerFixture.OperatorToken);
        Assert.Equal(StatusCode.InvalidArgument, result.Code);
        Assert.Equal("MALFORMED_REQUEST", result.Info?.Reason);
    }

    [Fact]
    public async Task A_known_field_sent_with_another_wire_type_is_an_unknown_field_and_the_request_is_validated_as_usual()
    {
        // Field 1 (name, a string) sent as a varint: protobuf keeps it as an unknown field, so name is empty.
        using var raw = new RawGrpc(server.Address);
        var result = await raw.CallAsync(GetParticipant, new byte[] { 0x08, 0x05 }, ServerFixture.OperatorToken);
        Assert.Equal(StatusCode.InvalidArgument, result.Code);
        Assert.Equal("INVALID_REQUEST", result.Info?.Reason);
    }

    [Fact]
    public async Task A_well_formed_body_still_works_through_the_guarded_reader()
    {
        using var raw = new RawGrpc(server.Address);
        var result = await raw.CallAsync("/dataexchange.v1.LedgerService/ListSigningKeys", new ListSigningKeysRequest().ToByteArray(), ServerFixture.OperatorToken);
        Assert.Equal(StatusCode.OK, result.Code);
    }
}
