using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChangemakerLite.Cluster.Tests.Operations;

/// <summary>
/// Fault drills under a steady canvassing load through the HTTP API (<see cref="CanvassLoad"/>): silos and frontends
/// are real processes started by <c>deploy/node.sh</c>. Each drill prints what it measured (acknowledged, stored, lost,
/// the longest gap without acknowledged writes, errors by status) and holds the promise an operator relies on.
/// </summary>
public sealed class FaultDrillTests : DatabaseTest
{
    private static readonly TimeSpan SteadyLoad = TimeSpan.FromSeconds(6);

    private async Task<ProcessCluster> Start(int silos, int frontends, string? connectionString = null)
    {
        var cluster = new ProcessCluster(connectionString ?? Db.ConnectionString);
        await cluster.StartMailAsync();
        for (var i = 0; i < silos; i++) cluster.AddSilo();
        await cluster.WaitForActiveSilosAsync(silos);
        for (var i = 0; i < frontends; i++) cluster.AddFrontend();
        for (var i = 0; i < frontends; i++) await cluster.WaitForFrontendReadyAsync(i);
        return cluster;
    }

    private static IReadOnlyList<Uri> Alive(ProcessCluster cluster) =>
        cluster.Frontends.Select((f, i) => (f, i)).Where(x => !x.f.Node.HasExited).Select(x => cluster.FrontendUri(x.i)).ToList();

    [Fact]
    public async Task A_silo_killed_with_SIGKILL_loses_nothing_acknowledged()
    {
        await using var cluster = await Start(silos: 3, frontends: 2);
        await using var observer = await cluster.InProcessFrontendAsync();
        await using var load = await CanvassLoad.StartAsync(Db.DataSource, cluster.SigningKey, () => Alive(cluster));

        // A canvasser who walked away 13 hours ago (started_at moved back): their session's grain lives on the silo
        // that is killed, so only the durable rule (its reminder, or the sweep) can still abandon it.
        var overdue = (await load.AddSessionsAsync(1, writing: false)).Single();
        await Exec(Db.DataSource, "UPDATE canvass_sessions SET started_at = now() - interval '13 hours' WHERE id = @id", overdue);
        var client = observer.Services.GetRequiredService<IClusterClient>();
        var host = await client.GetGrain<IManagementGrain>(0).GetActivationAddress(client.GetGrain<ICanvassSessionGrain>(overdue));
        var victim = cluster.Silos.Single(s => host is not null && cluster.SiloPorts[s.Name] == host.Endpoint.Port);
        await Task.Delay(SteadyLoad);

        victim.Kill();
        var killedAt = load.Now;
        await load.EverySessionWritesAfter(killedAt, TimeSpan.FromSeconds(45));
        var recovery = load.WorstRecoveryAfter(killedAt);
        try
        {
            await Eventually.True(async () => await Status(Db.DataSource, overdue) == "ABANDONED", "the overdue session is abandoned", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{string.Join("\n", cluster.Silos.Select(s => $"--- {s.Name}\n{s.Tail}"))}", ex);
        }

        await load.StopAsync();
        var report = await load.ReportAsync(Db.DataSource, "silo killed with SIGKILL", recovery);
        Assert.Equal(0, report.VisitsLost);
        Assert.Equal(0, report.PointsLost);
        Assert.True(recovery < TimeSpan.FromSeconds(30), $"a session waited {recovery.TotalSeconds:F1} s to write again");
        Assert.True(report.VisitsAcknowledged > 0 && report.PointsAcknowledged > 0);
        Assert.DoesNotContain(report.Errors.Keys, k => k.StartsWith("500"));
    }

    [Fact]
    public async Task A_silo_added_mid_load_takes_grains_and_nothing_fails()
    {
        await using var cluster = await Start(silos: 2, frontends: 1);
        await using var observer = await cluster.InProcessFrontendAsync();
        await using var load = await CanvassLoad.StartAsync(Db.DataSource, cluster.SigningKey, () => Alive(cluster));
        await Task.Delay(SteadyLoad);

        var added = cluster.AddSilo();
        await cluster.WaitForActiveSilosAsync(3);
        // New canvassers start after it joined: their grains go to the cluster as it is now, the new silo included.
        var client = observer.Services.GetRequiredService<IClusterClient>();
        await Eventually.True(async () => (await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 3, "the frontends see three silos");
        var newSilo = $"127.0.0.1:{cluster.SiloPorts[added.Name]}";
        var management = client.GetGrain<IManagementGrain>(0);
        var hosts = new Dictionary<string, int>();
        // Placement weighs each silo's published load, which reaches the others a few seconds after a join: new
        // canvassers arrive in rounds, as on a real morning, until one of them is placed on the new silo (or 30 s pass).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            foreach (var session in await load.AddSessionsAsync(6))
            {
                var silo = await management.GetActivationAddress(client.GetGrain<ICanvassSessionGrain>(session));
                var key = silo is null ? "not active" : $"{silo.Endpoint.Address}:{silo.Endpoint.Port}";
                hosts[key] = hosts.GetValueOrDefault(key) + 1;
            }
            if (hosts.ContainsKey(newSilo)) break;
            await Task.Delay(TimeSpan.FromSeconds(2));
        } while (DateTime.UtcNow < deadline);
        await Task.Delay(SteadyLoad);
        await load.StopAsync();
        var report = await load.ReportAsync(Db.DataSource, "silo added mid-load");
        Console.WriteLine($"[drill: silo added mid-load] sessions started after the join, by silo: {string.Join(", ", hosts.Select(h => $"{h.Key}: {h.Value}"))}");
        Assert.True(hosts.GetValueOrDefault(newSilo) > 0, $"no session started after the join lives on the new silo {newSilo}");
        Assert.Empty(report.Errors);
        Assert.Equal(0, report.VisitsLost);
        Assert.Equal(0, report.PointsLost);
    }


    [Fact]
    public async Task A_frontend_killed_sends_browsers_to_another_frontend_that_serves_their_topics()
    {
        await using var cluster = await Start(silos: 2, frontends: 2);
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var token = TestTokens.Mint(cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin);
        await using var load = await CanvassLoad.StartAsync(Db.DataSource, cluster.SigningKey, () => Alive(cluster));

        // The browser: on losing its frontend it connects to another and subscribes its topics again.
        var visits = new ConcurrentQueue<(DateTime At, int Frontend)>();
        var current = 0;
        HubConnection Connect(int frontend)
        {
            var hub = cluster.Hub(frontend, token);
            hub.On<JsonElement>("visitRecorded", _ => visits.Enqueue((DateTime.UtcNow, frontend)));
            return hub;
        }
        var browser = Connect(0);
        var reconnected = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        browser.Closed += async _ =>
        {
            current = 1;
            var next = Connect(1);
            await next.StartAsync();
            await next.InvokeAsync("Subscribe", "canvass:live");
            browser = next;
            reconnected.TrySetResult(1);
        };
        await browser.StartAsync();
        await browser.InvokeAsync("Subscribe", "canvass:live");
        await Eventually.True(() => Task.FromResult(visits.Any(v => v.Frontend == 0)), "live visits on frontend 0");
        await Task.Delay(SteadyLoad);

        cluster.Frontends[0].Node.Kill();
        var killedAt = load.Now;
        var killedAtUtc = DateTime.UtcNow;
        Assert.Equal(1, await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.True(() => Task.FromResult(visits.Any(v => v.Frontend == 1 && v.At > killedAtUtc)), "live visits on frontend 1 after the kill", TimeSpan.FromSeconds(30));
        var resubscribedAfter = visits.Where(v => v.Frontend == 1).Min(v => v.At) - killedAtUtc;
        await load.EverySessionWritesAfter(killedAt, TimeSpan.FromSeconds(45));
        var recovery = load.WorstRecoveryAfter(killedAt);
        await load.StopAsync();
        await browser.DisposeAsync();

        var report = await load.ReportAsync(Db.DataSource, "frontend killed", recovery);
        Console.WriteLine($"[drill: frontend killed] the browser received live visits from frontend 1 {resubscribedAfter.TotalSeconds:F1} s after the kill");
        Assert.Equal(1, current);
        Assert.Equal(0, report.VisitsLost);
        Assert.Equal(0, report.PointsLost);
        Assert.True(recovery < TimeSpan.FromSeconds(30), $"a session waited {recovery.TotalSeconds:F1} s to write again");
        Assert.DoesNotContain(report.Errors.Keys, k => k.StartsWith("500"));
    }

    [Fact]
    public async Task PostgreSQL_restarted_answers_503_meanwhile_and_recovers_without_restarting_nodes()
    {
        await using var server = await PrivatePostgres.StartAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await using var db = Database.CreateDataSource(connectionString);
        await using var cluster = await Start(silos: 2, frontends: 1, connectionString);
        await using var load = await CanvassLoad.StartAsync(db, cluster.SigningKey, () => Alive(cluster));
        await Task.Delay(SteadyLoad);

        // Readiness is watched all along: it must say "not ready" during the outage and "ready" after.
        var readiness = new ConcurrentQueue<HttpStatusCode>();
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            using var http = cluster.Http(0, timeout: TimeSpan.FromSeconds(10));
            while (!watching.IsCancellationRequested)
            {
                try { readiness.Enqueue((await http.GetAsync("/health/ready")).StatusCode); }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { readiness.Enqueue(0); }
                await Task.Delay(250);
            }
        });

        var downAt = load.Now;
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        await server.StartAgainAsync();
        var upAt = load.Now;
        Console.WriteLine($"[drill: PostgreSQL restarted] stopping began at {downAt.TotalSeconds:F1} s, the database answered again at {upAt.TotalSeconds:F1} s (load time)");
        await load.EverySessionWritesAfter(upAt, TimeSpan.FromSeconds(45));
        var recovery = load.WorstRecoveryAfter(upAt);
        await Eventually.True(() => Task.FromResult(readiness.LastOrDefault() == HttpStatusCode.OK), "ready again", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await watching.CancelAsync();
        await watcher;
        await load.StopAsync();

        // The test's own pool still holds connections the restart cut; a fresh one reads the result.
        await using var after = Database.CreateDataSource(connectionString);
        var report = await load.ReportAsync(after, "PostgreSQL restarted", recovery);
        foreach (var line in cluster.Frontends[0].Node.Tail.Split('\n').Where(l => l.Contains("Unhandled")).Take(1))
            Console.WriteLine($"[drill: PostgreSQL restarted] frontend log: {line}");
        Console.WriteLine($"[drill: PostgreSQL restarted] readiness answers: {string.Join(", ", readiness.GroupBy(s => (int)s).Select(g => $"{g.Key}: {g.Count()}"))}");
        Assert.Equal(0, report.VisitsLost);
        Assert.Equal(0, report.PointsLost);
        // During the outage: 503 with Retry-After, never a 500, never a request left hanging.
        Assert.True(report.Errors.Keys.All(k => k == "503"), $"errors: {string.Join(", ", report.Errors)}");
        Assert.Contains(HttpStatusCode.ServiceUnavailable, readiness);
        Assert.True(recovery < TimeSpan.FromSeconds(30), $"a session waited {recovery.TotalSeconds:F1} s after the restart to write again");
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited));
        Assert.All(cluster.Frontends, f => Assert.False(f.Node.HasExited));
    }

    private static async Task Exec(NpgsqlDataSource db, string sql, Guid id)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> Status(NpgsqlDataSource db, Guid session)
    {
        await using var command = db.CreateCommand("SELECT status::text FROM canvass_sessions WHERE id = @id");
        command.Parameters.AddWithValue("id", session);
        return (string?)await command.ExecuteScalarAsync();
    }
}

/// <summary>
/// A PostgreSQL server of the drill's own (the run's shared one must not be restarted under other tests), created and
/// started with the same shell functions <c>deploy/test.sh</c> uses, removed afterwards.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"cml-drill-pg-{Guid.NewGuid():N}");
    private readonly int _port = Ports.Free();

    public static async Task<PrivatePostgres> StartAsync()
    {
        var server = new PrivatePostgres();
        Directory.CreateDirectory(server._dir);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(server._dir, (UnixFileMode)0b111_101_101);
        await server.Shell("CML_PG_FSYNC=off CML_PG_SYNC_COMMIT=off start_local_postgres \"$D/data\" \"$P\" \"$D/password\"");
        return server;
    }

    public async Task<string> CreateDatabaseAsync()
    {
        var password = (await File.ReadAllTextAsync(Path.Combine(_dir, "password"))).Trim();
        var server = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = _port, Username = "postgres", Password = password, Database = "postgres" };
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE drill", connection);
            await create.ExecuteNonQueryAsync();
        }
        server.Database = "drill";
        await new SchemaMigrator(server.ConnectionString, NullLogger.Instance).MigrateAsync();
        return server.ConnectionString;
    }

    public Task StopAsync() => Shell("stop_local_postgres \"$D/data\"");

    public Task StartAgainAsync() => Shell("start_local_postgres \"$D/data\" \"$P\" \"$D/password\"");

    private async Task Shell(string script)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source \"{Path.Combine(NodeProcess.RepoRoot, "deploy", "lib", "common.sh")}\" && {script}");
        start.Environment["D"] = _dir;
        start.Environment["P"] = _port.ToString();
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script}: {output}");
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); } catch (Exception) { /* best effort */ }
        try { Directory.Delete(_dir, recursive: true); } catch (Exception) { /* best effort */ }
    }
}
