using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>
/// Registering with an address held only by a TEMP (or expired) account: the same answer as any registration, and the
/// account is taken over once the address's owner opens the verification link — not before, and not refused.
/// </summary>
public sealed partial class RegistrationTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["SHIFT_SIGNUP_RATE_LIMIT_PER_IP"] = "100000" };

    private async Task<SmtpSink.ReceivedMessage> Verification(string email)
    {
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(email) && m.Subject == "Confirm your email address")),
            $"the verification mail to {email}");
        return Cluster.Mail.Messages.Single(m => m.To.Contains(email) && m.Subject == "Confirm your email address");
    }

    [GeneratedRegex(@"verify-email\?token=([A-Za-z0-9_\-]+)")]
    private static partial Regex VerifyToken();

    [Theory]
    [InlineData("ACTIVE")]
    [InlineData("EXPIRED")]
    public async Task Registering_an_address_of_a_temp_volunteer_takes_the_account_over_through_the_emailed_link(string status)
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var shift = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: true)).GetProperty("id").GetGuid();
        var email = $"temp-owner-{Guid.NewGuid():N}@example.org";
        using var http = Cluster.Http();
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync($"/api/public/shifts/{shift}/signups", new { name = "Tess Temp", email })).StatusCode);
        await Db.ExecuteAsync("UPDATE users SET status = @s::user_status WHERE email = @e", ("s", status), ("e", email));
        var tempId = await Db.ScalarAsync<Guid>("SELECT id FROM users WHERE email = @e", ("e", email));
        var fresh = $"fresh-{Guid.NewGuid():N}@example.org";

        var register = await http.PostAsJsonAsync("/api/auth/register", new { email, password = "Taken-Over-Pass-42", name = "Tess Owner" });
        var registerFresh = await http.PostAsJsonAsync("/api/auth/register", new { email = fresh, password = "Taken-Over-Pass-42", name = "Fay Fresh" });
        Assert.Equal(HttpStatusCode.Accepted, register.StatusCode);
        Assert.Equal(await registerFresh.Content.ReadAsStringAsync(), await register.Content.ReadAsStringAsync());
        // Nothing changes before the address's owner answers.
        Assert.Equal("TEMP", await Db.ScalarAsync<string>("SELECT role::text FROM users WHERE id = @id", ("id", tempId)));
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/login", new { email, password = "Taken-Over-Pass-42" }), HttpStatusCode.Unauthorized);

        var token = VerifyToken().Match((await Verification(email)).TextBody!).Groups[1].Value;
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync("/api/auth/verify-email", new { token })).StatusCode);

        var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password = "Taken-Over-Pass-42" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var user = JsonDocument.Parse(await login.Content.ReadAsStringAsync()).RootElement.GetProperty("user");
        Assert.Equal(tempId, user.GetProperty("id").GetGuid());
        Assert.Equal("USER", user.GetProperty("role").GetString());
        Assert.Equal("ACTIVE", user.GetProperty("status").GetString());
        Assert.Equal("Tess Owner", user.GetProperty("name").GetString());
        Assert.True(user.GetProperty("emailVerified").GetBoolean());
        Assert.Equal(JsonValueKind.Null, user.GetProperty("expiresAt").ValueKind);
        // The signup made as a TEMP volunteer is the account's still.
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE user_id = @id AND shift_id = @s", ("id", tempId), ("s", shift)));
        // The link works once.
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/verify-email", new { token }), HttpStatusCode.BadRequest, "token");
    }

    [Fact]
    public async Task A_claim_on_an_address_whose_account_became_a_real_one_meanwhile_changes_nothing()
    {
        var email = $"raced-{Guid.NewGuid():N}@example.org";
        var temp = await TestUsers.CreateAsync(Db, UserRole.Temp, email: email);
        using var http = Cluster.Http();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/auth/register", new { email, password = "Claimed-Pass-4242", name = "Claimer" })).StatusCode);
        var token = VerifyToken().Match((await Verification(email)).TextBody!).Groups[1].Value;
        await Db.ExecuteAsync("UPDATE users SET role = 'USER', expires_at = NULL WHERE id = @id", ("id", temp.Id));
        await Problem.Expect(await http.PostAsJsonAsync("/api/auth/verify-email", new { token }), HttpStatusCode.BadRequest, "token");
        Assert.NotEqual("Claimer", await Db.ScalarAsync<string>("SELECT coalesce(name, '') FROM users WHERE id = @id", ("id", temp.Id)));
    }
}
