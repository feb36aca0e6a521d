namespace DataExchange.Compliance.Jurisdictions;

/// <summary>How a region's members relate to the divisions they are listed under.</summary>
public enum RegionBasis
{
    /// <summary>
    /// The whole of each member division is in the region (the Greater Bay Area's nine cities, Hong Kong, Macao), so a
    /// participant's registered jurisdiction settles its membership.
    /// </summary>
    WholeDivision,

    /// <summary>
    /// The region is made of areas inside the member divisions (a pilot free-trade zone covers a few districts of a
    /// city), so a jurisdiction code only says a participant may be in it: membership needs the participant's own
    /// declaration, checked by the exchange.
    /// </summary>
    WithinDivision,
}

/// <summary>
/// One division listed in a region from <see cref="From"/> to <see cref="Until"/>, both inclusive (null: still in
/// force). A province-level <see cref="Code"/> covers the divisions inside it. <see cref="Note"/> names the place, and
/// for a <see cref="RegionBasis.WithinDivision"/> region the areas that the region covers.
/// </summary>
public sealed record RegionMember(string Code, DateOnly From, DateOnly? Until, string Note)
{
    public bool InForceOn(DateOnly date) => From <= date && (Until is not { } until || date <= until);
}

/// <summary>
/// A named region that rules refer to (the Greater Bay Area, a pilot free-trade zone), with its members over time and
/// the instrument that defines it (<see cref="Source"/>). Regions are data (Jurisdictions/data/regions.tsv), so that a
/// new member or zone is a data change with its citation, not a code change.
/// </summary>
public sealed record NamedRegion(
    string Id,
    RegionBasis Basis,
    string ChineseName,
    string EnglishName,
    string Source,
    IReadOnlyList<RegionMember> Members)
{
    /// <summary>True when being registered in a member division is not enough: the participant must declare it is inside.</summary>
    public bool RequiresDeclaration => Basis == RegionBasis.WithinDivision;

    public bool Equals(NamedRegion? other) =>
        other is not null
        && Id == other.Id
        && Basis == other.Basis
        && ChineseName == other.ChineseName
        && EnglishName == other.EnglishName
        && Source == other.Source
        && Members.SequenceEqual(other.Members);

    public override int GetHashCode() => HashCode.Combine(Id, Basis, Members.Count);
}

/// <summary>
/// A region a jurisdiction is in on a date, through <see cref="Member"/>. When <see cref="RequiresDeclaration"/> the
/// jurisdiction only contains part of the region: the participant is in it only if it declares so.
/// </summary>
public sealed record RegionMatch(NamedRegion Region, RegionMember Member)
{
    public bool RequiresDeclaration => Region.RequiresDeclaration;
}
