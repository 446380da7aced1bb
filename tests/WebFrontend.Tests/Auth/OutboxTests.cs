using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>Outbound mail through the PostgreSQL outbox and a real SMTP server that goes down and comes back.</summary>
public sealed class OutboxTests : ClusterTest
{
    protected override int Silos => 2;

    [Fact]
    public async Task Mail_accepted_while_the_smtp_server_is_down_is_delivered_exactly_once_when_it_is_back()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        await Cluster.Mail.StopAsync();

        using var http = Cluster.Http();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email })).StatusCode);
        await Eventually.True(async () => await Db.ScalarAsync<int>(
                "SELECT attempts FROM outbox_messages WHERE to_address = @e AND status = 'pending' AND last_error IS NOT NULL", ("e", user.Email)) >= 1,
            "a failed delivery attempt recorded while the server is down");

        await Cluster.Mail.StartAsync();
        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status FROM outbox_messages WHERE to_address = @e", ("e", user.Email)) == "sent",
            "the message sent once the server is back");
        // Two silos poll the same outbox. Once each has delivered a message queued after this one was sent, neither
        // has a delivery of it left in flight (each sends its batches one after another): the count is final.
        await EverySenderHasMovedOn(senders: 2);
        Assert.Single(Cluster.Mail.Messages, m => m.To.Contains(user.Email));
        var message = Cluster.Mail.Messages.Single(m => m.To.Contains(user.Email));
        Assert.Equal("campaign@changemaker.test", message.From);
        Assert.Equal("Reset your password", message.Subject);
    }

    /// <summary>
    /// Queues marker messages one at a time until markers were delivered by <paramref name="senders"/> different
    /// senders: every delivery any of them had started before is then finished.
    /// </summary>
    private async Task EverySenderHasMovedOn(int senders)
    {
        var markers = new List<Guid>();
        await Eventually.True(async () =>
        {
            var id = Guid.NewGuid();
            markers.Add(id);
            await Db.ExecuteAsync("""
                INSERT INTO outbox_messages (id, kind, to_address, subject, text_body, status, attempts, next_attempt_at)
                VALUES (@id, 'test', @to, 'Marker', 'marker', 'pending', 0, now())
                """, ("id", id), ("to", $"marker-{id:N}@example.org"));
            await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status FROM outbox_messages WHERE id = @id", ("id", id)) == "sent",
                "the marker sent");
            return await Db.ScalarAsync<long>("SELECT count(DISTINCT locked_by) FROM outbox_messages WHERE id = ANY(@ids)", ("ids", markers.ToArray())) == senders;
        }, $"markers delivered by {senders} senders", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_message_whose_sender_died_mid_delivery_is_not_sent_again()
    {
        var id = Guid.NewGuid();
        await Db.ExecuteAsync("""
            INSERT INTO outbox_messages (id, kind, to_address, subject, text_body, status, attempts, locked_until, locked_by)
            VALUES (@id, 'test', 'interrupted@example.org', 'Interrupted', 'body', 'sending', 1, now() - interval '1 second', 'dead-silo')
            """, ("id", id));
        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status FROM outbox_messages WHERE id = @id", ("id", id)) == "failed",
            "the interrupted message marked failed");
        Assert.Contains("interrupted", await Db.ScalarAsync<string>("SELECT last_error FROM outbox_messages WHERE id = @id", ("id", id)));
        Assert.DoesNotContain(Cluster.Mail.Messages, m => m.To.Contains("interrupted@example.org"));
    }

    [Fact]
    public async Task Test_mode_in_site_settings_sends_everything_to_one_address()
    {
        await Db.ExecuteAsync("INSERT INTO site_settings (id, email_test_mode, test_email_recipient) VALUES (gen_random_uuid(), true, 'qa@example.org')");
        try
        {
            var user = await TestUsers.CreateAsync(Db, UserRole.User);
            using var http = Cluster.Http();
            await http.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email });
            await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.Headers.TryGetValue("X-Original-To", out var to) && to == user.Email)),
                "the redirected message");
            var message = Cluster.Mail.Messages.Single(m => m.Headers.TryGetValue("X-Original-To", out var to) && to == user.Email);
            Assert.Equal(["qa@example.org"], message.To);
            Assert.StartsWith("[TEST for", message.Subject);
        }
        finally
        {
            await Db.ExecuteAsync("DELETE FROM site_settings");
        }
    }
}
