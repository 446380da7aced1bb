using System.Net;
using ChangemakerLite.TestSupport;
using ChangemakerLite.WebFrontend.Pages;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>nosniff on every answer, a strict policy on the HTML this server writes, HSTS only behind https.</summary>
public sealed class SecurityHeadersTests : ClusterTest
{
    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;

    [Fact]
    public async Task Every_answer_is_nosniff_and_a_plain_http_site_sends_no_hsts()
    {
        using var http = Cluster.Http();
        foreach (var path in new[] { "/health/live", "/api/auth/me", "/api/no-such-route", "/openapi/v1.json" })
        {
            var response = await http.GetAsync(path);
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
            Assert.Null(Header(response, "Strict-Transport-Security"));
        }
    }

    [Fact]
    public async Task Server_made_html_gets_a_strict_policy_and_landing_pages_keep_their_sandbox()
    {
        using var http = Cluster.Http();
        // The page answering an influence response link: HTML written here.
        var linkPage = await http.GetAsync("/api/public/responses/verify/not-a-token");
        Assert.Equal(HttpStatusCode.NotFound, linkPage.StatusCode);
        Assert.Equal("text/html", linkPage.Content.Headers.ContentType?.MediaType);
        Assert.Equal(SecurityHeaders.HtmlPolicy, Header(linkPage, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(linkPage, "X-Content-Type-Options"));

        var landing = await http.GetAsync($"/p/no-such-page-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.NotFound, landing.StatusCode);
        Assert.Equal(PageEndpoints.ContentSecurityPolicy, Header(landing, "Content-Security-Policy"));

        // JSON answers need no policy of their own.
        Assert.Null(Header(await http.GetAsync("/health/live"), "Content-Security-Policy"));
    }

    [Fact]
    public async Task A_site_reached_over_https_sends_hsts()
    {
        var port = Ports.Free();
        var settings = new Dictionary<string, string?>(Cluster.Settings)
        {
            ["PORT"] = port.ToString(),
            ["PUBLIC_BASE_URL"] = "https://campaign.example.org",
        };
        await using var app = FrontendApp.Build([], settings);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var response = await http.GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(SecurityHeaders.StrictTransportSecurity, Header(response, "Strict-Transport-Security"));
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
