using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

// Canvassing load generator: N simulated canvassers over HTTP against real servers, each a separate process started
// from the Release build, on a fresh database of the test PostgreSQL server. Both topologies are measured, in
// interleaved rounds on the same machine: co-hosted (one node process, the silo serving HTTP itself) and separate (a
// silo and a frontend process). Each round prints throughput, latency percentiles and the CPU each process used,
// then checks that every write the API acknowledged is in the database; the end prints the rounds side by side.
//
//   dotnet build ChangemakerLite.sln -c Release
//   TEST_DATABASE_URL=... dotnet bench/CanvassBench/bin/Release/net10.0/ChangemakerLite.CanvassBench.dll \
//       --canvassers 1000 --seconds 30 --batch 100 --point-interval 2 --visit-interval 0.2 [--topology both --rounds 2]
//   --batch 0 --visit-interval 0.2 --canvassers 1000: visits alone at 5,000/s.
//   --live-visits: each round also run with the visits sent on each phone's live connection (the app's way while it is open).
//   --probe-replay: each round also run with every phone sending its first visit again and again (answered from the
//   session's memory), which prices a visit's request without its write.

var options = Options.Parse(args);
if (args.Contains("--plan-only"))
{
    PlanTiming.Run();
    return 0;
}
var repo = Options.FindRepoRoot();
var serverUrl = Environment.GetEnvironmentVariable("BENCH_DATABASE_URL") ?? Environment.GetEnvironmentVariable("TEST_DATABASE_URL")
    ?? throw new InvalidOperationException("Set TEST_DATABASE_URL (or BENCH_DATABASE_URL) to a PostgreSQL server the bench may create a database on.");
var serverConnection = ChangemakerLite.Grains.Interfaces.Platform.DatabaseUrl.ToConnectionString(serverUrl);
var topologies = (args.SkipWhile(a => a != "--topology").Skip(1).FirstOrDefault() ?? "both") switch
{
    "both" => new[] { "co-hosted", "separate" },
    "co-hosted" or "cohosted" => ["co-hosted"],
    "separate" => ["separate"],
    var other => throw new ArgumentException($"--topology {other}: co-hosted, separate or both"),
};
var rounds = int.Parse(args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
// A/B in one run, since a shared machine's speed drifts between runs: --baseline DIR also runs every round on the servers built in
// DIR (a copy of another build's repository layout, e.g. the main branch's), each --variant-env K=V,... also runs it with those settings.
var variants = new List<Variant> { new("", repo, new Dictionary<string, string>()) };
if (args.SkipWhile(a => a != "--baseline").Skip(1).FirstOrDefault() is { } baselineDir)
    variants.Insert(0, new Variant("base", Path.GetFullPath(baselineDir), new Dictionary<string, string>()));
for (var a = 0; a + 1 < args.Length; a++)
    if (args[a] == "--variant-env")
        variants.Add(new Variant($"env{variants.Count(v => v.Name.StartsWith("env", StringComparison.Ordinal)) + 1}", repo,
            args[a + 1].Split(',').ToDictionary(p => p.Split('=')[0], p => p.Split('=', 2)[1])));
// --probe-replay also runs every round with each phone sending its first visit again and again (same clientVisitId): the
// session's grain answers it from memory (200), so that round costs what HTTP, authentication, JSON and the grain call
// cost without the write (the writer, PostgreSQL, live events, the walk list's notices). The difference is the write.
if (args.Contains("--probe-replay")) variants.Add(new Variant("replay", repo, new Dictionary<string, string>(), Replay: true));
// --live-visits also runs every round with each phone sending its visits as messages on its live connection
// (RecordVisit on /hubs/live), as the canvasser app does while that connection is open, instead of one request each.
if (args.Contains("--live-visits")) variants.Add(new Variant("live", repo, new Dictionary<string, string>(), Hub: true));
Console.WriteLine($"bench: {options.Canvassers} canvassers, {options.Seconds} s measured after {options.WarmupSeconds} s warm-up, " +
                  (options.Batch > 0 ? $"{options.Batch} points every {options.PointInterval} s" : "no points") + $", a visit every {options.VisitInterval} s each");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores (shared with other work); load average {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"doors: " + (options.DoorsPerCanvasser > 0
    ? $"each canvasser walks {options.DoorsPerCanvasser} doors of their own in order, and {options.CrossVisits:P0} of visits go to another canvasser's door of the cut"
    : "every visit picks one of its cut's 100 doors at random (the same doors hammered by 50 canvassers)"));
var plan = Enumerable.Range(0, rounds).SelectMany(_ => topologies.SelectMany(t => variants.Select(v => (Topology: t, Variant: v)))).ToList();
Console.WriteLine($"rounds: {string.Join(", ", plan.Select(r => r.Variant.Label(r.Topology)))} (interleaved)");
foreach (var variant in variants.Where(v => v.Name != ""))
    Console.WriteLine($"  {variant.Name}: servers from {variant.Root}" + string.Concat(variant.Env.Select(e => $", {e.Key}={e.Value}")));

var results = new List<RoundResult>();
for (var i = 0; i < plan.Count; i++)
{
    var (topology, variant) = plan[i];
    Console.WriteLine();
    Console.WriteLine($"=== round {i / (topologies.Length * variants.Count) + 1}, {variant.Label(topology)} ===");
    results.Add(await RunRound(topology, variant, walkList: plan.Count == 1));
}

Console.WriteLine();
Console.WriteLine("summary (CPU in µs per acknowledged request: visit, or points batch; servers and PostgreSQL backends, not the generator)");
Console.WriteLine($"{"topology",-15} {"req/s",8} {"visits/s",9} {"p50 ms",7} {"p99 ms",7} {"silo/node",10} {"frontend",9} {"postgres",9} {"machine",8} {"generator",10} {"failed",7}");
foreach (var r in results)
    Console.WriteLine($"{r.Topology,-15} {r.RequestsPerSecond,8:N0} {r.VisitsPerSecond,9:N0} {r.P50,7:F1} {r.P99,7:F1} {r.SiloMicros,10:F0} {r.FrontendMicros,9:F0} {r.PostgresMicros,9:F0} {r.SiloMicros + r.FrontendMicros + r.PostgresMicros,8:F0} {r.GeneratorMicros,10:F0} {r.Failed,7}");
foreach (var group in results.GroupBy(r => r.Topology))
    Console.WriteLine($"{group.Key,-15} mean of {group.Count()}: p50 {group.Average(r => r.P50):F1} ms, p99 {group.Average(r => r.P99):F1} ms, " +
                      $"machine {group.Average(r => r.SiloMicros + r.FrontendMicros + r.PostgresMicros):F0} µs per request " +
                      $"(silo/node {group.Average(r => r.SiloMicros):F0}, frontend {group.Average(r => r.FrontendMicros):F0}, postgres {group.Average(r => r.PostgresMicros):F0})");
Console.WriteLine($"load average at the end {File.ReadAllText("/proc/loadavg").Trim()}");
return 0;

async Task<RoundResult> RunRound(string topology, Variant variant, bool walkList)
{
    var coHosted = topology == "co-hosted";
    Canvasser.Failures.Clear();
    var dbName = $"bench_{Guid.NewGuid():N}";
    await using (var server = new NpgsqlConnection(serverConnection))
    {
        await server.OpenAsync();
        await new NpgsqlCommand($"CREATE DATABASE \"{dbName}\"", server).ExecuteNonQueryAsync();
    }
    var connectionString = new NpgsqlConnectionStringBuilder(serverConnection) { Database = dbName }.ConnectionString;
    var processes = new List<Process>();
    try
    {
        await new SchemaMigrator(connectionString, NullLogger.Instance).MigrateAsync();
        await using var db = Database.CreateDataSource(connectionString);
        var world = await World.CreateAsync(db, options.Canvassers, options.DoorsPerCanvasser);

        var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        var clusterId = $"bench-{Guid.NewGuid():N}";
        var httpPort = Ports.Free();
        var common = new Dictionary<string, string>
        {
            // BENCH_DB_OPTIONS adds Npgsql options to the hosts' connection string, as an operator would (e.g. "Maximum Pool Size=16").
            ["DATABASE_URL"] = Environment.GetEnvironmentVariable("BENCH_DB_OPTIONS") is { Length: > 0 } dbOptions
                ? $"{connectionString};{dbOptions}" : connectionString,
            ["ORLEANS_CLUSTER_ID"] = clusterId,
            ["ORLEANS_SERVICE_ID"] = clusterId,
            ["MIGRATE_ON_START"] = "false",
            ["JWT_SIGNING_KEY"] = signingKey,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Orleans"] = "Error",
            ["SMTP_HOST"] = "127.0.0.1",
            ["SMTP_PORT"] = "9",
        };
        // --blast N: N campaign emails are sent from the middle of the measured window on, as a campaign going viral would,
        // delivered by the silo's outbox to a real SMTP sink (its own process); the visits' latency is reported before and during.
        var blast = (int)(args.SkipWhile(a => a != "--blast").Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).FirstOrDefault());
        if (blast > 0)
        {
            var smtpPort = Ports.Free();
            processes.Add(Start(Path.Combine(repo, "src/SmtpSink/bin/Release/net10.0/ChangemakerLite.SmtpSink.dll"), "smtp", new()
            {
                ["SMTP_SINK_PORT"] = smtpPort.ToString(CultureInfo.InvariantCulture),
                ["SMTP_SINK_HTTP_PORT"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Warning",
            }, new()));
            common["SMTP_PORT"] = smtpPort.ToString(CultureInfo.InvariantCulture);
            // The local sink speaks plain SMTP; TLS is the default for a real relay.
            common["SMTP_SECURE"] = "false";
            common["INFLUENCE_RATE_LIMIT_PER_IP"] = "100000000";
        }
        foreach (var pair in args.SkipWhile(a => a != "--silo-env").Skip(1).Take(1).SelectMany(a => a.Split(',')))
            common[pair.Split('=')[0]] = pair.Split('=', 2)[1];
        foreach (var (k, v) in variant.Env) common[k] = v;
        var web = new Dictionary<string, string>
        {
            ["PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["BIND_ADDRESS"] = "127.0.0.1",
        };
        var siloOwn = new Dictionary<string, string>
        {
            ["ORLEANS_SILO_PORT"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["ORLEANS_GATEWAY_PORT"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["FRONTEND_IN_SILO"] = coHosted ? "true" : "false",
        };
        if (coHosted) foreach (var (k, v) in web) siloOwn[k] = v;
        var silo = Start(Path.Combine(variant.Root, "src/Silo/bin/Release/net10.0/ChangemakerLite.Silo.dll"), coHosted ? "node" : "silo", common, siloOwn);
        processes.Add(silo);
        Process? frontend = null;
        if (!coHosted)
        {
            frontend = Start(Path.Combine(variant.Root, "src/WebFrontend/bin/Release/net10.0/ChangemakerLite.WebFrontend.dll"), "frontend", common, web);
            processes.Add(frontend);
        }

        // For readiness and the walk-list timing; the canvassers' load goes through LeanHttp.
        using var http = new HttpClient()
        { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
        await WaitReady(http);

        // Sessions first (not measured as throughput): every canvasser starts one in their cut.
        using var lean = new LeanHttp(new IPEndPoint(IPAddress.Loopback, httpPort));
        var canvassers = world.Users.Select((u, i) => new Canvasser(i, BenchToken(signingKey, u), world.CutOf(i), world.DoorsOf(i), world.WalkOf(i), options, lean, variant.Replay,
            variant.Hub ? $"http://127.0.0.1:{httpPort}/hubs/live" : null)).ToList();
        var startClock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(canvassers, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) => await c.StartSession());
        Console.WriteLine($"started {canvassers.Count} sessions in {startClock.Elapsed.TotalSeconds:F1} s");

        // Warm-up: a minute of load, not counted. The hosts' tiered JIT is still recompiling hot code (with profile data)
        // for tens of seconds after start, which took a third of their CPU in a 5-second warm-up; a campaign's servers
        // run for days, so the figures are taken once that has settled. The load runs on without a break into the
        // measured window (a request counts when it is sent inside it): stopping every phone and starting them again
        // would measure a restart, not the steady load.
        var measureFrom = Stopwatch.GetTimestamp() + (long)(options.WarmupSeconds * Stopwatch.Frequency);
        Task load;
        Task<EmailBlast.Outcome>? blasting = null;
        long blastFrom;
        double elapsed;
        Cpu.Snapshot cpuBefore, cpuAfter;
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.WarmupSeconds + options.Seconds)))
        {
            load = Task.WhenAll(canvassers.Select(c => c.Run(stop.Token, measureFrom)));
            blastFrom = measureFrom + (long)(options.Seconds / 2.0 * Stopwatch.Frequency);
            if (blast > 0) blasting = EmailBlast.Run(db, http, blast, blastFrom, measureFrom + (long)(options.Seconds * Stopwatch.Frequency));
            await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), measureFrom));
            cpuBefore = Cpu.Sample(silo, frontend, dbName);
            var pausedBefore = GC.GetTotalPauseDuration();
            var clock = Stopwatch.StartNew();
            await load;
            elapsed = clock.Elapsed.TotalSeconds;
            cpuAfter = Cpu.Sample(silo, frontend, dbName);
            // The generator's own pauses delay the answers it reads, so they show in the latencies it reports.
            Console.WriteLine($"load generator paused for GC {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms of the window");
        }

        var pointLatencies = canvassers.SelectMany(c => c.PointLatencies).ToArray();
        var visitLatencies = canvassers.SelectMany(c => c.VisitLatencies).ToArray();
        var pointsAcked = canvassers.Sum(c => c.PointsAckedRecorded);
        var visitsAcked = canvassers.Sum(c => c.VisitsAckedRecorded);
        var errors = canvassers.Sum(c => c.Errors);
        Console.WriteLine($"points: {pointsAcked / elapsed,10:N0}/s durably accepted   ({pointLatencies.Length / elapsed:N0} requests/s)  p50 {Measure.Percentile(pointLatencies, 50),6:F1} ms  p99 {Measure.Percentile(pointLatencies, 99),6:F1} ms  max {pointLatencies.DefaultIfEmpty().Max(),6:F0} ms");
        Console.WriteLine($"visits: {visitsAcked / elapsed,10:N0}/s                                      p50 {Measure.Percentile(visitLatencies, 50),6:F1} ms  p99 {Measure.Percentile(visitLatencies, 99),6:F1} ms  max {visitLatencies.DefaultIfEmpty().Max(),6:F0} ms");
        Console.WriteLine($"failed requests: {errors}" + string.Concat(Canvasser.Failures.OrderByDescending(f => f.Value).Take(5).Select(f => $"\n  {f.Value} × {f.Key}")));
        var requests = pointLatencies.Length + visitLatencies.Length;
        Cpu.Report(cpuBefore, cpuAfter, elapsed, requests, coHosted);
        if (blasting is not null)
        {
            var before = canvassers.SelectMany(c => c.Timeline).Where(t => t.Visit && t.At >= measureFrom && t.At < blastFrom).Select(t => t.Milliseconds).ToArray();
            var during = canvassers.SelectMany(c => c.Timeline).Where(t => t.Visit && t.At >= blastFrom).Select(t => t.Milliseconds).ToArray();
            var half = options.Seconds / 2.0;
            Console.WriteLine($"visits without the blast (first {half:F0} s): {before.Length / half,6:N0}/s  p50 {Measure.Percentile(before, 50),6:F1} ms  p99 {Measure.Percentile(before, 99),6:F1} ms  max {before.DefaultIfEmpty().Max(),6:F0} ms");
            Console.WriteLine($"visits during the blast  (last {half:F0} s):  {during.Length / half,6:N0}/s  p50 {Measure.Percentile(during, 50),6:F1} ms  p99 {Measure.Percentile(during, 99),6:F1} ms  max {during.DefaultIfEmpty().Max(),6:F0} ms");
            var outcome = await blasting;
            Console.WriteLine($"email blast: {outcome.Accepted} sends accepted in {outcome.AcceptSeconds:F1} s ({outcome.Accepted / outcome.AcceptSeconds:F0}/s, " +
                              $"{outcome.Failed} refused); {outcome.DeliveredInWindow} delivered by the window's end; all delivered after {outcome.DeliveredSeconds:F1} s " +
                              $"= {outcome.Accepted / outcome.DeliveredSeconds:F0}/s");
        }
        if (args.Contains("--timeline"))
        {
            // Whether the slow answers are spread out (queueing) or bunched in a few seconds (a pause somewhere).
            foreach (var second in canvassers.SelectMany(c => c.Timeline).GroupBy(t => (int)((t.At - measureFrom) / Stopwatch.Frequency)).OrderBy(g => g.Key))
            {
                var latencies = second.Select(t => t.Milliseconds).ToArray();
                Console.WriteLine($"  second {second.Key,3}: {latencies.Length,6} answers  p50 {Measure.Percentile(latencies, 50),6:F1}  p99 {Measure.Percentile(latencies, 99),6:F1}  max {latencies.Max(),6:F0} ms");
            }
        }

        // Nothing acknowledged may be missing.
        var verify = Stopwatch.StartNew();
        var (missingPoints, missingVisits, totalsMismatch) = await Verify(db, canvassers);
        Console.WriteLine($"verify ({verify.Elapsed.TotalSeconds:F1} s): {canvassers.Sum(c => c.AckedSeqs.Count):N0} acknowledged points, {missingPoints} missing; " +
                          $"{canvassers.Sum(c => c.AckedVisits.Count):N0} acknowledged visits, {missingVisits} missing; {totalsMismatch} trails whose total_points disagree with their rows");
        await using (var conflicts = db.CreateCommand("SELECT (SELECT count(*) FROM canvass_conflicts), (SELECT count(*) FROM canvass_visits)"))
        await using (var counts = await conflicts.ExecuteReaderAsync())
        {
            await counts.ReadAsync();
            Console.WriteLine($"knock conflicts: {counts.GetInt64(0):N0} of {counts.GetInt64(1):N0} visits ({100.0 * counts.GetInt64(0) / Math.Max(1, counts.GetInt64(1)):F1}%)");
        }

        if (walkList && options.WalkBuildings > 0) await WalkListTiming(db, http, signingKey, world, options.WalkBuildings);

        // The visit-path latency is what the target is about; with points on, both kinds of answer are counted.
        var measured = options.Batch > 0 ? pointLatencies.Concat(visitLatencies).ToArray() : visitLatencies;
        double Micros(double cpuSeconds) => requests == 0 ? double.NaN : cpuSeconds / requests * 1e6;
        return new RoundResult(variant.Label(topology), requests / elapsed, visitsAcked / elapsed, Measure.Percentile(measured, 50), Measure.Percentile(measured, 99),
            Micros(cpuAfter.Silo - cpuBefore.Silo), Micros(cpuAfter.Frontend - cpuBefore.Frontend), Micros(Measure.Between(cpuBefore.Postgres, cpuAfter.Postgres).TotalSeconds),
            Micros(cpuAfter.Bench - cpuBefore.Bench), errors + missingPoints + missingVisits);
    }
    finally
    {
        foreach (var process in processes)
        {
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); process.WaitForExit(10_000); } catch (InvalidOperationException) { }
        }
        NpgsqlConnection.ClearAllPools();
        if (args.Contains("--keep"))
        {
            Console.WriteLine($"kept database {dbName}");
        }
        else
        {
            await using var server = new NpgsqlConnection(serverConnection);
            await server.OpenAsync();
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{dbName}\" WITH (FORCE)", server).ExecuteNonQueryAsync();
        }
    }
}

static Process Start(string dll, string name, Dictionary<string, string> common, Dictionary<string, string> own)
{
    if (!File.Exists(dll)) throw new FileNotFoundException($"Build Release first: {dll} is missing.");
    var info = new ProcessStartInfo("dotnet", [dll])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        WorkingDirectory = Path.GetDirectoryName(dll)!,
    };
    foreach (var (k, v) in common.Concat(own)) info.Environment[k] = v;
    var process = Process.Start(info)!;
    var log = new StreamWriter(Path.Combine(Path.GetTempPath(), $"canvassbench-{name}.log")) { AutoFlush = true };
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitReady(HttpClient http)
{
    var deadline = DateTime.UtcNow.AddMinutes(2);
    while (true)
    {
        try
        {
            if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return;
        }
        catch (HttpRequestException) { }
        if (DateTime.UtcNow > deadline) throw new TimeoutException("The frontend never became ready; see /tmp/canvassbench-*.log");
        await Task.Delay(500);
    }
}

// A canvasser's access token, signed with the servers' key: the crowd arrives without a bcrypt sign-in each.
static string BenchToken(string key, Guid userId) =>
    TestTokens.Mint(key, userId, $"c{userId:N}@bench.example", UserRole.User, lifetime: TimeSpan.FromHours(4));

static async Task<(long MissingPoints, long MissingVisits, long TotalsMismatch)> Verify(NpgsqlDataSource db, List<Canvasser> canvassers)
{
    // One round trip per check: the acknowledged (session, seq) pairs and visit ids travel as arrays.
    var sessions = canvassers.SelectMany(c => c.AckedSeqs.Select(_ => c.SessionId)).ToArray();
    var seqs = canvassers.SelectMany(c => c.AckedSeqs).ToArray();
    await using var points = db.CreateCommand("""
        SELECT count(*) FROM unnest(@sessions, @seqs) AS a(session_id, seq)
        WHERE NOT EXISTS (SELECT 1 FROM track_points p JOIN tracking_sessions t ON t.id = p.tracking_session_id
                          WHERE t.canvass_session_id = a.session_id AND p.seq = a.seq)
        """);
    points.Parameters.Add(new NpgsqlParameter("sessions", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = sessions });
    points.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = seqs });
    points.CommandTimeout = 600;
    var missingPoints = (long)(await points.ExecuteScalarAsync())!;

    await using var visits = db.CreateCommand("SELECT count(*) FROM unnest(@ids) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM canvass_visits v WHERE v.id = a.id)");
    visits.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = canvassers.SelectMany(c => c.AckedVisits).ToArray() });
    visits.CommandTimeout = 600;
    var missingVisits = (long)(await visits.ExecuteScalarAsync())!;

    await using var totals = db.CreateCommand("""
        SELECT count(*) FROM tracking_sessions t
        WHERE t.total_points <> (SELECT count(*) FROM track_points p WHERE p.tracking_session_id = t.id AND p.seq IS NOT NULL)
        """);
    totals.CommandTimeout = 600;
    var mismatch = (long)(await totals.ExecuteScalarAsync())!;
    return (missingPoints, missingVisits, mismatch);
}

static async Task WalkListTiming(NpgsqlDataSource db, HttpClient http, string key, World world, int buildings)
{
    var cut = await World.InsertCityCutAsync(db, buildings);
    var admin = world.Users[0];
    var timings = new List<double>();
    var doors = 0;
    for (var i = 0; i < 7; i++)
    {
        var watch = Stopwatch.StartNew();
        var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/canvass/cuts/{cut.CutId}/walk-list?fromLat={cut.FromLat.ToString(CultureInfo.InvariantCulture)}&fromLng={cut.FromLng.ToString(CultureInfo.InvariantCulture)}")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", BenchToken(key, admin)) },
        });
        var body = await response.Content.ReadAsStringAsync();
        watch.Stop();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"walk list: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        doors = json.RootElement.GetProperty("doors").GetInt32();
        timings.Add(watch.Elapsed.TotalMilliseconds);
    }
    var warm = timings.Skip(2).Order().ToList();
    Console.WriteLine($"walk list: {buildings} buildings, {doors} doors; first call {timings[0]:F0} ms (cold JIT), then median {warm[warm.Count / 2]:F0} ms, max {warm.Max():F0} ms over {warm.Count} calls");
}

sealed record RoundResult(string Topology, double RequestsPerSecond, double VisitsPerSecond, double P50, double P99,
    double SiloMicros, double FrontendMicros, double PostgresMicros, double GeneratorMicros, long Failed);

sealed record Variant(string Name, string Root, Dictionary<string, string> Env, bool Replay = false, bool Hub = false)
{
    public string Label(string topology) => Name == "" ? topology : $"{topology}@{Name}";
}

sealed record Options(int Canvassers, int Seconds, int Batch, double PointInterval, double VisitInterval, int WarmupSeconds, int WalkBuildings,
    int DoorsPerCanvasser, double CrossVisits)
{
    public static Options Parse(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != $"--{name}").Skip(1).FirstOrDefault();
        double Num(string name, double fallback) => Arg(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options((int)Num("canvassers", 1000), (int)Num("seconds", 30), (int)Num("batch", 100), Num("point-interval", 2),
            Num("visit-interval", 0.2), (int)Num("warmup", 60), (int)Num("walk-buildings", 2000), (int)Num("doors-per-canvasser", 20),
            Num("cross-visits", 0.01));
    }

    public static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ChangemakerLite.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Run the bench from inside the repository.");
    }
}

/// <summary>
/// Users, cuts (one per 50 canvassers) and their doors, inserted in bulk. With doors per canvasser, each canvasser of a cut has
/// a run of neighbouring doors of their own (a walk list's share), as door leases hand them out; without, a cut has 100 doors
/// that all its canvassers pick from at random.
/// </summary>
sealed class World
{
    public const int CanvassersPerCut = 50;

    public required List<Guid> Users { get; init; }
    public required List<Guid> Cuts { get; init; }
    public required List<Guid[]> Doors { get; init; }
    public required List<(double Lat, double Lng)> Origins { get; init; }

    public (Guid Id, double Lat, double Lng) CutOf(int canvasser) => (Cuts[canvasser % Cuts.Count], Origins[canvasser % Cuts.Count].Lat, Origins[canvasser % Cuts.Count].Lng);
    public Guid[] DoorsOf(int canvasser) => Doors[canvasser % Cuts.Count];

    /// <summary>The canvasser's own doors in walking order (the n-th canvasser of a cut takes the n-th run), or none.</summary>
    public Guid[] WalkOf(int canvasser) => DoorsPerCanvasser == 0 ? []
        : Doors[canvasser % Cuts.Count].Skip(canvasser / Cuts.Count * DoorsPerCanvasser).Take(DoorsPerCanvasser).ToArray();

    public int DoorsPerCanvasser { get; init; }

    public static async Task<World> CreateAsync(NpgsqlDataSource db, int canvassers, int doorsPerCanvasser)
    {
        var users = Enumerable.Range(0, canvassers).Select(_ => Guid.CreateVersion7()).ToList();
        await using (var command = db.CreateCommand("""
            INSERT INTO users (id, email, password_hash, name, role, created_via, email_verified)
            SELECT id, 'c' || replace(id::text, '-', '') || '@bench.example', 'x', 'Bench canvasser', 'USER', 'ADMIN', true FROM unnest(@ids) AS u(id)
            """))
        {
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = users.ToArray() });
            await command.ExecuteNonQueryAsync();
        }
        var cutCount = Math.Max(1, (canvassers + CanvassersPerCut - 1) / CanvassersPerCut);
        // Streets of 40 doors (20 a side), as many as the cut's canvassers need.
        var (rows, columns) = doorsPerCanvasser > 0 ? ((CanvassersPerCut * doorsPerCanvasser + 39) / 40, 40) : (10, 10);
        var cuts = new List<Guid>();
        var doors = new List<Guid[]>();
        var origins = new List<(double, double)>();
        for (var c = 0; c < cutCount; c++)
        {
            var lat = 44.0 + c / 40 * 0.02;
            var lng = -76.0 + c % 40 * 0.02;
            var (cutId, cutDoors) = await InsertCutAsync(db, lat, lng, 0.01, 0.01, rows, columns);
            cuts.Add(cutId);
            doors.Add(cutDoors);
            origins.Add((lat + 0.005, lng + 0.005));
        }
        return new World { Users = users, Cuts = cuts, Doors = doors, Origins = origins, DoorsPerCanvasser = doorsPerCanvasser };
    }

    /// <summary>A square public cut with a grid of rows × columns single-door buildings on numbered streets.</summary>
    public static async Task<(Guid CutId, Guid[] Doors)> InsertCutAsync(NpgsqlDataSource db, double lat, double lng, double sizeLat, double sizeLng,
        int rows, int columns)
    {
        var cutId = Guid.CreateVersion7();
        string P(double x, double y) => string.Create(CultureInfo.InvariantCulture, $"[{x},{y}]");
        var geojson = $"{{\"type\":\"Polygon\",\"coordinates\":[[{P(lng, lat)},{P(lng + sizeLng, lat)},{P(lng + sizeLng, lat + sizeLat)},{P(lng, lat + sizeLat)},{P(lng, lat)}]]}}";
        await using (var command = db.CreateCommand("""
            INSERT INTO cuts (id, name, geojson, is_public, min_lat, min_lng, max_lat, max_lng)
            VALUES (@id, 'Bench cut', @geojson::jsonb, true, @minLat, @minLng, @maxLat, @maxLng)
            """))
        {
            command.Parameters.AddWithValue("id", cutId);
            command.Parameters.AddWithValue("geojson", geojson);
            command.Parameters.AddWithValue("minLat", (decimal)lat);
            command.Parameters.AddWithValue("minLng", (decimal)lng);
            command.Parameters.AddWithValue("maxLat", (decimal)(lat + sizeLat));
            command.Parameters.AddWithValue("maxLng", (decimal)(lng + sizeLng));
            await command.ExecuteNonQueryAsync();
        }
        var locationIds = new List<Guid>();
        var lats = new List<decimal>();
        var lngs = new List<decimal>();
        var texts = new List<string>();
        var addressIds = new List<Guid>();
        var addressLocations = new List<Guid>();
        var units = new List<string?>();
        var random = new Random(cutId.GetHashCode());
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
            {
                var id = Guid.CreateVersion7();
                locationIds.Add(id);
                // Houses face both sides of east-west streets; a little jitter, as geocoded points have.
                var side = c % 2;
                lats.Add((decimal)Math.Round(lat + sizeLat * (r + 0.5) / rows + (side == 0 ? 0.00008 : -0.00008) + random.NextDouble() * 0.00002, 8));
                lngs.Add((decimal)Math.Round(lng + sizeLng * (c / 2 * 2 + 0.5) / columns + random.NextDouble() * 0.00002, 8));
                texts.Add($"{100 + c} Street {r}");
                addressIds.Add(Guid.CreateVersion7());
                addressLocations.Add(id);
                units.Add(null);
            }
        await using (var command = db.CreateCommand("INSERT INTO locations (id, latitude, longitude, address) SELECT * FROM unnest(@ids, @lats, @lngs, @texts)"))
        {
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = locationIds.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("lats", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = lats.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("lngs", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = lngs.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("texts", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = texts.ToArray() });
            await command.ExecuteNonQueryAsync();
        }
        await using (var command = db.CreateCommand("INSERT INTO addresses (id, location_id, unit_number) SELECT * FROM unnest(@ids, @locations, @units)"))
        {
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = addressIds.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("locations", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = addressLocations.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("units", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = units.ToArray() });
            await command.ExecuteNonQueryAsync();
        }
        return (cutId, addressIds.ToArray());
    }

    /// <summary>The walk-list cut: 50 streets 100 m apart, houses 15 m apart on both sides, a quarter of them with 3 units.</summary>
    public static async Task<(Guid CutId, double FromLat, double FromLng)> InsertCityCutAsync(NpgsqlDataSource db, int buildings)
    {
        const int streets = 50;
        var perStreet = Math.Max(2, buildings / streets);
        var (cutId, _) = await InsertCutAsync(db, 45.0, -75.0, 0.0009 * streets, 0.0038 * perStreet / 40.0, streets, perStreet);
        await db.CreateCommand("""
            INSERT INTO addresses (id, location_id, unit_number)
            SELECT gen_random_uuid(), l.id, u::text FROM locations l, generate_series(2, 3) u
            WHERE l.latitude BETWEEN 45.0 AND 45.05 AND l.longitude BETWEEN -75.0 AND -74.99 AND get_byte(uuid_send(l.id), 15) % 4 = 0
            """).ExecuteNonQueryAsync();
        return (cutId, 45.0, -75.0);
    }
}

/// <summary>One simulated phone: a session, a batch of fixes every few seconds, and visits.</summary>
sealed class Canvasser(int index, string token, (Guid Id, double Lat, double Lng) cut, Guid[] doors, Guid[] walk, Options options, LeanHttp http,
    bool replay, string? hubUrl)
{
    private HubConnection? _hub;
    private int _nextDoor;
    private Guid? _replayedVisit;

    private readonly Random _random = new(index);
    private readonly ArrayBufferWriter<byte> _body = new(16 * 1024);
    private long _nextSeq;
    private double _lat = cut.Lat;
    private double _lng = cut.Lng;
    private byte[] _pointsHead = [];
    private byte[] _visitHead = [];

    public Guid SessionId { get; private set; }
    /// <summary>Each recorded answer: when it came (Stopwatch ticks), how long it took, and whether it was a visit's.</summary>
    public List<(long At, double Milliseconds, bool Visit)> Timeline { get; } = [];
    public IEnumerable<double> PointLatencies => Timeline.Where(t => !t.Visit).Select(t => t.Milliseconds);
    public IEnumerable<double> VisitLatencies => Timeline.Where(t => t.Visit).Select(t => t.Milliseconds);
    public List<long> AckedSeqs { get; } = [];
    public List<Guid> AckedVisits { get; } = [];
    public long PointsAckedRecorded { get; private set; }
    public long VisitsAckedRecorded { get; private set; }
    public int Errors { get; private set; }
    public static readonly ConcurrentDictionary<string, int> Failures = new();

    private void Fail(string what)
    {
        Errors++;
        Failures.AddOrUpdate(what, 1, (_, n) => n + 1);
    }

    /// <summary>The JSON body, written straight to bytes as a phone's app would.</summary>
    private ReadOnlyMemory<byte> Json(Action<Utf8JsonWriter> write)
    {
        _body.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_body))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return _body.WrittenMemory;
    }

    public async Task StartSession()
    {
        var response = await http.PostAsync(http.Head("/api/canvass/sessions", token), Json(w =>
        {
            w.WriteString("cutId", cut.Id);
            w.WriteNumber("startLatitude", _lat);
            w.WriteNumber("startLongitude", _lng);
        }));
        if (response.Status != 201) throw new InvalidOperationException($"start: {response.Status} {response.Body}");
        SessionId = response.CreatedId;
        _pointsHead = http.Head($"/api/canvass/sessions/{SessionId}/points", token);
        _visitHead = http.Head($"/api/canvass/sessions/{SessionId}/visits", token);
        if (hubUrl is not null)
        {
            _hub = new HubConnectionBuilder()
                .WithUrl(hubUrl, o =>
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                    o.SkipNegotiation = true;
                    o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                })
                .Build();
            await _hub.StartAsync();
        }
    }

    /// <summary>Posts points and visits on this phone's schedule until stopped; answers to requests sent from measureFrom on are recorded.</summary>
    public async Task Run(CancellationToken stop, long measureFrom)
    {
        // Stagger phones so requests are spread over each interval rather than arriving in waves.
        var pointStep = (long)(options.PointInterval * Stopwatch.Frequency);
        var visitStep = (long)(options.VisitInterval * Stopwatch.Frequency);
        // --batch 0: no points at all, to measure the visit path alone.
        var nextPoints = options.Batch > 0 ? Stopwatch.GetTimestamp() + (long)(_random.NextDouble() * pointStep) : long.MaxValue;
        var nextVisit = Stopwatch.GetTimestamp() + (long)(_random.NextDouble() * visitStep);
        while (!stop.IsCancellationRequested)
        {
            var due = Math.Min(nextPoints, nextVisit);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                try { await Task.Delay(wait, stop); } catch (OperationCanceledException) { break; }
            }
            // A phone that fell behind (a slow answer) posts when it can and keeps its interval from then on; it does
            // not send a burst of extra requests to make up the missed slots, which would offer more than N phones do:
            // at most one slot of backlog is kept.
            var now = Stopwatch.GetTimestamp();
            if (nextPoints <= nextVisit)
            {
                nextPoints = Math.Max(nextPoints, now - pointStep) + pointStep;
                await PostPoints(record: Stopwatch.GetTimestamp() >= measureFrom);
            }
            else
            {
                nextVisit = Math.Max(nextVisit, now - visitStep) + visitStep;
                await PostVisit(record: Stopwatch.GetTimestamp() >= measureFrom);
            }
        }
    }

    private async Task PostPoints(bool record)
    {
        var now = DateTimeOffset.UtcNow;
        var seqs = new long[options.Batch];
        var body = Json(w =>
        {
            w.WriteStartArray("points");
            for (var k = 0; k < options.Batch; k++)
            {
                // A slow walk (≈ 1 m per fix) so every fix is plausible and counts towards distance; seven decimals
                // (about a centimetre), as a phone's location API reports them, not a random double's seventeen digits.
                _lat = Math.Round(_lat + (_random.NextDouble() - 0.4) * 0.00001, 7);
                _lng = Math.Round(_lng + (_random.NextDouble() - 0.4) * 0.00001, 7);
                seqs[k] = _nextSeq++;
                w.WriteStartObject();
                w.WriteNumber("seq", seqs[k]);
                w.WriteNumber("latitude", _lat);
                w.WriteNumber("longitude", _lng);
                w.WriteNumber("accuracy", 5.0);
                w.WriteString("recordedAt", now.AddMilliseconds(-(options.Batch - 1 - k) * options.PointInterval * 1000 / options.Batch));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
        var watch = Stopwatch.StartNew();
        try
        {
            var response = await http.PostAsync(_pointsHead, body);
            watch.Stop();
            if (response.Status != 200) { Fail($"points {response.Status}"); return; }
            AckedSeqs.AddRange(seqs);
            if (!record) return;
            Timeline.Add((Stopwatch.GetTimestamp(), watch.Elapsed.TotalMilliseconds, false));
            PointsAckedRecorded += seqs.Length;
        }
        catch (IOException ex) { Fail(ex.GetType().Name); }
        catch (SocketException ex) { Fail(ex.GetType().Name); }
        catch (ObjectDisposedException ex) { Fail(ex.GetType().Name); }
    }

    /// <summary>
    /// The next door of this canvasser's walk, back to the first after the last (a second pass at doors not home);
    /// now and then a door of the cut another canvasser walks, which is a knock conflict. Without a walk, any door of the cut.
    /// </summary>
    private Guid NextDoor()
    {
        if (walk.Length == 0 || _random.NextDouble() < options.CrossVisits) return doors[_random.Next(doors.Length)];
        var door = walk[_nextDoor];
        _nextDoor = (_nextDoor + 1) % walk.Length;
        return door;
    }

    private async Task PostVisit(bool record)
    {
        var outcome = _random.Next(7) switch
        {
            0 => "NOT_HOME", 1 => "REFUSED", 2 => "MOVED", 3 => "ALREADY_VOTED", 4 => "SPOKE_WITH", 5 => "LEFT_LITERATURE", _ => "COME_BACK_LATER",
        };
        var clientVisitId = replay && _replayedVisit is { } first ? first : Guid.NewGuid();
        var body = Json(w =>
        {
            w.WriteString("clientVisitId", clientVisitId);
            w.WriteString("addressId", NextDoor());
            w.WriteString("outcome", outcome);
            if (outcome == "SPOKE_WITH") w.WriteString("supportLevel", $"LEVEL_{_random.Next(1, 5)}");
            w.WriteNumber("durationSeconds", _random.Next(10, 300));
        });
        var watch = Stopwatch.StartNew();
        if (_hub is not null)
        {
            try
            {
                var visit = await _hub.InvokeAsync<JsonElement>("RecordVisit", SessionId, JsonDocument.Parse(body).RootElement);
                watch.Stop();
                AckedVisits.Add(visit.GetProperty("id").GetGuid());
                if (!record) return;
                Timeline.Add((Stopwatch.GetTimestamp(), watch.Elapsed.TotalMilliseconds, true));
                VisitsAckedRecorded++;
            }
            catch (Exception ex) { Fail(ex.GetType().Name + " " + ex.Message[..Math.Min(100, ex.Message.Length)]); }
            return;
        }
        try
        {
            var response = await http.PostAsync(_visitHead, body);
            watch.Stop();
            var replayed = replay && _replayedVisit is not null && response.Status == 200;
            if (response.Status != 201 && !replayed) { Fail($"visit {response.Status} {response.Body[..Math.Min(120, response.Body.Length)]}"); return; }
            if (!replayed)
            {
                // The visit's id ends its Location (…/visits/{id}); the verification afterwards looks every one up.
                AckedVisits.Add(response.CreatedId);
                if (replay) _replayedVisit = clientVisitId;
            }
            if (!record) return;
            Timeline.Add((Stopwatch.GetTimestamp(), watch.Elapsed.TotalMilliseconds, true));
            VisitsAckedRecorded++;
        }
        catch (IOException ex) { Fail(ex.GetType().Name); }
        catch (SocketException ex) { Fail(ex.GetType().Name); }
        catch (ObjectDisposedException ex) { Fail(ex.GetType().Name); }
    }
}

/// <summary>CPU seconds per process from /proc (Linux), to show where the two cores went.</summary>
static class Cpu
{
    public sealed record Snapshot(double Silo, double Frontend, double Bench, IReadOnlyDictionary<int, TimeSpan> Postgres, double MachineBusy, double MachineTotal);

    public static Snapshot Sample(Process silo, Process? frontend, string database)
    {
        var (busy, total) = Machine();
        return new Snapshot(Process(silo.Id), frontend is null ? 0 : Process(frontend.Id), Process(Environment.ProcessId), Measure.PostgresBackends(database), busy, total);
    }

    public static void Report(Snapshot before, Snapshot after, double seconds, long requests, bool coHosted)
    {
        string Cores(double cpuSeconds) => $"{cpuSeconds / seconds:F2} cores ({(requests == 0 ? 0 : cpuSeconds / requests * 1e6):F0} µs/request)";
        var servers = coHosted
            ? $"node {Cores(after.Silo - before.Silo)}"
            : $"silo {Cores(after.Silo - before.Silo)}, frontend {Cores(after.Frontend - before.Frontend)}";
        Console.WriteLine($"cpu over {seconds:F1} s: {servers}, postgres backends of the bench database {Cores(Measure.Between(before.Postgres, after.Postgres).TotalSeconds)}, " +
                          $"load generator {Cores(after.Bench - before.Bench)}; " +
                          $"machine busy {100 * (after.MachineBusy - before.MachineBusy) / Math.Max(1, after.MachineTotal - before.MachineTotal):F0}% (everything on it)");
    }

    private static double Process(int pid) => Measure.ProcessCpu(pid).TotalSeconds;

    private static (double Busy, double Total) Machine()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(double.Parse).ToArray();
        var idle = cpu[3] + cpu[4];
        var total = cpu.Take(8).Sum();
        return (total - idle, total);
    }
}

/// <summary>The walking-route planner alone, in this process: where the walk-list time goes besides SQL and JSON.</summary>
static class PlanTiming
{
    public static void Run()
    {
        var random = new Random(1);
        // A realistic cut: 50 streets 100 m apart, 40 houses each (20 a side, 15 m apart), a quarter with 3 units.
        var city = new List<ChangemakerLite.Grains.Canvassing.WalkDoor>();
        for (var street = 0; street < 50; street++)
            for (var house = 0; house < 40; house++)
            {
                var id = Guid.NewGuid();
                var lat = 45 + street * 0.0009 + (house % 2 == 0 ? 0.00008 : -0.00008);
                var lng = -75 + house / 2 * 0.00019;
                var units = house % 4 == 0 ? 3 : 1;
                for (var u = 0; u < units; u++)
                    city.Add(new(id, $"{100 + house} Street {street}", units == 1 ? null : $"{u + 1}", lat + random.NextDouble() * 0.00002, lng));
            }
        // The worst case: 2,000 buildings with no parseable street address, scattered over the same area.
        var scattered = Enumerable.Range(0, 2000)
            .Select(_ => new ChangemakerLite.Grains.Canvassing.WalkDoor(Guid.NewGuid(), null, null, 45 + random.NextDouble() * 0.045, -75 + random.NextDouble() * 0.0038))
            .ToList();
        foreach (var (name, doors) in new[] { ("city, 2000 buildings on 50 streets", city), ("scattered, 2000 buildings without street numbers", scattered) })
        {
            var times = new List<double>();
            ChangemakerLite.Grains.Canvassing.WalkRoute.Result? plan = null;
            for (var i = 0; i < 7; i++)
            {
                var watch = Stopwatch.StartNew();
                plan = ChangemakerLite.Grains.Canvassing.WalkRoute.Plan(doors, 45, -75);
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
            var warm = times.Skip(2).Order().ToList();
            Console.WriteLine($"plan {name}: {doors.Count} doors, route {plan!.RouteMeters / 1000:F1} km; median {warm[warm.Count / 2]:F0} ms, max {warm.Max():F0} ms");
        }
    }
}

/// <summary>A campaign going viral during the canvassing load: its sends accepted over HTTP, delivered by the outbox.</summary>
static class EmailBlast
{
    public sealed record Outcome(int Accepted, int Failed, double AcceptSeconds, long DeliveredInWindow, double DeliveredSeconds);

    public static async Task<Outcome> Run(NpgsqlDataSource db, HttpClient http, int sends, long from, long windowEnd)
    {
        // An ACTIVE campaign sending to one custom recipient, so no representative lookup is involved.
        var campaign = Guid.NewGuid();
        var slug = $"viral-{campaign:N}";
        await using (var command = db.CreateCommand("""
            INSERT INTO campaigns (id, slug, title, email_subject, email_body, status, allow_smtp_email, allow_custom_recipients, collect_user_info)
            VALUES (@id, @slug, 'Viral', 'Act now', 'Please act.', 'ACTIVE', true, true, true);
            INSERT INTO custom_recipients (id, campaign_id, campaign_slug, recipient_name, recipient_email, is_active)
            VALUES (gen_random_uuid(), @id, @slug, 'Council', 'council@bench.example', true);
            """))
        {
            command.Parameters.AddWithValue("id", campaign);
            command.Parameters.AddWithValue("slug", slug);
            await command.ExecuteNonQueryAsync();
        }
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), from));
        var started = Stopwatch.StartNew();
        var next = -1;
        var failed = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < sends)
            {
                using var response = await http.PostAsync($"/api/public/campaigns/{slug}/emails", new StringContent(
                    $$"""{"idempotencyKey":"blast-{{i}}","method":"SMTP","senderName":"Supporter {{i}}","recipients":[{"email":"council@bench.example"}]}""",
                    Encoding.UTF8, "application/json"));
                if (response.StatusCode != HttpStatusCode.Accepted) Interlocked.Increment(ref failed);
            }
        }));
        var acceptSeconds = started.Elapsed.TotalSeconds;
        long delivered = 0;
        long? inWindow = null;
        while (delivered < sends - failed)
        {
            await Task.Delay(200);
            await using var count = db.CreateCommand("SELECT count(*) FROM campaign_emails WHERE campaign_id = @id AND status = 'SENT'");
            count.Parameters.AddWithValue("id", campaign);
            delivered = (long)(await count.ExecuteScalarAsync())!;
            if (Stopwatch.GetTimestamp() >= windowEnd) inWindow ??= delivered;
            if (started.Elapsed > TimeSpan.FromMinutes(10)) break;
        }
        return new Outcome(sends - failed, failed, acceptSeconds, inWindow ?? delivered, started.Elapsed.TotalSeconds);
    }
}
