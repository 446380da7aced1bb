using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

public sealed class AbuseLimitTests : ClusterTest
{
    protected override int Frontends => 2;
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
        {
            ["AUTH_RATE_LIMIT_PER_IP"] = "6",
            ["AUTH_RATE_LIMIT_PER_EMAIL"] = "3",
        };

    [Fact]
    public async Task Guessing_one_account_is_limited_per_email_across_frontends_with_retry_after()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var http = Cluster.Http(attempt % 2);
            statuses.Add((await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "Wrong-guess-1234" })).StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);

        using var again = Cluster.Http(0);
        var limited = await again.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Forgot_password_is_limited_per_ip()
    {
        using var http = Cluster.Http(1);
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 8; attempt++)
            statuses.Add((await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = $"someone{attempt}@example.org" })).StatusCode);
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }
}
