using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ChangemakerLite.Cluster.Tests.Platform;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.Cluster.Tests.Platform;

/// <summary>Two silos and two frontends on one database, as deploy/cluster.sh runs them.</summary>
public class TwoSiloClusterTests : ClusterTest
{
    protected override int Silos => 2;
    protected override int Frontends => 2;

    private string SiloAddress(int silo) => Cluster.SiloService<ILocalSiloDetails>(silo).SiloAddress.ToString();

    [Fact]
    public async Task Both_silos_are_in_the_membership_table()
    {
        var active = await Db.ScalarAsync<long>(
            "SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = @c AND status = 3", ("c", Cluster.ClusterId));
        Assert.Equal(2L, active);
    }

    [Fact]
    public async Task Calls_through_either_frontend_reach_grains_on_either_silo()
    {
        var expected = new HashSet<string> { SiloAddress(0), SiloAddress(1) };
        for (var frontend = 0; frontend < 2; frontend++)
        {
            var seen = new HashSet<string>();
            for (var key = 0; key < 60 && seen.Count < 2; key++)
                seen.Add(await Cluster.ClientOf(frontend).GetGrain<IProbeGrain>(frontend * 1000 + key).WhereAmI());
            Assert.Equal(expected, seen);

            using var http = Cluster.Http(frontend);
            var ready = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
    }

    [Fact]
    public async Task An_event_raised_on_silo_1_reaches_a_browser_connected_to_frontend_2()
    {
        var root = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var token = TestTokens.Mint(Cluster.SigningKey, root.Id, root.Email, UserRole.SuperAdmin);
        await using var hub = Cluster.Hub(frontend: 1, token);
        var heartbeats = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("clusterHeartbeat", e => heartbeats.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", "cluster:heartbeat");

        var silo1 = SiloAddress(0);
        await Eventually.True(() => Task.FromResult(heartbeats.Any(h => h.GetProperty("siloAddress").GetString() == silo1)),
            "a heartbeat from silo 1 on frontend 2");
        var fromSilo1 = heartbeats.First(h => h.GetProperty("siloAddress").GetString() == silo1);
        Assert.Equal(2, fromSilo1.GetProperty("activeSilos").GetInt32());
    }

    [Fact]
    public async Task Only_super_admins_may_watch_theCluster_heartbeat()
    {
        var volunteer = await TestUsers.CreateAsync(Db, UserRole.User);
        var token = TestTokens.Mint(Cluster.SigningKey, volunteer.Id, volunteer.Email, UserRole.User);
        await using var hub = Cluster.Hub(frontend: 0, token);
        await hub.StartAsync();
        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", "cluster:heartbeat"));
        Assert.Contains("not allowed", refused.Message);

        await using var anonymous = Cluster.Hub(frontend: 0);
        await anonymous.StartAsync();
        await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync("Subscribe", "cluster:heartbeat"));
    }
}

/// <summary>Grain state and reminders through the ADO.NET providers in PostgreSQL.</summary>
public sealed class AdoNetProviderTests : ClusterTest
{
    // A silo restarts under the test's frontend.
    protected override ClusterTopology Topology => ClusterTopology.Separate;
    [Fact]
    public async Task Grain_state_survives_deactivation()
    {
        var counter = Cluster.ClientOf(0).GetGrain<ICounterGrain>(Guid.NewGuid());
        await counter.Increment();
        await counter.Increment();
        var (_, firstActivation) = await counter.Read();
        await counter.Deactivate();

        var (value, secondActivation) = await counter.Read();
        Assert.NotEqual(firstActivation, secondActivation);
        Assert.Equal(2, value);
        Assert.True(await Db.ScalarAsync<long>("SELECT count(*) FROM orleansstorage WHERE graintypestring = 'counter'") >= 1);
    }

    [Fact]
    public async Task Grain_state_survives_a_silo_restart()
    {
        var id = Guid.NewGuid();
        await Cluster.ClientOf(0).GetGrain<ICounterGrain>(id).Increment();
        await Cluster.StopSiloAsync(0);
        await Cluster.AddSiloAsync();
        await Eventually.True(async () =>
        {
            try { return (await Cluster.ClientOf(0).GetGrain<ICounterGrain>(id).Read()).Value == 1; }
            catch (Exception) { return false; }
        }, "the counter read back from storage on the new silo");
    }

    [Fact]
    public async Task A_reminder_fires_through_the_adonet_reminder_table()
    {
        var probe = Cluster.ClientOf(0).GetGrain<IReminderProbeGrain>(Guid.NewGuid());
        await probe.Arm(TimeSpan.FromSeconds(1));

        Assert.Equal(1L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM orleansreminderstable WHERE remindername = 'probe' AND serviceid = 'changemaker-tests'"));
        await Eventually.True(async () => await probe.Ticks() >= 1, "the reminder ticked");
    }
}
