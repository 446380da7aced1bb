using System.Net;
using System.Net.Http.Headers;
using ChangemakerLite.SmtpSink;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace ChangemakerLite.Cluster.Tests.Operations;

/// <summary>
/// A cluster whose silos and frontends are separate processes started through <c>deploy/node.sh</c>, so they can be
/// killed with SIGKILL, run in network namespaces, and restarted against a restarted database. The test's database
/// is migrated beforehand; the nodes only run.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _common;
    private readonly List<NodeProcess> _silos = [];
    private readonly List<(NodeProcess Node, int Port)> _frontends = [];

    public ProcessCluster(string connectionString, IDictionary<string, string?>? settings = null)
    {
        ConnectionString = connectionString;
        Mail = new SmtpSinkServer(Ports.Free());
        SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        ClusterId = $"ops-{Guid.NewGuid():N}";
        _common = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = connectionString,
            ["ORLEANS_CLUSTER_ID"] = ClusterId,
            ["ORLEANS_SERVICE_ID"] = "changemaker-ops-tests",
            ["JWT_SIGNING_KEY"] = SigningKey,
            ["MIGRATE_ON_START"] = "false",
            ["HEARTBEAT_SECONDS"] = "1",
            ["LIVE_RELAY_RENEW_SECONDS"] = "1",
            ["ORLEANS_MIN_REMINDER_SECONDS"] = "1",
            ["ORLEANS_PROBE_TIMEOUT_SECONDS"] = "2",
            ["CANVASS_SWEEP_SECONDS"] = "2",
            ["SMTP_HOST"] = "127.0.0.1",
            ["SMTP_PORT"] = Mail.Port.ToString(),
            // The SMTP sink speaks plain SMTP; TLS is the default.
            ["SMTP_SECURE"] = "false",
            ["SMTP_FROM"] = "campaign@changemaker.test",
            ["AUTH_RATE_LIMIT_PER_IP"] = "100000",
            ["AUTH_RATE_LIMIT_PER_EMAIL"] = "100000",
            ["AUTH_LOGIN_FAILURES_PER_ACCOUNT"] = "100000",
            ["AUTH_LOGIN_FAILURES_PER_IP"] = "100000",
            ["DASHBOARD_ENABLED"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Orleans"] = "Error",
            ["Logging__LogLevel__Microsoft"] = "Warning",
            // Small processes: several share two cores with the test.
            ["DOTNET_gcServer"] = "0",
            ["DOTNET_TieredPGO"] = "0",
            ["ASPNETCORE_URLS"] = null,
        };
        if (settings is not null) foreach (var (k, v) in settings) _common[k] = v;
    }

    public string ConnectionString { get; }
    public SmtpSinkServer Mail { get; }
    public string SigningKey { get; }
    public string ClusterId { get; }
    public IReadOnlyList<NodeProcess> Silos => _silos;
    public Dictionary<string, int> SiloPorts { get; } = [];
    public IReadOnlyList<(NodeProcess Node, int Port)> Frontends => _frontends;

    public async Task StartMailAsync() => await Mail.StartAsync();

    /// <summary>Starts a silo; in a namespace it uses the standard ports on its own address and reaches the database at <paramref name="databaseUrl"/>.</summary>
    public NodeProcess AddSilo(string advertisedIp = "127.0.0.1", string? netns = null, string? databaseUrl = null)
    {
        var env = new Dictionary<string, string?>(_common)
        {
            ["ORLEANS_ADVERTISED_IP"] = advertisedIp,
            ["ORLEANS_SILO_PORT"] = netns is null ? Ports.Free().ToString() : "11111",
            ["ORLEANS_GATEWAY_PORT"] = netns is null ? Ports.Free().ToString() : "30000",
            ["ORLEANS_LISTEN_ANY"] = netns is null ? "false" : "true",
        };
        if (databaseUrl is not null) env["DATABASE_URL"] = databaseUrl;
        var node = NodeProcess.Start($"silo{_silos.Count}", "silo", env, netns);
        SiloPorts[node.Name] = int.Parse(env["ORLEANS_SILO_PORT"]!);
        _silos.Add(node);
        return node;
    }

    public int AddFrontend()
    {
        var port = Ports.Free();
        var env = new Dictionary<string, string?>(_common)
        {
            ["PORT"] = port.ToString(),
            ["BIND_ADDRESS"] = "127.0.0.1",
            ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}",
        };
        _frontends.Add((NodeProcess.Start($"frontend{_frontends.Count}", "frontend", env), port));
        return _frontends.Count - 1;
    }

    /// <summary>
    /// A frontend in the test's own process, attached to the same cluster: its <c>IClusterClient</c> lets the test ask
    /// the cluster where grains live (the management grain).
    /// </summary>
    public async Task<Microsoft.AspNetCore.Builder.WebApplication> InProcessFrontendAsync()
    {
        var port = Ports.Free();
        var settings = _common.ToDictionary(e => e.Key.Replace("__", ":"), e => e.Value);
        settings["PORT"] = port.ToString();
        settings["BIND_ADDRESS"] = "127.0.0.1";
        settings["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}";
        var app = WebFrontend.FrontendApp.Build([], settings);
        await app.StartAsync();
        return app;
    }

    public Uri FrontendUri(int frontend) => new($"http://127.0.0.1:{_frontends[frontend].Port}/");

    public HttpClient Http(int frontend, string? token = null, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = FrontendUri(frontend), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public HubConnection Hub(int frontend, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(FrontendUri(frontend), "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();

    /// <summary>Addresses (ip:port) of the silos the membership table says are active.</summary>
    public async Task<List<string>> ActiveSilosAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT address || ':' || port FROM orleansmembershiptable WHERE deploymentid = @c AND status = 3", connection);
        command.Parameters.AddWithValue("c", ClusterId);
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add(reader.GetString(0));
        return result;
    }

    public async Task WaitForActiveSilosAsync(int count, TimeSpan? within = null)
    {
        try
        {
            await Eventually.True(async () => (await ActiveSilosAsync()).Count == count, $"{count} active silos", within ?? TimeSpan.FromSeconds(90));
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{string.Join("\n", _silos.Select(s => $"--- {s.Name} (exited: {s.HasExited})\n{s.Tail}"))}", ex);
        }
    }

    public async Task WaitForFrontendReadyAsync(int frontend, TimeSpan? within = null)
    {
        using var http = Http(frontend, timeout: TimeSpan.FromSeconds(10));
        try
        {
            await Eventually.True(async () =>
            {
                try { return (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK; }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { return false; }
            }, $"frontend {frontend} ready", within ?? TimeSpan.FromSeconds(90));
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{_frontends[frontend].Node.Tail}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (node, _) in _frontends) await node.DisposeAsync();
        foreach (var node in _silos) await node.DisposeAsync();
        await Mail.DisposeAsync();
    }
}
