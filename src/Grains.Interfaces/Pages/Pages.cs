using System.Text.Json;
using System.Text.Json.Serialization;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Pages;

/// <summary>A landing page as its admins see it: the editor's JSON, the HTML and CSS it produced, SEO and export settings.</summary>
[GenerateSerializer, Immutable, Alias("cml.pages.LandingPageView")]
public sealed record LandingPageView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Slug,
    [property: Id(2)] string Title,
    [property: Id(3)] string? Description,
    // The editor's project JSON exactly as the editor sent it (as JSON, not as a string).
    [property: Id(4), JsonPropertyName("blocks"), JsonConverter(typeof(RawJsonConverter))] string? BlocksJson,
    [property: Id(5)] string? HtmlOutput,
    [property: Id(6)] string? CssOutput,
    [property: Id(7)] EditorMode EditorMode,
    [property: Id(8)] string? MkdocsPath,
    [property: Id(9)] string? MkdocsStubPath,
    [property: Id(10)] MkdocsExportMode MkdocsExportMode,
    [property: Id(11)] bool MkdocsHideNav,
    [property: Id(12)] bool MkdocsHideToc,
    [property: Id(13)] bool MkdocsSkipExport,
    [property: Id(14)] bool Published,
    [property: Id(15)] string? SeoTitle,
    [property: Id(16)] string? SeoDescription,
    [property: Id(17)] string? SeoImage,
    [property: Id(18)] DateTimeOffset CreatedAt,
    [property: Id(19)] DateTimeOffset UpdatedAt)
{
    /// <summary>Whether this state of the page belongs in the MkDocs folder.</summary>
    [JsonIgnore] public bool Exported => Published && !MkdocsSkipExport;
}

/// <summary>A line of the admins' page list: no editor JSON, HTML or CSS.</summary>
[GenerateSerializer, Immutable, Alias("cml.pages.LandingPageSummary")]
public sealed record LandingPageSummary(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Slug,
    [property: Id(2)] string Title,
    [property: Id(3)] string? Description,
    [property: Id(4)] EditorMode EditorMode,
    [property: Id(5)] bool Published,
    [property: Id(6)] MkdocsExportMode MkdocsExportMode,
    [property: Id(7)] bool MkdocsSkipExport,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt);

/// <summary>A published page as anyone sees it: what it shows and its SEO fields, nothing of the editor or the export.</summary>
[GenerateSerializer, Immutable, Alias("cml.pages.PublicPageView")]
public sealed record PublicPageView(
    [property: Id(0)] string Slug,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Description,
    [property: Id(3)] string? HtmlOutput,
    [property: Id(4)] string? CssOutput,
    [property: Id(5)] string? SeoTitle,
    [property: Id(6)] string? SeoDescription,
    [property: Id(7)] string? SeoImage,
    [property: Id(8)] DateTimeOffset UpdatedAt)
{
    public static PublicPageView From(LandingPageView page) => new(page.Slug, page.Title, page.Description, page.HtmlOutput,
        page.CssOutput, page.SeoTitle, page.SeoDescription, page.SeoImage, page.UpdatedAt);
}

/// <summary>
/// A create or a partial edit. Null leaves a field as it is (create: its default); an empty string clears an optional
/// text; <see cref="ClearBlocks"/> removes the editor JSON. Slug and export paths are checked again by the grain.
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.pages.PageChanges")]
public sealed record PageChanges(
    [property: Id(0)] string? Title = null,
    [property: Id(1)] string? Slug = null,
    [property: Id(2)] string? Description = null,
    [property: Id(3)] string? BlocksJson = null,
    [property: Id(4)] bool ClearBlocks = false,
    [property: Id(5)] string? HtmlOutput = null,
    [property: Id(6)] string? CssOutput = null,
    [property: Id(7)] EditorMode? EditorMode = null,
    [property: Id(8)] string? MkdocsPath = null,
    [property: Id(9)] string? MkdocsStubPath = null,
    [property: Id(10)] MkdocsExportMode? MkdocsExportMode = null,
    [property: Id(11)] bool? MkdocsHideNav = null,
    [property: Id(12)] bool? MkdocsHideToc = null,
    [property: Id(13)] bool? MkdocsSkipExport = null,
    [property: Id(14)] bool? Published = null,
    [property: Id(15)] string? SeoTitle = null,
    [property: Id(16)] string? SeoDescription = null,
    [property: Id(17)] string? SeoImage = null);

[GenerateSerializer, Immutable, Alias("cml.pages.PageFilter")]
public sealed record PageFilter([property: Id(0)] bool? Published, [property: Id(1)] string? Search);

/// <summary>What bringing one page's exported files in line with its state did (paths relative to the MkDocs folder).</summary>
[GenerateSerializer, Immutable, Alias("cml.pages.PageExportResult")]
public sealed record PageExportResult(
    [property: Id(0)] Guid PageId,
    [property: Id(1)] string Slug,
    [property: Id(2)] IReadOnlyList<string> Written,
    [property: Id(3)] IReadOnlyList<string> Removed,
    [property: Id(4)] IReadOnlyList<string> Refused);

/// <summary>The answer of "validate exports": every page checked, and the files written (backfilled) or removed.</summary>
[GenerateSerializer, Immutable, Alias("cml.pages.ExportValidation")]
public sealed record ExportValidation(
    [property: Id(0)] int Pages,
    [property: Id(1)] int Exported,
    [property: Id(2)] IReadOnlyList<string> Written,
    [property: Id(3)] IReadOnlyList<string> Removed,
    [property: Id(4)] IReadOnlyList<string> Refused);

[GenerateSerializer, Immutable, Alias("cml.pages.PageBlockView")]
public sealed record PageBlockView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Type,
    [property: Id(2)] string Label,
    [property: Id(3), JsonPropertyName("schema"), JsonConverter(typeof(RawJsonConverter))] string? SchemaJson,
    [property: Id(4), JsonPropertyName("defaults"), JsonConverter(typeof(RawJsonConverter))] string? DefaultsJson,
    [property: Id(5)] string? Thumbnail,
    [property: Id(6)] string? Category,
    [property: Id(7)] int SortOrder,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt);

/// <summary>A block create or partial edit: null leaves a field; an empty string clears an optional text; Clear* removes JSON.</summary>
[GenerateSerializer, Immutable, Alias("cml.pages.BlockChanges")]
public sealed record BlockChanges(
    [property: Id(0)] string? Type = null,
    [property: Id(1)] string? Label = null,
    [property: Id(2)] string? SchemaJson = null,
    [property: Id(3)] bool ClearSchema = false,
    [property: Id(4)] string? DefaultsJson = null,
    [property: Id(5)] bool ClearDefaults = false,
    [property: Id(6)] string? Thumbnail = null,
    [property: Id(7)] string? Category = null,
    [property: Id(8)] int? SortOrder = null);

/// <summary>
/// One landing page: the single writer of its row and of its exported MkDocs files. It keeps the page in memory,
/// commits each change with a version check, then brings the page's files in line with what it committed.
/// </summary>
[Alias("cml.pages.ILandingPageGrain")]
public interface ILandingPageGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<LandingPageView> Create(PageChanges changes);
    [Alias("Get")] Task<LandingPageView> Get();
    [Alias("Update")] Task<LandingPageView> Update(PageChanges changes);
    [Alias("Delete")] Task Delete();

    /// <summary>Writes the page's files if it is exported and they are missing or stale; removes them if it is not.</summary>
    [Alias("SyncExport")] Task<PageExportResult> SyncExport();
}

/// <summary>One block of the editor's library.</summary>
[Alias("cml.pages.IPageBlockGrain")]
public interface IPageBlockGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<PageBlockView> Create(BlockChanges changes);
    [Alias("Get")] Task<PageBlockView> Get();
    [Alias("Update")] Task<PageBlockView> Update(BlockChanges changes);
    [Alias("Delete")] Task Delete();
}

/// <summary>Reads over many pages and blocks, straight from PostgreSQL; "validate exports" asks each page's grain in turn.</summary>
[Alias("cml.pages.IPageQueryGrain")]
public interface IPageQueryGrain : IGrainWithIntegerKey
{
    [Alias("List")] Task<Page<LandingPageSummary>> List(PageFilter filter, PageRequest page);
    [Alias("PublishedBySlug")] Task<PublicPageView?> PublishedBySlug(string slug);
    [Alias("Blocks")] Task<Page<PageBlockView>> Blocks(string? category, string? type, PageRequest page);
    [Alias("ValidateExports")] Task<ExportValidation> ValidateExports();
}

/// <summary>Writes a string holding JSON as that JSON (not as a quoted string), and reads any JSON value back as its text.</summary>
public sealed class RawJsonConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteRawValue(value, skipInputValidation: false);
    }
}
