using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>Every client mistake gets a 4xx problem+json naming what is wrong, writes nothing, and leaks no secret.</summary>
public sealed class BadInputTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
        {
            // Everything the processes log, so the secrets check sees what an operator would.
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Microsoft"] = "Debug",
            ["Logging:LogLevel:Orleans"] = "Information",
        };

    /// <summary>Posts and checks the answer is the expected problem (naming <paramref name="field"/> if given).</summary>
    private async Task<JsonElement> Post(string path, HttpContent content, HttpStatusCode status, string? field = null, string? token = null)
    {
        // Like browsers and HTTP libraries with large uploads, ask before sending the body, so a refusal arrives as an
        // answer (the cluster's client waits for the server's word however loaded the machine is).
        using var http = Cluster.Http(0, token);
        http.DefaultRequestHeaders.ExpectContinue = true;
        return await Problem.Expect(await http.PostAsync(path, content), status, field);
    }

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Accounts with any address these bad requests use: none may ever be made.</summary>
    private Task<long> AccountsMadeByBadRequests() => Db.ScalarAsync<long>(
        "SELECT count(*) FROM users WHERE email IN ('a@example.org', 'p@example.org', 'long@example.org', 'big@example.org', 'r@example.org', 'not-an-email') OR email LIKE 'aaaaaaaaaa%'");

    [Theory]
    [InlineData("{\"email\": \"a@example.org\", \"password\": ", "body")]
    [InlineData("not json at all", "body")]
    [InlineData("[1,2,3]", "body")]
    [InlineData("{\"email\": 42, \"password\": \"Valid-Password-1\", \"name\": \"N\"}", "email")]
    [InlineData("{\"password\": \"Valid-Password-1\", \"name\": \"N\"}", "email")]
    [InlineData("{\"email\": \"not-an-email\", \"password\": \"Valid-Password-1\", \"name\": \"N\"}", "email")]
    [InlineData("{\"email\": \"a@example.org\", \"password\": \"weak\", \"name\": \"N\"}", "password")]
    [InlineData("{\"email\": \"a@example.org\", \"password\": \"alllowercase123\", \"name\": \"N\"}", "password")]
    [InlineData("{\"email\": \"a@example.org\", \"password\": \"Valid-Password-1\"}", "name")]
    public async Task Bad_registrations_name_the_field_and_write_nothing(string json, string field)
    {
        var problem = await Post("/api/auth/register", JsonBody(json), HttpStatusCode.BadRequest, field == "body" ? null : field);
        if (field == "body") Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.Equal(0, await AccountsMadeByBadRequests());
    }

    [Fact]
    public async Task The_password_policy_says_everything_that_is_missing()
    {
        var problem = await Post("/api/auth/register", JsonBody("{\"email\": \"p@example.org\", \"password\": \"abc\", \"name\": \"P\"}"),
            HttpStatusCode.BadRequest, "password");
        var messages = string.Join(" ", problem.GetProperty("errors").GetProperty("password").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("12 characters", messages);
        Assert.Contains("upper-case", messages);
        Assert.Contains("digit", messages);
    }

    [Fact]
    public async Task Over_long_strings_are_refused()
    {
        var body = JsonSerializer.Serialize(new { email = "long@example.org", password = "Valid-Password-1", name = new string('x', 5000) });
        await Post("/api/auth/register", JsonBody(body), HttpStatusCode.BadRequest, "name");
        var longEmail = JsonSerializer.Serialize(new { email = new string('a', 300) + "@example.org", password = "Valid-Password-1", name = "N" });
        await Post("/api/auth/register", JsonBody(longEmail), HttpStatusCode.BadRequest, "email");
        Assert.Equal(0, await AccountsMadeByBadRequests());
    }

    [Fact]
    public async Task A_ten_megabyte_body_is_refused_as_too_large()
    {
        var huge = "{\"email\": \"big@example.org\", \"password\": \"Valid-Password-1\", \"name\": \"" + new string('x', 10 * 1024 * 1024) + "\"}";
        await Post("/api/auth/register", JsonBody(huge), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await AccountsMadeByBadRequests());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_an_unsupported_media_type()
    {
        await Post("/api/auth/login", new StringContent("email=a@example.org", Encoding.UTF8, "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task An_unknown_role_names_the_field_and_the_choices()
    {
        var admin = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        var problem = await Post("/api/users",
            JsonBody("{\"email\": \"r@example.org\", \"password\": \"Valid-Password-1\", \"role\": \"OVERLORD\"}"), HttpStatusCode.BadRequest, "role", admin.AccessToken);
        Assert.Contains("SUPER_ADMIN", problem.GetProperty("errors").GetProperty("role")[0].GetString());
        Assert.Equal(0, await AccountsMadeByBadRequests());
    }

    [Fact]
    public async Task No_response_or_log_line_contains_a_password_hash_or_token()
    {
        var secrets = new List<string>();
        using var http = Cluster.Http();
        var email = $"secret-{Guid.NewGuid():N}@example.org";
        const string password = "Very-Secret-Pass-99";
        var bodies = new List<string>();

        var register = await http.PostAsJsonAsync("/api/auth/register", new { email, password, name = "Sam" });
        bodies.Add(await register.Content.ReadAsStringAsync());
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        var loginBody = await login.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(loginBody);
        var access = json.RootElement.GetProperty("accessToken").GetString()!;
        var refresh = json.RootElement.GetProperty("refreshToken").GetString()!;
        var refreshed = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = refresh });
        bodies.Add(await refreshed.Content.ReadAsStringAsync());
        bodies.Add(await (await http.PostAsJsonAsync("/api/auth/login", new { email, password = "Wrong-Secret-Pass-1" })).Content.ReadAsStringAsync());
        using (var authed = Cluster.Http(0, access))
            bodies.Add(await (await authed.GetAsync("/api/auth/me")).Content.ReadAsStringAsync());
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(email))), "the verification mail");

        var hash = (await Db.ScalarAsync<string>("SELECT password_hash FROM users WHERE email = @e", ("e", email)))!;
        secrets.AddRange([password, "Wrong-Secret-Pass-1", hash, refresh]);
        foreach (var body in bodies)
            foreach (var secret in secrets)
                Assert.DoesNotContain(secret, body);
        var verificationToken = System.Text.RegularExpressions.Regex.Match(Cluster.Mail.Messages.First(m => m.To.Contains(email)).TextBody!, @"token=([A-Za-z0-9_\-]+)").Groups[1].Value;
        secrets.AddRange([access, verificationToken]);

        var lines = Cluster.Logs.Lines;
        Assert.NotEmpty(lines);
        foreach (var line in lines)
            foreach (var secret in secrets)
                Assert.DoesNotContain(secret, line);
    }
}
