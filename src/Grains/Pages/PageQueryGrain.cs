using ChangemakerLite.Grains.Interfaces.Pages;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Pages;

/// <summary>Lists and lookups over many pages and blocks: plain SQL on any silo, never a fan-out over page grains.</summary>
[StatelessWorker]
public sealed class PageQueryGrain(NpgsqlDataSource db, MkdocsExporter exporter) : Grain, IPageQueryGrain
{
    public async Task<Page<LandingPageSummary>> List(PageFilter filter, PageRequest page)
    {
        const string where = """
            WHERE (@published::boolean IS NULL OR published = @published::boolean)
              AND (@search::text IS NULL OR title ILIKE @search::text ESCAPE '\' OR slug ILIKE @search::text ESCAPE '\')
            """;
        var search = string.IsNullOrWhiteSpace(filter.Search) ? null : $"%{Like(filter.Search.Trim())}%";
        (string, object?)[] parameters = [("published", filter.Published), ("search", search)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM landing_pages {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {PageRows.SummaryColumns} FROM landing_pages {where}
            ORDER BY updated_at DESC, id LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(PageRows.ReadSummary);
        return new Page<LandingPageSummary>(items, total, page.Page, page.PageSize);
    }

    public async Task<PublicPageView?> PublishedBySlug(string slug)
    {
        if (PageRules.SlugProblem(slug) is not null) return null;
        var page = await db.Command($"SELECT {PageRows.Columns} FROM landing_pages WHERE slug = @slug AND published", ("slug", slug))
            .FirstOrDefaultAsync(PageRows.Read);
        return page is null ? null : PublicPageView.From(page);
    }

    public async Task<Page<PageBlockView>> Blocks(string? category, string? type, PageRequest page)
    {
        const string where = """
            WHERE (@category::text IS NULL OR category = @category::text) AND (@type::text IS NULL OR type = @type::text)
            """;
        (string, object?)[] parameters = [("category", category), ("type", type)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM page_blocks {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {PageRows.BlockColumns} FROM page_blocks {where}
            ORDER BY sort_order, label, id LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(PageRows.ReadBlock);
        return new Page<PageBlockView>(items, total, page.Page, page.PageSize);
    }

    /// <summary>
    /// Asks every page's grain to bring its files in line with its row: missing or stale files of exported pages are
    /// written, files of pages no longer exported are removed. Each page's own grain writes, so this never races a
    /// publish or an unpublish of the same page.
    /// </summary>
    public async Task<ExportValidation> ValidateExports()
    {
        if (!exporter.Enabled)
            throw DomainException.Conflict("The MkDocs export is off: MKDOCS_DOCS_DIR is not set.");
        var pages = await db.Command("SELECT id, published AND NOT mkdocs_skip_export AS exported FROM landing_pages ORDER BY created_at, id")
            .ListAsync(r => (Id: r.Get<Guid>("id"), Exported: r.Get<bool>("exported")));
        var written = new List<string>();
        var removed = new List<string>();
        var refused = new List<string>();
        foreach (var (id, _) in pages)
        {
            try
            {
                var result = await GrainFactory.GetGrain<ILandingPageGrain>(id).SyncExport();
                written.AddRange(result.Written);
                removed.AddRange(result.Removed);
                refused.AddRange(result.Refused);
            }
            catch (DomainException ex) when (ex.Kind == DomainErrorKind.NotFound)
            {
                // Deleted since the list was read: its grain removed its files.
            }
        }
        return new ExportValidation(pages.Count, pages.Count(p => p.Exported), written, removed, refused);
    }

    private static string Like(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
