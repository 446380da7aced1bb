using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

namespace ChangemakerLite.WebFrontend.Tests.Templates;

/// <summary>
/// Email templates through real HTTP on a real cluster, and the emails the system sends arriving at a real SMTP
/// server rendered from their templates. Each test makes its own templates (keys unique to the test), except the
/// tests that edit a system template to prove the sender reads it.
/// </summary>
public sealed class TemplateApiTests : ClusterTest
{
    private HttpClient _admin = null!;
    private TestUser _adminUser = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _adminUser = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        _admin = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, _adminUser.Id, _adminUser.Email, UserRole.SuperAdmin, lifetime: TimeSpan.FromHours(2)));
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string UniqueKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private async Task<JsonElement> CreateAsync(string key, string subject = "Hello {{NAME}}", string html = "<p>Hello {{NAME}}{{#if TEAM}} of {{TEAM}}{{/if}}</p>",
        string text = "Hello {{NAME}}{{#if TEAM}} of {{TEAM}}{{/if}}")
    {
        var response = await _admin.PostAsJsonAsync("/api/email-templates", new
        {
            key, name = "Greeting " + key, description = "A test template", category = "INFLUENCE", subjectLine = subject, htmlContent = html, textContent = text,
            variables = new object[]
            {
                new { key = "NAME", label = "Name", isRequired = true, sampleValue = "Sample Sam" },
                new { key = "TEAM", label = "Team", isRequired = false, sampleValue = (string?)null },
            },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await Json(response);
    }

    private async Task EnqueueAsync(string key, string to, Dictionary<string, object?> data)
    {
        await using var connection = await Db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await EmailOutbox.EnqueueAsync(connection, transaction, new OutboundEmail(key, to, null, data));
        await transaction.CommitAsync();
    }

    private async Task<SmtpSink.ReceivedMessage> MailTo(string to, Func<SmtpSink.ReceivedMessage, bool>? which = null)
    {
        which ??= _ => true;
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(to) && which(m))), $"mail to {to}");
        return Cluster.Mail.Messages.Single(m => m.To.Contains(to) && which(m));
    }

    [Fact]
    public async Task A_template_is_created_listed_read_and_its_key_is_unique()
    {
        var key = UniqueKey("list");
        var created = await CreateAsync(key);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(1, created.GetProperty("currentVersion").GetInt32());
        Assert.False(created.GetProperty("isSystem").GetBoolean());
        Assert.Equal(2, created.GetProperty("variables").GetArrayLength());

        var list = await Json(await _admin.GetAsync($"/api/email-templates?category=INFLUENCE&search={key}"));
        Assert.Equal(1, list.GetProperty("total").GetInt64());
        Assert.Equal(key, list.GetProperty("items")[0].GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync($"/api/email-templates/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/email-templates/{Guid.NewGuid()}")).StatusCode);

        var again = await _admin.PostAsJsonAsync("/api/email-templates", new
        {
            key, name = "x", category = "MAP", subjectLine = "s", htmlContent = "h", textContent = "t",
        });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bad_bodies_are_400_naming_each_field()
    {
        var response = await _admin.PostAsJsonAsync("/api/email-templates", new
        {
            key = "Not A Key", category = "INFLUENCE", subjectLine = "s", htmlContent = "<p>{{#if X}}</p>", textContent = "",
            variables = new object[] { new { key = "lower_case" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Json(response)).GetProperty("errors");
        foreach (var field in new[] { "key", "name", "textContent", "variables[0].key" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");

        var unbalanced = await _admin.PostAsJsonAsync("/api/email-templates", new
        {
            key = UniqueKey("broken"), name = "Broken", category = "INFLUENCE", subjectLine = "s", htmlContent = "<p>\n{{#if X}}</p>", textContent = "t",
            variables = new object[] { new { key = "X" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, unbalanced.StatusCode);
        Assert.Contains("line 2", await unbalanced.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync("/api/email-templates?category=NOPE")).StatusCode);
    }

    [Fact]
    public async Task A_change_of_content_makes_a_version_with_notes_and_author_and_a_restore_makes_another()
    {
        var id = (await CreateAsync(UniqueKey("versions"))).GetProperty("id").GetGuid();

        var renamed = await Json(await _admin.PatchAsJsonAsync($"/api/email-templates/{id}", new { name = "Renamed only" }));
        Assert.Equal(1, renamed.GetProperty("currentVersion").GetInt32());

        var edited = await _admin.PatchAsJsonAsync($"/api/email-templates/{id}", new { subjectLine = "Welcome {{NAME}}", changeNotes = "Warmer subject" });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal(2, (await Json(edited)).GetProperty("currentVersion").GetInt32());

        var versions = await Json(await _admin.GetAsync($"/api/email-templates/{id}/versions"));
        Assert.Equal(2, versions.GetArrayLength());
        Assert.Equal(2, versions[0].GetProperty("versionNumber").GetInt32());
        Assert.Equal("Warmer subject", versions[0].GetProperty("changeNotes").GetString());
        Assert.Equal(_adminUser.Id, versions[0].GetProperty("createdByUserId").GetGuid());
        Assert.Equal("Hello {{NAME}}", versions[1].GetProperty("subjectLine").GetString());

        var restored = await _admin.PostAsync($"/api/email-templates/{id}/versions/1/restore", null);
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        var body = await Json(restored);
        Assert.Equal("Hello {{NAME}}", body.GetProperty("subjectLine").GetString());
        Assert.Equal(3, body.GetProperty("currentVersion").GetInt32());
        versions = await Json(await _admin.GetAsync($"/api/email-templates/{id}/versions"));
        Assert.Equal(3, versions.GetArrayLength());
        Assert.Equal("Restored version 1", versions[0].GetProperty("changeNotes").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync($"/api/email-templates/{id}/versions/9/restore", null)).StatusCode);
    }

    [Fact]
    public async Task System_templates_exist_from_the_start_and_cannot_be_deleted_while_others_can()
    {
        var list = await Json(await _admin.GetAsync("/api/email-templates?category=SYSTEM"));
        var keys = list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("key").GetString()).ToList();
        Assert.Contains("email-verification", keys);
        Assert.Contains("password-reset", keys);
        var map = await Json(await _admin.GetAsync("/api/email-templates?category=MAP&search=shift"));
        // Confirmed, cancelled, shift cancelled, waitlist joined, promoted from the waitlist.
        Assert.Equal(5, map.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("isSystem").GetBoolean()));

        var system = list.GetProperty("items").EnumerateArray().First(i => i.GetProperty("key").GetString() == "password-reset").GetProperty("id").GetGuid();
        var refused = await _admin.DeleteAsync($"/api/email-templates/{system}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync($"/api/email-templates/{system}")).StatusCode);

        var own = (await CreateAsync(UniqueKey("deletable"))).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/email-templates/{own}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/email-templates/{own}")).StatusCode);
    }

    [Fact]
    public async Task Validate_reports_undeclared_and_unused_variables()
    {
        var id = (await CreateAsync(UniqueKey("validate"), subject: "Hi", html: "<p>Hi</p>\n<p>{{UNKNOWN}}</p>", text: "Hi")).GetProperty("id").GetGuid();
        var result = await Json(await _admin.PostAsync($"/api/email-templates/{id}/validate", null));
        Assert.False(result.GetProperty("valid").GetBoolean());
        var error = result.GetProperty("errors")[0];
        Assert.Equal("undeclared_variable", error.GetProperty("kind").GetString());
        Assert.Equal("UNKNOWN", error.GetProperty("variable").GetString());
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Contains(result.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("variable").GetString() == "NAME");
    }

    [Fact]
    public async Task Preview_fills_missing_values_with_samples_and_escapes_html()
    {
        var id = (await CreateAsync(UniqueKey("preview"))).GetProperty("id").GetGuid();
        var sample = await Json(await _admin.PostAsync($"/api/email-templates/{id}/preview", null));
        Assert.Equal("Hello Sample Sam", sample.GetProperty("subject").GetString());

        var given = await Json(await _admin.PostAsJsonAsync($"/api/email-templates/{id}/preview", new { data = new Dictionary<string, string> { ["NAME"] = "<Ana>", ["TEAM"] = "Ward 6" } }));
        Assert.Equal("<p>Hello &lt;Ana&gt; of Ward 6</p>", given.GetProperty("html").GetString());
        Assert.Equal("Hello <Ana> of Ward 6", given.GetProperty("text").GetString());

        await _admin.PatchAsJsonAsync($"/api/email-templates/{id}", new
        {
            variables = new object[] { new { key = "NAME", label = "Name", isRequired = true }, new { key = "TEAM", label = "Team" } },
        });
        var missing = await _admin.PostAsJsonAsync($"/api/email-templates/{id}/preview", new { data = new Dictionary<string, string> { ["TEAM"] = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("NAME", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync($"/api/email-templates/{id}/preview", new { data = new Dictionary<string, int[]> { ["NAME"] = [1] } })).StatusCode);
    }

    [Fact]
    public async Task A_test_send_arrives_and_is_logged_with_its_outcome()
    {
        var id = (await CreateAsync(UniqueKey("testsend"))).GetProperty("id").GetGuid();
        var to = $"tester-{Guid.NewGuid():N}@example.org";
        var response = await _admin.PostAsJsonAsync($"/api/email-templates/{id}/test-send", new { to, data = new Dictionary<string, string> { ["TEAM"] = "Ward 6" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await Json(response);
        Assert.True(result.GetProperty("success").GetBoolean(), result.ToString());
        Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("serverResponse").GetString()));

        var mail = await MailTo(to);
        Assert.Equal("[Test] Hello Sample Sam", mail.Subject);
        Assert.Contains("Hello Sample Sam of Ward 6", mail.TextBody);
        Assert.Equal(1L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM email_template_test_logs WHERE template_id = @id AND recipient_email = @to AND success AND sent_by_user_id = @by",
            ("id", id), ("to", to), ("by", _adminUser.Id)));
        Assert.Equal("Ward 6", await Db.ScalarAsync<string>(
            "SELECT test_data->>'TEAM' FROM email_template_test_logs WHERE template_id = @id", ("id", id)));
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync($"/api/email-templates/{id}/test-send", new { to = "not-an-address" })).StatusCode);
    }

    [Fact]
    public async Task A_message_missing_a_required_variable_fails_with_the_reason_and_nothing_is_sent()
    {
        var key = UniqueKey("required");
        await CreateAsync(key);
        var to = $"incomplete-{Guid.NewGuid():N}@example.org";
        await EnqueueAsync(key, to, new Dictionary<string, object?> { ["TEAM"] = "Ward 6" });

        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status FROM outbox_messages WHERE to_address = @to", ("to", to)) == "failed",
            "the message marked failed");
        var reason = await Db.ScalarAsync<string>("SELECT last_error FROM outbox_messages WHERE to_address = @to", ("to", to));
        Assert.Contains("required variable NAME", reason);
        Assert.Contains(Cluster.Logs.Lines, l => l.Contains("required variable NAME") && l.Contains(key));
        Assert.DoesNotContain(Cluster.Mail.Messages, m => m.To.Contains(to));

        var unknown = $"unknown-{Guid.NewGuid():N}@example.org";
        await EnqueueAsync(UniqueKey("no-such-template"), unknown, new Dictionary<string, object?>());
        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status FROM outbox_messages WHERE to_address = @to", ("to", unknown)) == "failed",
            "the message to an unknown template marked failed");
    }

    [Fact]
    public async Task A_changed_template_is_used_by_the_sender_from_the_next_message_on()
    {
        var key = UniqueKey("live");
        var id = (await CreateAsync(key)).GetProperty("id").GetGuid();
        var first = $"first-{Guid.NewGuid():N}@example.org";
        await EnqueueAsync(key, first, new Dictionary<string, object?> { ["NAME"] = "Ana", ["TEAM"] = "<North>" });
        var mail = await MailTo(first);
        Assert.Equal("Hello Ana", mail.Subject);
        Assert.Equal("Hello Ana of <North>", mail.TextBody);
        Assert.Contains("Hello Ana of &lt;North&gt;", mail.HtmlBody);

        await _admin.PatchAsJsonAsync($"/api/email-templates/{id}", new { subjectLine = "Welcome aboard, {{NAME}}", changeNotes = "new subject" });
        var second = $"second-{Guid.NewGuid():N}@example.org";
        await EnqueueAsync(key, second, new Dictionary<string, object?> { ["NAME"] = "Ben" });
        Assert.Equal("Welcome aboard, Ben", (await MailTo(second)).Subject);
        Assert.Equal("Hello Ben", (await MailTo(second)).TextBody);

        await _admin.PatchAsJsonAsync($"/api/email-templates/{id}", new { isActive = false });
        var third = $"third-{Guid.NewGuid():N}@example.org";
        await EnqueueAsync(key, third, new Dictionary<string, object?> { ["NAME"] = "Cy" });
        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status FROM outbox_messages WHERE to_address = @to", ("to", third)) == "failed",
            "a message of a template switched off marked failed");
    }

    [Fact]
    public async Task Account_emails_arrive_rendered_from_their_system_templates()
    {
        using var anonymous = Cluster.Http();
        var email = $"new-{Guid.NewGuid():N}@example.org";
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/auth/register",
            new { email, password = TestUsers.Password, name = "Nia <Newcomer>" })).StatusCode);
        var verification = await MailTo(email);
        Assert.Equal("Confirm your email address", verification.Subject);
        Assert.StartsWith("Hello Nia <Newcomer>,", verification.TextBody);
        Assert.Contains("Hello Nia &lt;Newcomer&gt;,", verification.HtmlBody);
        Assert.Matches(@"/verify-email\?token=[A-Za-z0-9_\-]+", verification.TextBody!);

        // An admin's wording is what the next reset email says.
        var list = await Json(await _admin.GetAsync("/api/email-templates?search=password-reset"));
        var reset = list.GetProperty("items")[0].GetProperty("id").GetGuid();
        var edited = await _admin.PatchAsJsonAsync($"/api/email-templates/{reset}", new { subjectLine = "Your reset link, {{#if NAME}}{{NAME}}{{else}}friend{{/if}}" });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        try
        {
            var user = await TestUsers.CreateAsync(Db, UserRole.User);
            await anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email });
            var mail = await MailTo(user.Email);
            Assert.StartsWith("Your reset link, ", mail.Subject);
            Assert.Matches(@"/reset-password\?token=[A-Za-z0-9_\-]+", mail.TextBody!);
        }
        finally
        {
            await _admin.PostAsync($"/api/email-templates/{reset}/versions/1/restore", null);
        }
    }

    [Fact]
    public async Task Shift_emails_arrive_rendered_from_their_system_templates()
    {
        using var shiftAdmin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var shift = (await ShiftFixtures.CreateShiftAsync(shiftAdmin, maxVolunteers: 5, title: "Lit <drop>")).GetProperty("id").GetGuid();
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        using (var asVolunteer = Cluster.Http(0, volunteer.AccessToken))
            Assert.Equal(HttpStatusCode.Created, (await asVolunteer.PostAsync($"/api/shifts/{shift}/signups", null)).StatusCode);

        var confirmation = await MailTo(volunteer.Email);
        Assert.Equal("You're signed up: Lit <drop>", confirmation.Subject);
        Assert.Contains("You are signed up for \"Lit <drop>\" on ", confirmation.TextBody);
        Assert.Contains("<strong>Lit &lt;drop&gt;</strong>", confirmation.HtmlBody);
        Assert.DoesNotContain("password:", confirmation.TextBody);

        Assert.Equal(HttpStatusCode.OK, (await shiftAdmin.PostAsync($"/api/shifts/{shift}/cancel", null)).StatusCode);
        var cancelled = await MailTo(volunteer.Email, m => m.Subject.StartsWith("Shift cancelled"));
        Assert.Equal("Shift cancelled: Lit <drop>", cancelled.Subject);
        Assert.Contains("has been cancelled. You do not need to come.", cancelled.TextBody);
        Assert.Equal("shift-cancelled", await Db.ScalarAsync<string>(
            "SELECT template_key FROM outbox_messages WHERE to_address = @to AND subject LIKE 'Shift cancelled%'", ("to", volunteer.Email)));
    }
}
