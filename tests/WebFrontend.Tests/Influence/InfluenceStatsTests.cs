using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Influence;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>
/// The dashboard's influence figures (GET /api/campaigns/stats): a new active campaign, a supporter's emails and a
/// pending response each move their figure by exactly their own rows, the latest emails name their campaign; bad
/// input is a 400 naming the parameter. The figures are the site's, so each is read before and after this test's
/// rows (the tests of a class run one after another).
/// </summary>
public sealed class InfluenceStatsTests : InfluenceTestBase
{
    private const string Code = "L5G 4L3";

    private async Task<JsonElement> Stats(string query = "") => await Ok(await Admin.GetAsync($"/api/campaigns/stats{query}"));

    [Fact]
    public async Task Each_figure_moves_by_this_tests_own_campaign_emails_and_response()
    {
        var before = await Stats();

        var campaign = await CreateCampaign(new { showResponseWall = true });
        var slug = Slug(campaign);
        await CreateCampaign(activate: false);
        var sent = await Ok(await Anonymous.PostAsJsonAsync($"/api/public/campaigns/{slug}/emails", new
        {
            idempotencyKey = Guid.NewGuid().ToString(), method = "MAILTO", postalCode = Code,
            recipients = new[] { new { email = FakeRepresent.MpEmail("L5G4L3") }, new { email = FakeRepresent.MppEmail("L5G4L3") } },
        }), HttpStatusCode.Accepted);
        var emailIds = sent.GetProperty("emails").EnumerateArray().Select(Id).ToHashSet();
        Assert.Equal(2, emailIds.Count);
        await Ok(await Anonymous.PostAsJsonAsync("/api/public/responses", new
        {
            campaignSlug = slug, representativeName = "Pat Member", representativeLevel = "FEDERAL", responseType = "EMAIL", responseText = "Yes.",
        }), HttpStatusCode.Created);

        var after = await Stats();
        Assert.Equal(before.GetProperty("activeCampaigns").GetInt32() + 1, after.GetProperty("activeCampaigns").GetInt32());
        Assert.Equal(before.GetProperty("campaigns").GetInt32() + 2, after.GetProperty("campaigns").GetInt32());
        Assert.Equal(before.GetProperty("pendingResponses").GetInt64() + 1, after.GetProperty("pendingResponses").GetInt64());
        Assert.Equal(before.GetProperty("emailsLast24Hours").GetInt64() + 2, after.GetProperty("emailsLast24Hours").GetInt64());
        Assert.Equal(before.GetProperty("emailsLast24HoursByStatus").GetProperty("CLICKED").GetInt64() + 2,
            after.GetProperty("emailsLast24HoursByStatus").GetProperty("CLICKED").GetInt64());
        var recent = after.GetProperty("recentEmails").EnumerateArray().ToList();
        Assert.True(recent.Count <= 10);
        var mine = recent.Where(e => emailIds.Contains(Id(e))).ToList();
        Assert.Equal(2, mine.Count);
        Assert.All(mine, e =>
        {
            Assert.Equal(Id(campaign), e.GetProperty("campaignId").GetGuid());
            Assert.Equal(campaign.GetProperty("title").GetString(), e.GetProperty("campaignTitle").GetString());
            Assert.Equal("MAILTO", e.GetProperty("emailMethod").GetString());
        });

        // Approving the response takes it out of the figure.
        var responseId = await Db.ScalarAsync<Guid>("SELECT id FROM representative_responses WHERE campaign_slug = @s", ("s", slug));
        await Ok(await Admin.PostAsync($"/api/responses/{responseId}/approve", null));
        Assert.Equal(before.GetProperty("pendingResponses").GetInt64(), (await Stats()).GetProperty("pendingResponses").GetInt64());

        // How many latest emails: 0 to 50.
        Assert.Empty((await Stats("?recent=0")).GetProperty("recentEmails").EnumerateArray());
        Assert.Single((await Stats("?recent=1")).GetProperty("recentEmails").EnumerateArray());
    }

    [Fact]
    public async Task A_bad_count_is_a_400_naming_it_and_a_volunteer_is_refused()
    {
        foreach (var bad in new[] { "51", "-1", "x", "1.5" })
            await ProblemWithField(await Admin.GetAsync($"/api/campaigns/stats?recent={bad}"), "recent");
        using var volunteer = await ClientAs(UserRole.User);
        await Problem(await volunteer.GetAsync("/api/campaigns/stats"), HttpStatusCode.Forbidden);
        await Problem(await Anonymous.GetAsync("/api/campaigns/stats"), HttpStatusCode.Unauthorized);
    }
}
