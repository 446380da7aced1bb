using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>
/// Behind a trusted proxy (<c>TRUSTED_PROXIES</c>) the response wall knows each person by the client address the proxy
/// forwards: a submission records it (<c>submitted_ip</c>), and anonymous upvotes count once per client, not once for
/// everyone behind the proxy. The tests' requests come from 127.0.0.1, which this class trusts.
/// </summary>
public sealed class ProxiedClientTests : InfluenceTestBase
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["TRUSTED_PROXIES"] = "127.0.0.1" };

    private HttpClient Client(string address)
    {
        var http = Cluster.Http(0);
        http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return http;
    }

    [Fact]
    public async Task Upvotes_and_submissions_see_each_client_behind_the_proxy()
    {
        var campaign = await CreateCampaign(flags: new { showResponseWall = true });
        using var submitter = Client("203.0.113.50");
        var submitted = await Ok(await submitter.PostAsJsonAsync("/api/public/responses", new
        {
            campaignSlug = Slug(campaign), representativeName = "Pat Member", representativeLevel = "FEDERAL",
            responseType = "EMAIL", responseText = "We will fund it.", isAnonymous = true,
        }), HttpStatusCode.Created);
        var response = Id(submitted);
        Assert.Equal("203.0.113.50", await Db.ScalarAsync<string>("SELECT submitted_ip FROM representative_responses WHERE id = @id", ("id", response)));
        await Ok(await Admin.PostAsync($"/api/responses/{response}/approve", null));

        using var first = Client("198.51.100.1");
        using var second = Client("198.51.100.2");
        await Ok(await first.PostAsync($"/api/public/responses/{response}/upvote", null));
        await Problem(await first.PostAsync($"/api/public/responses/{response}/upvote", null), HttpStatusCode.Conflict);
        await Ok(await second.PostAsync($"/api/public/responses/{response}/upvote", null));

        Assert.Equal(["198.51.100.1", "198.51.100.2"], (await Db.ScalarAsync<string[]>(
            "SELECT array_agg(upvoted_ip ORDER BY upvoted_ip) FROM response_upvotes WHERE response_id = @id", ("id", response)))!);
    }
}
