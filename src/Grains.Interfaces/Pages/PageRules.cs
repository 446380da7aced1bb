using System.Text;
using System.Text.RegularExpressions;

namespace ChangemakerLite.Grains.Interfaces.Pages;

/// <summary>
/// The rules of a page's names: slugs made from titles, and the relative paths its MkDocs files may take.
/// The frontend checks them to answer 400 naming the field; the grain checks them again before it writes anything,
/// and the database's CHECK constraints hold the same shapes.
/// </summary>
public static partial class PageRules
{
    public const int TitleMaxLength = 200;
    public const int SlugMaxLength = 100;
    public const int DescriptionMaxLength = 2000;
    public const int SeoTitleMaxLength = 200;
    public const int SeoDescriptionMaxLength = 500;
    public const int UrlMaxLength = 2000;
    public const int PathMaxLength = 200;
    public const int HtmlMaxLength = 2 * 1024 * 1024;
    public const int CssMaxLength = 1024 * 1024;
    public const int BlockTypeMaxLength = 50;
    public const int BlockLabelMaxLength = 200;
    public const int BlockCategoryMaxLength = 100;

    /// <summary>Where a page's files go unless its admin sets other paths: the template under the theme overrides, the stub under docs.</summary>
    public static string DefaultTemplatePath(string slug) => $"pages/{slug}.html";
    public static string DefaultStubPath(string slug) => $"pages/{slug}.md";

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex SlugShape();

    [GeneratedRegex("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex PathSegmentShape();

    [GeneratedRegex("^[A-Za-z]:")]
    private static partial Regex DriveLetter();

    /// <summary>A slug from a title: lower-case ASCII letters and digits in dash-separated runs ("Été 2026!" → "ete-2026").</summary>
    public static string SlugFromTitle(string title, int maxLength = 80)
    {
        var builder = new StringBuilder(title.Length);
        foreach (var c in title)
        {
            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z' or >= '0' and <= '9') builder.Append(lower);
            else if (Latin.TryGetValue(lower, out var ascii)) builder.Append(ascii);
            else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
            if (builder.Length >= maxLength) break;
        }
        var slug = builder.ToString().Trim('-');
        return slug.Length == 0 ? "page" : slug;
    }

    /// <summary>
    /// Accented Latin letters as their plain letters ("é" → "e", "ß" → "ss"). A table rather than Unicode decomposition:
    /// the servers run with invariant globalization, and a slug must come out the same on every machine.
    /// </summary>
    private static readonly Dictionary<char, string> Latin = BuildLatin();

    private static Dictionary<char, string> BuildLatin()
    {
        var table = new Dictionary<char, string>();
        foreach (var (letters, plain) in new[]
                 {
                     ("àáâãäåāăą", "a"), ("çćĉċč", "c"), ("ďđð", "d"), ("èéêëēĕėęě", "e"), ("ĝğġģ", "g"), ("ĥħ", "h"),
                     ("ìíîïĩīĭįı", "i"), ("ĵ", "j"), ("ķ", "k"), ("ĺļľŀł", "l"), ("ñńņňŉ", "n"), ("òóôõöøōŏő", "o"),
                     ("ŕŗř", "r"), ("śŝşšș", "s"), ("ţťŧț", "t"), ("ùúûüũūŭůűų", "u"), ("ŵ", "w"), ("ýÿŷ", "y"), ("źżž", "z"),
                     ("æ", "ae"), ("œ", "oe"), ("ß", "ss"), ("þ", "th"),
                 })
            foreach (var letter in letters) table[letter] = plain;
        return table;
    }

    /// <summary>Why a slug is refused, or null when it is safe.</summary>
    public static string? SlugProblem(string slug)
    {
        if (slug.Length > SlugMaxLength) return $"must be at most {SlugMaxLength} characters.";
        return CommonProblem(slug) ?? (SlugShape().IsMatch(slug) ? null : "may only hold lower-case letters and digits separated by single dashes.");
    }

    /// <summary>Why an export path (relative to its folder, ending in <paramref name="extension"/>) is refused, or null when it is safe.</summary>
    public static string? PathProblem(string path, string extension)
    {
        if (path.Length > PathMaxLength) return $"must be at most {PathMaxLength} characters.";
        if (CommonProblem(path) is { } problem) return problem;
        var segments = path.Split('/');
        if (segments.Any(s => s.Length == 0)) return "must not have empty segments (no doubled or trailing '/').";
        if (!segments.All(s => PathSegmentShape().IsMatch(s)))
            return "may only hold letters, digits, '-', '_', and '.' inside a name, with '/' between folders.";
        if (!path.EndsWith(extension, StringComparison.Ordinal)) return $"must end in {extension}.";
        return null;
    }

    /// <summary>The traversal attempts named one by one, so the answer says which rule a path broke.</summary>
    private static string? CommonProblem(string value)
    {
        if (value.Contains('\0')) return "must not contain a null byte.";
        if (value.Contains('%')) return "must not contain percent-encoded characters (such as an encoded separator).";
        if (value.Contains('\\')) return "must not contain a backslash.";
        if (value.StartsWith('/') || value.StartsWith('~') || DriveLetter().IsMatch(value)) return "must be a relative path inside the export folder, not an absolute one.";
        if (value.Split('/', '\\').Any(s => s is ".." or ".")) return "must not contain '..' or '.' segments.";
        return null;
    }

    /// <summary>An SEO image: an absolute http(s) URL or a path on this site ("/media/x.jpg").</summary>
    public static bool IsImageUrl(string value) =>
        (value.StartsWith('/') && !value.StartsWith("//", StringComparison.Ordinal) && !value.Contains('\\')) ||
        (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp));

    /// <summary>A block type: a short lower-case name ("hero", "call-to-action").</summary>
    public static bool IsBlockType(string value) => value.Length <= BlockTypeMaxLength && SlugShape().IsMatch(value);
}
