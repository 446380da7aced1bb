using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Settings;

/// <summary>
/// Site settings through real HTTP: the public view, the admin's write-only encrypted SMTP password, SMTP tests against
/// the real sink and a closed port, email test mode, feature toggles and QR codes. The settings row is one per site, so
/// each test puts back what it changed.
/// </summary>
public sealed class SettingsApiTests : ClusterTest
{
    private HttpClient _admin = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        _admin = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin, lifetime: TimeSpan.FromHours(2)));
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private async Task<JsonElement> Put(object body)
    {
        var response = await _admin.PutAsJsonAsync("/api/settings", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await Json(response);
    }

    [Fact]
    public async Task The_public_view_has_the_organisation_and_toggles_but_nothing_about_mail()
    {
        await Put(new { organizationName = "Ward 6 Campaign", footerText = "© Ward 6", smtpHost = "127.0.0.1", smtpPort = Cluster.Mail.Port });
        try
        {
            using var anonymous = Cluster.Http();
            var response = await anonymous.GetAsync("/api/public/settings");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var body = JsonDocument.Parse(text).RootElement;
            Assert.Equal("Ward 6 Campaign", body.GetProperty("organizationName").GetString());
            Assert.Equal("© Ward 6", body.GetProperty("footerText").GetString());
            Assert.True(body.GetProperty("features").GetProperty("enableMap").GetBoolean());
            Assert.DoesNotContain("smtp", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("testEmail", text, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await Put(new { organizationName = "Changemaker Lite", footerText = "", smtpHost = "" });
        }
    }

    [Fact]
    public async Task The_smtp_password_is_never_answered_logged_or_stored_in_clear()
    {
        var password = $"pw-{Guid.NewGuid():N}";
        var saved = await _admin.PutAsJsonAsync("/api/settings", new { smtpPass = password, emailFromName = "Ward 6" });
        var savedText = await saved.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.DoesNotContain(password, savedText);
        Assert.True(JsonDocument.Parse(savedText).RootElement.GetProperty("smtpPasswordSet").GetBoolean());

        var read = await _admin.GetAsync("/api/settings");
        Assert.DoesNotContain(password, await read.Content.ReadAsStringAsync());
        var stored = await Db.ScalarAsync<string>("SELECT smtp_pass FROM site_settings");
        Assert.StartsWith("v1:", stored);
        Assert.DoesNotContain(password, stored);
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM site_settings s WHERE s::text LIKE '%' || @p || '%'", ("p", password)));
        Assert.DoesNotContain(Cluster.Logs.Lines, l => l.Contains(password));

        // Absent keeps it; an empty string removes it.
        Assert.True((await Put(new { footerText = "x" })).GetProperty("smtpPasswordSet").GetBoolean());
        Assert.False((await Put(new { smtpPass = "", footerText = "" })).GetProperty("smtpPasswordSet").GetBoolean());
        Assert.Null(await Db.ScalarAsync<string>("SELECT smtp_pass FROM site_settings"));
    }

    [Fact]
    public async Task Bad_settings_are_400_naming_each_field()
    {
        var response = await _admin.PutAsJsonAsync("/api/settings", new
        {
            organizationShortName = "FAR TOO LONG A NAME", adminColorPrimary = "blue", smtpPort = 70000, smtpFromAddress = "nope",
            smtpActiveProvider = "carrier-pigeon", organizationLogoUrl = "javascript:alert(1)",
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Json(response)).GetProperty("errors");
        foreach (var field in new[] { "organizationShortName", "adminColorPrimary", "smtpPort", "smtpFromAddress", "smtpActiveProvider", "organizationLogoUrl" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        var testModeAlone = await _admin.PutAsJsonAsync("/api/settings", new { emailTestMode = true });
        Assert.Equal(HttpStatusCode.BadRequest, testModeAlone.StatusCode);
        Assert.True((await Json(testModeAlone)).GetProperty("errors").TryGetProperty("testEmailRecipient", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsync("/api/settings", new StringContent("{\"enableMap\": \"yes\"}",
            System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task Smtp_tests_answer_what_the_server_said_and_a_closed_port_says_so()
    {
        var connected = await Json(await _admin.PostAsync("/api/settings/smtp/test-connection", null));
        Assert.True(connected.GetProperty("ok").GetBoolean(), connected.ToString());
        Assert.Equal(Cluster.Mail.Port, connected.GetProperty("port").GetInt32());

        var to = $"smtp-test-{Guid.NewGuid():N}@example.org";
        var sent = await Json(await _admin.PostAsJsonAsync("/api/settings/smtp/test-send", new { to }));
        Assert.True(sent.GetProperty("ok").GetBoolean(), sent.ToString());
        Assert.False(string.IsNullOrWhiteSpace(sent.GetProperty("message").GetString()));
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(to))), "the test message");
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync("/api/settings/smtp/test-send", new { to = "nobody" })).StatusCode);

        var closed = Ports.Free();
        await Put(new { smtpHost = "127.0.0.1", smtpPort = closed });
        try
        {
            var refused = await Json(await _admin.PostAsync("/api/settings/smtp/test-connection", null));
            Assert.False(refused.GetProperty("ok").GetBoolean());
            Assert.Equal(closed, refused.GetProperty("port").GetInt32());
            Assert.Contains("ConnectionRefused", refused.GetProperty("message").GetString());
            var notSent = await Json(await _admin.PostAsJsonAsync("/api/settings/smtp/test-send", new { to }));
            Assert.False(notSent.GetProperty("ok").GetBoolean());
            Assert.Contains("Could not connect", notSent.GetProperty("message").GetString());
        }
        finally
        {
            await Put(new { smtpHost = "" });
        }
    }

    [Fact]
    public async Task Email_test_mode_set_through_the_api_sends_mail_to_the_test_address()
    {
        var qa = $"qa-{Guid.NewGuid():N}@example.org";
        await Put(new { emailTestMode = true, testEmailRecipient = qa });
        try
        {
            var user = await TestUsers.CreateAsync(Db, UserRole.User);
            using var http = Cluster.Http();
            await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email });
            await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(qa))), "the redirected message");
            var message = Cluster.Mail.Messages.Single(m => m.To.Contains(qa));
            Assert.Equal(user.Email, message.Headers["X-Original-To"]);
            Assert.Equal($"[TEST for {user.Email}] Reset your password", message.Subject);
        }
        finally
        {
            await Put(new { emailTestMode = false, testEmailRecipient = "" });
        }
    }

    [Fact]
    public async Task A_module_switched_off_answers_404_while_auth_and_settings_stay_on()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        using var http = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.SuperAdmin));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/shifts")).StatusCode);
        await Put(new { enableMap = false });
        try
        {
            await Eventually.True(async () => (await http.GetAsync("/api/shifts")).StatusCode == HttpStatusCode.NotFound, "shifts switched off");
            var response = await http.GetAsync("/api/map/cuts");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var anonymous = Cluster.Http();
            Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/api/shifts")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/auth/me")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/settings")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/email-templates")).StatusCode);
            Assert.False((await Json(await anonymous.GetAsync("/api/public/settings"))).GetProperty("features").GetProperty("enableMap").GetBoolean());
            // A visit sent on the live connection is refused like the visits route.
            await using var hub = Cluster.Hub(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.SuperAdmin));
            await hub.StartAsync();
            var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("RecordVisit", Guid.NewGuid(),
                new { clientVisitId = Guid.NewGuid(), addressId = Guid.NewGuid(), outcome = "NOT_HOME" }));
            Assert.Contains("module is switched off", refused.Message);
        }
        finally
        {
            await Put(new { enableMap = true });
        }
        await Eventually.True(async () => (await http.GetAsync("/api/shifts")).StatusCode == HttpStatusCode.OK, "shifts back on");
    }

    [Fact]
    public async Task A_qr_code_is_a_png_of_the_asked_size()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        using var http = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.User));
        var small = await http.GetAsync("/api/qr?text=https%3A%2F%2Fexample.org%2Fsignup&size=100");
        var large = await http.GetAsync("/api/qr?text=https%3A%2F%2Fexample.org%2Fsignup&size=800");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal("image/png", small.Content.Headers.ContentType?.MediaType);
        var png = await small.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var width = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
        var largeBytes = await large.Content.ReadAsByteArrayAsync();
        var largeWidth = (largeBytes[16] << 24) | (largeBytes[17] << 16) | (largeBytes[18] << 8) | largeBytes[19];
        Assert.InRange(width, 50, 100);
        Assert.InRange(largeWidth, 600, 800);

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/qr")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/qr?text=x&size=5000")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/qr?text=x&size=big")).StatusCode);
    }
}
