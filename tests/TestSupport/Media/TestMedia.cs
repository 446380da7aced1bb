using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace ChangemakerLite.TestSupport.Media;

/// <summary>
/// Test videos made at test time with ffmpeg's lavfi sources (a second or two, a few KB): no binary fixtures.
/// Each carries a unique title tag, so no two files share their bytes unless a test copies one.
/// </summary>
public static class TestMedia
{
    /// <summary>A short video: H.264 (or MPEG-4 Part 2 in Matroska) with an optional sine tone.</summary>
    public static async Task<string> MakeAsync(string folder, string name, int width = 160, int height = 120, double seconds = 1,
        bool audio = true, string container = "mp4")
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        var s = seconds.ToString(CultureInfo.InvariantCulture);
        var args = new List<string> { "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate=10:duration={s}" };
        if (audio) args.AddRange(["-f", "lavfi", "-i", $"sine=frequency=440:duration={s}"]);
        args.AddRange(container == "mkv" ? ["-c:v", "mpeg4"] : ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]);
        if (audio) args.AddRange(["-c:a", "aac", "-shortest"]);
        args.AddRange(["-metadata", $"title={Guid.NewGuid():N}", "-f", container == "mkv" ? "matroska" : "mp4", path]);
        await RunAsync("ffmpeg", args);
        return path;
    }

    /// <summary>A single PNG picture: ffprobe sees a video stream, but it is no video container.</summary>
    public static async Task<string> MakePngAsync(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        await RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=1:duration=1",
            "-frames:v", "1", "-f", "image2", "-c:v", "png", path]);
        return path;
    }

    /// <summary>
    /// Makes a video file <paramref name="totalBytes"/> long by appending one MP4 <c>free</c> box of pseudo-random bytes:
    /// ffprobe skips it, so the file is still the same video, only larger (multi-megabyte uploads without binary fixtures).
    /// </summary>
    public static async Task PadAsync(string path, long totalBytes, int seed = 1)
    {
        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write);
        var padding = totalBytes - file.Length;
        if (padding < 8 || padding > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(totalBytes));
        var header = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header, (uint)padding);
        "free"u8.CopyTo(header.AsSpan(4));
        await file.WriteAsync(header);
        var random = new Random(seed);
        var block = new byte[64 * 1024];
        for (var left = padding - 8; left > 0; left -= block.Length)
        {
            random.NextBytes(block);
            await file.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, left)));
        }
    }

    public static async Task RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {await stderr}");
    }

    /// <summary>A multipart upload of one file plus form fields, as a browser sends it.</summary>
    public static MultipartFormDataContent Form(string path, string? fileName = null, IDictionary<string, string>? fields = null)
    {
        var form = new MultipartFormDataContent();
        foreach (var (key, value) in fields ?? new Dictionary<string, string>()) form.Add(new StringContent(value), key);
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName ?? Path.GetFileName(path));
        return form;
    }

    public static string NewRoot() => Path.Combine(Path.GetTempPath(), "cml-media-" + Guid.NewGuid().ToString("N"));
}
