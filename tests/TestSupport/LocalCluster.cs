using ChangemakerLite.Grains.Interfaces.Auth;
using System.Net.Http.Headers;
using ChangemakerLite.Silo;
using ChangemakerLite.SmtpSink;
using ChangemakerLite.WebFrontend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace ChangemakerLite.TestSupport;

/// <summary>How a cluster's web tier is hosted (see docs/architecture.md).</summary>
public enum ClusterTopology
{
    /// <summary>The web tier inside the silo: one process per node, grain calls in-process (the default of deploy/run.sh).</summary>
    CoHosted,

    /// <summary>Frontends are processes of their own, reaching the silos through an Orleans client.</summary>
    Separate,
}

/// <summary>
/// Real silos and real frontends in this process, on loopback ports, clustered through the ADO.NET
/// membership table of one test database: what deploy/cluster.sh runs, under the tests' control.
/// <para>
/// Co-hosted (the default), a frontend is the web tier of a silo: frontend i is silo i, a cluster of S silos and F
/// frontends has max(S, F) nodes of which the first F serve HTTP, stopping a silo stops its frontend and the reverse,
/// <see cref="AddFrontendAsync"/> adds a node serving HTTP and <see cref="AddSiloAsync"/> a silo without it. Separate,
/// silos and frontends are hosts of their own, as deploy/cluster.sh runs them with FRONTEND_IN_SILO=false.
/// </para>
/// <para>
/// The silos are kept by Orleans.TestingHost's <see cref="TestCluster"/>, which starts, stops and kills them and tracks
/// their addresses. Each silo it starts is built by the production host builder (<see cref="SiloHost.Build"/>), so a
/// node's web tier is tested inside its silo as deployed, and the cluster uses the real ADO.NET membership and
/// reminders in the test database (the TestingHost's in-memory membership is switched off), over TCP on loopback.
/// </para>
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    /// <summary>The topology of clusters that name none: TEST_CLUSTER_TOPOLOGY (co-hosted or separate), else co-hosted.</summary>
    public static readonly ClusterTopology DefaultTopology =
        Environment.GetEnvironmentVariable("TEST_CLUSTER_TOPOLOGY")?.Trim().ToLowerInvariant() switch
        {
            "separate" => ClusterTopology.Separate,
            null or "" or "cohosted" or "co-hosted" => ClusterTopology.CoHosted,
            var other => throw new InvalidOperationException($"TEST_CLUSTER_TOPOLOGY is '{other}': co-hosted or separate."),
        };

    private readonly List<IHost?> _silos = [];
    private readonly List<WebApplication?> _frontends = [];
    /// <summary>Co-hosted: the silo index of each frontend.</summary>
    private readonly List<int> _frontendSilo = [];
    private readonly Dictionary<string, string?> _settings;

    private readonly Action<IServiceCollection>? _siloServices;

    /// <summary>Orleans.TestingHost's record of this cluster's silos; the handle of silo i is <c>_siloHandles[i]</c>.</summary>
    private readonly TestCluster _testCluster;
    private readonly List<SiloHandle?> _siloHandles = [];
    /// <summary>Whether the silo the test cluster is starting serves HTTP (silos start one at a time).</summary>
    private bool _nextSiloServesHttp;
    private readonly SemaphoreSlim _startingSilo = new(1, 1);

    private LocalCluster(TestDatabase database, IDictionary<string, string?>? settings, Action<IServiceCollection>? siloServices, ClusterTopology topology)
    {
        _siloServices = siloServices;
        Topology = topology;
        Database = database;
        Mail = new SmtpSinkServer(Ports.Free());
        SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        ClusterId = $"test-{Guid.NewGuid():N}";
        _settings = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = database.DatabaseUrlSetting,
            ["ORLEANS_CLUSTER_ID"] = ClusterId,
            ["ORLEANS_SERVICE_ID"] = "changemaker-tests",
            ["JWT_SIGNING_KEY"] = SigningKey,
            ["SETTINGS_ENCRYPTION_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)),
            ["MIGRATE_ON_START"] = "true",
            ["HEARTBEAT_SECONDS"] = "1",
            ["LIVE_RELAY_RENEW_SECONDS"] = "1",
            ["ORLEANS_MIN_REMINDER_SECONDS"] = "1",
            ["ORLEANS_PROBE_TIMEOUT_SECONDS"] = "2",
            ["BIND_ADDRESS"] = "127.0.0.1",
            ["SMTP_HOST"] = "127.0.0.1",
            ["SMTP_PORT"] = Mail.Port.ToString(),
            // The SMTP sink speaks plain SMTP; TLS is the default.
            ["SMTP_SECURE"] = "false",
            ["SMTP_FROM"] = "campaign@changemaker.test",
            ["EMAIL_POLL_MS"] = "100",
            ["EMAIL_RETRY_SECONDS"] = "0.5",
            ["AUTH_RATE_LIMIT_PER_IP"] = "100000",
            ["AUTH_RATE_LIMIT_PER_EMAIL"] = "100000",
            ["AUTH_LOGIN_FAILURES_PER_ACCOUNT"] = "100000",
            ["AUTH_LOGIN_FAILURES_PER_IP"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
            ["Logging:LogLevel:Microsoft"] = "Warning",
            ["Logging:LogLevel:Orleans.Runtime.Silo"] = "Error",
            ["Logging:LogLevel:Polly"] = "Error",
        };
        if (settings is not null)
            foreach (var (key, value) in settings) _settings[key] = value;

        var builder = new TestClusterBuilder();
        builder.Options.ClusterId = ClusterId;
        builder.Options.ServiceId = _settings["ORLEANS_SERVICE_ID"]!;
        // Membership, gateways and reminders through the ADO.NET providers in the test database, as deployed.
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        // Tests call grains through a frontend's or a silo's own grain factory, as the system does.
        builder.Options.InitializeClientOnDeploy = false;
        builder.Options.ConfigureFileLogging = false;
        _testCluster = builder.Build();
        _testCluster.CreateSiloAsync = CreateSiloAsync;
    }

    public TestDatabase Database { get; }

    /// <summary>Whether this cluster's frontends run inside its silos or on their own.</summary>
    public ClusterTopology Topology { get; }

    /// <summary>
    /// How long a grain call may take before it fails (Orleans' default is 30 s). A test asserts what the system does,
    /// not how fast a shared, loaded machine does it: a password hash that waits half a minute for a core must not
    /// turn into a 500. Tests that prove a latency measure it themselves.
    /// </summary>
    public static readonly TimeSpan DefaultGrainCallTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// This cluster's grain call timeout: <see cref="DefaultGrainCallTimeout"/>, or the TEST_GRAIN_CALL_TIMEOUT_SECONDS
    /// setting. Tests that kill silos under traffic set Orleans' 30 s: a call caught by the kill then fails and is retried
    /// within the test's patience instead of waiting minutes.
    /// </summary>
    public TimeSpan GrainCallTimeout =>
        _settings.TryGetValue("TEST_GRAIN_CALL_TIMEOUT_SECONDS", out var seconds) && int.TryParse(seconds, out var s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : DefaultGrainCallTimeout;

    /// <summary>The real SMTP server (loopback) this cluster's silos deliver mail to.</summary>
    public SmtpSinkServer Mail { get; }

    /// <summary>Every log line of this cluster's silos and frontends.</summary>
    public CapturedLogs Logs { get; } = new();
    public string SigningKey { get; }
    public string ClusterId { get; }
    public IReadOnlyDictionary<string, string?> Settings => _settings;
    public IReadOnlyList<IHost?> Silos => _silos;

    /// <summary>What the tests sharing this cluster share besides it (<see cref="ClusterTest.StartCompanionAsync"/>); disposed after it stops.</summary>
    public IAsyncDisposable? Companion { get; internal set; }
    public IReadOnlyList<WebApplication?> Frontends => _frontends;

    /// <param name="siloServices">Extra services for every silo this cluster starts (a controllable clock, say).</param>
    /// <param name="topology">Co-hosted or separate frontends; <see cref="DefaultTopology"/> when not given.</param>
    public static async Task<LocalCluster> StartAsync(TestDatabase database, int silos = 1, int frontends = 1,
        IDictionary<string, string?>? settings = null, Action<IServiceCollection>? siloServices = null, ClusterTopology? topology = null)
    {
        var cluster = new LocalCluster(database, settings, siloServices, topology ?? DefaultTopology);
        try
        {
            await cluster.Mail.StartAsync();
            if (cluster.Topology == ClusterTopology.CoHosted)
            {
                // The first `frontends` nodes serve HTTP; the rest are silos only.
                var nodes = Math.Max(silos, frontends);
                for (var i = 0; i < nodes; i++) await cluster.StartSiloAsync(withFrontend: i < frontends);
                if (nodes > 1) await cluster.WaitUntilSilosSeeEachOtherAsync();
                if (nodes > 1)
                    for (var i = 0; i < frontends; i++) await cluster.WaitUntilEverySiloRelaysToAsync(i);
                return cluster;
            }
            for (var i = 0; i < silos; i++) await cluster.AddSiloAsync();
            if (silos > 1) await cluster.WaitUntilSilosSeeEachOtherAsync();
            for (var i = 0; i < frontends; i++) await cluster.AddFrontendAsync();
            if (silos > 1)
                for (var i = 0; i < frontends; i++) await cluster.WaitUntilEverySiloRelaysToAsync(i);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>
    /// Waits until every running silo counts all of them active. Until then each silo could place its own
    /// activation of a grain, which multi-silo tests must not mistake for a bug.
    /// </summary>
    public async Task WaitUntilSilosSeeEachOtherAsync()
    {
        var running = _silos.Where(s => s is not null).Select(s => s!.Services.GetRequiredService<IGrainFactory>()).ToList();
        await Eventually.True(async () =>
        {
            foreach (var grains in running)
                if ((await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count != running.Count) return false;
            return true;
        }, "every silo sees all silos active", TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Waits until the heartbeats of every running silo reach a client of this frontend. A silo relays live
    /// events to the frontends it knew of when it last looked (a short cache), so in a cluster that has
    /// just started an event published on one silo could miss a frontend that another silo already serves.
    /// </summary>
    public async Task WaitUntilEverySiloRelaysToAsync(int frontend)
    {
        var admin = await TestUsers.CreateAsync(Database, UserRole.SuperAdmin);
        await using var hub = Hub(frontend, TestTokens.Mint(SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin));
        var heardFrom = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        hub.On<System.Text.Json.JsonElement>("clusterHeartbeat", e => heardFrom[e.GetProperty("siloAddress").GetString()!] = true);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", "cluster:heartbeat");
        var running = _silos.Count(s => s is not null);
        await Eventually.True(() => Task.FromResult(heardFrom.Count >= running),
            $"heartbeats of all {running} silos on frontend {frontend}", TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts a silo (co-hosted too, a silo without the web tier); returns its index.</summary>
    public Task<int> AddSiloAsync() => StartSiloAsync(withFrontend: false);

    /// <summary>Has the test cluster start one more silo (through <see cref="CreateSiloAsync"/>); returns its index.</summary>
    private async Task<int> StartSiloAsync(bool withFrontend)
    {
        await _startingSilo.WaitAsync();
        InProcessSiloHandle handle;
        try
        {
            _nextSiloServesHttp = withFrontend;
            handle = (InProcessSiloHandle)await _testCluster.StartAdditionalSiloAsync();
        }
        finally { _startingSilo.Release(); }
        _silos.Add(handle.SiloHost);
        _siloHandles.Add(handle);
        if (withFrontend)
        {
            _frontends.Add((WebApplication)handle.SiloHost);
            _frontendSilo.Add(_silos.Count - 1);
        }
        return _silos.Count - 1;
    }

    /// <summary>
    /// The test cluster's way to start a silo: the production host on the ports the test cluster gave it, serving HTTP
    /// when <see cref="_nextSiloServesHttp"/> says so.
    /// </summary>
    private async Task<SiloHandle> CreateSiloAsync(string name, IConfiguration assigned)
    {
        var withFrontend = _nextSiloServesHttp;
        var settings = new Dictionary<string, string?>(_settings)
        {
            ["ORLEANS_SILO_PORT"] = assigned["SiloPort"] ?? Ports.Free().ToString(),
            ["ORLEANS_GATEWAY_PORT"] = assigned["GatewayPort"] ?? Ports.Free().ToString(),
            ["FRONTEND_IN_SILO"] = withFrontend ? "true" : "false",
        };
        if (withFrontend)
        {
            var port = Ports.Free();
            settings["PORT"] = port.ToString();
            settings["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}";
        }
        var host = SiloHost.Build([], settings, services =>
        {
            services.AddLogging(b => b.AddProvider(Logs));
            services.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.ResponseTimeout = GrainCallTimeout);
            _siloServices?.Invoke(services);
        });
        await host.StartAsync();
        var silo = host.Services.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>();
        return new InProcessSiloHandle { Name = name, SiloHost = host, SiloAddress = silo.SiloAddress, GatewayAddress = silo.GatewayAddress };
    }

    /// <summary>Starts a frontend and returns its index; co-hosted, a new node (a silo serving HTTP).</summary>
    public async Task<int> AddFrontendAsync()
    {
        if (Topology == ClusterTopology.CoHosted)
        {
            await StartSiloAsync(withFrontend: true);
            return _frontends.Count - 1;
        }
        var port = Ports.Free();
        var settings = new Dictionary<string, string?>(_settings)
        {
            ["PORT"] = port.ToString(),
            ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}",
        };
        var app = FrontendApp.Build([], settings, b =>
        {
            b.Logging.AddProvider(Logs);
            b.Services.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = GrainCallTimeout);
        });
        await app.StartAsync();
        _frontends.Add(app);
        return _frontends.Count - 1;
    }

    /// <summary>
    /// Stops a silo: gracefully (it leaves the cluster) or abruptly (the others must notice it died). Co-hosted, its
    /// frontend stops with it.
    /// </summary>
    public async Task StopSiloAsync(int index, bool graceful = true)
    {
        var handle = _siloHandles[index] ?? throw new InvalidOperationException($"Silo {index} is already stopped.");
        _silos[index] = null;
        _siloHandles[index] = null;
        var frontend = _frontendSilo.IndexOf(index);
        if (frontend >= 0) _frontends[frontend] = null;
        // Abrupt: the silo does not say goodbye, like a killed process. Either way the test cluster disposes its host.
        if (graceful) await _testCluster.StopSiloAsync(handle);
        else await _testCluster.KillSiloAsync(handle);
    }

    /// <summary>Stops a frontend; co-hosted, its node (the silo with it) leaves the cluster gracefully.</summary>
    public async Task StopFrontendAsync(int index)
    {
        if (Topology == ClusterTopology.CoHosted)
        {
            if (_frontends[index] is null) throw new InvalidOperationException($"Frontend {index} is already stopped.");
            await StopSiloAsync(_frontendSilo[index]);
            return;
        }
        var app = _frontends[index] ?? throw new InvalidOperationException($"Frontend {index} is already stopped.");
        _frontends[index] = null;
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>
    /// A client of one frontend. Any 5xx answer fails the test at once (<see cref="ServerErrorException"/>), except 503
    /// (the cluster says "not now", as readiness does with no silo): nothing a client sends may break the server. Tests
    /// that kill silos under live traffic, where a request in flight may fail, pass <paramref name="allowServerErrors"/>.
    /// </summary>
    public HttpClient Http(int frontend = 0, string? accessToken = null, bool allowServerErrors = false)
    {
        HttpMessageHandler handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) };
        if (!allowServerErrors) handler = new ServerErrorGuard(handler);
        var client = new HttpClient(handler) { BaseAddress = FrontendUri(frontend), Timeout = TimeSpan.FromSeconds(60) };
        if (accessToken is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    public HubConnection Hub(int frontend = 0, string? accessToken = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(FrontendUri(frontend), "/hubs/live"), o =>
            {
                if (accessToken is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            })
            .Build();

    public IClusterClient ClientOf(int frontend) =>
        (_frontends[frontend] ?? throw new InvalidOperationException($"Frontend {frontend} is stopped.")).Services.GetRequiredService<IClusterClient>();

    public T SiloService<T>(int silo) where T : notnull =>
        (_silos[silo] ?? throw new InvalidOperationException($"Silo {silo} is stopped.")).Services.GetRequiredService<T>();

    public Uri FrontendUri(int frontend)
    {
        var app = _frontends[frontend] ?? throw new InvalidOperationException($"Frontend {frontend} is stopped.");
        var server = app.Services.GetRequiredService<FrontendSettings>();
        return new Uri($"http://127.0.0.1:{server.Port}/");
    }

    public async ValueTask DisposeAsync() => Teardown.Report($"cluster {ClusterId}", await StopAllAsync());

    /// <summary>Stops every frontend and silo and the mail server, going on past failures; returns what failed.</summary>
    public async Task<IReadOnlyList<string>> StopAllAsync()
    {
        var problems = new List<string>();
        // Co-hosted, the frontends are the silos' hosts: each is stopped once, below.
        for (var i = 0; i < _frontends.Count && Topology == ClusterTopology.Separate; i++)
        {
            if (_frontends[i] is not { } app) continue;
            try { await app.StopAsync(); await app.DisposeAsync(); }
            catch (Exception ex) { problems.Add($"stopping frontend {i}: {ex.GetType().Name}: {ex.Message}"); }
        }
        for (var i = 0; i < _siloHandles.Count; i++)
        {
            if (_siloHandles[i] is not { } silo) continue;
            try { await _testCluster.StopSiloAsync(silo); }
            catch (Exception ex) { problems.Add($"stopping silo {i}: {ex.GetType().Name}: {ex.Message}"); }
        }
        try { await _testCluster.DisposeAsync(); }
        catch (Exception ex) { problems.Add($"disposing the test cluster: {ex.GetType().Name}: {ex.Message}"); }
        _frontends.Clear();
        _frontendSilo.Clear();
        _silos.Clear();
        _siloHandles.Clear();
        try { await Mail.DisposeAsync(); }
        catch (Exception ex) { problems.Add($"stopping the mail server: {ex.GetType().Name}: {ex.Message}"); }
        if (Companion is { } companion)
        {
            Companion = null;
            try { await companion.DisposeAsync(); }
            catch (Exception ex) { problems.Add($"disposing {companion.GetType().Name}: {ex.GetType().Name}: {ex.Message}"); }
        }
        return problems;
    }
}

/// <summary>A 5xx answer to a test's request: the server broke where it should have answered.</summary>
public sealed class ServerErrorException(string message) : Exception(message);

/// <summary>Fails every request that gets a 5xx (503 excepted: see <see cref="LocalCluster.Http"/>), naming the request and the body.</summary>
public sealed class ServerErrorGuard(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if ((int)response.StatusCode >= 500 && response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
            throw new ServerErrorException($"{request.Method} {request.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}: " +
                await response.Content.ReadAsStringAsync(cancellationToken));
        return response;
    }
}
