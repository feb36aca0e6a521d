using System.Collections.Immutable;
using System.Globalization;
using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using LicenceTerms = DataExchange.Domain.Listings.LicenceTerms;
using Region = DataExchange.Domain.Common.Region;

namespace DataExchange.Domain.Trades;

/// <summary>
/// A trade to contract: executed by a buyer now, or filed by the exchange with a historical contract date. The time
/// (<see cref="At"/>) comes with the command, so deciding reads no clock.
/// </summary>
public sealed record ContractTrade(
    Guid TradeId,
    Guid ListingId,
    Guid BuyerId,
    LicenceTerms Licence,
    Money Amount,
    DateOnly ContractDate,
    TradeOrigin Origin,
    string? ExternalReference,
    Actor Actor,
    DateTimeOffset At,
    ExemptionGround Claim = ExemptionGround.None);

/// <summary>
/// What the exchange knows about an exporter: its accepted cross-border volume per calendar year (only the years a
/// decision may count need be present) and its export approvals.
/// </summary>
public sealed record ExporterHistory(Guid ExporterId, ImmutableDictionary<int, ExportVolume> VolumeByYear, IReadOnlyList<Compliance.ExportApproval> Approvals,
    ImmutableDictionary<Guid, ExportVolume>? UsedByApproval = null)
{
    /// <summary>Nothing exported, no approvals: what a trade that cannot be an export is decided against.</summary>
    public static ExporterHistory Empty(Guid exporterId) => new(exporterId, ImmutableDictionary<int, ExportVolume>.Empty, []);

    /// <summary>
    /// The history from the exporter's yearly volume documents (every year, so that an approval's use is summed over its
    /// whole life) and its approvals.
    /// </summary>
    public static ExporterHistory From(Guid exporterId, IEnumerable<ExporterYearVolume> years, IReadOnlyList<Compliance.ExportApproval> approvals)
    {
        var volumes = ImmutableDictionary.CreateBuilder<int, ExportVolume>();
        var used = ImmutableDictionary.CreateBuilder<Guid, ExportVolume>();
        foreach (var year in years.Where(y => y.ExporterId == exporterId))
        {
            volumes[year.Year] = new ExportVolume(year.Individuals, year.SensitiveIndividuals);
            foreach (var (approvalId, v) in year.ByApproval ?? new Dictionary<Guid, ExportVolume>())
            {
                var before = used.GetValueOrDefault(approvalId, ExportVolume.Zero);
                used[approvalId] = new ExportVolume(before.Individuals + v.Individuals, before.SensitiveIndividuals + v.SensitiveIndividuals);
            }
        }

        return new ExporterHistory(exporterId, volumes.ToImmutable(), approvals, used.ToImmutable());
    }

    /// <summary>The approvals as the engine sees them: each with what was already exported under it, when it states a scale.</summary>
    public IReadOnlyList<Compliance.ExportApproval> ApprovalsWithUse() =>
    [
        .. Approvals.Select(a => a.CoveredIndividuals is null && a.CoveredSensitiveIndividuals is null
            ? a
            : a with { ExportedUnder = UsedByApproval?.GetValueOrDefault(a.ApprovalId) ?? ExportVolume.Zero }),
    ];

    /// <summary>The volume of the calendar years <paramref name="fromYear"/> to <paramref name="toYear"/>, both included.</summary>
    public ExportVolume VolumeOfYears(int fromYear, int toYear)
    {
        long individuals = 0, sensitive = 0;
        for (var year = fromYear; year <= toYear; year++)
        {
            if (VolumeByYear.TryGetValue(year, out var volume))
            {
                individuals += volume.Individuals;
                sensitive += volume.SensitiveIndividuals;
            }
        }

        return new ExportVolume(individuals, sensitive);
    }

    public ExporterHistory Apply(ExportVolumeRecorded e)
    {
        var before = VolumeByYear.GetValueOrDefault(e.Year, ExportVolume.Zero);
        var used = UsedByApproval ?? ImmutableDictionary<Guid, ExportVolume>.Empty;
        if (e.ApprovalId is { } approvalId)
        {
            var underBefore = used.GetValueOrDefault(approvalId, ExportVolume.Zero);
            used = used.SetItem(approvalId, new ExportVolume(underBefore.Individuals + e.Individuals, underBefore.SensitiveIndividuals + e.SensitiveIndividuals));
        }

        return this with
        {
            UsedByApproval = used,
            VolumeByYear = VolumeByYear.SetItem(e.Year,
                new ExportVolume(before.Individuals + e.Individuals, before.SensitiveIndividuals + e.SensitiveIndividuals)),
        };
    }
}

/// <summary>
/// Everything one trade decision needs and nothing it must fetch: the listing (with its exclusive grants), both
/// parties, and the exporter's history. A batch keeps one such state running and folds each filed trade into it
/// (<see cref="Apply"/>), so N trades are decided in order without the database.
/// </summary>
public sealed record TradeContractingState(Listing Listing, Participant Vendor, Participant Buyer, ExporterHistory Exporter)
{
    /// <summary>The state after <paramref name="filed"/>: its exclusive grant and its export volume count for the next trade.</summary>
    public TradeContractingState Apply(FiledTrade filed) => this with
    {
        Listing = filed.Grant is { } grant && grant.ListingId == Listing.Id ? Listing.When(grant) with { Version = Listing.Version + 1 } : Listing,
        Exporter = filed.Volume is { } volume && volume.ExporterId == Exporter.ExporterId ? Exporter.Apply(volume) : Exporter,
    };
}

/// <summary>The outcome of <see cref="TradeContracting.Decide"/>: accepted, refused by compliance (recorded), or rejected (not recorded).</summary>
public abstract record TradeContractDecision;

/// <summary>
/// Compliance accepted the trade and the territory is free. Filing it with the year's next number
/// (<see cref="File"/>) gives the events; the number is drawn only now, so refused and rejected trades never take one.
/// </summary>
public sealed record AcceptedTrade(ContractTrade Command, TradeRequest Request, TradeVerdict Verdict) : TradeContractDecision
{
    public int FilingYear => Command.ContractDate.Year;

    public FiledTrade File(long sequence) => File(FilingNumber.Format(FilingYear, sequence));

    public FiledTrade File(string filingNumber)
    {
        var contracted = TradeDecider.Contract(Request, Verdict, filingNumber, Command.Actor, Command.At);
        var licence = Command.Licence;
        var grant = licence.Exclusive
            ? new ExclusiveLicenceGranted(Request.Listing.Id, contracted.TradeId, licence.Territory, Command.ContractDate,
                Command.ContractDate.AddDays(licence.TermDays - 1), Command.At)
            : null;
        return new FiledTrade(contracted, grant, TradeDecider.VolumeOf(contracted, Command.At));
    }
}

/// <summary>Refused by the compliance engine: recorded as <see cref="TradeRefused"/> so auditors see the attempt, never filed.</summary>
public sealed record RefusedTrade(TradeRefused Refused) : TradeContractDecision;

/// <summary>A precondition failed (roles, listing state, price, licence, an exclusive licence held): nothing is recorded.</summary>
public sealed record RejectedTrade(DomainException Error) : TradeContractDecision;

/// <summary>
/// The events of a filed trade, by stream: the trade's first event, the listing's exclusive grant (exclusive licences
/// only) and the exporter-year's volume (cross-border exports of personal information only).
/// </summary>
public sealed record FiledTrade(TradeContracted Contracted, ExclusiveLicenceGranted? Grant, ExportVolumeRecorded? Volume)
{
    public Trade Trade => Trade.Start(Contracted) with { Version = 1 };
}

/// <summary>Filing numbers (登记备案编号): "DX-{year}-{n:D6}", one gapless sequence per year.</summary>
public static class FilingNumber
{
    public static string Format(int year, long sequence) => string.Create(CultureInfo.InvariantCulture, $"DX-{year}-{sequence:D6}");
}

/// <summary>
/// The rules of contracting a trade as one pure function, <see cref="Decide"/>: state and command in, decision out.
/// No I/O, no clock; the caller loads the state (<see cref="MayExport"/> and <see cref="VolumeYears"/> say what it
/// needs) and writes the events.
/// </summary>
public static class TradeContracting
{
    /// <summary>
    /// In order: the preconditions (rejected, nothing recorded), the compliance engine under the rule set in force on
    /// the contract date (a refusal is recorded), core data on the contract date (rejected), then the exclusive licences
    /// already granted (rejected).
    /// </summary>
    public static TradeContractDecision Decide(TradeContractingState state, ContractTrade command)
    {
        if (state.Listing.Id != command.ListingId || state.Buyer.Id != command.BuyerId || state.Vendor.Id != state.Listing.VendorId)
        {
            throw new ArgumentException("The state is not the one of this trade's listing and parties.", nameof(state));
        }

        var request = new TradeRequest(command.TradeId, state.Listing, state.Vendor, state.Buyer, command.Licence, command.Amount,
            command.ContractDate, command.Origin, command.ExternalReference, command.Claim);
        if (TradeDecider.PreconditionFailure(request, command.Actor) is { } failure)
        {
            return new RejectedTrade(failure);
        }

        var verdict = TradeDecider.Judge(request, ExporterRecordFor(state, command.ContractDate));
        if (!verdict.Accepted)
        {
            return new RefusedTrade(TradeDecider.Refuse(request, verdict, command.Actor, command.At));
        }

        // Core data on the contract date: an export attempt was refused above (and is recorded); any other trade stops here.
        if (TradeDecider.CoreDataFailure(request) is { } core)
        {
            return new RejectedTrade(core);
        }

        // An exclusive licence held by another trade blocks the territory for its term.
        if (state.Listing.ExclusiveHolder(command.Licence.Territory, command.ContractDate) is { } holder)
        {
            var holderName = $"trades/{holder.TradeId}";
            var until = holder.Until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return new RejectedTrade(new DomainException(ErrorKind.FailedPrecondition, "EXCLUSIVE_LICENCE_TAKEN",
                $"An exclusive licence for {command.Licence.Territory} is held until {until} by {holderName}.",
                new Dictionary<string, string> { ["holder"] = holderName, ["until"] = until }));
        }

        return new AcceptedTrade(command, request, verdict);
    }

    /// <summary>
    /// Whether the trade can move data out of the mainland: only then do the exporter's volume and approvals count
    /// (and need loading). Other trades are decided against an empty history, whatever the state holds.
    /// </summary>
    public static bool MayExport(Listing listing, Participant buyer) =>
        listing.Content.Declaration.Location.Region == Region.MainlandChina && buyer.Jurisdiction.Region != Region.MainlandChina;

    /// <summary>The calendar years whose volume counts for a trade on <paramref name="contractDate"/>, by the rule set in force then.</summary>
    public static (int From, int To) VolumeYears(DateOnly contractDate) =>
        (RuleSetCatalog.Default.RuleSetFor(contractDate).VolumeWindowStart(contractDate).Year, contractDate.Year);

    private static ExporterRecord ExporterRecordFor(TradeContractingState state, DateOnly contractDate)
    {
        if (!MayExport(state.Listing, state.Buyer))
        {
            return new ExporterRecord(ExportVolume.Zero, []);
        }

        var (from, to) = VolumeYears(contractDate);
        return new ExporterRecord(state.Exporter.VolumeOfYears(from, to), state.Exporter.ApprovalsWithUse());
    }
}
