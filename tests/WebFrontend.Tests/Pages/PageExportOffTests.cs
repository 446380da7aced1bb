using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Pages;

/// <summary>Without MKDOCS_DOCS_DIR pages publish at /p/ only, and "validate exports" says the export is off.</summary>
public sealed class PageExportOffTests : ClusterTest
{
    [Fact]
    public async Task Pages_publish_without_an_export_folder_and_validation_says_it_is_off()
    {
        var admin = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        using var http = Cluster.Http(0, admin.AccessToken);
        var response = await http.PostAsJsonAsync("/api/pages", new { title = $"No export {Guid.NewGuid():N}", htmlOutput = "<p>here</p>", published = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var slug = (await PageApiTests.Json(response)).GetProperty("slug").GetString();
        using var anonymous = Cluster.Http();
        Assert.Contains("<p>here</p>", await anonymous.GetStringAsync($"/p/{slug}"));
        await PageApiTests.AssertProblem(await http.PostAsync("/api/pages/exports/validate", null), HttpStatusCode.Conflict);
    }
}
