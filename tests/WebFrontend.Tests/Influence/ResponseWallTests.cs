using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>The response wall: submissions wait for moderation, representatives verify or report by link, upvotes count once.</summary>
public sealed partial class ResponseWallTests : InfluenceTestBase
{
    private Task<HttpResponseMessage> Submit(object body) => Anonymous.PostAsJsonAsync("/api/public/responses", body);

    private static object ResponseBody(string slug, string? representativeEmail = null, bool anonymous = false, string text = "We will fund it.") => new
    {
        campaignSlug = slug, representativeName = "Pat Member", representativeTitle = "MP", representativeLevel = "FEDERAL", representativeEmail,
        responseType = "EMAIL", responseText = text, userComment = "Good news", submittedByName = "Secret Sam",
        submittedByEmail = "secret.sam@example.org", isAnonymous = anonymous,
    };

    private async Task<Guid> SubmitApproved(string slug, bool anonymous = false, string text = "We will fund it.")
    {
        var submitted = await Ok(await Submit(ResponseBody(slug, anonymous: anonymous, text: text)), HttpStatusCode.Created);
        await Ok(await Admin.PostAsync($"/api/responses/{Id(submitted)}/approve", null));
        return Id(submitted);
    }

    [Fact]
    public async Task A_submission_waits_for_moderation_and_an_anonymous_submitter_never_shows()
    {
        var campaign = await CreateCampaign(flags: new { showResponseWall = true });
        var slug = Slug(campaign);
        var submitted = await Ok(await Submit(ResponseBody(slug, anonymous: true)), HttpStatusCode.Created);
        Assert.Equal("PENDING", submitted.GetProperty("status").GetString());
        var wall = await Anonymous.GetAsync($"/api/public/responses/{slug}");
        Assert.Equal(0, (await Ok(wall)).GetProperty("total").GetInt32());

        var pending = await Ok(await Admin.GetAsync($"/api/responses?campaignId={Id(campaign)}&status=PENDING"));
        Assert.Equal(Id(submitted), Id(pending.GetProperty("items")[0]));
        Assert.Equal("secret.sam@example.org", pending.GetProperty("items")[0].GetProperty("submittedByEmail").GetString());
        await Ok(await Admin.PostAsync($"/api/responses/{Id(submitted)}/approve", null));
        var named = await SubmitApproved(slug, anonymous: false);

        var text = await (await Anonymous.GetAsync($"/api/public/responses/{slug}")).Content.ReadAsStringAsync();
        var items = JsonDocument.Parse(text).RootElement.GetProperty("items");
        Assert.Equal(2, items.GetArrayLength());
        Assert.DoesNotContain("secret.sam@example.org", text);
        var anonymousItem = items.EnumerateArray().Single(i => Id(i) == Id(submitted));
        Assert.True(anonymousItem.GetProperty("submittedByName").ValueKind == JsonValueKind.Null);
        Assert.Equal("Secret Sam", items.EnumerateArray().Single(i => Id(i) == named).GetProperty("submittedByName").GetString());
        Assert.Equal(2, (await Ok(await Anonymous.GetAsync($"/api/public/campaigns/{slug}"))).GetProperty("responseCount").GetInt32());

        await Ok(await Admin.PostAsync($"/api/responses/{named}/reject", null));
        Assert.Equal(1, (await Ok(await Anonymous.GetAsync($"/api/public/responses/{slug}"))).GetProperty("total").GetInt32());
        await Problem(await Admin.PostAsync($"/api/responses/{Guid.NewGuid()}/approve", null), HttpStatusCode.NotFound);
        await Problem(await Admin.PostAsync($"/api/responses/{Guid.NewGuid()}/verify", null), HttpStatusCode.NotFound);
        await ProblemWithField(await Admin.GetAsync("/api/responses?campaignId=nope&status=MAYBE"), "campaignId");
    }

    [Fact]
    public async Task Submissions_are_refused_without_a_wall_or_with_bad_fields()
    {
        var noWall = await CreateCampaign();
        Assert.Equal("wall_disabled", (await Problem(await Submit(ResponseBody(Slug(noWall))), HttpStatusCode.Conflict)).GetProperty("reason").GetString());
        await Problem(await Anonymous.GetAsync($"/api/public/responses/{Slug(noWall)}"), HttpStatusCode.NotFound);
        await Problem(await Submit(ResponseBody("no-such-campaign")), HttpStatusCode.NotFound);
        var bad = await Problem(await Submit(new { campaignSlug = "", representativeLevel = "GALAXY" }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("representativeLevel", out _));
        var missing = await Problem(await Submit(new { representativeEmail = "nope" }), HttpStatusCode.BadRequest);
        foreach (var field in new[] { "campaignSlug", "representativeName", "representativeLevel", "responseType", "responseText", "representativeEmail" })
            Assert.True(missing.GetProperty("errors").TryGetProperty(field, out _), field);
        var wall = await CreateCampaign(flags: new { showResponseWall = true });
        await ProblemWithField(await Anonymous.GetAsync($"/api/public/responses/{Slug(wall)}?sort=loudest"), "sort");
    }

    [Fact]
    public async Task The_representative_verifies_by_link_once_and_a_report_takes_a_response_off_the_wall()
    {
        var campaign = await CreateCampaign(flags: new { showResponseWall = true });
        var slug = Slug(campaign);
        var representative = $"rep-{Guid.NewGuid():N}@parl.example";
        var submitted = await Ok(await Submit(ResponseBody(slug, representativeEmail: representative)), HttpStatusCode.Created);
        Assert.True(submitted.GetProperty("verificationRequested").GetBoolean());
        await Ok(await Admin.PostAsync($"/api/responses/{Id(submitted)}/approve", null));

        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(representative))), "verification email");
        var mail = Cluster.Mail.Messages.Single(m => m.To.Contains(representative)).TextBody!;
        var verify = LinkRegex().Matches(mail).Select(m => m.Value).Single(l => l.Contains("/verify/"));
        var report = LinkRegex().Matches(mail).Select(m => m.Value).Single(l => l.Contains("/report/"));

        var page = await Anonymous.GetAsync(new Uri(verify).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Response verified", await page.Content.ReadAsStringAsync());
        var again = await Anonymous.GetAsync(new Uri(verify).PathAndQuery);
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Contains("already been used", await again.Content.ReadAsStringAsync());
        // One answer per request: the report link is spent too.
        Assert.Equal(HttpStatusCode.Gone, (await Anonymous.GetAsync(new Uri(report).PathAndQuery)).StatusCode);
        var item = (await Ok(await Anonymous.GetAsync($"/api/public/responses/{slug}?sort=verified"))).GetProperty("items")[0];
        Assert.True(item.GetProperty("isVerified").GetBoolean());

        var unknown = await Anonymous.GetAsync("/api/public/responses/verify/not-a-token");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("not valid", await unknown.Content.ReadAsStringAsync());

        // A second response is reported by its representative: off the wall; and an expired link says so.
        var other = $"rep-{Guid.NewGuid():N}@parl.example";
        var second = await Ok(await Submit(ResponseBody(slug, representativeEmail: other)), HttpStatusCode.Created);
        await Ok(await Admin.PostAsync($"/api/responses/{Id(second)}/approve", null));
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(other))), "second verification email");
        var secondReport = LinkRegex().Matches(Cluster.Mail.Messages.Single(m => m.To.Contains(other)).TextBody!).Select(m => m.Value)
            .Single(l => l.Contains("/report/"));
        var reported = await Anonymous.GetAsync(new Uri(secondReport).PathAndQuery);
        Assert.Contains("Response reported", await reported.Content.ReadAsStringAsync());
        Assert.Equal(1, (await Ok(await Anonymous.GetAsync($"/api/public/responses/{slug}"))).GetProperty("total").GetInt32());

        var third = await Ok(await Submit(ResponseBody(slug, representativeEmail: $"rep-{Guid.NewGuid():N}@parl.example")), HttpStatusCode.Created);
        await Db.ExecuteAsync("UPDATE representative_responses SET verification_expires_at = now() - interval '1 day' WHERE id = @id", ("id", Id(third)));
        var token = await Db.ScalarAsync<string>("SELECT verification_token FROM representative_responses WHERE id = @id", ("id", Id(third)));
        var expired = await Anonymous.GetAsync($"/api/public/responses/verify/{token}");
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync());

        var byAdmin = await Ok(await Admin.PostAsync($"/api/responses/{Id(third)}/verify", null));
        Assert.True(byAdmin.GetProperty("isVerified").GetBoolean());
    }

    [Fact]
    public async Task Simultaneous_upvotes_count_once_per_user_and_once_per_ip_and_the_count_equals_the_rows()
    {
        var campaign = await CreateCampaign(flags: new { showResponseWall = true });
        var slug = Slug(campaign);
        var response = await SubmitApproved(slug);
        var popular = await SubmitApproved(slug, text: "Second");

        var (user, _) = await UserClient(UserRole.User);
        var userVotes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => user.PostAsync($"/api/public/responses/{response}/upvote", null)));
        Assert.Equal(1, userVotes.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(9, userVotes.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var anonymousVotes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Anonymous.PostAsync($"/api/public/responses/{response}/upvote", null)));
        Assert.Equal(1, anonymousVotes.Count(r => r.StatusCode == HttpStatusCode.OK));
        await Problem(anonymousVotes.First(r => r.StatusCode == HttpStatusCode.Conflict), HttpStatusCode.Conflict);

        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT upvote_count FROM representative_responses WHERE id = @id", ("id", response)));
        Assert.Equal(2, await Db.ScalarAsync<long>("SELECT count(*) FROM response_upvotes WHERE response_id = @id", ("id", response)));

        // Three more signed-in people upvote the other one: it leads the wall sorted by upvotes.
        for (var i = 0; i < 3; i++) await Ok(await (await UserClient(UserRole.User)).Http.PostAsync($"/api/public/responses/{popular}/upvote", null));
        var byUpvotes = await Ok(await Anonymous.GetAsync($"/api/public/responses/{slug}?sort=upvotes"));
        Assert.Equal(popular, Id(byUpvotes.GetProperty("items")[0]));
        Assert.Equal(3, byUpvotes.GetProperty("items")[0].GetProperty("upvoteCount").GetInt32());
        var recent = await Ok(await Anonymous.GetAsync($"/api/public/responses/{slug}?sort=recent"));
        Assert.Equal(popular, Id(recent.GetProperty("items")[0]));

        var pending = await Ok(await Submit(ResponseBody(slug)), HttpStatusCode.Created);
        await Problem(await Anonymous.PostAsync($"/api/public/responses/{Id(pending)}/upvote", null), HttpStatusCode.NotFound);
        await Problem(await Anonymous.PostAsync($"/api/public/responses/{Guid.NewGuid()}/upvote", null), HttpStatusCode.NotFound);
    }

    [GeneratedRegex(@"https?://\S+/api/public/responses/(verify|report)/[A-Za-z0-9_-]+")]
    private static partial Regex LinkRegex();
}
