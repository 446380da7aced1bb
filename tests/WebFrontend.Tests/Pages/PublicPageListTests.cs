using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Pages;

/// <summary>The public list of published landing pages (GET /api/public/pages): addresses and titles of published pages only, to anyone.</summary>
public sealed class PublicPageListTests : ClusterTest
{
    private HttpClient _admin = null!;
    private HttpClient _anonymous = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = Cluster.Http(0, (await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin)).AccessToken);
        _anonymous = Cluster.Http(0);
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        _anonymous.Dispose();
        await base.DisposeAsync();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<string> Create(string title, bool published) =>
        (await Json(await _admin.PostAsJsonAsync("/api/pages", new { title, description = $"About {title}", htmlOutput = "<p>secret draft body</p>", published })))
        .GetProperty("slug").GetString()!;

    [Fact]
    public async Task Anyone_lists_the_published_pages_without_their_content_and_never_a_draft()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var older = await Create($"Older {tag}", published: true);
        var draft = await Create($"Draft {tag}", published: false);
        var newer = await Create($"Newer {tag}", published: true);

        var list = await Json(await _anonymous.GetAsync($"/api/public/pages?search={tag}"));
        Assert.Equal(2, list.GetProperty("total").GetInt64());
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([newer, older], items.Select(i => i.GetProperty("slug").GetString()));
        Assert.Equal($"Newer {tag}", items[0].GetProperty("title").GetString());
        Assert.Equal($"About Newer {tag}", items[0].GetProperty("description").GetString());
        Assert.True(items[0].TryGetProperty("updatedAt", out _));
        // Only where a page is and what it is called: its HTML is read at /p/{slug}.
        Assert.Equal(["slug", "title", "description", "updatedAt"], items[0].EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(items, i => i.GetProperty("slug").GetString() == draft);

        // Unpublished, it leaves the list at once.
        var id = (await Json(await _admin.GetAsync($"/api/pages?search=Older%20{tag}"))).GetProperty("items")[0].GetProperty("id").GetGuid();
        using var unpublish = new HttpRequestMessage(HttpMethod.Put, $"/api/pages/{id}") { Content = JsonContent.Create(new { published = false }) };
        await Json(await _admin.SendAsync(unpublish));
        var after = await Json(await _anonymous.GetAsync($"/api/public/pages?search={tag}&pageSize=1"));
        Assert.Equal(1, after.GetProperty("total").GetInt64());
        Assert.Equal(1, after.GetProperty("pageSize").GetInt32());
        Assert.Equal([newer], after.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("slug").GetString()));
    }

    [Fact]
    public async Task A_bad_query_is_a_400_naming_the_parameter()
    {
        await Problem.Expect(await _anonymous.GetAsync($"/api/public/pages?search={new string('x', 201)}"), HttpStatusCode.BadRequest, "search");
        await Problem.Expect(await _anonymous.GetAsync("/api/public/pages?pageSize=0"), HttpStatusCode.BadRequest, "pageSize");
        await Problem.Expect(await _anonymous.GetAsync("/api/public/pages?page=abc"), HttpStatusCode.BadRequest, "page");
    }
}
