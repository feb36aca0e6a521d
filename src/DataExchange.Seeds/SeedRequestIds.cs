namespace DataExchange.Seeds;

/// <summary>
/// Idempotency keys derived from seed ids and steps ("seed:&lt;seed id&gt;:&lt;step&gt;"), so loading a data set twice
/// replays every call as a retry: the server returns the original responses (and the original token secrets) and
/// writes nothing. They fit the API's pattern: 1–100 characters of [A-Za-z0-9._:-].
/// </summary>
public static class SeedRequestIds
{
    public static string For(string seedId, string step) => $"seed:{seedId}:{step}";

    public static string CreateParticipant(string participantId) => For(participantId, "create");

    public static string IssueToken(string participantId) => For(participantId, "token");

    public static string CreateListing(string listingId) => For(listingId, "create");

    /// <summary>Numbered, because a step may occur twice in one lifecycle (submit, return, revise, submit…).</summary>
    public static string ListingStep(string listingId, int stepIndex, string step) =>
        For(listingId, $"{stepIndex + 1}-{step}");

    /// <summary>The listing's reclassifications, numbered in the order listed.</summary>
    public static string Reclassify(string listingId, int index) => For(listingId, $"reclassify-{index + 1}");

    public static string RecordApproval(string approvalId) => For(approvalId, "record");

    public static string FileTrade(string tradeId) => For(tradeId, "file");

    /// <summary>delivered, received, settled or cancelled.</summary>
    public static string TradeStep(string tradeId, string step) => For(tradeId, step);

    /// <summary>Every request id a load of <paramref name="dataSet"/> uses, in load order (for tests and audits).</summary>
    public static IEnumerable<string> All(SeedDataSet dataSet)
    {
        foreach (var p in dataSet.Participants)
        {
            yield return CreateParticipant(p.Id);
            yield return IssueToken(p.Id);
        }

        foreach (var l in dataSet.Listings)
        {
            yield return CreateListing(l.Id);
            for (var i = 0; i < l.Lifecycle.Count; i++)
            {
                yield return ListingStep(l.Id, i, l.Lifecycle[i]);
            }

            for (var i = 0; i < (l.Reclassifications?.Count ?? 0); i++)
            {
                yield return Reclassify(l.Id, i);
            }
        }

        foreach (var a in dataSet.Approvals)
        {
            yield return RecordApproval(a.Id);
        }

        foreach (var t in dataSet.Trades)
        {
            yield return FileTrade(t.Id);
            foreach (var step in t.Steps)
            {
                yield return TradeStep(t.Id, step);
            }

            if (t.Outcome == TradeOutcomes.FiledThenCancelled)
            {
                yield return TradeStep(t.Id, "cancelled");
            }
        }
    }
}
