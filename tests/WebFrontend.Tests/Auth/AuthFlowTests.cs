using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

public sealed partial class AuthFlowTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["TEMP_SWEEP_SECONDS"] = "1" };

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private async Task<HttpResponseMessage> Refresh(string refreshToken)
    {
        using var http = Cluster.Http();
        return await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
    }

    [Fact]
    public async Task The_whole_token_life_rotates_refresh_tokens_and_a_reused_one_ends_every_session()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        using var anonymous = Cluster.Http();
        var login = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var signIn = await Json(login);
        Assert.Equal(900, signIn.GetProperty("expiresIn").GetInt32());
        Assert.Equal(user.Email, signIn.GetProperty("user").GetProperty("email").GetString());
        Assert.False(signIn.GetProperty("user").TryGetProperty("passwordHash", out _));
        Assert.NotNull(await Db.ScalarAsync<DateTime?>("SELECT last_login_at FROM users WHERE id = @id", ("id", user.Id)));

        using (var authed = Cluster.Http(0, signIn.GetProperty("accessToken").GetString()))
        {
            var me = await authed.GetAsync("/api/auth/me");
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            Assert.Equal("USER", (await Json(me)).GetProperty("role").GetString());
        }

        var first = signIn.GetProperty("refreshToken").GetString()!;
        var rotated = await Refresh(first);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await Json(rotated)).GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(first, second);

        // The old token is spent; presenting it again is theft, and ends the new session too.
        await Problem.Expect(await Refresh(first), HttpStatusCode.Unauthorized);
        await Problem.Expect(await Refresh(second), HttpStatusCode.Unauthorized);
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE user_id = @id AND revoked_at IS NULL", ("id", user.Id)));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE token_hash = @t", ("t", first)));
    }

    [Fact]
    public async Task The_live_hub_accepts_the_access_token_from_login()
    {
        var admin = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        await using var hub = Cluster.Hub(0, admin.AccessToken);
        var received = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("clusterHeartbeat", e => received.TrySetResult(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", "cluster:heartbeat");
        var heartbeat = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, heartbeat.GetProperty("activeSilos").GetInt32());
    }

    [Fact]
    public async Task Logout_ends_the_refresh_token()
    {
        var user = await TestUsers.SignedInAsync(Cluster, UserRole.MapAdmin);
        using var http = Cluster.Http(0, user.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync("/api/auth/logout", new { refreshToken = user.RefreshToken })).StatusCode);
        await Problem.Expect(await Refresh(user.RefreshToken!), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Wrong_password_unknown_email_and_a_suspended_account_all_get_the_same_answer()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var suspended = await TestUsers.CreateAsync(Db, UserRole.User);
        await Db.ExecuteAsync("UPDATE users SET status = 'SUSPENDED' WHERE id = @id", ("id", suspended.Id));
        using var http = Cluster.Http();
        var answers = new List<string>();
        foreach (var (email, password) in new[] { (user.Email, "Wrong-password-123"), ("nobody@example.org", TestUsers.Password), (suspended.Email, TestUsers.Password) })
        {
            var response = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
            await Problem.Expect(response, HttpStatusCode.Unauthorized);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            answers.Add((await Json(response)).GetProperty("detail").GetString()!);
        }
        Assert.Single(answers.Distinct());
        Assert.Equal("Invalid credentials.", answers[0]);
    }

    [Fact]
    public async Task A_new_account_verifies_its_email_through_the_link_it_receives()
    {
        using var http = Cluster.Http();
        var email = $"new-{Guid.NewGuid():N}@example.org";
        var register = await http.PostAsJsonAsync("/api/auth/register", new { email, password = "Brand-new-Pass-42", name = "Nadia" });
        Assert.Equal(HttpStatusCode.Accepted, register.StatusCode);
        Assert.Equal("USER", await Db.ScalarAsync<string>("SELECT role::text FROM users WHERE email = @e", ("e", email)));
        Assert.Equal("STANDARD", await Db.ScalarAsync<string>("SELECT created_via::text FROM users WHERE email = @e", ("e", email)));
        Assert.False(await Db.ScalarAsync<bool>("SELECT email_verified FROM users WHERE email = @e", ("e", email)));
        // The password is stored as bcrypt at cost 12 ($2a$12$... or $2b$12$...), never as given.
        var hash = await Db.ScalarAsync<string>("SELECT password_hash FROM users WHERE email = @e", ("e", email));
        Assert.Matches(@"^\$2[aby]\$12\$.{53}$", hash);
        Assert.DoesNotContain("Brand-new-Pass-42", hash);

        var mail = await WaitForMail(email, "Confirm your email address");
        var token = Regex.Match(mail.TextBody!, @"verify-email\?token=([A-Za-z0-9_\-]+)").Groups[1].Value;
        Assert.NotEmpty(token);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync("/api/auth/verify-email", new { token })).StatusCode);
        Assert.True(await Db.ScalarAsync<bool>("SELECT email_verified FROM users WHERE email = @e", ("e", email)));
        // A link works once.
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/verify-email", new { token }), HttpStatusCode.BadRequest, "token");
    }

    [Fact]
    public async Task A_forgotten_password_is_reset_through_the_emailed_link_and_old_sessions_end()
    {
        var user = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        using var http = Cluster.Http();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email })).StatusCode);
        var mail = await WaitForMail(user.Email, "Reset your password");
        var token = Regex.Match(mail.TextBody!, @"reset-password\?token=([A-Za-z0-9_\-]+)").Groups[1].Value;

        var weak = await http.PostAsJsonAsync("/api/auth/reset-password", new { token, newPassword = "short" });
        await Problem.Expect(weak, HttpStatusCode.BadRequest, "newPassword");

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync("/api/auth/reset-password", new { token, newPassword = "Another-Good-Pass-7" })).StatusCode);
        await Problem.Expect(await Refresh(user.RefreshToken!), HttpStatusCode.Unauthorized);
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password }), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "Another-Good-Pass-7" })).StatusCode);
    }

    [Fact]
    public async Task Forgot_password_answers_the_same_for_an_unknown_address_and_sends_nothing()
    {
        using var http = Cluster.Http();
        var unknown = $"ghost-{Guid.NewGuid():N}@example.org";
        var response = await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = unknown });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE to_address = @e", ("e", unknown)));
    }

    [Fact]
    public async Task Change_password_needs_the_current_one()
    {
        var user = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        using var http = Cluster.Http(0, user.AccessToken);
        var wrong = await http.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = "Not-my-password-1", newPassword = "Next-Password-2024" });
        await Problem.Expect(wrong, HttpStatusCode.BadRequest, "currentPassword");
        var ok = await http.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = user.Password, newPassword = "Next-Password-2024" });
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        await Problem.Expect(await Refresh(user.RefreshToken!), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_expired_temp_user_cannot_sign_in_and_the_sweep_marks_it_expired()
    {
        var temp = await TestUsers.CreateAsync(Db, UserRole.Temp, expiresAt: DateTimeOffset.UtcNow.AddDays(1));
        var stillValid = await TestUsers.LoginAsync(Cluster, temp);
        Assert.NotNull(stillValid.RefreshToken);

        await Db.ExecuteAsync("UPDATE users SET expires_at = now() - interval '1 minute' WHERE id = @id", ("id", temp.Id));
        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status::text FROM users WHERE id = @id", ("id", temp.Id)) == "EXPIRED",
            "the reminder-driven sweep marks the TEMP user EXPIRED");
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE user_id = @id AND revoked_at IS NULL", ("id", temp.Id)));
        using var http = Cluster.Http();
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/login", new { email = temp.Email, password = temp.Password }), HttpStatusCode.Unauthorized);
        await Problem.Expect(await Refresh(stillValid.RefreshToken!), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_super_admin_manages_users()
    {
        var admin = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        using var http = Cluster.Http(0, admin.AccessToken);

        var temp = await http.PostAsJsonAsync("/api/users", new { email = $"Temp-{Guid.NewGuid():N}@Example.org", password = "Temporary-Pass-1", name = "Tina", role = "TEMP", expireDays = 3 });
        Assert.Equal(HttpStatusCode.Created, temp.StatusCode);
        var tempUser = await Json(temp);
        Assert.Equal("TEMP", tempUser.GetProperty("role").GetString());
        Assert.Equal("ADMIN", tempUser.GetProperty("createdVia").GetString());
        Assert.Equal(tempUser.GetProperty("email").GetString(), tempUser.GetProperty("email").GetString()!.ToLowerInvariant());
        var expiresAt = tempUser.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt, DateTimeOffset.UtcNow.AddDays(3).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(3).AddMinutes(5));

        var missingExpiry = await http.PostAsJsonAsync("/api/users", new { email = "t2@example.org", password = "Temporary-Pass-1", role = "TEMP" });
        await Problem.Expect(missingExpiry, HttpStatusCode.BadRequest, "expireDays");

        var volunteer = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        var patched = await http.PatchAsJsonAsync($"/api/users/{volunteer.Id}", new { role = "MAP_ADMIN", permissions = new { influence = true } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("MAP_ADMIN", (await Json(patched)).GetProperty("role").GetString());
        var badPermissions = await http.PatchAsJsonAsync($"/api/users/{volunteer.Id}", new { permissions = new { rockets = true } });
        await Problem.Expect(badPermissions, HttpStatusCode.BadRequest, "permissions");

        var list = await Json(await http.GetAsync("/api/users?role=MAP_ADMIN&pageSize=10"));
        Assert.Contains(list.GetProperty("items").EnumerateArray(), u => u.GetProperty("id").GetGuid() == volunteer.Id);
        Assert.All(list.GetProperty("items").EnumerateArray(), u => Assert.Equal("MAP_ADMIN", u.GetProperty("role").GetString()));
        Assert.Equal(10, list.GetProperty("pageSize").GetInt32());
        Assert.Equal(1, list.GetProperty("page").GetInt32());
        // A piece of the address only this user has (other tests' users share the class's database).
        var searched = await Json(await http.GetAsync($"/api/users?search={Uri.EscapeDataString(volunteer.Id.ToString("N")[6..26])}"));
        Assert.Equal(1, searched.GetProperty("total").GetInt32());
        await Problem.Expect(await http.GetAsync("/api/users?role=KING"), HttpStatusCode.BadRequest, "role");

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/users/{volunteer.Id}")).StatusCode);
        Assert.Equal("INACTIVE", await Db.ScalarAsync<string>("SELECT status::text FROM users WHERE id = @id", ("id", volunteer.Id)));
        await Problem.Expect(await Refresh(volunteer.RefreshToken!), HttpStatusCode.Unauthorized);

        // Nobody removes their own account, so a SUPER_ADMIN cannot lock everyone out by accident.
        await Problem.Expect(await http.DeleteAsync($"/api/users/{admin.Id}"), HttpStatusCode.Conflict);
        await Problem.Expect(await http.GetAsync($"/api/users/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Registering_an_address_twice_answers_alike_whatever_its_case_changes_nothing_and_tells_the_owner_by_mail()
    {
        using var http = Cluster.Http();
        var email = $"twice-{Guid.NewGuid():N}@example.org";
        var first = await http.PostAsJsonAsync("/api/auth/register", new { email, password = "Brand-new-Pass-42", name = "First" });
        var second = await http.PostAsJsonAsync("/api/auth/register", new { email, password = "Other-new-Pass-43", name = "Second" });
        var third = await http.PostAsJsonAsync("/api/auth/register", new { email = email.ToUpperInvariant(), password = "Other-new-Pass-43", name = "Third" });
        // The caller cannot tell a taken address from a free one: the same status and the same body.
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted], new[] { first.StatusCode, second.StatusCode, third.StatusCode });
        var body = await first.Content.ReadAsStringAsync();
        Assert.Equal(body, await second.Content.ReadAsStringAsync());
        Assert.Equal(body, await third.Content.ReadAsStringAsync());
        Assert.Equal("First", await Db.ScalarAsync<string>("SELECT string_agg(name, ',') FROM users WHERE email = @e", ("e", email)));
        // One verification, then two "you already have an account" mails, each queued in its registration's transaction.
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE to_address = @e AND template_key = 'email-verification'", ("e", email)));
        Assert.Equal(2L, await Db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE to_address = @e AND template_key = 'account-exists'", ("e", email)));
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Count(m => m.To.Contains(email) && m.Subject == "You already have an account") == 2),
            "both 'you already have an account' mails");
        var told = Cluster.Mail.Messages.First(m => m.To.Contains(email) && m.Subject == "You already have an account");
        Assert.Contains("/forgot-password", told.TextBody);
        Assert.DoesNotContain("Second", told.TextBody);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/auth/login", new { email, password = "Brand-new-Pass-42" })).StatusCode);
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/login", new { email, password = "Other-new-Pass-43" }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_reset_link_works_once_and_not_once_it_has_expired()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        using var http = Cluster.Http();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email })).StatusCode);
        var token = ResetToken().Match((await WaitForMail(user.Email, "Reset your password")).TextBody!).Groups[1].Value;
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync("/api/auth/reset-password", new { token, newPassword = "First-Reset-Pass-1" })).StatusCode);
        // Used: the same link again changes nothing.
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/reset-password", new { token, newPassword = "Second-Reset-Pass-2" }), HttpStatusCode.BadRequest, "token");

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email })).StatusCode);
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Count(m => m.To.Contains(user.Email) && m.Subject == "Reset your password") == 2),
            "the second reset mail");
        var second = ResetToken().Match(Cluster.Mail.Messages.Where(m => m.To.Contains(user.Email) && m.Subject == "Reset your password")
            .Select(m => m.TextBody!).Single(b => !b.Contains(token))).Groups[1].Value;
        await Db.ExecuteAsync("UPDATE users SET password_reset_expires_at = now() - interval '1 second' WHERE id = @id", ("id", user.Id));
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/reset-password", new { token = second, newPassword = "Third-Reset-Pass-3" }), HttpStatusCode.BadRequest, "token");

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "First-Reset-Pass-1" })).StatusCode);
        foreach (var refused in new[] { "Second-Reset-Pass-2", "Third-Reset-Pass-3" })
            await Problem.Expect(await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = refused }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_expired_refresh_token_is_refused()
    {
        var user = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        var other = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        Assert.Equal(1, await Db.ExecuteAsync("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = @id", ("id", user.Id)));
        await Problem.Expect(await Refresh(user.RefreshToken!), HttpStatusCode.Unauthorized);
        // The same request with a token still in its lifetime works: the lifetime alone made the difference.
        Assert.Equal(HttpStatusCode.OK, (await Refresh(other.RefreshToken!)).StatusCode);
    }

    [Fact]
    public async Task Suspending_a_user_through_the_api_ends_their_sessions_and_sign_in_until_reinstated()
    {
        var admin = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        var user = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        using var http = Cluster.Http(0, admin.AccessToken);
        var suspended = await http.PatchAsJsonAsync($"/api/users/{user.Id}", new { status = "SUSPENDED" });
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Equal("SUSPENDED", (await Json(suspended)).GetProperty("status").GetString());
        Assert.Equal("SUSPENDED", await Db.ScalarAsync<string>("SELECT status::text FROM users WHERE id = @id", ("id", user.Id)));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE user_id = @id AND revoked_at IS NULL", ("id", user.Id)));
        await Problem.Expect(await Refresh(user.RefreshToken!), HttpStatusCode.Unauthorized);
        using var anonymous = Cluster.Http();
        await Problem.Expect(await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password }), HttpStatusCode.Unauthorized);
        await Problem.Expect(await http.PatchAsJsonAsync($"/api/users/{user.Id}", new { status = "ASLEEP" }), HttpStatusCode.BadRequest, "status");

        Assert.Equal(HttpStatusCode.OK, (await http.PatchAsJsonAsync($"/api/users/{user.Id}", new { status = "ACTIVE" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password })).StatusCode);
    }

    [GeneratedRegex(@"reset-password\?token=([A-Za-z0-9_\-]+)")]
    private static partial Regex ResetToken();

    private async Task<SmtpSink.ReceivedMessage> WaitForMail(string to, string subject)
    {
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(to) && m.Subject == subject)), $"'{subject}' mail to {to}");
        return Cluster.Mail.Messages.Single(m => m.To.Contains(to) && m.Subject == subject);
    }
}
