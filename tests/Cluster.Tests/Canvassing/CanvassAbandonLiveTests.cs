using System.Collections.Concurrent;
using System.Text.Json;
using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChangemakerLite.Cluster.Tests.Canvassing;

/// <summary>
/// A session abandoned by its own reminder (nobody calls it) tells the live map and the session's watchers. Its clock
/// jumps twelve hours, so the class has a cluster and clock to itself and a test at a time.
/// </summary>
[ClusterPerTest]
public sealed class CanvassAbandonLiveTests : ClusterTest
{
    private readonly ShiftedTimeProvider _clock = new();

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["CANVASS_ABANDON_CHECK_SECONDS"] = "1",
        ["CANVASS_SWEEP_SECONDS"] = "3600",
    };

    protected override Action<IServiceCollection>? SiloServices => s => s.AddKeyedSingleton<TimeProvider>(CanvassClock.Key, _clock);

    [Fact]
    public async Task The_abandoned_session_reaches_the_admin_map_and_its_owner()
    {
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var owner = await TestUsers.CreateAsync(Db, UserRole.User);
        var ownerToken = TestTokens.Mint(Cluster.SigningKey, owner.Id, owner.Email, UserRole.User);
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var sessionId = await new CanvassClient(Cluster.Http(0, ownerToken)).StartSessionAsync(cut);

        var seen = new ConcurrentQueue<(string Who, JsonElement Event)>();
        await using var adminHub = Cluster.Hub(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.MapAdmin));
        adminHub.On<JsonElement>("sessionChanged", e => seen.Enqueue(("admin", e)));
        await adminHub.StartAsync();
        await adminHub.InvokeAsync("Subscribe", "canvass:live");
        await using var ownerHub = Cluster.Hub(0, ownerToken);
        ownerHub.On<JsonElement>("sessionChanged", e => seen.Enqueue(("owner", e)));
        await ownerHub.StartAsync();
        await ownerHub.InvokeAsync("Subscribe", $"session:{sessionId}");

        _clock.Advance(TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1));
        bool Abandoned((string Who, JsonElement Event) s, string who) => s.Who == who &&
            s.Event.GetProperty("sessionId").GetGuid() == sessionId && s.Event.GetProperty("status").GetString() == "ABANDONED";
        await Eventually.True(() => Task.FromResult(seen.Any(s => Abandoned(s, "admin")) && seen.Any(s => Abandoned(s, "owner"))),
            "sessionChanged ABANDONED on the live map and the session's topic");
        Assert.Equal("ABANDONED", await Db.ScalarAsync<string>("SELECT status::text FROM canvass_sessions WHERE id = @id", ("id", sessionId)));
    }
}
