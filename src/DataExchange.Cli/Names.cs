using System.Text.RegularExpressions;
using DataExchange.Contracts.V1;
using Grpc.Core;

namespace DataExchange.Cli;

/// <summary>What people read instead of UUIDs: participants' display names and listings' titles.</summary>
internal interface IDisplayNames
{
    /// <summary>The participant's display name, or its bare UUID when it could not be read.</summary>
    string Participant(string name);

    /// <summary>The listing's title, or its bare UUID when it could not be read (someone else's draft, say).</summary>
    string Listing(string name);
}

/// <summary>Bare UUIDs only, for output rendered without a service (tests, offline commands).</summary>
internal sealed class NoDisplayNames : IDisplayNames
{
    public static readonly NoDisplayNames Instance = new();

    public string Participant(string name) => Names.BareId(name);

    public string Listing(string name) => Names.BareId(name);
}

/// <summary>
/// Names read from the service for one command run, each read at most once: display names and titles for output, and
/// what people type (a display name, a title, a filing number, a bare UUID) turned into resource names for requests.
/// </summary>
internal sealed partial class Names(CliContext context, CancellationToken cancellationToken) : IDisplayNames
{
    // Beyond this many unknown participants one listing of all of them is cheaper than a call each.
    private const int ListAllParticipantsFrom = 4;
    private const int ParallelReads = 8;

    private readonly Dictionary<string, string?> participants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> listings = new(StringComparer.Ordinal);

    /// <summary>"0199…" from "listings/0199…"; the text itself when it has no slash.</summary>
    public static string BareId(string name) => name.Contains('/', StringComparison.Ordinal) ? name[(name.LastIndexOf('/') + 1)..] : name;

    /// <summary>DX-2022-000001 and the like: letters, a year and a sequence number.</summary>
    public static bool LooksLikeFilingNumber(string text) => FilingNumberPattern().IsMatch(text.Trim());

    public string Participant(string name) => participants.GetValueOrDefault(name) ?? BareId(name);

    public string Listing(string name) => listings.GetValueOrDefault(name) ?? BareId(name);

    /// <summary>Reads the display names of these participants (those not read yet).</summary>
    public async Task LoadParticipantsAsync(IEnumerable<string> names)
    {
        var missing = names.Where(n => n.Length > 0 && !participants.ContainsKey(n)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (missing.Count >= ListAllParticipantsFrom)
        {
            var request = new ListParticipantsRequest { PageSize = 200 };
            try
            {
                do
                {
                    var page = await context.Participants.ListParticipantsAsync(request, context.Call(cancellationToken));
                    foreach (var p in page.Participants)
                    {
                        participants[p.Name] = p.DisplayName;
                    }

                    request.PageToken = page.NextPageToken;
                }
                while (request.PageToken.Length > 0);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                // Names only dress the output up: what was read is used, the rest shown by UUID.
            }

            foreach (var name in missing.Where(n => !participants.ContainsKey(n)))
            {
                participants[name] = null;
            }

            return;
        }

        foreach (var name in missing)
        {
            participants[name] = await ReadOrNullAsync(async () =>
                (await context.Participants.GetParticipantAsync(new GetParticipantRequest { Name = name }, context.Call(cancellationToken))).DisplayName);
        }
    }

    /// <summary>Reads the titles of these listings (those not read yet), a few at a time.</summary>
    public async Task LoadListingsAsync(IEnumerable<string> names)
    {
        var missing = names.Where(n => n.Length > 0 && !listings.ContainsKey(n)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var batch in missing.Chunk(ParallelReads))
        {
            var titles = await Task.WhenAll(batch.Select(name => ReadOrNullAsync(async () =>
                (await context.Listings.GetListingAsync(new GetListingRequest { Name = name }, context.Call(cancellationToken))).Title)));
            for (var i = 0; i < batch.Length; i++)
            {
                listings[batch[i]] = titles[i];
            }
        }
    }

    /// <summary>Remembers names already at hand (a listing just read), so they are not read again.</summary>
    public void Know(Listing listing) => listings[listing.Name] = listing.Title;

    public void Know(Participant participant) => participants[participant.Name] = participant.DisplayName;

    /// <summary>"listings/{uuid}" for a resource name, a bare UUID, or a title (exact, or else a unique part of one).</summary>
    public async Task<string> ResolveListingAsync(string input)
    {
        if (ResourceNames.TryNormalize(input, ResourceNames.Listings) is { } name)
        {
            return name;
        }

        var wanted = input.Trim();
        if (wanted.Length == 0)
        {
            throw new CliException("A listing is needed: listings/{uuid}, a bare UUID, or its title.");
        }

        var found = new List<Listing>();
        var request = new ListListingsRequest { TitleContains = wanted, PageSize = 200 };
        do
        {
            var page = await context.Listings.ListListingsAsync(request, context.Call(cancellationToken));
            found.AddRange(page.Listings);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0 && found.Count < 1000);

        var exact = found.Where(l => string.Equals(l.Title.Trim(), wanted, StringComparison.OrdinalIgnoreCase)).ToList();
        var matches = exact.Count > 0 ? exact : found;
        foreach (var listing in found)
        {
            Know(listing);
        }

        return matches.Count switch
        {
            1 => matches[0].Name,
            0 => throw new CliException($"No listing you can see is named or titled '{wanted}'.", StatusCode.NotFound),
            _ => throw new CliException(Ambiguous($"'{wanted}' matches the titles of {matches.Count} listings",
                matches.Select(l => $"{l.Name}  {l.Title}"))),
        };
    }

    /// <summary>"trades/{uuid}" for a resource name, a bare UUID, or a filing number (looked up).</summary>
    public async Task<string> ResolveTradeAsync(string input)
    {
        if (ResourceNames.TryNormalize(input, ResourceNames.Trades) is { } name)
        {
            return name;
        }

        var wanted = input.Trim();
        if (!LooksLikeFilingNumber(wanted))
        {
            throw new CliException($"'{wanted}' is not a trade: expected trades/{{uuid}}, a bare UUID, or a filing number such as DX-2022-000001.");
        }

        var trade = await context.Trades.GetTradeAsync(new GetTradeRequest { FilingNumber = wanted.ToUpperInvariant() }, context.Call(cancellationToken));
        return trade.Name;
    }

    /// <summary>"participants/{uuid}" for a resource name, a bare UUID, or a display name (exactly one must match).</summary>
    public async Task<string> ResolveParticipantAsync(string input)
    {
        if (ResourceNames.TryNormalize(input, ResourceNames.Participants) is { } name)
        {
            return name;
        }

        var wanted = input.Trim();
        var matches = new List<Participant>();
        var request = new ListParticipantsRequest { PageSize = 200 };
        do
        {
            var page = await context.Participants.ListParticipantsAsync(request, context.Call(cancellationToken));
            foreach (var p in page.Participants)
            {
                Know(p);
            }

            matches.AddRange(page.Participants.Where(p => string.Equals(p.DisplayName.Trim(), wanted, StringComparison.OrdinalIgnoreCase)));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return matches.Count switch
        {
            1 => matches[0].Name,
            0 => throw new CliException($"No participant is named or displayed as '{wanted}'.", StatusCode.NotFound),
            _ => throw new CliException(Ambiguous($"'{wanted}' is the display name of {matches.Count} participants",
                matches.Select(p => $"{p.Name}  {p.LegalName}"))),
        };
    }

    /// <summary>
    /// "participants/{uuid}/exportApprovals/{uuid}" for that name, or for the approval's bare UUID or reference number
    /// (looked up among every exporter's approvals, revoked ones included).
    /// </summary>
    public async Task<string> ResolveApprovalAsync(string input)
    {
        var wanted = input.Trim();
        if (wanted.StartsWith(ResourceNames.Participants + "/", StringComparison.Ordinal))
        {
            return ResourceNames.NormalizeApproval(wanted);
        }

        var byId = Guid.TryParseExact(wanted, "D", out var id) ? id.ToString("D") : null;
        var matches = new List<ExportApproval>();
        var request = new ListExportApprovalsRequest { Parent = ResourceNames.AllParticipants, IncludeRevoked = true, PageSize = 200 };
        do
        {
            var page = await context.Approvals.ListExportApprovalsAsync(request, context.Call(cancellationToken));
            matches.AddRange(page.Approvals.Where(a => byId is null
                ? string.Equals(a.ReferenceNumber.Trim(), wanted, StringComparison.OrdinalIgnoreCase)
                : BareId(a.Name) == byId));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return matches.Count switch
        {
            1 => matches[0].Name,
            0 => throw new CliException($"No export approval has the id or reference number '{wanted}'.", StatusCode.NotFound),
            _ => throw new CliException(Ambiguous($"'{wanted}' is the reference of {matches.Count} export approvals",
                matches.Select(a => $"{BareId(a.Name)}  {EnumNames.Format(a.Kind)}, valid {Formatting.Date(a.ValidFromDate)}..{Formatting.Date(a.ValidUntilDate)}"))),
        };
    }

    /// <summary>"participants/{uuid}/tokens/{uuid}" for that name, or for the token's bare UUID (looked up among every token; operators).</summary>
    public async Task<string> ResolveTokenAsync(string input)
    {
        var wanted = input.Trim();
        if (!Guid.TryParseExact(wanted, "D", out var id))
        {
            return ResourceNames.NormalizeToken(wanted);
        }

        var request = new ListApiTokensRequest { Parent = ResourceNames.AllParticipants, ShowRevoked = true, PageSize = 200 };
        do
        {
            var page = await context.Participants.ListApiTokensAsync(request, context.Call(cancellationToken));
            if (page.Tokens.FirstOrDefault(t => BareId(t.Name) == id.ToString("D")) is { } token)
            {
                return token.Name;
            }

            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        throw new CliException($"No API token has the id {wanted}.", StatusCode.NotFound);
    }

    /// <summary>"… ; use one of:" and the candidates one per line (at most ten).</summary>
    public static string Ambiguous(string what, IEnumerable<string> candidates)
    {
        var list = candidates.ToList();
        var shown = list.Take(10).Select(c => $"\n  {c}");
        var more = list.Count > 10 ? $"\n  … and {list.Count - 10} more" : "";
        return $"{what}; use one of:{string.Concat(shown)}{more}";
    }

    // A name that cannot be read is shown as its UUID: the rest of the output is still worth having (a change already
    // made, say, is shown rather than reported as failed because a display name could not be read).
    private static async Task<string?> ReadOrNullAsync(Func<Task<string>> read)
    {
        try
        {
            return await read();
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^[A-Za-z]{1,8}-\d{4}-\d{1,10}$")]
    private static partial Regex FilingNumberPattern();
}
