using ChangemakerLite.Grains.Interfaces.Pages;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Pages;

/// <summary>Column lists and readers for landing pages and page blocks, shared by their grains and the query grain.</summary>
public static class PageRows
{
    public const string Columns = """
        id, slug, title, description, blocks::text AS blocks, html_output, css_output, editor_mode, mkdocs_path, mkdocs_stub_path,
        mkdocs_export_mode, mkdocs_hide_nav, mkdocs_hide_toc, mkdocs_skip_export, published, seo_title, seo_description, seo_image,
        version, created_at, updated_at
        """;

    public const string SummaryColumns = """
        id, slug, title, description, editor_mode, published, mkdocs_export_mode, mkdocs_skip_export, created_at, updated_at
        """;

    public const string BlockColumns = """
        id, type, label, schema::text AS schema, defaults::text AS defaults, thumbnail, category, sort_order, version, created_at, updated_at
        """;

    // The constraints whose refusals the grains turn into 409s naming the field.
    public const string SlugKey = "landing_pages_slug_key";
    public const string TemplatePathKey = "landing_pages_mkdocs_path_key";
    public const string StubPathKey = "landing_pages_mkdocs_stub_path_key";

    public static LandingPageView Read(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<string>("slug"),
        r.Get<string>("title"),
        r.GetOrNull<string>("description"),
        r.GetOrNull<string>("blocks"),
        r.GetOrNull<string>("html_output"),
        r.GetOrNull<string>("css_output"),
        r.Get<EditorMode>("editor_mode"),
        r.GetOrNull<string>("mkdocs_path"),
        r.GetOrNull<string>("mkdocs_stub_path"),
        r.Get<MkdocsExportMode>("mkdocs_export_mode"),
        r.Get<bool>("mkdocs_hide_nav"),
        r.Get<bool>("mkdocs_hide_toc"),
        r.Get<bool>("mkdocs_skip_export"),
        r.Get<bool>("published"),
        r.GetOrNull<string>("seo_title"),
        r.GetOrNull<string>("seo_description"),
        r.GetOrNull<string>("seo_image"),
        r.Get<DateTimeOffset>("created_at"),
        r.Get<DateTimeOffset>("updated_at"));

    public static LandingPageSummary ReadSummary(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<string>("slug"),
        r.Get<string>("title"),
        r.GetOrNull<string>("description"),
        r.Get<EditorMode>("editor_mode"),
        r.Get<bool>("published"),
        r.Get<MkdocsExportMode>("mkdocs_export_mode"),
        r.Get<bool>("mkdocs_skip_export"),
        r.Get<DateTimeOffset>("created_at"),
        r.Get<DateTimeOffset>("updated_at"));

    public static PageBlockView ReadBlock(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<string>("type"),
        r.Get<string>("label"),
        r.GetOrNull<string>("schema"),
        r.GetOrNull<string>("defaults"),
        r.GetOrNull<string>("thumbnail"),
        r.GetOrNull<string>("category"),
        r.Get<int>("sort_order"),
        r.Get<DateTimeOffset>("created_at"),
        r.Get<DateTimeOffset>("updated_at"));
}
