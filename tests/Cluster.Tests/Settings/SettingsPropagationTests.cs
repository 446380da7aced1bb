using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Cluster.Tests.Settings;

/// <summary>
/// A change of the site settings or of a template reaches every silo and every frontend of a cluster of two of each:
/// a module switched off answers 404 on both frontends, and every silo's sender uses the new template and the new
/// SMTP settings from its next message.
/// </summary>
public sealed class SettingsPropagationTests : ClusterTest
{
    protected override int Silos => 2;
    protected override int Frontends => 2;

    private async Task<HttpClient> SuperAdmin(int frontend)
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        return Cluster.Http(frontend, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin, lifetime: TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task A_module_switched_off_on_one_frontend_answers_404_on_every_frontend_within_seconds()
    {
        using var first = await SuperAdmin(0);
        using var second = await SuperAdmin(1);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/shifts")).StatusCode);

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await first.PutAsJsonAsync("/api/settings", new { enableMap = false })).StatusCode);
        try
        {
            foreach (var frontend in new[] { first, second })
                await Eventually.True(async () => (await frontend.GetAsync("/api/shifts")).StatusCode == HttpStatusCode.NotFound,
                    "shifts answer 404", TimeSpan.FromSeconds(5));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/auth/me")).StatusCode);
        }
        finally
        {
            await first.PutAsJsonAsync("/api/settings", new { enableMap = true });
        }
        foreach (var frontend in new[] { first, second })
            await Eventually.True(async () => (await frontend.GetAsync("/api/shifts")).StatusCode == HttpStatusCode.OK, "shifts back", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Every_silos_sender_uses_a_changed_template_and_changed_smtp_settings_from_its_next_message()
    {
        using var admin = await SuperAdmin(0);
        var key = $"propagation-{Guid.NewGuid():N}"[..24];
        var created = await admin.PostAsJsonAsync("/api/email-templates", new
        {
            key, name = "Propagation", category = "SYSTEM", subjectLine = "Before {{N}}", htmlContent = "<p>{{N}}</p>", textContent = "{{N}}",
            variables = new object[] { new { key = "N", label = "N", isRequired = true, sampleValue = "0" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        // Both silos send (and so compile) the old version first.
        await SendUntilBothSilosSent(key, "before", m => m.Subject.StartsWith("Before ") && m.From == "campaign@changemaker.test");

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/email-templates/{id}", new { subjectLine = "After {{N}}" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/settings", new
        {
            smtpHost = "127.0.0.1", smtpPort = Cluster.Mail.Port, smtpFromAddress = "changed@changemaker.test",
        })).StatusCode);
        try
        {
            await SendUntilBothSilosSent(key, "after", m => m.Subject.StartsWith("After ") && m.From == "changed@changemaker.test");
        }
        finally
        {
            await admin.PutAsJsonAsync("/api/settings", new { smtpHost = "", smtpFromAddress = "" });
        }
    }

    /// <summary>Rounds of messages until each silo's sender has delivered some; every one must pass <paramref name="check"/>.</summary>
    private async Task SendUntilBothSilosSent(string key, string phase, Func<SmtpSink.ReceivedMessage, bool> check)
    {
        var senders = new HashSet<string>();
        for (var round = 0; round < 30 && senders.Count < 2; round++)
        {
            var recipients = Enumerable.Range(0, 10).Select(i => $"{phase}-{round}-{i}-{Guid.NewGuid():N}@example.org").ToList();
            await using (var connection = await Db.DataSource.OpenConnectionAsync())
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await EmailOutbox.EnqueueManyAsync(connection, transaction,
                    recipients.Select((to, i) => new OutboundEmail(key, to, null, new Dictionary<string, object?> { ["N"] = i })).ToList());
                await transaction.CommitAsync();
            }
            await Eventually.True(() => Task.FromResult(recipients.All(to => Cluster.Mail.Messages.Any(m => m.To.Contains(to)))), $"{phase} round {round}");
            foreach (var to in recipients)
            {
                var message = Cluster.Mail.Messages.Single(m => m.To.Contains(to));
                Assert.True(check(message), $"{phase}: '{message.Subject}' from {message.From}");
                senders.Add((await Db.ScalarAsync<string>("SELECT locked_by FROM outbox_messages WHERE to_address = @to", ("to", to)))!);
            }
        }
        Assert.Equal(2, senders.Count);
    }
}
