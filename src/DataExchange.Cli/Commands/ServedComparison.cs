using System.Collections;
using System.Globalization;
using DataExchange.Domain.Trades;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using C = DataExchange.Compliance;
using D = DataExchange.Domain;
using V1 = DataExchange.Contracts.V1;

// What is served includes the deprecated YYYY-MM-DD twins of the google.type.Date fields: replay rebuilds them too.
#pragma warning disable CS0612

namespace DataExchange.Cli.Commands;

/// <summary>
/// What the service serves (ListParticipants, ListListings, ListExportApprovals, ListTrades, GetExchangeStatistics)
/// against the rebuilt history, every field of every resource, compliance decisions included; each difference names
/// its field ("compliance.evaluations[XB-4-SA-VOLUME].inputs[priorIndividuals]: served …, replayed …").
/// </summary>
internal static class ServedComparison
{
    private const int PageSize = 200;

    public static async Task CompareAsync(CliContext context, ReplayHistory history, Action<ReplayDifference> report, CancellationToken ct)
    {
        var participants = await PagesAsync<V1.Participant>(async token =>
        {
            var page = await context.Participants.ListParticipantsAsync(new V1.ListParticipantsRequest { PageSize = PageSize, PageToken = token }, context.Call(ct));
            return (page.Participants, page.NextPageToken);
        }, p => p.Name);
        Compare("participants", participants, history.Participants.Values.Select(ReplayMapping.ToProto), p => p.Name, report);

        var listings = await PagesAsync<V1.Listing>(async token =>
        {
            var page = await context.Listings.ListListingsAsync(new V1.ListListingsRequest { PageSize = PageSize, PageToken = token }, context.Call(ct));
            return (page.Listings, page.NextPageToken);
        }, l => l.Name);
        Compare("listings", listings, history.Listings.Values.Select(ReplayMapping.ToProto), l => l.Name, report);

        var approvals = await PagesAsync<V1.ExportApproval>(async token =>
        {
            var page = await context.Approvals.ListExportApprovalsAsync(
                new V1.ListExportApprovalsRequest { Parent = "participants/-", IncludeRevoked = true, PageSize = PageSize, PageToken = token }, context.Call(ct));
            return (page.Approvals, page.NextPageToken);
        }, a => a.Name);
        var usage = ReplayMapping.UsageByApproval([.. history.VolumeStreams.Values]);
        Compare("approvals", approvals, history.Approvals.Values.Select(a => ReplayMapping.ToProto(a, usage)), a => a.Name, report);

        // Unspecified lists every state but REFUSED; refused attempts are a second listing.
        var trades = new Dictionary<string, V1.Trade>(StringComparer.Ordinal);
        foreach (var state in new[] { V1.TradeState.Unspecified, V1.TradeState.Refused })
        {
            foreach (var (name, trade) in await PagesAsync<V1.Trade>(async token =>
            {
                var page = await context.Trades.ListTradesAsync(new V1.ListTradesRequest { State = state, PageSize = PageSize, PageToken = token }, context.Call(ct));
                return (page.Trades, page.NextPageToken);
            }, t => t.Name))
            {
                trades[name] = trade;
            }
        }

        Compare("trades", trades, history.Trades.Values.Select(ReplayMapping.ToProto), t => t.Name, report);

        var served = (await context.Trades.GetExchangeStatisticsAsync(new V1.GetExchangeStatisticsRequest(), context.Call(ct))).Clone();
        served.AsOf = null;
        foreach (var difference in ProtoDiff.Compare(served, ReplayMapping.Statistics(history.Trades.Values, history.Participants)))
        {
            report(new ReplayDifference("statistics", "statistics", difference));
        }
    }

    private static async Task<Dictionary<string, T>> PagesAsync<T>(Func<string, Task<(IEnumerable<T> Items, string Next)>> read, Func<T, string> key)
    {
        var all = new Dictionary<string, T>(StringComparer.Ordinal);
        var token = "";
        do
        {
            var (items, next) = await read(token);
            foreach (var item in items)
            {
                all[key(item)] = item;
            }

            token = next;
        }
        while (token != "");
        return all;
    }

    private static void Compare<T>(string area, Dictionary<string, T> served, IEnumerable<T> replayed, Func<T, string> key, Action<ReplayDifference> report)
        where T : IMessage
    {
        var open = new Dictionary<string, T>(served, StringComparer.Ordinal);
        foreach (var rebuilt in replayed.OrderBy(key, StringComparer.Ordinal))
        {
            var name = key(rebuilt);
            if (!open.Remove(name, out var actual))
            {
                report(new ReplayDifference(area, name, "rebuilt from the verified events but not served"));
                continue;
            }

            foreach (var difference in ProtoDiff.Compare(actual, rebuilt))
            {
                report(new ReplayDifference(area, name, difference));
            }
        }

        foreach (var name in open.Keys.Order(StringComparer.Ordinal))
        {
            report(new ReplayDifference(area, name, "served, but no verified event rebuilds it"));
        }
    }
}

/// <summary>Field-by-field comparison of two messages of one type through protobuf reflection; one line per differing leaf field.</summary>
internal static class ProtoDiff
{
    public static IReadOnlyList<string> Compare(IMessage served, IMessage replayed)
    {
        var output = new List<string>();
        Walk(served, replayed, "", output);
        return output;
    }

    private static void Walk(IMessage served, IMessage replayed, string path, List<string> output)
    {
        foreach (var field in served.Descriptor.Fields.InFieldNumberOrder())
        {
            var name = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            var a = field.Accessor.GetValue(served);
            var b = field.Accessor.GetValue(replayed);
            if (field.IsMap)
            {
                var (x, y) = ((IDictionary)a, (IDictionary)b);
                var keys = x.Keys.Cast<object>().Concat(y.Keys.Cast<object>()).Select(k => Convert.ToString(k, CultureInfo.InvariantCulture)!)
                    .Distinct().Order(StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    Value($"{name}[{key}]", Lookup(x, key), Lookup(y, key), output);
                }
            }
            else if (field.IsRepeated)
            {
                var (x, y) = ((IList)a, (IList)b);
                if (field.FieldType != FieldType.Message)
                {
                    Value(name, Join(x), Join(y), output);
                    continue;
                }

                // Elements with a key of their own (a rule id, a year, a currency) are matched by it, others by position.
                var servedKeys = x.Cast<IMessage>().Select(Key).ToList();
                var replayedKeys = y.Cast<IMessage>().Select(Key).ToList();
                if (servedKeys.Concat(replayedKeys).All(k => k is not null)
                    && servedKeys.Distinct().Count() == x.Count && replayedKeys.Distinct().Count() == y.Count)
                {
                    var servedOrder = servedKeys.Where(replayedKeys.Contains).ToList();
                    var replayedOrder = replayedKeys.Where(servedKeys.Contains).ToList();
                    if (!servedOrder.SequenceEqual(replayedOrder))
                    {
                        output.Add($"{name}: served in the order [{string.Join(", ", servedOrder)}], replayed [{string.Join(", ", replayedOrder)}]");
                    }

                    foreach (var key in servedKeys.Union(replayedKeys))
                    {
                        var (i, j) = (servedKeys.IndexOf(key), replayedKeys.IndexOf(key));
                        if (i < 0 || j < 0)
                        {
                            output.Add($"{name}[{key}]: {(i < 0 ? "replayed" : "served")} only: {Show(i < 0 ? y[j] : x[i])}");
                        }
                        else
                        {
                            Value($"{name}[{key}]", x[i], y[j], output);
                        }
                    }

                    continue;
                }

                if (x.Count != y.Count)
                {
                    output.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: served {x.Count} item(s), replayed {y.Count}"));
                }

                for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
                {
                    Value(string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]"), x[i], y[i], output);
                }
            }
            else
            {
                Value(name, a, b, output);
            }
        }
    }

    private static object? Lookup(IDictionary map, string key)
    {
        foreach (DictionaryEntry entry in map)
        {
            if (Convert.ToString(entry.Key, CultureInfo.InvariantCulture) == key)
            {
                return entry.Value;
            }
        }

        return null;
    }

    private static string Join(IList values) => string.Join(", ", values.Cast<object>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));

    /// <summary>A repeated message's element's own key where it has one (a rule id, a year, a currency), else null.</summary>
    private static string? Key(IMessage element)
    {
        foreach (var keyField in new[] { "rule_id", "year", "currency_code" })
        {
            if (element.Descriptor.FindFieldByName(keyField) is { } field && field.Accessor.GetValue(element) is { } value
                && Convert.ToString(value, CultureInfo.InvariantCulture) is { Length: > 0 } text)
            {
                return text;
            }
        }

        return null;
    }

    private static void Value(string name, object? a, object? b, List<string> output)
    {
        if (a is IMessage x && b is IMessage y && x is not Timestamp)
        {
            Walk(x, y, name, output);
        }
        else if (!Equals(a, b))
        {
            output.Add($"{name}: served {Show(a)}, replayed {Show(b)}");
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "unset",
        string s => $"'{s}'",
        Timestamp t => t.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        IMessage m => JsonFormatter.Default.Format(m),
        ByteString bytes => Convert.ToBase64String(bytes.Span),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>
/// The rebuilt domain state in the form the service serves it. Written here, not shared with the server, so the
/// auditor's idea of how an event becomes a served field is checked against the server's rather than copied from it.
/// </summary>
internal static class ReplayMapping
{
    private static string Participant(Guid id) => $"participants/{id}";

    private static string Listing(Guid id) => $"listings/{id}";

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);


    private static string Etag(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static V1.Money Money(D.Common.Money m) => new() { CurrencyCode = m.CurrencyCode, AmountMinor = m.AmountMinor };

    private static V1.Jurisdiction Jurisdiction(D.Common.Jurisdiction j)
    {
        var canonical = D.Common.JurisdictionCodes.Canonical(j);
        return new()
        {
            Region = (V1.Region)canonical.Region,
            City = canonical.City ?? "",
            Code = canonical.Code ?? "",
            ChineseName = D.Common.JurisdictionCodes.Describe(canonical.Code)?.ChineseName ?? "",
            FreeTradeZone = canonical.FreeTradeZone ?? "",
        };
    }

    private static V1.LicenceTerms Licence(D.Listings.LicenceTerms t) => new()
    {
        Purpose = t.Purpose, TermDays = t.TermDays, Exclusive = t.Exclusive, OnwardTransferAllowed = t.OnwardTransferAllowed, Territory = (V1.Territory)t.Territory,
    };

    public static V1.Participant ToProto(D.Participants.Participant p) => new()
    {
        Name = Participant(p.Id),
        DisplayName = p.DisplayName,
        LegalName = p.LegalName,
        Roles = { p.Roles.Select(r => (V1.Role)r) },
        Jurisdiction = Jurisdiction(p.Jurisdiction),
        CriticalInformationInfrastructureOperator = p.CriticalInformationInfrastructureOperator,
        CreateTime = Timestamp.FromDateTimeOffset(p.CreatedAt),
        UpdateTime = Timestamp.FromDateTimeOffset(p.UpdatedAt),
        Etag = Etag(p.Version),
        CiioDesignations =
        {
            p.CiioDesignations.Select(d => new V1.CiioDesignation
            {
                CriticalInformationInfrastructureOperator = d.Designated, EffectiveDate = Formatting.ProtoDate(d.EffectiveOn), Reference = d.Reference,
                RecordedBy = Participant(d.By), CreateTime = Timestamp.FromDateTimeOffset(d.At),
            }),
        },
    };

    public static V1.Listing ToProto(D.Listings.Listing l) => new()
    {
        Name = Listing(l.Id),
        Vendor = Participant(l.VendorId),
        Title = l.Content.Title,
        Description = l.Content.Description,
        Sector = (V1.Sector)l.Content.Sector,
        Declaration = new V1.DataDeclaration
        {
            DataLevel = (V1.DataLevel)l.Content.Declaration.Level,
            ContainsPersonalInformation = l.Content.Declaration.ContainsPersonalInformation,
            Individuals = l.Content.Declaration.Individuals,
            SensitiveIndividuals = l.Content.Declaration.SensitiveIndividuals,
            Location = Jurisdiction(l.Content.Declaration.Location),
            Categories = { l.Content.Declaration.Categories },
        },
        DeliveryMethod = (V1.DeliveryMethod)l.Content.DeliveryMethod,
        Price = Money(l.Content.Price),
        Licence = Licence(l.Content.Licence),
        State = (V1.ListingState)l.State,
        Revision = l.Revision,
        Etag = Etag(l.Version),
        RegistrationNumber = l.RegistrationNumber ?? "",
        CreateTime = Timestamp.FromDateTimeOffset(l.CreatedAt),
        UpdateTime = Timestamp.FromDateTimeOffset(l.UpdatedAt),
        DataLevel = (V1.DataLevel)l.LatestDataLevel(),
        CoreDataApproved = l.CoreDataApproved,
        DataLevelHistory =
        {
            l.DataLevelHistory.Select(c => new V1.DataLevelClassification
            {
                DataLevel = (V1.DataLevel)c.Level, EffectiveDate = Formatting.ProtoDate(c.EffectiveOn), Reference = c.Reference,
                RecordedBy = Participant(c.By), CreateTime = Timestamp.FromDateTimeOffset(c.At),
            }),
        },
    };

    private static string ApprovalName(Guid exporterId, Guid approvalId) => $"participants/{exporterId}/exportApprovals/{approvalId}";

    /// <summary>What the history's recorded export volumes put under each approval, summed over every year (the domain's sum).</summary>
    public static IReadOnlyDictionary<Guid, C.ExportVolume> UsageByApproval(IReadOnlyCollection<ExporterYearVolume> years) =>
        years.Select(y => y.ExporterId).Distinct()
            .SelectMany(exporter => ExporterHistory.From(exporter, years, []).UsedByApproval ?? System.Collections.Immutable.ImmutableDictionary<Guid, C.ExportVolume>.Empty)
            .ToDictionary(u => u.Key, u => u.Value);

    public static V1.ExportApproval ToProto(D.Approvals.ExportApproval a, IReadOnlyDictionary<Guid, C.ExportVolume> usage)
    {
        var scope = a.Scope ?? D.Approvals.ApprovalScope.None;
        var exported = usage.GetValueOrDefault(a.Id);
        var proto = ToProto(a);
        proto.Recipients.Add(scope.RecipientIds.Select(Participant));
        proto.Destinations.Add(scope.DestinationCodes);
        proto.Purpose = scope.Purpose ?? "";
        proto.ExportedIndividuals = exported?.Individuals ?? 0;
        proto.ExportedSensitiveIndividuals = exported?.SensitiveIndividuals ?? 0;
        if (scope.CoveredIndividuals is { } individuals) proto.CoveredIndividuals = individuals;
        if (scope.CoveredSensitiveIndividuals is { } sensitive) proto.CoveredSensitiveIndividuals = sensitive;
        foreach (var e in a.Extensions ?? [])
        {
            var extension = new V1.ApprovalExtension
            {
                ValidUntil = Date(e.ValidUntil), ValidUntilDate = Formatting.ProtoDate(e.ValidUntil), ReferenceNumber = e.ReferenceNumber, CreateTime = Timestamp.FromDateTimeOffset(e.At),
            };
            if (e.CoveredIndividuals is { } covered) extension.CoveredIndividuals = covered;
            proto.Extensions.Add(extension);
        }

        return proto;
    }

    private static V1.ExportApproval ToProto(D.Approvals.ExportApproval a) => new()
    {
        Name = ApprovalName(a.ExporterId, a.Id),
        Kind = Mechanism(a.Kind),
        ReferenceNumber = a.ReferenceNumber,
        Listings = { a.ListingIds.Select(Listing) },
        DataCategories = { a.DataCategories },
        CounterpartRegion = (V1.Region)a.CounterpartRegion,
        ValidFrom = Date(a.ValidFrom),
        ValidUntil = Date(a.ValidUntil),
        RevokedOn = a.RevokedOn is { } revoked ? Date(revoked) : "",
        ValidFromDate = Formatting.ProtoDate(a.ValidFrom),
        ValidUntilDate = Formatting.ProtoDate(a.ValidUntil),
        RevokedDate = a.RevokedOn is { } revokedDate ? Formatting.ProtoDate(revokedDate) : null,
        RevocationReason = a.RevocationReason ?? "",
        CreateTime = Timestamp.FromDateTimeOffset(a.CreatedAt),
        Etag = Etag(a.Version),
    };

    public static V1.Trade ToProto(Trade t)
    {
        var proto = new V1.Trade
        {
            Name = $"trades/{t.Id}",
            FilingNumber = t.FilingNumber ?? "",
            Listing = Listing(t.ListingId),
            ListingRevision = t.ListingRevision,
            Vendor = Participant(t.VendorId),
            Buyer = Participant(t.BuyerId),
            Licence = Licence(t.Licence),
            Amount = Money(t.Amount),
            State = (V1.TradeState)t.State,
            Origin = (V1.TradeOrigin)t.Origin,
            ContractDate = Date(t.ContractDate),
            TradeDate = Formatting.ProtoDate(t.ContractDate),
            Compliance = Decision(t.Compliance, t.VendorId),
            DeliveryNote = t.DeliveryNote ?? "",
            PaymentReference = t.PaymentReference ?? "",
            CancellationReason = t.CancellationReason ?? "",
            DisputeReason = t.DisputeReason ?? "",
            DisputeResolution = t.DisputeResolution ?? "",
            ExternalReference = t.ExternalReference ?? "",
            CreateTime = Timestamp.FromDateTimeOffset(t.CreatedAt),
            UpdateTime = Timestamp.FromDateTimeOffset(t.UpdatedAt),
            Etag = Etag(t.Version),
        };
        if (t.SettledAmount is { } settled)
        {
            proto.SettledAmount = Money(settled);
        }

        return proto;
    }

    private static V1.ComplianceDecision Decision(C.ComplianceDecision d, Guid exporterId)
    {
        var proto = new V1.ComplianceDecision
        {
            Accepted = d.Accepted,
            CrossBorder = d.CrossBorder,
            RuleSetVersion = d.RuleSetVersion,
            Mechanism = Mechanism(d.Mechanism),
            Approval = d.ApprovalId is { } approvalId ? ApprovalName(exporterId, approvalId) : "",
            ApprovalReference = d.ApprovalReference ?? "",
            RefusalReason = d.RefusalReason ?? "",
            RefusedByRule = d.RefusedByRule ?? "",
            Explanation = d.Explanation,
            CumulativeIndividuals = d.VolumeAfter.Individuals,
            CumulativeSensitiveIndividuals = d.VolumeAfter.SensitiveIndividuals,
            Outcome = d.OutcomeOrDerived switch
            {
                C.DecisionOutcome.Accepted => V1.DecisionOutcome.Accepted,
                C.DecisionOutcome.Refused => V1.DecisionOutcome.Refused,
                C.DecisionOutcome.ManualReview => V1.DecisionOutcome.ManualReview,
                _ => V1.DecisionOutcome.Unspecified,
            },
            Crossing = d.CrossingOrDerived switch
            {
                C.BorderCrossing.Domestic => V1.BorderCrossing.Domestic,
                C.BorderCrossing.MainlandExport => V1.BorderCrossing.MainlandExport,
                C.BorderCrossing.IntoMainland => V1.BorderCrossing.IntoMainland,
                C.BorderCrossing.OutsideMainland => V1.BorderCrossing.OutsideMainland,
                _ => V1.BorderCrossing.Unspecified,
            },
            Exemption = d.Exemption switch
            {
                C.ExemptionGround.None => V1.ExportExemption.Unspecified,
                C.ExemptionGround.ContractNecessity => V1.ExportExemption.ContractNecessity,
                C.ExemptionGround.HumanResourcesManagement => V1.ExportExemption.HumanResourcesManagement,
                C.ExemptionGround.Emergency => V1.ExportExemption.Emergency,
                C.ExemptionGround.StatutoryDuty => V1.ExportExemption.StatutoryDuty,
                C.ExemptionGround.CollectedAbroad => V1.ExportExemption.CollectedAbroad,
                C.ExemptionGround.SmallVolume => V1.ExportExemption.SmallVolume,
                C.ExemptionGround.NoPersonalOrImportantData => V1.ExportExemption.NoPersonalOrImportantData,
                C.ExemptionGround.FreeTradeZoneNegativeList => V1.ExportExemption.FreeTradeZoneNegativeList,
                C.ExemptionGround.NoExportGateInForce => V1.ExportExemption.NoExportGateInForce,
                _ => V1.ExportExemption.Unspecified,
            },
            Citations = { d.Citations ?? [] },
            OpenQuestion = d.OpenQuestion ?? "",
        };
        foreach (var e in d.Evaluations)
        {
            var evaluation = new V1.RuleEvaluation { RuleId = e.RuleId, Description = e.Description, Outcome = e.Outcome, Citation = e.Citation ?? "" };
            foreach (var (key, value) in e.Inputs)
            {
                evaluation.Inputs[key] = value;
            }

            proto.Evaluations.Add(evaluation);
        }

        return proto;
    }

    private static V1.ExportMechanism Mechanism(C.ExportMechanism mechanism) => mechanism switch
    {
        C.ExportMechanism.None => V1.ExportMechanism.None,
        C.ExportMechanism.Exempt => V1.ExportMechanism.Exempt,
        C.ExportMechanism.SecurityAssessment => V1.ExportMechanism.SecurityAssessment,
        C.ExportMechanism.StandardContract => V1.ExportMechanism.StandardContract,
        C.ExportMechanism.Certification => V1.ExportMechanism.Certification,
        C.ExportMechanism.GbaStandardContract => V1.ExportMechanism.GbaStandardContract,
        _ => V1.ExportMechanism.Unspecified,
    };

    /// <summary>
    /// The published figures from the rebuilt trades: filed = contracted and not cancelled, refused attempts apart,
    /// value per currency (ordered by code), overall, per filing year, per month (every month from the first to the
    /// last, empty ones included), and mainland exports by destination (the buyer's place; most filings first).
    /// </summary>
    public static V1.ExchangeStatistics Statistics(IEnumerable<Trade> trades, IReadOnlyDictionary<Guid, D.Participants.Participant> participants)
    {
        var all = trades.ToList();
        var statistics = new V1.ExchangeStatistics { Overall = Totals(all) };
        foreach (var year in all.Select(t => t.FilingYear).Distinct().Order())
        {
            statistics.Years.Add(new V1.YearStatistics { Year = year, Totals = Totals([.. all.Where(t => t.FilingYear == year)]) });
        }

        if (all.Count > 0)
        {
            var monthIndex = (Trade t) => t.ContractDate.Year * 12 + t.ContractDate.Month - 1;
            for (var m = all.Min(monthIndex); m <= all.Max(monthIndex); m++)
            {
                statistics.Months.Add(new V1.MonthStatistics { Year = m / 12, Month = m % 12 + 1, Totals = Totals([.. all.Where(t => monthIndex(t) == m)]) });
            }
        }

        var exports = all.Where(t => t.CrossBorder && t.State is not (TradeState.Refused or TradeState.Cancelled));
        string Destination(Trade t) => participants.TryGetValue(t.BuyerId, out var buyer) ? D.Common.JurisdictionCodes.Canonical(buyer.Jurisdiction).Code ?? "" : "";
        statistics.CrossBorderDestinations.Add(exports.GroupBy(Destination)
            .Select(g => new V1.DestinationStatistics
            {
                Code = g.Key,
                ChineseName = D.Common.JurisdictionCodes.Describe(g.Key)?.ChineseName ?? "",
                EnglishName = D.Common.JurisdictionCodes.Describe(g.Key)?.EnglishName ?? "",
                FiledTrades = g.Count(),
                Value = { Sum(g) },
            })
            .OrderByDescending(d => d.FiledTrades).ThenBy(d => d.Code, StringComparer.Ordinal));
        return statistics;
    }

    private static V1.FilingTotals Totals(IReadOnlyList<Trade> trades)
    {
        var filed = trades.Where(t => t.State is not (TradeState.Refused or TradeState.Cancelled)).ToList();
        var crossBorder = filed.Where(t => t.CrossBorder).ToList();
        return new V1.FilingTotals
        {
            FiledTrades = filed.Count,
            TotalValue = { Sum(filed) },
            CrossBorderTrades = crossBorder.Count,
            CrossBorderValue = { Sum(crossBorder) },
            RefusedAttempts = trades.Count(t => t.State == TradeState.Refused),
        };
    }

    private static IEnumerable<V1.Money> Sum(IEnumerable<Trade> trades) =>
        trades.GroupBy(t => t.Amount.CurrencyCode).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new V1.Money { CurrencyCode = g.Key, AmountMinor = g.Sum(t => t.Amount.AmountMinor) });
}
