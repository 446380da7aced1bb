using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static ChangemakerLite.TestSupport.CanvassClient;

namespace ChangemakerLite.Cluster.Tests.Canvassing;

/// <summary>The live admin map across the cluster: moves posted through frontend 1 reach an admin on frontend 2, coalesced.</summary>
public class CanvassLiveTests : ClusterTest
{
    protected override int Silos => 2;
    protected override int Frontends => 2;

    private async Task<(TestUser User, string Token)> User(UserRole role)
    {
        var user = await TestUsers.CreateAsync(Db, role);
        return (user, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role));
    }

    [Fact]
    public async Task An_admin_on_frontend_2_sees_moves_made_through_frontend_1_at_most_once_a_second()
    {
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var door = await CanvassTestData.InsertDoorAsync(Db, 53.505, -113.505, "5 Elm St");
        var (_, adminToken) = await User(UserRole.MapAdmin);
        var (canvasserUser, canvasserToken) = await User(UserRole.User);

        await using var hub = Cluster.Hub(frontend: 1, adminToken);
        var moves = new ConcurrentQueue<(TimeSpan At, JsonElement Event)>();
        var cutMoves = new ConcurrentQueue<JsonElement>();
        var visits = new ConcurrentQueue<JsonElement>();
        var changes = new ConcurrentQueue<JsonElement>();
        var clock = Stopwatch.StartNew();
        hub.On<JsonElement>("canvasserMoved", e => moves.Enqueue((clock.Elapsed, e)));
        hub.On<JsonElement>("visitRecorded", e => visits.Enqueue(e));
        hub.On<JsonElement>("sessionChanged", e => changes.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", "canvass:live");
        await using var cutHub = Cluster.Hub(frontend: 1, adminToken);
        cutHub.On<JsonElement>("canvasserMoved", e => cutMoves.Enqueue(e));
        await cutHub.StartAsync();
        await cutHub.InvokeAsync("Subscribe", $"canvass:cut:{cut}");

        var canvasser = new CanvassClient(Cluster.Http(0, canvasserToken));
        var sessionId = await canvasser.StartSessionAsync(cut);
        await Eventually.True(() => Task.FromResult(changes.Any(c => c.GetProperty("sessionId").GetGuid() == sessionId)), "sessionChanged ACTIVE");

        // 40 fixes, one every 100 ms for 4 seconds, each a 2 m step north (a brisk walk, so every fix counts). Each fix's
        // request is timed: the move that carries fix i was published after fix i was sent and before fix i+1 was
        // acknowledged (by then fix i+1 was the latest), which bounds every publication in time on this process's clock.
        var t0 = DateTimeOffset.UtcNow;
        const int fixes = 40;
        var sent = new TimeSpan[fixes];
        var acked = new TimeSpan[fixes];
        for (var i = 0; i < fixes; i++)
        {
            sent[i] = clock.Elapsed;
            var response = await canvasser.PointsAsync(sessionId, [Point(i, 53.501 + i * 0.00002, -113.505, t0.AddMilliseconds(i * 100))]);
            acked[i] = clock.Elapsed;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(100);
        }

        // The last position always arrives (the coalescing timer sends the latest one).
        static int FixOf(JsonElement move) => (int)Math.Round((move.GetProperty("latitude").GetDouble() - 53.501) / 0.00002);
        await Eventually.True(() => Task.FromResult(moves.Any(m => FixOf(m.Event) == fixes - 1)), "the last position reached frontend 2", TimeSpan.FromSeconds(10));
        var mine = moves.Where(m => m.Event.GetProperty("sessionId").GetGuid() == sessionId).ToList();
        Assert.All(mine, m => Assert.Equal(canvasserUser.Id, m.Event.GetProperty("userId").GetGuid()));
        // The design: at most one position per second per canvasser. Two moves published less than a second apart would
        // show here: the latest the later one can have been published (fix j+1 acknowledged, or its arrival) minus the
        // earliest the earlier one can have been (fix i sent) is then under a second, however slow the machine.
        for (var k = 1; k < mine.Count; k++)
        {
            var (i, j) = (FixOf(mine[k - 1].Event), FixOf(mine[k].Event));
            Assert.True(j > i, $"move {k} carries fix {j} after a move with fix {i}");
            var latest = j + 1 < fixes ? Min(acked[j + 1], mine[k].At) : mine[k].At;
            Assert.True(latest - sent[i] >= TimeSpan.FromSeconds(1),
                $"moves {k - 1} and {k} (fixes {i} and {j}) were published at most {(latest - sent[i]).TotalMilliseconds:F0} ms apart");
        }
        Assert.True(mine.Count >= 2, $"{mine.Count} moves: the first fix's and at least the last one's");
        await Eventually.True(() => Task.FromResult(cutMoves.Any(m => FixOf(m) == fixes - 1)),
            "the cut topic got the moves too");

        Assert.Equal(HttpStatusCode.Created, (await canvasser.VisitAsync(sessionId, new { clientVisitId = Guid.NewGuid(), addressId = door, outcome = "SPOKE_WITH", supportLevel = "LEVEL_1" })).StatusCode);
        await Eventually.True(() => Task.FromResult(visits.Any(v => v.GetProperty("addressId").GetGuid() == door && v.GetProperty("outcome").GetString() == "SPOKE_WITH")),
            "visitRecorded on frontend 2");
        Assert.Equal(HttpStatusCode.OK, (await canvasser.EndAsync(sessionId)).StatusCode);
        await Eventually.True(() => Task.FromResult(changes.Any(c => c.GetProperty("sessionId").GetGuid() == sessionId && c.GetProperty("status").GetString() == "COMPLETED")),
            "sessionChanged COMPLETED on frontend 2");
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [Fact]
    public async Task Only_admins_watch_the_map_and_only_the_owner_and_admins_watch_a_session()
    {
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var (_, ownerToken) = await User(UserRole.User);
        var (_, strangerToken) = await User(UserRole.User);
        var (_, adminToken) = await User(UserRole.SuperAdmin);
        var sessionId = await new CanvassClient(Cluster.Http(0, ownerToken)).StartSessionAsync(cut);

        await using var owner = Cluster.Hub(0, ownerToken);
        var ownerChanges = new ConcurrentQueue<JsonElement>();
        owner.On<JsonElement>("sessionChanged", e => ownerChanges.Enqueue(e));
        await owner.StartAsync();
        await owner.InvokeAsync("Subscribe", $"session:{sessionId}");
        await Assert.ThrowsAsync<HubException>(() => owner.InvokeAsync("Subscribe", "canvass:live"));
        await Assert.ThrowsAsync<HubException>(() => owner.InvokeAsync("Subscribe", $"canvass:cut:{cut}"));

        await using var stranger = Cluster.Hub(1, strangerToken);
        await stranger.StartAsync();
        await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("Subscribe", $"session:{sessionId}"));

        await using var admin = Cluster.Hub(1, adminToken);
        await admin.StartAsync();
        await admin.InvokeAsync("Subscribe", $"session:{sessionId}");
        await admin.InvokeAsync("Subscribe", "canvass:live");
        await Assert.ThrowsAsync<HubException>(() => admin.InvokeAsync("Subscribe", "canvass:cut:not-a-uuid"));

        var ended = await new CanvassClient(Cluster.Http(1, adminToken)).EndAsync(sessionId);
        Assert.True(ended.StatusCode == HttpStatusCode.OK, $"{(int)ended.StatusCode} {await ended.Content.ReadAsStringAsync()}");
        await Eventually.True(() => Task.FromResult(ownerChanges.Any(c => c.GetProperty("status").GetString() == "COMPLETED")),
            "the owner saw the admin end the session");
    }
}
