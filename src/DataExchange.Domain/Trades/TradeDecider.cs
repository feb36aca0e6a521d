using DataExchange.Compliance;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using CLicence = DataExchange.Compliance.LicenceTerms;
using CLevel = DataExchange.Compliance.DataLevel;

namespace DataExchange.Domain.Trades;

/// <summary>A trade to decide: executed by the buyer now, or filed by the exchange with a historical contract date.</summary>
public sealed record TradeRequest(
    Guid TradeId,
    Listing Listing,
    Participant Vendor,
    Participant Buyer,
    Listings.LicenceTerms AcceptedLicence,
    Money Amount,
    DateOnly ContractDate,
    TradeOrigin Origin,
    string? ExternalReference,
    ExemptionGround Claim = ExemptionGround.None);

/// <summary>What the exchange knows about the exporter when deciding: its prior volume in the window and its approvals.</summary>
public sealed record ExporterRecord(ExportVolume PriorVolume, IReadOnlyList<ExportApproval> Approvals);

/// <summary>The outcome of <see cref="TradeDecider.Decide"/>: an accepted trade still needs its filing number.</summary>
public sealed record TradeVerdict(ComplianceInput Input, ComplianceDecision Decision)
{
    public bool Accepted => Decision.Accepted;
}

public static class TradeDecider
{
    /// <summary>
    /// Checks the trade's preconditions (roles, parties, listing state, price and licence), then lets the compliance
    /// engine decide under the rule set in force on the contract date. Precondition failures throw and record nothing;
    /// a compliance refusal is a verdict, recorded as <see cref="TradeRefused"/>. <see cref="TradeContracting.Decide"/>
    /// is the whole decision (exclusive licences too) without exceptions.
    /// </summary>
    public static TradeVerdict Decide(TradeRequest request, ExporterRecord exporter, Actor actor)
    {
        if (PreconditionFailure(request, actor) is { } failure)
        {
            throw failure;
        }

        var verdict = Judge(request, exporter);
        return verdict.Accepted && CoreDataFailure(request) is { } core ? throw core : verdict;
    }

    /// <summary>
    /// Core data (核心数据) on the contract date never trades. Checked after the compliance engine, so that an attempt to
    /// export it is refused under rule 1 and recorded; any other trade of it is rejected here, nothing recorded.
    /// </summary>
    public static DomainException? CoreDataFailure(TradeRequest request)
    {
        var listing = request.Listing;
        if (listing.DataLevelOn(request.ContractDate) != Listings.DataLevel.Core || listing.CoreDataApproved)
        {
            // An explicitly approved core-data product trades at home; an export of it is refused by the engine (rule 1).
            return null;
        }

        var date = request.ContractDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return new DomainException(ErrorKind.FailedPrecondition, "CORE_DATA_NOT_TRADABLE",
            $"The listing's data is core data (核心数据) on the contract date {date}: it does not trade.",
            new Dictionary<string, string> { ["data_level"] = ListingDecider.LevelName(Listings.DataLevel.Core), ["contract_date"] = date });
    }

    /// <summary>The compliance engine's verdict on a trade whose preconditions hold.</summary>
    public static TradeVerdict Judge(TradeRequest request, ExporterRecord exporter)
    {
        var input = ComplianceInputFor(request, exporter);
        return new TradeVerdict(input, ComplianceEngine.Decide(input));
    }

    /// <summary>The first day a trade can be decided on: the day the earliest encoded rule set (the Cybersecurity Law) took effect.</summary>
    public static DateOnly EarliestDecidableDate => RuleSetCatalog.Default.Versions[0].EffectiveFrom;

    /// <summary>The first precondition the trade fails, in the order clients have always seen them; null when all hold.</summary>
    public static DomainException? PreconditionFailure(TradeRequest request, Actor actor)
    {
        var listing = request.Listing;
        if (request.Origin == TradeOrigin.Executed)
        {
            if (!actor.Has(Role.Buyer) || actor.ParticipantId != request.Buyer.Id)
            {
                return DomainException.Denied("BUYER_ROLE_REQUIRED", "Only a buyer executes trades, for itself.");
            }

            if (listing.State != ListingState.Listed)
            {
                return new DomainException(ErrorKind.FailedPrecondition, "LISTING_NOT_TRADABLE",
                    $"Listing is {ListingDecider.StateName(listing.State)}; only listed products trade.",
                    new Dictionary<string, string> { ["current_state"] = ListingDecider.StateName(listing.State) });
            }

            if (request.Amount != listing.Content.Price)
            {
                return new DomainException(ErrorKind.FailedPrecondition, "PRICE_MISMATCH",
                    $"The agreed price {request.Amount} differs from the listing's current price {listing.Content.Price}; read the listing again.",
                    new Dictionary<string, string>
                    {
                        ["listing_price"] = listing.Content.Price.AmountMinor.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["listing_currency"] = listing.Content.Price.CurrencyCode,
                        ["listing_revision"] = listing.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    });
            }
        }
        else
        {
            if (!actor.Has(Role.ComplianceOfficer) && !actor.Has(Role.Operator))
            {
                return DomainException.Denied("COMPLIANCE_OR_OPERATOR_ROLE_REQUIRED", "Only compliance officers and operators file trades concluded elsewhere.");
            }

            if (listing.State is ListingState.Draft or ListingState.Submitted or ListingState.Returned or ListingState.Rejected)
            {
                return new DomainException(ErrorKind.FailedPrecondition, "LISTING_NOT_REGISTERED",
                    $"Listing is {ListingDecider.StateName(listing.State)}; only registered products can have filed trades.",
                    new Dictionary<string, string> { ["current_state"] = ListingDecider.StateName(listing.State) });
            }
        }

        if (request.ContractDate < EarliestDecidableDate)
        {
            // Judging it by a later rule set would apply a law not yet in force; no earlier one is encoded.
            var earliest = RuleSetCatalog.Default.Versions[0];
            return new DomainException(ErrorKind.InvalidArgument, "NO_RULE_SET_IN_FORCE",
                $"No export rule set decides a trade dated {request.ContractDate:yyyy-MM-dd}: the earliest, {earliest.Version}, took effect on {earliest.EffectiveFrom:yyyy-MM-dd}.",
                new Dictionary<string, string>
                {
                    ["contract_date"] = request.ContractDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    ["earliest_date"] = earliest.EffectiveFrom.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    ["earliest_rule_set"] = earliest.Version,
                });
        }

        if (!request.Buyer.Has(Role.Buyer))
        {
            return new DomainException(ErrorKind.FailedPrecondition, "COUNTERPARTY_NOT_A_BUYER", "The buyer does not hold the buyer role.");
        }

        if (request.Buyer.Id == listing.VendorId)
        {
            return new DomainException(ErrorKind.FailedPrecondition, "SELF_TRADE", "A participant cannot buy its own listing.");
        }

        if (request.AcceptedLicence != listing.Content.Licence)
        {
            return new DomainException(ErrorKind.FailedPrecondition, "LICENCE_TERMS_MISMATCH",
                "The accepted licence terms differ from the listing's; accept the listing's terms as they stand.");
        }

        return null;
    }

    public static TradeContracted Contract(TradeRequest request, TradeVerdict verdict, string filingNumber, Actor actor, DateTimeOffset now) =>
        verdict.Accepted
            ? new TradeContracted(request.TradeId, filingNumber, request.Listing.Id, request.Listing.Revision, request.Listing.VendorId,
                request.Buyer.Id, request.AcceptedLicence, request.Amount, request.Origin, request.ContractDate, request.ExternalReference,
                verdict.Input, verdict.Decision, actor.ParticipantId, now)
            : throw new InvalidOperationException("A refused trade cannot be contracted.");

    public static TradeRefused Refuse(TradeRequest request, TradeVerdict verdict, Actor actor, DateTimeOffset now) =>
        new(request.TradeId, request.Listing.Id, request.Listing.Revision, request.Listing.VendorId, request.Buyer.Id,
            request.AcceptedLicence, request.Amount, request.Origin, request.ContractDate, request.ExternalReference,
            verdict.Input, verdict.Decision, actor.ParticipantId, now);

    /// <summary>The export volume this accepted trade adds to its exporter's year, if it is a cross-border PI export.</summary>
    public static ExportVolumeRecorded? VolumeOf(TradeContracted contracted, DateTimeOffset now)
    {
        var data = contracted.ComplianceInput.Data;
        if (!contracted.Compliance.CrossBorder || !data.ContainsPersonalInformation)
        {
            return null;
        }

        return new ExportVolumeRecorded(contracted.VendorId, contracted.EffectiveDate.Year, contracted.TradeId, data.Individuals,
            data.SensitiveIndividuals, now, contracted.Compliance.ApprovalId);
    }

    /// <summary>
    /// The engine's input, with the facts in force on the contract date (China date), not today's: the parties' CIIO
    /// designations and the data level the listing had then.
    /// </summary>
    public static ComplianceInput ComplianceInputFor(TradeRequest request, ExporterRecord exporter)
    {
        var content = request.Listing.Content;
        var declaration = content.Declaration;
        var date = request.ContractDate;
        return new ComplianceInput(
            date,
            PartyOf(request.Vendor, date),
            PartyOf(request.Buyer, date),
            new Compliance.DataDeclaration(request.Listing.Id, request.Listing.DataLevelOn(date) switch
                {
                    Listings.DataLevel.Core => CLevel.Core,
                    Listings.DataLevel.Important => CLevel.Important,
                    _ => CLevel.General,
                },
                declaration.ContainsPersonalInformation, declaration.Individuals, declaration.SensitiveIndividuals,
                RegionMapping.ToCompliance(declaration.Location.Region), declaration.Location.City, content.Sector.ToString(), declaration.Categories),
            new CLicence(content.Licence.OnwardTransferAllowed, TerritoryCode(content.Licence.Territory), content.Licence.Purpose),
            exporter.PriorVolume,
            exporter.Approvals,
            request.Claim);
    }

    public static string TerritoryCode(Territory territory) => territory switch
    {
        Territory.MainlandChina => "CN",
        Territory.GreaterBayArea => "GBA",
        Territory.HongKong => "HK",
        Territory.Macao => "MO",
        _ => "GLOBAL",
    };

    private static Party PartyOf(Participant p, DateOnly date) =>
        new(p.Id, RegionMapping.ToCompliance(p.Jurisdiction.Region), p.Jurisdiction.City, p.IsCiioOn(date),
            p.Jurisdiction.Code, p.Jurisdiction.FreeTradeZone);

    // ---- After contracting: delivery, settlement, cancellation, disputes. Each returns the events to append. ----

    /// <summary>One RPC, two steps: the vendor records delivery, then the buyer acknowledges receipt.</summary>
    public static object ConfirmDelivery(Trade trade, SealedText note, Actor actor, DateTimeOffset now)
    {
        var isVendor = actor.ParticipantId == trade.VendorId && actor.Has(Role.Vendor);
        var isBuyer = actor.ParticipantId == trade.BuyerId && actor.Has(Role.Buyer);
        if (isVendor && trade.State == TradeState.Contracted)
        {
            return new TradeDelivered(trade.Id, note, actor.ParticipantId, now);
        }

        if (isBuyer && trade.State == TradeState.Delivered)
        {
            return new TradeReceiptAcknowledged(trade.Id, note, actor.ParticipantId, now);
        }

        if (!isVendor && !isBuyer)
        {
            throw DomainException.Denied("TRADE_PARTY_REQUIRED", "Only the trade's vendor (delivery) or buyer (receipt) confirms delivery.");
        }

        // The right party at the wrong time, or the other party's step.
        if (trade.State == TradeState.Contracted)
        {
            throw DomainException.Denied("VENDOR_OF_TRADE_REQUIRED", "The vendor records delivery first.");
        }

        if (trade.State == TradeState.Delivered)
        {
            throw DomainException.Denied("BUYER_OF_TRADE_REQUIRED", "Only the trade's buyer acknowledges receipt.");
        }

        throw InvalidTransition(trade, "confirm delivery of");
    }

    public static IReadOnlyList<object> Settle(Trade trade, Money amount, SealedText paymentReference, SealedText? adjustmentReason, Actor actor, DateTimeOffset now)
    {
        if (!actor.Has(Role.Operator))
        {
            throw DomainException.Denied("OPERATOR_ROLE_REQUIRED", "Only operators record settlements.");
        }

        if (trade.State != TradeState.Received)
        {
            throw InvalidTransition(trade, "settle");
        }

        if (amount.CurrencyCode != trade.Amount.CurrencyCode)
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "SETTLEMENT_CURRENCY_MISMATCH",
                $"The trade is in {trade.Amount.CurrencyCode}; settlement in {amount.CurrencyCode} is not accepted.");
        }

        if (amount == trade.Amount)
        {
            return [new TradeSettled(trade.Id, amount, paymentReference, actor.ParticipantId, now)];
        }

        if (string.IsNullOrWhiteSpace(adjustmentReason?.Text))
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "SETTLEMENT_AMOUNT_MISMATCH",
                $"The payment {amount} differs from the trade amount {trade.Amount}; give an adjustment_reason to record the difference.",
                new Dictionary<string, string> { ["trade_amount"] = trade.Amount.AmountMinor.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        return
        [
            new TradeAmountAdjusted(trade.Id, trade.Amount, amount, adjustmentReason!, actor.ParticipantId, now),
            new TradeSettled(trade.Id, amount, paymentReference, actor.ParticipantId, now),
        ];
    }

    public static TradeCancelled Cancel(Trade trade, SealedText reason, Actor actor, DateTimeOffset now)
    {
        if (!trade.IsParty(actor.ParticipantId))
        {
            throw DomainException.Denied("TRADE_PARTY_REQUIRED", "Only the trade's buyer or vendor can cancel it.");
        }

        if (trade.State != TradeState.Contracted)
        {
            throw InvalidTransition(trade, "cancel");
        }

        return new TradeCancelled(trade.Id, reason, actor.ParticipantId, now);
    }

    public static TradeDisputeOpened OpenDispute(Trade trade, SealedText reason, Actor actor, DateTimeOffset now)
    {
        RequireCompliance(actor);
        if (trade.State is not (TradeState.Delivered or TradeState.Received or TradeState.Settled))
        {
            throw InvalidTransition(trade, "open a dispute on");
        }

        return new TradeDisputeOpened(trade.Id, reason, trade.State, actor.ParticipantId, now);
    }

    public static TradeDisputeResolved ResolveDispute(Trade trade, DisputeResolution resolution, SealedText reason, Actor actor, DateTimeOffset now)
    {
        RequireCompliance(actor);
        if (trade.State != TradeState.Disputed)
        {
            throw InvalidTransition(trade, "resolve a dispute on");
        }

        return new TradeDisputeResolved(trade.Id, resolution, reason, actor.ParticipantId, now);
    }

    /// <summary>
    /// The exclusive licence a trade frees when a change ends it early (cancelled or refunded), to append to its
    /// listing's stream; null when nothing is freed.
    /// </summary>
    public static ExclusiveLicenceReleased? ReleaseOf(Trade before, Trade after, DateTimeOffset now) =>
        before.Licence.Exclusive && after.State is TradeState.Cancelled or TradeState.Refunded
            ? new ExclusiveLicenceReleased(before.ListingId, before.Id, Trade.StateName(after.State), now)
            : null;

    private static void RequireCompliance(Actor actor)
    {
        if (!actor.Has(Role.ComplianceOfficer))
        {
            throw DomainException.Denied("COMPLIANCE_ROLE_REQUIRED", "Only compliance officers handle disputes.");
        }
    }

    private static DomainException InvalidTransition(Trade trade, string action) =>
        DomainException.InvalidTransition("trade", Trade.StateName(trade.State), action);
}
