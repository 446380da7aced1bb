using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Pages;

/// <summary>
/// Landing pages through real HTTP on a real cluster whose silo exports into a real MkDocs site folder:
/// CRUD, publish and unpublish with their files, slug races, traversal attempts, the isolation of /p/ and bad input.
/// </summary>
public sealed partial class PageApiTests : ClusterTest
{
    private HttpClient _admin = null!;

    // The MkDocs site is the cluster's, shared by the class's tests: each test looks only at the files of its own pages.
    private string SiteRoot => ((TestFolder)Companion!).Path;

    private string Site => Path.Combine(SiteRoot, "site");
    private string Docs => Path.Combine(Site, "docs");
    private string Overrides => Path.Combine(Docs, "overrides");

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["MKDOCS_DOCS_DIR"] = Docs };

    protected override async Task<IAsyncDisposable?> StartCompanionAsync()
    {
        var root = new TestFolder("cml-pages");
        var site = Path.Combine(root.Path, "site");
        var docs = Path.Combine(site, "docs");
        Directory.CreateDirectory(docs);
        await File.WriteAllTextAsync(Path.Combine(site, "mkdocs.yml"), """
            site_name: Campaign
            theme:
              name: mkdocs
              custom_dir: docs/overrides
            """);
        await File.WriteAllTextAsync(Path.Combine(docs, "index.md"), "# Campaign\n\nThe campaign's home.\n");
        return root;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var admin = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        _admin = Cluster.Http(0, admin.AccessToken);
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
    }

    internal static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string Unique(string title) => $"{title} {Guid.NewGuid():N}";

    private static string SlugOf(string title) => Regex.Replace(title.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');

    private async Task<JsonElement> CreatePage(object body)
    {
        var response = await _admin.PostAsJsonAsync("/api/pages", body);
        var json = await Json(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create answered {(int)response.StatusCode}: {json}");
        Assert.Equal($"/api/pages/{json.GetProperty("id").GetGuid()}", response.Headers.Location?.OriginalString);
        return json;
    }

    private async Task<JsonElement> Put(Guid id, object body)
    {
        var response = await _admin.PutAsJsonAsync($"/api/pages/{id}", body);
        var json = await Json(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT answered {(int)response.StatusCode}: {json}");
        return json;
    }

    internal static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        if (field is not null)
        {
            var named = json.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _) ||
                        json.TryGetProperty("field", out var f) && f.GetString() == field;
            Assert.True(named, $"the problem should name {field}: {body}");
        }
    }

    private string TemplateFile(string slug) => Path.Combine(Overrides, "pages", $"{slug}.html");
    private string StubFile(string slug) => Path.Combine(Docs, "pages", $"{slug}.md");

    [Fact]
    public async Task A_page_is_created_read_listed_edited_and_deleted()
    {
        var title = Unique("Spring Rally");
        var blocks = """{"pages":[{"frames":[{"component":{"type":"wrapper","components":[{"type":"text","content":"Hi"}]}}]}],"styles":[],"assets":[]}""";
        var created = await CreatePage(new
        {
            title,
            description = "Join us downtown",
            editorMode = "CODE",
            blocks = JsonNode.Parse(blocks),
            htmlOutput = "<h1>Rally</h1>",
            cssOutput = "h1 { color: red; }",
            seoTitle = "Rally!",
            seoDescription = "The spring rally",
            seoImage = "https://cdn.example.org/rally.jpg",
        });
        var id = created.GetProperty("id").GetGuid();
        var slug = SlugOf(title);
        Assert.Equal(slug, created.GetProperty("slug").GetString());
        Assert.Equal("CODE", created.GetProperty("editorMode").GetString());
        Assert.False(created.GetProperty("published").GetBoolean());
        Assert.Equal("THEMED", created.GetProperty("mkdocsExportMode").GetString());
        Assert.True(created.GetProperty("mkdocsHideNav").GetBoolean());
        Assert.Equal($"pages/{slug}.html", created.GetProperty("mkdocsPath").GetString());
        Assert.Equal($"pages/{slug}.md", created.GetProperty("mkdocsStubPath").GetString());
        // The editor's JSON comes back as the JSON it sent, not as a string.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(blocks), JsonNode.Parse(created.GetProperty("blocks").GetRawText())));
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT version FROM landing_pages WHERE id = @id", ("id", id)));

        var read = await Json(await _admin.GetAsync($"/api/pages/{id}"));
        Assert.Equal(title, read.GetProperty("title").GetString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(blocks), JsonNode.Parse(read.GetProperty("blocks").GetRawText())));

        var list = await Json(await _admin.GetAsync($"/api/pages?search={Uri.EscapeDataString(title)}&published=false"));
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        var line = list.GetProperty("items")[0];
        Assert.Equal(id, line.GetProperty("id").GetGuid());
        Assert.False(line.TryGetProperty("htmlOutput", out _));
        Assert.Equal(0, (await Json(await _admin.GetAsync($"/api/pages?search={Uri.EscapeDataString(title)}&published=true"))).GetProperty("total").GetInt32());

        // A partial edit: what is absent stays, an empty text clears, blocks: null removes the editor JSON.
        var edited = await Put(id, new { title = "Renamed rally", description = "", blocks = (object?)null, editorMode = "VISUAL" });
        Assert.Equal("Renamed rally", edited.GetProperty("title").GetString());
        Assert.Equal(slug, edited.GetProperty("slug").GetString());
        Assert.Equal(JsonValueKind.Null, edited.GetProperty("description").ValueKind);
        Assert.Equal(JsonValueKind.Null, edited.GetProperty("blocks").ValueKind);
        Assert.Equal("VISUAL", edited.GetProperty("editorMode").GetString());
        Assert.Equal("<h1>Rally</h1>", edited.GetProperty("htmlOutput").GetString());
        Assert.Equal("Rally!", edited.GetProperty("seoTitle").GetString());
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT version FROM landing_pages WHERE id = @id", ("id", id)));
        Assert.Equal("Renamed rally", await Db.ScalarAsync<string>("SELECT title FROM landing_pages WHERE id = @id", ("id", id)));

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/pages/{id}")).StatusCode);
        await AssertProblem(await _admin.GetAsync($"/api/pages/{id}"), HttpStatusCode.NotFound);
        await AssertProblem(await _admin.DeleteAsync($"/api/pages/{id}"), HttpStatusCode.NotFound);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM landing_pages WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task Publishing_serves_the_page_and_exports_it_unpublishing_and_deleting_remove_both_files()
    {
        var title = Unique("Tenant Meeting");
        var created = await CreatePage(new
        {
            title,
            description = "Plain description",
            htmlOutput = "<main id=\"meeting\">Come to the meeting</main>",
            cssOutput = "#meeting { font-weight: bold; }",
            seoTitle = "Tenants & neighbours <meet>",
            seoDescription = "Thursday \"7pm\"",
            seoImage = "/media/meeting.jpg",
        });
        var id = created.GetProperty("id").GetGuid();
        var slug = created.GetProperty("slug").GetString()!;
        using var anonymous = Cluster.Http();

        // A draft is nobody's business.
        await AssertProblem(await anonymous.GetAsync($"/p/{slug}"), HttpStatusCode.NotFound);
        await AssertProblem(await anonymous.GetAsync($"/api/public/pages/{slug}"), HttpStatusCode.NotFound);
        Assert.False(File.Exists(TemplateFile(slug)));
        Assert.False(File.Exists(StubFile(slug)));

        await Put(id, new { published = true });
        var response = await anonymous.GetAsync($"/p/{slug}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        var baseUrl = Cluster.FrontendUri(0).ToString().TrimEnd('/');
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<title>Tenants &amp; neighbours &lt;meet&gt;</title>", html);
        Assert.Contains("<meta name=\"description\" content=\"Thursday &quot;7pm&quot;\">", html);
        Assert.Contains("<meta property=\"og:title\" content=\"Tenants &amp; neighbours &lt;meet&gt;\">", html);
        Assert.Contains("<meta property=\"og:description\" content=\"Thursday &quot;7pm&quot;\">", html);
        Assert.Contains($"<meta property=\"og:image\" content=\"{baseUrl}/media/meeting.jpg\">", html);
        Assert.Contains($"<meta property=\"og:url\" content=\"{baseUrl}/p/{slug}\">", html);
        Assert.Contains($"<link rel=\"canonical\" href=\"{baseUrl}/p/{slug}\">", html);
        Assert.Contains("<style>\n#meeting { font-weight: bold; }\n</style>", html);
        Assert.Contains("<body>\n<main id=\"meeting\">Come to the meeting</main>", html);

        var shown = await Json(await anonymous.GetAsync($"/api/public/pages/{slug}"));
        Assert.Equal("<main id=\"meeting\">Come to the meeting</main>", shown.GetProperty("htmlOutput").GetString());
        Assert.False(shown.TryGetProperty("blocks", out _));
        Assert.False(shown.TryGetProperty("id", out _));

        // THEMED by default: a template extending main.html, and its stub selecting it and hiding nav and TOC.
        var template = await File.ReadAllTextAsync(TemplateFile(slug));
        Assert.Contains("{% extends \"main.html\" %}", template);
        Assert.Contains("<main id=\"meeting\">Come to the meeting</main>", template);
        Assert.Contains("{% block site_nav %}{% endblock %}", template);
        var stub = await File.ReadAllTextAsync(StubFile(slug));
        Assert.Contains($"template: pages/{slug}.html\n", stub);
        Assert.Contains("hide:\n  - navigation\n  - toc\n", stub);
        Assert.StartsWith("---\n", stub);

        // Showing the TOC again: the stub hides only the nav.
        await Put(id, new { mkdocsHideToc = false });
        stub = await File.ReadAllTextAsync(StubFile(slug));
        Assert.Contains("hide:\n  - navigation\n", stub);
        Assert.DoesNotContain("toc", stub.Split("hide:")[1]);

        await Put(id, new { published = false });
        await AssertProblem(await anonymous.GetAsync($"/p/{slug}"), HttpStatusCode.NotFound);
        await AssertProblem(await anonymous.GetAsync($"/api/public/pages/{slug}"), HttpStatusCode.NotFound);
        Assert.False(File.Exists(TemplateFile(slug)));
        Assert.False(File.Exists(StubFile(slug)));

        // STANDALONE writes a whole document; deleting the published page removes both files.
        await Put(id, new { published = true, mkdocsExportMode = "STANDALONE" });
        template = await File.ReadAllTextAsync(TemplateFile(slug));
        Assert.DoesNotContain("extends", template);
        Assert.Contains("<!DOCTYPE html>", template);
        Assert.True(File.Exists(StubFile(slug)));
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/pages/{id}")).StatusCode);
        Assert.False(File.Exists(TemplateFile(slug)));
        Assert.False(File.Exists(StubFile(slug)));
        await AssertProblem(await anonymous.GetAsync($"/p/{slug}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_skipped_export_publishes_without_files_and_a_new_slug_moves_the_files()
    {
        var created = await CreatePage(new { title = Unique("Skip me"), htmlOutput = "<p>x</p>", published = true, mkdocsSkipExport = true });
        var id = created.GetProperty("id").GetGuid();
        var slug = created.GetProperty("slug").GetString()!;
        using var anonymous = Cluster.Http();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/p/{slug}")).StatusCode);
        Assert.False(File.Exists(TemplateFile(slug)));
        Assert.False(File.Exists(StubFile(slug)));

        await Put(id, new { mkdocsSkipExport = false });
        Assert.True(File.Exists(TemplateFile(slug)));
        Assert.True(File.Exists(StubFile(slug)));

        var newSlug = $"moved-{Guid.NewGuid():N}";
        var moved = await Put(id, new { slug = newSlug });
        Assert.Equal($"pages/{newSlug}.md", moved.GetProperty("mkdocsStubPath").GetString());
        Assert.False(File.Exists(TemplateFile(slug)));
        Assert.False(File.Exists(StubFile(slug)));
        Assert.True(File.Exists(TemplateFile(newSlug)));
        Assert.True(File.Exists(StubFile(newSlug)));
        await AssertProblem(await anonymous.GetAsync($"/p/{slug}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/p/{newSlug}")).StatusCode);

        // Admin-placed paths inside the folders.
        var placed = await Put(id, new { mkdocsPath = $"campaigns/{newSlug}-page.html", mkdocsStubPath = $"campaigns/spring/{newSlug}.md" });
        Assert.Equal($"campaigns/{newSlug}-page.html", placed.GetProperty("mkdocsPath").GetString());
        Assert.True(File.Exists(Path.Combine(Overrides, "campaigns", $"{newSlug}-page.html")));
        Assert.Contains($"template: campaigns/{newSlug}-page.html", await File.ReadAllTextAsync(Path.Combine(Docs, "campaigns", "spring", $"{newSlug}.md")));
        Assert.False(File.Exists(StubFile(newSlug)));
    }

    [Fact]
    public async Task Twelve_creates_of_one_title_at_once_get_twelve_distinct_safe_slugs()
    {
        var title = Unique("Same Title");
        using var start = new SemaphoreSlim(0);
        var creates = Enumerable.Range(0, 12).Select(async _ =>
        {
            await start.WaitAsync();
            var response = await _admin.PostAsJsonAsync("/api/pages", new { title, published = true });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await Json(response)).GetProperty("slug").GetString()!;
        }).ToList();
        start.Release(12);
        var slugs = await Task.WhenAll(creates);

        var baseSlug = SlugOf(title);
        Assert.Equal(12, slugs.Distinct().Count());
        Assert.All(slugs, s => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", s));
        Assert.All(slugs, s => Assert.StartsWith(baseSlug, s));
        Assert.Contains(baseSlug, slugs);
        Assert.Equal(12, await Db.ScalarAsync<int>("SELECT count(DISTINCT slug)::int FROM landing_pages WHERE title = @title", ("title", title)));
        // Each published page has its own pair of files.
        Assert.All(slugs, s => Assert.True(File.Exists(StubFile(s)) && File.Exists(TemplateFile(s)), s));

        // A slug asked for by name is never silently changed: taken is a 409 naming it.
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "Other", slug = baseSlug }), HttpStatusCode.Conflict, "slug");
        // A title with no letters or digits still makes a safe slug.
        Assert.StartsWith("page", (await CreatePage(new { title = "!!! ???" })).GetProperty("slug").GetString());
    }

    public static TheoryData<string, string> TraversalAttempts() => new()
    {
        { "slug", "../escaped" },
        { "slug", ".." },
        { "slug", "a/../../escaped" },
        { "slug", "%2e%2e%2fescaped" },
        { "slug", "a%2Fb" },
        { "slug", "/etc/escaped" },
        { "slug", "bad\0slug" },
        { "slug", "..\\escaped" },
        { "mkdocsPath", "../../escaped.html" },
        { "mkdocsPath", "pages/../../../escaped.html" },
        { "mkdocsPath", "/tmp/escaped.html" },
        { "mkdocsPath", "C:\\escaped.html" },
        { "mkdocsPath", "pages%2F..%2F..%2Fescaped.html" },
        { "mkdocsPath", "pages/escaped\0.html" },
        { "mkdocsPath", "..\\..\\escaped.html" },
        { "mkdocsStubPath", "../escaped.md" },
        { "mkdocsStubPath", "pages/./../../escaped.md" },
        { "mkdocsStubPath", "/etc/escaped.md" },
        { "mkdocsStubPath", "pages%5c..%5cescaped.md" },
        { "mkdocsStubPath", "%2e%2e/escaped.md" },
        { "mkdocsStubPath", "escaped\0.md" },
        { "mkdocsStubPath", "~/escaped.md" },
    };

    [Theory]
    [MemberData(nameof(TraversalAttempts))]
    public async Task A_traversal_attempt_is_a_400_naming_its_field_and_writes_nothing_outside_the_folder(string field, string value)
    {
        var before = FilesOutsideDocs();
        var body = new Dictionary<string, object?> { ["title"] = Unique("Escape"), ["published"] = true, ["htmlOutput"] = "<p>x</p>", [field] = value };
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", body), HttpStatusCode.BadRequest, field);

        // The same through an edit of a published page: refused, and the page and its files stay as they were.
        var page = await CreatePage(new { title = Unique("Victim"), published = true, htmlOutput = "<p>y</p>" });
        var id = page.GetProperty("id").GetGuid();
        await AssertProblem(await _admin.PutAsJsonAsync($"/api/pages/{id}", new Dictionary<string, object?> { [field] = value }),
            HttpStatusCode.BadRequest, field);
        var after = await Json(await _admin.GetAsync($"/api/pages/{id}"));
        Assert.Equal(page.GetProperty("slug").GetString(), after.GetProperty("slug").GetString());
        Assert.Equal(page.GetProperty("mkdocsPath").GetString(), after.GetProperty("mkdocsPath").GetString());
        Assert.Equal(page.GetProperty("mkdocsStubPath").GetString(), after.GetProperty("mkdocsStubPath").GetString());

        Assert.Equal(before, FilesOutsideDocs());
        Assert.False(File.Exists("/tmp/escaped.html"));
        Assert.False(File.Exists("/etc/escaped.md"));
        Assert.Empty(Directory.EnumerateFiles(SiteRoot, "*escaped*", SearchOption.AllDirectories));
    }

    /// <summary>Everything under the test's root that is not inside the docs folder (mkdocs.yml, a built site).</summary>
    private string[] FilesOutsideDocs() => Directory.EnumerateFiles(SiteRoot, "*", SearchOption.AllDirectories)
        .Where(f => !f.StartsWith(Docs + Path.DirectorySeparatorChar, StringComparison.Ordinal) &&
                    !f.StartsWith(Path.Combine(Site, "built") + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        .Order().ToArray();

    [Fact]
    public async Task The_page_runs_sandboxed_in_an_opaque_origin_on_every_p_answer()
    {
        var page = await CreatePage(new
        {
            title = Unique("Scripted"),
            published = true,
            htmlOutput = "<script>fetch('/api/auth/me', {credentials: 'include'}).then(r => r.text()).then(t => document.title = t); localStorage.getItem('accessToken');</script>",
        });
        var slug = page.GetProperty("slug").GetString()!;
        using var anonymous = Cluster.Http();
        foreach (var path in new[] { $"/p/{slug}", $"/p/no-such-page-{Guid.NewGuid():N}", "/p/..%2f..%2fetc%2fpasswd" })
        {
            var response = await anonymous.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
            Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var policies), $"{path} has no CSP");
            var policy = Assert.Single(policies);
            var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            var sandbox = Assert.Single(directives, d => d[0] == "sandbox");
            Assert.DoesNotContain("allow-same-origin", sandbox);
            Assert.DoesNotContain("allow-top-navigation", sandbox);
            Assert.Contains("allow-scripts", sandbox);
            Assert.Equal(["frame-ancestors", "'self'"], Assert.Single(directives, d => d[0] == "frame-ancestors"));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        }
        // The API answers a sandboxed page's cross-origin request with no CORS grant: the browser keeps the answer from it.
        using var crossOrigin = new HttpRequestMessage(HttpMethod.Get, "/api/auth/me");
        crossOrigin.Headers.Add("Origin", "null");
        var answer = await anonymous.SendAsync(crossOrigin);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.Equal("nosniff", Assert.Single((await anonymous.GetAsync($"/api/public/pages/{slug}")).Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Validate_exports_backfills_missing_files_and_never_touches_a_file_it_did_not_write()
    {
        var published = await CreatePage(new { title = Unique("Backfill"), published = true, htmlOutput = "<p>back</p>" });
        var slug = published.GetProperty("slug").GetString()!;
        File.Delete(StubFile(slug));
        File.Delete(TemplateFile(slug));

        var validation = await _admin.PostAsync("/api/pages/exports/validate", null);
        var report = await Json(validation);
        Assert.Equal(HttpStatusCode.OK, validation.StatusCode);
        var written = report.GetProperty("written").EnumerateArray().Select(w => w.GetString()).ToList();
        Assert.Contains($"pages/{slug}.md", written);
        Assert.Contains($"overrides/pages/{slug}.html", written);
        Assert.True(File.Exists(StubFile(slug)));
        Assert.Contains("<p>back</p>", await File.ReadAllTextAsync(TemplateFile(slug)));

        // A second run finds nothing of this page to do.
        var again = await Json(await _admin.PostAsync("/api/pages/exports/validate", null));
        Assert.DoesNotContain(again.GetProperty("written").EnumerateArray(), w => w.GetString()!.Contains(slug));

        // Someone else's file where a page would go is neither overwritten nor removed.
        var stubSlug = $"theirs-{Guid.NewGuid():N}";
        var theirs = Path.Combine(Docs, $"{stubSlug}.md");
        await File.WriteAllTextAsync(theirs, "# Written by hand\n");
        var page = await CreatePage(new { title = Unique("Intruder"), mkdocsStubPath = $"{stubSlug}.md", published = true });
        Assert.Equal("# Written by hand\n", await File.ReadAllTextAsync(theirs));
        Assert.Contains($"{stubSlug}.md", (await Json(await _admin.PostAsync("/api/pages/exports/validate", null))).GetProperty("refused")
            .EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/pages/{page.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.Equal("# Written by hand\n", await File.ReadAllTextAsync(theirs));
    }

    [Fact]
    public async Task Bad_input_on_every_page_route_is_a_4xx_problem()
    {
        var missing = Guid.NewGuid();
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { description = "no title" }), HttpStatusCode.BadRequest, "title");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "x", editorMode = "WYSIWYG" }), HttpStatusCode.BadRequest, "editorMode");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "x", mkdocsExportMode = "PDF" }), HttpStatusCode.BadRequest, "mkdocsExportMode");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "x", blocks = "not an object" }), HttpStatusCode.BadRequest, "blocks");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "x", published = "yes" }), HttpStatusCode.BadRequest, "published");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "x", seoImage = "javascript:alert(1)" }), HttpStatusCode.BadRequest, "seoImage");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "x\0y" }), HttpStatusCode.BadRequest, "title");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = new string('t', 201) }), HttpStatusCode.BadRequest, "title");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "x", slug = "Upper-Case" }), HttpStatusCode.BadRequest, "slug");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/pages", new { title = "x", mkdocsPath = "pages/x.md" }), HttpStatusCode.BadRequest, "mkdocsPath");
        await AssertProblem(await _admin.PostAsync("/api/pages", new StringContent("{\"title\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await AssertProblem(await _admin.PostAsync("/api/pages", new StringContent("title=x", Encoding.UTF8, "application/x-www-form-urlencoded")),
            HttpStatusCode.UnsupportedMediaType);

        await AssertProblem(await _admin.GetAsync($"/api/pages/{missing}"), HttpStatusCode.NotFound);
        await AssertProblem(await _admin.PutAsJsonAsync($"/api/pages/{missing}", new { title = "x" }), HttpStatusCode.NotFound);
        await AssertProblem(await _admin.DeleteAsync($"/api/pages/{missing}"), HttpStatusCode.NotFound);
        await AssertProblem(await _admin.GetAsync("/api/pages?published=maybe"), HttpStatusCode.BadRequest, "published");
        await AssertProblem(await _admin.GetAsync("/api/pages?pageSize=0"), HttpStatusCode.BadRequest, "pageSize");

        var page = await CreatePage(new { title = Unique("Edit me") });
        var id = page.GetProperty("id").GetGuid();
        await AssertProblem(await _admin.PutAsJsonAsync($"/api/pages/{id}", new { title = "" }), HttpStatusCode.BadRequest, "title");
        await AssertProblem(await _admin.PutAsJsonAsync($"/api/pages/{id}", new { blocks = 42 }), HttpStatusCode.BadRequest, "blocks");
        await AssertProblem(await _admin.PutAsync($"/api/pages/{id}", new StringContent("[]", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        var other = await CreatePage(new { title = Unique("Taken") });
        await AssertProblem(await _admin.PutAsJsonAsync($"/api/pages/{id}", new { slug = other.GetProperty("slug").GetString() }), HttpStatusCode.Conflict, "slug");
        await AssertProblem(await _admin.PutAsJsonAsync($"/api/pages/{id}", new { mkdocsStubPath = other.GetProperty("mkdocsStubPath").GetString() }),
            HttpStatusCode.Conflict, "mkdocsStubPath");

        using var anonymous = Cluster.Http();
        await AssertProblem(await anonymous.GetAsync("/api/public/pages/no-such-page"), HttpStatusCode.NotFound);
        await AssertProblem(await anonymous.GetAsync("/api/public/pages/..%2f..%2fetc"), HttpStatusCode.NotFound);
        await AssertProblem(await anonymous.GetAsync($"/p/{page.GetProperty("slug").GetString()}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_large_page_fits_in_one_save()
    {
        var html = "<p>" + new string('x', 1_500_000) + "</p>";
        var page = await CreatePage(new { title = Unique("Large"), htmlOutput = html, published = true });
        using var anonymous = Cluster.Http();
        Assert.Contains(html, await anonymous.GetStringAsync($"/p/{page.GetProperty("slug").GetString()}"));
    }

    [Fact]
    public async Task A_real_mkdocs_build_renders_the_exported_pages_with_their_html_as_written()
    {
        // Template syntax inside a page is the page's text, never Jinja.
        const string tricky = "<p id=\"literal\">{{ config.site_name }} {% endraw %} {# kept #} {%raw%}</p>";
        var themed = await CreatePage(new
        {
            title = Unique("Themed"), published = true, mkdocsHideToc = true,
            htmlOutput = "<section id=\"themed-body\">Themed page</section>" + tricky, cssOutput = "#themed-body { color: teal; }",
        });
        var standalone = await CreatePage(new
        {
            title = Unique("Standalone"), published = true, mkdocsExportMode = "STANDALONE", seoTitle = "Standalone & alone",
            htmlOutput = "<section id=\"standalone-body\">Standalone page</section>" + tricky,
        });

        var built = Path.Combine(Site, "built");
        var (exitCode, output) = await Run("mkdocs", Site, "build", "--clean", "-f", Path.Combine(Site, "mkdocs.yml"), "-d", built);
        Assert.True(exitCode == 0, $"mkdocs build failed ({exitCode}): {output}");

        var themedHtml = await File.ReadAllTextAsync(Path.Combine(built, "pages", themed.GetProperty("slug").GetString()!, "index.html"));
        Assert.Contains("<section id=\"themed-body\">Themed page</section>", themedHtml);
        Assert.Contains(tricky, themedHtml);
        Assert.Contains("#themed-body { color: teal; }", themedHtml);
        // It is the theme's page (main.html extended): the theme's stylesheet, but no site navigation.
        Assert.Contains("css/base.css", themedHtml);
        Assert.DoesNotContain("<!-- Main navigation -->", themedHtml);
        Assert.Contains("<!-- Main navigation -->", await File.ReadAllTextAsync(Path.Combine(built, "index.html")));

        var standaloneHtml = await File.ReadAllTextAsync(Path.Combine(built, "pages", standalone.GetProperty("slug").GetString()!, "index.html"));
        Assert.StartsWith("<!DOCTYPE html>", standaloneHtml);
        Assert.Contains("<section id=\"standalone-body\">Standalone page</section>", standaloneHtml);
        Assert.Contains(tricky, standaloneHtml);
        Assert.Contains("<title>Standalone &amp; alone</title>", standaloneHtml);
        Assert.DoesNotContain("css/base.css", standaloneHtml);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_page_routes_with_their_bodies_and_problems()
    {
        using var http = Cluster.Http();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        var create = paths.GetProperty("/api/pages").GetProperty("post");
        Assert.True(create.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(paths.GetProperty("/api/pages/{id}").GetProperty("put").GetProperty("responses").TryGetProperty("404", out _));
        Assert.True(paths.GetProperty("/api/page-blocks/{id}").TryGetProperty("patch", out _));
        Assert.True(paths.GetProperty("/api/pages/exports/validate").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/p/{slug}").GetProperty("get").GetProperty("responses").TryGetProperty("404", out _));
        Assert.Equal("Pages", create.GetProperty("tags")[0].GetString());
    }

    private static async Task<(int ExitCode, string Output)> Run(string program, string directory, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
