using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Media;

/// <summary>
/// One video of the library. It loads its row on activation, decides every rule against it (a locked video refuses
/// edits, deletion and a change of publication; a deleted or invalid one cannot be published), and writes through
/// a version-checked UPDATE so a second activation cannot overwrite silently.
/// </summary>
public sealed class VideoGrain(NpgsqlDataSource db, MediaSettings settings, MediaProbe probe) : Grain, IVideoGrain
{
    public const int TitleMaxLength = 300;
    private Video? _video;
    private int _version;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await Load();

    private async Task Load()
    {
        var row = await db.Command($"SELECT {MediaRows.VideoColumns} FROM videos v WHERE v.id = @id", ("id", Id))
            .FirstOrDefaultAsync(r => (Video: MediaRows.ReadVideo(r), Version: r.Get<int>("version")));
        _video = row.Video;
        _version = row.Video is null ? 0 : row.Version;
    }

    private Video Current => _video is { IsDeleted: false } video ? video : throw DomainException.NotFound("Video");

    public async Task<Video> Ingest(IngestCommand command)
    {
        if (!Path.GetFullPath(command.SourcePath).StartsWith(settings.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw DomainException.Invalid("file", "is not under MEDIA_ROOT.");
        var keep = command.KeepName;
        try
        {
            if (_video is not null) throw DomainException.Conflict("This video exists already.");
            if (await MediaRows.VideoWithHash(db, command.Sha256) is { } existing) throw Duplicate(existing);
            var info = await probe.ProbeAsync(command.SourcePath);
            string relative;
            if (keep)
            {
                relative = Path.GetRelativePath(settings.Root, command.SourcePath);
            }
            else
            {
                var folder = settings.FolderOf(command.DirectoryType);
                Directory.CreateDirectory(folder);
                var name = Id + MediaProbe.ExtensionFor(info.Container, command.OriginalFilename);
                relative = Path.Combine(EnumWireNames.ToWireName(command.DirectoryType), name);
                File.Move(command.SourcePath, settings.FullPath(relative));
            }
            try
            {
                _video = await db.Command($"""
                    INSERT INTO videos AS v (id, path, filename, original_filename, directory_type, title, description, tags, duration_seconds,
                        width, height, orientation, quality, has_audio, codec, bit_rate, file_size, container, sha256, category, created_by_user_id)
                    VALUES (@id, @path, @filename, @original, @directory, @title, @description, @tags::jsonb, @duration, @width, @height,
                        @orientation, @quality, @audio, @codec, @bitrate, @size, @container, @sha, @category, (SELECT id FROM users WHERE id = @user))
                    RETURNING {MediaRows.VideoColumns}
                    """, ("id", Id), ("path", relative), ("filename", Path.GetFileName(relative)), ("original", Trim(command.OriginalFilename, 300)),
                        ("directory", command.DirectoryType), ("title", command.Title ?? TitleFrom(command.OriginalFilename)),
                        ("description", command.Description), ("tags", JsonSerializer.Serialize(CleanTags(command.Tags))),
                        ("duration", info.DurationSeconds), ("width", info.Width), ("height", info.Height), ("orientation", info.Orientation),
                        ("quality", info.Quality), ("audio", info.HasAudio), ("codec", info.Codec), ("bitrate", info.BitRate),
                        ("size", info.FileSize), ("container", info.Container), ("sha", command.Sha256), ("category", command.Category),
                        ("user", command.UserId))
                    .FirstOrDefaultAsync(MediaRows.ReadVideo);
                _version = 0;
                return _video!;
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation("videos_sha256_live_key") && !keep)
            {
                // The same bytes arrived twice at once: the other upload won.
                File.Delete(settings.FullPath(relative));
                keep = true;
                throw Duplicate(await MediaRows.VideoWithHash(db, command.Sha256) ?? Guid.Empty);
            }
        }
        catch when (!keep)
        {
            // A refused upload leaves nothing behind.
            File.Delete(command.SourcePath);
            throw;
        }
    }

    private static DomainException Duplicate(Guid existing) => DomainException.Conflict(
        $"The same file is in the library already as video {existing}.",
        new Dictionary<string, string> { ["reason"] = "DUPLICATE", ["existingVideoId"] = existing.ToString() });

    public Task<Video> Get() => Task.FromResult(Current);

    public async Task<Video> Update(UpdateVideoCommand command)
    {
        var video = RequireUnlocked();
        var path = video.Path;
        if (command.DirectoryType is { } directory && directory != video.DirectoryType)
        {
            Directory.CreateDirectory(settings.FolderOf(directory));
            path = Path.Combine(EnumWireNames.ToWireName(directory), video.Filename);
            if (File.Exists(settings.FullPath(path))) throw DomainException.Conflict($"{path} exists already.");
            if (File.Exists(settings.FullPath(video.Path))) File.Move(settings.FullPath(video.Path), settings.FullPath(path));
        }
        try
        {
            return await Commit("""
                title = coalesce(@title::text, title), description = CASE WHEN @description::text IS NULL THEN description ELSE nullif(@description::text, '') END,
                tags = coalesce(@tags::jsonb, tags), directory_type = coalesce(@directory::directory_type, directory_type), path = @path,
                category = CASE WHEN @category::text IS NULL THEN category ELSE nullif(@category::text, '') END
                """, ("title", command.Title), ("description", command.Description),
                ("tags", command.Tags is null ? null : JsonSerializer.Serialize(CleanTags(command.Tags))),
                ("directory", command.DirectoryType), ("path", path), ("category", command.Category));
        }
        catch when (path != video.Path)
        {
            File.Move(settings.FullPath(path), settings.FullPath(video.Path));
            throw;
        }
    }

    public async Task Delete()
    {
        RequireUnlocked();
        await Commit("deleted_at = now(), is_published = false");
    }

    public async Task<Video> SetLocked(bool locked)
    {
        var video = Current;
        if (video.IsLocked == locked) return video;
        return await Commit("is_locked = @locked", ("locked", locked));
    }

    public async Task<Video> SetPublished(bool published)
    {
        var video = RequireUnlocked();
        if (video.IsPublished == published) return video;
        if (published && !video.IsValid) throw DomainException.Conflict($"The video failed validation ({video.ValidationError}); it cannot be published.");
        return await Commit("is_published = @published, published_at = CASE WHEN @published THEN now() ELSE published_at END", ("published", published));
    }

    public async Task<Video> ApplyValidation(MediaInfo? info, string? error)
    {
        _ = Current;
        return info is null
            ? await Commit("is_valid = false, validation_error = @error, is_published = false", ("error", error ?? "unreadable"))
            : await Commit("""
                is_valid = true, validation_error = NULL, duration_seconds = @duration, width = @width, height = @height, orientation = @orientation,
                quality = @quality, has_audio = @audio, codec = @codec, bit_rate = @bitrate, file_size = @size, container = @container
                """, ("duration", info.DurationSeconds), ("width", info.Width), ("height", info.Height), ("orientation", info.Orientation),
                ("quality", info.Quality), ("audio", info.HasAudio), ("codec", info.Codec), ("bitrate", info.BitRate), ("size", info.FileSize),
                ("container", info.Container));
    }

    private Video RequireUnlocked()
    {
        var video = Current;
        if (video.IsLocked) throw DomainException.Conflict("The video is locked; unlock it first.", new Dictionary<string, string> { ["reason"] = "LOCKED" });
        return video;
    }

    private async Task<Video> Commit(string assignments, params (string Name, object? Value)[] parameters)
    {
        var all = parameters.Concat([("id", (object?)Id), ("version", _version)]).ToArray();
        var updated = await db.Command($"""
            UPDATE videos AS v SET {assignments}, version = version + 1, updated_at = now()
            WHERE id = @id AND version = @version
            RETURNING {MediaRows.VideoColumns}
            """, all).FirstOrDefaultAsync(r => (Video: MediaRows.ReadVideo(r), Version: r.Get<int>("version")));
        if (updated.Video is null)
        {
            await Load();
            throw DomainException.Conflict("The video was changed meanwhile; reload and try again.");
        }
        (_video, _version) = updated;
        return updated.Video;
    }

    public static IReadOnlyList<string> CleanTags(IReadOnlyList<string>? tags) =>
        (tags ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Select(t => t.Length > 50 ? t[..50] : t)
            .Distinct(StringComparer.OrdinalIgnoreCase).Take(50).ToList();

    private static string? TitleFrom(string? originalName) =>
        originalName is null ? null : Trim(Path.GetFileNameWithoutExtension(originalName), TitleMaxLength);

    private static string? Trim(string? text, int max) => text is { } t && t.Length > max ? t[..max] : text;
}
