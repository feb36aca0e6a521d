using System.Net;
using DataExchange.Server.Explorer;
using DataExchange.Server.Tests.Trades;
using Microsoft.Playwright;

namespace DataExchange.Server.Tests.Explorer;

/// <summary>The explorer's files: served at / of the HTTP port with strict headers, never on the gRPC port.</summary>
[Collection(ExplorerCollection.Name)]
public class ExplorerServingSpecs(ExplorerWorld world)
{
    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/index.html", "text/html")]
    [InlineData("/js/app.js", "text/javascript")]
    [InlineData("/css/explorer.css", "text/css")]
    public async Task The_http_port_serves_the_explorer_with_a_strict_content_security_policy(string path, string type)
    {
        using var http = new HttpClient { BaseAddress = world.Server.HttpAddress };
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ExplorerEndpoints.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("no-cache", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pages_hold_no_inline_script_or_style_and_load_nothing_from_elsewhere()
    {
        var root = Path.Combine(ReceiptTools.RepositoryRoot, "src", "DataExchange.Server", "Explorer", "wwwroot");
        var html = await File.ReadAllTextAsync(Path.Combine(root, "index.html"));
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("\\son[a-z]+=", html);
        foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".html") || f.EndsWith(".js") || f.EndsWith(".css")))
        {
            var text = await File.ReadAllTextAsync(file);
            Assert.DoesNotMatch("(src|href)=\"(https?:)?//", text);
            Assert.DoesNotMatch("import[^;]*['\"]https?://", text);
            Assert.DoesNotContain("innerHTML", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("#/")]
    [InlineData("#/filings?q=logistics")]
    [InlineData("#/verify")]
    public async Task A_page_loads_everything_from_its_own_origin_without_a_token(string route)
    {
        var requests = new List<IRequest>();
        var context = await world.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = world.Server.HttpAddress.ToString() });
        var page = await context.NewPageAsync();
        page.Request += (_, request) => { lock (requests) { requests.Add(request); } };
        var failures = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") { lock (failures) { failures.Add(message.Text); } } };
        await page.GotoAsync("/" + route);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.NotEmpty(requests);
        var origin = world.Server.HttpAddress.GetLeftPart(UriPartial.Authority);
        foreach (var request in requests)
        {
            Assert.StartsWith(origin, request.Url, StringComparison.Ordinal);
            Assert.False((await request.AllHeadersAsync()).ContainsKey("authorization"), request.Url);
        }

        Assert.True(failures.Count == 0, "console errors (a CSP violation is one): " + string.Join("; ", failures));
        Assert.Contains(requests, r => r.Url.Contains("/v1/", StringComparison.Ordinal));
        await context.CloseAsync();
    }

    [Fact]
    public async Task The_api_routes_are_not_shadowed_and_unknown_paths_are_not_found()
    {
        using var http = new HttpClient { BaseAddress = world.Server.HttpAddress };
        using var openApi = await http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.False(openApi.Headers.Contains("Content-Security-Policy"));
        using var missing = await http.GetAsync("/no-such-page.html");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_grpc_port_does_not_serve_the_explorer()
    {
        using var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = world.Server.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/index.html") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.SendAsync(request);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }
}
