using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Media;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Media;

/// <summary>Media jobs: slots under concurrency, priority, progress live on job:{id}, cancel, backoff and retry, compilations, scans, revalidation.</summary>
public sealed class MediaJobTests : ClusterTest
{
    // The media library's folder is the cluster's, shared by the class's tests; each test's files have names of their own.
    private string MediaRoot => ((TestFolder)Companion!).Path;

    protected override Task<IAsyncDisposable?> StartCompanionAsync() => Task.FromResult<IAsyncDisposable?>(new TestFolder("cml-media"));
    private readonly string _work = Path.Combine(Path.GetTempPath(), "cml-media-src-" + Guid.NewGuid().ToString("N"));
    private HttpClient _admin = null!;
    private string _token = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["MEDIA_ROOT"] = MediaRoot,
        ["MEDIA_SLOTS_CPU"] = "2",
        ["MEDIA_SLOTS_GPU_AI"] = "1",
        ["MEDIA_SLOTS_GPU_ENCODE"] = "1",
        ["MEDIA_RETRY_BASE_SECONDS"] = "1",
        ["MEDIA_MAX_ATTEMPTS"] = "3",
        ["MEDIA_JOB_CHECK_SECONDS"] = "2",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _token = (await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin)).AccessToken!;
        _admin = Cluster.Http(0, _token);
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
        if (Directory.Exists(_work)) Directory.Delete(_work, true);
    }

    private IGrainFactory Grains => Cluster.ClientOf(0);

    private Task<MediaJob> SelfTest(ResourceCategory category, double seconds, int priority = 0, bool realtime = true) =>
        Grains.GetGrain<IMediaJobGrain>(Ids.New()).Create(new MediaJobSpec(MediaJobTypes.SelfTest, category, priority,
            JsonSerializer.Serialize(new { seconds, realtime }), null));

    private Task<string?> Status(Guid job) => Db.ScalarAsync<string>("SELECT status::text FROM jobs WHERE id = @id", ("id", job));

    private async Task WaitFor(Guid job, string status, int seconds = 60) =>
        await Eventually.True(async () => await Status(job) == status, $"job {job} {status}", TimeSpan.FromSeconds(seconds));

    /// <summary>The most runs of these jobs that were ever under way at the same moment.</summary>
    private Task<long> MaxOverlap(IEnumerable<Guid> jobs) => Db.ScalarAsync<long>("""
        SELECT coalesce(max(c), 0) FROM (
            SELECT (SELECT count(*) FROM media_job_runs r2 WHERE r2.job_id = ANY(@ids)
                    AND r2.started_at <= r1.started_at AND (r2.ended_at IS NULL OR r2.ended_at > r1.started_at)) AS c
            FROM media_job_runs r1 WHERE r1.job_id = ANY(@ids)) x
        """, ("ids", jobs.ToArray()));

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<JsonElement> Upload(string path)
    {
        using var form = TestMedia.Form(path);
        return await Json(await _admin.PostAsync("/api/media/upload", form));
    }

    [Fact]
    public async Task Never_more_jobs_run_than_the_category_has_slots()
    {
        var jobs = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => SelfTest(ResourceCategory.Cpu, 0.6)));
        foreach (var job in jobs) await WaitFor(job.Id, "completed", 90);
        Assert.Equal(2L, await MaxOverlap(jobs.Select(j => j.Id)));
        Assert.Equal(10L, await Db.ScalarAsync<long>("SELECT count(*) FROM media_job_runs WHERE job_id = ANY(@ids) AND outcome = 'completed'",
            ("ids", jobs.Select(j => j.Id).ToArray())));
        var snapshot = await Grains.GetGrain<IMediaSchedulerGrain>((long)ResourceCategory.Cpu).Snapshot();
        Assert.Equal(2, snapshot.Slots);
        Assert.DoesNotContain(snapshot.Running, id => jobs.Any(j => j.Id == id));
    }

    /// <summary>
    /// A late "queued" notice about a job that is running (sent before its run started, or a failed attempt's, delivered
    /// after the next start) once freed the slot of the run in progress, so a one-slot category started a second job
    /// beside it until the next check. The test delivers such notices itself, at a known moment, and awaits their answer:
    /// they are refused as stale, and the next job waits until the running one has ended.
    /// </summary>
    [Fact]
    public async Task A_late_queued_notice_about_a_running_job_does_not_free_its_slot()
    {
        var scheduler = Grains.GetGrain<IMediaSchedulerGrain>((long)ResourceCategory.GpuAi);
        var running = await SelfTest(ResourceCategory.GpuAi, 60);
        await WaitFor(running.Id, "running");
        var startGeneration = await Db.ScalarAsync<int>("SELECT version FROM jobs WHERE id = @id", ("id", running.Id));
        Assert.Contains(running.Id, (await scheduler.Snapshot()).Running);

        // Its creation's "queued" (generation 0) and anything no newer than its start arrive now: none frees the slot.
        Assert.False(await scheduler.Queued(running.Id, 0, 0, null));
        Assert.False(await scheduler.Queued(running.Id, startGeneration, 0, null));
        Assert.False(await scheduler.Ended(running.Id, startGeneration));

        var next = await SelfTest(ResourceCategory.GpuAi, 0.1, realtime: false);
        await Eventually.True(async () =>
        {
            var snapshot = await scheduler.Snapshot();
            return snapshot.Waiting.Contains(next.Id) || snapshot.Running.Contains(next.Id) || await Status(next.Id) != "queued";
        }, "the scheduler heard of the second job");
        var seen = await scheduler.Snapshot();
        Assert.Equal([running.Id], seen.Running);
        Assert.Contains(next.Id, seen.Waiting);
        Assert.Equal("queued", await Status(next.Id));
        Assert.Equal("running", await Status(running.Id));

        // The running job's end (after its process was stopped) is newer than its start: the slot passes on.
        await Json(await _admin.PostAsync($"/api/media/jobs/{running.Id}/cancel", null));
        await WaitFor(next.Id, "completed");
        Assert.Equal(1L, await MaxOverlap([running.Id, next.Id]));
        Assert.Empty((await scheduler.Snapshot()).Running);
    }

    [Fact]
    public async Task A_freed_slot_goes_to_the_highest_priority_waiting_job()
    {
        var blocker = await SelfTest(ResourceCategory.GpuAi, 1.5);
        await WaitFor(blocker.Id, "running");
        var low = await SelfTest(ResourceCategory.GpuAi, 0.1, priority: 0);
        var high = await SelfTest(ResourceCategory.GpuAi, 0.1, priority: 10);
        var raised = await SelfTest(ResourceCategory.GpuAi, 0.1, priority: 0);
        Assert.Equal(20, (await Json(await _admin.PatchAsJsonAsync($"/api/media/jobs/{raised.Id}", new { priority = 20 }))).GetProperty("priority").GetInt32());
        foreach (var job in new[] { blocker, low, high, raised }) await WaitFor(job.Id, "completed");
        var order = await Db.DataSource.CreateCommand($"""
            SELECT job_id FROM media_job_runs WHERE job_id IN ('{low.Id}', '{high.Id}', '{raised.Id}') ORDER BY started_at
            """).ExecuteReaderAsync();
        var started = new List<Guid>();
        while (await order.ReadAsync()) started.Add(order.GetGuid(0));
        Assert.Equal([raised.Id, high.Id, low.Id], started);
        Assert.Equal(1L, await MaxOverlap([blocker.Id, low.Id, high.Id, raised.Id]));
    }

    [Fact]
    public async Task Progress_is_live_on_the_job_topic_and_cancel_stops_ffmpeg()
    {
        var job = await SelfTest(ResourceCategory.Cpu, 60);
        var events = new ConcurrentQueue<JsonElement>();
        await using var hub = Cluster.Hub(0, _token);
        hub.On<JsonElement>("jobProgress", e => events.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", $"job:{job.Id}");
        await Eventually.True(() => Task.FromResult(events.Any(e => e.GetProperty("status").GetString() == "running" && e.GetProperty("progress").GetInt32() > 0)),
            "a running progress event from ffmpeg's own progress output");
        var stored = await Json(await _admin.GetAsync($"/api/media/jobs/{job.Id}"));
        Assert.Equal("running", stored.GetProperty("status").GetString());
        Assert.True(stored.GetProperty("processed").GetInt64() > 0);

        var cancelled = await Json(await _admin.PostAsync($"/api/media/jobs/{job.Id}/cancel", null));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        // The 60-second ffmpeg run ends within seconds: the process was killed, and only then is the slot given back.
        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT outcome FROM media_job_runs WHERE job_id = @id", ("id", job.Id)) == "cancelled",
            "the run ended as cancelled", TimeSpan.FromSeconds(15));
        Assert.True(await Db.ScalarAsync<double>("SELECT extract(epoch FROM ended_at - started_at)::float8 FROM media_job_runs WHERE job_id = @id",
            ("id", job.Id)) < 30);
        await Eventually.True(async () => !(await Grains.GetGrain<IMediaSchedulerGrain>((long)ResourceCategory.Cpu).Snapshot()).Running.Contains(job.Id),
            "the slot is free");
        await Problem.Expect(await _admin.PostAsync($"/api/media/jobs/{job.Id}/cancel", null), HttpStatusCode.Conflict);
        await Eventually.True(() => Task.FromResult(events.Any(e => e.GetProperty("status").GetString() == "cancelled")), "a cancelled event");

        var again = await Json(await _admin.PostAsync($"/api/media/jobs/{job.Id}/retry", null));
        Assert.Equal("queued", again.GetProperty("status").GetString());
        await WaitFor(job.Id, "running");
        await Json(await _admin.PostAsync($"/api/media/jobs/{job.Id}/cancel", null));
        var log = (await Json(await _admin.GetAsync($"/api/media/jobs/{job.Id}"))).GetProperty("log").GetString()!;
        Assert.Contains("Cancelled.", log);
        Assert.Contains("Queued again by hand.", log);
    }

    [Fact]
    public async Task A_failing_job_backs_off_exponentially_fails_after_its_attempts_and_a_retry_compiles_the_videos()
    {
        var first = await Upload(await TestMedia.MakeAsync(_work, "first.mp4", 160, 120, seconds: 1));
        var second = await Upload(await TestMedia.MakeAsync(_work, "second.mkv", 90, 160, seconds: 1, audio: false, container: "mkv"));
        var secondFile = Path.Combine(MediaRoot, second.GetProperty("path").GetString()!);
        var aside = secondFile + ".aside";
        File.Move(secondFile, aside);

        var started = await Json(await _admin.PostAsJsonAsync("/api/media/compilations",
            new { title = "Rally highlights", videoIds = new[] { first.GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid() } }));
        var compilationId = started.GetProperty("compilation").GetProperty("id").GetGuid();
        var jobId = started.GetProperty("job").GetProperty("id").GetGuid();
        Assert.Equal("gpu_encode", started.GetProperty("job").GetProperty("resourceCategory").GetString());

        await WaitFor(jobId, "failed", 60);
        var starts = new List<DateTime>();
        await using (var reader = await Db.DataSource.CreateCommand($"SELECT started_at FROM media_job_runs WHERE job_id = '{jobId}' ORDER BY attempt").ExecuteReaderAsync())
            while (await reader.ReadAsync()) starts.Add(reader.GetDateTime(0));
        Assert.Equal(3, starts.Count);
        Assert.True(starts[1] - starts[0] >= TimeSpan.FromSeconds(1), $"first backoff {starts[1] - starts[0]}");
        Assert.True(starts[2] - starts[1] >= TimeSpan.FromSeconds(2), $"second backoff {starts[2] - starts[1]}");
        var failed = await Json(await _admin.GetAsync($"/api/media/jobs/{jobId}"));
        Assert.Equal(3, failed.GetProperty("attempts").GetInt32());
        Assert.Contains("is missing", failed.GetProperty("error").GetString());
        Assert.Contains("Attempt 1 failed", failed.GetProperty("log").GetString());
        Assert.Equal("failed", (await Json(await _admin.GetAsync($"/api/media/compilations/{compilationId}"))).GetProperty("status").GetString());

        File.Move(aside, secondFile);
        await Json(await _admin.PostAsync($"/api/media/jobs/{jobId}/retry", null));
        await WaitFor(jobId, "completed", 120);
        var compilation = await Json(await _admin.GetAsync($"/api/media/compilations/{compilationId}"));
        Assert.Equal("completed", compilation.GetProperty("status").GetString());
        var video = await Json(await _admin.GetAsync($"/api/media/videos/{compilation.GetProperty("videoId").GetGuid()}"));
        Assert.Equal("compilations", video.GetProperty("directoryType").GetString());
        Assert.Equal("Rally highlights", video.GetProperty("title").GetString());
        Assert.Equal(160, video.GetProperty("width").GetInt32());
        Assert.Equal(120, video.GetProperty("height").GetInt32());
        Assert.True(video.GetProperty("hasAudio").GetBoolean());
        Assert.Equal("h264", video.GetProperty("codec").GetString());
        Assert.InRange(video.GetProperty("durationSeconds").GetDouble(), 1.8, 2.3);
        Assert.True(File.Exists(Path.Combine(MediaRoot, video.GetProperty("path").GetString()!)));
        Assert.Equal(100, (await Json(await _admin.GetAsync($"/api/media/jobs/{jobId}"))).GetProperty("progress").GetInt32());
    }

    [Fact]
    public async Task A_folder_scan_imports_new_files_and_revalidation_finds_a_damaged_one()
    {
        var folder = Path.Combine(MediaRoot, "videos", "import-" + Guid.NewGuid().ToString("N")[..8]);
        var good = await TestMedia.MakeAsync(folder, "speech.mp4", seconds: 2);
        await File.WriteAllTextAsync(Path.Combine(folder, "readme.mp4"), "not a video");
        var scan = await Json(await _admin.PostAsJsonAsync("/api/media/scans", new { directoryType = "videos" }));
        var scanId = scan.GetProperty("id").GetGuid();
        await WaitFor(scanId, "completed");
        var result = JsonDocument.Parse((await Json(await _admin.GetAsync($"/api/media/jobs/{scanId}"))).GetProperty("resultJson").GetString()!).RootElement;
        Assert.Equal(1, result.GetProperty("imported").GetInt32());
        Assert.Equal(1, result.GetProperty("refused").GetInt32());
        var relative = Path.GetRelativePath(MediaRoot, good);
        var videoId = await Db.ScalarAsync<Guid>("SELECT id FROM videos WHERE path = @path", ("path", relative));
        Assert.NotEqual(Guid.Empty, videoId);

        var bytes = await File.ReadAllBytesAsync(good);
        await File.WriteAllBytesAsync(good, bytes[..(bytes.Length * 2 / 3)]);
        var check = await Json(await _admin.PostAsJsonAsync("/api/media/revalidations", new { videoIds = new[] { videoId } }));
        await WaitFor(check.GetProperty("id").GetGuid(), "completed");
        var video = await Json(await _admin.GetAsync($"/api/media/videos/{videoId}"));
        Assert.False(video.GetProperty("isValid").GetBoolean());
        Assert.False(string.IsNullOrEmpty(video.GetProperty("validationError").GetString()));
        await Problem.Expect(await _admin.PostAsync($"/api/media/videos/{videoId}/publish", null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Job_and_compilation_routes_answer_4xx_problems_for_bad_requests()
    {
        var job = await SelfTest(ResourceCategory.Cpu, 0.1, realtime: false);
        await WaitFor(job.Id, "completed");
        var listed = await Json(await _admin.GetAsync("/api/media/jobs?status=completed&category=cpu&pageSize=500"));
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), j => j.GetProperty("id").GetGuid() == job.Id);

        await Problem.Expect(await _admin.GetAsync("/api/media/jobs?status=sleeping"), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.GetAsync("/api/media/jobs?category=quantum"), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.GetAsync($"/api/media/jobs/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await Problem.Expect(await _admin.PostAsync($"/api/media/jobs/{job.Id}/cancel", null), HttpStatusCode.Conflict);
        await Problem.Expect(await _admin.PostAsync($"/api/media/jobs/{job.Id}/retry", null), HttpStatusCode.Conflict);
        await Problem.Expect(await _admin.PatchAsJsonAsync($"/api/media/jobs/{job.Id}", new { priority = 5 }), HttpStatusCode.Conflict);
        await Problem.Expect(await _admin.PatchAsJsonAsync($"/api/media/jobs/{job.Id}", new { }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PatchAsJsonAsync($"/api/media/jobs/{job.Id}", new { priority = 100000 }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PostAsync($"/api/media/jobs/{Guid.NewGuid()}/cancel", null), HttpStatusCode.NotFound);

        await Problem.Expect(await _admin.PostAsJsonAsync("/api/media/compilations", new { title = "x", videoIds = new[] { Guid.NewGuid() } }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PostAsJsonAsync("/api/media/compilations", new { title = "x", videoIds = new[] { Guid.NewGuid(), Guid.NewGuid() } }),
            HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PostAsJsonAsync("/api/media/compilations", new { videoIds = new[] { Guid.NewGuid(), Guid.NewGuid() } }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PostAsync("/api/media/compilations", new StringContent("{", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.GetAsync($"/api/media/compilations/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await Problem.Expect(await _admin.PostAsJsonAsync("/api/media/scans", new { }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PostAsJsonAsync("/api/media/scans", new { directoryType = "attic" }), HttpStatusCode.BadRequest);
        await Problem.Expect(await _admin.PostAsJsonAsync("/api/media/revalidations", new { videoIds = "all" }), HttpStatusCode.BadRequest);
    }
}
