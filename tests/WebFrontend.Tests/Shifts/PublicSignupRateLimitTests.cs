using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

namespace ChangemakerLite.WebFrontend.Tests.Shifts;

/// <summary>The public signup's per-IP budget at its default (5 a minute), on its own cluster so no other test spends it.</summary>
public sealed class PublicSignupRateLimitTests : ClusterTest
{

    [Fact]
    public async Task The_sixth_public_signup_from_one_ip_within_a_minute_is_429_with_retry_after_and_writes_nothing()
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var shift = (await ShiftFixtures.CreateShiftAsync(admin, 50, isPublic: true)).GetProperty("id").GetGuid();
        using var anonymous = Cluster.Http();
        // The five allowed ones at once, so all five fall in the minute however slowly a loaded machine makes accounts.
        var allowed = await Task.WhenAll(Enumerable.Range(0, 5).Select(async i =>
            (await anonymous.PostAsJsonAsync($"/api/public/shifts/{shift}/signups", new { name = $"Pat {(char)('A' + i)}", email = $"p{i}@example.org" })).StatusCode));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Created, 5), allowed);

        var refused = await anonymous.PostAsJsonAsync($"/api/public/shifts/{shift}/signups", new { name = "Pat F", email = "p5@example.org" });
        await Problem.Expect(refused, HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.RetryAfter is not null);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM users WHERE email = 'p5@example.org'"));
        Assert.Equal(5, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)));
    }
}
