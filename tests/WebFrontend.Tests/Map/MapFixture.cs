using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Map;

namespace ChangemakerLite.WebFrontend.Tests.Map;

/// <summary>
/// One database, one silo, one frontend and the fake geocoders per test class, with real user rows for a
/// map admin, a super admin and a canvasser (history and created_by columns point at them).
/// </summary>
public sealed class MapFixture : ClusterTest
{
    public FakeGeocoders Geocoders { get; private set; } = null!;
    public Guid AdminId { get; } = Guid.NewGuid();
    public Guid SuperId { get; } = Guid.NewGuid();
    public Guid CanvasserId { get; } = Guid.NewGuid();
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Super { get; private set; } = null!;
    public HttpClient Canvasser { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;

    public string Token(Guid id, UserRole role, string permissions = "{}") =>
        TestTokens.Mint(Cluster.SigningKey, id, $"{id:N}@example.org", role, permissionsJson: permissions);

    protected override IDictionary<string, string?>? Settings => Geocoders.Settings();

    public override async Task InitializeAsync()
    {
        // The geocoder stand-ins must listen before the silos read their addresses from the settings.
        Geocoders = await FakeGeocoders.StartAsync();
        await base.InitializeAsync();
        foreach (var (id, role) in new[] { (AdminId, "MAP_ADMIN"), (SuperId, "SUPER_ADMIN"), (CanvasserId, "USER") })
            await Db.ExecuteAsync($"INSERT INTO users (id, email, password_hash, name, role) VALUES (@id, @email, 'x', 'Test', '{role}')",
                ("id", id), ("email", $"{id:N}@example.org"));
        Admin = Cluster.Http(0, Token(AdminId, UserRole.MapAdmin));
        Super = Cluster.Http(0, Token(SuperId, UserRole.SuperAdmin));
        Canvasser = Cluster.Http(0, Token(CanvasserId, UserRole.User));
        Anonymous = Cluster.Http(0);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Geocoders.DisposeAsync();
    }
}

public static class MapHttp
{
    /// <summary>The answer's body, checked to have the expected status (an error through <see cref="Problem.Expect"/>).</summary>
    public static async Task<JsonElement> Json(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if ((int)expected >= 400) return await Problem.Expect(response, expected);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJson(this HttpClient http, string path, object body) => http.PostAsJsonAsync(path, body);

    public static Task<HttpResponseMessage> PostRaw(this HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PatchJson(this HttpClient http, string path, object body) =>
        http.PatchAsync(path, JsonContent.Create(body));

    /// <summary>The field names of a 400's <c>errors</c> object.</summary>
    public static async Task<string[]> ProblemFields(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.BadRequest)
    {
        var problem = await Problem.Expect(response, expected);
        return problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(p => p.Name).ToArray() : [];
    }

    public static MultipartFormDataContent Multipart(params (string Field, string FileName, byte[] Content)[] files)
    {
        var content = new MultipartFormDataContent();
        foreach (var (field, fileName, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            content.Add(part, field, fileName);
        }
        return content;
    }

    public static byte[] Utf8Bom(string text) => [.. NarFiles.Utf8WithBom.GetPreamble(), .. Encoding.UTF8.GetBytes(text)];

    /// <summary>Polls GET /api/map/jobs/{id} until the job ends and returns its last state.</summary>
    public static async Task<JsonElement> WaitForJob(this HttpClient http, Guid jobId, TimeSpan? within = null)
    {
        JsonElement job = default;
        await Eventually.True(async () =>
        {
            job = await (await http.GetAsync($"/api/map/jobs/{jobId}")).Json(HttpStatusCode.OK);
            return job.GetProperty("status").GetString() is "completed" or "failed";
        }, $"job {jobId} finished", within ?? TimeSpan.FromSeconds(60));
        return job;
    }

    public static async Task<Guid> Accepted(this HttpResponseMessage response)
    {
        var body = await response.Json(HttpStatusCode.Accepted);
        return body.GetProperty("jobId").GetGuid();
    }
}
