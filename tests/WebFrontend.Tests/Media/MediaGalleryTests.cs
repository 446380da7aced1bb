using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Media;

namespace ChangemakerLite.WebFrontend.Tests.Media;

/// <summary>The public gallery: published videos by category and popularity, views, one reaction per IP, moderated comments.</summary>
public sealed class MediaGalleryTests : ClusterTest
{
    // The media library's folder is the cluster's, shared by the class's tests; each test's files have names of their own.
    private string MediaRoot => ((TestFolder)Companion!).Path;

    protected override Task<IAsyncDisposable?> StartCompanionAsync() => Task.FromResult<IAsyncDisposable?>(new TestFolder("cml-media"));
    private readonly string _work = Path.Combine(Path.GetTempPath(), "cml-media-src-" + Guid.NewGuid().ToString("N"));
    private HttpClient _admin = null!;
    private HttpClient _public = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["MEDIA_ROOT"] = MediaRoot,
        ["MEDIA_PUBLIC_RATE_LIMIT_PER_IP"] = "100000",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = Cluster.Http(0, (await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin)).AccessToken);
        _public = Cluster.Http(0);
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        _public.Dispose();
        await base.DisposeAsync();
        if (Directory.Exists(_work)) Directory.Delete(_work, true);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<Guid> Published(string category, bool publish = true)
    {
        using var form = TestMedia.Form(await TestMedia.MakeAsync(_work, Guid.NewGuid().ToString("N") + ".mp4"),
            fields: new Dictionary<string, string> { ["category"] = category });
        var id = (await Json(await _admin.PostAsync("/api/media/upload", form))).GetProperty("id").GetGuid();
        if (publish) await Json(await _admin.PostAsync($"/api/media/videos/{id}/publish", null));
        return id;
    }

    private async Task<Guid[]> Gallery(string query) => (await Json(await _public.GetAsync($"/api/public/media?{query}")))
        .GetProperty("items").EnumerateArray().Select(v => v.GetProperty("id").GetGuid()).ToArray();

    [Fact]
    public async Task Published_videos_are_listed_by_category_recent_first_or_by_popularity()
    {
        var category = "Cat-" + Guid.NewGuid().ToString("N")[..8];
        var older = await Published(category);
        var newer = await Published(category);
        var hidden = await Published(category, publish: false);
        Assert.Equal([newer, older], await Gallery($"category={category}"));

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.NoContent, (await _public.PostAsync($"/api/public/media/{older}/view", null)).StatusCode);
        Assert.Equal([older, newer], await Gallery($"category={category}&sort=popular"));
        var detail = await Json(await _public.GetAsync($"/api/public/media/{older}"));
        Assert.Equal(3, detail.GetProperty("video").GetProperty("viewCount").GetInt32());
        Assert.Equal($"/api/media/videos/{older}/stream", detail.GetProperty("video").GetProperty("streamUrl").GetString());
        Assert.Equal([newer], detail.GetProperty("related").EnumerateArray().Select(v => v.GetProperty("id").GetGuid()).ToArray());

        await Problem.Expect(await _public.GetAsync($"/api/public/media/{hidden}"), HttpStatusCode.NotFound);
        await Problem.Expect(await _public.PostAsync($"/api/public/media/{hidden}/view", null), HttpStatusCode.NotFound);
        await Problem.Expect(await _public.GetAsync("/api/public/media?sort=loudest"), HttpStatusCode.BadRequest);
        await Problem.Expect(await _public.GetAsync("/api/public/media?pageSize=0"), HttpStatusCode.BadRequest);

        await Json(await _admin.PostAsync($"/api/media/videos/{newer}/unpublish", null));
        Assert.Equal([older], await Gallery($"category={category}"));
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT view_count FROM videos WHERE id = @id", ("id", hidden)));
    }

    [Fact]
    public async Task One_reaction_per_ip_per_video_a_later_one_replaces_it()
    {
        var video = await Published("Reactions-" + Guid.NewGuid().ToString("N")[..6]);
        var first = await Json(await _public.PostAsJsonAsync($"/api/public/media/{video}/reactions", new { reaction = "LIKE" }));
        Assert.Equal(1, first.GetProperty("reactions").GetProperty("LIKE").GetInt32());
        var second = await Json(await _public.PostAsJsonAsync($"/api/public/media/{video}/reactions", new { reaction = "WOW" }));
        Assert.Equal(1, second.GetProperty("reactions").GetProperty("WOW").GetInt32());
        Assert.False(second.GetProperty("reactions").TryGetProperty("LIKE", out _));
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM media_reactions WHERE video_id = @id", ("id", video)));
        var detail = await Json(await _public.GetAsync($"/api/public/media/{video}"));
        Assert.Equal(1, detail.GetProperty("video").GetProperty("reactions").GetProperty("WOW").GetInt32());

        await Problem.Expect(await _public.PostAsJsonAsync($"/api/public/media/{video}/reactions", new { reaction = "MEH" }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _public.PostAsJsonAsync($"/api/public/media/{video}/reactions", new { }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _public.PostAsJsonAsync($"/api/public/media/{Guid.NewGuid()}/reactions", new { reaction = "SAD" }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Comments_wait_for_moderation_before_the_public_sees_them()
    {
        var video = await Published("Comments-" + Guid.NewGuid().ToString("N")[..6]);
        var posted = await _public.PostAsJsonAsync($"/api/public/media/{video}/comments", new { name = "Ada", email = "ada@example.org", text = "Great speech" });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var comment = await Json(posted);
        Assert.Equal("PENDING", comment.GetProperty("status").GetString());
        var commentId = comment.GetProperty("id").GetGuid();
        Assert.Empty((await Json(await _public.GetAsync($"/api/public/media/{video}"))).GetProperty("comments").EnumerateArray());

        var pending = await Json(await _admin.GetAsync("/api/media/comments?status=PENDING&pageSize=500"));
        Assert.Contains(pending.GetProperty("items").EnumerateArray(), c => c.GetProperty("id").GetGuid() == commentId);
        Assert.Equal("APPROVED", (await Json(await _admin.PostAsync($"/api/media/comments/{commentId}/approve", null))).GetProperty("status").GetString());
        var shown = (await Json(await _public.GetAsync($"/api/public/media/{video}"))).GetProperty("comments").EnumerateArray().ToList();
        Assert.Equal("Great speech", Assert.Single(shown).GetProperty("text").GetString());
        Assert.False(shown[0].TryGetProperty("email", out _));
        Assert.Equal("REJECTED", (await Json(await _admin.PostAsync($"/api/media/comments/{commentId}/reject", null))).GetProperty("status").GetString());
        Assert.Empty((await Json(await _public.GetAsync($"/api/public/media/{video}"))).GetProperty("comments").EnumerateArray());

        await Problem.Expect(await _public.PostAsJsonAsync($"/api/public/media/{video}/comments", new { name = "", text = "x" }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _public.PostAsJsonAsync($"/api/public/media/{video}/comments", new { name = "A", email = "nope", text = "x" }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _public.PostAsJsonAsync($"/api/public/media/{Guid.NewGuid()}/comments", new { name = "A", text = "x" }), HttpStatusCode.NotFound);
        await Problem.Expect(await _admin.PostAsync($"/api/media/comments/{Guid.NewGuid()}/approve", null), HttpStatusCode.NotFound);
        await Problem.Expect(await _admin.GetAsync("/api/media/comments?status=SPAM"), HttpStatusCode.BadRequest);
    }
}

/// <summary>The gallery's writes are rate limited per IP (RateLimitGrain): past the budget, 429 with Retry-After.</summary>
public sealed class MediaGalleryRateLimitTests : ClusterTest
{
    // The media library's folder is the cluster's, shared by the class's tests; each test's files have names of their own.
    private string MediaRoot => ((TestFolder)Companion!).Path;

    protected override Task<IAsyncDisposable?> StartCompanionAsync() => Task.FromResult<IAsyncDisposable?>(new TestFolder("cml-media"));

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["MEDIA_ROOT"] = MediaRoot,
        ["MEDIA_PUBLIC_RATE_LIMIT_PER_IP"] = "3",
    };

    [Fact]
    public async Task Views_past_the_budget_are_429()
    {
        using var admin = Cluster.Http(0, (await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin)).AccessToken);
        using var form = TestMedia.Form(await TestMedia.MakeAsync(Path.Combine(MediaRoot, "src"), "limited.mp4"));
        var created = await admin.PostAsync("/api/media/upload", form);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        await admin.PostAsync($"/api/media/videos/{id}/publish", null);

        using var visitor = Cluster.Http(0);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.NoContent, (await visitor.PostAsync($"/api/public/media/{id}/view", null)).StatusCode);
        var limited = await visitor.PostAsync($"/api/public/media/{id}/view", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT view_count FROM videos WHERE id = @id", ("id", id)));
    }
}
