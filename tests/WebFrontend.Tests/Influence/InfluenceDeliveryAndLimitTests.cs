using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>
/// A campaign email the relay never takes: each attempt is retried after a doubling delay and logged, and after ten the
/// email is FAILED.
/// </summary>
public sealed class CampaignDeliveryRetryTests : InfluenceTestBase
{
    // Nothing listens on this port: every attempt is refused before anything reaches a relay, so each may be retried.
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["SMTP_PORT"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EMAIL_RETRY_SECONDS"] = "0.01",
    };

    [Fact]
    public async Task An_email_the_relay_never_takes_is_retried_with_backoff_logged_per_attempt_then_failed()
    {
        var campaign = await CreateCampaign(new { allowCustomRecipients = true });
        var recipient = $"council.{Guid.NewGuid():N}@city.example";
        await Ok(await Admin.PostAsJsonAsync($"/api/campaigns/{Id(campaign)}/custom-recipients",
            new { recipientName = "City Council", recipientEmail = recipient }), HttpStatusCode.Created);
        var sent = await Ok(await Anonymous.PostAsJsonAsync($"/api/public/campaigns/{Slug(campaign)}/emails", new
        {
            idempotencyKey = Guid.NewGuid().ToString(), method = "SMTP", recipients = new[] { new { email = recipient } },
        }), HttpStatusCode.Accepted);
        var emailId = Id(sent.GetProperty("emails")[0]);

        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status::text FROM campaign_emails WHERE id = @id", ("id", emailId)) == "FAILED",
            "the email FAILED", TimeSpan.FromSeconds(90));
        var outbox = await Db.ScalarAsync<Guid>("SELECT outbox_message_id FROM campaign_emails WHERE id = @id", ("id", emailId));
        Assert.Equal(10, await Db.ScalarAsync<int>("SELECT attempts FROM outbox_messages WHERE id = @id", ("id", outbox)));
        Assert.StartsWith("Gave up after 10 attempts.", await Db.ScalarAsync<string>("SELECT last_error FROM outbox_messages WHERE id = @id", ("id", outbox)));
        // One log row per attempt, each a failure.
        Assert.Equal(10, await Db.ScalarAsync<long>("SELECT count(*) FROM email_logs WHERE recipient_email = @to AND status = 'failed'", ("to", recipient)));
        Assert.Equal(0, await Db.ScalarAsync<long>("SELECT count(*) FROM email_logs WHERE recipient_email = @to AND status <> 'failed'", ("to", recipient)));
        var listed = await Ok(await Admin.GetAsync($"/api/campaigns/{Id(campaign)}/emails"));
        Assert.Equal(1, listed.GetProperty("byStatus").GetProperty("FAILED").GetInt32());
    }
}

/// <summary>Public sends, calls and response submissions are limited per IP per minute, each on its own budget.</summary>
public sealed class InfluenceRateLimitTests : InfluenceTestBase
{
    private const int PerMinute = 3;

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["INFLUENCE_RATE_LIMIT_PER_IP"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Past_its_budget_an_ip_gets_429_for_sends_calls_and_submissions_each()
    {
        var campaign = await CreateCampaign(new { allowSmtpEmail = false, showResponseWall = true });
        var slug = Slug(campaign);
        Task<HttpResponseMessage> Send() => Anonymous.PostAsJsonAsync($"/api/public/campaigns/{slug}/emails", new
        {
            idempotencyKey = Guid.NewGuid().ToString(), method = "MAILTO", postalCode = "L5G 4L3",
            recipients = new[] { new { email = TestSupport.Influence.FakeRepresent.MpEmail("L5G4L3") } },
        });
        Task<HttpResponseMessage> Call() => Anonymous.PostAsJsonAsync($"/api/public/campaigns/{slug}/calls",
            new { representativeName = "Pat Member", phoneNumber = "1 613 992-4848" });
        Task<HttpResponseMessage> Submit() => Anonymous.PostAsJsonAsync("/api/public/responses", new
        {
            campaignSlug = slug, representativeName = "Pat Member", representativeLevel = "FEDERAL", responseType = "EMAIL",
            responseText = "We will fund it.",
        });

        for (var i = 0; i < PerMinute; i++) await Ok(await Send(), HttpStatusCode.Accepted);
        await Problem(await Send(), HttpStatusCode.TooManyRequests);
        // The calls' and submissions' budgets are their own.
        for (var i = 0; i < PerMinute; i++) await Ok(await Call(), HttpStatusCode.Created);
        await Problem(await Call(), HttpStatusCode.TooManyRequests);
        for (var i = 0; i < PerMinute; i++) await Ok(await Submit(), HttpStatusCode.Created);
        await Problem(await Submit(), HttpStatusCode.TooManyRequests);

        Assert.Equal(PerMinute, await Db.ScalarAsync<long>("SELECT count(*) FROM campaign_emails WHERE campaign_id = @c", ("c", Id(campaign))));
        Assert.Equal(PerMinute, await Db.ScalarAsync<long>("SELECT count(*) FROM calls WHERE campaign_id = @c", ("c", Id(campaign))));
        Assert.Equal(PerMinute, await Db.ScalarAsync<long>("SELECT count(*) FROM representative_responses WHERE campaign_id = @c", ("c", Id(campaign))));
    }
}
