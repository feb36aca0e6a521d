using Google.Rpc;
using Grpc.Core;

namespace DataExchange.Server.Tests.Infrastructure;

public static class Errors
{
    /// <summary>Asserts a call fails with the status and ErrorInfo reason, and returns the rich status.</summary>
    public static async Task<Google.Rpc.Status> Expect(StatusCode code, string reason, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, error.StatusCode);
        var status = error.GetRpcStatus();
        Assert.NotNull(status);
        var info = status.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        Assert.Equal("dataexchange", info.Domain);
        Assert.Equal(reason, info.Reason);
        return status;
    }

    public static async Task<Google.Rpc.Status> Expect<T>(StatusCode code, string reason, Func<AsyncUnaryCall<T>> call) =>
        await Expect(code, reason, async () => await call());

    public static IReadOnlyList<string> Fields(this Google.Rpc.Status status) =>
        status.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];
}
