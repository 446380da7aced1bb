using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Pages;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChangemakerLite.WebFrontend.Pages;

/// <summary>
/// Landing pages (docs/api/pages.md): the admins' CRUD with publish and MkDocs export, the block library,
/// the public JSON and <c>/p/{slug}</c>, which serves a published page as a sandboxed HTML document.
/// </summary>
public static class PageEndpoints
{
    /// <summary>A page's HTML, CSS and editor JSON together can be large; the other JSON bodies keep the default limit.</summary>
    public const long MaxPageBodyBytes = 8 * 1024 * 1024;
    public const int MaxBlocksJsonChars = 4 * 1024 * 1024;
    public const int MaxBlockJsonChars = 256 * 1024;

    /// <summary>
    /// The policy of every <c>/p/</c> answer. <c>sandbox</c> without <c>allow-same-origin</c> runs the authored page in an
    /// opaque origin: its scripts cannot read this site's storage or cookies (an admin's tokens), and its requests to
    /// <c>/api</c> are cross-origin, without credentials, their answers unreadable. Scripts, forms and popups still work.
    /// </summary>
    public const string ContentSecurityPolicy =
        "sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals allow-downloads; " +
        "frame-ancestors 'self'; object-src 'none'; base-uri 'none'";

    public sealed record CreatePageRequest(string? Title, string? Slug, string? Description, EditorMode? EditorMode, JsonElement Blocks,
        string? HtmlOutput, string? CssOutput, string? SeoTitle, string? SeoDescription, string? SeoImage, bool? Published,
        MkdocsExportMode? MkdocsExportMode, bool? MkdocsHideNav, bool? MkdocsHideToc, bool? MkdocsSkipExport, string? MkdocsPath,
        string? MkdocsStubPath) : IPageFields;

    /// <summary>A partial edit: an absent field is left as it is, <c>blocks: null</c> removes the editor JSON, an empty text clears it.</summary>
    public sealed record UpdatePageRequest(string? Title, string? Slug, string? Description, EditorMode? EditorMode, JsonElement Blocks,
        string? HtmlOutput, string? CssOutput, string? SeoTitle, string? SeoDescription, string? SeoImage, bool? Published,
        MkdocsExportMode? MkdocsExportMode, bool? MkdocsHideNav, bool? MkdocsHideToc, bool? MkdocsSkipExport, string? MkdocsPath,
        string? MkdocsStubPath) : IPageFields;

    /// <summary>The fields a new page and a page's edit both carry, read the same way for both.</summary>
    public interface IPageFields
    {
        string? Title { get; }
        string? Slug { get; }
        string? Description { get; }
        EditorMode? EditorMode { get; }
        JsonElement Blocks { get; }
        string? HtmlOutput { get; }
        string? CssOutput { get; }
        string? SeoTitle { get; }
        string? SeoDescription { get; }
        string? SeoImage { get; }
        bool? Published { get; }
        MkdocsExportMode? MkdocsExportMode { get; }
        bool? MkdocsHideNav { get; }
        bool? MkdocsHideToc { get; }
        bool? MkdocsSkipExport { get; }
        string? MkdocsPath { get; }
        string? MkdocsStubPath { get; }
    }

    public sealed record CreatePageBlockRequest(string? Type, string? Label, JsonElement Schema, JsonElement Defaults, string? Thumbnail,
        string? Category, int? SortOrder);

    /// <summary>A partial edit: an absent field is left as it is, <c>schema: null</c> / <c>defaults: null</c> remove them.</summary>
    public sealed record UpdatePageBlockRequest(string? Type, string? Label, JsonElement Schema, JsonElement Defaults, string? Thumbnail,
        string? Category, int? SortOrder);

    /// <summary>A line of the public list of published pages: where it is and what it is called.</summary>
    public sealed record PublicPageSummary(string Slug, string Title, string? Description, DateTimeOffset UpdatedAt);

    public static IServiceCollection AddPagesFrontend(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapPagesEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = Policies.Administer(AdminApp.Pages);
        var pages = app.MapGroup("/api/pages").WithTags("Pages").RequireAuthorization(admin);

        pages.MapGet("/", (HttpContext http, IClusterClient cluster, string? published, string? search) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            bool? publishedFilter = null;
            if (!string.IsNullOrWhiteSpace(published))
            {
                if (bool.TryParse(published, out var parsed)) publishedFilter = parsed;
                else validation.Add("published", "must be true or false.");
            }
            validation.MaxLength("search", search, PageRules.TitleMaxLength);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IPageQueryGrain>(0).List(new PageFilter(publishedFilter, search), page);
        }).ProducesValidationProblem();

        pages.MapPost("/", async Task<Created<LandingPageView>> (Body<CreatePageRequest> body, IClusterClient cluster) =>
        {
            var request = body.Value;
            var validation = new Validation();
            validation.Required("title", request.Title, PageRules.TitleMaxLength);
            NoNullCharacter(validation, "title", request.Title);
            var changes = Changes(validation, request);
            validation.ThrowIfInvalid();
            var created = await cluster.GetGrain<ILandingPageGrain>(Ids.New()).Create(changes);
            return TypedResults.Created($"/api/pages/{created.Id}", created);
        }).WithMetadata(new RequestSizeLimitAttribute(MaxPageBodyBytes))
          .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        pages.MapGet("/{id:guid}", async Task<Ok<LandingPageView>> (Guid id, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<ILandingPageGrain>(id).Get()))
            .ProducesProblem(StatusCodes.Status404NotFound);

        pages.MapPut("/{id:guid}", async Task<Ok<LandingPageView>> (Guid id, Body<UpdatePageRequest> body, IClusterClient cluster) =>
        {
            var request = body.Value;
            var validation = new Validation();
            if (request.Title is not null) validation.Required("title", request.Title, PageRules.TitleMaxLength);
            NoNullCharacter(validation, "title", request.Title);
            var changes = Changes(validation, request);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<ILandingPageGrain>(id).Update(changes));
        }).WithMetadata(new RequestSizeLimitAttribute(MaxPageBodyBytes))
          .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
          .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        pages.MapDelete("/{id:guid}", async Task<NoContent> (Guid id, IClusterClient cluster) =>
        {
            await cluster.GetGrain<ILandingPageGrain>(id).Delete();
            return TypedResults.NoContent();
        }).ProducesProblem(StatusCodes.Status404NotFound);

        pages.MapPost("/exports/validate", async Task<Ok<ExportValidation>> (IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IPageQueryGrain>(0).ValidateExports()))
            .ProducesProblem(StatusCodes.Status409Conflict);

        var blocks = app.MapGroup("/api/page-blocks").WithTags("Pages").RequireAuthorization(admin);

        blocks.MapGet("/", (HttpContext http, IClusterClient cluster, string? category, string? type) =>
        {
            var page = Paging.From(http.Request, defaultPageSize: 100);
            var validation = new Validation();
            validation.MaxLength("category", category, PageRules.BlockCategoryMaxLength);
            validation.MaxLength("type", type, PageRules.BlockTypeMaxLength);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IPageQueryGrain>(0).Blocks(Blank(category), Blank(type), page);
        }).ProducesValidationProblem();

        blocks.MapPost("/", async Task<Created<PageBlockView>> (Body<CreatePageBlockRequest> body, IClusterClient cluster) =>
        {
            var request = body.Value;
            var validation = new Validation();
            if (validation.Required("type", request.Type, PageRules.BlockTypeMaxLength)) BlockType(validation, request.Type!);
            validation.Required("label", request.Label, PageRules.BlockLabelMaxLength);
            NoNullCharacter(validation, "label", request.Label);
            var changes = BlockChangesOf(validation, request.Schema, request.Defaults, request.Thumbnail, request.Category) with
            {
                Type = request.Type,
                Label = request.Label,
                SortOrder = request.SortOrder,
            };
            validation.ThrowIfInvalid();
            var created = await cluster.GetGrain<IPageBlockGrain>(Ids.New()).Create(changes);
            return TypedResults.Created($"/api/page-blocks/{created.Id}", created);
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        blocks.MapGet("/{id:guid}", async Task<Ok<PageBlockView>> (Guid id, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IPageBlockGrain>(id).Get()))
            .ProducesProblem(StatusCodes.Status404NotFound);

        blocks.MapPatch("/{id:guid}", async Task<Ok<PageBlockView>> (Guid id, Body<UpdatePageBlockRequest> body, IClusterClient cluster) =>
        {
            var request = body.Value;
            var validation = new Validation();
            if (request.Type is not null && validation.Required("type", request.Type, PageRules.BlockTypeMaxLength)) BlockType(validation, request.Type);
            if (request.Label is not null) validation.Required("label", request.Label, PageRules.BlockLabelMaxLength);
            NoNullCharacter(validation, "label", request.Label);
            var changes = BlockChangesOf(validation, request.Schema, request.Defaults, request.Thumbnail, request.Category) with
            {
                Type = request.Type,
                Label = request.Label,
                SortOrder = request.SortOrder,
            };
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IPageBlockGrain>(id).Update(changes));
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        blocks.MapDelete("/{id:guid}", async Task<NoContent> (Guid id, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IPageBlockGrain>(id).Delete();
            return TypedResults.NoContent();
        }).ProducesProblem(StatusCodes.Status404NotFound);

        // The published pages for a site's own listing (the home page): addresses and titles, none of the content.
        app.MapGet("/api/public/pages", async (HttpContext http, IClusterClient cluster, string? search) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            validation.MaxLength("search", search, PageRules.TitleMaxLength);
            validation.ThrowIfInvalid();
            var list = await cluster.GetGrain<IPageQueryGrain>(0).List(new PageFilter(true, string.IsNullOrWhiteSpace(search) ? null : search.Trim()), page);
            return TypedResults.Ok(new Page<PublicPageSummary>(
                list.Items.Select(p => new PublicPageSummary(p.Slug, p.Title, p.Description, p.UpdatedAt)).ToList(), list.Total, list.PageNumber, list.PageSize));
        }).WithTags("Pages").AllowAnonymous().ProducesValidationProblem();

        app.MapGet("/api/public/pages/{slug}", async Task<Results<Ok<PublicPageView>, ProblemHttpResult>> (string slug, HttpContext http,
            IClusterClient cluster) =>
        {
            http.Response.Headers.XContentTypeOptions = "nosniff";
            var page = await cluster.GetGrain<IPageQueryGrain>(0).PublishedBySlug(slug);
            return page is null ? NotFound() : TypedResults.Ok(page);
        }).WithTags("Pages").AllowAnonymous().ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/p/{slug}", async Task<Results<ContentHttpResult, ProblemHttpResult>> (string slug, HttpContext http, IClusterClient cluster,
            FrontendSettings settings) =>
        {
            // On every answer, the 404 included: nothing served under /p/ runs with this site's origin.
            Isolate(http.Response);
            var page = await cluster.GetGrain<IPageQueryGrain>(0).PublishedBySlug(slug);
            return page is null ? NotFound() : TypedResults.Text(PageDocument.Render(page, settings.PublicBaseUrl), "text/html; charset=utf-8");
        }).WithTags("Pages").AllowAnonymous().Produces(StatusCodes.Status200OK, contentType: "text/html")
          .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    /// <summary>The headers that keep an authored page away from this site's origin (see <see cref="ContentSecurityPolicy"/>).</summary>
    public static void Isolate(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        response.Headers.CacheControl = "no-cache";
    }

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No published page has this slug.");

    /// <summary>The checks and conversions both page bodies share; slug and paths by the rules the grain applies again.</summary>
    private static PageChanges Changes(Validation validation, IPageFields request)
    {
        var (slug, description, html, css) = (request.Slug, request.Description, request.HtmlOutput, request.CssOutput);
        var (seoTitle, seoDescription, seoImage) = (request.SeoTitle, request.SeoDescription, request.SeoImage);
        var (mkdocsPath, mkdocsStubPath) = (request.MkdocsPath, request.MkdocsStubPath);
        if (!string.IsNullOrWhiteSpace(slug) && PageRules.SlugProblem(slug.Trim()) is { } slugProblem) validation.Add("slug", slugProblem);
        if (!string.IsNullOrWhiteSpace(mkdocsPath) && PageRules.PathProblem(mkdocsPath.Trim(), ".html") is { } pathProblem)
            validation.Add("mkdocsPath", pathProblem);
        if (!string.IsNullOrWhiteSpace(mkdocsStubPath) && PageRules.PathProblem(mkdocsStubPath.Trim(), ".md") is { } stubProblem)
            validation.Add("mkdocsStubPath", stubProblem);
        validation.MaxLength("description", description, PageRules.DescriptionMaxLength);
        validation.MaxLength("htmlOutput", html, PageRules.HtmlMaxLength);
        validation.MaxLength("cssOutput", css, PageRules.CssMaxLength);
        validation.MaxLength("seoTitle", seoTitle, PageRules.SeoTitleMaxLength);
        validation.MaxLength("seoDescription", seoDescription, PageRules.SeoDescriptionMaxLength);
        if (!string.IsNullOrWhiteSpace(seoImage) && validation.MaxLength("seoImage", seoImage, PageRules.UrlMaxLength) && !PageRules.IsImageUrl(seoImage.Trim()))
            validation.Add("seoImage", "must be an http(s) URL or a path starting with '/'.");
        foreach (var (field, value) in new[] { ("description", description), ("htmlOutput", html), ("cssOutput", css), ("seoTitle", seoTitle),
                     ("seoDescription", seoDescription) })
            NoNullCharacter(validation, field, value);
        var (blocksJson, clearBlocks) = Json(validation, "blocks", request.Blocks, MaxBlocksJsonChars);
        return new PageChanges(Title: request.Title, Slug: slug, Description: description, BlocksJson: blocksJson, ClearBlocks: clearBlocks,
            HtmlOutput: html, CssOutput: css, EditorMode: request.EditorMode, MkdocsPath: mkdocsPath, MkdocsStubPath: mkdocsStubPath,
            MkdocsExportMode: request.MkdocsExportMode, MkdocsHideNav: request.MkdocsHideNav, MkdocsHideToc: request.MkdocsHideToc,
            MkdocsSkipExport: request.MkdocsSkipExport, Published: request.Published, SeoTitle: seoTitle, SeoDescription: seoDescription,
            SeoImage: seoImage);
    }

    private static BlockChanges BlockChangesOf(Validation validation, JsonElement schema, JsonElement defaults, string? thumbnail, string? category)
    {
        validation.MaxLength("category", category, PageRules.BlockCategoryMaxLength);
        NoNullCharacter(validation, "category", category);
        if (!string.IsNullOrWhiteSpace(thumbnail) && validation.MaxLength("thumbnail", thumbnail, PageRules.UrlMaxLength) && !PageRules.IsImageUrl(thumbnail.Trim()))
            validation.Add("thumbnail", "must be an http(s) URL or a path starting with '/'.");
        var (schemaJson, clearSchema) = Json(validation, "schema", schema, MaxBlockJsonChars);
        var (defaultsJson, clearDefaults) = Json(validation, "defaults", defaults, MaxBlockJsonChars);
        return new BlockChanges(SchemaJson: schemaJson, ClearSchema: clearSchema, DefaultsJson: defaultsJson, ClearDefaults: clearDefaults,
            Thumbnail: thumbnail, Category: category);
    }

    private static void BlockType(Validation validation, string type)
    {
        if (!PageRules.IsBlockType(type.Trim())) validation.Add("type", "must be a short lower-case name such as hero or call-to-action.");
    }

    /// <summary>A JSON field kept as it was sent: absent leaves it, null clears it, an object or array is stored.</summary>
    private static (string? Json, bool Clear) Json(Validation validation, string field, JsonElement value, int maxChars)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                return (null, false);
            case JsonValueKind.Null:
                return (null, true);
            case JsonValueKind.Object or JsonValueKind.Array:
                var text = value.GetRawText();
                if (text.Length > maxChars) { validation.Add(field, $"must be at most {maxChars} characters of JSON."); return (null, false); }
                // PostgreSQL's jsonb refuses the null character that JSON allows inside strings.
                if (text.Contains("\\u0000", StringComparison.Ordinal)) { validation.Add(field, "must not contain a null character."); return (null, false); }
                return (text, false);
            default:
                validation.Add(field, "must be a JSON object or array, or null.");
                return (null, false);
        }
    }

    /// <summary>PostgreSQL text cannot hold the null character; a text with one is the client's mistake, not a 500.</summary>
    private static void NoNullCharacter(Validation validation, string field, string? value)
    {
        if (value is not null && value.Contains('\0')) validation.Add(field, "must not contain a null character.");
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
