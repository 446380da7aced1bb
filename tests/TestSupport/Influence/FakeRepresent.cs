using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.TestSupport.Influence;

/// <summary>
/// A stand-in for Open North's Represent API on a loopback Kestrel server, answering <c>GET /postcodes/{CODE}/</c>
/// in Represent's real format (docs/external-formats.md §1.2–1.5): the <c>representatives_*</c> keys absent when empty, ""
/// for unknown values, em dashes in names, offices without a fax, an HTML 404 for an unknown or malformed code.
/// Every code is known except those starting with "X9" (none exist), and each code's representatives carry the code in
/// their email (<c>mp.k1a0a6@parl.example</c>), so a test can tell whose they are.
/// <see cref="Failure"/> (500, 503, 429 or a timeout) and <see cref="Delay"/> switch its behaviour; <see cref="Calls"/> counts.
/// </summary>
public sealed class FakeRepresent : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;

    private FakeRepresent(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    /// <summary>Postcode requests answered (or failed) so far.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public ConcurrentDictionary<string, int> CallsByCode { get; } = new();

    /// <summary>0 answers normally; 500, 503 or 429 answers that status; -1 never answers (a timeout for the client).</summary>
    public volatile int Failure;

    /// <summary>How long each answer takes.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    /// <summary>The cluster settings that point at this server; the timeout leaves room for its first, cold answer on a busy machine.</summary>
    public Dictionary<string, string?> Settings(double cacheHours = 24, int callsPerMinute = 100_000, double timeoutSeconds = 5) => new()
    {
        ["REPRESENT_BASE_URL"] = BaseUrl,
        ["REPRESENT_CACHE_HOURS"] = cacheHours.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["REPRESENT_CALLS_PER_MINUTE"] = callsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["REPRESENT_TIMEOUT_SECONDS"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string MpEmail(string compactCode) => $"mp.{compactCode.ToLowerInvariant()}@parl.example";
    public static string MppEmail(string compactCode) => $"mpp.{compactCode.ToLowerInvariant()}@ola.example";

    public static async Task<FakeRepresent> StartAsync()
    {
        var port = Ports.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new FakeRepresent(app, $"http://127.0.0.1:{port}");
        app.MapGet("/postcodes/{code}/", fake.Postcode);
        app.MapGet("/boundary-sets/", async (HttpContext http) =>
        {
            if (fake.Failure > 0) { http.Response.StatusCode = fake.Failure; return; }
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.WriteAsync("""{"objects": [], "meta": {"offset": 0, "limit": 1, "total_count": 0, "previous": null, "next": null}}""");
        });
        await app.StartAsync();
        return fake;
    }

    private async Task Postcode(HttpContext http, string code)
    {
        Interlocked.Increment(ref _calls);
        CallsByCode.AddOrUpdate(code, 1, (_, n) => n + 1);
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
        var failure = Failure;
        if (failure == -1)
        {
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { });
            return;
        }
        if (failure > 0)
        {
            http.Response.StatusCode = failure;
            if (failure == 429) http.Response.Headers.RetryAfter = "7";
            http.Response.ContentType = "text/html";
            await http.Response.WriteAsync("<h1>Service Unavailable</h1>");
            return;
        }
        // Represent's URL pattern is six word characters; it validates nothing else, and answers 404 for a code it does not have.
        if (!System.Text.RegularExpressions.Regex.IsMatch(code, "^[A-Z0-9]{6}$") || code.StartsWith("X9", StringComparison.Ordinal))
        {
            http.Response.StatusCode = 404;
            http.Response.ContentType = "text/html";
            await http.Response.WriteAsync("<h1>Not Found</h1><p>The requested resource was not found on this server.</p>");
            return;
        }
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(Answer(code));
    }

    private static string Answer(string code)
    {
        var mp = new Dictionary<string, object?>
        {
            ["name"] = $"Pat Member {code}", ["district_name"] = "Mississauga\u2014Lakeshore", ["elected_office"] = "MP",
            ["source_url"] = "https://www.ourcommons.ca/Members/en/search", ["first_name"] = "Pat", ["last_name"] = $"Member {code}",
            ["party_name"] = "Liberal", ["email"] = MpEmail(code), ["url"] = "https://www.ourcommons.ca/Members/en/pat-member",
            ["personal_url"] = "", ["photo_url"] = "https://www.ourcommons.ca/Content/Parliamentarians/Images/OfficialMPPhotos/45/Member.jpg",
            ["gender"] = "", ["representative_set_name"] = "House of Commons",
            ["offices"] = new object[]
            {
                new Dictionary<string, string> { ["type"] = "legislature", ["tel"] = "1 613 992-4848", ["fax"] = "1 613 992-1234",
                    ["postal"] = "House of Commons\nOttawa ON  K1A 0A6" },
                new Dictionary<string, string> { ["type"] = "constituency", ["tel"] = "1-905-555-0101", ["postal"] = "1 Main St\nMississauga ON  L5G 4L3" },
            },
            ["extra"] = new Dictionary<string, object> { ["preferred_languages"] = new[] { "English" } },
            ["related"] = new Dictionary<string, string>
            {
                ["representative_set_url"] = "/representative-sets/house-of-commons/",
                ["boundary_url"] = "/boundaries/federal-electoral-districts-2023-representation-order/35061/",
            },
        };
        var mpp = new Dictionary<string, object?>
        {
            ["name"] = $"Sam Provincial {code}", ["district_name"] = "Mississauga\u2014Lakeshore", ["elected_office"] = "MPP",
            ["source_url"] = "https://www.ola.org/en/members/current", ["first_name"] = "Sam", ["last_name"] = $"Provincial {code}",
            ["party_name"] = "", ["email"] = MppEmail(code), ["url"] = "", ["personal_url"] = "", ["photo_url"] = "", ["gender"] = "",
            ["representative_set_name"] = "Legislative Assembly of Ontario",
            ["offices"] = new object[] { new Dictionary<string, string> { ["type"] = "constituency", ["tel"] = "905-555-0102" } },
            ["extra"] = new Dictionary<string, object>(),
            ["related"] = new Dictionary<string, string> { ["representative_set_url"] = "/representative-sets/ontario-legislature/" },
        };
        var councillor = new Dictionary<string, object?>
        {
            ["name"] = $"Alex Ward {code}", ["district_name"] = "Ward 1", ["elected_office"] = "Councillor",
            ["source_url"] = "https://example.org/council", ["first_name"] = "Alex", ["last_name"] = "Ward", ["party_name"] = "",
            ["email"] = "", ["url"] = "", ["personal_url"] = "", ["photo_url"] = "", ["gender"] = "",
            ["representative_set_name"] = "Mississauga City Council", ["offices"] = Array.Empty<object>(), ["extra"] = new Dictionary<string, object>(),
            ["related"] = new Dictionary<string, string> { ["representative_set_url"] = "/representative-sets/mississauga-city-council/" },
        };
        var answer = new Dictionary<string, object?>
        {
            ["code"] = code, ["city"] = "Mississauga", ["province"] = "ON",
            ["centroid"] = new Dictionary<string, object> { ["type"] = "Point", ["coordinates"] = new[] { -79.580111, 43.579924 } },
            ["boundaries_concordance"] = Array.Empty<object>(),
            ["boundaries_centroid"] = new object[]
            {
                new Dictionary<string, object?> { ["url"] = "/boundaries/federal-electoral-districts/35061/", ["name"] = "Mississauga\u2014Lakeshore",
                    ["boundary_set_name"] = "Federal electoral district", ["external_id"] = "35061",
                    ["related"] = new Dictionary<string, string> { ["boundary_set_url"] = "/boundary-sets/federal-electoral-districts/" } },
            },
            // The MP is in both lists, as Represent often answers; a client must merge them.
            ["representatives_concordance"] = new object[] { mp },
            ["representatives_centroid"] = new object[] { mp, mpp, councillor },
        };
        return JsonSerializer.Serialize(answer);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
