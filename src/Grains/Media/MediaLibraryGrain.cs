using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Media;

/// <summary>Starts the library's jobs and takes the public gallery's writes (views, reactions, comments).</summary>
[StatelessWorker]
public sealed class MediaLibraryGrain(NpgsqlDataSource db) : Grain, IMediaLibraryGrain
{
    public const int MaxCompilationVideos = 100;

    public async Task<CompilationStarted> StartCompilation(string title, string? description, IReadOnlyList<Guid> videoIds, Guid? userId)
    {
        if (videoIds.Count < 2) throw DomainException.Invalid("videoIds", "a compilation joins at least two videos.");
        if (videoIds.Count > MaxCompilationVideos) throw DomainException.Invalid("videoIds", $"a compilation joins at most {MaxCompilationVideos} videos.");
        var found = await db.Command("""
            SELECT id, is_valid FROM videos WHERE id = ANY(@ids) AND deleted_at IS NULL
            """, ("ids", videoIds.Distinct().ToArray())).ListAsync(r => (Id: r.GetGuid(0), Valid: r.GetBoolean(1)));
        var missing = videoIds.Distinct().Except(found.Select(f => f.Id)).ToList();
        if (missing.Count > 0) throw DomainException.Invalid("videoIds", $"not in the library: {string.Join(", ", missing)}.");
        if (found.FirstOrDefault(f => !f.Valid) is { Id: var bad } && bad != Guid.Empty)
            throw DomainException.Invalid("videoIds", $"video {bad} failed validation.");

        var compilationId = Ids.New();
        var jobId = Ids.New();
        var payload = JsonSerializer.Serialize(new MediaWork.CompilationPayload(compilationId, title, videoIds, userId), MediaRows.Json);
        // The row exists before the job so the job always finds it; its job_id is set once the job exists.
        await db.Command("""
            INSERT INTO compilations (id, title, description, video_ids, status) VALUES (@id, @title, @description, @videos::jsonb, 'queued')
            """, ("id", compilationId), ("title", title), ("description", description), ("videos", JsonSerializer.Serialize(videoIds))).ExecuteAsync();
        var job = await GrainFactory.GetGrain<IMediaJobGrain>(jobId).Create(
            new MediaJobSpec(MediaJobTypes.Compilation, ResourceCategory.GpuEncode, 0, payload, userId));
        await db.Command("UPDATE compilations SET job_id = @job WHERE id = @id", ("id", compilationId), ("job", jobId)).ExecuteAsync();
        var compilation = await db.Command($"SELECT {MediaRows.CompilationColumns} FROM compilations c WHERE c.id = @id", ("id", compilationId))
            .FirstOrDefaultAsync(MediaRows.ReadCompilation);
        return new CompilationStarted(compilation!, job);
    }

    public Task<MediaJob> StartScan(DirectoryType directoryType, Guid? userId) =>
        GrainFactory.GetGrain<IMediaJobGrain>(Ids.New()).Create(new MediaJobSpec(MediaJobTypes.Scan, ResourceCategory.Cpu, 0,
            JsonSerializer.Serialize(new MediaWork.ScanPayload(directoryType), MediaRows.Json), userId));

    public Task<MediaJob> StartRevalidation(IReadOnlyList<Guid>? videoIds, Guid? userId) =>
        GrainFactory.GetGrain<IMediaJobGrain>(Ids.New()).Create(new MediaJobSpec(MediaJobTypes.Revalidate, ResourceCategory.Cpu, 0,
            JsonSerializer.Serialize(new MediaWork.RevalidatePayload(videoIds), MediaRows.Json), userId));

    public async Task View(Guid videoId)
    {
        var counted = await db.Command("UPDATE videos SET view_count = view_count + 1 WHERE id = @id AND is_published AND deleted_at IS NULL",
            ("id", videoId)).ExecuteAsync();
        if (counted == 0) throw DomainException.NotFound("Video");
    }

    public async Task<ReactionCounts> React(Guid videoId, string ip, MediaReaction reaction)
    {
        var name = EnumWireNames.ToWireName(reaction);
        var counts = await db.Command("""
            WITH v AS (SELECT id FROM videos WHERE id = @id AND is_published AND deleted_at IS NULL),
            up AS (
                INSERT INTO media_reactions (video_id, ip, reaction) SELECT id, @ip, @reaction FROM v
                ON CONFLICT (video_id, ip) DO UPDATE SET reaction = excluded.reaction, created_at = now()
                RETURNING video_id, ip, reaction)
            SELECT reaction, count(*)::int FROM (
                SELECT reaction FROM media_reactions WHERE video_id = (SELECT id FROM v) AND ip <> @ip
                UNION ALL SELECT reaction FROM up) r
            GROUP BY reaction
            """, ("id", videoId), ("ip", ip), ("reaction", name)).ListAsync(r => (Reaction: r.GetString(0), Count: r.GetInt32(1)));
        if (counts.Count == 0) throw DomainException.NotFound("Video");
        await db.Command("UPDATE videos SET like_count = (SELECT count(*) FROM media_reactions WHERE video_id = @id) WHERE id = @id", ("id", videoId))
            .ExecuteAsync();
        return new ReactionCounts(videoId, counts.ToDictionary(c => c.Reaction, c => c.Count));
    }

    public async Task<MediaComment> Comment(Guid videoId, string name, string? email, string text, string ip)
    {
        var comment = await db.Command("""
            INSERT INTO media_comments (id, video_id, name, email, text, ip)
            SELECT @id, id, @name, @email, @text, @ip FROM videos WHERE id = @video AND is_published AND deleted_at IS NULL
            RETURNING id, video_id, name, email, text, status, created_at
            """, ("id", Ids.New()), ("video", videoId), ("name", name), ("email", email), ("text", text), ("ip", ip))
            .FirstOrDefaultAsync(MediaQueryGrain.ReadComment);
        return comment ?? throw DomainException.NotFound("Video");
    }

    public async Task<MediaComment> Moderate(Guid commentId, CommentStatus status)
    {
        if (status == CommentStatus.Pending) throw DomainException.Invalid("status", "must be APPROVED or REJECTED.");
        var comment = await db.Command("""
            UPDATE media_comments SET status = @status, moderated_at = now() WHERE id = @id
            RETURNING id, video_id, name, email, text, status, created_at
            """, ("id", commentId), ("status", EnumWireNames.ToWireName(status))).FirstOrDefaultAsync(MediaQueryGrain.ReadComment);
        return comment ?? throw DomainException.NotFound("Comment");
    }
}
