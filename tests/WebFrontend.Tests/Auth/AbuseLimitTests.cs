using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>
/// The limits of the sign-in endpoints (README, "Sign-in limits"): sign-ins are limited by their failures only, per
/// account with growing delays and per address; registration and reset mail per address. The tests' requests come from
/// loopback, which this class trusts as a proxy (<c>TRUSTED_PROXIES</c>), so each test speaks for its own client address
/// through <c>X-Forwarded-For</c> and the tests share one cluster without sharing a budget.
/// </summary>
public sealed partial class AbuseLimitTests : ClusterTest
{
    protected override int Frontends => 2;
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
        {
            // The shipped limits, not the tests' usual generous ones.
            ["AUTH_RATE_LIMIT_PER_IP"] = "10",
            ["AUTH_RATE_LIMIT_PER_EMAIL"] = "10",
            ["AUTH_LOGIN_FAILURES_PER_ACCOUNT"] = "5",
            ["AUTH_LOGIN_FAILURES_PER_IP"] = "8",
            // Long enough that no lock runs out while a test looks at it.
            ["AUTH_LOGIN_DELAY_SECONDS"] = "120",
            ["TRUSTED_PROXIES"] = "127.0.0.1",
        };

    private static string NewClientAddress() => $"198.51.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

    private HttpClient From(string clientAddress, int frontend = 0)
    {
        var http = Cluster.Http(frontend);
        http.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        return http;
    }

    [Fact]
    public async Task Three_hundred_accounts_sign_in_from_one_address_within_a_minute_and_all_succeed()
    {
        // Cheap password hashes (bcrypt cost 4) for these accounts: the test is about the limits, not about bcrypt's CPU.
        const string password = "Office-Morning-2027";
        var hash = BCrypt.Net.BCrypt.HashPassword(password, 4);
        var tag = Guid.NewGuid().ToString("N")[..12];
        var emails = Enumerable.Range(0, 300).Select(i => $"canvasser{i}-{tag}@example.org").ToArray();
        await Db.ExecuteAsync("""
            INSERT INTO users (id, email, password_hash, name, role, permissions, created_via, email_verified)
            SELECT gen_random_uuid(), e, @hash, 'Canvasser', 'USER', '{}'::jsonb, 'ADMIN', true FROM unnest(@emails) AS e
            """, ("hash", hash), ("emails", emails));

        var office = NewClientAddress();
        var clock = Stopwatch.StartNew();
        var statuses = new HttpStatusCode[emails.Length];
        // Ten phones at a time, across both frontends.
        await Parallel.ForEachAsync(Enumerable.Range(0, emails.Length), new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (i, _) =>
        {
            using var http = From(office, i % 2);
            using var response = await http.PostAsJsonAsync("/api/auth/login", new { email = emails[i], password });
            statuses[i] = response.StatusCode;
        });
        clock.Stop();
        Assert.Equal(emails.Length, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"300 sign-ins took {clock.Elapsed}");
        Assert.Equal(300L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = ANY(@emails) AND t.created_by_ip = @ip",
            ("emails", emails), ("ip", office)));
    }

    [Fact]
    public async Task Forty_wrong_passwords_against_one_account_are_stopped_and_a_reset_lifts_the_lock()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var attacker = NewClientAddress();
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 40; attempt++)
        {
            // Each guess from another address, as a botnet would: the account's own limit stops them.
            using var http = From(attempt < 20 ? attacker : NewClientAddress(), attempt % 2);
            using var response = await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = $"Wrong-guess-{attempt}-Aa" });
            statuses.Add(response.StatusCode);
        }
        // Five failures are free; the fifth locks the account, and every later guess is refused unchecked.
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 35)], statuses);

        // During the lock the right password is refused too (else the lock would not stop guessing), with Retry-After.
        using var owner = From(NewClientAddress());
        var locked = await owner.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        await Problem.Expect(locked, HttpStatusCode.TooManyRequests);
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.FromSeconds(60), $"Retry-After {locked.Headers.RetryAfter}");
        Assert.Null(await Db.ScalarAsync<DateTime?>("SELECT last_login_at FROM users WHERE id = @id", ("id", user.Id)));

        // Another account is not touched by this one's lock.
        var other = await TestUsers.CreateAsync(Db, UserRole.User);
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync("/api/auth/login", new { email = other.Email, password = other.Password })).StatusCode);

        // The owner resets the password through the mailed link, which lifts the lock at once.
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email })).StatusCode);
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(user.Email) && m.Subject == "Reset your password")),
            "the reset mail");
        var token = ResetToken().Match(Cluster.Mail.Messages.Single(m => m.To.Contains(user.Email) && m.Subject == "Reset your password").TextBody!)
            .Groups[1].Value;
        Assert.Equal(HttpStatusCode.NoContent,
            (await owner.PostAsJsonAsync("/api/auth/reset-password", new { token, newPassword = "Brand-New-Pass-42" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "Brand-New-Pass-42" })).StatusCode);
    }

    [Fact]
    public async Task Failures_from_one_address_are_limited_whatever_the_account_and_successes_are_not()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var address = NewClientAddress();
        // A success first, then eight guesses at made-up accounts, two at a time.
        using (var first = From(address))
            Assert.Equal(HttpStatusCode.OK, (await first.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password })).StatusCode);
        var statuses = new List<HttpStatusCode>();
        for (var pair = 0; pair < 4; pair++)
            statuses.AddRange(await Task.WhenAll(Enumerable.Range(2 * pair, 2).Select(async attempt =>
            {
                using var http = From(address, attempt % 2);
                using var response = await http.PostAsJsonAsync("/api/auth/login",
                    new { email = $"guess{attempt}-{Guid.NewGuid():N}@example.org", password = "Wrong-guess-1234" });
                return response.StatusCode;
            })));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 8), statuses);

        // The address is locked now, even for the right password of a real account.
        using var again = From(address, 1);
        var limited = await again.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        await Problem.Expect(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE user_id = @id", ("id", user.Id)));

        // Another address signs the same account in.
        using var elsewhere = From(NewClientAddress());
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password })).StatusCode);
    }

    [Fact]
    public async Task Reset_mail_and_registration_are_limited_per_address()
    {
        using var http = From(NewClientAddress(), 1);
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 12; attempt++)
            statuses.Add((await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = $"someone{attempt}-{Guid.NewGuid():N}@example.org" })).StatusCode);
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Accepted, 10), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);

        // Eleven at once, so all fall in one minute however long each password hash takes on a loaded machine.
        var registering = NewClientAddress();
        var registered = await Task.WhenAll(Enumerable.Range(0, 11).Select(async attempt =>
        {
            using var client = From(registering, attempt % 2);
            // Ten password hashes at once on a busy machine: give them the grain call's own patience.
            client.Timeout = LocalCluster.DefaultGrainCallTimeout + TimeSpan.FromSeconds(30);
            using var response = await client.PostAsJsonAsync("/api/auth/register",
                new { email = $"new{attempt}-{Guid.NewGuid():N}@example.org", password = "Register-Pass-123", name = "New person" });
            return response.StatusCode;
        }));
        // Registration answers the same whether or not the address is known (202).
        Assert.Equal(10, registered.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(1, registered.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [GeneratedRegex(@"reset-password\?token=([A-Za-z0-9_\-]+)")]
    private static partial Regex ResetToken();
}
