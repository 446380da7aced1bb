using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Influence;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>
/// A cluster with a stand-in Represent, an influence admin, and helpers to make this test's own campaigns. The class's
/// tests share the cluster and its stand-in Represent: each uses postal codes of its own, and a test that makes the
/// stand-in fail or lag puts it back before it ends.
/// </summary>
public abstract class InfluenceTestBase : ClusterTest
{
    protected FakeRepresent Represent => (FakeRepresent)Companion!;

    protected override async Task<IAsyncDisposable?> StartCompanionAsync() => await FakeRepresent.StartAsync();
    protected HttpClient Admin { get; private set; } = null!;
    protected HttpClient Anonymous { get; private set; } = null!;

    protected virtual IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    protected override IDictionary<string, string?>? Settings
    {
        get
        {
            var settings = Represent.Settings();
            settings["INFLUENCE_RATE_LIMIT_PER_IP"] = "100000";
            foreach (var (k, v) in ExtraSettings) settings[k] = v;
            return settings;
        }
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Admin = await ClientAs(UserRole.InfluenceAdmin);
        Anonymous = Cluster.Http(0);
    }

    public override async Task DisposeAsync()
    {
        Admin.Dispose();
        Anonymous.Dispose();
        await base.DisposeAsync();
    }

    protected async Task<HttpClient> ClientAs(UserRole role, int frontend = 0)
    {
        var user = await TestUsers.CreateAsync(Db, role);
        return Cluster.Http(frontend, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role));
    }

    protected async Task<(HttpClient Http, TestUser User)> UserClient(UserRole role)
    {
        var user = await TestUsers.CreateAsync(Db, role);
        return (Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role)), user);
    }

    protected static string Unique(string prefix) => $"{prefix} {Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Creates a campaign through the API (as the admin unless told) and, unless <paramref name="activate"/> is false, activates it.</summary>
    protected async Task<JsonElement> CreateCampaign(object? flags = null, string? title = null, bool activate = true, HttpClient? as_ = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["title"] = title ?? Unique("Save the Library"),
            ["description"] = "Keep our branch open.",
            ["emailSubject"] = "Please keep the library open",
            ["emailBody"] = "Dear representative,\nPlease keep our library open & funded.\nThanks",
            ["targetGovernmentLevels"] = new[] { "FEDERAL", "PROVINCIAL" },
        };
        if (flags is not null)
            foreach (var p in JsonSerializer.SerializeToElement(flags).EnumerateObject()) body[p.Name] = p.Value;
        var response = await (as_ ?? Admin).PostAsJsonAsync("/api/campaigns", body);
        var created = await Ok(response, HttpStatusCode.Created);
        if (!activate) return created;
        return await Ok(await Admin.PatchAsJsonAsync($"/api/campaigns/{Id(created)}", new { status = "ACTIVE" }));
    }

    protected static Guid Id(JsonElement element) => element.GetProperty("id").GetGuid();
    protected static string Slug(JsonElement element) => element.GetProperty("slug").GetString()!;

    protected static async Task<JsonElement> Ok(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// A problem+json answer with the given status; returns its body. A 4xx goes through <see cref="TestSupport.Problem.Expect"/>;
    /// the 503 of Represent being unavailable is the one 5xx these tests expect.
    /// </summary>
    protected static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        if ((int)expected < 500) return await TestSupport.Problem.Expect(response, expected);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        return body;
    }

    protected static async Task ProblemWithField(HttpResponseMessage response, string field)
    {
        await TestSupport.Problem.Expect(response, HttpStatusCode.BadRequest, field);
    }

    protected static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
