using System.Globalization;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;

namespace ChangemakerLite.Grains.Media;

/// <summary>The work of each media job type. Runs off the job grain's scheduler; throws to fail the attempt.</summary>
public sealed class MediaWork(MediaSettings settings, MediaProbe probe, IGrainFactory grains)
{
    public sealed record SelfTestPayload(double Seconds = 1, bool Realtime = true);
    public sealed record ScanPayload(DirectoryType DirectoryType);
    public sealed record RevalidatePayload(IReadOnlyList<Guid>? VideoIds);
    public sealed record CompilationPayload(Guid CompilationId, string Title, IReadOnlyList<Guid> VideoIds, Guid? UserId);

    public Task<string> RunAsync(MediaJobContext job, CancellationToken cancellationToken) => job.Type switch
    {
        MediaJobTypes.SelfTest => SelfTest(job, Read<SelfTestPayload>(job), cancellationToken),
        MediaJobTypes.Scan => Scan(job, Read<ScanPayload>(job), cancellationToken),
        MediaJobTypes.Revalidate => Revalidate(job, Read<RevalidatePayload>(job), cancellationToken),
        MediaJobTypes.Compilation => Compile(job, Read<CompilationPayload>(job), cancellationToken),
        _ => throw new InvalidOperationException($"Unknown media job type {job.Type}."),
    };

    private static T Read<T>(MediaJobContext job) =>
        JsonSerializer.Deserialize<T>(job.PayloadJson, MediaRows.Json) ?? throw new InvalidOperationException("The job has no payload.");

    private static string Result(object value) => JsonSerializer.Serialize(value, MediaRows.Json);

    private async Task<string> SelfTest(MediaJobContext job, SelfTestPayload payload, CancellationToken cancellationToken)
    {
        var seconds = Math.Clamp(payload.Seconds, 0.04, 3600);
        var totalMs = (long)(seconds * 1000);
        job.Report(0, totalMs);
        List<string> args = payload.Realtime ? ["-re"] : [];
        args.AddRange(["-f", "lavfi", "-i", $"testsrc=size=32x32:rate=25:duration={seconds.ToString(CultureInfo.InvariantCulture)}", "-f", "null", "-"]);
        await FfmpegProcess.RunAsync(settings.Executable("ffmpeg"), args, t => job.Report((long)t.TotalMilliseconds), _ => { }, cancellationToken);
        job.Report(totalMs);
        return Result(new { seconds });
    }

    private async Task<string> Scan(MediaJobContext job, ScanPayload payload, CancellationToken cancellationToken)
    {
        var folder = settings.FolderOf(payload.DirectoryType);
        Directory.CreateDirectory(folder);
        var known = (await job.Db.Command("SELECT path FROM videos WHERE directory_type = @type", ("type", payload.DirectoryType))
            .ListAsync(r => r.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !known.Contains(Path.GetRelativePath(settings.Root, f)))
            .Order(StringComparer.Ordinal).ToList();
        await job.Log($"Scanning {folder}: {files.Count} files not in the library.", cancellationToken);
        int imported = 0, duplicates = 0, refused = 0, done = 0;
        job.Report(0, files.Count);
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(settings.Root, file);
            try
            {
                var sha = await MediaRows.Sha256Of(file, cancellationToken);
                await grains.GetGrain<IVideoGrain>(Ids.New()).Ingest(new IngestCommand(file, Path.GetFileName(file), sha, payload.DirectoryType,
                    null, null, null, null, null, KeepName: true));
                imported++;
            }
            catch (DomainException ex) when (ex.Extensions.ContainsKey("existingVideoId"))
            {
                duplicates++;
                await job.Log($"{relative}: same bytes as video {ex.Extensions["existingVideoId"]}; skipped.", cancellationToken);
            }
            catch (DomainException ex)
            {
                refused++;
                await job.Log($"{relative}: {ex.Message}", cancellationToken);
            }
            job.Report(++done);
        }
        return Result(new { imported, duplicates, refused });
    }

    private async Task<string> Revalidate(MediaJobContext job, RevalidatePayload payload, CancellationToken cancellationToken)
    {
        var videos = await job.Db.Command("""
            SELECT id, path FROM videos WHERE deleted_at IS NULL AND (@ids::uuid[] IS NULL OR id = ANY(@ids)) ORDER BY created_at
            """, ("ids", payload.VideoIds?.ToArray())).ListAsync(r => (Id: r.GetGuid(0), Path: r.GetString(1)), cancellationToken);
        int valid = 0, invalid = 0, done = 0;
        job.Report(0, videos.Count);
        foreach (var (id, path) in videos)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var full = settings.FullPath(path);
            MediaInfo? info = null;
            string? error = null;
            if (!File.Exists(full)) error = "The file is missing.";
            else
            {
                try
                {
                    info = await probe.ProbeAsync(full, cancellationToken);
                    // ffprobe reads the headers; decoding every frame finds what a truncated or damaged file hides behind them.
                    await FfmpegProcess.RunAsync(settings.Executable("ffmpeg"), ["-xerror", "-i", full, "-f", "null", "-"], _ => { }, _ => { }, cancellationToken);
                }
                catch (DomainException ex) { error = ex.Message; info = null; }
                catch (FfmpegProcess.FfmpegFailedException ex) { error = "The file does not decode: " + ex.Message; info = null; }
            }
            await grains.GetGrain<IVideoGrain>(id).ApplyValidation(info, error);
            if (error is null) valid++;
            else
            {
                invalid++;
                await job.Log($"{path}: {error}", cancellationToken);
            }
            job.Report(++done);
        }
        return Result(new { valid, invalid });
    }

    private async Task<string> Compile(MediaJobContext job, CompilationPayload payload, CancellationToken cancellationToken)
    {
        await job.Db.Command("UPDATE compilations SET status = 'running', updated_at = now() WHERE id = @id", ("id", payload.CompilationId))
            .ExecuteAsync(cancellationToken);
        try
        {
            return await CompileFiles(job, payload, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            await job.Db.Command("UPDATE compilations SET status = 'failed', updated_at = now() WHERE id = @id", ("id", payload.CompilationId))
                .ExecuteAsync(CancellationToken.None);
            throw;
        }
    }

    private async Task<string> CompileFiles(MediaJobContext job, CompilationPayload payload, CancellationToken cancellationToken)
    {
        var rows = await job.Db.Command("""
            SELECT id, path, width, height, has_audio, duration_seconds FROM videos WHERE id = ANY(@ids) AND deleted_at IS NULL
            """, ("ids", payload.VideoIds.ToArray()))
            .ListAsync(r => (Id: r.GetGuid(0), Path: r.GetString(1), Width: r.GetInt32(2), Height: r.GetInt32(3), Audio: r.GetBoolean(4),
                Duration: r.GetDouble(5)), cancellationToken);
        var byId = rows.ToDictionary(r => r.Id);
        var inputs = payload.VideoIds.Select(id => byId.TryGetValue(id, out var row) ? row : throw new InvalidOperationException($"Video {id} is not in the library.")).ToList();
        foreach (var input in inputs)
            if (!File.Exists(settings.FullPath(input.Path))) throw new InvalidOperationException($"The file of video {input.Id} ({input.Path}) is missing.");

        // One format for all: the first video's picture size (even), 30 frames a second, H.264 and AAC stereo in MP4.
        var width = inputs[0].Width / 2 * 2;
        var height = inputs[0].Height / 2 * 2;
        var total = inputs.Sum(i => i.Duration);
        var args = new List<string>();
        foreach (var input in inputs) args.AddRange(["-i", settings.FullPath(input.Path)]);
        var filter = new List<string>();
        var extra = inputs.Count;
        for (var i = 0; i < inputs.Count; i++)
        {
            var d = inputs[i].Duration.ToString("0.###", CultureInfo.InvariantCulture);
            filter.Add($"[{i}:v]scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=yuv420p,trim=end={d},setpts=PTS-STARTPTS[v{i}]");
            string audio;
            if (inputs[i].Audio) audio = $"[{i}:a]";
            else
            {
                args.AddRange(["-f", "lavfi", "-t", d, "-i", "anullsrc=r=48000:cl=stereo"]);
                audio = $"[{extra++}:a]";
            }
            filter.Add($"{audio}aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=end={d},asetpts=PTS-STARTPTS[a{i}]");
        }
        filter.Add(string.Concat(Enumerable.Range(0, inputs.Count).Select(i => $"[v{i}][a{i}]")) + $"concat=n={inputs.Count}:v=1:a=1[v][a]");
        var folder = settings.FolderOf(DirectoryType.Compilations);
        Directory.CreateDirectory(folder);
        var output = Path.Combine(folder, $".{job.JobId}.part.mp4");
        args.AddRange(["-filter_complex", string.Join(';', filter), "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
            "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4", output]);
        var totalMs = (long)(total * 1000);
        job.Report(0, totalMs);
        try
        {
            await FfmpegProcess.RunAsync(settings.Executable("ffmpeg"), args, t => job.Report(Math.Min(totalMs, (long)t.TotalMilliseconds)),
                line => _ = job.Log(line, CancellationToken.None), cancellationToken);
        }
        catch
        {
            File.Delete(output);
            throw;
        }

        var sha = await MediaRows.Sha256Of(output, cancellationToken);
        Video video;
        try
        {
            video = await grains.GetGrain<IVideoGrain>(Ids.New()).Ingest(new IngestCommand(output, payload.Title + ".mp4", sha,
                DirectoryType.Compilations, payload.Title, null, ["compilation"], null, payload.UserId));
        }
        catch (DomainException ex) when (ex.Extensions.TryGetValue("existingVideoId", out var existing))
        {
            // The same inputs compiled before give the same bytes: the compilation is that video.
            video = await grains.GetGrain<IVideoGrain>(Guid.Parse(existing)).Get();
        }
        await job.Db.Command("""
            UPDATE compilations SET status = 'completed', video_id = @video, output_path = @path, duration_seconds = @duration, file_size = @size,
                updated_at = now()
            WHERE id = @id
            """, ("id", payload.CompilationId), ("video", video.Id), ("path", video.Path), ("duration", video.DurationSeconds),
            ("size", video.FileSize)).ExecuteAsync(cancellationToken);
        job.Report(totalMs);
        return Result(new { compilationId = payload.CompilationId, videoId = video.Id, durationSeconds = video.DurationSeconds });
    }
}
