using ChangemakerLite.Grains.Interfaces.Pages;
using ChangemakerLite.Grains.Pages;

namespace ChangemakerLite.Grains.Tests.Pages;

/// <summary>The naming rules of pages and the Jinja quoting of the export, on their own.</summary>
public sealed class PageRulesTests
{
    [Theory]
    [InlineData("Spring Rally 2026", "spring-rally-2026")]
    [InlineData("  Été à Montréal!  ", "ete-a-montreal")]
    [InlineData("../../etc/passwd", "etc-passwd")]
    [InlineData("a%2Fb\0c", "a-2fb-c")]
    [InlineData("!!!", "page")]
    [InlineData("日本語", "page")]
    public void A_slug_from_a_title_holds_only_safe_characters(string title, string slug)
    {
        Assert.Equal(slug, PageRules.SlugFromTitle(title));
        Assert.Null(PageRules.SlugProblem(slug));
    }

    [Theory]
    [InlineData("pages/x.html", ".html", true)]
    [InlineData("a/b.c/x.html", ".html", true)]
    [InlineData("x.md", ".md", true)]
    [InlineData("x.html", ".md", false)]
    [InlineData("pages//x.md", ".md", false)]
    [InlineData("pages/x.md/", ".md", false)]
    [InlineData("pages/..x.md", ".md", false)]
    [InlineData("pages/.hidden.md", ".md", false)]
    [InlineData("pages/x y.md", ".md", false)]
    public void Export_paths_are_plain_relative_names(string path, string extension, bool safe) =>
        Assert.Equal(safe, PageRules.PathProblem(path, extension) is null);

    [Fact]
    public void Authored_text_in_a_template_cannot_end_its_raw_block()
    {
        var quoted = MkdocsExporter.Literal("a {% endraw %}{{ x }}{%- endraw -%} b");
        Assert.Equal("{% raw %}a {% endraw %}{{ '{%' }}{% raw %} endraw %}{{ x }}{% endraw %}{{ '{%' }}{% raw %}- endraw -%} b{% endraw %}", quoted);
    }
}
