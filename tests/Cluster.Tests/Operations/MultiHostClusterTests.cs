using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChangemakerLite.Cluster.Tests.Operations;

/// <summary>
/// Three hosts with three addresses: silos started by <c>deploy/node.sh</c> in network namespaces made by the test
/// (loopback and one link to the test's bridge, nothing else), advertising 10.213.x.1{0,1,2}, form one cluster on one
/// PostgreSQL (reached through the bridge). Grains land on all three, and each silo's live events reach a browser on a
/// frontend outside them.
/// </summary>
public sealed class MultiHostClusterTests : DatabaseTest
{
    [Fact]
    public async Task Silos_on_three_hosts_form_one_cluster_share_grains_and_relay_live_events()
    {
        Assert.True(NetworkNamespaces.Available(), "ip netns is needed (iproute2, root)");
        await using var hosts = await NetworkNamespaces.CreateAsync(3);
        var local = new NpgsqlConnectionStringBuilder(Db.ConnectionString);
        await using var database = new TcpForwarder(IPAddress.Parse(hosts.BridgeAddress), new IPEndPoint(IPAddress.Loopback, local.Port));
        var fromHosts = new NpgsqlConnectionStringBuilder(Db.ConnectionString) { Host = hosts.BridgeAddress, Port = database.Port }.ConnectionString;

        await using var cluster = new ProcessCluster(Db.ConnectionString);
        await cluster.StartMailAsync();
        for (var host = 0; host < 3; host++) cluster.AddSilo(hosts.AddressOf(host), hosts.NamespaceOf(host), fromHosts);
        await cluster.WaitForActiveSilosAsync(3);
        var active = await cluster.ActiveSilosAsync();
        Assert.Equal(Enumerable.Range(0, 3).Select(h => $"{hosts.AddressOf(h)}:11111").Order(), active.Order());

        // A browser on a frontend process outside the hosts hears every silo's heartbeat: events cross from each host.
        var frontend = cluster.AddFrontend();
        await cluster.WaitForFrontendReadyAsync(frontend);
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        await using var browser = cluster.Hub(frontend, TestTokens.Mint(cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin));
        var heardFrom = new ConcurrentDictionary<string, bool>();
        browser.On<JsonElement>("clusterHeartbeat", e => heardFrom[e.GetProperty("siloAddress").GetString()!.TrimStart('S').Split(':')[0]] = true);
        await browser.StartAsync();
        await browser.InvokeAsync("Subscribe", "cluster:heartbeat");
        await Eventually.True(() => Task.FromResult(heardFrom.Count == 3), "heartbeats from the three hosts", TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 3).Select(hosts.AddressOf).Order(), heardFrom.Keys.Order());

        // Sessions started through the API live on all three hosts; a second frontend (in this process) asks where.
        await using var observer = await cluster.InProcessFrontendAsync();
        var load = await CanvassLoad.StartAsync(Db.DataSource, cluster.SigningKey, () => [cluster.FrontendUri(frontend)], sessions: 30);
        await Eventually.True(() => Task.FromResult(load.AcknowledgedWrites >= 60), "the sessions write");
        await load.StopAsync();
        var client = observer.Services.GetRequiredService<IClusterClient>();
        var management = client.GetGrain<IManagementGrain>(0);
        var placement = new Dictionary<string, int>();
        foreach (var session in load.SessionIds)
        {
            var silo = await management.GetActivationAddress(client.GetGrain<ICanvassSessionGrain>(session));
            var host = silo?.Endpoint.Address.ToString() ?? "not active";
            placement[host] = placement.GetValueOrDefault(host) + 1;
        }
        Console.WriteLine($"[multi-host] 30 sessions placed: {string.Join(", ", placement.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"))}");
        Assert.Equal(Enumerable.Range(0, 3).Select(hosts.AddressOf).Order(), placement.Keys.Order());
        var report = await load.ReportAsync(Db.DataSource, "multi-host steady state");
        Assert.Equal(0, report.VisitsLost);
        Assert.Equal(0, report.PointsLost);

        // Removing a host: its silo stops (SIGTERM), leaves the membership table, and the others carry on.
        await cluster.Silos[2].StopAsync();
        await cluster.WaitForActiveSilosAsync(2);
        using var http = cluster.Http(frontend);
        await Eventually.True(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "ready with two hosts");
    }
}
