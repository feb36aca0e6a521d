using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = DataExchange.Contracts.V1;

// The seed's requests keep the v1.0.0 YYYY-MM-DD date fields: their request ids are already recorded by exchanges seeded
// before google.type.Date existed, and a request in another shape under the same id would be refused as a reused id.
#pragma warning disable CS0612

namespace DataExchange.Seeds;

/// <summary>Progress of one phase of a load: <see cref="Completed"/> of <see cref="Total"/> items.</summary>
public sealed record SeedProgress(string Phase, int Completed, int Total);

public static class SeedPhases
{
    public const string Participants = "participants";
    public const string Tokens = "tokens";
    public const string Listings = "listings";
    public const string Approvals = "approvals";
    public const string Trades = "trades";
    public const string Closing = "suspensions and delistings";

    public static IReadOnlyList<string> Ordered { get; } = [Participants, Tokens, Listings, Approvals, Trades, Closing];
}

public sealed record SeedLoaderOptions
{
    /// <summary>Independent calls in flight at once (for example trade filings).</summary>
    public int Parallelism { get; init; } = 8;

    /// <summary>Attempts per call when the server answers ABORTED (a lost optimistic-concurrency race).</summary>
    public int MaxAttempts { get; init; } = 10;

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What a load did; resource names as the server assigned them, by seed id.</summary>
public sealed record SeedLoadResult(
    int Participants,
    int Listings,
    int Approvals,
    int FiledTrades,
    int RefusedAttempts,
    int CancelledTrades,
    IReadOnlyDictionary<string, string> ParticipantNames,
    IReadOnlyDictionary<string, string> ListingNames,
    IReadOnlyDictionary<string, string> TradeNames);

public sealed class SeedLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Loads a data set through the public gRPC API only, starting from an operator token: participants and their tokens,
/// listings through their lifecycle, export approvals, trades (FileTrade, then delivery, receipt, settlement or
/// cancellation), and finally suspensions and delistings. Every call carries a request id derived from seed ids
/// (<see cref="SeedRequestIds"/>), so a second load is a series of idempotent retries that changes nothing; resource
/// names are learned from the replies either way. Independent work runs in parallel; order is kept where it matters:
/// a listing's lifecycle before its trades, an exporter's cross-border trades in contract-date order (cumulative
/// volumes), suspensions and delistings after all trades.
/// </summary>
public sealed class SeedLoader
{
    private readonly CallInvoker invoker;
    private readonly string operatorToken;
    private readonly SeedLoaderOptions options;
    private readonly ConcurrentDictionary<string, string> participantNames = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> listingNames = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> tradeNames = new(StringComparer.Ordinal);

    public SeedLoader(GrpcChannel channel, string operatorToken, SeedLoaderOptions? options = null)
        : this(channel.CreateCallInvoker(), operatorToken, options)
    {
    }

    public SeedLoader(CallInvoker invoker, string operatorToken, SeedLoaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operatorToken);
        this.invoker = invoker;
        this.operatorToken = operatorToken;
        this.options = options ?? new SeedLoaderOptions();
    }

    private V1.ParticipantService.ParticipantServiceClient Participants => new(invoker);

    private V1.ListingService.ListingServiceClient Listings => new(invoker);

    private V1.ExportApprovalService.ExportApprovalServiceClient Approvals => new(invoker);

    private V1.TradeService.TradeServiceClient Trades => new(invoker);

    public async Task<SeedLoadResult> LoadAsync(SeedDataSet dataSet, Action<SeedProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var report = SeedValidator.Validate(dataSet);
        if (!report.IsValid)
        {
            throw new SeedLoadException("The data set is not valid: " + string.Join("; ", report.Problems.Take(5)));
        }

        var index = new SeedIndex(dataSet);
        var reporter = new Reporter(progress);

        // 1. Participants, then tokens for everyone the loader acts as.
        await ForEach(dataSet.Participants, SeedPhases.Participants, reporter, async (p, ct) =>
        {
            var created = await Call(operatorToken, ct, o => Participants.CreateParticipantAsync(new V1.CreateParticipantRequest
            {
                Participant = ToProto(p),
                RequestId = SeedRequestIds.CreateParticipant(p.Id),
            }, o));
            participantNames[p.Id] = created.Name;
        }, cancellationToken);

        var actors = dataSet.Participants.Where(p => !p.Has(SeedRole.Auditor) || p.Roles.Count > 1).ToList();
        await ForEach(actors, SeedPhases.Tokens, reporter, async (p, ct) =>
        {
            var issued = await Call(operatorToken, ct, o => Participants.IssueApiTokenAsync(new V1.IssueApiTokenRequest
            {
                Parent = participantNames[p.Id],
                Label = "seed",
                RequestId = SeedRequestIds.IssueToken(p.Id),
            }, o));
            tokens[p.Id] = issued.Secret;
        }, cancellationToken);

        // 2. Listings up to publication (steps after it wait for the trades).
        await ForEach(dataSet.Listings, SeedPhases.Listings, reporter, (l, ct) => PrepareListingAsync(l, ct), cancellationToken);

        // 3. Export approvals.
        await ForEach(dataSet.Approvals, SeedPhases.Approvals, reporter, async (a, ct) =>
        {
            var approval = new V1.ExportApproval
            {
                Kind = ToProto(a.Kind),
                ReferenceNumber = a.ReferenceNumber,
                CounterpartRegion = ToProto(a.CounterpartRegion),
                ValidFrom = Date(a.ValidFrom),
                ValidUntil = Date(a.ValidUntil),
            };
            approval.Listings.AddRange(a.Listings.Select(id => listingNames[id]));
            approval.DataCategories.AddRange(a.Categories);
            await Call(tokens[a.RecordedBy], ct, o => Approvals.RecordExportApprovalAsync(new V1.RecordExportApprovalRequest
            {
                Parent = participantNames[a.Exporter],
                Approval = approval,
                RequestId = SeedRequestIds.RecordApproval(a.Id),
            }, o));
        }, cancellationToken);

        // 4. Trades: one unit per domestic trade; one unit per exporter for its cross-border trades, in date order.
        var ordered = SeedValidator.InContractDateOrder(dataSet.Trades);
        var units = ordered.Where(index.IsCrossBorder)
            .GroupBy(t => index.VendorOf(t).Id, StringComparer.Ordinal)
            .Select(g => (IReadOnlyList<SeedTrade>)[.. g])
            .Concat(ordered.Where(t => !index.IsCrossBorder(t)).Select(t => (IReadOnlyList<SeedTrade>)[t]))
            .ToList();
        var tradeCounter = new Counter(SeedPhases.Trades, dataSet.Trades.Count, reporter);
        tradeCounter.Start();
        await Parallel.ForEachAsync(units, ParallelOptionsFor(cancellationToken), async (unit, ct) =>
        {
            foreach (var trade in unit)
            {
                await TradeAsync(index, trade, ct);
                tradeCounter.Increment();
            }
        });

        // 5. Suspensions and delistings, after the listings' trades.
        var closing = dataSet.Listings.Where(l => l.StepsAfterTrades.Count > 0).ToList();
        await ForEach(closing, SeedPhases.Closing, reporter, (l, ct) => CloseListingAsync(l, ct), cancellationToken);

        return new SeedLoadResult(
            participantNames.Count,
            listingNames.Count,
            dataSet.Approvals.Count,
            dataSet.Trades.Count(SeedIndex.CountsAsFiled),
            dataSet.Trades.Count(t => TradeOutcomes.IsRefused(t.Outcome)),
            dataSet.Trades.Count(t => t.Outcome == TradeOutcomes.FiledThenCancelled),
            new Dictionary<string, string>(participantNames, StringComparer.Ordinal),
            new Dictionary<string, string>(listingNames, StringComparer.Ordinal),
            new Dictionary<string, string>(tradeNames, StringComparer.Ordinal));
    }

    private async Task PrepareListingAsync(SeedListing listing, CancellationToken ct)
    {
        var vendor = tokens[listing.Vendor];
        var created = await Call(vendor, ct, o => Listings.CreateListingAsync(new V1.CreateListingRequest
        {
            Listing = ToProto(listing, participantNames[listing.Vendor]),
            RequestId = SeedRequestIds.CreateListing(listing.Id),
        }, o));
        var name = created.Name;
        for (var i = 0; i < listing.StepsBeforeTrades.Count; i++)
        {
            await ListingStepAsync(listing, name, i, ct);
        }

        // Dated facts before the trades: each trade is judged by the level in force on its contract date.
        var reclassifications = listing.Reclassifications ?? [];
        for (var i = 0; i < reclassifications.Count; i++)
        {
            var r = reclassifications[i];
            var requestId = SeedRequestIds.Reclassify(listing.Id, i);
            await Call(tokens[listing.Reviewer], ct, o => Listings.ReclassifyListingAsync(new V1.ReclassifyListingRequest
            {
                Name = name, DataLevel = ToProto(r.DataLevel), EffectiveDate = new Google.Type.Date { Year = r.EffectiveOn.Year, Month = r.EffectiveOn.Month, Day = r.EffectiveOn.Day }, Reference = r.Reference, RequestId = requestId,
            }, o));
        }

        listingNames[listing.Id] = name;
    }

    private async Task CloseListingAsync(SeedListing listing, CancellationToken ct)
    {
        var first = listing.StepsBeforeTrades.Count;
        for (var i = first; i < listing.Lifecycle.Count; i++)
        {
            await ListingStepAsync(listing, listingNames[listing.Id], i, ct);
        }
    }

    private async Task ListingStepAsync(SeedListing listing, string name, int i, CancellationToken ct)
    {
        var step = listing.Lifecycle[i];
        var requestId = SeedRequestIds.ListingStep(listing.Id, i, step);
        var vendor = tokens[listing.Vendor];
        var reviewer = tokens[listing.Reviewer];
        V1.ReviewListingRequest Review(V1.ReviewDecision decision, string? reason)
        {
            var review = new V1.ReviewListingRequest { Name = name, Decision = decision, Reason = reason ?? "", RequestId = requestId };
            if (decision == V1.ReviewDecision.Approve)
            {
                review.Evidence.AddRange(listing.Evidence);
            }

            return review;
        }

        _ = step switch
        {
            LifecycleSteps.Submit => await Call(vendor, ct, o => Listings.SubmitListingAsync(new V1.SubmitListingRequest { Name = name, RequestId = requestId }, o)),
            LifecycleSteps.Approve => await Call(reviewer, ct, o => Listings.ReviewListingAsync(Review(V1.ReviewDecision.Approve, null), o)),
            LifecycleSteps.Return => await Call(reviewer, ct, o => Listings.ReviewListingAsync(Review(V1.ReviewDecision.Return, listing.ReturnReason), o)),
            LifecycleSteps.Reject => await Call(reviewer, ct, o => Listings.ReviewListingAsync(Review(V1.ReviewDecision.Reject, listing.RejectReason), o)),
            LifecycleSteps.Revise => await Call(vendor, ct, o => Listings.UpdateListingAsync(new V1.UpdateListingRequest
            {
                Listing = new V1.Listing { Name = name, Description = listing.RevisedDescription ?? listing.Description },
                UpdateMask = new FieldMask { Paths = { "description" } },
                RequestId = requestId,
            }, o)),
            LifecycleSteps.Publish => await Call(vendor, ct, o => Listings.PublishListingAsync(new V1.PublishListingRequest { Name = name, RequestId = requestId }, o)),
            LifecycleSteps.Suspend => await Call(reviewer, ct, o => Listings.SuspendListingAsync(new V1.SuspendListingRequest
            {
                Name = name, Reason = listing.SuspendReason ?? "", RequestId = requestId,
            }, o)),
            LifecycleSteps.Delist => await Call(vendor, ct, o => Listings.DelistListingAsync(new V1.DelistListingRequest
            {
                Name = name, Reason = listing.DelistReason ?? "", RequestId = requestId,
            }, o)),
            _ => throw new SeedLoadException($"listing {listing.Id}: unknown lifecycle step '{step}'"),
        };
    }

    private async Task TradeAsync(SeedIndex index, SeedTrade trade, CancellationToken ct)
    {
        var listing = index.ListingOf(trade);
        var request = new V1.FileTradeRequest
        {
            Listing = listingNames[listing.Id],
            Buyer = participantNames[trade.Buyer],
            Licence = ToProto(trade.Licence),
            Amount = ToProto(trade.Amount),
            ContractDate = Date(trade.ContractDate),
            ExternalReference = trade.ExternalReference,
            RequestId = SeedRequestIds.FileTrade(trade.Id),
        };

        if (TradeOutcomes.IsRefused(trade.Outcome))
        {
            var expected = TradeOutcomes.RefusalReason(trade.Outcome);
            try
            {
                var answered = await Call(operatorToken, ct, o => Trades.FileTradeAsync(request, o));
                // A retry may answer with the recorded refusal instead of the error: accept it if the reason matches.
                if (answered.State != V1.TradeState.Refused || answered.Compliance?.RefusalReason != expected)
                {
                    throw new SeedLoadException($"trade {trade.Id}: expected refusal {expected}, but the server filed it as {answered.Name} ({answered.State}).");
                }

                tradeNames[trade.Id] = answered.Name;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                var reason = e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
                if (reason != expected)
                {
                    throw new SeedLoadException($"trade {trade.Id}: expected refusal {expected}, but the server answered {reason ?? "no reason"}: {e.Status.Detail}", e);
                }
            }

            return;
        }

        V1.Trade filed;
        try
        {
            filed = await Call(operatorToken, ct, o => Trades.FileTradeAsync(request, o));
        }
        catch (RpcException e)
        {
            var reason = e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
            throw new SeedLoadException($"trade {trade.Id} ({trade.ContractDate:yyyy-MM-dd}): filing failed with {e.StatusCode} {reason}: {e.Status.Detail}", e);
        }

        if (filed.State == V1.TradeState.Refused)
        {
            throw new SeedLoadException($"trade {trade.Id}: expected to be filed, but refused: {filed.Compliance?.RefusalReason}");
        }

        tradeNames[trade.Id] = filed.Name;
        var vendor = tokens[listing.Vendor];
        foreach (var step in trade.Steps)
        {
            var requestId = SeedRequestIds.TradeStep(trade.Id, step);
            _ = step switch
            {
                TradeSteps.Delivered => await Call(vendor, ct, o => Trades.ConfirmDeliveryAsync(new V1.ConfirmDeliveryRequest
                {
                    Name = filed.Name, Note = DeliveryNote(listing), RequestId = requestId,
                }, o)),
                TradeSteps.Received => await Call(tokens[trade.Buyer], ct, o => Trades.ConfirmDeliveryAsync(new V1.ConfirmDeliveryRequest
                {
                    Name = filed.Name, Note = "Receipt acknowledged by the buyer.", RequestId = requestId,
                }, o)),
                TradeSteps.Settled => await Call(operatorToken, ct, o => Trades.SettleTradeAsync(new V1.SettleTradeRequest
                {
                    Name = filed.Name, Amount = ToProto(trade.Amount), PaymentReference = "PAY-" + trade.ExternalReference, RequestId = requestId,
                }, o)),
                _ => throw new SeedLoadException($"trade {trade.Id}: unknown step '{step}'"),
            };
        }

        if (trade.Outcome == TradeOutcomes.FiledThenCancelled)
        {
            var by = trade.CancelledBy == SeedCancelledBy.Vendor ? vendor : tokens[trade.Buyer];
            await Call(by, ct, o => Trades.CancelTradeAsync(new V1.CancelTradeRequest
            {
                Name = filed.Name, Reason = trade.CancellationReason ?? "", RequestId = SeedRequestIds.TradeStep(trade.Id, "cancelled"),
            }, o));
        }
    }

    private static string DeliveryNote(SeedListing listing) => listing.Delivery switch
    {
        SeedDelivery.Api => "API credentials issued.",
        SeedDelivery.File => "Files delivered through the exchange's delivery channel.",
        _ => "Computation access granted on the privacy-preserving computation platform.",
    };

    /// <summary>One unary call with the caller's token; ABORTED (lost race) is retried with the same request.</summary>
    private async Task<T> Call<T>(string token, CancellationToken ct, Func<CallOptions, AsyncUnaryCall<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            var headers = new Metadata { { "authorization", $"Bearer {token}" } };
            try
            {
                return await call(new CallOptions(headers, DateTime.UtcNow + options.CallTimeout, ct));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Aborted && attempt < options.MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), ct);
            }
        }
    }

    private ParallelOptions ParallelOptionsFor(CancellationToken ct) => new() { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = ct };

    private async Task ForEach<T>(IReadOnlyList<T> items, string phase, Reporter reporter, Func<T, CancellationToken, Task> body, CancellationToken ct)
    {
        var counter = new Counter(phase, items.Count, reporter);
        counter.Start();
        await Parallel.ForEachAsync(items, ParallelOptionsFor(ct), async (item, token) =>
        {
            await body(item, token);
            counter.Increment();
        });
    }

    private sealed class Reporter(Action<SeedProgress>? callback)
    {
        public void Report(SeedProgress progress) => callback?.Invoke(progress);
    }

    private sealed class Counter(string phase, int total, Reporter reporter)
    {
        private int completed;

        public void Start() => reporter.Report(new SeedProgress(phase, 0, total));

        public void Increment() => reporter.Report(new SeedProgress(phase, Interlocked.Increment(ref completed), total));
    }

    // ---------------------------------------------------------------- mapping onto the API

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static V1.DataLevel ToProto(SeedDataLevel level) => level switch
    {
        SeedDataLevel.General => V1.DataLevel.General,
        SeedDataLevel.Important => V1.DataLevel.Important,
        SeedDataLevel.Core => V1.DataLevel.Core,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    private static V1.Money ToProto(SeedMoney money) => new() { AmountMinor = money.AmountMinor, CurrencyCode = money.Currency };

    public static V1.Region ToProto(SeedRegion region) => region switch
    {
        SeedRegion.Mainland => V1.Region.MainlandChina,
        SeedRegion.HongKong => V1.Region.HongKong,
        SeedRegion.Macao => V1.Region.Macao,
        SeedRegion.Other => V1.Region.Other,
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, null),
    };

    private static V1.Role ToProto(SeedRole role) => role switch
    {
        SeedRole.Vendor => V1.Role.Vendor,
        SeedRole.Buyer => V1.Role.Buyer,
        SeedRole.ComplianceOfficer => V1.Role.ComplianceOfficer,
        SeedRole.Auditor => V1.Role.Auditor,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    private static V1.ExportMechanism ToProto(SeedApprovalKind kind) => kind switch
    {
        SeedApprovalKind.SecurityAssessment => V1.ExportMechanism.SecurityAssessment,
        SeedApprovalKind.StandardContract => V1.ExportMechanism.StandardContract,
        SeedApprovalKind.Certification => V1.ExportMechanism.Certification,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static V1.Participant ToProto(SeedParticipant p)
    {
        var participant = new V1.Participant
        {
            DisplayName = p.DisplayName,
            LegalName = p.ServerLegalName,
            Jurisdiction = new V1.Jurisdiction { Region = ToProto(p.Region), City = p.City ?? "" },
            CriticalInformationInfrastructureOperator = p.Ciio,
        };
        participant.Roles.AddRange(p.Roles.Select(ToProto));
        return participant;
    }

    public static V1.LicenceTerms ToProto(SeedLicence licence) => new()
    {
        Purpose = licence.Purpose,
        TermDays = licence.TermDays,
        Exclusive = licence.Exclusive,
        OnwardTransferAllowed = licence.OnwardTransferAllowed,
        Territory = licence.Territory switch
        {
            SeedTerritory.MainlandChina => V1.Territory.MainlandChina,
            SeedTerritory.GreaterBayArea => V1.Territory.GreaterBayArea,
            SeedTerritory.HongKong => V1.Territory.HongKong,
            SeedTerritory.Macao => V1.Territory.Macao,
            SeedTerritory.Global => V1.Territory.Global,
            _ => throw new ArgumentOutOfRangeException(nameof(licence), licence.Territory, null),
        },
    };

    public static V1.Listing ToProto(SeedListing l, string vendorName)
    {
        var declaration = new V1.DataDeclaration
        {
            DataLevel = ToProto(l.DataLevel),
            ContainsPersonalInformation = l.ContainsPersonalInformation,
            Individuals = l.Individuals,
            SensitiveIndividuals = l.SensitiveIndividuals,
            Location = new V1.Jurisdiction { Region = ToProto(l.Location.Region), City = l.Location.City ?? "" },
        };
        declaration.Categories.AddRange(l.Categories);
        return new V1.Listing
        {
            Vendor = vendorName,
            Title = l.Title,
            Description = l.Description,
            Sector = l.Sector switch
            {
                SeedSector.Finance => V1.Sector.Finance,
                SeedSector.Transport => V1.Sector.Transport,
                SeedSector.Healthcare => V1.Sector.Healthcare,
                SeedSector.Geospatial => V1.Sector.Geospatial,
                SeedSector.Ecommerce => V1.Sector.Ecommerce,
                SeedSector.Manufacturing => V1.Sector.Manufacturing,
                SeedSector.Energy => V1.Sector.Energy,
                SeedSector.AiTraining => V1.Sector.AiTraining,
                SeedSector.PublicData => V1.Sector.PublicData,
                _ => throw new ArgumentOutOfRangeException(nameof(l), l.Sector, null),
            },
            Declaration = declaration,
            DeliveryMethod = l.Delivery switch
            {
                SeedDelivery.Api => V1.DeliveryMethod.Api,
                SeedDelivery.File => V1.DeliveryMethod.File,
                SeedDelivery.PrivacyPreservingComputation => V1.DeliveryMethod.PrivacyPreservingComputation,
                _ => throw new ArgumentOutOfRangeException(nameof(l), l.Delivery, null),
            },
            Price = ToProto(l.Price),
            Licence = ToProto(l.Licence),
        };
    }
}
