using System.Net;
using System.Text;

namespace ChangemakerLite.Grains.Interfaces.Pages;

/// <summary>
/// A published page as a full HTML document: its SEO title and description, Open Graph and Twitter card tags,
/// its CSS in the head and its authored HTML as the body. Served at <c>/p/{slug}</c> and written by the
/// STANDALONE export. Every field that lands in an attribute or the title is HTML-encoded; the authored HTML and CSS
/// are the page itself and go in as they are (the isolation of <c>/p/</c> comes from its sandbox, not from here).
/// </summary>
public static class PageDocument
{
    /// <param name="siteBaseUrl">The site's public address (no trailing slash), for the canonical and Open Graph URLs; null leaves them out.</param>
    public static string Render(PublicPageView page, string? siteBaseUrl)
    {
        var html = new StringBuilder(256 + (page.HtmlOutput?.Length ?? 0) + (page.CssOutput?.Length ?? 0));
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
        html.Append("<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        AppendHead(html, page, siteBaseUrl);
        if (!string.IsNullOrEmpty(page.CssOutput))
            html.Append("<style>\n").Append(InsideStyle(page.CssOutput)).Append("\n</style>\n");
        html.Append("</head>\n<body>\n");
        html.Append(page.HtmlOutput ?? "");
        html.Append("\n</body>\n</html>\n");
        return html.ToString();
    }

    public static string TitleOf(PublicPageView page) => string.IsNullOrWhiteSpace(page.SeoTitle) ? page.Title : page.SeoTitle;

    public static string? DescriptionOf(PublicPageView page) => string.IsNullOrWhiteSpace(page.SeoDescription) ? page.Description : page.SeoDescription;

    /// <summary>The title, description, canonical, Open Graph and Twitter tags (shared with the THEMED export's head).</summary>
    public static void AppendHead(StringBuilder html, PublicPageView page, string? siteBaseUrl)
    {
        var title = TitleOf(page);
        var description = DescriptionOf(page);
        var url = siteBaseUrl is null ? null : $"{siteBaseUrl}/p/{page.Slug}";
        var image = page.SeoImage is { Length: > 0 } seoImage
            ? seoImage.StartsWith('/') && siteBaseUrl is not null ? siteBaseUrl + seoImage : seoImage
            : null;
        html.Append("<title>").Append(Encode(title)).Append("</title>\n");
        if (description is not null) Meta(html, "name", "description", description);
        if (url is not null) html.Append("<link rel=\"canonical\" href=\"").Append(Encode(url)).Append("\">\n");
        Meta(html, "property", "og:type", "website");
        Meta(html, "property", "og:title", title);
        if (description is not null) Meta(html, "property", "og:description", description);
        if (url is not null) Meta(html, "property", "og:url", url);
        if (image is not null) Meta(html, "property", "og:image", image);
        Meta(html, "name", "twitter:card", image is null ? "summary" : "summary_large_image");
        Meta(html, "name", "twitter:title", title);
        if (description is not null) Meta(html, "name", "twitter:description", description);
        if (image is not null) Meta(html, "name", "twitter:image", image);
    }

    /// <summary>CSS cannot close its own style element (it would end the head early).</summary>
    public static string InsideStyle(string css) => css.Replace("</style", "<\\/style", StringComparison.OrdinalIgnoreCase);

    private static void Meta(StringBuilder html, string kind, string name, string content) =>
        html.Append("<meta ").Append(kind).Append("=\"").Append(name).Append("\" content=\"").Append(Encode(content)).Append("\">\n");

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
