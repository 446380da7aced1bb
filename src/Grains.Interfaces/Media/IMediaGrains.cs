using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Media;

/// <summary>One video of the library: its row, its file, its rules (locked videos refuse changes).</summary>
[Alias("cml.media.IVideoGrain")]
public interface IVideoGrain : IGrainWithGuidKey
{
    [Alias("Ingest")] Task<Video> Ingest(IngestCommand command);
    [Alias("Get")] Task<Video> Get();
    [Alias("Update")] Task<Video> Update(UpdateVideoCommand command);
    [Alias("Delete")] Task Delete();
    [Alias("SetLocked")] Task<Video> SetLocked(bool locked);
    [Alias("SetPublished")] Task<Video> SetPublished(bool published);
    /// <summary>A revalidation's finding: fresh metadata when the file is readable, otherwise why it is not.</summary>
    [Alias("ApplyValidation")] Task<Video> ApplyValidation(MediaInfo? info, string? error);
}

/// <summary>One media job (state in <c>jobs</c>): queued with its category's scheduler, run when it hands out a slot.</summary>
[Alias("cml.media.IMediaJobGrain")]
public interface IMediaJobGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<MediaJob> Create(MediaJobSpec spec);
    [Alias("Get")] Task<MediaJob> Get();
    [Alias("Cancel")] Task<MediaJob> Cancel();
    [Alias("Retry")] Task<MediaJob> Retry();
    [Alias("SetPriority")] Task<MediaJob> SetPriority(int priority);
    /// <summary>
    /// The scheduler hands the job a slot. The answer says whether the job runs (it started now, or a run of it is still
    /// under way) and the generation (row version) of the write that started it; or that it no longer wants a slot.
    /// </summary>
    [Alias("Start")] Task<JobStartAnswer> Start();
    /// <summary>The job's own run reports its end (called by the running work, on this activation).</summary>
    [Alias("Complete")] Task Complete(int runId, bool succeeded, bool cancelled, string? resultJson, string? error);
    /// <summary>Activates the job: one found RUNNING without a run on this activation lost its silo and is queued again.</summary>
    [Alias("Check")] Task<JobStatus> Check();
}

/// <summary>
/// The one scheduler of a resource category (key: the category's number). It owns admission: it never hands out more
/// slots than MEDIA_SLOTS_* and starts waiting jobs highest priority first, oldest first. Every notice carries the
/// job's generation (its row's version after the write the notice follows); a notice older than one already heard, or
/// not newer than the start of the slot the job holds, is stale and changes nothing. Jobs send notices without waiting
/// for the answer, so the two grains never wait on each other.
/// </summary>
[Alias("cml.media.IMediaSchedulerGrain")]
public interface IMediaSchedulerGrain : IGrainWithIntegerKey
{
    /// <summary>The job waits for a slot (a failed or interrupted attempt's notice also gives its slot back). False when stale.</summary>
    [Alias("Queued")] Task<bool> Queued(Guid jobId, int generation, int priority, DateTime? runAfter);
    /// <summary>The job neither runs nor waits any more (completed, failed, cancelled); its slot is free. False when stale.</summary>
    [Alias("Ended")] Task<bool> Ended(Guid jobId, int generation);
    [Alias("Snapshot")] Task<SchedulerSnapshot> Snapshot();
}

/// <summary>Commands spanning rows: compilations, scans, revalidations and the public gallery's writes.</summary>
[Alias("cml.media.IMediaLibraryGrain")]
public interface IMediaLibraryGrain : IGrainWithIntegerKey
{
    [Alias("StartCompilation")] Task<CompilationStarted> StartCompilation(string title, string? description, IReadOnlyList<Guid> videoIds, Guid? userId);
    [Alias("StartScan")] Task<MediaJob> StartScan(DirectoryType directoryType, Guid? userId);
    [Alias("StartRevalidation")] Task<MediaJob> StartRevalidation(IReadOnlyList<Guid>? videoIds, Guid? userId);
    [Alias("View")] Task View(Guid videoId);
    [Alias("React")] Task<ReactionCounts> React(Guid videoId, string ip, MediaReaction reaction);
    [Alias("Comment")] Task<MediaComment> Comment(Guid videoId, string name, string? email, string text, string ip);
    [Alias("Moderate")] Task<MediaComment> Moderate(Guid commentId, CommentStatus status);
}

[Alias("cml.media.IMediaQueryGrain")]
public interface IMediaQueryGrain : IGrainWithIntegerKey
{
    [Alias("Videos")] Task<Page<Video>> Videos(VideoFilter filter, PageRequest page);
    [Alias("File")] Task<VideoFile?> File(Guid videoId);
    [Alias("Jobs")] Task<Page<MediaJob>> Jobs(JobStatus? status, ResourceCategory? category, PageRequest page);
    [Alias("Compilation")] Task<Compilation?> Compilation(Guid id);
    [Alias("Gallery")] Task<Page<PublicVideo>> Gallery(string? category, GallerySort sort, PageRequest page);
    [Alias("GalleryVideo")] Task<PublicVideoDetail?> GalleryVideo(Guid id);
    [Alias("Comments")] Task<Page<MediaComment>> Comments(CommentStatus? status, PageRequest page);
}
