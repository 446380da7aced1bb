using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.MediaBench;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Media;
using ChangemakerLite.WebFrontend.Media;
using ChangemakerLite.WebFrontend.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

// Media benchmark. Every figure is wall time and the CPU time of this whole process (client, server and silo are all in
// it) per MiB or per job, so a busy machine shows as lower throughput but about the same CPU per MiB.
//  1. profile: the pieces of the upload path on their own, in memory (SHA-256, multipart parsing with the reader's
//     4 KiB default buffer and with 1 MiB, writing 1 MiB blocks to MEDIA_ROOT's disk) and dd to the same disk;
//  2. a/b: the upload receive path over real HTTP to Kestrel on loopback, interleaved round by round:
//     drain  = the body read and thrown away (what HTTP itself costs: client, loopback, Kestrel),
//     before = the previous path (4 KiB multipart reads; read, hash, write one after the other),
//     after  = the path the frontend runs now (MediaUploads.StageAsync: 1 MiB reads; hash and write overlapped with reading);
//  3. upload: one --upload-mib upload through the real POST /api/media/upload (SHA-256 while streaming, ffprobe, rename)
//     with dd of the same size to the same disk right after; peak resident set (VmHWM) and heap growth while it streams
//     (the upload must stay under 64 MB whatever its size); the hash the server stored against the bytes sent and the
//     bytes on disk; the stored file is deleted afterwards;
//  4. jobs: --jobs short ffmpeg jobs queued at once in one category with --slots slots: the most ever running at one
//     moment (scheduler, sampled, and the recorded runs) and jobs per second.
//
//   dotnet run -c Release --project bench/MediaBench -- [--parts profile,ab,upload,jobs] [--ab-mib 512] [--rounds 3]
//       [--upload-mib 2048] [--jobs 200] [--slots 2] [--root DIR] [--database postgresql://…]

var arguments = args.ToList();
string? Option(string name) => arguments.SkipWhile(v => v != name).Skip(1).FirstOrDefault();
var parts = (Option("--parts") ?? "profile,ab,upload,jobs").Split(',', StringSplitOptions.TrimEntries).ToHashSet();
var abMiB = int.Parse(Option("--ab-mib") ?? "512", CultureInfo.InvariantCulture);
var rounds = int.Parse(Option("--rounds") ?? "3", CultureInfo.InvariantCulture);
var uploadMiB = long.Parse(Option("--upload-mib") ?? "2048", CultureInfo.InvariantCulture);
var jobCount = int.Parse(Option("--jobs") ?? "200", CultureInfo.InvariantCulture);
var slots = int.Parse(Option("--slots") ?? "2", CultureInfo.InvariantCulture);
var root = Path.GetFullPath(Option("--root") ?? Path.Combine(Path.GetTempPath(), "cml-mediabench-" + Guid.NewGuid().ToString("N")[..8]));

Console.WriteLine($"MediaBench: {Environment.ProcessorCount} cores, root {root}, parts {string.Join(',', parts)}");
Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
Directory.CreateDirectory(root);
Console.WriteLine($"free on {root}: {new DriveInfo(root).AvailableFreeSpace / 1073741824.0:0.0} GiB");
var head = await File.ReadAllBytesAsync(await Cost.MakeFastStartMp4(root));
try
{
    if (parts.Contains("profile")) await Profile(abMiB);
    if (parts.Contains("ab")) await ReceivePathAB(abMiB, rounds);
    if (parts.Contains("upload") || parts.Contains("jobs")) await OnCluster();
}
finally
{
    Directory.Delete(root, true);
    Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
}

async Task Profile(int mib)
{
    Console.WriteLine($"-- profile: the pieces of the upload path, {mib} MiB each");
    var block = new byte[MediaUploads.BlockBytes];
    Random.Shared.NextBytes(block);
    var sample = Cost.Start();
    using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        for (var i = 0; i < mib; i++) hash.AppendData(block);
    sample.Print("sha256", mib, "IncrementalHash over 1 MiB blocks");

    var file = Path.Combine(root, "write.bin");
    sample = Cost.Start();
    await using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
        for (var i = 0; i < mib; i++) await stream.WriteAsync(block);
    sample.Print("write", mib, "FileStream, 1 MiB blocks, page cache, no fsync");
    File.Delete(file);

    await Cost.Dd(file, mib);

    foreach (var bufferBytes in new[] { MultipartUpload.DefaultReadBufferBytes, MediaUploads.BlockBytes })
    {
        var body = new MultipartBodyStream(new PaddedMp4Stream(head, (long)mib * 1024 * 1024));
        var reader = new MultipartReader(MultipartBodyStream.Boundary, body, bufferBytes);
        sample = Cost.Start();
        long parsed = 0;
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            int read;
            while ((read = await MultipartUpload.Fill(section.Body, block, CancellationToken.None)) > 0) parsed += read;
        }
        sample.Print(bufferBytes < 1048576 ? $"parse {bufferBytes / 1024} KiB" : $"parse {bufferBytes / 1048576} MiB", mib, $"MultipartReader with a {bufferBytes / 1024} KiB buffer, from memory ({parsed / 1048576} MiB of file part)");
    }
}

async Task ReceivePathAB(int mib, int count)
{
    Console.WriteLine($"-- a/b: the receive path over HTTP on loopback, {mib} MiB per upload, {count} rounds interleaved");
    var incoming = new MediaFrontendOptions(root, (mib + 16L) * 1024 * 1024, 30);
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
    await using var app = builder.Build();
    app.MapPost("/drain", async (HttpContext http) =>
    {
        MultipartUpload.Open(http, incoming.MaxUploadBytes + 1024 * 1024);
        var pipe = http.Request.BodyReader;
        while (true)
        {
            var result = await pipe.ReadAsync();
            pipe.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        return Results.Ok("");
    });
    app.MapPost("/before", async (HttpContext http) =>
    {
        var staged = await LegacyUpload.StageAsync(http, incoming);
        File.Delete(staged.Path);
        return Results.Ok(staged.Sha256);
    });
    app.MapPost("/after", async (HttpContext http) =>
    {
        var staged = await MediaUploads.StageAsync(http, incoming);
        File.Delete(staged.Path);
        return Results.Ok(staged.Sha256);
    });
    await app.StartAsync();
    var address = app.Urls.First();
    using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromHours(1) };
    var expected = Cost.Sha256Of(new PaddedMp4Stream(head, (long)mib * 1024 * 1024));
    var totals = new Dictionary<string, (double Seconds, double Cpu)>();
    // Round 0 warms up (the JIT compiles the three paths) and is not counted.
    for (var round = 0; round <= count; round++)
        foreach (var route in new[] { "drain", "before", "after" })
        {
            if (round == 0)
            {
                using var warm = Cost.Form(new PaddedMp4Stream(head, 32L * 1024 * 1024));
                (await http.PostAsync("/" + route, warm)).EnsureSuccessStatusCode();
                continue;
            }
            GC.Collect();
            var sample = Cost.Start();
            using var form = Cost.Form(new PaddedMp4Stream(head, (long)mib * 1024 * 1024));
            using var response = await http.PostAsync("/" + route, form);
            var body = (await response.Content.ReadAsStringAsync()).Trim('"');
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"/{route} answered {(int)response.StatusCode}: {body}");
            if (route != "drain" && body != expected) throw new InvalidOperationException($"/{route} hashed {body}, expected {expected}");
            var (seconds, cpu) = sample.Print($"{route} #{round}", mib, route == "drain" ? "body read and dropped" : "hash checked");
            totals[route] = totals.TryGetValue(route, out var t) ? (t.Seconds + seconds, t.Cpu + cpu) : (seconds, cpu);
        }
    Console.WriteLine("   a/b totals over the rounds:");
    foreach (var (route, (seconds, cpu)) in totals)
        Console.WriteLine($"   {route,-8} {count * mib / seconds,7:0} MiB/s  {cpu * 1000 / (count * mib),6:0.00} ms CPU per MiB" +
            (route == "drain" ? "" : $"  (receive path alone, less drain: {(cpu - totals["drain"].Cpu) * 1000 / (count * mib):0.00} ms CPU per MiB)"));
    await app.StopAsync();
}

async Task OnCluster()
{
    var server = Option("--database") ?? Environment.GetEnvironmentVariable("TEST_DATABASE_URL") ?? Environment.GetEnvironmentVariable("DATABASE_URL")
        ?? throw new InvalidOperationException("Give --database, TEST_DATABASE_URL or DATABASE_URL (a PostgreSQL server the benchmark may create databases on).");
    Environment.SetEnvironmentVariable("TEST_DATABASE_URL", server);
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

    if (parts.Contains("upload"))
    {
        Console.WriteLine($"-- upload: {uploadMiB} MiB through POST /api/media/upload, then dd of the same size");
        var bytes = uploadMiB * 1024 * 1024;
        var memory = Cost.Memory.Start();
        var sample = Cost.Start();
        JsonElement video;
        using (var form = Cost.Form(new PaddedMp4Stream(head, bytes)))
        {
            using var response = await http.PostAsync("/api/media/upload", form);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload answered {(int)response.StatusCode}: {body}");
            video = JsonDocument.Parse(body).RootElement.Clone();
        }
        sample.Print("upload", uploadMiB, "HTTP multipart, SHA-256 while streaming, ffprobe, rename");
        memory.Print();

        await Cost.Dd(Path.Combine(root, "dd.bin"), uploadMiB);

        var stored = Path.Combine(root, video.GetProperty("path").GetString()!);
        var sent = Cost.Sha256Of(new PaddedMp4Stream(head, bytes));
        var onDisk = Cost.Sha256Of(File.OpenRead(stored));
        var recorded = video.GetProperty("sha256").GetString();
        Console.WriteLine($"   sha256 sent {sent[..16]}…, stored by the server {recorded?[..16]}…, of the file on disk {onDisk[..16]}…: " +
            (sent == recorded && sent == onDisk ? "all equal" : "MISMATCH"));
        Console.WriteLine($"   stored {video.GetProperty("fileSize").GetInt64()} bytes ({bytes} sent), container {video.GetProperty("container").GetString()}, " +
            $"{video.GetProperty("width").GetInt32()}x{video.GetProperty("height").GetInt32()}, {video.GetProperty("durationSeconds").GetDouble()} s");
        File.Delete(stored);
    }

    if (parts.Contains("jobs"))
    {
        Console.WriteLine($"-- jobs: {jobCount} queued at once, {slots} cpu slots");
        var grains = cluster.ClientOf(0);
        var scheduler = grains.GetGrain<IMediaSchedulerGrain>((long)ResourceCategory.Cpu);
        var maxSeen = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                maxSeen = Math.Max(maxSeen, (await scheduler.Snapshot()).Running.Count);
                try { await Task.Delay(5, watching.Token); } catch (OperationCanceledException) { }
            }
        });
        var sample = Cost.Start();
        var payload = JsonSerializer.Serialize(new { seconds = 0.04, realtime = false });
        var ids = (await Task.WhenAll(Enumerable.Range(0, jobCount).Select(_ =>
            grains.GetGrain<IMediaJobGrain>(Ids.New()).Create(new MediaJobSpec(MediaJobTypes.SelfTest, ResourceCategory.Cpu, 0, payload, null)))))
            .Select(j => j.Id).ToArray();
        var queuedIn = sample.Elapsed;
        while (await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE id = ANY(@ids) AND status IN ('completed', 'failed')", ("ids", ids)) < jobCount)
            await Task.Delay(20);
        var jobSeconds = sample.Elapsed;
        var cpu = sample.Cpu;
        await watching.CancelAsync();
        await watcher;
        var failed = await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE id = ANY(@ids) AND status = 'failed'", ("ids", ids));
        var overlap = await db.ScalarAsync<long>("""
            SELECT coalesce(max(c), 0) FROM (
                SELECT (SELECT count(*) FROM media_job_runs r2 WHERE r2.job_id = ANY(@ids)
                        AND r2.started_at <= r1.started_at AND (r2.ended_at IS NULL OR r2.ended_at > r1.started_at)) AS c
                FROM media_job_runs r1 WHERE r1.job_id = ANY(@ids)) x
            """, ("ids", ids));
        Console.WriteLine($"   jobs    {jobCount} queued in {queuedIn:0.00} s, all ended in {jobSeconds:0.00} s = {jobCount / jobSeconds:0.0} jobs/s, " +
            $"{cpu * 1000 / jobCount:0.0} ms CPU per job in this process ({failed} failed; each one ffmpeg process over 0.04 s of synthetic video, whose CPU is not counted)");
        Console.WriteLine($"   slots   {slots}: most running at once {maxSeen} (scheduler, sampled) and {overlap} (recorded runs)");
    }
}

namespace ChangemakerLite.MediaBench
{
    /// <summary>Wall time and this process's CPU time over one measured step.</summary>
    sealed class Cost
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;

        public static Cost Start() => new();
        public double Elapsed => _clock.Elapsed.TotalSeconds;
        public double Cpu => (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds;

        public (double Seconds, double Cpu) Print(string what, long mib, string note)
        {
            var (seconds, cpu) = (Elapsed, Cpu);
            Console.WriteLine($"   {what,-12} {mib,6} MiB in {seconds,7:0.00} s = {mib / seconds,7:0} MiB/s  {cpu * 1000 / mib,6:0.00} ms CPU per MiB  ({note})");
            return (seconds, cpu);
        }

        /// <summary>dd writing <paramref name="mib"/> MiB to <paramref name="file"/>, its own CPU time from the shell's <c>times</c>.</summary>
        public static async Task Dd(string file, long mib)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"dd if=/dev/zero of='{file}' bs=1M count={mib} status=none && times");
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            File.Delete(file);
            if (process.ExitCode != 0) throw new InvalidOperationException("dd failed: " + await process.StandardError.ReadToEndAsync());
            // `times`: the shell's user and system time, then its children's (dd's).
            var children = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Split(' ').Select(ShellSeconds).Sum();
            Console.WriteLine($"   {"dd",-12} {mib,6} MiB in {seconds,7:0.00} s = {mib / seconds,7:0} MiB/s  {children * 1000 / mib,6:0.00} ms CPU per MiB  " +
                "(bs=1M from /dev/zero, same disk, page cache, no fsync; dd's own CPU)");
        }

        private static double ShellSeconds(string value)
        {
            // 0m1.234s
            var m = value.IndexOf('m');
            return double.Parse(value[..m], CultureInfo.InvariantCulture) * 60 + double.Parse(value[(m + 1)..].TrimEnd('s'), CultureInfo.InvariantCulture);
        }

        public static string Sha256Of(Stream stream)
        {
            using (stream) return Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        /// <summary>A multipart upload as a browser sends it: one file part, with its length known (Content-Length, no chunking).</summary>
        public static MultipartFormDataContent Form(Stream file)
        {
            var form = new MultipartFormDataContent();
            var content = new StreamContent(file, 1024 * 1024);
            content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
            form.Add(content, "file", "bench.mp4");
            return form;
        }

        public static async Task<string> MakeFastStartMp4(string folder)
        {
            var path = Path.Combine(folder, "head.mp4");
            await TestMedia.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-metadata", $"title={Guid.NewGuid():N}", path]);
            return path;
        }

        /// <summary>
        /// The process's resident set while a step runs: the kernel's high-water mark (VmHWM, reset at the start through
        /// /proc/self/clear_refs) against the resident set before, and the managed heap sampled every 50 ms.
        /// </summary>
        public sealed class Memory
        {
            private readonly long _baseRss, _baseHeap;
            private long _peakHeap, _peakRssSampled;
            private readonly bool _hwmReset;
            private readonly CancellationTokenSource _stop = new();
            private readonly Task _sampler;

            private Memory()
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                try { File.WriteAllText("/proc/self/clear_refs", "5"); _hwmReset = true; } catch (IOException) { } catch (UnauthorizedAccessException) { }
                _baseRss = Status("VmRSS");
                _baseHeap = _peakHeap = GC.GetTotalMemory(true);
                _peakRssSampled = _baseRss;
                _sampler = Task.Run(async () =>
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        _peakRssSampled = Math.Max(_peakRssSampled, Status("VmRSS"));
                        _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(false));
                        try { await Task.Delay(50, _stop.Token); } catch (OperationCanceledException) { }
                    }
                });
            }

            public static Memory Start() => new();

            public void Print()
            {
                _stop.Cancel();
                _sampler.Wait();
                var hwm = Status("VmHWM");
                Console.WriteLine($"   memory: resident set before {_baseRss / 1048576.0:0.0} MB, peak {hwm / 1048576.0:0.0} MB " +
                    $"({(_hwmReset ? "VmHWM since reset" : "VmHWM since start")}) = +{(hwm - _baseRss) / 1048576.0:0.0} MB; sampled peak +{(_peakRssSampled - _baseRss) / 1048576.0:0.0} MB; " +
                    $"managed heap +{(_peakHeap - _baseHeap) / 1048576.0:0.0} MB (limit 64 MB)");
            }

            private static long Status(string key)
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                    if (line.StartsWith(key + ":", StringComparison.Ordinal))
                        return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                return 0;
            }
        }
    }

    /// <summary>
    /// The receive path as it was before (kept here to compare against): MultipartReader's default 4 KiB buffer, and each
    /// 1 MiB block read, then hashed, then written, one after the other.
    /// </summary>
    static class LegacyUpload
    {
        public static async Task<MediaUploads.Staged> StageAsync(HttpContext context, MediaFrontendOptions options)
        {
            var reader = MultipartUpload.Open(context, options.MaxUploadBytes + 1024 * 1024);
            string? staged = null, sha256 = null;
            long total = 0;
            while (await MultipartUpload.NextPartAsync(reader, context.RequestAborted) is { } part)
            {
                if (!part.IsFile) continue;
                Directory.CreateDirectory(options.IncomingFolder);
                staged = Path.Combine(options.IncomingFolder, Ids.New() + ".part");
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1024 * 1024];
                await using (var file = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
                {
                    int read;
                    while ((read = await MultipartUpload.Fill(part.Section.Body, buffer, context.RequestAborted)) > 0)
                    {
                        total += read;
                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                    }
                }
                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            return new MediaUploads.Staged(staged!, null, sha256!, total, new Dictionary<string, string>());
        }
    }

    /// <summary>A multipart/form-data body around one file part, produced as it is read.</summary>
    sealed class MultipartBodyStream(Stream file) : Stream
    {
        public const string Boundary = "----bench7MA4YWxkTrZu0gW";
        private readonly byte[] _head = System.Text.Encoding.ASCII.GetBytes(
            $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.mp4\"\r\nContent-Type: video/mp4\r\n\r\n");
        private readonly byte[] _tail = System.Text.Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n");
        private int _stage, _at;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_stage < 3)
            {
                var n = _stage switch
                {
                    0 => Copy(_head, buffer),
                    1 => file.Read(buffer),
                    _ => Copy(_tail, buffer),
                };
                if (n > 0) return n;
                (_stage, _at) = (_stage + 1, 0);
            }
            return 0;
        }

        private int Copy(byte[] from, Span<byte> to)
        {
            var n = Math.Min(to.Length, from.Length - _at);
            from.AsSpan(_at, n).CopyTo(to);
            _at += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// A real MP4 (moov first) followed by one <c>free</c> box of the remaining size: ffprobe reads the video and skips the
    /// padding. Produced as it is read, from one 1 MiB block of pseudo-random bytes (the same for a given seed, so the
    /// bytes sent can be hashed again afterwards); the bench itself holds no large buffer. Seekable, so a client sends
    /// its length.
    /// </summary>
    sealed class PaddedMp4Stream : Stream
    {
        private readonly byte[] _head;
        private readonly long _length;
        private readonly byte[] _block = new byte[1024 * 1024];
        private long _position;

        public PaddedMp4Stream(byte[] mp4, long totalBytes, int seed = 7)
        {
            new Random(seed).NextBytes(_block);
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
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => _position; set => _position = Math.Clamp(value, 0, _length); }
        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };

        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
