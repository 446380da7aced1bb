using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Influence;
using ChangemakerLite.TestSupport.Shifts;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>
/// The web UI in a real browser (headless Chromium) against a running cluster, as its users work it: an admin
/// watching a shift fill up live, a canvasser recording visits with no network, a supporter writing to their
/// representatives through their own mail app. One browser and one cluster for the class; screenshots of each page
/// are saved to the folder the tests print (<see cref="Browser.ScreenshotFolder"/>).
/// </summary>
public sealed class WebBrowserTests(Browser browser, ITestOutputHelper output) : ClusterTest, IClassFixture<Browser>
{
    private FakeRepresent Represent => (FakeRepresent)Companion!;

    protected override Task<IAsyncDisposable?> StartCompanionAsync() => FakeRepresent.StartAsync().ContinueWith(t => (IAsyncDisposable?)t.Result);

    protected override IDictionary<string, string?>? Settings
    {
        get
        {
            var settings = Represent.Settings();
            settings["INFLUENCE_RATE_LIMIT_PER_IP"] = "100000";
            settings["SHIFT_SIGNUP_RATE_LIMIT_PER_IP"] = "100000";
            // No tile server answers here: the maps must still draw the cut and the doors on their plain background.
            settings["MAP_TILE_URL"] = "http://127.0.0.1:9/{z}/{x}/{y}.png";
            return settings;
        }
    }

    private string Url(string path) => new Uri(Cluster.FrontendUri(0), path).ToString();

    private IWebDriver Driver => browser.Driver;

    [Fact]
    public async Task An_admin_sees_a_shifts_count_change_when_someone_signs_up_in_another_browsing_context()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        using var adminHttp = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.MapAdmin));
        var shift = await ShiftFixtures.CreateShiftAsync(adminHttp, maxVolunteers: 10, title: $"Leaflet drop {Guid.NewGuid():N}"[..24]);
        var shiftId = shift.GetProperty("id").GetGuid();

        browser.SignIn(Url("/app"), admin);
        browser.Wait("#admin-nav a[href='#/shifts']").Click();
        var count = browser.Wait($"td.count[data-shift-id='{shiftId}']");
        Assert.Equal("0 / 10", count.Text);
        browser.Until(() => browser.Wait("#live-state").Text == "live", "the shifts screen watches its shifts");
        browser.Screenshot("admin-shifts-before");
        var adminTab = Driver.CurrentWindowHandle;

        // A supporter in another tab (another browsing context, anonymous) signs up on the public page.
        Driver.SwitchTo().NewWindow(WindowType.Tab);
        Driver.Navigate().GoToUrl(Url($"/shifts/{shiftId}"));
        browser.Wait("#signup-form");
        browser.Fill("#signup-form input[name=name]", "Robin Supporter");
        browser.Fill("#signup-form input[name=email]", $"robin.{Guid.NewGuid():N}@example.org");
        browser.Wait("#signup-form button[type=submit]").Click();
        browser.Wait("#signup-form .msg-ok");
        // The public page follows the same live topic.
        browser.Until(() => browser.Wait("#shift-count").Text == "1 / 10", "the public page's count");
        browser.Screenshot("public-shift-signed-up");

        Driver.SwitchTo().Window(adminTab);
        browser.Until(() => browser.Wait($"td.count[data-shift-id='{shiftId}']").Text == "1 / 10", "the admin's count follows the signup live");
        browser.Screenshot("admin-shifts-after");
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", ("id", shiftId)));
        output.WriteLine($"screenshots: {Browser.ScreenshotFolder}");
    }

    [Fact]
    public async Task A_canvasser_records_three_visits_offline_reloads_and_they_are_stored_exactly_once_when_back_online()
    {
        var (lat, lng) = (45.0 + Random.Shared.NextDouble(), -75.0 - Random.Shared.NextDouble());
        var cutName = $"Elm blocks {Guid.NewGuid():N}"[..22];
        var cutId = await CanvassTestData.InsertCutAsync(Db, lat, lng, lat + 0.01, lng + 0.01, name: cutName);
        var doors = new List<Guid>();
        for (var i = 0; i < 3; i++)
            doors.Add(await CanvassTestData.InsertDoorAsync(Db, lat + 0.002 * (i + 1), lng + 0.002 * (i + 1), $"{10 + 2 * i} Elm St"));
        var canvasser = await TestUsers.CreateAsync(Db, UserRole.User);

        browser.SignIn(Url("/volunteer"), canvasser);
        browser.Wait($"button[data-cut-id='{cutId}']").Click();
        browser.Until(() => browser.All("#walk-list li.door").Count == 3, "the walk list has the cut's three doors");
        // The map drew the cut and the doors although no tile loads.
        browser.Until(() => browser.All("#session-map path.leaflet-interactive").Count == 4,
            "the cut and three doors on the map", describe: () => $"{browser.All("#session-map path").Count} paths: " + browser.Script("return [...document.querySelectorAll('#session-map path')].map(p => p.getAttribute('class') + ' ' + (p.getAttribute('d') ?? '').slice(0, 40)).join('; ')"));
        var sessionId = await Db.ScalarAsync<Guid>("SELECT id FROM canvass_sessions WHERE user_id = @u AND status = 'ACTIVE'", ("u", canvasser.Id));
        browser.Until(() => browser.Script("return !!navigator.serviceWorker.controller") is true, "the service worker controls the app");
        browser.Screenshot("volunteer-walk-list");

        browser.Offline(true);
        try
        {
            browser.Until(() => browser.Script("return navigator.onLine") is false, "the page sees the network gone");
            for (var i = 0; i < 3; i++)
            {
                browser.All("#walk-list li.door button")[i].Click();
                browser.Wait("#visit-form input[name=outcome][value=NOT_HOME]").FindElement(By.XPath("..")).Click();
                browser.Fill("#visit-form textarea[name=notes]", $"offline visit {i + 1}");
                browser.Wait("#save-visit").Click();
                var expected = (i + 1).ToString();
                browser.Until(() => browser.Wait("#outbox-status").GetDomAttribute("data-pending") == expected, $"{expected} visits in the outbox");
            }
            Assert.Equal("3 not yet sent", browser.Wait("#pending-count").Text);
            browser.Screenshot("volunteer-offline-three-pending");
            Assert.Equal(0L, await VisitsOf(sessionId));

            // A reload with no network: the shell comes from the service worker, the visits from IndexedDB.
            Driver.Navigate().Refresh();
            browser.Until(() => browser.All("#walk-list li.door").Count == 3, "the walk list again, from the phone's copy");
            browser.Until(() => browser.Wait("#outbox-status").GetDomAttribute("data-pending") == "3", "the three visits survived the reload");
            Assert.Equal(3, browser.All("#walk-list li.door.done").Count);
            Assert.Equal(0L, await VisitsOf(sessionId));
        }
        finally
        {
            browser.Offline(false);
        }

        browser.Until(() => browser.Wait("#outbox-status").GetDomAttribute("data-pending") == "0", "the outbox empties once online", TimeSpan.FromSeconds(60));
        Assert.Equal("0 not yet sent", browser.Wait("#pending-count").Text);
        Assert.Equal(3L, await VisitsOf(sessionId));
        Assert.Equal(3L, await Db.ScalarAsync<long>(
            "SELECT count(DISTINCT address_id) FROM canvass_visits WHERE session_id = @s AND outcome = 'NOT_HOME' AND notes LIKE 'offline visit %'", ("s", sessionId)));
        Assert.Equal(3L, await Db.ScalarAsync<long>("SELECT count(DISTINCT client_visit_id) FROM canvass_visits WHERE session_id = @s", ("s", sessionId)));
        browser.Screenshot("volunteer-all-sent");

        // Ending the session leaves nothing behind: a new session could start.
        browser.Wait("#end-session").Click();
        browser.Wait($"button[data-cut-id='{cutId}']");
        Assert.Equal("COMPLETED", await Db.ScalarAsync<string>("SELECT status::text FROM canvass_sessions WHERE id = @s", ("s", sessionId)));
        Assert.Equal(3L, await VisitsOf(sessionId));
    }

    [Fact]
    public async Task A_visit_recorded_while_the_app_is_connected_travels_on_its_live_connection_not_as_a_request()
    {
        var (lat, lng) = (46.0 + Random.Shared.NextDouble(), -76.0 - Random.Shared.NextDouble());
        var cutId = await CanvassTestData.InsertCutAsync(Db, lat, lng, lat + 0.01, lng + 0.01, name: $"Ash blocks {Guid.NewGuid():N}"[..22]);
        await CanvassTestData.InsertDoorAsync(Db, lat + 0.004, lng + 0.004, "3 Ash St");
        var canvasser = await TestUsers.CreateAsync(Db, UserRole.User);

        browser.SignIn(Url("/volunteer"), canvasser);
        browser.Wait($"button[data-cut-id='{cutId}']").Click();
        browser.Until(() => browser.All("#walk-list li.door").Count == 1, "the walk list has the cut's door");
        var sessionId = await Db.ScalarAsync<Guid>("SELECT id FROM canvass_sessions WHERE user_id = @u AND status = 'ACTIVE'", ("u", canvasser.Id));
        browser.Until(() => browser.Script("return document.body.dataset.live") as string == "connected", "the app's live connection open");

        browser.All("#walk-list li.door button")[0].Click();
        browser.Wait("#visit-form input[name=outcome][value=SPOKE_WITH]").FindElement(By.XPath("..")).Click();
        browser.Fill("#visit-form textarea[name=notes]", "sent live");
        browser.Wait("#save-visit").Click();

        browser.Until(() => browser.Wait("#outbox-status").GetDomAttribute("data-pending") == "0", "the outbox empties");
        Assert.Equal(1L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM canvass_visits WHERE session_id = @s AND outcome = 'SPOKE_WITH' AND notes = 'sent live'", ("s", sessionId)));
        // The page made no request to the visits route: the visit went as a message on the connection.
        Assert.Equal(0L, Convert.ToInt64(browser.Script(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/visits')).length")));
    }

    [Fact]
    public async Task A_supporter_looks_up_a_postal_code_and_writes_through_their_mail_app()
    {
        var slug = await CreateCampaignAsync();
        Driver.Navigate().GoToUrl(Url($"/campaigns/{slug}"));
        browser.Fill("#postal-code", "k1a 0b1");
        browser.Wait("#lookup-form button[type=submit]").Click();
        browser.Wait("#send-form");
        Assert.Equal(2, browser.All("#send-form input[name=rep]").Count);
        browser.Fill("#send-form input[name=senderName]", "Jordan Supporter");
        browser.Fill("#send-form input[name=senderEmail]", $"jordan.{Guid.NewGuid():N}@example.org");
        browser.Wait("#send-mailto").Click();
        browser.Until(() => browser.All("a.mailto-link").Count == 2, "a mailto link per representative");
        var links = browser.All("a.mailto-link").Select(a => Uri.UnescapeDataString(a.GetDomAttribute("href") ?? "")).ToList();
        Assert.All(links, href => Assert.StartsWith("mailto:", href));
        Assert.Contains(links, href => href.StartsWith("mailto:" + FakeRepresent.MpEmail("K1A0B1"), StringComparison.OrdinalIgnoreCase));
        Assert.Contains(links, href => href.StartsWith("mailto:" + FakeRepresent.MppEmail("K1A0B1"), StringComparison.OrdinalIgnoreCase));
        browser.Screenshot("campaign-mailto-links");
        Assert.Equal(2L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM campaign_emails WHERE campaign_slug = @slug AND email_method = 'MAILTO'", ("slug", slug)));
        Assert.Equal(0L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM campaign_emails WHERE campaign_slug = @slug AND email_method <> 'MAILTO'", ("slug", slug)));
    }

    [Fact]
    public async Task A_supporter_shares_a_response_and_once_approved_it_is_upvoted_once_on_the_wall()
    {
        var slug = await CreateCampaignAsync();
        Driver.Navigate().GoToUrl(Url($"/campaigns/{slug}"));
        browser.Fill("#response-form input[name=representativeName]", "Pat Member");
        browser.Fill("#response-form textarea[name=responseText]", "I will vote to fund transit.");
        browser.Wait("#response-form button[type=submit]").Click();
        browser.Wait("#response-form .msg-ok");
        var responseId = await Db.ScalarAsync<Guid>(
            "SELECT id FROM representative_responses WHERE campaign_slug = @slug AND status = 'PENDING'", ("slug", slug));

        using var moderator = await AdminAsync(UserRole.InfluenceAdmin);
        var approved = await moderator.PostAsync($"/api/responses/{responseId}/approve", null);
        Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());

        Driver.Navigate().Refresh();
        browser.Wait("#responses button.upvote").Click();
        browser.Until(() => browser.Wait("#responses .upvotes").Text == "1", "the upvote counted on screen");
        // A second upvote from the same address is refused, in words.
        Driver.Navigate().Refresh();
        browser.Wait("#responses button.upvote").Click();
        browser.Until(() => browser.Wait("#responses li.response").Text.Contains("You upvoted this already."), "the repeat refused in words");
        browser.Screenshot("campaign-response-wall");
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM response_upvotes WHERE response_id = @id", ("id", responseId)));
    }

    [Fact]
    public async Task The_home_page_lists_active_campaigns_and_upcoming_shifts()
    {
        var slug = await CreateCampaignAsync();
        using var adminHttp = await AdminAsync(UserRole.MapAdmin);
        var shift = await ShiftFixtures.CreateShiftAsync(adminHttp, maxVolunteers: 4, title: $"Phone bank {Guid.NewGuid():N}"[..22]);

        Driver.Navigate().GoToUrl(Url("/"));
        browser.Wait($"#campaigns a[href='/campaigns/{slug}']");
        browser.Wait($"#shifts a[href='/shifts/{shift.GetProperty("id").GetGuid()}']");
        browser.Screenshot("home");

        // The console's dashboard of a fresh admin, for the screenshots of the main pages.
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        browser.SignIn(Url("/app#/"), admin);
        browser.Until(() => browser.Wait("main").Text.Contains("Welcome"), "the dashboard");
        browser.Screenshot("admin-dashboard");
        output.WriteLine($"screenshots: {Browser.ScreenshotFolder}");
    }

    [Fact]
    public async Task An_admin_imports_a_spreadsheet_of_doors_and_follows_its_progress_live()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var tag = Guid.NewGuid().ToString("N")[..10];
        var csv = Path.Combine(Path.GetTempPath(), $"doors-{tag}.csv");
        await File.WriteAllTextAsync(csv, "address,unit,latitude,longitude\r\n"
            + $"\"1 {tag} Rd, Edmonton\",,53.51,-113.51\r\n"
            + $"\"2 {tag} Rd, Edmonton\",A,53.52,-113.52\r\n"
            + $"\"2 {tag} Rd, Edmonton\",B,53.52,-113.52\r\n"
            + $"\"3 {tag} Rd\",,95,-113.53\r\n");
        try
        {
            browser.SignIn(Url("/app#/imports"), admin);
            browser.Wait("#admin-nav a[href='#/imports']").Click();
            browser.Wait("#import-file").SendKeys(csv);
            browser.Wait("#import-form button[type=submit]").Click();
            browser.Until(() => browser.Wait("#import-state").GetDomAttribute("data-status") == "completed", "the import completes on screen",
                TimeSpan.FromSeconds(60));
            browser.Wait("#import-result");
            Assert.Contains("addressesCreated: 3", browser.Wait("#import-result").Text);
            // The row with an impossible latitude is reported with its line.
            Assert.Contains("line 5", browser.Wait("#import-details").Text);
            browser.Screenshot("admin-import-done");
            Assert.Equal(3L, await Db.ScalarAsync<long>(
                "SELECT count(*) FROM addresses a JOIN locations l ON l.id = a.location_id WHERE l.address LIKE @a", ("a", $"% {tag} Rd%")));
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public async Task The_admins_canvass_map_follows_a_visit_recorded_by_a_phone()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var (lat, lng) = (44.0 + Random.Shared.NextDouble(), -79.0 - Random.Shared.NextDouble());
        var cutId = await CanvassTestData.InsertCutAsync(Db, lat, lng, lat + 0.01, lng + 0.01, name: $"Oak blocks {Guid.NewGuid():N}"[..22]);
        var door = await CanvassTestData.InsertDoorAsync(Db, lat + 0.005, lng + 0.005, "7 Oak St");
        var canvasser = await TestUsers.CreateAsync(Db, UserRole.User);
        using var phone = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, canvasser.Id, canvasser.Email, UserRole.User));
        var canvass = new CanvassClient(phone);

        browser.SignIn(Url("/app#/canvass"), admin);
        browser.Wait("#admin-nav a[href='#/canvass']").Click();
        browser.Until(() => browser.Wait("#live-state").Text == "live", "the canvass map watches canvass:live");

        var sessionId = await canvass.StartSessionAsync(cutId, lat + 0.001, lng + 0.001);
        using var visit = await canvass.VisitAsync(sessionId, new { clientVisitId = Guid.NewGuid(), addressId = door, outcome = "SPOKE_WITH" });
        Assert.True(visit.IsSuccessStatusCode, await visit.Content.ReadAsStringAsync());
        var item = browser.Wait($"#canvass-feed li.visit[data-session-id='{sessionId}']");
        Assert.Contains("SPOKE_WITH", item.Text);
        browser.Screenshot("admin-canvass-map");
    }

    [Fact]
    public async Task A_refused_sign_in_is_said_in_words_beside_the_form()
    {
        browser.SignIn(Url("/volunteer"), new TestUser(Guid.Empty, $"nobody.{Guid.NewGuid():N}@example.org", "Wrong-password-1", UserRole.User));
        var error = browser.Wait("#login-form .msg-error");
        Assert.False(string.IsNullOrWhiteSpace(error.Text));
        Assert.DoesNotContain("{", error.Text);
        browser.Screenshot("volunteer-sign-in-refused");
        await Task.CompletedTask;
    }

    private Task<long> VisitsOf(Guid sessionId) =>
        Db.ScalarAsync<long>("SELECT count(*) FROM canvass_visits WHERE session_id = @s", ("s", sessionId));

    private async Task<HttpClient> AdminAsync(UserRole role)
    {
        var user = await TestUsers.CreateAsync(Db, role);
        return Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role));
    }

    /// <summary>An ACTIVE campaign to federal and provincial representatives, by SMTP or mailto; returns its slug.</summary>
    private async Task<string> CreateCampaignAsync()
    {
        using var admin = await AdminAsync(UserRole.InfluenceAdmin);
        var created = await admin.PostAsJsonAsync("/api/campaigns", new
        {
            title = $"Fund transit {Guid.NewGuid():N}"[..24],
            description = "Buses every ten minutes.",
            emailSubject = "Please fund transit",
            emailBody = "Dear representative,\nPlease fund transit.\nThanks",
            targetGovernmentLevels = new[] { "FEDERAL", "PROVINCIAL" },
            allowSmtpEmail = true,
            allowMailtoLink = true,
            showResponseWall = true,
        });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.IsSuccessStatusCode, body.ToString());
        var id = body.GetProperty("id").GetGuid();
        var activated = await admin.PatchAsJsonAsync($"/api/campaigns/{id}", new { status = "ACTIVE" });
        Assert.True(activated.IsSuccessStatusCode, await activated.Content.ReadAsStringAsync());
        return body.GetProperty("slug").GetString()!;
    }
}
