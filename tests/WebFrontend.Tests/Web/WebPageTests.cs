using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>
/// The web UI as HTTP serves it (docs/web.md): each page with a policy that runs its own scripts only, every file it
/// names served and compressed, the canvasser app's first load within its budget, the service worker's shell
/// complete, and the map tiles' address from MAP_TILE_URL.
/// </summary>
public sealed partial class WebPageTests : ClusterTest
{
    private const string TileUrl = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png";

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["MAP_TILE_URL"] = TileUrl };

    /// <summary>Each page, the script that is its own, and a module it must import (the gallery's shared one).</summary>
    public static TheoryData<string, string, string?> Pages() => new()
    {
        { "/", "/web/js/home.js", null },
        { "/campaigns/some-campaign", "/web/js/campaign.js", null },
        { "/shifts/0198a3c4-0000-7000-8000-000000000001", "/web/js/shift.js", null },
        { "/volunteer", "/web/js/volunteer.js", null },
        { "/app", "/web/js/admin.js", null },
        { "/media", "/web/js/gallery.js", "/web/js/content.js" },
        { "/media/0198a3c4-0000-7000-8000-000000000001", "/web/js/video.js", "/web/js/content.js" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_page_runs_only_its_own_scripts_and_every_file_it_names_is_served(string path, string script, string? import)
    {
        using var http = Cluster.Http(0);
        using var page = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(" ", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        // The tile server is the one other place a page may load from.
        Assert.Contains("img-src 'self' data: blob: http://127.0.0.1:9;", policy);

        var html = await page.Content.ReadAsStringAsync();
        var files = FileReference().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(script, files);
        var imports = await ImportsOf(http, files);
        if (import is not null) Assert.Contains(import, imports);
        foreach (var file in files.Concat(imports))
        {
            using var response = await http.GetAsync(file);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} names {file}, which answers {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_video_address_that_is_not_an_id_is_no_page()
    {
        using var http = Cluster.Http(0);
        using var page = await http.GetAsync("/media/not-a-video");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    [Fact]
    public async Task The_blocks_style_sheet_and_the_console_screens_are_served()
    {
        using var http = Cluster.Http(0);
        using var css = await http.GetAsync("/web/css/blocks.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".cml-hero", await css.Content.ReadAsStringAsync());

        var admin = await http.GetStringAsync("/web/js/admin.js");
        Assert.Contains("'#/pages'", admin);
        Assert.Contains("'#/media'", admin);
        foreach (var screen in new[] { "/web/js/admin/pages.js", "/web/js/admin/media.js" })
        {
            using var response = await http.GetAsync(screen);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Files_are_gzipped_for_browsers_that_take_it_and_revalidated_by_their_tag()
    {
        using var http = Cluster.Http(0);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/web/js/outbox.js");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var zipped = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, zipped.StatusCode);
        Assert.Equal(["gzip"], zipped.Content.Headers.ContentEncoding);
        Assert.Equal("text/javascript", zipped.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", zipped.Headers.CacheControl?.ToString());
        var text = await Gunzip(await zipped.Content.ReadAsByteArrayAsync());
        Assert.Contains("clientVisitId", text);

        using var plain = await http.GetAsync("/web/js/outbox.js");
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal(text, await plain.Content.ReadAsStringAsync());

        var tag = zipped.Headers.ETag!;
        using var again = new HttpRequestMessage(HttpMethod.Get, "/web/js/outbox.js");
        again.Headers.IfNoneMatch.Add(tag);
        using var notModified = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/web/no-such-file.js")]
    [InlineData("/web/pages/volunteer.html")]
    [InlineData("/web/volunteer-sw.js")]
    public async Task A_file_that_is_not_served_is_a_problem_404(string path)
    {
        using var http = Cluster.Http(0);
        await Problem.Expect(await http.GetAsync(path), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_config_names_the_tile_url_and_the_version_the_service_worker_caches_under()
    {
        using var http = Cluster.Http(0);
        var config = await http.GetFromJsonAsync<JsonElement>("/api/web/config");
        Assert.Equal(TileUrl, config.GetProperty("mapTileUrl").GetString());
        var version = config.GetProperty("version").GetString()!;
        Assert.Matches("^[0-9a-f]{16}$", version);

        using var worker = await http.GetAsync("/volunteer-sw.js");
        Assert.Equal("text/javascript", worker.Content.Headers.ContentType?.MediaType);
        var script = await worker.Content.ReadAsStringAsync();
        Assert.Contains($"const VERSION = '{version}';", script);
        var shell = JsonSerializer.Deserialize<string[]>(Regex.Match(script, @"const SHELL = (\[.*?\]);").Groups[1].Value)!;
        // Everything the app loads is in the shell, so it opens without a network.
        var page = await http.GetStringAsync("/volunteer");
        var files = FileReference().Matches(page).Select(m => m.Groups[1].Value).ToList();
        foreach (var file in files.Concat(await ImportsOf(http, files)).Append("/volunteer"))
            Assert.Contains(file, shell);
        foreach (var file in shell)
        {
            using var response = await http.GetAsync(file);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"the shell names {file}, which answers {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_canvasser_apps_first_load_is_at_most_300_KB_of_compressed_script_and_css()
    {
        using var http = Cluster.Http(0);
        var page = await http.GetStringAsync("/volunteer");
        var files = FileReference().Matches(page).Select(m => m.Groups[1].Value).ToList();
        files.AddRange(await ImportsOf(http, files));
        long total = 0;
        foreach (var file in files.Where(f => f.EndsWith(".js") || f.EndsWith(".css")).Distinct())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, file);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
            using var response = await http.SendAsync(request);
            total += (await response.Content.ReadAsByteArrayAsync()).Length;
        }
        Assert.True(total <= 300 * 1024, $"the canvasser app's first load is {total / 1024.0:F1} KB compressed");
        Assert.True(total > 10 * 1024, $"only {total} bytes counted: the page's files were not all found");
    }

    /// <summary>The modules the named scripts import, transitively (static <c>import … from './x.js'</c>).</summary>
    private static async Task<List<string>> ImportsOf(HttpClient http, IEnumerable<string> files)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<string>(files.Where(f => f.StartsWith("/web/js/")));
        while (queue.TryDequeue(out var file))
        {
            var text = await http.GetStringAsync(file);
            foreach (Match m in StaticImport().Matches(text))
            {
                var target = new Uri(new Uri("http://x" + file), m.Groups[1].Value).AbsolutePath;
                if (seen.Add(target)) queue.Enqueue(target);
            }
        }
        return seen.ToList();
    }

    private static async Task<string> Gunzip(byte[] bytes)
    {
        await using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return await reader.ReadToEndAsync();
    }

    [GeneratedRegex("(?:src|href)=\"(/web/[^\"]+)\"")]
    private static partial Regex FileReference();

    [GeneratedRegex("""^import [^;]*? from '(\.[^']+)';""", RegexOptions.Multiline)]
    private static partial Regex StaticImport();
}
