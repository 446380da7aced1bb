using System.Security.Cryptography;
using ChangemakerLite.Grains.Interfaces.Pages;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Pages;

/// <summary>
/// The single writer of one landing page and its exported files. The row lives in memory after activation; each
/// change is decided against that copy, committed by an UPDATE that checks and bumps <c>version</c> (a second
/// activation's write makes it reload and decide again, never overwrite), and only then applied to memory and to
/// the MkDocs folder. A failed file write does not undo the commit: it is logged, and "validate exports" repairs it.
/// </summary>
public sealed class LandingPageGrain(
    NpgsqlDataSource db,
    TimeProvider time,
    MkdocsExporter exporter,
    ILogger<LandingPageGrain> logger) : Grain, ILandingPageGrain
{
    // Two creates of one title race for its slug; the loser takes the next free one. Past a few lost races in a row a
    // random suffix ends the contest.
    private const int MaxSlugAttempts = 20;
    private const int OrdinalSlugAttempts = 5;

    private LandingPageView? _page;
    private int _version;

    private Guid PageId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => Reload(cancellationToken);

    public async Task<LandingPageView> Create(PageChanges changes)
    {
        if (_page is not null) throw DomainException.Conflict("A page with this id exists already.");
        var title = changes.Title?.Trim();
        if (string.IsNullOrEmpty(title)) throw DomainException.Invalid("title", "is required.");
        var explicitSlug = Blank(changes.Slug);
        var now = time.GetUtcNow();
        var draft = Merge(new LandingPageView(PageId, explicitSlug ?? PageRules.SlugFromTitle(title), title, null, null, null, null,
            EditorMode.Visual, null, null, MkdocsExportMode.Themed, true, true, false, false, null, null, null, now, now), changes, now);
        Validate(draft);

        var baseSlug = draft.Slug;
        for (var attempt = 0; ; attempt++)
        {
            var slug = explicitSlug ?? await FreeSlug(baseSlug, attempt);
            var candidate = draft with
            {
                Slug = slug,
                MkdocsPath = Blank(changes.MkdocsPath) ?? PageRules.DefaultTemplatePath(slug),
                MkdocsStubPath = Blank(changes.MkdocsStubPath) ?? PageRules.DefaultStubPath(slug),
            };
            try
            {
                var created = await db.Command($"""
                    INSERT INTO landing_pages (id, slug, title, description, blocks, html_output, css_output, editor_mode, mkdocs_path,
                                               mkdocs_stub_path, mkdocs_export_mode, mkdocs_hide_nav, mkdocs_hide_toc, mkdocs_skip_export,
                                               published, seo_title, seo_description, seo_image, version, created_at, updated_at)
                    VALUES (@id, @slug, @title, @description, @blocks::jsonb, @html, @css, @mode, @path, @stub, @exportMode, @hideNav, @hideToc,
                            @skip, @published, @seoTitle, @seoDescription, @seoImage, 0, @now, @now)
                    ON CONFLICT (id) DO NOTHING
                    RETURNING {PageRows.Columns}
                    """, [.. Parameters(candidate), ("now", now)]).FirstOrDefaultAsync(PageRows.Read);
                if (created is null) throw DomainException.Conflict("A page with this id exists already.");
                _page = created;
                _version = 0;
                Export(null, created);
                return created;
            }
            catch (PostgresException ex) when (explicitSlug is null && attempt + 1 < MaxSlugAttempts && FollowsSlug(ex, changes))
            {
                logger.LogDebug("Slug {Slug} was taken by a concurrent create; trying the next", slug);
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation())
            {
                throw UniqueConflict(ex);
            }
        }
    }

    public async Task<LandingPageView> Get() => await Current();

    public Task<LandingPageView> Update(PageChanges changes) => Retrying(async page =>
    {
        var now = time.GetUtcNow();
        var next = Merge(page, changes, now);
        // Files that followed the old slug follow the new one, unless the admin placed them.
        if (next.Slug != page.Slug)
        {
            if (Blank(changes.MkdocsPath) is null && page.MkdocsPath == PageRules.DefaultTemplatePath(page.Slug))
                next = next with { MkdocsPath = PageRules.DefaultTemplatePath(next.Slug) };
            if (Blank(changes.MkdocsStubPath) is null && page.MkdocsStubPath == PageRules.DefaultStubPath(page.Slug))
                next = next with { MkdocsStubPath = PageRules.DefaultStubPath(next.Slug) };
        }
        Validate(next);
        try
        {
            var saved = await db.Command("""
                UPDATE landing_pages SET slug = @slug, title = @title, description = @description, blocks = @blocks::jsonb, html_output = @html,
                                         css_output = @css, editor_mode = @mode, mkdocs_path = @path, mkdocs_stub_path = @stub,
                                         mkdocs_export_mode = @exportMode, mkdocs_hide_nav = @hideNav, mkdocs_hide_toc = @hideToc,
                                         mkdocs_skip_export = @skip, published = @published, seo_title = @seoTitle,
                                         seo_description = @seoDescription, seo_image = @seoImage, version = version + 1, updated_at = @now
                WHERE id = @id AND version = @version
                """, [.. Parameters(next), ("now", now), ("version", _version)]).ExecuteAsync();
            if (saved == 0) throw new StaleVersionException();
        }
        catch (PostgresException ex) when (ex.IsUniqueViolation())
        {
            throw UniqueConflict(ex);
        }
        _page = next;
        _version++;
        Export(page, next);
        return next;
    });

    public Task Delete() => Retrying(async page =>
    {
        var deleted = await db.Command("DELETE FROM landing_pages WHERE id = @id AND version = @version", ("id", PageId), ("version", _version))
            .ExecuteAsync();
        if (deleted == 0) throw new StaleVersionException();
        _page = null;
        Export(page, null);
        DeactivateOnIdle();
        return true;
    });

    public async Task<PageExportResult> SyncExport()
    {
        // What another activation may have committed matters here: validation repairs the files of the row as it is.
        await Reload();
        var page = await Current();
        return exporter.Sync(PageId, page, page);
    }

    private PageExportResult Export(LandingPageView? previous, LandingPageView? current)
    {
        var result = exporter.Sync(PageId, previous, current);
        if (result.Written.Count > 0 || result.Removed.Count > 0)
            logger.LogInformation("Page {PageId} ({Slug}) export: wrote {Written}, removed {Removed}", PageId, result.Slug,
                string.Join(", ", result.Written), string.Join(", ", result.Removed));
        return result;
    }

    /// <summary>
    /// Whether a refused insert collided on something made from the slug (the slug, or a default path): then the next
    /// free slug is tried. A collision on a path the admin chose is theirs to change.
    /// </summary>
    private static bool FollowsSlug(PostgresException ex, PageChanges changes) =>
        ex.IsUniqueViolation(PageRows.SlugKey) ||
        (ex.IsUniqueViolation(PageRows.TemplatePathKey) && Blank(changes.MkdocsPath) is null) ||
        (ex.IsUniqueViolation(PageRows.StubPathKey) && Blank(changes.MkdocsStubPath) is null);

    /// <summary>The first of base, base-2, base-3 … no page has; after a few lost races, base plus a random suffix.</summary>
    private async Task<string> FreeSlug(string baseSlug, int attempt)
    {
        if (attempt >= OrdinalSlugAttempts)
            return $"{baseSlug}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        // The base holds only [a-z0-9-], so it is safe inside LIKE.
        var taken = (await db.Command("SELECT slug FROM landing_pages WHERE slug = @base OR slug LIKE @prefix",
            ("base", baseSlug), ("prefix", baseSlug + "-%")).ListAsync(r => r.Get<string>("slug"))).ToHashSet(StringComparer.Ordinal);
        if (!taken.Contains(baseSlug)) return baseSlug;
        for (var n = 2; ; n++)
            if (!taken.Contains($"{baseSlug}-{n}")) return $"{baseSlug}-{n}";
    }

    private static LandingPageView Merge(LandingPageView page, PageChanges changes, DateTimeOffset now) => page with
    {
        Title = changes.Title?.Trim() ?? page.Title,
        Slug = Blank(changes.Slug) ?? page.Slug,
        Description = changes.Description is null ? page.Description : Blank(changes.Description),
        BlocksJson = changes.ClearBlocks ? null : changes.BlocksJson ?? page.BlocksJson,
        HtmlOutput = changes.HtmlOutput ?? page.HtmlOutput,
        CssOutput = changes.CssOutput ?? page.CssOutput,
        EditorMode = changes.EditorMode ?? page.EditorMode,
        MkdocsPath = Blank(changes.MkdocsPath) ?? page.MkdocsPath,
        MkdocsStubPath = Blank(changes.MkdocsStubPath) ?? page.MkdocsStubPath,
        MkdocsExportMode = changes.MkdocsExportMode ?? page.MkdocsExportMode,
        MkdocsHideNav = changes.MkdocsHideNav ?? page.MkdocsHideNav,
        MkdocsHideToc = changes.MkdocsHideToc ?? page.MkdocsHideToc,
        MkdocsSkipExport = changes.MkdocsSkipExport ?? page.MkdocsSkipExport,
        Published = changes.Published ?? page.Published,
        SeoTitle = changes.SeoTitle is null ? page.SeoTitle : Blank(changes.SeoTitle),
        SeoDescription = changes.SeoDescription is null ? page.SeoDescription : Blank(changes.SeoDescription),
        SeoImage = changes.SeoImage is null ? page.SeoImage : Blank(changes.SeoImage),
        UpdatedAt = now,
    };

    /// <summary>The rules again, whoever called: nothing unsafe reaches the row or a file name.</summary>
    private static void Validate(LandingPageView page)
    {
        if (page.Title.Length == 0) throw DomainException.Invalid("title", "is required.");
        if (page.Title.Length > PageRules.TitleMaxLength) throw DomainException.Invalid("title", $"must be at most {PageRules.TitleMaxLength} characters.");
        if (PageRules.SlugProblem(page.Slug) is { } slug) throw DomainException.Invalid("slug", slug);
        if (page.MkdocsPath is not null && PageRules.PathProblem(page.MkdocsPath, ".html") is { } path) throw DomainException.Invalid("mkdocsPath", path);
        if (page.MkdocsStubPath is not null && PageRules.PathProblem(page.MkdocsStubPath, ".md") is { } stub) throw DomainException.Invalid("mkdocsStubPath", stub);
        if (page.SeoImage is not null && !PageRules.IsImageUrl(page.SeoImage)) throw DomainException.Invalid("seoImage", "must be an http(s) URL or a path starting with '/'.");
    }

    private static (string, object?)[] Parameters(LandingPageView page) =>
    [
        ("id", page.Id), ("slug", page.Slug), ("title", page.Title), ("description", page.Description), ("blocks", page.BlocksJson),
        ("html", page.HtmlOutput), ("css", page.CssOutput), ("mode", page.EditorMode), ("path", page.MkdocsPath), ("stub", page.MkdocsStubPath),
        ("exportMode", page.MkdocsExportMode), ("hideNav", page.MkdocsHideNav), ("hideToc", page.MkdocsHideToc), ("skip", page.MkdocsSkipExport),
        ("published", page.Published), ("seoTitle", page.SeoTitle), ("seoDescription", page.SeoDescription), ("seoImage", page.SeoImage),
    ];

    private static DomainException UniqueConflict(PostgresException ex)
    {
        var field = ex.ConstraintName switch
        {
            PageRows.SlugKey => "slug",
            PageRows.TemplatePathKey => "mkdocsPath",
            PageRows.StubPathKey => "mkdocsStubPath",
            _ => "id",
        };
        return DomainException.Conflict($"Another page already uses this {field}.", new Dictionary<string, string> { ["field"] = field });
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Runs a command against the current page; when the version check shows another activation wrote first, reloads and decides again.</summary>
    private Task<T> Retrying<T>(Func<LandingPageView, Task<T>> command) =>
        RetryPolicy.StaleVersion.RunAsync(async () => await command(await Current()),
            beforeRetry: async (_, attempt) =>
            {
                logger.LogInformation("Page {PageId} changed underneath this activation (attempt {Attempt}); reloading", PageId, attempt);
                await Reload();
            },
            exhausted: _ => DomainException.Conflict("The page was changed at the same time; try again."));

    private async Task<LandingPageView> Current()
    {
        if (_page is null) await Reload();
        if (_page is not null) return _page;
        DeactivateOnIdle();
        throw DomainException.NotFound("The page");
    }

    private async Task Reload(CancellationToken cancellationToken = default)
    {
        var loaded = await db.Command($"SELECT {PageRows.Columns} FROM landing_pages WHERE id = @id", ("id", PageId))
            .FirstOrDefaultAsync(r => (Page: PageRows.Read(r), Version: r.Get<int>("version")), cancellationToken);
        _page = loaded.Page;
        _version = loaded.Version;
    }
}
