using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataExchange.Contracts.V1;
using DataExchange.Server.Tests.Infrastructure;
using DataExchange.Server.Tests.Ledger;
using DataExchange.Server.Tests.Trades;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Rest;

/// <summary>
/// The REST/JSON surface, driven with plain HTTP/1.1 as curl or a browser would: the ledger's checkpoint, a filing and
/// its receipt as JSON, errors as google.rpc.Status with ErrorInfo under the right HTTP status, and the OpenAPI
/// document generated from the protos.
/// </summary>
public sealed class RestApiSpecs : IClassFixture<RestApiSpecs.HttpServer>
{
    public sealed class HttpServer() : IAsyncLifetime
    {
        public ServerFixture Server { get; } = new() { ServeHttp = true };

        public Task InitializeAsync() => Server.InitializeAsync();

        public Task DisposeAsync() => Server.DisposeAsync();
    }

    private readonly ServerFixture server;

    public RestApiSpecs(HttpServer fixture) => server = fixture.Server;

    private HttpClient Http(string? token = ServerFixture.OperatorToken)
    {
        var http = new HttpClient { BaseAddress = server.HttpAddress, DefaultRequestVersion = HttpVersion.Version11 };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    private static async Task<JsonNode> JsonOf(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {body}");
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return JsonNode.Parse(body)!;
    }

    [Fact]
    public async Task A_checkpoint_reads_as_json_over_plain_http()
    {
        await server.CaughtUpCheckpointAsync();
        var checkpoint = await JsonOf(await Http().GetAsync("/v1/ledger/checkpoint"));
        Assert.True(long.Parse(checkpoint["treeSize"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.False(string.IsNullOrEmpty(checkpoint["note"]?.GetValue<string>()), checkpoint.ToJsonString());
    }

    [Fact]
    public async Task A_filing_and_its_receipt_read_as_json_by_filing_number()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Qianhai container dwell times", individuals: 0));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        await server.CaughtUpCheckpointAsync();

        var filing = await JsonOf(await Http().GetAsync($"/v1/filings/{trade.FilingNumber}"));
        Assert.Equal(trade.Name, filing["name"]!.GetValue<string>());
        Assert.Equal(trade.FilingNumber, filing["filingNumber"]!.GetValue<string>());
        Assert.Equal("TRADE_STATE_CONTRACTED", filing["state"]!.GetValue<string>());

        var byName = await JsonOf(await Http().GetAsync($"/v1/{trade.Name}"));
        Assert.Equal(trade.FilingNumber, byName["filingNumber"]!.GetValue<string>());

        var receipt = await JsonOf(await Http().GetAsync($"/v1/filings/{trade.FilingNumber}/receipt"));
        Assert.Contains(trade.Name, receipt.ToJsonString(), StringComparison.Ordinal);
        var sameReceipt = await JsonOf(await Http().GetAsync($"/v1/{trade.Name}/receipt"));
        Assert.Equal(receipt.ToJsonString(), sameReceipt.ToJsonString());
    }

    [Fact]
    public async Task A_trade_executes_over_rest_and_a_retry_with_its_request_id_returns_the_original()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Nanshan parking occupancy", individuals: 0));
        var buyerToken = (await server.Operator.Participants.IssueApiTokenAsync(
            new IssueApiTokenRequest { Parent = world.DomesticBuyerName, Label = "rest", RequestId = Guid.NewGuid().ToString() })).Secret;
        var body = JsonFormatterFor(TradeWorld.Buy(listing, Guid.NewGuid().ToString()));

        var first = await JsonOf(await Http(buyerToken).PostAsync("/v1/trades:execute", new StringContent(body, Encoding.UTF8, "application/json")));
        var again = await JsonOf(await Http(buyerToken).PostAsync("/v1/trades:execute", new StringContent(body, Encoding.UTF8, "application/json")));
        Assert.Equal(first["name"]!.GetValue<string>(), again["name"]!.GetValue<string>());
        Assert.StartsWith("trades/", first["name"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dated_facts_are_recorded_over_rest_with_patch_and_a_custom_method()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Shekou berth schedules", individuals: 0));
        var designation = JsonFormatterFor(Participants.UpdateParticipantSpecs.Designate(world.VendorName, true, "2025-03-01"));

        var request = new HttpRequestMessage(HttpMethod.Patch, $"/v1/{world.VendorName}") { Content = new StringContent(designation, Encoding.UTF8, "application/json") };
        var participant = await JsonOf(await Http().SendAsync(request));
        Assert.True(participant["criticalInformationInfrastructureOperator"]!.GetValue<bool>());
        var effective = participant["ciioDesignations"]![0]!["effectiveDate"]!; // google.type.Date: {year, month, day}
        Assert.Equal((2025, 3, 1), (effective["year"]!.GetValue<int>(), effective["month"]!.GetValue<int>(), effective["day"]!.GetValue<int>()));

        var reclassify = JsonFormatterFor(Listings.ReclassifyListingSpecs.Reclassify(listing.Name, DataLevel.Important, "2025-01-01"));
        var complianceToken = (await server.NewParticipantAsync("REST compliance", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer)).Token;
        var reclassified = await JsonOf(await Http(complianceToken).PostAsync($"/v1/{listing.Name}:reclassify", new StringContent(reclassify, Encoding.UTF8, "application/json")));
        Assert.Equal("DATA_LEVEL_IMPORTANT", reclassified["dataLevel"]!.GetValue<string>());
        Assert.Equal("GD-DATA-2025-003", reclassified["dataLevelHistory"]![0]!["reference"]!.GetValue<string>());
    }

    [Fact]
    public async Task Errors_are_google_rpc_status_with_error_info_under_the_mapped_http_status()
    {
        var unauthenticated = await JsonOf(await Http(token: null).GetAsync("/v1/trades"), HttpStatusCode.Unauthorized);
        Assert.Equal(16, unauthenticated["code"]!.GetValue<int>());
        AssertErrorInfo(unauthenticated);

        var missing = await JsonOf(await Http().GetAsync($"/v1/trades/{Guid.CreateVersion7()}"), HttpStatusCode.NotFound);
        Assert.Equal(5, missing["code"]!.GetValue<int>());
        AssertErrorInfo(missing);

        var invalid = await JsonOf(await Http().GetAsync("/v1/trades/not-a-uuid"), HttpStatusCode.BadRequest);
        Assert.Equal(3, invalid["code"]!.GetValue<int>());
        AssertErrorInfo(invalid);

        var unknownFilter = await Http().GetAsync("/v1/trades?pageSize=5000");
        var tooLarge = await JsonOf(unknownFilter, HttpStatusCode.BadRequest);
        AssertErrorInfo(tooLarge);
    }

    [Fact]
    public async Task Over_rest_a_stranger_reads_neither_a_filing_nor_its_receipt_and_cannot_act_for_the_buyer()
    {
        var world = await TradeWorld.CreateAsync(server);
        var listing = await world.ListedAsync(Listing("Bao'an cargo manifests", individuals: 0));
        var trade = await world.DomesticBuyer.Trades.ExecuteTradeAsync(TradeWorld.Buy(listing));
        var stranger = (await server.NewParticipantAsync("Curious buyer", Region.MainlandChina, "Dongguan", Role.Buyer)).Token;
        await server.CaughtUpCheckpointAsync();

        AssertErrorInfo(await JsonOf(await Http(stranger).GetAsync($"/v1/filings/{trade.FilingNumber}"), HttpStatusCode.NotFound));
        var receipt = await JsonOf(await Http(stranger).GetAsync($"/v1/{trade.Name}/receipt"), HttpStatusCode.Forbidden);
        AssertErrorInfo(receipt);
        Assert.DoesNotContain("leaves", receipt.ToJsonString(), StringComparison.Ordinal);
        var before = await server.CountEventsAsync();
        var cancel = new StringContent(JsonFormatterFor(new CancelTradeRequest { Name = trade.Name, Reason = "not mine", RequestId = Guid.NewGuid().ToString() }),
            Encoding.UTF8, "application/json");
        var refused = await Http(stranger).PostAsync($"/v1/{trade.Name}:cancel", cancel);
        Assert.True(refused.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, $"{(int)refused.StatusCode}");
        Assert.Equal(before, await server.CountEventsAsync());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_bad_request_and_records_nothing()
    {
        var before = await server.CountEventRowsAsync();
        var response = await Http().PostAsync("/v1/participants", new StringContent("{not json", Encoding.UTF8, "application/json"));
        var status = await JsonOf(response, HttpStatusCode.BadRequest);
        Assert.Equal(3, status["code"]!.GetValue<int>());
        Assert.Equal(before, await server.CountEventRowsAsync());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_rest_surface()
    {
        var response = await Http(token: null).GetAsync("/openapi/v1.json");
        var document = await JsonOf(response);

        // OpenAPI.NET's reader and its default validation rules: the document is well-formed OpenAPI 3.
        var parsed = new Microsoft.OpenApi.Readers.OpenApiStringReader().Read(document.ToJsonString(), out var diagnostic);
        Assert.True(diagnostic.Errors.Count == 0, string.Join("\n", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        var problems = Microsoft.OpenApi.Extensions.OpenApiElementExtensions.Validate(parsed, Microsoft.OpenApi.Validations.ValidationRuleSet.GetDefaultRuleSet()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.Contains(parsed.Paths["/v1/participants/{participant}/tokens/{token}:revoke"].Operations[Microsoft.OpenApi.Models.OperationType.Post].Parameters,
            p => p.Name == "token" && p.In == Microsoft.OpenApi.Models.ParameterLocation.Path);
        Assert.StartsWith("3.0.", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        // A token is required everywhere except the published reads, where it is optional (an empty requirement first).
        Assert.Equal(2, parsed.Paths["/v1/statistics"].Operations[Microsoft.OpenApi.Models.OperationType.Get].Security.Count);
        Assert.Empty(parsed.Paths["/v1/statistics"].Operations[Microsoft.OpenApi.Models.OperationType.Get].Security[0]);
        Assert.Equal(["bearer"], parsed.Paths["/v1/ledger/entries"].Operations[Microsoft.OpenApi.Models.OperationType.Get].Security
            .Select(r => r.Keys.Single().Reference.Id));
        var paths = document["paths"]!.AsObject();
        foreach (var path in new[] { "/v1/ledger/checkpoint", "/v1/filings/{filingNumber}", "/v1/filings/{filingNumber}/receipt", "/v1/statistics", "/v1/trades:execute", "/v1/trades/{trade}", "/v1/listings/{listing}", "/v1/participants/{participant}" })
        {
            Assert.True(paths.ContainsKey(path), $"{path} is not in the OpenAPI document: {string.Join(", ", paths.Select(p => p.Key))}");
        }
    }

    private static void AssertErrorInfo(JsonNode status)
    {
        var info = status["details"]!.AsArray().Single(d => d!["@type"]!.GetValue<string>() == "type.googleapis.com/google.rpc.ErrorInfo")!;
        Assert.Equal("dataexchange", info["domain"]!.GetValue<string>());
        Assert.Matches("^[A-Z][A-Z0-9_]+$", info["reason"]!.GetValue<string>());
    }

    private static string JsonFormatterFor(Google.Protobuf.IMessage message) => Google.Protobuf.JsonFormatter.Default.Format(message);
}
