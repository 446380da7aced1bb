using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>
/// <c>X-Forwarded-For</c> from a proxy listed in <c>TRUSTED_PROXIES</c> names the client: the address a sign-in is
/// recorded under (<c>created_by_ip</c>) and the key of every per-address limit. The tests' requests come from
/// 127.0.0.1, which this class trusts.
/// </summary>
public sealed class TrustedProxyTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["TRUSTED_PROXIES"] = "10.20.0.0/16, 127.0.0.1",
        ["AUTH_RATE_LIMIT_PER_IP"] = "2",
    };

    [Fact]
    public async Task The_forwarded_client_address_is_the_callers_address()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        Assert.Equal("203.0.113.7", await ProxySignIn.RecordedAddressAsync(Cluster, Db, user, "203.0.113.7"));
        // Through a chain of trusted proxies (127.0.0.1, then 10.20.3.4): the client is the first untrusted hop from the right,
        // so an address the client wrote itself at the left of the header is not believed.
        Assert.Equal("198.51.100.23", await ProxySignIn.RecordedAddressAsync(Cluster, Db, user, "6.6.6.6, 198.51.100.23, 10.20.3.4"));
    }

    [Fact]
    public async Task Per_address_limits_count_each_forwarded_client_apart()
    {
        var first = $"192.0.2.{Random.Shared.Next(1, 120)}";
        var second = $"192.0.2.{Random.Shared.Next(130, 250)}";
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests],
            await ProxySignIn.ForgotPasswordsAsync(Cluster, first, 3));
        // Another client behind the same proxy has its own budget.
        Assert.Equal([HttpStatusCode.Accepted], await ProxySignIn.ForgotPasswordsAsync(Cluster, second, 1));
    }
}

/// <summary>
/// With no <c>TRUSTED_PROXIES</c> (the default) nobody is a proxy: a client that sends <c>X-Forwarded-For</c> itself is
/// still known by its own address, and cannot escape a per-address limit by changing the header.
/// </summary>
public sealed class UntrustedSenderTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["AUTH_RATE_LIMIT_PER_IP"] = "2",
    };

    [Fact]
    public async Task Forwarded_headers_from_an_untrusted_sender_are_ignored()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        Assert.Equal("127.0.0.1", await ProxySignIn.RecordedAddressAsync(Cluster, Db, user, "203.0.113.7"));

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted], await ProxySignIn.ForgotPasswordsAsync(Cluster, "192.0.2.1", 2));
        // A new made-up address does not buy a new budget: all three came from 127.0.0.1.
        Assert.Equal([HttpStatusCode.TooManyRequests], await ProxySignIn.ForgotPasswordsAsync(Cluster, "192.0.2.2", 1));
    }
}

internal static class ProxySignIn
{
    /// <summary>Signs in with the header and returns the address the new session was recorded under.</summary>
    public static async Task<string?> RecordedAddressAsync(LocalCluster cluster, TestDatabase db, TestUser user, string forwardedFor)
    {
        using var http = cluster.Http();
        http.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        var response = await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await db.ScalarAsync<string>(
            "SELECT created_by_ip FROM refresh_tokens WHERE user_id = @id ORDER BY created_at DESC, id LIMIT 1", ("id", user.Id));
    }

    public static async Task<HttpStatusCode[]> ForgotPasswordsAsync(LocalCluster cluster, string forwardedFor, int count)
    {
        using var http = cluster.Http();
        http.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var response = await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = $"nobody-{Guid.NewGuid():N}@example.org" });
            if (response.StatusCode == HttpStatusCode.TooManyRequests) await Problem.Expect(response, HttpStatusCode.TooManyRequests);
            statuses.Add(response.StatusCode);
        }
        return statuses.ToArray();
    }
}
