using DataExchange.Domain.Common;
using Grpc.Core;

namespace DataExchange.Server.Infrastructure;

/// <summary>The authenticated participant behind a call.</summary>
public sealed record Caller(Guid ParticipantId, Guid TokenId, IReadOnlySet<Role> Roles)
{
    public Actor Actor => new(ParticipantId, Roles);

    public bool Has(Role role) => Roles.Contains(role);

    /// <summary>Compliance, auditors and operators see everything; others see public data and their own.</summary>
    public bool IsPrivileged => Has(Role.ComplianceOfficer) || Has(Role.Auditor) || Has(Role.Operator);
}

public static class CallerContext
{
    private const string Key = "dx.caller";

    public static void SetCaller(this ServerCallContext context, Caller caller) => context.UserState[Key] = caller;

    public static Caller Caller(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var caller) && caller is Caller c
            ? c
            : throw new InvalidOperationException("The call was not authenticated; is the authentication interceptor registered?");

    /// <summary>The authenticated caller, or null for a call that needs no token (health, reflection).</summary>
    public static Caller? CallerOrDefault(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var caller) ? caller as Caller : null;

    public static void Require(this Caller caller, Role role, string reason, string message)
    {
        if (!caller.Has(role))
        {
            throw DomainException.Denied(reason, message);
        }
    }
}
