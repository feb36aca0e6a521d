using System.CommandLine;
using DataExchange.Contracts.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace DataExchange.Cli;

/// <summary>
/// What a command needs while it runs: settings, output, the channel and its clients. Clients are created on first
/// use, so commands that fail validation never open a connection. Add a client property here for each new service.
/// </summary>
internal sealed class CliContext(CliSettings settings, Output output, CancellationToken cancellationToken = default) : IDisposable
{
    private GrpcChannel? channel;
    private Names? names;

    public CliSettings Settings { get; } = settings;

    public Output Output { get; } = output;

    /// <summary>The idempotency key of the change being made, so a failure can tell how to retry it.</summary>
    public string? RequestId { get; set; }

    /// <summary>Display names and titles read for this run, and what people type resolved to resource names.</summary>
    public Names Names => names ??= new Names(this, cancellationToken);

    public GrpcChannel Channel => channel ??= CliTransport.CreateChannel(Settings);

    public Health.HealthClient Health => new(Channel);

    public ParticipantService.ParticipantServiceClient Participants => new(Channel);

    public ListingService.ListingServiceClient Listings => new(Channel);

    public TradeService.TradeServiceClient Trades => new(Channel);

    public ExportApprovalService.ExportApprovalServiceClient Approvals => new(Channel);

    public LedgerService.LedgerServiceClient Ledger => new(Channel);

    public PublicRegisterService.PublicRegisterServiceClient Register => new(Channel);

    /// <summary>Per-call options: bearer token, deadline, cancellation.</summary>
    public CallOptions Call(CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (Settings.Token is { } token)
        {
            headers.Add("authorization", $"Bearer {token}");
        }

        return new CallOptions(headers, DateTime.UtcNow + Settings.Timeout, cancellationToken);
    }

    /// <summary>
    /// Runs a command body with error handling: gRPC and client-side failures go to stderr (text or Status JSON)
    /// and become the documented exit codes.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parseResult, GlobalOptions global, CancellationToken cancellationToken,
        Func<CliContext, Task<int>> body, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = CreateOutput(parseResult, global, stdout, stderr);
        CliContext? context = null;
        try
        {
            context = new CliContext(global.Read(parseResult, Environment.GetEnvironmentVariable), output, cancellationToken);
            return await body(context);
        }
        catch (RpcException e) when (context is not null && CliTransport.DescribeFailure(e, context.Settings) is { } failure)
        {
            // The call got no answer: one line naming the address and the cause, not the .NET exception chain.
            return ErrorReporter.ReportNoConnection(failure, output, failure.MayHaveArrived ? context.RequestId : null);
        }
        catch (RpcException e)
        {
            return ErrorReporter.Report(ErrorReporter.ToStatus(e), output, context?.RequestId);
        }
        catch (CliException e)
        {
            var code = ErrorReporter.Report(ErrorReporter.ToStatus(e), output, requestId: null);
            return e.ExitCode ?? code;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A missing or unreadable file named on the command line: one line, not a stack trace.
            return ErrorReporter.Report(ErrorReporter.ToStatus(new CliException(e.Message)), output, requestId: null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ErrorReporter.Report(new Google.Rpc.Status { Code = (int)StatusCode.Cancelled, Message = "Cancelled." },
                output, context?.RequestId);
        }
        finally
        {
            context?.Dispose();
        }
    }

    /// <summary>Output for this invocation: --json, and the width people's output is laid out for.</summary>
    public static Output CreateOutput(ParseResult parseResult, GlobalOptions global, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        // The writers the command line was invoked with (Program.RunAsync's), unless a caller passes its own.
        stdout ??= parseResult.InvocationConfiguration.Output;
        stderr ??= parseResult.InvocationConfiguration.Error;
        var terminal = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        var width = Output.ResolveWidth(parseResult.GetValue(global.Width), Environment.GetEnvironmentVariable(Output.ColumnsVariable),
            terminal, () => Console.WindowWidth);
        return new Output(parseResult.GetValue(global.Json), stdout, stderr, width, terminal);
    }

    public void Dispose() => channel?.Dispose();
}
