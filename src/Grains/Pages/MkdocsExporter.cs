using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Pages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Pages;

/// <summary>Where the MkDocs site's sources are (environment variables, read once at start).</summary>
/// <param name="DocsDir">The MkDocs <c>docs_dir</c> (<c>MKDOCS_DOCS_DIR</c>); null turns the export off.</param>
/// <param name="OverridesDir">The theme's <c>custom_dir</c>, <c>&lt;docs&gt;/overrides</c> (<c>MKDOCS_OVERRIDES_DIR</c>).</param>
/// <param name="SiteBaseUrl">The site's public address, for canonical and Open Graph URLs (<c>PUBLIC_BASE_URL</c>).</param>
public sealed record MkdocsSettings(string? DocsDir, string? OverridesDir, string? SiteBaseUrl)
{
    public bool Enabled => DocsDir is not null;

    public static MkdocsSettings From(IConfiguration configuration)
    {
        var docs = configuration["MKDOCS_DOCS_DIR"];
        if (string.IsNullOrWhiteSpace(docs)) return new MkdocsSettings(null, null, BaseUrl(configuration));
        var docsDir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(docs));
        var overrides = configuration["MKDOCS_OVERRIDES_DIR"];
        var overridesDir = string.IsNullOrWhiteSpace(overrides)
            ? Path.Combine(docsDir, "overrides")
            : Path.TrimEndingDirectorySeparator(Path.GetFullPath(overrides));
        return new MkdocsSettings(docsDir, overridesDir, BaseUrl(configuration));
    }

    private static string? BaseUrl(IConfiguration configuration) =>
        configuration["PUBLIC_BASE_URL"] is { Length: > 0 } url ? url.TrimEnd('/') : null;
}

/// <summary>
/// Every file the page export writes or removes goes through here, called only by a page's own grain (the single
/// writer of that page), so a publish, an unpublish and "validate exports" of one page never race on its files.
/// A page's files are the theme template (under the overrides folder, THEMED: extends <c>main.html</c>; STANDALONE:
/// a whole document) and its Markdown stub (under docs) whose front matter selects that template and hides nav and TOC.
/// Paths were checked when they were saved and are checked again here: the resolved file must lie inside its folder,
/// reached through no symbolic link. A file that exists but was not written for this page (no marker naming the
/// page) is never overwritten or deleted. Writes go to a temporary file first and are renamed into place, so a
/// concurrent <c>mkdocs build</c> never reads half a page.
/// </summary>
public sealed class MkdocsExporter(MkdocsSettings settings, ILogger<MkdocsExporter> logger)
{
    private static readonly JsonSerializerOptions YamlString = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public bool Enabled => settings.Enabled;

    /// <summary>
    /// Brings the files of a page in line with its committed state: <paramref name="current"/>'s files are written when
    /// it is exported (published and not skipped), and any file of <paramref name="previous"/> or <paramref name="current"/>
    /// it no longer needs is removed. <paramref name="current"/> is null once the page is deleted.
    /// </summary>
    public PageExportResult Sync(Guid pageId, LandingPageView? previous, LandingPageView? current)
    {
        var slug = current?.Slug ?? previous?.Slug ?? "";
        if (!settings.Enabled) return new PageExportResult(pageId, slug, [], [], []);
        var written = new List<string>();
        var removed = new List<string>();
        var refused = new List<string>();

        var wanted = new Dictionary<string, (string Relative, string Content)>(StringComparer.Ordinal);
        if (current is { Exported: true })
        {
            foreach (var (file, content) in FilesOf(current))
                if (Resolve(file, refused) is { } full) wanted[full] = (Show(full), content);
        }
        var known = new[] { previous, current }.Where(p => p is not null).SelectMany(p => Locations(p!)).ToList();
        foreach (var file in known)
        {
            if (Resolve(file, refused) is not { } full || wanted.ContainsKey(full) || !File.Exists(full)) continue;
            Guarded(full, refused, () =>
            {
                if (!OwnedBy(full, pageId)) { refused.Add(Show(full)); return; }
                File.Delete(full);
                removed.Add(Show(full));
            });
        }
        foreach (var (full, (relative, content)) in wanted)
        {
            Guarded(full, refused, () =>
            {
                if (File.Exists(full))
                {
                    if (!OwnedBy(full, pageId)) { refused.Add(relative); return; }
                    if (File.ReadAllText(full) == content) return;
                }
                WriteAtomically(full, content);
                written.Add(relative);
            });
        }
        if (refused.Count > 0)
            logger.LogWarning("Page {PageId} export left files alone that it does not own or cannot write: {Files}", pageId, string.Join(", ", refused));
        return new PageExportResult(pageId, slug, written, removed, refused.Distinct().ToList());
    }

    private enum Folder { Overrides, Docs }

    private sealed record ExportFile(Folder Folder, string RelativePath);

    private static IEnumerable<ExportFile> Locations(LandingPageView page)
    {
        if (page.MkdocsPath is { } template) yield return new ExportFile(Folder.Overrides, template);
        if (page.MkdocsStubPath is { } stub) yield return new ExportFile(Folder.Docs, stub);
    }

    private IEnumerable<(ExportFile File, string Content)> FilesOf(LandingPageView page)
    {
        if (page.MkdocsPath is not { } template || page.MkdocsStubPath is not { } stub) yield break;
        yield return (new ExportFile(Folder.Overrides, template), Template(page));
        yield return (new ExportFile(Folder.Docs, stub), Stub(page, template));
    }

    /// <summary>The marker every exported file carries; a file without it for this page is someone else's.</summary>
    private static string Marker(Guid pageId) => $"changemaker-lite page {pageId}";

    private static bool OwnedBy(string full, Guid pageId)
    {
        using var reader = new StreamReader(full);
        var buffer = new char[512];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).Contains(Marker(pageId), StringComparison.Ordinal);
    }

    /// <summary>The theme template: THEMED extends the theme's main.html, STANDALONE is the whole document.</summary>
    public string Template(LandingPageView page)
    {
        var view = PublicPageView.From(page);
        var text = new StringBuilder();
        text.Append("{# ").Append(Marker(page.Id)).Append(": written when the page is published; edits here are overwritten. #}");
        if (page.MkdocsExportMode == MkdocsExportMode.Standalone)
        {
            text.Append(Literal(PageDocument.Render(view, settings.SiteBaseUrl)));
            return text.ToString();
        }
        text.Append('\n').Append("{% extends \"main.html\" %}\n");
        var head = new StringBuilder();
        PageDocument.AppendHead(head, view, settings.SiteBaseUrl);
        text.Append("{% block htmltitle %}").Append(Literal(head.ToString())).Append("{% endblock %}\n");
        if (!string.IsNullOrEmpty(page.CssOutput))
            text.Append("{% block extrahead %}<style>\n").Append(Literal(PageDocument.InsideStyle(page.CssOutput))).Append("\n</style>{% endblock %}\n");
        // The built-in mkdocs theme draws nav and TOC in these blocks; Material reads the stub's "hide" instead.
        if (page.MkdocsHideNav) text.Append("{% block site_nav %}{% endblock %}\n{% block next_prev %}{% endblock %}\n");
        var body = Literal(page.HtmlOutput ?? "");
        text.Append("{% block content %}");
        text.Append(page.MkdocsHideToc
            ? $"<div class=\"col-md-12 cml-page\" role=\"main\">{body}</div>"
            : $"<div class=\"col-md-3\">{{% include \"toc.html\" %}}</div><div class=\"col-md-9 cml-page\" role=\"main\">{body}</div>");
        text.Append("{% endblock %}\n");
        return text.ToString();
    }

    /// <summary>The Markdown stub: front matter naming the template and what to hide; MkDocs builds the page's URL from its path.</summary>
    public static string Stub(LandingPageView page, string templatePath)
    {
        var text = new StringBuilder("---\n");
        text.Append("# ").Append(Marker(page.Id)).Append(": written when the page is published; edits here are overwritten.\n");
        text.Append("title: ").Append(JsonSerializer.Serialize(PageDocument.TitleOf(PublicPageView.From(page)), YamlString)).Append('\n');
        text.Append("template: ").Append(templatePath).Append('\n');
        if (page.MkdocsHideNav || page.MkdocsHideToc)
        {
            text.Append("hide:\n");
            if (page.MkdocsHideNav) text.Append("  - navigation\n");
            if (page.MkdocsHideToc) text.Append("  - toc\n");
        }
        text.Append("---\n");
        return text.ToString();
    }

    /// <summary>
    /// Authored text inside a Jinja template, shown exactly as written: it sits in raw blocks, and each "{%" in it (the
    /// only thing that could end a raw block) is printed by an expression between two of them.
    /// </summary>
    public static string Literal(string text) =>
        "{% raw %}" + text.Replace("{%", "{% endraw %}{{ '{%' }}{% raw %}", StringComparison.Ordinal) + "{% endraw %}";

    /// <summary>The full path of an export file, or null (recorded as refused) if it is unsafe or would leave its folder.</summary>
    private string? Resolve(ExportFile file, List<string> refused)
    {
        var root = file.Folder == Folder.Overrides ? settings.OverridesDir! : settings.DocsDir!;
        var extension = file.Folder == Folder.Overrides ? ".html" : ".md";
        if (PageRules.PathProblem(file.RelativePath, extension) is { } problem)
        {
            logger.LogError("Refusing export path {Path}: {Problem}", file.RelativePath, problem);
            refused.Add(file.RelativePath);
            return null;
        }
        var full = Path.GetFullPath(Path.Combine(root, file.RelativePath));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || ThroughLink(root, full))
        {
            logger.LogError("Refusing export path {Path}: it resolves outside {Root} or through a symbolic link", file.RelativePath, root);
            refused.Add(file.RelativePath);
            return null;
        }
        return full;
    }

    /// <summary>Whether any existing part of the path below the root is a symbolic link (which could point anywhere).</summary>
    private static bool ThroughLink(string root, string full)
    {
        var path = root;
        foreach (var segment in Path.GetRelativePath(root, full).Split(Path.DirectorySeparatorChar))
        {
            path = Path.Combine(path, segment);
            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path)) return false;
            if (info.LinkTarget is not null) return true;
        }
        return false;
    }

    private string Show(string full)
    {
        var docs = settings.DocsDir!;
        return full.StartsWith(docs + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? Path.GetRelativePath(docs, full).Replace(Path.DirectorySeparatorChar, '/')
            : full;
    }

    private void Guarded(string full, List<string> refused, Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogError(ex, "Page export could not write or remove {File}", full);
            refused.Add(Show(full));
        }
    }

    private static void WriteAtomically(string full, string content)
    {
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        // A dot file: MkDocs skips it should a build run while it exists.
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
