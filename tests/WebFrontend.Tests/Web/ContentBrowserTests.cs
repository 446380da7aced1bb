using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Media;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>
/// The landing page and media screens in a real browser (headless Chromium) against a running cluster: an admin builds
/// a page from the block library and publishes it; an admin uploads a video, follows its check live, publishes it,
/// and a visitor plays it in the public gallery, reacts once and leaves a comment for moderation. One browser and one
/// cluster for the class; screenshots go to <see cref="Browser.ScreenshotFolder"/>.
/// </summary>
public sealed class ContentBrowserTests(Browser browser, ITestOutputHelper output) : ClusterTest, IClassFixture<Browser>
{
    // The media library's folder is the cluster's, shared by the class's tests; each test's files have names of their own.
    private string MediaRoot => ((TestFolder)Companion!).Path;

    private readonly string _work = Path.Combine(Path.GetTempPath(), "cml-content-src-" + Guid.NewGuid().ToString("N"));

    protected override Task<IAsyncDisposable?> StartCompanionAsync() => Task.FromResult<IAsyncDisposable?>(new TestFolder("cml-media"));

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["MEDIA_ROOT"] = MediaRoot,
        ["MEDIA_PUBLIC_RATE_LIMIT_PER_IP"] = "100000",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_work)) Directory.Delete(_work, true);
    }

    private string Url(string path) => new Uri(Cluster.FrontendUri(0), path).ToString();

    private IWebDriver Driver => browser.Driver;

    [Fact]
    public async Task An_admin_builds_a_page_from_a_block_publishes_it_and_its_public_address_shows_the_text()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var tag = Guid.NewGuid().ToString("N")[..10];
        var title = $"Rally {tag}";
        var heading = $"Meet us at the square {tag}";

        browser.SignIn(Url("/app#/pages"), admin);
        browser.Wait("#admin-nav a[href='#/pages']").Click();
        browser.Fill("#new-page input[name=title]", title);
        browser.Wait("#new-page button[type=submit]").Click();
        browser.Wait("#page-editor");
        Assert.Equal("false", browser.Wait("#page-status").GetDomAttribute("data-published"));
        var pageId = await Db.ScalarAsync<Guid>("SELECT id FROM landing_pages WHERE title = @t", ("t", title));

        // VISUAL mode: a text block from the library, its fields filled in.
        browser.Choose("#block-type", "text");
        browser.Wait("#add-block").Click();
        const string block = "#block-list li.block-item[data-type=text]";
        browser.Fill($"{block} input[data-field=heading]", heading);
        browser.Fill($"{block} textarea[data-field=body]", $"Bring a friend {tag}.\n\nWe start at noon.");

        // The preview frames the page's markup with no origin of its own.
        browser.Wait("#preview-page").Click();
        var frame = browser.Wait("#page-preview");
        Assert.Equal("", frame.GetDomAttribute("sandbox"));
        Driver.SwitchTo().Frame(frame);
        try
        {
            browser.Until(() => Driver.FindElement(By.TagName("body")).Text.Contains(heading), "the preview shows the block's heading");
        }
        finally
        {
            Driver.SwitchTo().DefaultContent();
        }
        browser.Screenshot("admin-page-editor-preview");

        browser.Wait("#publish-page").Click();
        browser.Until(() => browser.Wait("#page-status").GetDomAttribute("data-published") == "true", "the page is published");
        var href = browser.Wait("#page-public-link").GetDomAttribute("href")!;
        var slug = await Db.ScalarAsync<string>("SELECT slug FROM landing_pages WHERE id = @id", ("id", pageId));
        Assert.Equal($"/p/{slug}", href);
        Assert.True(await Db.ScalarAsync<bool>("SELECT published FROM landing_pages WHERE id = @id", ("id", pageId)));
        Assert.Equal("VISUAL", await Db.ScalarAsync<string>("SELECT editor_mode::text FROM landing_pages WHERE id = @id", ("id", pageId)));
        Assert.Contains(heading, await Db.ScalarAsync<string>("SELECT html_output FROM landing_pages WHERE id = @id", ("id", pageId)));
        browser.Screenshot("admin-page-published");

        // The public address serves what was built, with the blocks' styles.
        Driver.Navigate().GoToUrl(Url(href));
        browser.Until(() => Driver.FindElement(By.TagName("body")).Text.Contains(heading), "the public page shows the heading");
        Assert.Contains("We start at noon.", Driver.FindElement(By.TagName("body")).Text);
        Assert.Equal(2, Driver.FindElements(By.CssSelector("section.cml-text p")).Count);
        browser.Screenshot("public-landing-page");

        // The list shows the page published, linked to its address.
        browser.SignIn(Url("/app#/pages"), admin);
        browser.Wait("#admin-nav a[href='#/pages']").Click();
        var row = browser.Wait($"#pages-table tr[data-page-id='{pageId}']");
        Assert.Contains("published", row.Text);
        Assert.Single(row.FindElements(By.CssSelector($"a[href='{href}']")));
        browser.Screenshot("admin-pages-list");
        browser.AtWidth(1280, () =>
        {
            browser.FitsWidth("the pages list");
            browser.Screenshot("admin-pages-list-desktop");
        });

        // Delete asks first, then the page is gone.
        browser.Wait($"#pages-table tr[data-page-id='{pageId}'] button.edit-page").Click();
        browser.Wait("#delete-page").Click();
        browser.Wait(".confirm-yes").Click();
        browser.Wait("#new-page");
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM landing_pages WHERE id = @id", ("id", pageId)));
        output.WriteLine($"screenshots: {Browser.ScreenshotFolder}");
    }

    [Fact]
    public async Task An_admin_writes_a_page_by_hand_and_a_refused_field_is_said_beside_it()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var tag = Guid.NewGuid().ToString("N")[..10];
        var title = $"Hand made {tag}";

        browser.SignIn(Url("/app#/pages"), admin);
        browser.Wait("#admin-nav a[href='#/pages']").Click();
        browser.Fill("#new-page input[name=title]", title);
        browser.Wait("#new-page button[type=submit]").Click();
        browser.Wait("#page-editor");
        var pageId = await Db.ScalarAsync<Guid>("SELECT id FROM landing_pages WHERE title = @t", ("t", title));

        browser.Wait("#page-editor input[name=editorMode][value=CODE]").Click();
        browser.Fill("#page-html", $"<main><h1>By hand {tag}</h1></main>");
        browser.Fill("#page-css", "h1 { color: darkgreen }");
        // The share image must be an http(s) address or a path of this site: the server's refusal is shown beside it.
        browser.Wait("#page-editor details.seo summary").Click();
        browser.Fill("#page-editor input[name=seoImage]", "ftp://example.org/rally.jpg");
        browser.Wait("#save-page").Click();
        var error = browser.Wait("#page-editor input[name=seoImage] + .field-error");
        Assert.False(string.IsNullOrWhiteSpace(error.Text));
        Assert.Equal("true", browser.Wait("#page-editor input[name=seoImage]").GetDomAttribute("aria-invalid"));
        Assert.DoesNotContain("{", browser.Wait("#page-editor > .msg-error").Text);
        browser.Screenshot("admin-page-code-refused");
        Assert.Null(await Db.ScalarAsync<string>("SELECT html_output FROM landing_pages WHERE id = @id", ("id", pageId)));

        browser.Fill("#page-editor input[name=seoImage]", "/web/img/icon-512.png");
        browser.Wait("#save-page").Click();
        browser.Until(() => browser.All("main .msg-ok").Count > 0 && browser.Wait("main .msg-ok").Text == "Saved.", "the page is saved");
        Assert.Equal("CODE", await Db.ScalarAsync<string>("SELECT editor_mode::text FROM landing_pages WHERE id = @id", ("id", pageId)));
        Assert.Equal($"<main><h1>By hand {tag}</h1></main>", await Db.ScalarAsync<string>("SELECT html_output FROM landing_pages WHERE id = @id", ("id", pageId)));
        Assert.Equal("h1 { color: darkgreen }", await Db.ScalarAsync<string>("SELECT css_output FROM landing_pages WHERE id = @id", ("id", pageId)));
        Assert.Equal("/web/img/icon-512.png", await Db.ScalarAsync<string>("SELECT seo_image FROM landing_pages WHERE id = @id", ("id", pageId)));
        // The editor opens again in code mode with what was saved.
        Assert.True(browser.Wait("#page-editor input[name=editorMode][value=CODE]").Selected);
        Assert.Equal($"<main><h1>By hand {tag}</h1></main>", browser.Wait("#page-html").GetDomProperty("value"));
    }

    [Fact]
    public async Task An_admin_uploads_a_video_follows_its_check_live_and_the_gallery_plays_it_with_one_reaction_counted()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var tag = Guid.NewGuid().ToString("N")[..10];
        var title = $"Canvass day {tag}";
        var file = await TestMedia.MakeAsync(_work, $"clip-{tag}.mp4", seconds: 2);

        browser.SignIn(Url("/app#/media"), admin);
        browser.Wait("#admin-nav a[href='#/media']").Click();
        browser.Wait("#media-file").SendKeys(file);
        browser.Fill("#media-upload input[name=title]", title);
        browser.Fill("#media-upload input[name=tags]", "doors, spring");
        browser.Wait("#media-upload button[type=submit]").Click();
        browser.Until(() => browser.Wait("#upload-result").Text.Contains(title), "the upload is acknowledged");
        Assert.Equal("100", browser.Wait("#upload-bar").GetDomProperty("value"));
        var videoId = await Db.ScalarAsync<Guid>("SELECT id FROM videos WHERE title = @t", ("t", title));
        var card = $"#media-videos li.video-card[data-video-id='{videoId}']";
        Assert.Contains("0:02", browser.Wait(card).Text);

        // A check of the video is a media job whose end the screen shows from job:{id}.
        browser.Wait($"{card} .check-video").Click();
        var jobId = Guid.Empty;
        await Eventually.True(async () =>
        {
            jobId = await Db.ScalarAsync<Guid>(
                "SELECT id FROM jobs WHERE type = 'media.revalidate' AND created_by_user_id = @u ORDER BY created_at DESC LIMIT 1", ("u", admin.Id));
            return jobId != Guid.Empty;
        }, "the check job is stored", TimeSpan.FromSeconds(30));
        browser.Until(() => browser.Wait($"#media-jobs li.job[data-job-id='{jobId}'] .job-state").GetDomAttribute("data-status") == "completed",
            "the check completes on screen", TimeSpan.FromSeconds(90));
        Assert.Equal("completed", await Db.ScalarAsync<string>("SELECT status::text FROM jobs WHERE id = @id", ("id", jobId)));
        browser.Screenshot("admin-media-library");
        browser.AtWidth(360, () =>
        {
            browser.FitsWidth("the media library");
            browser.Screenshot("admin-media-library-360");
        });
        browser.AtWidth(1280, () =>
        {
            browser.FitsWidth("the media library");
            browser.Screenshot("admin-media-library-desktop");
        });

        browser.Wait($"{card} .publish-video").Click();
        browser.Wait($"{card}[data-published='true']");
        Assert.True(await Db.ScalarAsync<bool>("SELECT is_published FROM videos WHERE id = @id", ("id", videoId)));

        // A visitor: the gallery, the player page, the video playable.
        Driver.Navigate().GoToUrl(Url("/media"));
        browser.Wait($"#gallery li[data-video-id='{videoId}'] a").Click();
        browser.Wait("#player");
        browser.Until(() => Convert.ToInt64(browser.Script("return document.getElementById('player').readyState")) >= 1
                && Convert.ToDouble(browser.Script("return document.getElementById('player').duration || 0")) > 0,
            "the player has the video's metadata", describe: () => $"readyState {browser.Script("return document.getElementById('player').readyState")}, error {browser.Script("return document.getElementById('player').error?.message ?? ''")}");
        Assert.InRange(Convert.ToDouble(browser.Script("return document.getElementById('player').duration")), 1.5, 2.5);
        browser.Screenshot("public-video");

        // One reaction per visitor: a second like and then a love leave one reaction, the love.
        string Count(string kind) => browser.Wait($"#reactions button.reaction[data-reaction={kind}] .reaction-count").Text;
        void React(string kind, int answers)
        {
            browser.Wait($"#reactions button.reaction[data-reaction={kind}]").Click();
            browser.Until(() => browser.Wait("#reactions").GetDomAttribute("data-answers") == answers.ToString(), $"the server's answer to reaction {answers}");
        }
        React("LIKE", 1);
        Assert.Equal("1", Count("LIKE"));
        React("LIKE", 2);
        Assert.Equal("1", Count("LIKE"));
        Assert.Equal("true", browser.Wait("#reactions button.reaction[data-reaction=LIKE]").GetDomAttribute("aria-pressed"));
        React("LOVE", 3);
        Assert.Equal("1", Count("LOVE"));
        Assert.Equal("0", Count("LIKE"));
        Assert.Equal("false", browser.Wait("#reactions button.reaction[data-reaction=LIKE]").GetDomAttribute("aria-pressed"));
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM media_reactions WHERE video_id = @id", ("id", videoId)));
        Assert.Equal("LOVE", await Db.ScalarAsync<string>("SELECT reaction FROM media_reactions WHERE video_id = @id", ("id", videoId)));

        // A comment waits for moderation, and the page says so.
        browser.Fill("#comment-form input[name=name]", "Alex Viewer");
        browser.Fill("#comment-form textarea[name=text]", $"Great day {tag}");
        browser.Wait("#comment-form button[type=submit]").Click();
        Assert.Contains("approved", browser.Wait("#comment-form .msg-ok").Text);
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM media_comments WHERE video_id = @id AND status = 'PENDING'", ("id", videoId)));
        browser.Screenshot("public-video-reacted");

        // The admin approves it in the console; the video's page then shows it.
        browser.SignIn(Url("/app#/media"), admin);
        browser.Wait("#admin-nav a[href='#/media']").Click();
        var commentId = await Db.ScalarAsync<Guid>("SELECT id FROM media_comments WHERE video_id = @id", ("id", videoId));
        browser.Wait($"#media-comments li.comment[data-comment-id='{commentId}'] .approve-comment").Click();
        browser.Until(() => browser.Wait($"#media-comments li.comment[data-comment-id='{commentId}']").Text.Contains("Approved"), "the comment is approved");
        Assert.Equal("APPROVED", await Db.ScalarAsync<string>("SELECT status FROM media_comments WHERE id = @id", ("id", commentId)));
        Driver.Navigate().GoToUrl(Url($"/media/{videoId}"));
        browser.Until(() => browser.Wait("#comments").Text.Contains($"Great day {tag}"), "the approved comment on the video's page");
        output.WriteLine($"screenshots: {Browser.ScreenshotFolder}");
    }

    [Fact]
    public async Task The_home_page_links_the_published_landing_pages_and_the_video_gallery_while_their_modules_are_on()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        using var adminHttp = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin));
        var tag = Guid.NewGuid().ToString("N")[..10];
        var created = await adminHttp.PostAsJsonAsync("/api/pages", new { title = $"Town hall {tag}", htmlOutput = "<h1>Town hall</h1>", published = true });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.IsSuccessStatusCode, body.ToString());
        var slug = body.GetProperty("slug").GetString();

        Driver.Navigate().GoToUrl(Url("/"));
        browser.Wait($"#landing-pages a[href='/p/{slug}']");
        browser.Wait("#nav-media");
        browser.Wait("#videos #all-videos");
        browser.Screenshot("home-with-videos");
        Driver.Navigate().GoToUrl(Url("/media"));
        browser.Until(() => browser.All("#gallery").Count > 0 || browser.All("main .msg-info").Count > 0, "the gallery or its empty message");
        browser.Screenshot("public-gallery");
    }
}
