using DataExchange.Contracts.V1;
using DataExchange.Server.Infrastructure;
using Google.Api;
using Google.Protobuf.Reflection;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>The API's conventions that client generators and linters rely on, read from the compiled protos.</summary>
public class ApiConventionSpecs
{
    private static readonly FileDescriptor[] Files =
    [
        ParticipantsReflection.Descriptor, ListingsReflection.Descriptor, TradesReflection.Descriptor,
        ApprovalsReflection.Descriptor, LedgerReflection.Descriptor, CommonReflection.Descriptor,
    ];

    [Fact]
    public void Every_request_field_states_its_field_behavior()
    {
        var missing = Files.SelectMany(f => f.MessageTypes).Where(m => m.Name.EndsWith("Request", StringComparison.Ordinal))
            .SelectMany(m => m.Fields.InDeclarationOrder())
            .Where(field => field.GetOptions()?.GetExtension(FieldBehaviorExtensions.FieldBehavior) is not { Count: > 0 })
            .Select(field => field.FullName).ToList();
        Assert.True(missing.Count == 0, "without google.api.field_behavior: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_unary_method_has_an_http_binding()
    {
        var unbound = Files.SelectMany(f => f.Services).SelectMany(s => s.Methods)
            .Where(m => !m.IsServerStreaming && !m.IsClientStreaming && m.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is null)
            .Select(m => m.FullName).ToList();
        Assert.True(unbound.Count == 0, "without google.api.http: " + string.Join(", ", unbound));
    }

    [Fact]
    public void Calendar_dates_travel_as_google_type_date_beside_their_deprecated_string_twins()
    {
        var stringDates = Files.SelectMany(f => f.MessageTypes).SelectMany(m => m.Fields.InDeclarationOrder())
            .Where(f => f.FieldType == FieldType.String && (f.Name.EndsWith("_date", StringComparison.Ordinal)
                || f.Name is "valid_from" or "valid_until" or "revoked_on"))
            .Where(f => f.GetOptions()?.Deprecated != true)
            .Select(f => f.FullName)
            // A ledger entry's and a receipt record's dates are the text the signed leaves hold: they stay as written.
            .Where(n => n is not ("dataexchange.v1.LogEntry.effective_date" or "dataexchange.v1.TradeReceiptRecord.contract_date"))
            .ToList();
        Assert.True(stringDates.Count == 0, "dates as strings: " + string.Join(", ", stringDates));
    }

    [Fact]
    public void Error_metadata_names_enum_values_as_the_proto_does()
    {
        Assert.Equal("EXPORT_MECHANISM_STANDARD_CONTRACT", ProtoEnumNames.Of(ExportMechanism.StandardContract));
        Assert.Equal("DECISION_OUTCOME_MANUAL_REVIEW", ProtoEnumNames.Of(DecisionOutcome.ManualReview));
    }
}
