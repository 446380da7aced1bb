using System.Text;
using Microsoft.Net.Http.Headers;

namespace ChangemakerLite.WebFrontend.Web;

/// <summary>
/// <c>MAP_TILE_URL</c>: the raster tiles behind every map of the web UI (<c>{z}/{x}/{y}</c>, optionally <c>{s}</c>);
/// empty draws maps on a plain background. <c>MAP_TILE_ATTRIBUTION</c>: the credit the tile provider asks for.
/// </summary>
public sealed record WebOptions(string MapTileUrl, string MapTileAttribution)
{
    public const string DefaultTileUrl = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    public const string DefaultAttribution = "© OpenStreetMap contributors";

    public static WebOptions From(IConfiguration configuration) => new(
        (configuration["MAP_TILE_URL"] ?? DefaultTileUrl).Trim(),
        configuration["MAP_TILE_ATTRIBUTION"] ?? DefaultAttribution);

    /// <summary>
    /// The tile server's origin for the pages' Content-Security-Policy (<c>img-src</c>): tiles are the only thing a
    /// page loads from elsewhere. A <c>{s}</c> subdomain becomes a wildcard; a relative URL is the site itself.
    /// </summary>
    public string TileSource()
    {
        if (MapTileUrl.Length == 0 || MapTileUrl.StartsWith('/')) return "";
        var probe = MapTileUrl.Replace("{s}", "a", StringComparison.Ordinal);
        var cut = probe.IndexOf('{');
        if (cut >= 0) probe = probe[..cut];
        if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return "";
        var host = MapTileUrl.Contains("{s}.", StringComparison.Ordinal) ? "*." + uri.Host[(uri.Host.IndexOf('.') + 1)..] : uri.Host;
        return $"{uri.Scheme}://{host}{(uri.IsDefaultPort ? "" : ":" + uri.Port)}";
    }
}

/// <summary>What a page of the web UI needs to know about the site before it draws: the map tiles.</summary>
public sealed record WebConfig(string MapTileUrl, string MapTileAttribution, string Version);

/// <summary>
/// The web UI: the public pages (<c>/</c>, <c>/campaigns/{slug}</c>, <c>/shifts/{id}</c>), the canvasser app
/// (<c>/volunteer</c>, installable, working offline through its service worker <c>/volunteer-sw.js</c>) and the admin
/// console (<c>/app</c>). Every page is a static HTML shell whose scripts speak only the public API and the live hub;
/// their files are served from <c>/web/</c> (docs/web.md).
/// </summary>
public static class WebEndpoints
{
    /// <summary>The page's own policy (the platform's default HTML policy runs no script): scripts, styles and
    /// connections to this site only, images also from the tile server, never framed.</summary>
    public static string PagePolicy(WebOptions options)
    {
        var tiles = options.TileSource();
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:" + (tiles.Length > 0 ? " " + tiles : "")
            + "; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    }

    public static IServiceCollection AddWebFrontend(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(WebOptions.From(configuration));
        services.AddSingleton<WebAssets>();
        return services;
    }

    public static IEndpointRouteBuilder MapWebEndpoints(this IEndpointRouteBuilder app)
    {
        var assets = app.ServiceProvider.GetRequiredService<WebAssets>();
        var options = app.ServiceProvider.GetRequiredService<WebOptions>();
        var policy = PagePolicy(options);
        var serviceWorker = ServiceWorker(assets);

        app.MapGet("/api/web/config", () => TypedResults.Ok(new WebConfig(options.MapTileUrl, options.MapTileAttribution, assets.Version)))
            .WithTags("Web").AllowAnonymous()
            .WithSummary("The map tile URL and attribution the web UI's maps use, and the UI's version.");

        var pages = app.MapGroup("").WithTags("Web").AllowAnonymous();
        Page(pages, "/", "pages/home.html", "The public home page: active campaigns and upcoming shifts.");
        Page(pages, "/campaigns/{slug}", "pages/campaign.html", "A campaign's public page: representatives by postal code, sending, the response wall.");
        Page(pages, "/shifts/{id:guid}", "pages/shift.html", "A public shift and its signup form, its count kept live.");
        Page(pages, "/volunteer", "pages/volunteer.html", "The canvasser app (installable, works offline).");
        Page(pages, "/app", "pages/admin.html", "The admin console.");
        Page(pages, "/media", "pages/media.html", "The public video gallery: published videos by category, newest or most popular first.");
        Page(pages, "/media/{id:guid}", "pages/video.html", "A published video: the player, reactions and comments.");

        pages.MapGet("/volunteer-sw.js", (HttpContext http) => new AssetResult(serviceWorker, null))
            .Produces(StatusCodes.Status200OK, contentType: "text/javascript")
            .WithSummary("The canvasser app's service worker; it lives at the root so that it may control /volunteer.");

        pages.MapGet("/web/{**path}", (string path) =>
                assets.Find(path) is { } asset && !path.StartsWith("pages/", StringComparison.Ordinal) && path != ServiceWorkerTemplate
                    ? (IResult)new AssetResult(asset, null)
                    : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: $"No web UI file '{path}'."))
            .Produces(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The web UI's scripts, styles, images and vendored libraries (SignalR client, Leaflet).");
        return app;

        void Page(RouteGroupBuilder group, string route, string file, string summary)
        {
            var asset = assets.Get(file);
            group.MapGet(route, () => new AssetResult(asset, policy))
                .Produces(StatusCodes.Status200OK, contentType: "text/html")
                .WithSummary(summary);
        }
    }

    private const string ServiceWorkerTemplate = "volunteer-sw.js";

    /// <summary>
    /// The service worker with the UI's version and the app shell's addresses written in, so that any change of any
    /// file changes the worker, which makes browsers install the new shell.
    /// </summary>
    private static WebAsset ServiceWorker(WebAssets assets)
    {
        var shell = new List<string> { "/volunteer" };
        shell.AddRange(assets.All.Select(a => a.Path)
            .Where(p => !p.StartsWith("pages/", StringComparison.Ordinal) && p != ServiceWorkerTemplate)
            .Select(p => "/web/" + p));
        var text = Encoding.UTF8.GetString(assets.Get(ServiceWorkerTemplate).Bytes)
            .Replace("__VERSION__", assets.Version, StringComparison.Ordinal)
            .Replace("__SHELL__", System.Text.Json.JsonSerializer.Serialize(shell), StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(text);
        return new WebAsset("volunteer-sw.js", "text/javascript; charset=utf-8", bytes, null, $"\"sw-{assets.Version}\"");
    }

    /// <summary>
    /// A file answer: revalidated on every use (<c>no-cache</c> with its entity tag, so a 304 costs no body), gzip when
    /// the browser takes it, and for pages their own Content-Security-Policy.
    /// </summary>
    private sealed class AssetResult(WebAsset asset, string? policy) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var response = http.Response;
            response.Headers.CacheControl = "no-cache";
            response.Headers.ETag = asset.ETag;
            response.Headers.Vary = HeaderNames.AcceptEncoding;
            if (policy is not null) response.Headers.ContentSecurityPolicy = policy;
            if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == asset.ETag)))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
            response.ContentType = asset.ContentType;
            var body = asset.Bytes;
            if (asset.Gzip is not null && AcceptsGzip(http.Request))
            {
                response.Headers.ContentEncoding = "gzip";
                body = asset.Gzip;
            }
            response.ContentLength = body.Length;
            if (HttpMethods.IsHead(http.Request.Method)) return;
            await response.Body.WriteAsync(body, http.RequestAborted);
        }

        private static bool AcceptsGzip(HttpRequest request) =>
            request.Headers.AcceptEncoding.Any(v => v is not null && v.Split(',').Any(e =>
            {
                var parts = e.Split(';');
                return parts[0].Trim().Equals("gzip", StringComparison.OrdinalIgnoreCase)
                    && !parts.Skip(1).Any(p => p.Trim().Replace(" ", "") is "q=0" or "q=0.0" or "q=0.00" or "q=0.000");
            }));
    }
}
