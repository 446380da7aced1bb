using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Influence;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.Cluster.Tests.Influence;

/// <summary>
/// Influence on two silos and two frontends: a silo killed while the outbox is delivering a campaign's emails loses
/// and duplicates none of them; a campaign's live counts reach a browser on the other frontend; a cache cleared through
/// one frontend is no longer answered from the other frontend's copy.
/// </summary>
// One of its tests kills a silo, which the other must not find dead: each test has a cluster of its own.
[ClusterPerTest]
public sealed class InfluenceClusterTests : ClusterTest
{
    // A silo is killed under the frontends' traffic: the frontends must outlive it.
    protected override ClusterTopology Topology => ClusterTopology.Separate;
    private FakeRepresent _represent => (FakeRepresent)Companion!;

    protected override async Task<IAsyncDisposable?> StartCompanionAsync() => await FakeRepresent.StartAsync();

    protected override int Silos => 2;
    protected override int Frontends => 2;

    protected override IDictionary<string, string?>? Settings
    {
        get
        {
            var settings = _represent.Settings();
            settings["INFLUENCE_RATE_LIMIT_PER_IP"] = "1000000";
            return settings;
        }
    }

    private async Task<(HttpClient Admin, JsonElement Campaign)> ActiveCampaign(object flags)
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.InfluenceAdmin);
        var admin = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.InfluenceAdmin));
        var body = new Dictionary<string, object?>
        {
            ["title"] = $"Viral {Guid.NewGuid():N}", ["emailSubject"] = $"Subject {Guid.NewGuid():N}", ["emailBody"] = "Please act.",
        };
        foreach (var p in JsonSerializer.SerializeToElement(flags).EnumerateObject()) body[p.Name] = p.Value;
        var created = await admin.PostAsJsonAsync("/api/campaigns", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var activated = await admin.PatchAsJsonAsync($"/api/campaigns/{id}", new { status = "ACTIVE" });
        Assert.Equal(HttpStatusCode.OK, activated.StatusCode);
        return (admin, JsonDocument.Parse(await activated.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task Killing_a_silo_mid_delivery_loses_and_duplicates_no_accepted_email()
    {
        var (admin, campaign) = await ActiveCampaign(new { });
        var slug = campaign.GetProperty("slug").GetString()!;
        var subject = campaign.GetProperty("emailSubject").GetString()!;
        var campaignId = campaign.GetProperty("id").GetGuid();
        const int sends = 300; // two representatives each: 600 messages
        var accepted = new ConcurrentDictionary<Guid, bool>();
        var killed = 0;

        async Task SendOne(int i)
        {
            var key = $"supporter-{i}";
            // A phone retries until the server confirms; a replay answers the same rows.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    using var http = Cluster.Http(i % 2 == 0 ? 0 : 1);
                    var response = await http.PostAsJsonAsync($"/api/public/campaigns/{slug}/emails", new
                    {
                        idempotencyKey = key, method = "SMTP", postalCode = "L5G 4L3",
                        recipients = new[] { new { email = FakeRepresent.MpEmail("L5G4L3") }, new { email = FakeRepresent.MppEmail("L5G4L3") } },
                    });
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        foreach (var e in JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("emails").EnumerateArray())
                            accepted[e.GetProperty("id").GetGuid()] = true;
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
                Assert.True(attempt < 40, $"send {i} never got through");
                await Task.Delay(250);
            }
        }

        var sending = Task.Run(async () =>
        {
            using var gate = new SemaphoreSlim(16);
            await Task.WhenAll(Enumerable.Range(0, sends).Select(async i =>
            {
                await gate.WaitAsync();
                try { await SendOne(i); } finally { gate.Release(); }
            }));
        });

        // Kill a silo once delivery is under way, while sends are still arriving.
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Count(m => m.Subject == subject) >= 60), "delivery under way",
            TimeSpan.FromSeconds(60));
        await Cluster.StopSiloAsync(1, graceful: false);
        Interlocked.Increment(ref killed);
        await sending;
        Assert.Equal(1, killed);
        Assert.Equal(sends * 2, accepted.Count);

        var outbox = await Db.DataSource.CreateCommand($"""
            SELECT outbox_message_id FROM campaign_emails WHERE campaign_id = '{campaignId}'
            """).ExecuteReaderAsync();
        var outboxIds = new List<Guid>();
        while (await outbox.ReadAsync()) outboxIds.Add(outbox.GetGuid(0));
        await outbox.DisposeAsync();
        Assert.Equal(sends * 2, outboxIds.Count);

        await Eventually.True(async () => await Db.ScalarAsync<long>(
                "SELECT count(*) FROM campaign_emails WHERE campaign_id = @c AND status = 'SENT'", ("c", campaignId)) == sends * 2,
            "every accepted email SENT", TimeSpan.FromSeconds(120));
        // Exactly once at the SMTP sink: each accepted email's message arrived one time, identified by its Message-ID.
        var atSink = Cluster.Mail.Messages.Where(m => m.Subject == subject)
            .GroupBy(m => m.Headers.TryGetValue("Message-Id", out var id) ? id.Trim('<', '>') : "")
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(sends * 2, atSink.Count);
        Assert.All(outboxIds, id => Assert.Equal(1, atSink.GetValueOrDefault($"{id:N}@changemaker.local")));
        Assert.Equal(sends * 2, Cluster.Mail.Messages.Count(m => m.Subject == subject));
        var listed = JsonDocument.Parse(await admin.GetStringAsync($"/api/campaigns/{campaignId}/emails")).RootElement;
        Assert.Equal(sends * 2, listed.GetProperty("byStatus").GetProperty("SENT").GetInt32());
    }

    [Fact]
    public async Task A_code_cleared_through_one_frontend_is_asked_afresh_on_the_other_however_often_it_was_answered_there()
    {
        var code = $"K{Random.Shared.Next(10)}A {Random.Shared.Next(10)}B{Random.Shared.Next(10)}";
        var compact = code.Replace(" ", "");
        using var other = Cluster.Http(1);
        async Task<JsonElement> LookupOnOther()
        {
            var response = await other.PostAsJsonAsync("/api/public/representatives/lookup", new { postalCode = code });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        // Frontend 1 answers the code many times; Represent is asked once.
        for (var i = 0; i < 20; i++) Assert.Equal(3, (await LookupOnOther()).GetProperty("representatives").GetArrayLength());
        Assert.Equal(1, _represent.CallsByCode[compact]);

        // An admin clears the code through frontend 0: frontend 1's next lookup asks again, and is answered afresh.
        var user = await TestUsers.CreateAsync(Db, UserRole.InfluenceAdmin);
        using var admin = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.InfluenceAdmin));
        var cleared = await admin.DeleteAsync($"/api/representatives/cache?postalCode={Uri.EscapeDataString(code)}");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        var fresh = await LookupOnOther();
        Assert.False(fresh.GetProperty("stale").GetBoolean());
        Assert.Equal(2, _represent.CallsByCode[compact]);
        for (var i = 0; i < 5; i++) await LookupOnOther();
        Assert.Equal(2, _represent.CallsByCode[compact]);

        // Clearing the whole cache reaches the other frontend too.
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/api/representatives/cache")).StatusCode);
        await LookupOnOther();
        Assert.Equal(3, _represent.CallsByCode[compact]);
    }

    [Fact]
    public async Task A_campaigns_counts_reach_a_browser_on_the_other_frontend_without_the_hidden_ones()
    {
        var (_, campaign) = await ActiveCampaign(new { showEmailCount = false });
        var id = campaign.GetProperty("id").GetGuid();
        var slug = campaign.GetProperty("slug").GetString()!;
        var events = new ConcurrentQueue<JsonElement>();
        await using var browser = Cluster.Hub(1);
        browser.On<JsonElement>("campaignCounts", e => events.Enqueue(e.Clone()));
        await browser.StartAsync();
        await browser.InvokeAsync("Subscribe", $"campaign:{id}");

        using var supporter = Cluster.Http(0);
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Created, (await supporter.PostAsJsonAsync($"/api/public/campaigns/{slug}/calls",
                new { representativeName = "Pat Member", phoneNumber = "1 613 992-4848" })).StatusCode);

        await Eventually.True(() => Task.FromResult(events.Any(e => e.GetProperty("callCount").GetInt32() == 3)), "callCount 3 on frontend 1");
        var last = events.Last();
        Assert.Equal(id, last.GetProperty("campaignId").GetGuid());
        Assert.False(last.TryGetProperty("emailCount", out var hidden) && hidden.ValueKind != JsonValueKind.Null);

        // An anonymous browser may not watch a campaign that is not ACTIVE.
        var (admin, draft) = await ActiveCampaign(new { });
        await admin.PatchAsJsonAsync($"/api/campaigns/{draft.GetProperty("id").GetGuid()}", new { status = "PAUSED" });
        await Assert.ThrowsAnyAsync<Exception>(() => browser.InvokeAsync("Subscribe", $"campaign:{draft.GetProperty("id").GetGuid()}"));
    }
}
