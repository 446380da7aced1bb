using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using FFMpegCore;

namespace ChangemakerLite.Grains.Media;

/// <summary>
/// Reads a file's container and streams through FFMpegCore (ffprobe). The container is what ffprobe finds, never
/// the file name: a renamed text file or a truncated MP4 is refused.
/// </summary>
public sealed class MediaProbe(MediaSettings settings)
{
    /// <summary>The containers the library takes (MP4, MOV, M4V, MKV, WebM, AVI, FLV) as ffprobe names them.</summary>
    private static readonly string[] Containers = ["mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "flv"];

    private FFOptions Options => settings.FfmpegFolder is null ? new FFOptions() : new FFOptions { BinaryFolder = settings.FfmpegFolder };

    /// <summary>The file's metadata, or a DomainException (400 on <c>file</c>) saying why it is not a video the library takes.</summary>
    public async Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, Options, cancellationToken: cancellationToken);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception ex)
        {
            throw DomainException.Invalid("file", "is not a readable video: " + FirstLine(ex.Message));
        }
        var format = analysis.Format.FormatName ?? "";
        if (!Containers.Contains(format))
            throw DomainException.Invalid("file", $"is a {format} file; the library takes MP4, MOV, M4V, MKV, WebM, AVI and FLV.");
        var video = analysis.PrimaryVideoStream ?? throw DomainException.Invalid("file", "has no video stream.");
        int w = video.Width ?? 0, h = video.Height ?? 0;
        if (w <= 0 || h <= 0) throw DomainException.Invalid("file", "has a video stream without a picture size.");
        var rotated = Math.Abs(video.Rotation) % 180 == 90;
        int width = rotated ? h : w, height = rotated ? w : h;
        var size = new FileInfo(path).Length;
        var duration = analysis.Duration.TotalSeconds;
        var bitRate = analysis.Format.BitRate > 0 ? (long)analysis.Format.BitRate
            : duration > 0 ? (long)(size * 8 / duration) : 0;
        return new MediaInfo(format, Math.Round(duration, 3), width, height, OrientationOf(width, height), QualityOf(width, height),
            analysis.AudioStreams.Count > 0, video.CodecName ?? "unknown", bitRate, size);
    }

    public static string OrientationOf(int width, int height) => width > height ? "landscape" : width < height ? "portrait" : "square";

    /// <summary>The resolution label of the picture's shorter side: 2160 → 4K, 1440p, 1080p, 720p, 480p, 360p, otherwise SD.</summary>
    public static string QualityOf(int width, int height)
    {
        var side = Math.Min(width, height);
        return side switch
        {
            >= 2160 => "4K",
            >= 1440 => "1440p",
            >= 1080 => "1080p",
            >= 720 => "720p",
            >= 480 => "480p",
            >= 360 => "360p",
            _ => "SD",
        };
    }

    /// <summary>The extension a stored file gets: from its container, keeping the uploader's spelling within the same family.</summary>
    public static string ExtensionFor(string container, string? originalName)
    {
        var original = Path.GetExtension(originalName ?? "").ToLowerInvariant();
        return container switch
        {
            "matroska,webm" => original == ".webm" ? ".webm" : ".mkv",
            "avi" => ".avi",
            "flv" => ".flv",
            _ => original is ".mov" or ".m4v" ? original : ".mp4",
        };
    }

    public static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".mov" => "video/quicktime",
        ".m4v" => "video/x-m4v",
        ".mkv" => "video/x-matroska",
        ".webm" => "video/webm",
        ".avi" => "video/x-msvideo",
        ".flv" => "video/x-flv",
        _ => "video/mp4",
    };

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? text;
        return line.Length > 300 ? line[..300] : line;
    }
}
