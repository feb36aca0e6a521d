using DataExchange.Domain.Common;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace DataExchange.Server.Infrastructure;

/// <summary>Builds the rich errors every RPC returns: a google.rpc.Status with ErrorInfo (domain "dataexchange").</summary>
public static class RpcErrors
{
    public const string Domain = "dataexchange";

    public static RpcException Create(Code code, string reason, string message,
        IReadOnlyDictionary<string, string>? metadata = null, BadRequest? badRequest = null)
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

        return status.ToRpcException();
    }

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
}
