using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;

namespace DataExchange.Domain.Trades;

/// <summary>
/// Decides a batch of trades in order against one running state, as if each had been contracted alone after the one
/// before it: every accepted trade's exclusive grant and export volume are folded in
/// (<see cref="TradeContractingState.Apply"/>) before the next trade is decided. The batch holds the listings and the
/// exporters' histories as loaded at its start; a trade that cannot export is decided against an empty history, as
/// <see cref="TradeContracting.Decide"/> requires. Filing numbers are not drawn here: the caller draws the batch's
/// numbers once, after deciding, and files the accepted trades in decision order.
/// </summary>
public sealed class TradeBatch(IEnumerable<Listing> listings, IEnumerable<ExporterHistory> exporters)
{
    private readonly Dictionary<Guid, Listing> listings = listings.ToDictionary(l => l.Id);
    private readonly Dictionary<Guid, ExporterHistory> exporters = exporters.ToDictionary(e => e.ExporterId);

    /// <summary>The listing as the batch's decisions so far left it (with the grants of the trades accepted before), or null.</summary>
    public Listing? Listing(Guid id) => listings.GetValueOrDefault(id);

    /// <summary>Decides <paramref name="command"/> after every trade decided before it in this batch.</summary>
    public TradeContractDecision Decide(ContractTrade command, Participant vendor, Participant buyer)
    {
        var listing = listings[command.ListingId];
        var mayExport = TradeContracting.MayExport(listing, buyer);
        var exporter = mayExport ? exporters.GetValueOrDefault(vendor.Id) ?? ExporterHistory.Empty(vendor.Id) : ExporterHistory.Empty(vendor.Id);
        var state = new TradeContractingState(listing, vendor, buyer, exporter);
        var decision = TradeContracting.Decide(state, command);
        if (decision is AcceptedTrade accepted)
        {
            // The filing number changes neither the grant nor the volume, so a placeholder serves for the fold.
            var after = state.Apply(accepted.File(0));
            listings[listing.Id] = after.Listing;
            if (mayExport)
            {
                exporters[vendor.Id] = after.Exporter;
            }
        }

        return decision;
    }
}
