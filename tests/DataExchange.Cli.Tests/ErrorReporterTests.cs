using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace DataExchange.Cli.Tests;

public sealed class ErrorReporterTests
{
    /// <summary>What the service sends for a request with two bad fields.</summary>
    private static Google.Rpc.Status InvalidRequest() => new()
    {
        Code = (int)Code.InvalidArgument,
        Message = "listing.title is required (and 1 more)",
        Details =
        {
            Any.Pack(new ErrorInfo { Reason = "INVALID_REQUEST", Domain = "dataexchange" }),
            Any.Pack(new BadRequest
            {
                FieldViolations =
                {
                    new BadRequest.Types.FieldViolation { Field = "listing.title", Description = "is required" },
                    new BadRequest.Types.FieldViolation { Field = "listing.price.currency_code", Description = "must be a supported ISO 4217 code" },
                },
            }),
        },
    };

    [Fact]
    public void Lines_name_code_reason_message_and_each_field()
    {
        Assert.Equal(
        [
            "error: INVALID_ARGUMENT INVALID_REQUEST: listing.title is required (and 1 more)",
            "  listing.title: is required",
            "  listing.price.currency_code: must be a supported ISO 4217 code",
        ], ErrorReporter.FormatLines(InvalidRequest()));
    }

    [Fact]
    public void Without_error_info_the_reason_is_left_out()
    {
        var status = new Google.Rpc.Status { Code = (int)Code.Unavailable, Message = "Error connecting to subchannel." };

        Assert.Equal(["error: UNAVAILABLE: Error connecting to subchannel."], ErrorReporter.FormatLines(status));
    }

    [Fact]
    public void Rich_status_survives_the_trip_through_an_rpc_exception()
    {
        var exception = InvalidRequest().ToRpcException();

        Assert.Equal(InvalidRequest(), ErrorReporter.ToStatus(exception));
    }

    [Fact]
    public void Plain_rpc_exceptions_become_a_status_with_the_innermost_cause()
    {
        var cause = new HttpRequestException("Error", new System.Net.Sockets.SocketException(111));
        var exception = new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "Error connecting to subchannel.", cause));

        var status = ErrorReporter.ToStatus(exception);

        Assert.Equal((int)StatusCode.Unavailable, status.Code);
        Assert.StartsWith("Error connecting to subchannel. (", status.Message);
        Assert.Empty(status.Details);
    }

    [Fact]
    public void Json_is_the_status_with_typed_details()
    {
        using var document = JsonDocument.Parse(ErrorReporter.ToJson(InvalidRequest()));
        var root = document.RootElement;

        Assert.Equal(3, root.GetProperty("code").GetInt32());
        var details = root.GetProperty("details");
        Assert.Equal("type.googleapis.com/google.rpc.ErrorInfo", details[0].GetProperty("@type").GetString());
        Assert.Equal("INVALID_REQUEST", details[0].GetProperty("reason").GetString());
        Assert.Equal("listing.title", details[1].GetProperty("fieldViolations")[0].GetProperty("field").GetString());
    }

    [Theory]
    [InlineData(StatusCode.OK, 0)]
    [InlineData(StatusCode.InvalidArgument, 2)]
    [InlineData(StatusCode.OutOfRange, 2)]
    [InlineData(StatusCode.NotFound, 3)]
    [InlineData(StatusCode.AlreadyExists, 3)]
    [InlineData(StatusCode.PermissionDenied, 3)]
    [InlineData(StatusCode.Unauthenticated, 3)]
    [InlineData(StatusCode.FailedPrecondition, 3)]
    [InlineData(StatusCode.Aborted, 3)]
    [InlineData(StatusCode.Unavailable, 4)]
    [InlineData(StatusCode.Internal, 4)]
    [InlineData(StatusCode.DeadlineExceeded, 4)]
    [InlineData(StatusCode.Unknown, 1)]
    [InlineData(StatusCode.Cancelled, 1)]
    [InlineData(StatusCode.ResourceExhausted, 1)]
    public void Exit_codes_group_status_codes(StatusCode code, int exitCode) => Assert.Equal(exitCode, ExitCodes.For(code));

    [Theory]
    [InlineData(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED")]
    [InlineData(StatusCode.FailedPrecondition, "FAILED_PRECONDITION")]
    [InlineData(StatusCode.OK, "OK")]
    [InlineData(StatusCode.Aborted, "ABORTED")]
    public void Code_names_are_the_grpc_spelling(StatusCode code, string name) => Assert.Equal(name, ErrorReporter.CodeName(code));

    [Fact]
    public void Report_for_people_writes_lines_and_a_retry_hint_when_the_outcome_is_unknown()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var status = new Google.Rpc.Status { Code = (int)Code.DeadlineExceeded, Message = "Deadline Exceeded" };

        var exitCode = ErrorReporter.Report(status, new Output(false, stdout, stderr), requestId: "req-1");

        Assert.Equal(4, exitCode);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith("error: DEADLINE_EXCEEDED: Deadline Exceeded" + Environment.NewLine, stderr.ToString());
        Assert.Contains("--request-id req-1", stderr.ToString());
    }

    [Fact]
    public void Report_gives_no_retry_hint_for_refusals()
    {
        var stderr = new StringWriter();

        var exitCode = ErrorReporter.Report(InvalidRequest(), new Output(false, TextWriter.Null, stderr), requestId: "req-1");

        Assert.Equal(2, exitCode);
        Assert.DoesNotContain("req-1", stderr.ToString());
    }

    [Fact]
    public void Report_with_json_writes_only_the_status_document_to_stderr()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exitCode = ErrorReporter.Report(InvalidRequest(), new Output(true, stdout, stderr), requestId: "req-1");

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout.ToString());
        using var document = JsonDocument.Parse(stderr.ToString());
        Assert.Equal("listing.title is required (and 1 more)", document.RootElement.GetProperty("message").GetString());
    }
}
