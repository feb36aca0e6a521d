using DataExchange.Server.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace DataExchange.Server.Explorer;

/// <summary>
/// The public web explorer (issue 17): static HTML, CSS and ES modules from Explorer/wwwroot (copied next to the
/// server's binaries), served at / of the HTTP port (DX_HTTP_LISTEN) only — never on the gRPC port, and not at all
/// when the server has no HTTP port. The pages read the public REST API from the same origin; every response of the
/// explorer carries a strict Content-Security-Policy (no inline script or style, nothing from another origin).
/// </summary>
public static class ExplorerEndpoints
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The folder the files are served from: Explorer/wwwroot beside the server's assembly.</summary>
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Explorer", "wwwroot");

    public static WebApplication MapExplorer(this WebApplication app, ServerSettings settings)
    {
        if (settings.HttpListen is null || !Directory.Exists(Root))
        {
            if (settings.HttpListen is not null)
            {
                app.Logger.LogWarning("The explorer's files are missing ({Root}): / of the HTTP port is not served.", Root);
            }

            return app;
        }

        var files = new PhysicalFileProvider(Root);
        var httpPort = new Lazy<int>(() => ResolveHttpPort(app, settings));
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".mjs"] = "text/javascript; charset=utf-8";
        types.Mappings[".html"] = "text/html; charset=utf-8";
        types.Mappings[".css"] = "text/css; charset=utf-8";
        types.Mappings[".svg"] = "image/svg+xml";
        types.Mappings[".json"] = "application/json; charset=utf-8";

        app.UseWhen(http => IsExplorerRequest(http, httpPort.Value), explorer =>
        {
            explorer.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, DefaultFileNames = ["index.html"] });
            explorer.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                ContentTypeProvider = types,
                ServeUnknownFileTypes = false,
                OnPrepareResponse = context => SetHeaders(context.Context.Response),
            });
        });
        return app;
    }

    /// <summary>The headers of every explorer response: the pages may load and call only their own origin.</summary>
    public static void SetHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        // Not fingerprinted: the browser may keep a copy but asks (ETag / Last-Modified) before using it.
        headers.CacheControl = "no-cache";
    }

    private static bool IsExplorerRequest(HttpContext http, int httpPort) =>
        (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        && http.Connection.LocalPort == httpPort
        && http.GetEndpoint() is null; // an API route (/v1/…, /openapi/…) is never shadowed by a file

    /// <summary>
    /// The HTTP port as configured, or, for port 0, as Kestrel bound it: its addresses are listed in the order the
    /// endpoints were configured (gRPC, then HTTP).
    /// </summary>
    private static int ResolveHttpPort(WebApplication app, ServerSettings settings)
    {
        if (settings.HttpListen!.Port != 0)
        {
            return settings.HttpListen.Port;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        return addresses.Count > 1 ? new Uri(addresses[1].Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port : -1;
    }
}
