using DataExchange.Domain.Trades;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Listings;
using C = DataExchange.Compliance;
using V1 = DataExchange.Contracts.V1;

// The deprecated YYYY-MM-DD string twins of the google.type.Date fields are still read and served for v1 clients.
#pragma warning disable CS0612

namespace DataExchange.Server.Trades;

public static class TradeMapping
{
    public static string Name(Guid id) => $"trades/{id}";

    /// <summary>
    /// A compliance refusal as the caller sees it (and a retry sees it again, from the stored outcome): FAILED_PRECONDITION
    /// with the engine's reason, the rule, and the exporter's volume. Every figure is one the recorded attempt holds:
    /// cumulative_* is the volume recorded with it (a refusal exports nothing, so the volume before it), *_with_this_trade
    /// the volume the rule compared with its threshold (the rule's recorded inputs).
    /// </summary>
    public static Grpc.Core.RpcException RefusalError(TradeRefused refused)
    {
        var d = refused.Compliance;
        string Count(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var prior = refused.ComplianceInput.PriorVolumeThisYear;
        var data = refused.ComplianceInput.Data;
        var metadata = new Dictionary<string, string>
        {
            ["trade"] = Name(refused.TradeId),
            ["rule"] = d.RefusedByRule ?? "",
            ["rule_set_version"] = d.RuleSetVersion,
            ["required_mechanism"] = ProtoEnumNames.Of(Approvals.ApprovalMapping.ToProto(d.Mechanism)),
            ["cumulative_individuals"] = Count(d.VolumeAfter.Individuals),
            ["cumulative_sensitive_individuals"] = Count(d.VolumeAfter.SensitiveIndividuals),
            ["individuals_with_this_trade"] = Count(prior.Individuals + data.Individuals),
            ["sensitive_individuals_with_this_trade"] = Count(prior.SensitiveIndividuals + data.SensitiveIndividuals),
            ["outcome"] = ProtoEnumNames.Of(ComplianceMapping.ToProto(d.OutcomeOrDerived)),
            ["citations"] = string.Join("; ", d.Citations ?? []),
        };
        if (d.OpenQuestion is { } question)
        {
            metadata["open_question"] = question;
        }
        return RpcErrors.Create(Google.Rpc.Code.FailedPrecondition, d.RefusalReason ?? "COMPLIANCE_REFUSED", d.Explanation, metadata);
    }

    public static V1.Trade ToProto(this Trade t)
    {
        var proto = new V1.Trade
        {
            Name = Name(t.Id),
            FilingNumber = t.FilingNumber ?? "",
            Listing = ResourceNames.Listing(t.ListingId),
            ListingRevision = t.ListingRevision,
            Vendor = ResourceNames.Participant(t.VendorId),
            Buyer = ResourceNames.Participant(t.BuyerId),
            Licence = t.Licence.ToProto(),
            Amount = t.Amount.ToProto(),
            State = (V1.TradeState)t.State,
            Origin = (V1.TradeOrigin)t.Origin,
            ContractDate = Dates.Format(t.ContractDate),
            TradeDate = Dates.ToProto(t.ContractDate),
            Compliance = t.Compliance.ToProto(t.VendorId),
            DeliveryNote = t.DeliveryNote ?? "",
            PaymentReference = t.PaymentReference ?? "",
            CancellationReason = t.CancellationReason ?? "",
            DisputeReason = t.DisputeReason ?? "",
            DisputeResolution = t.DisputeResolution ?? "",
            ExternalReference = t.ExternalReference ?? "",
            CreateTime = t.CreatedAt.ToTimestamp(),
            UpdateTime = t.UpdatedAt.ToTimestamp(),
            Etag = t.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (t.SettledAmount is { } settled)
        {
            proto.SettledAmount = settled.ToProto();
        }

        return proto;
    }

    public static V1.ComplianceDecision ToProto(this C.ComplianceDecision d, Guid exporterId)
    {
        var proto = new V1.ComplianceDecision
        {
            Accepted = d.Accepted,
            CrossBorder = d.CrossBorder,
            RuleSetVersion = d.RuleSetVersion,
            Mechanism = Approvals.ApprovalMapping.ToProto(d.Mechanism, d.CrossBorder),
            Approval = d.ApprovalId is { } approvalId ? Approvals.ApprovalMapping.Name(exporterId, approvalId) : "",
            ApprovalReference = d.ApprovalReference ?? "",
            RefusalReason = d.RefusalReason ?? "",
            RefusedByRule = d.RefusedByRule ?? "",
            Explanation = d.Explanation,
            CumulativeIndividuals = d.VolumeAfter.Individuals,
            CumulativeSensitiveIndividuals = d.VolumeAfter.SensitiveIndividuals,
            Outcome = ComplianceMapping.ToProto(d.OutcomeOrDerived),
            Crossing = ComplianceMapping.ToProto(d.CrossingOrDerived),
            Exemption = ComplianceMapping.ToProto(d.Exemption),
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
}
