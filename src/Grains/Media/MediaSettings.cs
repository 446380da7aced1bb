using ChangemakerLite.Grains.Interfaces.Media;
using Microsoft.Extensions.Configuration;

namespace ChangemakerLite.Grains.Media;

/// <summary>
/// The media module's settings, read once at start. <c>MEDIA_ROOT</c> must be the same directory for every silo and
/// frontend (one disk on one machine, a shared mount across machines): frontends write uploads there and silos
/// run ffprobe and ffmpeg on the files.
/// </summary>
public sealed record MediaSettings(
    string Root,
    int CpuSlots,
    int GpuEncodeSlots,
    int GpuAiSlots,
    int MaxAttempts,
    TimeSpan RetryBase,
    TimeSpan CheckPeriod,
    string? FfmpegFolder)
{
    public static MediaSettings From(IConfiguration configuration) => new(
        RootFrom(configuration),
        Math.Max(1, configuration.GetValue("MEDIA_SLOTS_CPU", 2)),
        Math.Max(1, configuration.GetValue("MEDIA_SLOTS_GPU_ENCODE", 1)),
        Math.Max(1, configuration.GetValue("MEDIA_SLOTS_GPU_AI", 1)),
        Math.Max(1, configuration.GetValue("MEDIA_MAX_ATTEMPTS", 3)),
        TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue("MEDIA_RETRY_BASE_SECONDS", 30.0))),
        TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("MEDIA_JOB_CHECK_SECONDS", 60.0))),
        configuration["MEDIA_FFMPEG_FOLDER"] is { Length: > 0 } folder ? folder : null);

    /// <summary>MEDIA_ROOT, or <c>.local/media</c> under the working directory.</summary>
    public static string RootFrom(IConfiguration configuration) =>
        Path.GetFullPath(configuration["MEDIA_ROOT"] is { Length: > 0 } root ? root : Path.Combine(".local", "media"));

    public int SlotsOf(ResourceCategory category) => category switch
    {
        ResourceCategory.Cpu => CpuSlots,
        ResourceCategory.GpuEncode => GpuEncodeSlots,
        _ => GpuAiSlots,
    };

    public string FullPath(string relativePath) => Path.Combine(Root, relativePath);

    public string FolderOf(DirectoryType type) => Path.Combine(Root, Interfaces.Platform.EnumWireNames.ToWireName(type));

    /// <summary>Where the frontends stage an upload while it streams in (same disk as the library, so the final move is a rename).</summary>
    public string IncomingFolder => Path.Combine(Root, ".incoming");

    public string Executable(string name) => FfmpegFolder is null ? name : Path.Combine(FfmpegFolder, name);
}
