using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>Campaigns through real HTTP: create, slugs, the status machine, submissions, visibility, public pages, calls, custom recipients.</summary>
public sealed class CampaignApiTests : InfluenceTestBase
{
    [Fact]
    public async Task Create_makes_a_draft_with_a_slug_from_the_title_and_the_default_flags()
    {
        var title = Unique("Défendons l'École");
        var created = await CreateCampaign(title: title, activate: false);
        Assert.Equal("DRAFT", created.GetProperty("status").GetString());
        Assert.StartsWith("defendons-l-ecole-", Slug(created));
        Assert.True(created.GetProperty("allowSmtpEmail").GetBoolean());
        Assert.False(created.GetProperty("allowEmailEditing").GetBoolean());
        Assert.False(created.GetProperty("submittedForReview").GetBoolean());
        Assert.Equal(new[] { "FEDERAL", "PROVINCIAL" }, created.GetProperty("targetGovernmentLevels").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var read = await Ok(await Admin.GetAsync($"/api/campaigns/{Id(created)}"));
        Assert.Equal(Slug(created), Slug(read));
    }

    [Fact]
    public async Task Twenty_campaigns_of_one_title_created_at_once_get_twenty_different_slugs()
    {
        var title = Unique("Same Title");
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Admin.PostAsJsonAsync("/api/campaigns",
            new { title, emailSubject = "s", emailBody = "b" })));
        var slugs = new List<string>();
        foreach (var response in responses) slugs.Add(Slug(await Ok(response, HttpStatusCode.Created)));
        Assert.Equal(20, slugs.Distinct().Count());
        var baseSlug = title.ToLowerInvariant().Replace(' ', '-');
        Assert.Contains(baseSlug, slugs);
        Assert.All(slugs, s => Assert.StartsWith(baseSlug, s));
    }

    [Fact]
    public async Task Create_refuses_bad_input_naming_each_field()
    {
        var response = await Admin.PostAsJsonAsync("/api/campaigns", new { title = "", emailSubject = "", coverPhoto = "javascript:alert(1)" });
        var body = await Problem(response, HttpStatusCode.BadRequest);
        var errors = body.GetProperty("errors");
        foreach (var field in new[] { "title", "emailSubject", "emailBody", "coverPhoto" }) Assert.True(errors.TryGetProperty(field, out _), field);
        await ProblemWithField(await Admin.PostAsync("/api/campaigns", Json("""{"title": "x", "emailSubject": "s", "emailBody": "b", "targetGovernmentLevels": ["GALACTIC"]}""")),
            "targetGovernmentLevels[0]");
        await Problem(await Admin.PostAsync("/api/campaigns", Json("{not json")), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_status_machine_allows_its_moves_and_answers_409_for_others()
    {
        var campaign = await CreateCampaign(activate: false);
        var id = Id(campaign);
        async Task<HttpResponseMessage> Move(string status) => await Admin.PatchAsJsonAsync($"/api/campaigns/{id}", new { status });

        var conflict = await Problem(await Move("PAUSED"), HttpStatusCode.Conflict);
        Assert.Equal("status_move", conflict.GetProperty("reason").GetString());
        await Problem(await Move("ARCHIVED"), HttpStatusCode.Conflict);
        Assert.Equal("ACTIVE", (await Ok(await Move("ACTIVE"))).GetProperty("status").GetString());
        Assert.Equal("PAUSED", (await Ok(await Move("PAUSED"))).GetProperty("status").GetString());
        Assert.Equal("ACTIVE", (await Ok(await Move("ACTIVE"))).GetProperty("status").GetString());
        await Problem(await Move("DRAFT"), HttpStatusCode.Conflict);
        Assert.Equal("ARCHIVED", (await Ok(await Move("ARCHIVED"))).GetProperty("status").GetString());
        await Problem(await Move("ACTIVE"), HttpStatusCode.Conflict);
        await ProblemWithField(await Admin.PatchAsync($"/api/campaigns/{id}", Json("""{"status": "DONE"}""")), "status");
        await Problem(await Admin.PatchAsJsonAsync($"/api/campaigns/{Guid.NewGuid()}", new { title = "x" }), HttpStatusCode.NotFound);
        await ProblemWithField(await Admin.PatchAsJsonAsync($"/api/campaigns/{id}", new { title = " " }), "title");
    }

    [Fact]
    public async Task A_user_submits_a_draft_for_review_sees_only_their_own_and_cannot_publish_it()
    {
        var (author, _) = await UserClient(UserRole.User);
        var (other, _) = await UserClient(UserRole.User);
        var submitted = await CreateCampaign(flags: new { allowSmtpEmail = true, highlightCampaign = true }, activate: false, as_: author);
        Assert.Equal("DRAFT", submitted.GetProperty("status").GetString());
        Assert.True(submitted.GetProperty("submittedForReview").GetBoolean());
        Assert.False(submitted.GetProperty("allowSmtpEmail").GetBoolean());
        Assert.False(submitted.GetProperty("highlightCampaign").GetBoolean());
        var id = Id(submitted);

        var mine = await Ok(await author.GetAsync("/api/campaigns"));
        Assert.Equal(new[] { id }, mine.GetProperty("items").EnumerateArray().Select(Id).ToArray());
        Assert.Equal(0, (await Ok(await other.GetAsync("/api/campaigns"))).GetProperty("total").GetInt32());
        await Problem(await other.GetAsync($"/api/campaigns/{id}"), HttpStatusCode.NotFound);
        await Problem(await other.PatchAsJsonAsync($"/api/campaigns/{id}", new { title = "mine now" }), HttpStatusCode.NotFound);
        await Problem(await other.DeleteAsync($"/api/campaigns/{id}"), HttpStatusCode.NotFound);

        Assert.Equal("Better title", (await Ok(await author.PatchAsJsonAsync($"/api/campaigns/{id}", new { title = "Better title" })))
            .GetProperty("title").GetString());
        await Problem(await author.PatchAsJsonAsync($"/api/campaigns/{id}", new { status = "ACTIVE" }), HttpStatusCode.Forbidden);
        await Problem(await author.PatchAsJsonAsync($"/api/campaigns/{id}", new { allowSmtpEmail = true }), HttpStatusCode.Forbidden);

        // The admin sees it, reviews it and publishes it; from then on its author can no longer edit or delete it.
        var listed = await Ok(await Admin.GetAsync($"/api/campaigns?search={Uri.EscapeDataString("Better title")}&status=DRAFT"));
        Assert.Contains(id, listed.GetProperty("items").EnumerateArray().Select(Id));
        var published = await Ok(await Admin.PatchAsJsonAsync($"/api/campaigns/{id}", new { status = "ACTIVE" }));
        Assert.False(published.GetProperty("submittedForReview").GetBoolean());
        Assert.Equal("not_draft", (await Problem(await author.PatchAsJsonAsync($"/api/campaigns/{id}", new { title = "again" }), HttpStatusCode.Conflict))
            .GetProperty("reason").GetString());
        await Problem(await author.DeleteAsync($"/api/campaigns/{id}"), HttpStatusCode.Conflict);
        await ProblemWithField(await Admin.GetAsync("/api/campaigns?status=LIVE"), "status");
    }

    [Fact]
    public async Task A_temp_user_cannot_submit_a_campaign()
    {
        var temp = await ClientAs(UserRole.Temp);
        await Problem(await temp.PostAsJsonAsync("/api/campaigns", new { title = "t", emailSubject = "s", emailBody = "b" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Public_pages_show_active_campaigns_only_highlighted_first_with_the_counts_their_flags_allow()
    {
        var plain = await CreateCampaign(flags: new { showEmailCount = false });
        var highlighted = await CreateCampaign(flags: new { highlightCampaign = true });
        var draft = await CreateCampaign(activate: false);
        var list = await Ok(await Anonymous.GetAsync("/api/public/campaigns?pageSize=500"));
        var ids = list.GetProperty("items").EnumerateArray().Select(Id).ToList();
        Assert.DoesNotContain(Id(draft), ids);
        Assert.True(ids.IndexOf(Id(highlighted)) < ids.IndexOf(Id(plain)));

        var page = await Ok(await Anonymous.GetAsync($"/api/public/campaigns/{Slug(plain)}"));
        Assert.False(page.TryGetProperty("emailCount", out var hidden) && hidden.ValueKind != JsonValueKind.Null);
        Assert.Equal(0, page.GetProperty("callCount").GetInt32());
        Assert.False(page.TryGetProperty("createdByUserEmail", out _));
        await Problem(await Anonymous.GetAsync($"/api/public/campaigns/{Slug(draft)}"), HttpStatusCode.NotFound);
        await Problem(await Anonymous.GetAsync("/api/public/campaigns/no-such-campaign"), HttpStatusCode.NotFound);

        await Ok(await Admin.PatchAsJsonAsync($"/api/campaigns/{Id(plain)}", new { status = "PAUSED" }));
        await Problem(await Anonymous.GetAsync($"/api/public/campaigns/{Slug(plain)}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Calls_are_recorded_and_counted_only_for_active_campaigns()
    {
        var campaign = await CreateCampaign();
        var slug = Slug(campaign);
        var call = await Ok(await Anonymous.PostAsJsonAsync($"/api/public/campaigns/{slug}/calls", new
        {
            representativeName = "Pat Member", representativeTitle = "MP", phoneNumber = "1 613 992-4848", officeType = "legislature",
            callerName = "Robin", callerEmail = "robin@example.org", postalCode = "l5g 4l3",
        }), HttpStatusCode.Created);
        Assert.Equal("Pat Member", call.GetProperty("representativeName").GetString());
        Assert.Equal("L5G 4L3", await Db.ScalarAsync<string>("SELECT postal_code FROM calls WHERE id = @id", ("id", Id(call))));
        Assert.Equal(1, (await Ok(await Admin.GetAsync($"/api/campaigns/{Id(campaign)}"))).GetProperty("callCount").GetInt32());
        Assert.Equal(1, (await Ok(await Anonymous.GetAsync($"/api/public/campaigns/{slug}"))).GetProperty("callCount").GetInt32());

        var bad = await Problem(await Anonymous.PostAsJsonAsync($"/api/public/campaigns/{slug}/calls", new { postalCode = "12345", callerEmail = "nope" }),
            HttpStatusCode.BadRequest);
        foreach (var field in new[] { "representativeName", "phoneNumber", "postalCode", "callerEmail" })
            Assert.True(bad.GetProperty("errors").TryGetProperty(field, out _), field);
        await Problem(await Anonymous.PostAsJsonAsync("/api/public/campaigns/nothing-here/calls", new { representativeName = "x", phoneNumber = "1" }),
            HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Custom_recipients_are_managed_only_while_the_campaign_allows_them()
    {
        var campaign = await CreateCampaign();
        var id = Id(campaign);
        var path = $"/api/campaigns/{id}/custom-recipients";
        Assert.Equal("custom_recipients_disabled", (await Problem(await Admin.GetAsync(path), HttpStatusCode.Conflict)).GetProperty("reason").GetString());
        await Problem(await Admin.PostAsJsonAsync(path, new { recipientName = "Chair", recipientEmail = "chair@board.example" }), HttpStatusCode.Conflict);

        await Ok(await Admin.PatchAsJsonAsync($"/api/campaigns/{id}", new { allowCustomRecipients = true }));
        var created = await Ok(await Admin.PostAsJsonAsync(path, new { recipientName = "Chair", recipientEmail = "chair@board.example",
            recipientTitle = "Board chair" }), HttpStatusCode.Created);
        await Problem(await Admin.PostAsJsonAsync(path, new { recipientName = "Again", recipientEmail = "CHAIR@board.example" }), HttpStatusCode.Conflict);
        await ProblemWithField(await Admin.PostAsJsonAsync(path, new { recipientName = "", recipientEmail = "not-an-email" }), "recipientEmail");
        var updated = await Ok(await Admin.PatchAsJsonAsync($"{path}/{Id(created)}", new { isActive = false, notes = "on leave" }));
        Assert.False(updated.GetProperty("isActive").GetBoolean());
        Assert.Single((await Ok(await Admin.GetAsync(path))).EnumerateArray());
        await Problem(await Admin.PatchAsJsonAsync($"{path}/{Guid.NewGuid()}", new { notes = "x" }), HttpStatusCode.NotFound);
        await Ok(await Admin.DeleteAsync($"{path}/{Id(created)}"), HttpStatusCode.NoContent);
        await Problem(await Admin.DeleteAsync($"{path}/{Id(created)}"), HttpStatusCode.NotFound);
        Assert.Empty((await Ok(await Admin.GetAsync(path))).EnumerateArray());
        await Problem(await Admin.GetAsync($"/api/campaigns/{Guid.NewGuid()}/custom-recipients"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_removes_the_campaign_and_its_slug_can_be_used_again()
    {
        var title = Unique("Short Lived");
        var campaign = await CreateCampaign(title: title);
        await Ok(await Admin.DeleteAsync($"/api/campaigns/{Id(campaign)}"), HttpStatusCode.NoContent);
        await Problem(await Admin.GetAsync($"/api/campaigns/{Id(campaign)}"), HttpStatusCode.NotFound);
        await Problem(await Anonymous.GetAsync($"/api/public/campaigns/{Slug(campaign)}"), HttpStatusCode.NotFound);
        await Problem(await Admin.DeleteAsync($"/api/campaigns/{Id(campaign)}"), HttpStatusCode.NotFound);
        var again = await CreateCampaign(title: title);
        Assert.Equal(Slug(campaign), Slug(again));
        Assert.Equal(Id(again), Id(await Ok(await Anonymous.GetAsync($"/api/public/campaigns/{Slug(again)}"))));
    }
}
