using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>
/// The outbox is not a store of secrets: a delivered message keeps neither its reset or verification link nor a TEMP
/// password, in its rendered bodies or its variables; a message that failed for good loses them too; delivered and
/// failed messages are purged after the retention period, and waiting ones never are.
/// </summary>
public sealed partial class OutboxSecretsTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["EMAIL_OUTBOX_PURGE_SECONDS"] = "1" };

    [GeneratedRegex(@"reset-password\?token=([A-Za-z0-9_\-%]+)")]
    private static partial Regex ResetLink();

    private async Task<string> StatusOf(Guid id) => (await Db.ScalarAsync<string>("SELECT status FROM outbox_messages WHERE id = @id", ("id", id)))!;

    private async Task<(string? Text, string? Html, string Data)> Stored(string sql, params (string, object?)[] parameters)
    {
        var text = await Db.ScalarAsync<string>($"SELECT text_body FROM outbox_messages WHERE {sql}", parameters);
        var html = await Db.ScalarAsync<string>($"SELECT html_body FROM outbox_messages WHERE {sql}", parameters);
        var data = await Db.ScalarAsync<string>($"SELECT template_data::text FROM outbox_messages WHERE {sql}", parameters);
        return (text, html, data!);
    }

    [Fact]
    public async Task A_delivered_reset_mail_keeps_no_working_link_but_the_recipient_got_one()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        using var http = Cluster.Http();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email })).StatusCode);

        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(user.Email))), "the reset mail");
        var mail = Cluster.Mail.Messages.Single(m => m.To.Contains(user.Email));
        var token = Uri.UnescapeDataString(ResetLink().Match(mail.TextBody!).Groups[1].Value);
        Assert.NotEmpty(token);
        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status FROM outbox_messages WHERE to_address = @to", ("to", user.Email)) == "sent",
            "the reset message recorded as sent");

        var (text, html, data) = await Stored("to_address = @to", ("to", user.Email));
        foreach (var stored in new[] { text, html, data })
        {
            Assert.DoesNotContain(token, stored ?? "");
            Assert.DoesNotContain(Uri.EscapeDataString(token), stored ?? "");
        }
        Assert.Contains(EmailOutbox.RemovedSecret, text);
        Assert.Equal(EmailOutbox.RemovedSecret, JsonDocument.Parse(data).RootElement.GetProperty("RESET_URL").GetString());

        // The link the person received works.
        Assert.Equal(HttpStatusCode.NoContent,
            (await http.PostAsJsonAsync("/api/auth/reset-password", new { token, newPassword = "A-new-Horse-7-Battery" })).StatusCode);
    }

    [Fact]
    public async Task A_delivered_signup_confirmation_keeps_its_shift_but_not_the_temp_password()
    {
        var to = $"temp-{Ids.New():N}@example.org";
        var password = $"Temp-{Guid.NewGuid():N}";
        var id = Ids.New();
        var data = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["NAME"] = "Sam", ["SHIFT_TITLE"] = "Lit drop Ward 9", ["SHIFT_DATE"] = "2026-10-03", ["SHIFT_START"] = "10:00",
            ["SHIFT_END"] = "13:00", ["TEMP_EMAIL"] = to, ["TEMP_PASSWORD"] = password, ["TEMP_EXPIRES"] = "2026-10-05 00:00",
        });
        await Db.ExecuteAsync("""
            INSERT INTO outbox_messages (id, kind, to_address, to_name, template_key, template_data)
            VALUES (@id, 'shift-signup-confirmed', @to, 'Sam', 'shift-signup-confirmed', @data::jsonb)
            """, ("id", id), ("to", to), ("data", data));

        await Eventually.True(async () => await StatusOf(id) == "sent", "the confirmation sent");
        Assert.Contains(password, Cluster.Mail.Messages.Single(m => m.To.Contains(to)).TextBody);
        var (text, html, stored) = await Stored("id = @id", ("id", id));
        Assert.DoesNotContain(password, text);
        Assert.DoesNotContain(password, html ?? "");
        Assert.DoesNotContain(password, stored);
        // The rest of the message is kept for the admin's view.
        Assert.Contains("Lit drop Ward 9", text);
        Assert.Equal(to, JsonDocument.Parse(stored).RootElement.GetProperty("TEMP_EMAIL").GetString());
    }

    [Fact]
    public async Task A_verification_message_interrupted_mid_delivery_loses_its_link_when_it_is_marked_failed()
    {
        var id = Ids.New();
        var to = $"verify-{id:N}@example.org";
        await Db.ExecuteAsync("""
            INSERT INTO outbox_messages (id, kind, to_address, template_key, template_data, status, attempts, locked_until, locked_by)
            VALUES (@id, 'email-verification', @to, 'email-verification',
                    '{"NAME": "Ana", "VERIFY_URL": "https://campaign.example.org/verify-email?token=secret-verify-token"}'::jsonb,
                    'sending', 1, now() - interval '1 minute', 'a-sender-that-died')
            """, ("id", id), ("to", to));

        await Eventually.True(async () => await StatusOf(id) == "failed", "the interrupted message marked failed");
        var data = await Db.ScalarAsync<string>("SELECT template_data::text FROM outbox_messages WHERE id = @id", ("id", id));
        Assert.DoesNotContain("secret-verify-token", data);
        Assert.Equal("Ana", JsonDocument.Parse(data!).RootElement.GetProperty("NAME").GetString());
    }

    [Fact]
    public async Task Old_delivered_and_failed_messages_are_purged_and_waiting_ones_are_kept()
    {
        var marker = $"purge-{Ids.New():N}";
        (Guid Id, string Status, int DaysOld)[] rows =
        [
            (Ids.New(), "sent", 40), (Ids.New(), "failed", 40), (Ids.New(), "pending", 40), (Ids.New(), "sent", 2),
        ];
        foreach (var (id, status, days) in rows)
            await Db.ExecuteAsync("""
                INSERT INTO outbox_messages (id, kind, to_address, subject, text_body, status, created_at, next_attempt_at)
                VALUES (@id, 'note', @to, 'Old news', 'Nothing secret', @status, now() - make_interval(days => @days), now() + interval '1 day')
                """, ("id", id), ("to", $"{marker}@example.org"), ("status", status), ("days", days));

        await Eventually.True(async () => await Db.ScalarAsync<long>(
                "SELECT count(*) FROM outbox_messages WHERE id = ANY(@ids)", ("ids", new[] { rows[0].Id, rows[1].Id })) == 0,
            "the old delivered and failed messages purged");
        Assert.Equal(2L, await Db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE id = ANY(@ids)",
            ("ids", new[] { rows[2].Id, rows[3].Id })));
    }
}
