using DataExchange.Contracts.V1;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>
/// Issue 12, item 5: one rule bounds every error: at most 10 field violations, echoed values cut to 64 characters,
/// the message to 512 bytes and the serialized google.rpc.Status to 3 KiB, so a huge request draws a small error.
/// </summary>
public class ErrorBoundsSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int MaxHeaderBytes = 8 * 1024;

    [Fact]
    public async Task A_300_KB_invalid_field_draws_a_small_error()
    {
        var vendor = await server.NewParticipantAsync("Bounded vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var huge = new string('\u202E', 300 * 1024);
        var request = new UpdateListingRequest
        {
            Listing = new Listing { Name = "listings/" + Guid.CreateVersion7(), Title = huge },
            UpdateMask = new FieldMask { Paths = { huge, "title" } },
            RequestId = Rid(),
        };
        using var raw = new RawGrpc(server.Address);
        var result = await raw.CallAsync("/dataexchange.v1.ListingService/UpdateListing", request, vendor.Token);
        Assert.Equal(StatusCode.InvalidArgument, result.Code);
        Assert.True(result.HeaderBytes < MaxHeaderBytes, $"{result.HeaderBytes} header bytes");
        Assert.True(result.Details!.CalculateSize() <= ErrorBounds.MaxStatusBytes);
        var violations = result.Details.GetDetail<BadRequest>()!.FieldViolations;
        Assert.Contains(violations, v => v.Field == "update_mask" && v.Description.Length <= ErrorBounds.MaxDescriptionChars);
        Assert.Contains(violations, v => v.Field == "listing.title");
    }

    [Fact]
    public async Task Many_violations_are_listed_up_to_ten_and_counted()
    {
        var vendor = await server.NewParticipantAsync("Counting vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var listing = Listing();
        listing.Title = "";
        listing.Description = "";
        listing.Sector = (Sector)99;
        listing.DeliveryMethod = (DeliveryMethod)99;
        listing.Price.CurrencyCode = "XYZ";
        listing.Price.AmountMinor = -1;
        listing.Licence.Purpose = "";
        listing.Licence.TermDays = 0;
        listing.Licence.Territory = (Territory)99;
        listing.Declaration.DataLevel = (DataLevel)99;
        listing.Declaration.Individuals = -1;
        listing.Declaration.Categories.Clear();
        listing.Declaration.Categories.Add(Enumerable.Range(0, 30).Select(i => $"Bad Category {i}"));
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            vendor.Clients.Listings.CreateListingAsync(new CreateListingRequest { Listing = listing, RequestId = Rid() }).ResponseAsync);
        var status = error.GetRpcStatus()!;
        var info = status.GetDetail<ErrorInfo>()!;
        var total = int.Parse(info.Metadata["violations"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(total > ErrorBounds.MaxFieldViolations, $"{total} violations");
        Assert.Equal(ErrorBounds.MaxFieldViolations, status.GetDetail<BadRequest>()!.FieldViolations.Count);
        Assert.Contains($"(and {total - 1} more)", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bound_cuts_every_part_of_a_status_and_keeps_its_code_and_reason()
    {
        var huge = new string('x', 300 * 1024);
        var bad = new BadRequest();
        bad.FieldViolations.Add(Enumerable.Range(0, 1000).Select(i => new BadRequest.Types.FieldViolation { Field = $"items[{i}]", Description = huge }));
        var info = new ErrorInfo { Reason = "INVALID_REQUEST", Domain = RpcErrors.Domain };
        for (var i = 0; i < 100; i++)
        {
            info.Metadata[$"key{i}"] = huge;
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument, Message = string.Concat(Enumerable.Repeat("深圳", 100_000)),
            Details = { Any.Pack(info), Any.Pack(bad), Any.Pack(new DebugInfo { Detail = huge }) },
        };

        var bounded = ErrorBounds.Apply(status);
        Assert.True(ErrorBounds.IsWithin(bounded));
        Assert.True(bounded.CalculateSize() <= ErrorBounds.MaxStatusBytes, $"{bounded.CalculateSize()} bytes");
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(bounded.Message) <= ErrorBounds.MaxMessageBytes);
        Assert.Equal((int)Code.InvalidArgument, bounded.Code);
        var boundedInfo = bounded.GetDetail<ErrorInfo>()!;
        Assert.Equal("INVALID_REQUEST", boundedInfo.Reason);
        Assert.True(boundedInfo.Metadata.Count <= ErrorBounds.MaxMetadataEntries);
        Assert.All(boundedInfo.Metadata.Values, v => Assert.True(v.Length <= ErrorBounds.MaxEchoChars));
        Assert.Null(bounded.GetDetail<DebugInfo>()); // dropped to fit
        Assert.Equal(ErrorBounds.MaxFieldViolations, bounded.GetDetail<BadRequest>()?.FieldViolations.Count ?? ErrorBounds.MaxFieldViolations);
    }

    [Fact]
    public void A_bare_status_from_deeper_code_gains_an_error_info()
    {
        var conformed = RpcErrors.Conform(new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "retry once a checkpoint is signed")));
        var info = conformed.GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        Assert.Equal(StatusCode.Unavailable, conformed.StatusCode);
        Assert.Equal("UNAVAILABLE", info.Reason);
        Assert.Equal("dataexchange", info.Domain);
    }
}
