using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Media;

namespace ChangemakerLite.WebFrontend.Tests.Media;

/// <summary>The library through real HTTP: streamed uploads judged by ffprobe, duplicates, byte ranges, edits, lock, soft delete.</summary>
public sealed class MediaLibraryTests : ClusterTest
{
    // The media library's folder is the cluster's, shared by the class's tests; each test's files have names of their own.
    private string MediaRoot => ((TestFolder)Companion!).Path;

    protected override Task<IAsyncDisposable?> StartCompanionAsync() => Task.FromResult<IAsyncDisposable?>(new TestFolder("cml-media"));
    private readonly string _work = Path.Combine(Path.GetTempPath(), "cml-media-src-" + Guid.NewGuid().ToString("N"));
    private HttpClient _admin = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["MEDIA_ROOT"] = MediaRoot,
        ["MEDIA_MAX_UPLOAD_BYTES"] = "8000000",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = Cluster.Http(0, (await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin)).AccessToken);
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
        if (Directory.Exists(_work)) Directory.Delete(_work, true);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private async Task<JsonElement> Upload(string path, string? fileName = null, Dictionary<string, string>? fields = null)
    {
        using var form = TestMedia.Form(path, fileName, fields);
        using var response = await _admin.PostAsync("/api/media/upload", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private int Incoming() => Directory.Exists(Path.Combine(MediaRoot, ".incoming")) ? Directory.GetFiles(Path.Combine(MediaRoot, ".incoming")).Length : 0;

    [Fact]
    public async Task An_upload_is_stored_under_a_new_uuid_name_with_ffprobe_metadata_and_its_hash()
    {
        var source = await TestMedia.MakeAsync(_work, "holiday clip.mp4", 160, 120, seconds: 1);
        var video = await Upload(source, fields: new() { ["tags"] = "rally, summer", ["category"] = "News" });
        var id = video.GetProperty("id").GetGuid();

        Assert.Equal($"inbox/{id}.mp4", video.GetProperty("path").GetString());
        Assert.Equal("holiday clip.mp4", video.GetProperty("originalFilename").GetString());
        Assert.Equal("holiday clip", video.GetProperty("title").GetString());
        Assert.Equal("inbox", video.GetProperty("directoryType").GetString());
        Assert.Equal(160, video.GetProperty("width").GetInt32());
        Assert.Equal(120, video.GetProperty("height").GetInt32());
        Assert.Equal("landscape", video.GetProperty("orientation").GetString());
        Assert.Equal("SD", video.GetProperty("quality").GetString());
        Assert.True(video.GetProperty("hasAudio").GetBoolean());
        Assert.Equal("h264", video.GetProperty("codec").GetString());
        Assert.InRange(video.GetProperty("durationSeconds").GetDouble(), 0.9, 1.2);
        Assert.True(video.GetProperty("bitRate").GetInt64() > 0);
        Assert.Equal(new FileInfo(source).Length, video.GetProperty("fileSize").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(source))), video.GetProperty("sha256").GetString());
        Assert.Equal(new[] { "rally", "summer" }, video.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(Path.Combine(MediaRoot, "inbox", $"{id}.mp4")));
        Assert.Equal(0, Incoming());

        var fetched = await Json(await _admin.GetAsync($"/api/media/videos/{id}"));
        Assert.Equal(id, fetched.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_multi_megabyte_upload_is_hashed_and_stored_byte_for_byte()
    {
        // Several 1 MiB blocks and a short last one: the blocks are hashed and written while the next ones are read.
        var source = await TestMedia.MakeAsync(_work, "long.mp4", seconds: 1);
        await TestMedia.PadAsync(source, 5 * 1024 * 1024 + 12_345);
        var video = await Upload(source);
        var id = video.GetProperty("id").GetGuid();
        var sent = await File.ReadAllBytesAsync(source);
        Assert.Equal(sent.LongLength, video.GetProperty("fileSize").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(sent)), video.GetProperty("sha256").GetString());
        Assert.Equal(sent, await File.ReadAllBytesAsync(Path.Combine(MediaRoot, "inbox", $"{id}.mp4")));
        Assert.InRange(video.GetProperty("durationSeconds").GetDouble(), 0.9, 1.2);
        Assert.Equal(0, Incoming());
    }

    [Fact]
    public async Task A_portrait_matroska_file_without_sound_is_judged_by_its_content_not_its_name()
    {
        var source = await TestMedia.MakeAsync(_work, "tall.mkv", 90, 160, audio: false, container: "mkv");
        var video = await Upload(source, fileName: "misnamed.avi");
        Assert.Equal("portrait", video.GetProperty("orientation").GetString());
        Assert.False(video.GetProperty("hasAudio").GetBoolean());
        Assert.Equal("matroska,webm", video.GetProperty("container").GetString());
        Assert.EndsWith(".mkv", video.GetProperty("path").GetString());
    }

    [Fact]
    public async Task The_same_bytes_twice_are_refused_naming_the_existing_video()
    {
        var source = await TestMedia.MakeAsync(_work, "twice.mp4");
        var first = (await Upload(source)).GetProperty("id").GetGuid();
        using var form = TestMedia.Form(source, "another name.mp4");
        var problem = await Problem.Expect(await _admin.PostAsync("/api/media/upload", form), HttpStatusCode.Conflict);
        Assert.Equal(first.ToString(), problem.GetProperty("existingVideoId").GetString());
        Assert.Equal("DUPLICATE", problem.GetProperty("reason").GetString());
        Assert.Equal(1, await Db.ScalarAsync<long>("SELECT count(*) FROM videos WHERE sha256 = (SELECT sha256 FROM videos WHERE id = @id)", ("id", first)));
        Assert.Equal(0, Incoming());
    }

    [Fact]
    public async Task Files_that_are_not_videos_or_are_cut_short_are_refused_and_nothing_is_kept()
    {
        Directory.CreateDirectory(_work);
        var text = Path.Combine(_work, "notes.mp4");
        await File.WriteAllTextAsync(text, "this is not a video at all, only text with a video's name");
        var png = await TestMedia.MakePngAsync(_work, "picture.mp4");
        var whole = await TestMedia.MakeAsync(_work, "whole.mp4", seconds: 2);
        var truncated = Path.Combine(_work, "truncated.mp4");
        var bytes = await File.ReadAllBytesAsync(whole);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);

        foreach (var path in new[] { text, png, truncated })
        {
            using var form = TestMedia.Form(path);
            var problem = await Problem.Expect(await _admin.PostAsync("/api/media/upload", form), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("file", out _), problem.ToString());
        }
        Assert.Equal(0, await Db.ScalarAsync<long>("SELECT count(*) FROM videos WHERE original_filename IN ('notes.mp4', 'picture.mp4', 'truncated.mp4')"));
        Assert.Equal(0, Incoming());
        Assert.Empty(Directory.Exists(Path.Combine(MediaRoot, "inbox"))
            ? Directory.GetFiles(Path.Combine(MediaRoot, "inbox")).Where(f => new FileInfo(f).Length == bytes.Length / 2) : []);
    }

    [Fact]
    public async Task Uploads_above_the_limit_without_a_file_or_not_multipart_are_4xx_problems()
    {
        Directory.CreateDirectory(_work);
        var big = Path.Combine(_work, "big.mp4");
        // Past the limit in the ninth 1 MiB block: the blocks still being hashed and written are let go, and the staged file with them.
        await File.WriteAllBytesAsync(big, new byte[9_000_000]);
        using (var form = TestMedia.Form(big))
            await Problem.Expect(await _admin.PostAsync("/api/media/upload", form), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, Incoming());

        using (var fieldsOnly = new MultipartFormDataContent { { new StringContent("x"), "title" } })
            await Problem.Expect(await _admin.PostAsync("/api/media/upload", fieldsOnly), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PostAsync("/api/media/upload", new StringContent("{}", Encoding.UTF8, "application/json")),
            HttpStatusCode.UnsupportedMediaType);
        var source = await TestMedia.MakeAsync(_work, "dir.mp4");
        using (var badDirectory = TestMedia.Form(source, fields: new Dictionary<string, string> { ["directoryType"] = "attic" }))
            await Problem.Expect(await _admin.PostAsync("/api/media/upload", badDirectory), HttpStatusCode.BadRequest);
        Assert.Equal(0, Incoming());
    }

    [Fact]
    public async Task Streaming_answers_byte_ranges_and_hides_unpublished_videos_from_the_public()
    {
        var source = await TestMedia.MakeAsync(_work, "stream.mp4");
        var bytes = await File.ReadAllBytesAsync(source);
        var id = (await Upload(source)).GetProperty("id").GetGuid();

        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/media/videos/{id}/stream");
        ranged.Headers.Range = new RangeHeaderValue(100, 199);
        using var partial = await _admin.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("video/mp4", partial.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(bytes.Length, partial.Content.Headers.ContentRange?.Length);

        using var tail = new HttpRequestMessage(HttpMethod.Get, $"/api/media/videos/{id}/stream");
        tail.Headers.Range = new RangeHeaderValue(null, 50);
        using var tailResponse = await _admin.SendAsync(tail);
        Assert.Equal(bytes[^50..], await tailResponse.Content.ReadAsByteArrayAsync());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, $"/api/media/videos/{id}/stream");
        beyond.Headers.Range = new RangeHeaderValue(bytes.Length + 10, null);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, (await _admin.SendAsync(beyond)).StatusCode);

        using var anonymous = Cluster.Http(0);
        await Problem.Expect(await anonymous.GetAsync($"/api/media/videos/{id}/stream"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/media/videos/{id}/publish", null)).StatusCode);
        var whole = await anonymous.GetAsync($"/api/media/videos/{id}/stream");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(bytes, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/media/videos/{id}/unpublish", null)).StatusCode);
        await Problem.Expect(await anonymous.GetAsync($"/api/media/videos/{id}/stream"), HttpStatusCode.NotFound);
        await Problem.Expect(await _admin.GetAsync($"/api/media/videos/{Guid.NewGuid()}/stream"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Edits_tags_search_lock_and_soft_delete()
    {
        var marker = "m" + Guid.NewGuid().ToString("N")[..10];
        var a = (await Upload(await TestMedia.MakeAsync(_work, $"{marker}-a.mp4"))).GetProperty("id").GetGuid();
        var b = (await Upload(await TestMedia.MakeAsync(_work, $"{marker}-b.mp4", 90, 160))).GetProperty("id").GetGuid();

        var patched = await Json(await _admin.PatchAsJsonAsync($"/api/media/videos/{a}",
            new { title = $"{marker} rally speech", tags = new[] { marker, "speech" }, directoryType = "curated", category = "News" }));
        Assert.Equal($"{marker} rally speech", patched.GetProperty("title").GetString());
        Assert.Equal("curated", patched.GetProperty("directoryType").GetString());
        Assert.Equal($"curated/{a}.mp4", patched.GetProperty("path").GetString());
        Assert.True(File.Exists(Path.Combine(MediaRoot, "curated", $"{a}.mp4")));

        async Task<Guid[]> Ids(string query) => (await Json(await _admin.GetAsync($"/api/media/videos?{query}")))
            .GetProperty("items").EnumerateArray().Select(v => v.GetProperty("id").GetGuid()).ToArray();
        Assert.Equal([a], await Ids($"tags={marker}"));
        Assert.Equal([a], await Ids($"search={marker}%20rally"));
        Assert.Equal([b], await Ids($"search={marker}&orientation=portrait"));
        Assert.Equal([a], await Ids($"search={marker}&directoryType=curated"));
        Assert.Equal(2, (await Ids($"search={marker}")).Length);

        await Problem.Expect(await _admin.GetAsync("/api/media/videos?directoryType=attic"), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.GetAsync("/api/media/videos?orientation=diagonal"), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PatchAsJsonAsync($"/api/media/videos/{a}", new { title = "" }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PatchAsync($"/api/media/videos/{a}", new StringContent("{\"tags\": 5}", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PatchAsJsonAsync($"/api/media/videos/{Guid.NewGuid()}", new { title = "x" }), HttpStatusCode.NotFound);

        Assert.True((await Json(await _admin.PostAsync($"/api/media/videos/{a}/lock", null))).GetProperty("isLocked").GetBoolean());
        var locked = await Problem.Expect(await _admin.PatchAsJsonAsync($"/api/media/videos/{a}", new { title = "changed" }), HttpStatusCode.Conflict);
        Assert.Equal("LOCKED", locked.GetProperty("reason").GetString());
        await Problem.Expect(await _admin.DeleteAsync($"/api/media/videos/{a}"), HttpStatusCode.Conflict);
        Assert.False((await Json(await _admin.PostAsync($"/api/media/videos/{a}/unlock", null))).GetProperty("isLocked").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/media/videos/{a}")).StatusCode);
        await Problem.Expect(await _admin.GetAsync($"/api/media/videos/{a}"), HttpStatusCode.NotFound);
        await Problem.Expect(await _admin.DeleteAsync($"/api/media/videos/{a}"), HttpStatusCode.NotFound);
        Assert.Equal([b], await Ids($"search={marker}"));
        Assert.Equal(2, (await Ids($"search={marker}&includeDeleted=true")).Length);
        // Soft: the row and the file stay.
        Assert.True(File.Exists(Path.Combine(MediaRoot, "curated", $"{a}.mp4")));
    }
}
