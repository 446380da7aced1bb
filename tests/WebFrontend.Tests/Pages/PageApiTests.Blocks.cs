using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace ChangemakerLite.WebFrontend.Tests.Pages;

/// <summary>The block library (docs/api/pages.md: /api/page-blocks) on the same cluster as the pages.</summary>
public sealed partial class PageApiTests
{
    [Fact]
    public async Task The_block_library_starts_with_the_seven_editor_blocks()
    {
        var library = await Json(await _admin.GetAsync("/api/page-blocks?pageSize=500"));
        var seeded = new Dictionary<string, string>
        {
            ["00000000-0000-7000-8000-000000000b01"] = "hero",
            ["00000000-0000-7000-8000-000000000b02"] = "text",
            ["00000000-0000-7000-8000-000000000b03"] = "image",
            ["00000000-0000-7000-8000-000000000b04"] = "cta",
            ["00000000-0000-7000-8000-000000000b05"] = "features",
            ["00000000-0000-7000-8000-000000000b06"] = "testimonials",
            ["00000000-0000-7000-8000-000000000b07"] = "form",
        };
        foreach (var (id, type) in seeded)
        {
            var block = await Json(await _admin.GetAsync($"/api/page-blocks/{id}"));
            Assert.Equal(type, block.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(block.GetProperty("label").GetString()));
            Assert.StartsWith("<", block.GetProperty("defaults").GetProperty("html").GetString());
            Assert.Equal(System.Text.Json.JsonValueKind.Array, block.GetProperty("schema").GetProperty("fields").ValueKind);
            Assert.Contains(library.GetProperty("items").EnumerateArray(), b => b.GetProperty("id").GetString() == id);
        }
        var hero = await Json(await _admin.GetAsync("/api/page-blocks?type=hero&category=layout"));
        Assert.Contains(hero.GetProperty("items").EnumerateArray(), b => b.GetProperty("id").GetString() == "00000000-0000-7000-8000-000000000b01");
    }

    [Fact]
    public async Task A_block_is_created_read_edited_listed_and_deleted()
    {
        var category = $"test-{Guid.NewGuid():N}";
        var response = await _admin.PostAsJsonAsync("/api/page-blocks", new
        {
            type = "pull-quote",
            label = "Pull quote",
            category,
            sortOrder = 5,
            schema = JsonNode.Parse("""{"fields":[{"name":"quote","type":"text"}]}"""),
            defaults = JsonNode.Parse("""{"quote":"Together.","html":"<blockquote>Together.</blockquote>"}"""),
            thumbnail = "/media/quote.png",
        });
        var created = await Json(response);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal($"/api/page-blocks/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Together.", created.GetProperty("defaults").GetProperty("quote").GetString());

        var listed = await Json(await _admin.GetAsync($"/api/page-blocks?category={category}"));
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        Assert.Equal(id, listed.GetProperty("items")[0].GetProperty("id").GetGuid());

        var patched = await _admin.PatchAsJsonAsync($"/api/page-blocks/{id}", new { label = "Big quote", schema = (object?)null, sortOrder = 1 });
        var edited = await Json(patched);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("Big quote", edited.GetProperty("label").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, edited.GetProperty("schema").ValueKind);
        Assert.Equal("Together.", edited.GetProperty("defaults").GetProperty("quote").GetString());
        Assert.Equal(1, edited.GetProperty("sortOrder").GetInt32());
        Assert.Equal("Big quote", await Db.ScalarAsync<string>("SELECT label FROM page_blocks WHERE id = @id", ("id", id)));
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT version FROM page_blocks WHERE id = @id", ("id", id)));

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/page-blocks/{id}")).StatusCode);
        await AssertProblem(await _admin.GetAsync($"/api/page-blocks/{id}"), HttpStatusCode.NotFound);
        Assert.Equal(0, (await Json(await _admin.GetAsync($"/api/page-blocks?category={category}"))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Bad_input_on_every_block_route_is_a_4xx_problem()
    {
        var missing = Guid.NewGuid();
        await AssertProblem(await _admin.PostAsJsonAsync("/api/page-blocks", new { }), HttpStatusCode.BadRequest, "type");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/page-blocks", new { type = "hero" }), HttpStatusCode.BadRequest, "label");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/page-blocks", new { type = "Hero Block!", label = "x" }), HttpStatusCode.BadRequest, "type");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/page-blocks", new { type = "hero", label = "x", schema = "text" }), HttpStatusCode.BadRequest, "schema");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/page-blocks", new { type = "hero", label = "x", thumbnail = "ftp://x/y.png" }), HttpStatusCode.BadRequest, "thumbnail");
        await AssertProblem(await _admin.PostAsJsonAsync("/api/page-blocks", new { type = "hero", label = "x", sortOrder = "first" }), HttpStatusCode.BadRequest, "sortOrder");
        await AssertProblem(await _admin.PostAsync("/api/page-blocks", new StringContent("{", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await AssertProblem(await _admin.PostAsync("/api/page-blocks", new StringContent("{}", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        await AssertProblem(await _admin.GetAsync($"/api/page-blocks/{missing}"), HttpStatusCode.NotFound);
        await AssertProblem(await _admin.PatchAsJsonAsync($"/api/page-blocks/{missing}", new { label = "x" }), HttpStatusCode.NotFound);
        await AssertProblem(await _admin.DeleteAsync($"/api/page-blocks/{missing}"), HttpStatusCode.NotFound);
        await AssertProblem(await _admin.GetAsync("/api/page-blocks?page=0"), HttpStatusCode.BadRequest, "page");
        await AssertProblem(await _admin.PatchAsJsonAsync("/api/page-blocks/00000000-0000-7000-8000-000000000b01", new { label = "" }),
            HttpStatusCode.BadRequest, "label");
    }
}
