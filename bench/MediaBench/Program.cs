using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Media;

// Media benchmark, on a real silo and frontend in this process:
//  1. one large upload through POST /api/media/upload (a real MP4 whose trailing `free` box makes it --upload-mib large),
//     against dd writing as many bytes to the same disk: throughput of both, and the process's memory growth while the
//     upload streams (managed heap and resident set; the upload must stay under 64 MB whatever its size);
//  2. --jobs short ffmpeg jobs queued at once in one category with --slots slots: the most ever running at one moment
//     (from the scheduler, sampled, and from the recorded runs) and jobs per second.
//
//   dotnet run -c Release --project bench/MediaBench -- [--upload-mib 2048] [--jobs 200] [--slots 2] [--root DIR] [--database postgresql://…]

var arguments = args.ToList();
string? Option(string name) => arguments.SkipWhile(v => v != name).Skip(1).FirstOrDefault();
var uploadMiB = long.Parse(Option("--upload-mib") ?? "2048", CultureInfo.InvariantCulture);
var jobCount = int.Parse(Option("--jobs") ?? "200", CultureInfo.InvariantCulture);
var slots = int.Parse(Option("--slots") ?? "2", CultureInfo.InvariantCulture);
var root = Path.GetFullPath(Option("--root") ?? Path.Combine(Path.GetTempPath(), "cml-mediabench-" + Guid.NewGuid().ToString("N")[..8]));
var server = Option("--database") ?? Environment.GetEnvironmentVariable("TEST_DATABASE_URL") ?? Environment.GetEnvironmentVariable("DATABASE_URL")
    ?? throw new InvalidOperationException("Give --database, TEST_DATABASE_URL or DATABASE_URL (a PostgreSQL server the benchmark may create databases on).");
Environment.SetEnvironmentVariable("TEST_DATABASE_URL", server);

Console.WriteLine($"MediaBench: {Environment.ProcessorCount} cores, upload {uploadMiB} MiB to {root}, {jobCount} jobs on {slots} slots");
Directory.CreateDirectory(root);
try
{
    await using var db = await TestDatabase.CreateAsync();
    await using var cluster = await LocalCluster.StartAsync(db, 1, 1, new Dictionary<string, string?>
    {
        ["MEDIA_ROOT"] = root,
        ["MEDIA_MAX_UPLOAD_BYTES"] = ((uploadMiB + 16) * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
        ["MEDIA_SLOTS_CPU"] = slots.ToString(CultureInfo.InvariantCulture),
    });
    var adminId = Guid.NewGuid();
    await db.ExecuteAsync("INSERT INTO users (id, email, password_hash, role) VALUES (@id, 'bench@example.org', 'x', 'SUPER_ADMIN')", ("id", adminId));
    using var http = cluster.Http(0, TestTokens.Mint(cluster.SigningKey, adminId, "bench@example.org", UserRole.SuperAdmin, lifetime: TimeSpan.FromHours(4)));
    http.Timeout = TimeSpan.FromHours(1);

    // ---- 1. Upload against dd ----
    var head = await File.ReadAllBytesAsync(await MakeFastStartMp4(root));
    var bytes = uploadMiB * 1024 * 1024;
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var baseHeap = GC.GetTotalMemory(true);
    var baseRss = process.WorkingSet64;
    long peakHeap = baseHeap, peakRss = baseRss;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            process.Refresh();
            peakRss = Math.Max(peakRss, process.WorkingSet64);
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
            try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
        }
    });
    var clock = Stopwatch.StartNew();
    using (var form = new MultipartFormDataContent())
    {
        var file = new StreamContent(new PaddedMp4Stream(head, bytes), 1024 * 1024);
        file.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(file, "file", "bench.mp4");
        using var response = await http.PostAsync("/api/media/upload", form);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload answered {(int)response.StatusCode}: {body}");
    }
    var uploadSeconds = clock.Elapsed.TotalSeconds;
    await sampling.CancelAsync();
    await sampler;
    foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).Length >= bytes)) File.Delete(f);

    var ddFile = Path.Combine(root, "dd.bin");
    clock.Restart();
    await TestMedia.RunAsync("dd", ["if=/dev/zero", $"of={ddFile}", "bs=1M", $"count={uploadMiB}", "status=none"]);
    var ddSeconds = clock.Elapsed.TotalSeconds;
    File.Delete(ddFile);
    Console.WriteLine($"upload  {uploadMiB} MiB in {uploadSeconds:0.00} s = {uploadMiB / uploadSeconds:0} MiB/s (HTTP multipart, SHA-256 while streaming, ffprobe, rename)");
    Console.WriteLine($"dd      {uploadMiB} MiB in {ddSeconds:0.00} s = {uploadMiB / ddSeconds:0} MiB/s (bs=1M from /dev/zero, same disk, no fsync either)");
    Console.WriteLine($"memory growth during the upload: managed heap +{(peakHeap - baseHeap) / 1048576.0:0.0} MB, resident set +{(peakRss - baseRss) / 1048576.0:0.0} MB (limit 64 MB)");

    // ---- 2. Jobs against slots ----
    var grains = cluster.ClientOf(0);
    var scheduler = grains.GetGrain<IMediaSchedulerGrain>((long)ResourceCategory.Cpu);
    var maxSeen = 0;
    var watching = new CancellationTokenSource();
    var watcher = Task.Run(async () =>
    {
        while (!watching.IsCancellationRequested)
        {
            maxSeen = Math.Max(maxSeen, (await scheduler.Snapshot()).Running.Count);
            try { await Task.Delay(5, watching.Token); } catch (OperationCanceledException) { }
        }
    });
    clock.Restart();
    var payload = JsonSerializer.Serialize(new { seconds = 0.04, realtime = false });
    var ids = (await Task.WhenAll(Enumerable.Range(0, jobCount).Select(_ =>
        grains.GetGrain<IMediaJobGrain>(Ids.New()).Create(new MediaJobSpec(MediaJobTypes.SelfTest, ResourceCategory.Cpu, 0, payload, null)))))
        .Select(j => j.Id).ToArray();
    var queuedIn = clock.Elapsed.TotalSeconds;
    while (await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE id = ANY(@ids) AND status IN ('completed', 'failed')", ("ids", ids)) < jobCount)
        await Task.Delay(20);
    var jobSeconds = clock.Elapsed.TotalSeconds;
    await watching.CancelAsync();
    await watcher;
    var failed = await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE id = ANY(@ids) AND status = 'failed'", ("ids", ids));
    var overlap = await db.ScalarAsync<long>("""
        SELECT coalesce(max(c), 0) FROM (
            SELECT (SELECT count(*) FROM media_job_runs r2 WHERE r2.job_id = ANY(@ids)
                    AND r2.started_at <= r1.started_at AND (r2.ended_at IS NULL OR r2.ended_at > r1.started_at)) AS c
            FROM media_job_runs r1 WHERE r1.job_id = ANY(@ids)) x
        """, ("ids", ids));
    Console.WriteLine($"jobs    {jobCount} queued in {queuedIn:0.00} s, all ended in {jobSeconds:0.00} s = {jobCount / jobSeconds:0.0} jobs/s ({failed} failed; each one ffmpeg process over 0.04 s of synthetic video)");
    Console.WriteLine($"slots   {slots}: most running at once {maxSeen} (scheduler, sampled) and {overlap} (recorded runs)");
}
finally
{
    Directory.Delete(root, true);
}

static async Task<string> MakeFastStartMp4(string folder)
{
    var path = Path.Combine(folder, "head.mp4");
    await TestMedia.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-metadata", $"title={Guid.NewGuid():N}", path]);
    return path;
}

/// <summary>
/// A real MP4 (moov first) followed by one <c>free</c> box of the remaining size: ffprobe reads the video and skips the
/// padding. Produced as it is read, from one 1 MiB block of random bytes, so the bench itself holds no large buffer.
/// </summary>
sealed class PaddedMp4Stream : Stream
{
    private readonly byte[] _head;
    private readonly long _length;
    private readonly byte[] _block = new byte[1024 * 1024];
    private long _position;

    public PaddedMp4Stream(byte[] mp4, long totalBytes)
    {
        Random.Shared.NextBytes(_block);
        _length = Math.Max(totalBytes, mp4.Length + 16);
        _head = new byte[mp4.Length + 16];
        mp4.CopyTo(_head, 0);
        BinaryPrimitives.WriteUInt32BigEndian(_head.AsSpan(mp4.Length), 1);
        "free"u8.CopyTo(_head.AsSpan(mp4.Length + 4));
        BinaryPrimitives.WriteUInt64BigEndian(_head.AsSpan(mp4.Length + 8), (ulong)(_length - mp4.Length));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _length) return 0;
        var n = (int)Math.Min(buffer.Length, _length - _position);
        if (_position < _head.Length)
        {
            n = (int)Math.Min(n, _head.Length - _position);
            _head.AsSpan((int)_position, n).CopyTo(buffer);
        }
        else
        {
            var at = (int)((_position - _head.Length) % _block.Length);
            n = Math.Min(n, _block.Length - at);
            _block.AsSpan(at, n).CopyTo(buffer);
        }
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
