namespace ChangemakerLite.Grains.Interfaces.Media;

/// <summary>One video of the library as the admin API shows it. <c>Path</c> is relative to MEDIA_ROOT.</summary>
[GenerateSerializer, Immutable, Alias("cml.media.Video")]
public sealed record Video(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Path,
    [property: Id(2)] string Filename,
    [property: Id(3)] string? OriginalFilename,
    [property: Id(4)] DirectoryType DirectoryType,
    [property: Id(5)] string? Title,
    [property: Id(6)] string? Description,
    [property: Id(7)] IReadOnlyList<string> Tags,
    [property: Id(8)] double? DurationSeconds,
    [property: Id(9)] int? Width,
    [property: Id(10)] int? Height,
    [property: Id(11)] string? Orientation,
    [property: Id(12)] string? Quality,
    [property: Id(13)] bool HasAudio,
    [property: Id(14)] string? Codec,
    [property: Id(15)] long? BitRate,
    [property: Id(16)] long? FileSize,
    [property: Id(17)] string? Container,
    [property: Id(18)] string? Sha256,
    [property: Id(19)] bool IsValid,
    [property: Id(20)] string? ValidationError,
    [property: Id(21)] bool IsLocked,
    [property: Id(22)] bool IsPublished,
    [property: Id(23)] DateTime? PublishedAt,
    [property: Id(24)] string? Category,
    [property: Id(25)] int ViewCount,
    [property: Id(26)] bool IsDeleted,
    [property: Id(27)] DateTime CreatedAt,
    [property: Id(28)] DateTime UpdatedAt);

/// <summary>What ffprobe found in a file (docs/external-formats.md §6): orientation and quality as the old product named them.</summary>
[GenerateSerializer, Immutable, Alias("cml.media.MediaInfo")]
public sealed record MediaInfo(
    [property: Id(0)] string Container,
    [property: Id(1)] double DurationSeconds,
    [property: Id(2)] int Width,
    [property: Id(3)] int Height,
    [property: Id(4)] string Orientation,
    [property: Id(5)] string Quality,
    [property: Id(6)] bool HasAudio,
    [property: Id(7)] string Codec,
    [property: Id(8)] long BitRate,
    [property: Id(9)] long FileSize);

/// <summary>
/// A file already on disk under MEDIA_ROOT (an upload's staging file, a scanned file, a compilation's output) to be
/// made a video: <c>SourcePath</c> is absolute; the grain probes it, refuses duplicates and moves it to
/// <c>TargetRelativePath</c> (a new UUID name for uploads; unchanged for scanned files).
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.media.IngestCommand")]
public sealed record IngestCommand(
    [property: Id(0)] string SourcePath,
    [property: Id(1)] string? OriginalFilename,
    [property: Id(2)] string Sha256,
    [property: Id(3)] DirectoryType DirectoryType,
    [property: Id(4)] string? Title,
    [property: Id(5)] string? Description,
    [property: Id(6)] IReadOnlyList<string>? Tags,
    [property: Id(7)] string? Category,
    [property: Id(8)] Guid? UserId,
    [property: Id(9)] bool KeepName = false);

/// <summary>A partial edit: null leaves a field as it is; an empty description or category clears it.</summary>
[GenerateSerializer, Immutable, Alias("cml.media.UpdateVideoCommand")]
public sealed record UpdateVideoCommand(
    [property: Id(0)] string? Title,
    [property: Id(1)] string? Description,
    [property: Id(2)] IReadOnlyList<string>? Tags,
    [property: Id(3)] DirectoryType? DirectoryType,
    [property: Id(4)] string? Category);

[GenerateSerializer, Immutable, Alias("cml.media.VideoFilter")]
public sealed record VideoFilter(
    [property: Id(0)] DirectoryType? DirectoryType,
    [property: Id(1)] string? Search,
    [property: Id(2)] IReadOnlyList<string>? Tags,
    [property: Id(3)] string? Orientation,
    [property: Id(4)] bool IncludeDeleted);

/// <summary>Where a video's bytes are and who may read them (the stream route).</summary>
[GenerateSerializer, Immutable, Alias("cml.media.VideoFile")]
public sealed record VideoFile(
    [property: Id(0)] string Path,
    [property: Id(1)] string? Container,
    [property: Id(2)] bool IsPublished,
    [property: Id(3)] bool IsDeleted);

public static class MediaJobTypes
{
    public const string Scan = "media.scan";
    public const string Revalidate = "media.revalidate";
    public const string Compilation = "media.compilation";
    /// <summary>Runs ffmpeg over a synthetic source for a given time: checks ffmpeg and the slots without touching the library.</summary>
    public const string SelfTest = "media.selftest";

    public static bool IsMediaJob(string type) => type.StartsWith("media.", StringComparison.Ordinal);
}

[GenerateSerializer, Immutable, Alias("cml.media.MediaJobSpec")]
public sealed record MediaJobSpec(
    [property: Id(0)] string Type,
    [property: Id(1)] ResourceCategory Category,
    [property: Id(2)] int Priority,
    [property: Id(3)] string PayloadJson,
    [property: Id(4)] Guid? UserId,
    [property: Id(5)] int? MaxAttempts = null);

[GenerateSerializer, Immutable, Alias("cml.media.MediaJob")]
public sealed record MediaJob(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Type,
    [property: Id(2)] ResourceCategory ResourceCategory,
    [property: Id(3)] JobStatus Status,
    [property: Id(4)] int Priority,
    [property: Id(5)] int Progress,
    [property: Id(6)] long Processed,
    [property: Id(7)] long? Total,
    [property: Id(8)] int Attempts,
    [property: Id(9)] int MaxAttempts,
    [property: Id(10)] DateTime? RunAfter,
    [property: Id(11)] string? ResultJson,
    [property: Id(12)] string? Error,
    [property: Id(13)] string? Log,
    [property: Id(14)] Guid? CreatedByUserId,
    [property: Id(15)] DateTime CreatedAt,
    [property: Id(16)] DateTime? StartedAt,
    [property: Id(17)] DateTime? CompletedAt);

[GenerateSerializer, Immutable, Alias("cml.media.SchedulerSnapshot")]
public sealed record SchedulerSnapshot(
    [property: Id(0)] int Slots,
    [property: Id(1)] IReadOnlyList<Guid> Running,
    [property: Id(2)] int Queued,
    [property: Id(3)] IReadOnlyList<Guid> Waiting);

/// <summary>A job's answer to being handed a slot: whether it runs, and the generation (row version) its run started at.</summary>
[GenerateSerializer, Immutable, Alias("cml.media.JobStartAnswer")]
public sealed record JobStartAnswer(
    [property: Id(0)] bool Runs,
    [property: Id(1)] int Generation);

[GenerateSerializer, Immutable, Alias("cml.media.Compilation")]
public sealed record Compilation(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Description,
    [property: Id(3)] IReadOnlyList<Guid> VideoIds,
    [property: Id(4)] JobStatus Status,
    [property: Id(5)] Guid? JobId,
    [property: Id(6)] Guid? VideoId,
    [property: Id(7)] string? OutputPath,
    [property: Id(8)] double? DurationSeconds,
    [property: Id(9)] long? FileSize,
    [property: Id(10)] DateTime CreatedAt);

[GenerateSerializer, Immutable, Alias("cml.media.CompilationStarted")]
public sealed record CompilationStarted(
    [property: Id(0)] Compilation Compilation,
    [property: Id(1)] MediaJob Job);

[GenerateSerializer, Immutable, Alias("cml.media.PublicVideo")]
public sealed record PublicVideo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string? Title,
    [property: Id(2)] string? Description,
    [property: Id(3)] string? Category,
    [property: Id(4)] IReadOnlyList<string> Tags,
    [property: Id(5)] double? DurationSeconds,
    [property: Id(6)] int? Width,
    [property: Id(7)] int? Height,
    [property: Id(8)] string? Orientation,
    [property: Id(9)] string? Quality,
    [property: Id(10)] int ViewCount,
    [property: Id(11)] IReadOnlyDictionary<string, int> Reactions,
    [property: Id(12)] DateTime? PublishedAt,
    [property: Id(13)] string StreamUrl);

[GenerateSerializer, Immutable, Alias("cml.media.PublicComment")]
public sealed record PublicComment(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Text,
    [property: Id(3)] DateTime CreatedAt);

[GenerateSerializer, Immutable, Alias("cml.media.PublicVideoDetail")]
public sealed record PublicVideoDetail(
    [property: Id(0)] PublicVideo Video,
    [property: Id(1)] IReadOnlyList<PublicComment> Comments,
    [property: Id(2)] IReadOnlyList<PublicVideo> Related);

[GenerateSerializer, Immutable, Alias("cml.media.MediaComment")]
public sealed record MediaComment(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid VideoId,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Email,
    [property: Id(4)] string Text,
    [property: Id(5)] CommentStatus Status,
    [property: Id(6)] DateTime CreatedAt);

[GenerateSerializer, Immutable, Alias("cml.media.ReactionCounts")]
public sealed record ReactionCounts(
    [property: Id(0)] Guid VideoId,
    [property: Id(1)] IReadOnlyDictionary<string, int> Reactions);
