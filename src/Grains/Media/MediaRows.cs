using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Media;

/// <summary>The media module's SQL: row shapes and the statements more than one grain runs.</summary>
public static class MediaRows
{
    public const string VideoColumns = """
        v.id, v.path, v.filename, v.original_filename, v.directory_type, v.title, v.description, v.tags::text AS tags,
        v.duration_seconds, v.width, v.height, v.orientation, v.quality, v.has_audio, v.codec, v.bit_rate, v.file_size,
        v.container, v.sha256, v.is_valid, v.validation_error, v.is_locked, v.is_published, v.published_at, v.category,
        v.view_count, v.deleted_at, v.created_at, v.updated_at, v.version
        """;

    public static Video ReadVideo(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<string>("path"), r.Get<string>("filename"), r.GetOrNull<string>("original_filename"),
        r.Get<DirectoryType>("directory_type"), r.GetOrNull<string>("title"), r.GetOrNull<string>("description"),
        JsonSerializer.Deserialize<List<string>>(r.Get<string>("tags")) ?? [],
        r.GetValueOrNull<double>("duration_seconds"), r.GetValueOrNull<int>("width"), r.GetValueOrNull<int>("height"),
        r.GetOrNull<string>("orientation"), r.GetOrNull<string>("quality"), r.Get<bool>("has_audio"), r.GetOrNull<string>("codec"),
        r.GetValueOrNull<long>("bit_rate"), r.GetValueOrNull<long>("file_size"), r.GetOrNull<string>("container"),
        r.GetOrNull<string>("sha256"), r.Get<bool>("is_valid"), r.GetOrNull<string>("validation_error"), r.Get<bool>("is_locked"),
        r.Get<bool>("is_published"), r.GetValueOrNull<DateTime>("published_at"), r.GetOrNull<string>("category"),
        r.Get<int>("view_count"), r.GetValueOrNull<DateTime>("deleted_at") is not null, r.Get<DateTime>("created_at"),
        r.Get<DateTime>("updated_at"));

    public const string JobColumns = """
        j.id, j.type, j.resource_category, j.status, j.priority, j.progress, j.processed, j.total, j.attempts, j.max_attempts,
        j.run_after, j.result::text AS result, j.error, j.log, j.created_by_user_id, j.created_at, j.started_at, j.completed_at, j.version
        """;

    public static MediaJob ReadJob(NpgsqlDataReader r, bool withLog = true) => new(
        r.Get<Guid>("id"), r.Get<string>("type"), r.Get<ResourceCategory>("resource_category"), r.Get<JobStatus>("status"),
        r.Get<int>("priority"), r.Get<int>("progress"), r.Get<long>("processed"), r.GetValueOrNull<long>("total"),
        r.Get<int>("attempts"), r.Get<int>("max_attempts"), r.GetValueOrNull<DateTime>("run_after"), r.GetOrNull<string>("result"),
        r.GetOrNull<string>("error"), withLog ? r.Get<string>("log") : null, r.GetValueOrNull<Guid>("created_by_user_id"),
        r.Get<DateTime>("created_at"), r.GetValueOrNull<DateTime>("started_at"), r.GetValueOrNull<DateTime>("completed_at"));

    public const string CompilationColumns = """
        c.id, c.title, c.description, c.video_ids::text AS video_ids, c.status, c.job_id, c.video_id, c.output_path,
        c.duration_seconds, c.file_size, c.created_at
        """;

    public static Compilation ReadCompilation(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<string>("title"), r.GetOrNull<string>("description"),
        JsonSerializer.Deserialize<List<Guid>>(r.Get<string>("video_ids")) ?? [], r.Get<JobStatus>("status"),
        r.GetValueOrNull<Guid>("job_id"), r.GetValueOrNull<Guid>("video_id"), r.GetOrNull<string>("output_path"),
        r.GetValueOrNull<double>("duration_seconds"), r.GetValueOrNull<long>("file_size"), r.Get<DateTime>("created_at"));

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new WireNameEnumConverterFactory() },
    };

    /// <summary>The live video that holds these bytes, if any.</summary>
    public static Task<Guid?> VideoWithHash(NpgsqlDataSource db, string sha256) =>
        db.Command("SELECT id FROM videos WHERE sha256 = @sha AND deleted_at IS NULL", ("sha", sha256))
            .FirstOrDefaultAsync(r => (Guid?)r.GetGuid(0));

    /// <summary>Appends a line to a job's log (kept to its last 64 KiB).</summary>
    public static Task AppendLog(NpgsqlDataSource db, Guid jobId, string line, CancellationToken cancellationToken = default) =>
        db.Command("UPDATE jobs SET log = right(log || @line, 65536) WHERE id = @id",
            ("id", jobId), ("line", $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}\n")).ExecuteAsync(cancellationToken);

    public static async Task<string> Sha256Of(string path, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file, cancellationToken));
    }
}
