using System.Net;
using System.Text.RegularExpressions;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>
/// The public gallery's pages as HTTP serves them (docs/web.md): the same policy as every page (its own scripts only,
/// never framed), every file they name and import served, and the landing page blocks' style sheet the console's
/// preview links.
/// </summary>
public sealed partial class ContentWebPageTests : ClusterTest
{
    public static TheoryData<string> Pages() => ["/media", "/media/0198a3c4-0000-7000-8000-000000000001"];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_gallery_page_runs_only_its_own_scripts_and_every_file_it_names_is_served(string path)
    {
        using var http = Cluster.Http(0);
        using var page = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(" ", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("default-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.Contains("frame-ancestors 'none'", policy);

        var html = await page.Content.ReadAsStringAsync();
        var files = FileReference().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(files, f => f.StartsWith("/web/js/", StringComparison.Ordinal));
        var imports = await ImportsOf(http, files);
        Assert.Contains("/web/js/content.js", imports);
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

    /// <summary>The modules the named scripts import, transitively (static <c>import … from './x.js'</c>).</summary>
    private static async Task<List<string>> ImportsOf(HttpClient http, IEnumerable<string> files)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<string>(files.Where(f => f.StartsWith("/web/js/", StringComparison.Ordinal)));
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

    [GeneratedRegex("(?:src|href)=\"(/web/[^\"]+)\"")]
    private static partial Regex FileReference();

    [GeneratedRegex("""^import [^;]*? from '(\.[^']+)';""", RegexOptions.Multiline)]
    private static partial Regex StaticImport();
}
