namespace DataExchange.Compliance.Jurisdictions;

/// <summary>What became of a place name given to <see cref="JurisdictionCatalogue.Resolve"/>.</summary>
public enum ResolutionOutcome
{
    /// <summary>Exactly one place has that name or code.</summary>
    Resolved,
    /// <summary>Several places share the name (吉林 is a province and a city; Fuzhou is 福州 and 抚州).</summary>
    Ambiguous,
    /// <summary>Empty, or no place has that name or code.</summary>
    Unknown,
}

/// <summary>
/// The answer to a place name. <see cref="Jurisdiction"/> is set only when <see cref="Outcome"/> is Resolved;
/// <see cref="Candidates"/> lists the places an ambiguous name could mean (ordered by code) and is empty otherwise, so
/// that a caller can ask the user which one rather than pick one. <see cref="Explanation"/> says what happened in
/// words, quoting the input.
/// </summary>
public sealed record JurisdictionResolution(
    string Input,
    ResolutionOutcome Outcome,
    Jurisdiction? Jurisdiction,
    IReadOnlyList<Jurisdiction> Candidates,
    string Explanation)
{
    public bool IsResolved => Outcome == ResolutionOutcome.Resolved;

    // Value equality over the candidates too, so that resolving the same text twice compares equal.
    public bool Equals(JurisdictionResolution? other) =>
        other is not null
        && Input == other.Input
        && Outcome == other.Outcome
        && Jurisdiction == other.Jurisdiction
        && Explanation == other.Explanation
        && Candidates.SequenceEqual(other.Candidates);

    public override int GetHashCode() => HashCode.Combine(Input, Outcome, Jurisdiction, Candidates.Count);
}
