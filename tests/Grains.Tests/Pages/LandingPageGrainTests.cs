using ChangemakerLite.Grains.Interfaces.Pages;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Grains.Tests.Pages;

/// <summary>
/// The page grain against writes it did not make (what a second activation during a membership change would do):
/// the version check makes it reload and decide again, never overwrite.
/// </summary>
public sealed class LandingPageGrainTests : ClusterTest
{
    private ILandingPageGrain Page(Guid id) => Cluster.ClientOf(0).GetGrain<ILandingPageGrain>(id);

    [Fact]
    public async Task An_edit_committed_by_another_activation_is_kept_not_overwritten()
    {
        var id = Ids.New();
        var created = await Page(id).Create(new PageChanges(Title: $"Grain page {id:N}", HtmlOutput: "<p>one</p>"));
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT version FROM landing_pages WHERE id = @id", ("id", id)));

        await Db.ExecuteAsync("UPDATE landing_pages SET title = 'Changed elsewhere', version = version + 1 WHERE id = @id", ("id", id));
        var edited = await Page(id).Update(new PageChanges(Description: "Set here"));

        Assert.Equal("Changed elsewhere", edited.Title);
        Assert.Equal("Set here", edited.Description);
        Assert.Equal(created.Slug, edited.Slug);
        Assert.Equal("<p>one</p>", edited.HtmlOutput);
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT version FROM landing_pages WHERE id = @id", ("id", id)));
        Assert.Equal("Changed elsewhere", await Db.ScalarAsync<string>("SELECT title FROM landing_pages WHERE id = @id", ("id", id)));
        Assert.Equal("Set here", await Db.ScalarAsync<string>("SELECT description FROM landing_pages WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task The_grain_refuses_unsafe_names_whoever_calls_it()
    {
        var id = Ids.New();
        var slug = await Assert.ThrowsAsync<DomainException>(() => Page(id).Create(new PageChanges(Title: "x", Slug: "../x")));
        Assert.Equal(("slug", DomainErrorKind.Invalid), (slug.Field, slug.Kind));
        var path = await Assert.ThrowsAsync<DomainException>(() => Page(id).Create(new PageChanges(Title: "x", MkdocsStubPath: "/etc/x.md")));
        Assert.Equal("mkdocsStubPath", path.Field);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM landing_pages WHERE id = @id", ("id", id)));

        await Page(id).Create(new PageChanges(Title: $"Safe {id:N}"));
        var template = await Assert.ThrowsAsync<DomainException>(() => Page(id).Update(new PageChanges(MkdocsPath: "pages/%2e%2e/x.html")));
        Assert.Equal("mkdocsPath", template.Field);
        Assert.Equal($"pages/safe-{id:N}.html", await Db.ScalarAsync<string>("SELECT mkdocs_path FROM landing_pages WHERE id = @id", ("id", id)));
    }
}
