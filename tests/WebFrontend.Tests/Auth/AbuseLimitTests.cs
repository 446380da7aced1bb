using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>
/// The per-address and per-IP budgets of the sign-in endpoints. A fresh cluster per test: every test calls from
/// 127.0.0.1, so one test's spending would be the next one's budget.
/// </summary>
[ClusterPerTest]
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
        await Problem.Expect(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Logins_from_one_ip_are_limited_whatever_the_address_across_frontends()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        // Six guesses, two at a time (a silo checks two passwords at once on two cores), so all six fall well inside the
        // minute however slowly a loaded machine checks passwords, and none waits in a queue long enough to time out.
        var statuses = new List<HttpStatusCode>();
        for (var pair = 0; pair < 3; pair++)
            statuses.AddRange(await Task.WhenAll(Enumerable.Range(2 * pair, 2).Select(async attempt =>
            {
                using var http = Cluster.Http(attempt % 2);
                using var response = await http.PostAsJsonAsync("/api/auth/login",
                    new { email = $"guess{attempt}-{Guid.NewGuid():N}@example.org", password = "Wrong-guess-1234" });
                return response.StatusCode;
            })));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 6), statuses);

        // The seventh from this address is refused even with the right password of a real account.
        using var again = Cluster.Http(1);
        var limited = await again.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        await Problem.Expect(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Null(await Db.ScalarAsync<DateTime?>("SELECT last_login_at FROM users WHERE id = @id", ("id", user.Id)));
    }

    [Fact]
    public async Task Forgot_password_is_limited_per_ip()
    {
        using var http = Cluster.Http(1);
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 8; attempt++)
            statuses.Add((await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = $"someone{attempt}@example.org" })).StatusCode);
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Accepted, 6), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }
}
