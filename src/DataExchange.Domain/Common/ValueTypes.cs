namespace DataExchange.Domain.Common;

public enum Role
{
    Vendor = 1,
    Buyer = 2,
    ComplianceOfficer = 3,
    Auditor = 4,
    Operator = 5,
}

public enum Region
{
    MainlandChina = 1,
    HongKong = 2,
    Macao = 3,
    Other = 4,
}

/// <summary>Where a participant is registered or data is located. City is required on the mainland.</summary>
public sealed record Jurisdiction(Region Region, string? City);

/// <summary>Money as an integer count of the currency's minor unit. Never floating point.</summary>
public sealed record Money(string CurrencyCode, long AmountMinor)
{
    public override string ToString() => $"{CurrencyCode} {AmountMinor}";
}

/// <summary>Who did something, for events and authorisation.</summary>
public sealed record Actor(Guid ParticipantId, IReadOnlySet<Role> Roles)
{
    public bool Has(Role role) => Roles.Contains(role);
}
