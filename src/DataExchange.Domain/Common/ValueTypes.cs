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

/// <summary>
/// Where a participant is registered or data is located. City is required on the mainland (its English name).
/// <see cref="Code"/> is the canonical place: a GB/T 2260 division code on the mainland, HK, MO, or an ISO 3166-1
/// alpha-2 country; null in records written before codes existed (<see cref="JurisdictionCodes.Canonical"/> fills it on
/// read). <see cref="FreeTradeZone"/> names the pilot free-trade zone a participant declares it is registered in.
/// </summary>
public sealed record Jurisdiction(Region Region, string? City, string? Code = null, string? FreeTradeZone = null);

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
