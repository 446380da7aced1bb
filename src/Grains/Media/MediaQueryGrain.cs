using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Media;

/// <summary>The media module's reads spanning rows: library lists, jobs, compilations, the public gallery, comments.</summary>
[StatelessWorker]
public sealed class MediaQueryGrain(NpgsqlDataSource db) : Grain, IMediaQueryGrain
{
    public async Task<Page<Video>> Videos(VideoFilter filter, PageRequest page)
    {
        var where = new StringBuilder(filter.IncludeDeleted ? "TRUE" : "v.deleted_at IS NULL");
        if (filter.DirectoryType is not null) where.Append(" AND v.directory_type = @directory");
        if (filter.Orientation is not null) where.Append(" AND v.orientation = @orientation");
        if (filter.Tags is { Count: > 0 }) where.Append(" AND v.tags @> @tags::jsonb");
        if (!string.IsNullOrWhiteSpace(filter.Search))
            where.Append(" AND (v.title ILIKE @search OR v.description ILIKE @search OR v.original_filename ILIKE @search OR v.filename ILIKE @search OR v.tags::text ILIKE @search)");
        (string, object?)[] parameters =
        [
            ("directory", filter.DirectoryType), ("orientation", filter.Orientation),
            ("tags", filter.Tags is { Count: > 0 } tags ? JsonSerializer.Serialize(tags) : null),
            ("search", filter.Search is { } s ? "%" + s.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%" : null),
            ("limit", page.PageSize), ("offset", page.Offset),
        ];
        var total = await db.Command($"SELECT count(*) FROM videos v WHERE {where}", parameters).ScalarAsync<long>();
        var items = await db.Command($"SELECT {MediaRows.VideoColumns} FROM videos v WHERE {where} ORDER BY v.created_at DESC, v.id LIMIT @limit OFFSET @offset",
            parameters).ListAsync(MediaRows.ReadVideo);
        return new Page<Video>(items, total, page.Page, page.PageSize);
    }

    public Task<VideoFile?> File(Guid videoId) =>
        db.Command("SELECT path, container, is_published, deleted_at IS NOT NULL FROM videos WHERE id = @id", ("id", videoId))
            .FirstOrDefaultAsync(r => new VideoFile(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetBoolean(2), r.GetBoolean(3)));

    public async Task<Page<MediaJob>> Jobs(JobStatus? status, ResourceCategory? category, PageRequest page)
    {
        const string where = "j.type LIKE 'media.%' AND (@status::job_status IS NULL OR j.status = @status) AND (@category::resource_category IS NULL OR j.resource_category = @category)";
        (string, object?)[] parameters = [("status", status), ("category", category), ("limit", page.PageSize), ("offset", page.Offset)];
        var total = await db.Command($"SELECT count(*) FROM jobs j WHERE {where}", parameters).ScalarAsync<long>();
        var items = await db.Command($"SELECT {MediaRows.JobColumns} FROM jobs j WHERE {where} ORDER BY j.created_at DESC, j.id LIMIT @limit OFFSET @offset",
            parameters).ListAsync(r => MediaRows.ReadJob(r, withLog: false));
        return new Page<MediaJob>(items, total, page.Page, page.PageSize);
    }

    public Task<Compilation?> Compilation(Guid id) =>
        db.Command($"SELECT {MediaRows.CompilationColumns} FROM compilations c WHERE c.id = @id", ("id", id)).FirstOrDefaultAsync(MediaRows.ReadCompilation);

    private const string PublicColumns = """
        v.id, v.title, v.description, v.category, v.tags::text AS tags, v.duration_seconds, v.width, v.height, v.orientation, v.quality,
        v.view_count, v.published_at,
        (SELECT coalesce(jsonb_object_agg(reaction, n), '{}')::text FROM
            (SELECT reaction, count(*)::int AS n FROM media_reactions WHERE video_id = v.id GROUP BY reaction) r) AS reactions
        """;

    private const string Popularity = "(v.view_count + 3 * v.like_count)";

    private static PublicVideo ReadPublic(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.GetOrNull<string>("title"), r.GetOrNull<string>("description"), r.GetOrNull<string>("category"),
        JsonSerializer.Deserialize<List<string>>(r.Get<string>("tags")) ?? [], r.GetValueOrNull<double>("duration_seconds"),
        r.GetValueOrNull<int>("width"), r.GetValueOrNull<int>("height"), r.GetOrNull<string>("orientation"), r.GetOrNull<string>("quality"),
        r.Get<int>("view_count"), JsonSerializer.Deserialize<Dictionary<string, int>>(r.Get<string>("reactions")) ?? [],
        r.GetValueOrNull<DateTime>("published_at"), $"/api/media/videos/{r.Get<Guid>("id")}/stream");

    private const string Published = "v.is_published AND v.deleted_at IS NULL AND v.is_valid";

    public async Task<Page<PublicVideo>> Gallery(string? category, GallerySort sort, PageRequest page)
    {
        var where = $"{Published} AND (@category::text IS NULL OR lower(v.category) = lower(@category))";
        var order = sort == GallerySort.Popular ? $"{Popularity} DESC, v.published_at DESC" : "v.published_at DESC";
        (string, object?)[] parameters = [("category", category), ("limit", page.PageSize), ("offset", page.Offset)];
        var total = await db.Command($"SELECT count(*) FROM videos v WHERE {where}", parameters).ScalarAsync<long>();
        var items = await db.Command($"SELECT {PublicColumns} FROM videos v WHERE {where} ORDER BY {order}, v.id LIMIT @limit OFFSET @offset", parameters)
            .ListAsync(ReadPublic);
        return new Page<PublicVideo>(items, total, page.Page, page.PageSize);
    }

    public async Task<PublicVideoDetail?> GalleryVideo(Guid id)
    {
        var video = await db.Command($"SELECT {PublicColumns} FROM videos v WHERE v.id = @id AND {Published}", ("id", id)).FirstOrDefaultAsync(ReadPublic);
        if (video is null) return null;
        var comments = await db.Command("""
            SELECT id, name, text, created_at FROM media_comments WHERE video_id = @id AND status = 'APPROVED' ORDER BY created_at LIMIT 200
            """, ("id", id)).ListAsync(r => new PublicComment(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetDateTime(3)));
        var related = await db.Command($"""
            SELECT {PublicColumns} FROM videos v WHERE {Published} AND v.id <> @id
                AND (@category::text IS NULL OR lower(v.category) = lower(@category))
            ORDER BY {Popularity} DESC, v.published_at DESC LIMIT 3
            """, ("id", id), ("category", video.Category)).ListAsync(ReadPublic);
        return new PublicVideoDetail(video, comments, related);
    }

    public async Task<Page<MediaComment>> Comments(CommentStatus? status, PageRequest page)
    {
        (string, object?)[] parameters = [("status", status is { } s ? EnumWireNames.ToWireName(s) : null), ("limit", page.PageSize), ("offset", page.Offset)];
        const string where = "(@status::text IS NULL OR status = @status)";
        var total = await db.Command($"SELECT count(*) FROM media_comments WHERE {where}", parameters).ScalarAsync<long>();
        var items = await db.Command($"""
            SELECT id, video_id, name, email, text, status, created_at FROM media_comments WHERE {where} ORDER BY created_at, id LIMIT @limit OFFSET @offset
            """, parameters).ListAsync(ReadComment);
        return new Page<MediaComment>(items, total, page.Page, page.PageSize);
    }

    public static MediaComment ReadComment(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<Guid>("video_id"), r.Get<string>("name"), r.GetOrNull<string>("email"), r.Get<string>("text"),
        Enum.GetValues<CommentStatus>().First(s => EnumWireNames.ToWireName(s) == r.Get<string>("status")), r.Get<DateTime>("created_at"));
}
