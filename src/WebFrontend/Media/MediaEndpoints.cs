using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Media;

public static class MediaEndpoints
{
    public sealed record UpdateVideoRequest(string? Title, string? Description, List<string>? Tags, DirectoryType? DirectoryType, string? Category);
    public sealed record CreateCompilationRequest(string? Title, string? Description, List<Guid>? VideoIds);
    public sealed record UpdateJobRequest(int? Priority);
    public sealed record StartScanRequest(DirectoryType? DirectoryType);
    public sealed record StartRevalidationRequest(List<Guid>? VideoIds);
    public sealed record ReactRequest(MediaReaction? Reaction);
    public sealed record CommentRequest(string? Name, string? Email, string? Text);

    public const int MaxPriority = 1000;

    public static IServiceCollection AddMediaFrontend(this IServiceCollection services)
    {
        services.AddSingleton(sp => MediaFrontendOptions.From(sp.GetRequiredService<IConfiguration>()));
        return services;
    }

    public static IEndpointRouteBuilder MapMediaEndpoints(this IEndpointRouteBuilder app)
    {
        var media = app.MapGroup("/api/media").WithTags("Media");
        var admin = media.MapGroup("").RequireAuthorization(Policies.SuperAdmin);

        admin.MapPost("/upload", async (HttpContext http, IClusterClient cluster, MediaFrontendOptions options) =>
        {
            var video = await MediaUploads.ReceiveAsync(http, cluster, options, AccessRules.UserIdOf(http.User));
            return TypedResults.Created($"/api/media/videos/{video.Id}", video);
        }).DisableAntiforgery().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
          .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        admin.MapGet("/videos", (HttpContext http, IClusterClient cluster, string? directoryType, string? search, string? tags, string? orientation,
            bool? includeDeleted) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var directory = QueryEnum.Parse<DirectoryType>(validation, "directoryType", directoryType);
            if (orientation is not null && orientation is not ("landscape" or "portrait" or "square"))
                validation.Add("orientation", "must be one of: landscape, portrait, square.");
            validation.MaxLength("search", search, 200);
            validation.ThrowIfInvalid();
            var tagList = tags?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return cluster.GetGrain<IMediaQueryGrain>(0).Videos(new VideoFilter(directory, string.IsNullOrWhiteSpace(search) ? null : search.Trim(),
                tagList, orientation, includeDeleted ?? false), page);
        }).ProducesValidationProblem();

        admin.MapGet("/videos/{id:guid}", (Guid id, IClusterClient cluster) => cluster.GetGrain<IVideoGrain>(id).Get())
            .ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPatch("/videos/{id:guid}", (Guid id, Body<UpdateVideoRequest> body, IClusterClient cluster) =>
        {
            var b = body.Value;
            var validation = new Validation();
            if (b.Title is not null) validation.Required("title", b.Title, 300);
            validation.MaxLength("description", b.Description, 5000);
            validation.MaxLength("category", b.Category, 100);
            if (b.Tags is { Count: > 50 }) validation.Add("tags", "at most 50 tags.");
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IVideoGrain>(id).Update(new UpdateVideoCommand(b.Title?.Trim(), b.Description, b.Tags, b.DirectoryType, b.Category?.Trim()));
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapDelete("/videos/{id:guid}", async (Guid id, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IVideoGrain>(id).Delete();
            return TypedResults.NoContent();
        }).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapPost("/videos/{id:guid}/lock", (Guid id, IClusterClient cluster) => cluster.GetGrain<IVideoGrain>(id).SetLocked(true))
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/videos/{id:guid}/unlock", (Guid id, IClusterClient cluster) => cluster.GetGrain<IVideoGrain>(id).SetLocked(false))
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/videos/{id:guid}/publish", (Guid id, IClusterClient cluster) => cluster.GetGrain<IVideoGrain>(id).SetPublished(true))
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPost("/videos/{id:guid}/unpublish", (Guid id, IClusterClient cluster) => cluster.GetGrain<IVideoGrain>(id).SetPublished(false))
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        // Anyone may watch a published video; until then only SUPER_ADMIN. Range requests are answered 206.
        media.MapGet("/videos/{id:guid}/stream", async (Guid id, HttpContext http, IClusterClient cluster, MediaFrontendOptions options) =>
        {
            var file = await cluster.GetGrain<IMediaQueryGrain>(0).File(id);
            if (file is null || file.IsDeleted || (!file.IsPublished && !MediaFrontendOptions.IsSuperAdmin(http.User)))
                throw DomainException.NotFound("Video");
            var path = options.FullPath(file.Path);
            if (!File.Exists(path)) throw DomainException.NotFound("The video's file");
            return Results.File(path, ContentTypeOf(path), enableRangeProcessing: true);
        }).AllowAnonymous()
            .Produces<byte[]>(StatusCodes.Status200OK, "video/mp4", "video/webm", "video/quicktime", "video/x-matroska", "application/octet-stream")
            .Produces<byte[]>(StatusCodes.Status206PartialContent, "video/mp4", "video/webm", "video/quicktime", "video/x-matroska", "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);

        admin.MapPost("/compilations", async (Body<CreateCompilationRequest> body, HttpContext http, IClusterClient cluster) =>
        {
            var b = body.Value;
            var validation = new Validation();
            validation.Required("title", b.Title, 300);
            validation.MaxLength("description", b.Description, 5000);
            if (b.VideoIds is null) validation.Add("videoIds", "is required.");
            else if (b.VideoIds.Count < 2) validation.Add("videoIds", "a compilation joins at least two videos.");
            validation.ThrowIfInvalid();
            var started = await cluster.GetGrain<IMediaLibraryGrain>(0).StartCompilation(b.Title!.Trim(), b.Description, b.VideoIds!,
                AccessRules.UserIdOf(http.User));
            return TypedResults.Accepted($"/api/media/compilations/{started.Compilation.Id}", started);
        }).ProducesValidationProblem();

        admin.MapGet("/compilations/{id:guid}", async (Guid id, IClusterClient cluster) =>
            await cluster.GetGrain<IMediaQueryGrain>(0).Compilation(id) ?? throw DomainException.NotFound("Compilation"))
            .ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPost("/scans", async (Body<StartScanRequest> body, HttpContext http, IClusterClient cluster) =>
        {
            if (body.Value.DirectoryType is not { } directory) throw new RequestValidationException("directoryType", "is required.");
            var job = await cluster.GetGrain<IMediaLibraryGrain>(0).StartScan(directory, AccessRules.UserIdOf(http.User));
            return TypedResults.Accepted($"/api/media/jobs/{job.Id}", job);
        }).ProducesValidationProblem();

        admin.MapPost("/revalidations", async (Body<StartRevalidationRequest> body, HttpContext http, IClusterClient cluster) =>
        {
            if (body.Value.VideoIds is { Count: > 10_000 }) throw new RequestValidationException("videoIds", "at most 10000 videos per job.");
            var job = await cluster.GetGrain<IMediaLibraryGrain>(0).StartRevalidation(body.Value.VideoIds, AccessRules.UserIdOf(http.User));
            return TypedResults.Accepted($"/api/media/jobs/{job.Id}", job);
        }).ProducesValidationProblem();

        admin.MapGet("/jobs", (HttpContext http, IClusterClient cluster, string? status, string? category) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var statusFilter = QueryEnum.Parse<JobStatus>(validation, "status", status);
            var categoryFilter = QueryEnum.Parse<ResourceCategory>(validation, "category", category);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IMediaQueryGrain>(0).Jobs(statusFilter, categoryFilter, page);
        }).ProducesValidationProblem();

        admin.MapGet("/jobs/{id:guid}", (Guid id, IClusterClient cluster) => cluster.GetGrain<IMediaJobGrain>(id).Get())
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/jobs/{id:guid}/cancel", (Guid id, IClusterClient cluster) => cluster.GetGrain<IMediaJobGrain>(id).Cancel())
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPost("/jobs/{id:guid}/retry", (Guid id, IClusterClient cluster) => cluster.GetGrain<IMediaJobGrain>(id).Retry())
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPatch("/jobs/{id:guid}", (Guid id, Body<UpdateJobRequest> body, IClusterClient cluster) =>
        {
            var validation = new Validation();
            if (validation.Required("priority", body.Value.Priority)) validation.Range("priority", body.Value.Priority, -MaxPriority, MaxPriority);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IMediaJobGrain>(id).SetPriority(body.Value.Priority!.Value);
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapGet("/comments", (HttpContext http, IClusterClient cluster, string? status) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var statusFilter = QueryEnum.Parse<CommentStatus>(validation, "status", status);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IMediaQueryGrain>(0).Comments(statusFilter, page);
        }).ProducesValidationProblem();
        admin.MapPost("/comments/{id:guid}/approve", (Guid id, IClusterClient cluster) =>
            cluster.GetGrain<IMediaLibraryGrain>(0).Moderate(id, CommentStatus.Approved)).ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/comments/{id:guid}/reject", (Guid id, IClusterClient cluster) =>
            cluster.GetGrain<IMediaLibraryGrain>(0).Moderate(id, CommentStatus.Rejected)).ProducesProblem(StatusCodes.Status404NotFound);

        MapGallery(app);
        return app;
    }

    private static void MapGallery(IEndpointRouteBuilder app)
    {
        var gallery = app.MapGroup("/api/public/media").WithTags("Media").AllowAnonymous();

        gallery.MapGet("/", (HttpContext http, IClusterClient cluster, string? category, string? sort) =>
        {
            var page = Paging.From(http.Request, 24);
            var validation = new Validation();
            var order = QueryEnum.Parse<GallerySort>(validation, "sort", sort) ?? GallerySort.Recent;
            validation.MaxLength("category", category, 100);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IMediaQueryGrain>(0).Gallery(string.IsNullOrWhiteSpace(category) ? null : category.Trim(), order, page);
        }).ProducesValidationProblem();

        gallery.MapGet("/{id:guid}", async (Guid id, IClusterClient cluster) =>
            await cluster.GetGrain<IMediaQueryGrain>(0).GalleryVideo(id) ?? throw DomainException.NotFound("Video"))
            .ProducesProblem(StatusCodes.Status404NotFound);

        gallery.MapPost("/{id:guid}/view", async (Guid id, HttpContext http, IClusterClient cluster, AbuseLimits limits, MediaFrontendOptions options) =>
        {
            await limits.EnforcePerIpAsync("media-view", http, options.PublicPerIpPerMinute);
            await cluster.GetGrain<IMediaLibraryGrain>(0).View(id);
            return TypedResults.NoContent();
        }).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests);

        gallery.MapPost("/{id:guid}/reactions", async (Guid id, Body<ReactRequest> body, HttpContext http, IClusterClient cluster, AbuseLimits limits,
            MediaFrontendOptions options) =>
        {
            if (body.Value.Reaction is not { } reaction)
                throw new RequestValidationException("reaction", "is required: one of LIKE, LOVE, LAUGH, WOW, SAD, ANGRY.");
            await limits.EnforcePerIpAsync("media-react", http, options.PublicPerIpPerMinute);
            return await cluster.GetGrain<IMediaLibraryGrain>(0).React(id, IpOf(http), reaction);
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests);

        gallery.MapPost("/{id:guid}/comments", async (Guid id, Body<CommentRequest> body, HttpContext http, IClusterClient cluster, AbuseLimits limits,
            MediaFrontendOptions options) =>
        {
            var b = body.Value;
            var validation = new Validation();
            validation.Required("name", b.Name, 100);
            validation.Email("email", b.Email, required: false);
            validation.Required("text", b.Text, 2000);
            validation.ThrowIfInvalid();
            await limits.EnforcePerIpAsync("media-comment", http, options.PublicPerIpPerMinute);
            var comment = await cluster.GetGrain<IMediaLibraryGrain>(0).Comment(id, b.Name!.Trim(), string.IsNullOrWhiteSpace(b.Email) ? null : b.Email.Trim(),
                b.Text!.Trim(), IpOf(http));
            // The comment waits for moderation: the public answer says so and does not echo the email.
            return TypedResults.Accepted($"/api/public/media/{id}", new CommentAccepted(comment.Id, comment.Status, comment.CreatedAt));
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    private static string IpOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".mov" => "video/quicktime",
        ".m4v" => "video/x-m4v",
        ".mkv" => "video/x-matroska",
        ".webm" => "video/webm",
        ".avi" => "video/x-msvideo",
        ".flv" => "video/x-flv",
        _ => "video/mp4",
    };
}

/// <summary>A public comment as its writer is answered: waiting for moderation, without the email it was given.</summary>
public sealed record CommentAccepted(Guid Id, CommentStatus Status, DateTime CreatedAt);
