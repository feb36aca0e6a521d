using System.Text.RegularExpressions;
using DataExchange.Domain.Common;
using Google.Rpc;
using Grpc.Core;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Collects every field violation of a request, so one INVALID_ARGUMENT answer names all of them
/// (google.rpc.BadRequest), and nothing is written.
/// </summary>
public sealed partial class RequestValidator
{
    private readonly List<BadRequest.Types.FieldViolation> violations = [];

    public RequestValidator Check(bool ok, string field, string description)
    {
        if (!ok)
        {
            violations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        }

        return this;
    }

    public RequestValidator Text(string? value, string field, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Check(!required, field, "is required");
        }

        Check(value.Length <= maxLength, field, $"must be at most {maxLength} characters");
        Check(value.Trim() == value, field, "must not start or end with whitespace");
        return Check(!value.Any(char.IsControl), field, "must not contain control characters");
    }

    public RequestValidator RequestId(string? requestId, string field = "request_id")
    {
        if (string.IsNullOrEmpty(requestId))
        {
            return Check(false, field, "is required: every change carries an idempotency key");
        }

        return Check(RequestIdPattern().IsMatch(requestId), field, "must be 1-100 characters of [A-Za-z0-9._:-]");
    }

    public RequestValidator Enum<TEnum>(TEnum value, string field) where TEnum : struct, System.Enum
    {
        var known = System.Enum.IsDefined(value) && Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) != 0;
        return Check(known, field, "must be a known, specified value");
    }

    public RequestValidator PageSize(int pageSize, string field = "page_size") =>
        Check(pageSize is >= 0 and <= Paging.MaxPageSize, field, $"must be between 0 and {Paging.MaxPageSize}");

    public RequestValidator Money(V1.Money? money, string field, bool allowZero)
    {
        if (money is null)
        {
            return Check(false, field, "is required");
        }

        Check(Currencies.IsKnown(money.CurrencyCode), $"{field}.currency_code", "must be a supported ISO 4217 code (CNY, HKD, MOP, USD, EUR, GBP, SGD, JPY)");
        return Check(money.AmountMinor >= (allowZero ? 0 : 1) && money.AmountMinor <= Currencies.MaxAmountMinor,
            $"{field}.amount_minor", $"must be between {(allowZero ? 0 : 1)} and {Currencies.MaxAmountMinor} minor units");
    }

    public void ThrowIfInvalid()
    {
        if (violations.Count == 0)
        {
            return;
        }

        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        var first = violations[0];
        throw RpcErrors.Create(Code.InvalidArgument, "INVALID_REQUEST", $"{first.Field} {first.Description}" +
            (violations.Count > 1 ? $" (and {violations.Count - 1} more)" : ""),
            new Dictionary<string, string> { ["field"] = first.Field }, badRequest);
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex RequestIdPattern();
}
