using System.Net;
using System.Text.Json;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

public sealed class PlatformEndpointTests : ClusterTest
{
    // Readiness with no silo left needs a frontend that outlives the silo.
    protected override ClusterTopology Topology => ClusterTopology.Separate;

    [Fact]
    public async Task Health_says_live_and_ready_with_theCluster_and_database_reachable()
    {
        using var http = Cluster.Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        // Anonymous callers learn ready or not, never a silo address or a database detail.
        Assert.Equal("""{"status":"ready"}""", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readiness_fails_when_no_silo_is_left()
    {
        await Cluster.StopSiloAsync(0);
        using var http = Cluster.Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        // Not ready says only that: no silo address, no reason.
        Assert.Equal("""{"status":"not ready"}""", await ready.Content.ReadAsStringAsync());
        await Cluster.AddSiloAsync();
        await Eventually.True(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "ready again with a new silo", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        using var http = Cluster.Http();
        var response = await http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/auth/login", out _));
        Assert.True(paths.TryGetProperty("/health/ready", out _));
    }

    [Fact]
    public async Task An_unknown_route_is_a_problem_json_404()
    {
        using var http = Cluster.Http();
        var response = await http.GetAsync("/api/nothing-here");
        await Problem.Expect(response, HttpStatusCode.NotFound);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
