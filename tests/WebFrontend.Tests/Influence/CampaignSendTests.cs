using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Influence;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>A supporter's sends: SMTP through the outbox to the real SMTP sink exactly once per (key, recipient), MAILTO links, and their rules.</summary>
public sealed class CampaignSendTests : InfluenceTestBase
{
    private const string Code = "L5G 4L3";
    private static readonly string Mp = FakeRepresent.MpEmail("L5G4L3");
    private static readonly string Mpp = FakeRepresent.MppEmail("L5G4L3");

    private Task<HttpResponseMessage> Send(string slug, object body) => Anonymous.PostAsJsonAsync($"/api/public/campaigns/{slug}/emails", body);

    private static object SmtpBody(string key, params string[] to) => new
    {
        idempotencyKey = key, method = "SMTP", postalCode = Code, senderName = "Robin Supporter", senderEmail = "robin@example.org",
        recipients = to.Select(e => new { email = e }).ToArray(),
    };

    private int AtSink(string campaignSubject, string to) =>
        Cluster.Mail.Messages.Count(m => m.Subject == campaignSubject && m.To.Contains(to, StringComparer.OrdinalIgnoreCase));

    [Fact]
    public async Task An_smtp_send_is_delivered_once_per_recipient_however_often_and_concurrently_it_is_replayed()
    {
        var campaign = await CreateCampaign();
        var slug = Slug(campaign);
        var subject = campaign.GetProperty("emailSubject").GetString()!;
        var key = Guid.NewGuid().ToString();

        var first = await Ok(await Send(slug, SmtpBody(key, Mp, Mpp)), HttpStatusCode.Accepted);
        var emails = first.GetProperty("emails").EnumerateArray().ToList();
        Assert.Equal(2, emails.Count);
        Assert.All(emails, e => Assert.Equal("QUEUED", e.GetProperty("status").GetString()));
        var ids = emails.Select(Id).OrderBy(i => i).ToList();

        // The phone retries: five at once, then one more; each answers the same rows.
        var replays = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Send(slug, SmtpBody(key, Mp, Mpp))));
        foreach (var replay in replays.Append(await Send(slug, SmtpBody(key, Mpp, Mp))))
            Assert.Equal(ids, (await Ok(replay, HttpStatusCode.Accepted)).GetProperty("emails").EnumerateArray().Select(Id).OrderBy(i => i).ToList());

        await Eventually.True(async () => await Db.ScalarAsync<long>(
            "SELECT count(*) FROM campaign_emails WHERE campaign_id = @c AND status = 'SENT'", ("c", Id(campaign))) == 2, "both SENT");
        Assert.Equal(2, await Db.ScalarAsync<long>("SELECT count(*) FROM campaign_emails WHERE campaign_id = @c", ("c", Id(campaign))));
        Assert.Equal(1, AtSink(subject, Mp));
        Assert.Equal(1, AtSink(subject, Mpp));
        var message = Cluster.Mail.Messages.First(m => m.Subject == subject && m.To.Contains(Mp));
        Assert.Contains("Please keep our library open & funded.", message.TextBody);
        Assert.Contains("Robin Supporter", message.TextBody);
        Assert.Equal(1, await Db.ScalarAsync<long>("SELECT count(*) FROM email_logs WHERE recipient_email = @to AND status = 'sent' AND subject = @s",
            ("to", Mp), ("s", subject)));

        var listed = await Ok(await Admin.GetAsync($"/api/campaigns/{Id(campaign)}/emails"));
        Assert.Equal(2, listed.GetProperty("byStatus").GetProperty("SENT").GetInt32());
        Assert.Equal(2, listed.GetProperty("byMethod").GetProperty("SMTP").GetInt32());
        Assert.Equal(2, (await Ok(await Admin.GetAsync($"/api/campaigns/{Id(campaign)}"))).GetProperty("emailCount").GetInt32());
        await Problem(await Admin.GetAsync($"/api/campaigns/{Guid.NewGuid()}/emails"), HttpStatusCode.NotFound);

        // A new key is a new send.
        await Ok(await Send(slug, SmtpBody(Guid.NewGuid().ToString(), Mp)), HttpStatusCode.Accepted);
        await Eventually.True(() => Task.FromResult(AtSink(subject, Mp) == 2), "second send delivered");
    }

    [Fact]
    public async Task Recipients_must_be_the_codes_representatives_or_active_custom_recipients()
    {
        var campaign = await CreateCampaign(flags: new { allowCustomRecipients = true });
        var slug = Slug(campaign);
        await ProblemWithField(await Send(slug, SmtpBody(Guid.NewGuid().ToString(), "someone@else.example")), "recipients[0].email");
        // Another code's MP is not this code's.
        await ProblemWithField(await Send(slug, SmtpBody(Guid.NewGuid().ToString(), Mp, FakeRepresent.MpEmail("K1A0A6"))), "recipients[1].email");
        await ProblemWithField(await Send(slug, new { idempotencyKey = "k", method = "SMTP", recipients = new[] { new { email = Mp } } }), "recipients[0].email");

        var custom = await Ok(await Admin.PostAsJsonAsync($"/api/campaigns/{Id(campaign)}/custom-recipients",
            new { recipientName = "Board Chair", recipientEmail = "chair@board.example" }), HttpStatusCode.Created);
        var sent = await Ok(await Send(slug, new { idempotencyKey = Guid.NewGuid().ToString(), method = "SMTP",
            recipients = new[] { new { email = "Chair@Board.example" } } }), HttpStatusCode.Accepted);
        Assert.Equal("chair@board.example", sent.GetProperty("emails")[0].GetProperty("recipientEmail").GetString());
        await Ok(await Admin.PatchAsJsonAsync($"/api/campaigns/{Id(campaign)}/custom-recipients/{Id(custom)}", new { isActive = false }));
        await ProblemWithField(await Send(slug, new { idempotencyKey = Guid.NewGuid().ToString(), method = "SMTP",
            recipients = new[] { new { email = "chair@board.example" } } }), "recipients[0].email");
    }

    [Fact]
    public async Task The_flags_decide_methods_editing_and_what_is_kept_about_the_sender()
    {
        var noSmtp = await CreateCampaign(flags: new { allowSmtpEmail = false });
        Assert.Equal("smtp_disabled", (await Problem(await Send(Slug(noSmtp), SmtpBody("a", Mp)), HttpStatusCode.Conflict)).GetProperty("reason").GetString());
        var noMailto = await CreateCampaign(flags: new { allowMailtoLink = false });
        await Problem(await Send(Slug(noMailto), new { idempotencyKey = "b", method = "MAILTO", postalCode = Code, recipients = new[] { new { email = Mp } } }),
            HttpStatusCode.Conflict);

        var fixedText = await CreateCampaign();
        await ProblemWithField(await Send(Slug(fixedText), new { idempotencyKey = "c", method = "SMTP", postalCode = Code, subject = "Mine",
            recipients = new[] { new { email = Mp } } }), "subject");

        var editable = await CreateCampaign(flags: new { allowEmailEditing = true, collectUserInfo = false });
        var subject = Unique("My own words");
        await Ok(await Send(Slug(editable), new { idempotencyKey = "d", method = "SMTP", postalCode = Code, senderName = "Robin", senderEmail = "r@example.org",
            subject, body = "Written by me.", recipients = new[] { new { email = Mp } } }), HttpStatusCode.Accepted);
        await Eventually.True(() => Task.FromResult(AtSink(subject, Mp) == 1), "edited email delivered");
        Assert.Equal("Written by me.", Cluster.Mail.Messages.Single(m => m.Subject == subject).TextBody?.Trim());
        Assert.Null(await Db.ScalarAsync<string>("SELECT user_email FROM campaign_emails WHERE campaign_id = @c", ("c", Id(editable))));

        var paused = await CreateCampaign();
        await Ok(await Admin.PatchAsJsonAsync($"/api/campaigns/{Id(paused)}", new { status = "PAUSED" }));
        await Problem(await Send(Slug(paused), SmtpBody("e", Mp)), HttpStatusCode.NotFound);
        await Problem(await Send("no-such-campaign", SmtpBody("f", Mp)), HttpStatusCode.NotFound);

        var bad = await Problem(await Send(Slug(fixedText), new { method = "PIGEON", recipients = Array.Empty<object>() }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("method", out _));
        var missing = await Problem(await Send(Slug(fixedText), new { postalCode = "nope", senderEmail = "x", recipients = Array.Empty<object>() }),
            HttpStatusCode.BadRequest);
        foreach (var field in new[] { "idempotencyKey", "method", "postalCode", "senderEmail", "recipients" })
            Assert.True(missing.GetProperty("errors").TryGetProperty(field, out _), field);
    }

    [Fact]
    public async Task A_mailto_send_answers_an_rfc_6068_link_and_is_recorded_without_sending_anything()
    {
        var campaign = await CreateCampaign(flags: new { allowEmailEditing = true });
        var answer = await Ok(await Send(Slug(campaign), new
        {
            idempotencyKey = Guid.NewGuid().ToString(), method = "MAILTO", postalCode = Code, subject = "Fund it & keep it? 100%",
            body = "Line one\nLine two: café #1", recipients = new[] { new { email = Mp } },
        }), HttpStatusCode.Accepted);
        var email = answer.GetProperty("emails")[0];
        Assert.Equal("CLICKED", email.GetProperty("status").GetString());
        var url = email.GetProperty("mailtoUrl").GetString()!;
        Assert.Equal($"mailto:{Mp}?subject=Fund%20it%20%26%20keep%20it%3F%20100%25&body=Line%20one%0D%0ALine%20two%3A%20caf%C3%A9%20%231", url);
        Assert.Equal("MAILTO", await Db.ScalarAsync<string>("SELECT email_method::text FROM campaign_emails WHERE id = @id", ("id", Id(email))));
        Assert.Null(await Db.ScalarAsync<Guid?>("SELECT outbox_message_id FROM campaign_emails WHERE id = @id", ("id", Id(email))));
    }

    [Fact]
    public async Task Representatives_unavailable_and_uncached_make_a_send_503()
    {
        var campaign = await CreateCampaign();
        Represent.Failure = 503;
        try
        {
            var response = await Send(Slug(campaign), new { idempotencyKey = "z", method = "SMTP", postalCode = "T5K 2J1",
                recipients = new[] { new { email = FakeRepresent.MpEmail("T5K2J1") } } });
            await Problem(response, HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(response.Headers.RetryAfter);
        }
        finally
        {
            Represent.Failure = 0;
        }
    }
}
