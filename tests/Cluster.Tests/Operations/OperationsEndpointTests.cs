using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.WebFrontend;
using Microsoft.AspNetCore.Builder;
using static ChangemakerLite.TestSupport.CanvassClient;

namespace ChangemakerLite.Cluster.Tests.Operations;

/// <summary>
/// What an operator reaches: <c>/metrics</c> on a frontend and on a silo's metrics port (refused without an allowed
/// address or the token, served with either), health that says only ready or not, and the dashboard for super admins.
/// This cluster allows no address range but the tests' own (10.255.255.0/24, which loopback is not in), so loopback
/// scrapes must carry the token.
/// </summary>
public sealed class OperationsEndpointTests : ClusterTest
{
    private const string Token = "scrape-token-0123456789abcdef";
    // Static: the class shares one cluster, started with the settings of its first test instance.
    private static readonly int SiloMetricsPort = Ports.Free();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["METRICS_ALLOWED_NETWORKS"] = "10.255.255.0/24",
        ["METRICS_TOKEN"] = Token,
        ["METRICS_PORT"] = SiloMetricsPort.ToString(),
        ["METRICS_BIND_ADDRESS"] = "127.0.0.1",
    };

    private static async Task<HttpResponseMessage> Scrape(string url, string? token = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Frontend_metrics_are_refused_without_the_token_and_served_with_it()
    {
        // A visit, so the domain's own counters have something to show.
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var door = await CanvassTestData.InsertDoorAsync(Db, 53.505, -113.505);
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var canvasser = new CanvassClient(Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.User)));
        var session = await canvasser.StartSessionAsync(cut);
        Assert.Equal(HttpStatusCode.Created, (await canvasser.VisitAsync(session, new { clientVisitId = Guid.NewGuid(), addressId = door, outcome = "SPOKE_WITH" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await canvasser.PointsAsync(session, [Point(1, 53.505, -113.505, DateTimeOffset.UtcNow.AddMinutes(-1))])).StatusCode);

        var url = new Uri(Cluster.FrontendUri(0), "/metrics").ToString();
        var refused = await Scrape(url);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(url, "not-the-scrape-token-at-all")).StatusCode);

        var served = await Scrape(url, Token);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var text = await served.Content.ReadAsStringAsync();
        Assert.Contains("changemaker_visits_stored_total", text);
        Assert.Contains("changemaker_points_stored_total", text);
        Assert.Contains("changemaker_group_commit_batch_items", text);
        Assert.Contains("changemaker_group_commit_wait_seconds", text);
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("orleans_", text);
        Assert.Contains("db_client_", text);
    }

    [Fact]
    public async Task Silo_metrics_port_is_protected_the_same_way_and_serves_health()
    {
        var url = $"http://127.0.0.1:{SiloMetricsPort}/metrics";
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(url)).StatusCode);
        HttpResponseMessage? served = null;
        await Eventually.True(async () =>
        {
            served = await Scrape(url, Token);
            if (served.StatusCode != HttpStatusCode.OK) return false;
            // Orleans' own instruments report once they have recorded something, a moment after the silo starts.
            var scraped = await served.Content.ReadAsStringAsync();
            return scraped.Contains("changemaker_live_events_published_total") && scraped.Contains("orleans_") && scraped.Contains("dotnet_");
        }, "the silo's heartbeats, Orleans' and the runtime's metrics on its metrics port");

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{SiloMetricsPort}/health/live")).StatusCode);
        var ready = await http.GetAsync($"http://127.0.0.1:{SiloMetricsPort}/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"ready"}""", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_frontend_allowing_loopback_serves_metrics_without_a_token()
    {
        var port = Ports.Free();
        var settings = new Dictionary<string, string?>(Cluster.Settings)
        {
            ["PORT"] = port.ToString(),
            ["METRICS_ALLOWED_NETWORKS"] = "127.0.0.0/8",
            ["METRICS_TOKEN"] = null,
        };
        var app = FrontendApp.Build([], settings);
        await app.StartAsync();
        try
        {
            var served = await Scrape($"http://127.0.0.1:{port}/metrics");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Contains("# TYPE", await served.Content.ReadAsStringAsync());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Health_says_only_live_and_ready()
    {
        using var http = Cluster.Http();
        var live = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("""{"status":"live"}""", await live.Content.ReadAsStringAsync());
        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        // No silo address, no database detail: an anonymous caller learns ready or not, nothing else.
        Assert.Equal("""{"status":"ready"}""", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_dashboard_opens_only_for_a_super_admin_with_a_session_cookie()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var adminToken = TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin);
        var user = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var userToken = TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.MapAdmin);
        using var anonymous = NoCookies();

        var noSession = await anonymous.PostAsync("/api/dashboard/session", null);
        Assert.Equal(HttpStatusCode.Unauthorized, noSession.StatusCode);
        using (var other = NoCookies(userToken))
        {
            var forbidden = await other.PostAsync("/api/dashboard/session", null);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/dashboard/")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard/")).StatusCode);

        HttpResponseMessage minted;
        using (var super = NoCookies(adminToken)) minted = await super.PostAsync("/api/dashboard/session", null);
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        var body = JsonDocument.Parse(await minted.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("/dashboard/", body.GetProperty("url").GetString());
        var setCookie = Assert.Single(minted.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("cml_dashboard=", setCookie);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/dashboard", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];

        // The browser navigates with the cookie alone.
        var page = await WithCookie(anonymous, "/dashboard/", cookie);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        // An ordinary access token is not a dashboard session, even a super admin's, when put in the cookie.
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(anonymous, "/dashboard/", $"cml_dashboard={adminToken}")).StatusCode);
    }

    private HttpClient NoCookies(string? token = null)
    {
        var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Cluster.FrontendUri(0) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<HttpResponseMessage> WithCookie(HttpClient http, string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await http.SendAsync(request);
    }
}
