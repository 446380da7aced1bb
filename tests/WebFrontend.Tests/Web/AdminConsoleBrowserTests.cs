using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>
/// The admin console's screens for users, response moderation, templates, settings and the dashboard in a real
/// browser (headless Chromium) against a running cluster: a super admin creates a user and changes its role and
/// grants; an influence admin approves a response and it is on the public wall; a template edited and previewed
/// shows the value of its variable; the organisation's name set in the settings is on the public home page. One
/// browser and one cluster for the class; each test works on its own users, campaigns and templates. Screenshots of
/// each screen go to <see cref="Browser.ScreenshotFolder"/>.
/// </summary>
public sealed class AdminConsoleBrowserTests(Browser browser, ITestOutputHelper output) : ClusterTest, IClassFixture<Browser>
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["INFLUENCE_RATE_LIMIT_PER_IP"] = "100000",
        ["SHIFT_SIGNUP_RATE_LIMIT_PER_IP"] = "100000",
        ["MAP_TILE_URL"] = "",
    };

    private string Url(string path) => new Uri(Cluster.FrontendUri(0), path).ToString();

    private IWebDriver Driver => browser.Driver;

    [Fact]
    public async Task A_super_admin_creates_a_user_then_changes_its_role_and_grants()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var email = $"new.volunteer.{Guid.NewGuid():N}@example.org";

        browser.SignIn(Url("/app#/users"), admin);
        browser.Wait("#sign-out");
        browser.Wait("#users-table");
        browser.Fill("#new-user input[name=email]", email);
        browser.Fill("#new-user input[name=name]", "Nova Volunteer");
        browser.Fill("#new-user input[name=password]", "Fresh-Volunteer-42");
        browser.Choose("#new-user select[name=role]", "USER");
        browser.Wait("#new-user button[type=submit]").Click();
        var edit = browser.Wait("#edit-user");
        Assert.Contains(email, edit.Text);
        var id = await Db.ScalarAsync<Guid>("SELECT id FROM users WHERE email = @e", ("e", email));
        Assert.Equal("USER", await Db.ScalarAsync<string>("SELECT role::text FROM users WHERE id = @id", ("id", id)));
        // The list never carries a password or its hash.
        Assert.DoesNotContain("$2", browser.Wait("#users-list").Text);

        browser.Choose("#edit-user select[name=role]", "MAP_ADMIN");
        browser.Wait("#edit-user input[name='grant.privateShifts']").Click();
        browser.Choose("#edit-user select[name='app.media']", "true");
        browser.Wait("#edit-user button[name=save]").Click();
        browser.Until(() => browser.Wait("#edit-user").Text.Contains("Saved: MAP_ADMIN, ACTIVE."), "the saved role said on screen");
        Assert.Equal("MAP_ADMIN", await Db.ScalarAsync<string>("SELECT role::text FROM users WHERE id = @id", ("id", id)));
        Assert.True(await Db.ScalarAsync<bool>("SELECT (permissions->>'privateShifts')::boolean FROM users WHERE id = @id", ("id", id)));
        Assert.True(await Db.ScalarAsync<bool>("SELECT (permissions->>'media')::boolean FROM users WHERE id = @id", ("id", id)));
        browser.Until(() => browser.Wait($"#users-table tr[data-user-id='{id}'] td.role").Text == "MAP_ADMIN", "the list shows the new role");

        // Suspending is one button; the list follows.
        browser.Wait("#edit-user button[name=suspend]").Click();
        browser.Until(() => browser.Wait("#edit-user").Text.Contains("Saved: MAP_ADMIN, SUSPENDED."), "the suspension said on screen");
        Assert.Equal("SUSPENDED", await Db.ScalarAsync<string>("SELECT status::text FROM users WHERE id = @id", ("id", id)));

        // A TEMP account is made with its expiry in days.
        var tempEmail = $"temp.helper.{Guid.NewGuid():N}@example.org";
        browser.Fill("#new-user input[name=email]", tempEmail);
        browser.Fill("#new-user input[name=password]", "Fresh-Helper-4242");
        browser.Choose("#new-user select[name=role]", "TEMP");
        browser.Fill("#new-user input[name=expireDays]", "3");
        browser.Wait("#new-user button[type=submit]").Click();
        browser.Until(() => browser.Wait("#edit-user").Text.Contains(tempEmail), "the TEMP account's editor");
        var expires = await Db.ScalarAsync<DateTime>("SELECT expires_at FROM users WHERE email = @e AND role = 'TEMP'", ("e", tempEmail));
        Assert.InRange(expires, DateTime.UtcNow.AddDays(3).AddHours(-1), DateTime.UtcNow.AddDays(3).AddHours(1));

        // Search finds the user by name.
        browser.Fill("#users-filter input[name=search]", email);
        browser.Wait("#users-filter button[type=submit]").Click();
        browser.Until(() => browser.All("#users-table tbody tr").Count == 1, "the search finds one user");
        browser.FitsWidth("the users screen");
        browser.Screenshot("admin-users");
    }

    [Fact]
    public async Task A_map_admin_sees_in_words_that_the_users_and_settings_screens_are_for_super_admins()
    {
        var mapAdmin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        browser.SignIn(Url("/app#/users"), mapAdmin);
        browser.Wait("#sign-out");
        browser.Wait("#admin-nav a[href='#/users']").Click();
        browser.Until(() => browser.Wait("main .msg-error").Text.Contains("Only a super admin may manage users"), "the users screen's 403 in words");
        browser.Screenshot("admin-users-forbidden");
        browser.Wait("#admin-nav a[href='#/settings']").Click();
        browser.Until(() => browser.Wait("main .msg-error").Text.Contains("Only a super admin may change the site settings"), "the settings screen's 403 in words");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task An_influence_admin_approves_a_pending_response_and_it_is_on_the_public_wall()
    {
        var (campaignId, slug) = await CreateCampaignAsync();
        var text = $"I will vote to fund transit {Guid.NewGuid():N}";
        using var anonymous = Cluster.Http(0);
        var submitted = await anonymous.PostAsJsonAsync("/api/public/responses", new
        {
            campaignSlug = slug, representativeName = "Pat Member", representativeLevel = "FEDERAL", responseType = "EMAIL", responseText = text,
            submittedByName = "Sam Supporter",
        });
        var body = await submitted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(submitted.IsSuccessStatusCode, body.ToString());
        var responseId = body.GetProperty("id").GetGuid();

        var moderator = await TestUsers.CreateAsync(Db, UserRole.InfluenceAdmin);
        browser.SignIn(Url("/app#/responses"), moderator);
        browser.Wait("#sign-out");
        browser.Wait("#admin-nav a[href='#/responses']").Click();
        browser.Choose("#responses-campaign", campaignId.ToString());
        browser.Wait("#responses-filter button[type=submit]").Click();
        browser.Until(() => browser.Wait($"li.moderation[data-response-id='{responseId}']").Text.Contains(text), "the pending response with its text");
        browser.FitsWidth("the responses screen");
        browser.Screenshot("admin-responses-pending");
        // The list may be drawn again meanwhile (a live count): the button is found afresh until the click lands.
        ClickAfresh($"li.moderation[data-response-id='{responseId}'] button.approve");
        // The pending list is read again: the approved response has left it.
        browser.Until(() => browser.All($"li.moderation[data-response-id='{responseId}']").Count == 0, "the approved response leaves the pending list");
        Assert.Equal("APPROVED", await Db.ScalarAsync<string>("SELECT status::text FROM representative_responses WHERE id = @id", ("id", responseId)));

        // Marked verified from the approved list.
        browser.Choose("#responses-status", "APPROVED");
        browser.Wait("#responses-filter button[type=submit]").Click();
        ClickAfresh($"li.moderation[data-response-id='{responseId}'] button.verify");
        browser.Until(() => browser.Wait($"li.moderation[data-response-id='{responseId}']").Text.Contains("verified by"), "the response shown verified");
        Assert.True(await Db.ScalarAsync<bool>("SELECT is_verified FROM representative_responses WHERE id = @id", ("id", responseId)));
        browser.Screenshot("admin-responses-approved");

        Driver.Navigate().GoToUrl(Url($"/campaigns/{slug}"));
        browser.Until(() => browser.All("#responses li.response").Any(li => li.Text.Contains(text)), "the approved response on the public wall");
        browser.Screenshot("campaign-wall-after-approval");
    }

    [Fact]
    public async Task An_influence_admin_creates_a_campaign_in_the_editor_and_publishes_it()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.InfluenceAdmin);
        var title = $"Safe streets {Guid.NewGuid():N}"[..24];
        browser.SignIn(Url("/app#/campaigns"), admin);
        browser.Wait("#sign-out");
        browser.Wait("#admin-nav a[href='#/campaigns']").Click();
        browser.Wait("#new-campaign").Click();
        browser.Fill("#campaign-form input[name=title]", title);
        browser.Fill("#campaign-form input[name=emailSubject]", "Please make our streets safe");
        browser.Fill("#campaign-form textarea[name=emailBody]", "Dear representative,\nPlease act.");
        browser.Wait("#campaign-form input[name='level.MUNICIPAL']").Click();
        browser.Wait("#campaign-form input[name=showResponseWall]").Click();
        browser.Wait("#campaign-form button[type=submit]").Click();
        browser.Until(() => browser.All("#campaigns-table tbody tr").Any(tr => tr.Text.Contains(title)), "the new campaign listed");
        var id = await Db.ScalarAsync<Guid>("SELECT id FROM campaigns WHERE title = @t", ("t", title));
        Assert.Equal("DRAFT", await Db.ScalarAsync<string>("SELECT status::text FROM campaigns WHERE id = @id", ("id", id)));
        Assert.True(await Db.ScalarAsync<bool>("SELECT show_response_wall FROM campaigns WHERE id = @id", ("id", id)));

        browser.Wait($"#campaigns-table tr[data-campaign-id='{id}'] button.edit-campaign").Click();
        browser.Choose("#campaign-form select[name=status]", "ACTIVE");
        browser.Screenshot("admin-campaign-editor");
        browser.Wait("#campaign-form button[type=submit]").Click();
        browser.Until(() => browser.Wait($"#campaigns-table tr[data-campaign-id='{id}']").Text.Contains("ACTIVE"), "the campaign listed as active");
        Assert.Equal("ACTIVE", await Db.ScalarAsync<string>("SELECT status::text FROM campaigns WHERE id = @id", ("id", id)));
        var levels = await Db.ScalarAsync<string[]>(
            "SELECT array_agg(l::text ORDER BY l::text) FROM campaigns, unnest(target_government_levels) l WHERE id = @id", ("id", id));
        Assert.Equal(new[] { "FEDERAL", "MUNICIPAL" }, levels);
    }

    [Fact]
    public async Task An_edited_template_previews_with_the_value_of_its_variable()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        using var http = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin));
        var key = $"welcome-{Guid.NewGuid():N}"[..20];
        var created = await http.PostAsJsonAsync("/api/email-templates", new
        {
            key, name = "Welcome " + key, category = "INFLUENCE", subjectLine = "Hello {{NAME}}", htmlContent = "<p>Hello {{NAME}}</p>",
            textContent = "Hello {{NAME}}", variables = new object[] { new { key = "NAME", label = "Name", isRequired = true, sampleValue = "Sam" } },
        });
        var template = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.IsSuccessStatusCode, template.ToString());
        var id = template.GetProperty("id").GetGuid();

        browser.SignIn(Url("/app#/templates"), admin);
        browser.Wait("#sign-out");
        browser.Wait("#admin-nav a[href='#/templates']").Click();
        browser.Wait($"#templates-table tr[data-template-id='{id}'] button.open-template").Click();
        browser.Fill("#template-form textarea[name=htmlContent]", "<p>Dear <strong>{{NAME}}</strong>, thank you.</p>");
        browser.Fill("#template-form input[name=changeNotes]", "Warmer greeting");
        browser.Wait("#save-template").Click();
        browser.Until(() => browser.Wait("#template-form").Text.Contains("Saved as version 2."), "the new version said on screen");
        browser.Until(() => browser.Wait("#template-versions").Text.Contains("Warmer greeting"), "the version's notes in the list");

        browser.Wait("#validate-template").Click();
        browser.Until(() => browser.Wait("#template-findings").Text.Contains("The saved template is valid."), "the validator's verdict");

        browser.Fill("#preview-form input[name=NAME]", "Ana Organizer");
        browser.Wait("#preview-template").Click();
        browser.Until(() => browser.Wait("#preview-subject").Text == "Hello Ana Organizer", "the previewed subject");
        var frame = browser.Wait("#template-preview-frame");
        // The frame is sandboxed without scripts: its HTML is shown, never run.
        Assert.Equal("", frame.GetDomAttribute("sandbox"));
        Driver.SwitchTo().Frame(frame);
        try
        {
            browser.Until(() => Driver.FindElement(By.TagName("body")).Text.Contains("Dear Ana Organizer, thank you."), "the rendered variable in the preview");
        }
        finally
        {
            Driver.SwitchTo().DefaultContent();
        }
        browser.FitsWidth("the templates screen");
        browser.Screenshot("admin-template-preview");

        // A broken edit is refused in words, naming where it is broken.
        browser.Fill("#template-form textarea[name=htmlContent]", "<p>{{#if NAME}}open</p>");
        browser.Wait("#save-template").Click();
        browser.Until(() => browser.Wait("#template-form .msg-error").Text.Length > 0, "the refused edit in words");
        Assert.Equal(2L, await Db.ScalarAsync<long>("SELECT count(*) FROM email_template_versions WHERE template_id = @id", ("id", id)));

        // Restoring version 1 makes version 3 with the first content.
        browser.Wait("#template-versions li[data-version='1'] button.restore").Click();
        browser.Until(() => browser.Wait("#template-form").Text.Contains("Version 1 restored as version 3."), "the restore said on screen");
        Assert.Equal("<p>Hello {{NAME}}</p>", await Db.ScalarAsync<string>("SELECT html_content FROM email_templates WHERE id = @id", ("id", id)));
        Assert.Equal(3L, await Db.ScalarAsync<long>("SELECT count(*) FROM email_template_versions WHERE template_id = @id", ("id", id)));
    }

    [Fact]
    public async Task A_new_organisation_name_in_the_settings_is_on_the_public_home_page()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var name = $"Riverside Tenants {Guid.NewGuid():N}"[..26];

        browser.SignIn(Url("/app#/settings"), admin);
        browser.Wait("#sign-out");
        browser.Wait("#admin-nav a[href='#/settings']").Click();
        // The SMTP password is never echoed: the field starts empty and says whether one is stored.
        Assert.Equal("", browser.Wait("#smtp-pass").GetDomProperty("value"));
        browser.Fill("#settings-organization input[name=organizationName]", name);
        browser.Fill("#settings-organization input[name=publicColorPrimary]", "#0f766e");
        browser.Wait("#settings-organization button[type=submit]").Click();
        browser.Until(() => browser.Wait("#settings-organization").Text.Contains("Saved."), "the saved settings said on screen");
        Assert.Equal(name, await Db.ScalarAsync<string>("SELECT organization_name FROM site_settings"));

        // A bad colour is refused beside its field.
        browser.Fill("#settings-organization input[name=adminColorPrimary]", "blue");
        browser.Script("document.querySelector('#settings-organization').noValidate = true");
        browser.Wait("#settings-organization button[type=submit]").Click();
        browser.Until(() => browser.All("#settings-organization input[name=adminColorPrimary] + .field-error").Count == 1, "the colour's error beside it");

        // The test connection shows what the server said (here: the cluster's SMTP sink).
        browser.Wait("#smtp-test-connection").Click();
        browser.Until(() => browser.Wait("#smtp-test-result").Text.Length > 0 && !browser.Wait("#smtp-test-result").Text.Contains("Asking"), "the server's answer");
        browser.FitsWidth("the settings screen");
        browser.Script("document.getElementById('smtp-test-result').scrollIntoView({ block: 'center' })");
        browser.Screenshot("admin-settings");

        Driver.Navigate().GoToUrl(Url("/"));
        browser.Until(() => browser.Wait(".topbar h1 a").Text == name, "the organisation's name on the home page");
        Assert.Equal("rgb(15, 118, 110)", browser.Script("return getComputedStyle(document.querySelector('.topbar')).backgroundColor"));
        browser.Screenshot("home-with-organisation");
    }

    [Fact]
    public async Task The_dashboard_shows_each_apps_figures_and_the_pending_responses()
    {
        var (_, slug) = await CreateCampaignAsync();
        using var anonymous = Cluster.Http(0);
        var submitted = await anonymous.PostAsJsonAsync("/api/public/responses", new
        {
            campaignSlug = slug, representativeName = "Lee Member", representativeLevel = "PROVINCIAL", responseType = "LETTER",
            responseText = "We are looking at it.",
        });
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        using var mapAdmin = Cluster.Http(0, await MintAsync(UserRole.MapAdmin));
        var shift = await ShiftFixtures.CreateShiftAsync(mapAdmin, maxVolunteers: 6, title: $"Door knock {Guid.NewGuid():N}"[..22]);

        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        browser.SignIn(Url("/app#/"), admin);
        browser.Wait("#sign-out");
        browser.Until(() => browser.Wait("main").Text.Contains("Welcome"), "the dashboard");
        foreach (var stat in new[] { "campaigns", "emails", "pending", "shifts", "places", "sessions", "visits" })
            browser.Wait($"#stat-{stat}");
        // The figures are the whole site's (other tests of the class add to them): this test's response is among them.
        browser.Until(() => long.Parse(browser.Wait("#stat-pending .stat-value").Text) >= 1, "pending responses counted");
        browser.Until(() => browser.Wait("#recent-activity").Text.Contains("Lee Member"), "the response in the recent activity");
        browser.Until(() => browser.Wait("#live-state").Text == "live", "the dashboard watches its topics");
        // A signup fills a place: the card follows shift:{id} without a reload.
        var filledBefore = int.Parse(browser.Wait("#stat-places .stat-value").Text.Split('/')[0].Trim());
        var signup = await anonymous.PostAsJsonAsync($"/api/public/shifts/{shift.GetProperty("id").GetGuid()}/signups",
            new { name = "Robin Volunteer", email = $"robin.{Guid.NewGuid():N}@example.org" });
        Assert.True(signup.IsSuccessStatusCode, await signup.Content.ReadAsStringAsync());
        browser.Until(() => browser.Wait("#stat-places .stat-value").Text.StartsWith($"{filledBefore + 1} /"), "the places filled follow the signup live");
        browser.FitsWidth("the dashboard");
        browser.Screenshot("admin-dashboard-stats");
        // The same screen on a desktop: the cards spread into columns.
        browser.AtWidth(1280, () =>
        {
            browser.Until(() => browser.Wait("#stat-campaigns").Location.Y == browser.Wait("#stat-emails").Location.Y, "the cards side by side");
            browser.Screenshot("admin-dashboard-desktop");
        });

        // A map admin sees the shift and canvass figures, and no influence figures.
        var mapOnly = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        browser.SignIn(Url("/app#/"), mapOnly);
        browser.Wait("#sign-out");
        browser.Wait("#stat-shifts");
        Assert.Empty(browser.All("#stat-campaigns"));
        output.WriteLine($"screenshots: {Browser.ScreenshotFolder}");
    }

    /// <summary>Clicks an element of a list that may be drawn again at any moment, finding it afresh if it went stale.</summary>
    private void ClickAfresh(string css) => browser.Until(() =>
    {
        browser.Wait(css).Click();
        return true;
    }, $"a click on {css}");

    private async Task<string> MintAsync(UserRole role)
    {
        var user = await TestUsers.CreateAsync(Db, role);
        return TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role);
    }

    /// <summary>An ACTIVE campaign with a response wall; returns its id and slug.</summary>
    private async Task<(Guid Id, string Slug)> CreateCampaignAsync()
    {
        using var admin = Cluster.Http(0, await MintAsync(UserRole.InfluenceAdmin));
        var created = await admin.PostAsJsonAsync("/api/campaigns", new
        {
            title = $"Fund transit {Guid.NewGuid():N}"[..24],
            emailSubject = "Please fund transit",
            emailBody = "Dear representative,\nPlease fund transit.",
            targetGovernmentLevels = new[] { "FEDERAL" },
            showResponseWall = true,
        });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.IsSuccessStatusCode, body.ToString());
        var id = body.GetProperty("id").GetGuid();
        var activated = await admin.PatchAsJsonAsync($"/api/campaigns/{id}", new { status = "ACTIVE" });
        Assert.True(activated.IsSuccessStatusCode, await activated.Content.ReadAsStringAsync());
        return (id, body.GetProperty("slug").GetString()!);
    }
}
