using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// Safety-alert detection under load: N canvassers with ACTIVE sessions post a GPS fix every few seconds over HTTP to a
// real node (silo and frontend in one process, started from the Release build) on a fresh database of the test
// PostgreSQL server. Known subsets, at known times, stop (stationary), step far outside their cut, or are on a shift
// that ends. At the end it prints, per kind, the delay from the condition to its alert row (p50, p99, max; target
// ≤ 10 s), how many were raised against how many were expected (and any raised where none was), and the CPU per point.
//
//   dotnet build bench/AlertBench -c Release && dotnet build src/Silo -c Release
//   TEST_DATABASE_URL=... dotnet bench/AlertBench/bin/Release/net10.0/ChangemakerLite.AlertBench.dll \
//       [--sessions 5000] [--subset 100] [--point-interval 10] [--stopped-minutes 1]
//
// SAFETY_STOPPED_MINUTES is set to --stopped-minutes (default 1, production 15) so a run takes minutes, not half an
// hour; the detection path is the same. Moving canvassers step 30 m a fix, beyond the 25 m stationary radius.

var sessions = IntArg("--sessions", 5000);
var subset = IntArg("--subset", 100);
var pointInterval = DoubleArg("--point-interval", 10);
var stoppedMinutes = DoubleArg("--stopped-minutes", 1);
var repo = FindRepoRoot();
var serverUrl = Environment.GetEnvironmentVariable("BENCH_DATABASE_URL") ?? Environment.GetEnvironmentVariable("TEST_DATABASE_URL")
    ?? throw new InvalidOperationException("Set TEST_DATABASE_URL (or BENCH_DATABASE_URL) to a PostgreSQL server the bench may create a database on.");
var serverConnection = ChangemakerLite.Grains.Interfaces.Platform.DatabaseUrl.ToConnectionString(serverUrl);
Console.WriteLine($"alert bench: {sessions} active sessions, a fix every {pointInterval} s each; {subset} each become stationary, go outside the cut, " +
                  $"pass their shift's end; stationary after {stoppedMinutes} min");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores (shared with other work); load average {File.ReadAllText("/proc/loadavg").Trim()}");

var dbName = $"alertbench_{Guid.NewGuid():N}";
await using (var server = new NpgsqlConnection(serverConnection))
{
    await server.OpenAsync();
    await new NpgsqlCommand($"CREATE DATABASE \"{dbName}\"", server).ExecuteNonQueryAsync();
}
var connectionString = new NpgsqlConnectionStringBuilder(serverConnection) { Database = dbName }.ConnectionString;
Process? node = null;
try
{
    await new SchemaMigrator(connectionString, NullLogger.Instance).MigrateAsync();
    await using var db = Database.CreateDataSource(connectionString);

    // The world: one cut per 100 canvassers (0.01° squares side by side), a shift that runs all day tomorrow and one
    // that ends at the first whole minute at least 90 s after the load starts (shift times are minutes, UTC here).
    const double cutSize = 0.01;
    var cuts = new List<(Guid Id, double MinLat, double MinLng)>();
    for (var c = 0; c < (sessions + 99) / 100; c++)
    {
        var id = Guid.CreateVersion7();
        double minLat = 40 + (c / 50) * 0.02, minLng = -100 + (c % 50) * 0.02;
        string P(double lng, double lat) => string.Create(CultureInfo.InvariantCulture, $"[{lng},{lat}]");
        var geojson = $"{{\"type\":\"Polygon\",\"coordinates\":[[{P(minLng, minLat)},{P(minLng + cutSize, minLat)},{P(minLng + cutSize, minLat + cutSize)},{P(minLng, minLat + cutSize)},{P(minLng, minLat)}]]}}";
        await Exec(db, "INSERT INTO cuts (id, name, geojson, is_public, min_lat, min_lng, max_lat, max_lng) VALUES (@id, @name, @g::jsonb, true, @a, @b, @c, @d)",
            ("id", id), ("name", $"Cut {c}"), ("g", geojson), ("a", (decimal)minLat), ("b", (decimal)minLng), ("c", (decimal)(minLat + cutSize)), ("d", (decimal)(minLng + cutSize)));
        cuts.Add((id, minLat, minLng));
    }
    var allDayShift = Guid.CreateVersion7();
    var endingShift = Guid.CreateVersion7();
    foreach (var (id, title) in new[] { (allDayShift, "All day"), (endingShift, "Ending") })
        await Exec(db, "INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers, is_public) VALUES (@id, @t, @d, '00:00', '23:59', 10, true)",
            ("id", id), ("t", title), ("d", DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1)));
    var users = new Guid[sessions];
    for (var i = 0; i < sessions; i++) users[i] = Guid.CreateVersion7();
    await Exec(db, """
        INSERT INTO users (id, email, password_hash, name, role, created_via, email_verified)
        SELECT id, 'c' || replace(id::text, '-', '') || '@bench.example', 'x', 'Canvasser', 'USER', 'ADMIN', true FROM unnest(@ids) AS u(id)
        """, ("ids", users));

    var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
    var clusterId = $"alertbench-{Guid.NewGuid():N}";
    var httpPort = Ports.Free();
    node = Start(Path.Combine(repo, "src/Silo/bin/Release/net10.0/ChangemakerLite.Silo.dll"), new()
    {
        ["DATABASE_URL"] = connectionString,
        ["ORLEANS_CLUSTER_ID"] = clusterId,
        ["ORLEANS_SERVICE_ID"] = clusterId,
        ["MIGRATE_ON_START"] = "false",
        ["JWT_SIGNING_KEY"] = signingKey,
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Orleans"] = "Error",
        ["SMTP_HOST"] = "127.0.0.1",
        ["SMTP_PORT"] = "9",
        ["ORLEANS_SILO_PORT"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
        ["ORLEANS_GATEWAY_PORT"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
        ["FRONTEND_IN_SILO"] = "true",
        ["PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
        ["BIND_ADDRESS"] = "127.0.0.1",
        ["SAFETY_STOPPED_MINUTES"] = stoppedMinutes.ToString(CultureInfo.InvariantCulture),
    });
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
    { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
    var deadline = DateTime.UtcNow.AddMinutes(2);
    while (true)
    {
        try { if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) break; }
        catch (HttpRequestException) { }
        if (DateTime.UtcNow > deadline) throw new TimeoutException("The node never became ready; see /tmp/alertbench-node.log");
        await Task.Delay(500);
    }

    // Roles: [0, subset) stationary, [subset, 2·subset) outside, [2·subset, 3·subset) on the ending shift, the rest just walk.
    Kind RoleOf(int i) => i < subset ? Kind.Stationary : i < 2 * subset ? Kind.Outside : i < 3 * subset ? Kind.ShiftEnd : Kind.None;
    var canvassers = Enumerable.Range(0, sessions).Select(i =>
    {
        var cut = cuts[i / 100];
        return new Canvasser(i, RoleOf(i), TestTokens.Mint(signingKey, users[i], $"c{users[i]:N}@bench.example", UserRole.User, lifetime: TimeSpan.FromHours(4)), cut.Id, cut.MinLat + 0.0005 + 0.00009 * (i % 100), cut.MinLng + 0.001);
    }).ToList();
    var opened = Stopwatch.StartNew();
    await Parallel.ForEachAsync(canvassers, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (c, _) =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/canvass/sessions")
        {
            Content = JsonContent.Create(new { cutId = c.CutId, shiftId = c.Role == Kind.ShiftEnd ? endingShift : allDayShift, startLatitude = c.Lat, startLongitude = c.Lng }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", c.Token);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"start: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        c.SessionId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    });
    Console.WriteLine($"opened {sessions} sessions in {opened.Elapsed.TotalSeconds:F1} s");

    // The ending shift ends at the first whole minute at least 90 s from now (shift times are minutes; UTC here).
    var soon = DateTimeOffset.UtcNow.AddSeconds(90);
    var shiftEnd = new DateTimeOffset(soon.Year, soon.Month, soon.Day, soon.Hour, soon.Minute, 0, TimeSpan.Zero).AddMinutes(1);
    if (shiftEnd.Hour == 0 && shiftEnd.Minute == 0) throw new InvalidOperationException("The ending shift would end at midnight; run again in a few minutes.");
    await Exec(db, "UPDATE shifts SET date = @d, end_time = @e WHERE id = @id",
        ("id", endingShift), ("d", DateOnly.FromDateTime(shiftEnd.UtcDateTime)), ("e", shiftEnd.ToString("HH:mm", CultureInfo.InvariantCulture)));

    // The timeline: everyone walks from t0; stationary ones stop at t0 + 30 s, outside ones step out at t0 + 45 s; the
    // ending shift ends at its minute. The run lasts until the last condition plus the stopped time and 30 s of grace.
    var t0 = DateTimeOffset.UtcNow.AddSeconds(5);
    var stopAt = t0.AddSeconds(30);
    var outAt = t0.AddSeconds(45);
    var runUntil = new[] { stopAt.AddMinutes(stoppedMinutes), outAt, shiftEnd }.Max().AddSeconds(30);
    Console.WriteLine($"load from {t0:HH:mm:ss}; stationary from {stopAt:HH:mm:ss} (alert due {stopAt.AddMinutes(stoppedMinutes):HH:mm:ss}), " +
                      $"outside at {outAt:HH:mm:ss}, shift ends {shiftEnd:HH:mm:ss}; until {runUntil:HH:mm:ss}");
    await Task.Delay(t0 - DateTimeOffset.UtcNow);
    var cpuBefore = Cpu.Sample(node, dbName);
    var clock = Stopwatch.StartNew();
    using (var stop = new CancellationTokenSource(runUntil - DateTimeOffset.UtcNow))
        await Task.WhenAll(canvassers.Select(c => c.Run(http, t0, pointInterval, stopAt, outAt, stop.Token)));
    var seconds = clock.Elapsed.TotalSeconds;
    var cpuAfter = Cpu.Sample(node, dbName);
    var points = canvassers.Sum(c => c.Acked);
    var failed = canvassers.Sum(c => c.Failed);
    var latencies = canvassers.SelectMany(c => c.Latencies).ToArray();
    Console.WriteLine($"points: {points / seconds:N0}/s acknowledged over {seconds:F0} s, p50 {Measure.Percentile(latencies, 50):F1} ms, p99 {Measure.Percentile(latencies, 99):F1} ms; {failed} failed requests");
    var nodeCpu = cpuAfter.Node - cpuBefore.Node;
    var pgCpu = Measure.Between(cpuBefore.Postgres, cpuAfter.Postgres).TotalSeconds;
    Console.WriteLine($"cpu: node {nodeCpu / seconds:F2} cores ({nodeCpu / Math.Max(1, points) * 1e6:F0} µs/point), postgres backends {pgCpu / seconds:F2} cores " +
                      $"({pgCpu / Math.Max(1, points) * 1e6:F0} µs/point), together {(nodeCpu + pgCpu) / Math.Max(1, points) * 1e6:F0} µs/point; " +
                      $"machine busy {100 * (cpuAfter.MachineBusy - cpuBefore.MachineBusy) / Math.Max(1, cpuAfter.MachineTotal - cpuBefore.MachineTotal):F0}% (everything on it)");

    // Delays: raised_at against when the condition began to hold, as the bench made it happen.
    await Task.Delay(TimeSpan.FromSeconds(2));
    var alerts = new List<(Guid Session, string Kind, DateTimeOffset RaisedAt)>();
    await using (var read = db.CreateCommand("SELECT session_id, kind::text, raised_at FROM safety_alerts"))
    await using (var reader = await read.ExecuteReaderAsync())
        while (await reader.ReadAsync()) alerts.Add((reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
    var bySession = canvassers.ToDictionary(c => c.SessionId);
    Console.WriteLine($"{"kind",-15} {"expected",9} {"raised",7} {"on others",10} {"p50 s",7} {"p99 s",7} {"max s",7}");
    foreach (var (kind, wire) in new[] { (Kind.Stationary, "STATIONARY"), (Kind.Outside, "OUTSIDE_CUT"), (Kind.ShiftEnd, "PAST_SHIFT_END") })
    {
        var expected = canvassers.Where(c => c.Role == kind).ToList();
        var raised = alerts.Where(a => a.Kind == wire && bySession[a.Session].Role == kind).ToList();
        var others = alerts.Count(a => a.Kind == wire && bySession[a.Session].Role != kind);
        var delays = raised.Select(a =>
        {
            var c = bySession[a.Session];
            var condition = kind switch
            {
                Kind.Stationary => c.StoppedAt!.Value.AddMinutes(stoppedMinutes),
                Kind.Outside => c.OutsideAt!.Value,
                _ => shiftEnd,
            };
            return (a.RaisedAt - condition).TotalSeconds;
        }).ToArray();
        Console.WriteLine($"{wire,-15} {expected.Count,9} {raised.Count,7} {others,10} {Measure.Percentile(delays, 50),7:F2} {Measure.Percentile(delays, 99),7:F2} {delays.DefaultIfEmpty(double.NaN).Max(),7:F2}");
    }
    Console.WriteLine($"duplicates: {alerts.GroupBy(a => (a.Session, a.Kind)).Count(g => g.Count() > 1)} (the unique key allows none)");
    Console.WriteLine($"load average at the end {File.ReadAllText("/proc/loadavg").Trim()}");
    return 0;
}
finally
{
    try { if (node is { HasExited: false }) node.Kill(entireProcessTree: true); node?.WaitForExit(10_000); } catch (InvalidOperationException) { }
    NpgsqlConnection.ClearAllPools();
    await using var server = new NpgsqlConnection(serverConnection);
    await server.OpenAsync();
    await new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{dbName}\" WITH (FORCE)", server).ExecuteNonQueryAsync();
}

int IntArg(string name, int fallback) => int.Parse(args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
double DoubleArg(string name, double fallback) => double.Parse(args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

static async Task Exec(NpgsqlDataSource db, string sql, params (string Name, object Value)[] parameters)
{
    await using var command = db.CreateCommand(sql);
    foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
    await command.ExecuteNonQueryAsync();
}

static string FindRepoRoot()
{
    var dir = AppContext.BaseDirectory;
    while (dir is not null && !File.Exists(Path.Combine(dir, "ChangemakerLite.sln"))) dir = Path.GetDirectoryName(dir);
    return dir ?? throw new InvalidOperationException("Run from inside the repository.");
}

static Process Start(string dll, Dictionary<string, string> environment)
{
    if (!File.Exists(dll)) throw new FileNotFoundException($"Build Release first: {dll} is missing.");
    var info = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
    foreach (var (k, v) in environment) info.Environment[k] = v;
    var process = Process.Start(info)!;
    var log = new StreamWriter(Path.Combine(Path.GetTempPath(), "alertbench-node.log")) { AutoFlush = true };
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

enum Kind { None, Stationary, Outside, ShiftEnd }

/// <summary>
/// One phone: a fix every interval, walking east and west across its cut 30 m a fix (so every fix is beyond the
/// stationary radius of the one before); a stationary one stops at its stop time and reports that spot from then on
/// (within a metre or two); an outside one steps 600 m or more north of its cut at its time and walks on there.
/// </summary>
sealed class Canvasser(int index, Kind role, string token, Guid cutId, double lat, double lng)
{
    private const double StepDegreesLng = 30 / 85_000.0; // ~30 m at latitude 40

    public Kind Role => role;
    public string Token => token;
    public Guid CutId => cutId;
    public double Lat => lat;
    public double Lng => lng;
    public Guid SessionId { get; set; }
    public DateTimeOffset? StoppedAt { get; private set; }
    public DateTimeOffset? OutsideAt { get; private set; }
    public long Acked;
    public long Failed;
    public readonly List<double> Latencies = [];

    public async Task Run(HttpClient http, DateTimeOffset t0, double interval, DateTimeOffset stopAt, DateTimeOffset outAt, CancellationToken stop)
    {
        // Phones are spread over the interval.
        var next = t0.AddSeconds(interval * (index % 1000) / 1000.0);
        long seq = 0;
        double? stillLat = null, stillLng = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var wait = next - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, stop);
                var now = DateTimeOffset.UtcNow;
                // Walk: a triangle wave of 20 steps (600 m) across the cut.
                var step = (int)(seq % 40);
                var east = step < 20 ? step : 40 - step;
                double pLat = lat, pLng = lng + east * StepDegreesLng;
                if (role == Kind.Stationary && now >= stopAt)
                {
                    if (stillLat is null) { stillLat = pLat; stillLng = pLng; StoppedAt = now; }
                    pLat = stillLat.Value + (seq % 2) * 0.00001;
                    pLng = stillLng!.Value;
                }
                else if (role == Kind.Outside && now >= outAt)
                {
                    OutsideAt ??= now;
                    pLat = lat + 0.015; // 600 m or more north of the cut's north edge
                }
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/canvass/sessions/{SessionId}/points")
                {
                    Content = JsonContent.Create(new { points = new[] { new { seq, latitude = pLat, longitude = pLng, accuracy = 8.0, recordedAt = now } } }),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, stop);
                    if (response.IsSuccessStatusCode) { Acked++; lock (Latencies) Latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds); }
                    else Failed++;
                }
                catch (HttpRequestException) { Failed++; }
                seq++;
                next = next.AddSeconds(interval);
            }
        }
        catch (OperationCanceledException) { }
    }
}

static class Cpu
{
    public sealed record Snapshot(double Node, IReadOnlyDictionary<int, TimeSpan> Postgres, double MachineBusy, double MachineTotal);

    /// <summary>The node's CPU seconds, this bench database's backends (the server is shared) and the whole machine's jiffies.</summary>
    public static Snapshot Sample(Process node, string database)
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(double.Parse).ToArray();
        return new Snapshot(Measure.ProcessCpu(node.Id).TotalSeconds, Measure.PostgresBackends(database), cpu.Take(8).Sum() - cpu[3] - cpu[4], cpu.Take(8).Sum());
    }
}
