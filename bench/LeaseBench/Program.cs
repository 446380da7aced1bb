using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

// Door leases under a crowd, against the real stack in this process: a silo serving HTTP (LocalCluster, what
// deploy/run.sh runs), a fresh PostgreSQL database on TEST_DATABASE_URL's server, real HTTP, real tokens.
// 1,000 canvassers with ACTIVE sessions on one cut of 20,000 doors:
//   burst:  all of them ask for their first doors at once (a shift starting);
//   steady: each walks its doors: waits, records a visit on some of them, asks again from the last door, for a while.
// Prints lease requests/s, p50/p99 latency, CPU per lease (this process: silo, frontend and the load generator
// together; and PostgreSQL's backends of the bench database), and the doors found leased twice (must be 0).
// Usage: TEST_DATABASE_URL=postgresql://... dotnet run -c Release --project bench/LeaseBench -- \
//          [--canvassers 1000] [--rows 100] [--columns 200] [--count 10] [--seconds 20] [--think-ms 2000] [--visits 3]
var canvassers = Arg("canvassers", 1000);
var rows = Arg("rows", 100);
var columns = Arg("columns", 200);
var count = Arg("count", 10);
var seconds = Arg("seconds", 20);
var thinkMs = Arg("think-ms", 2000);
var visitsPerRound = Arg("visits", 3);
Console.WriteLine($"lease bench: {canvassers} canvassers, {rows * columns} doors, {count} doors a request, {seconds} s steady " +
                  $"(think {thinkMs} ms, {visitsPerRound} visits a round); {Environment.ProcessorCount} cores, shared machine");

await using var db = await TestDatabase.CreateAsync();
await using var cluster = await LocalCluster.StartAsync(db, settings: new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Error" });
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = cluster.FrontendUri(0), Timeout = TimeSpan.FromMinutes(2) };

var (warmCut, _) = await LeaseTestData.InsertGridCutAsync(db, 44, -76, 20, 50, "Warm-up");
var (cut, _) = await LeaseTestData.InsertGridCutAsync(db, 45, -75, rows, columns, "Bench");
var random = new Random(3);
var gate = new SemaphoreSlim(50);

async Task<T> Limited<T>(Func<Task<T>> call)
{
    await gate.WaitAsync();
    try { return await call(); } finally { gate.Release(); }
}

async Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body)
{
    using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
    request.Headers.Authorization = new("Bearer", token);
    return await http.SendAsync(request);
}

async Task<List<Canvasser>> StartAll(Guid cutId, int howMany, double lat, double lng, int gridRows, int gridColumns)
{
    var volunteers = await ShiftFixtures.CreateVolunteersAsync(cluster, howMany);
    return (await Task.WhenAll(volunteers.Select(v => Limited(async () =>
    {
        using var response = await Send(HttpMethod.Post, "/api/canvass/sessions", v.AccessToken, new { cutId });
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"start: {(int)response.StatusCode} {text}");
        double At(double from, int cells) { lock (random) return from + random.NextDouble() * cells * 0.0002; }
        return new Canvasser(v.Id, v.AccessToken, JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid(), At(lat, gridRows), At(lng, gridColumns));
    })))).ToList();
}

async Task<(double Ms, List<(Guid Id, double Lat, double Lng)> Doors)> Lease(Canvasser c)
{
    var started = Stopwatch.GetTimestamp();
    using var response = await Send(HttpMethod.Post, $"/api/canvass/sessions/{c.SessionId}/doors/lease", c.Token,
        new { latitude = c.Lat, longitude = c.Lng, count });
    var text = await response.Content.ReadAsStringAsync();
    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"lease: {(int)response.StatusCode} {text}");
    var doors = JsonDocument.Parse(text).RootElement.GetProperty("doors").EnumerateArray()
        .Select(d => (d.GetProperty("addressId").GetGuid(), d.GetProperty("latitude").GetDouble(), d.GetProperty("longitude").GetDouble())).ToList();
    return (ms, doors);
}

async Task<double> Visit(Canvasser c, Guid door)
{
    var started = Stopwatch.GetTimestamp();
    using var response = await Send(HttpMethod.Post, $"/api/canvass/sessions/{c.SessionId}/visits", c.Token,
        new { clientVisitId = Guid.NewGuid(), addressId = door, outcome = "NOT_HOME" });
    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"visit: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    return ms;
}

// Warm-up on a cut of its own: the JIT, the pools, the statements.
var warm = await StartAll(warmCut, 100, 44, -76, 20, 50);
for (var round = 0; round < 3; round++)
    await Task.WhenAll(warm.Select(async c => { var (_, doors) = await Lease(c); if (doors.Count > 0) await Visit(c, doors[0].Id); }));

var crowd = await StartAll(cut, canvassers, 45, -75, rows, columns);
Console.WriteLine($"{crowd.Count} sessions started");
// In the field sessions start over minutes before the doors are asked for, and the first one has the cut's walk list
// plan its route: a canvasser opening the walk list waits for that, as the burst below would otherwise.
using (var opened = await Send(HttpMethod.Get, $"/api/canvass/cuts/{cut}/walk-list?pageSize=1", crowd[0].Token, null))
    if (opened.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"walk list: {(int)opened.StatusCode}");

// Burst: everyone at once.
var cpu = Cpu.Take(db);
var burstWall = Stopwatch.StartNew();
var burst = await Task.WhenAll(crowd.Select(async c => { var r = await Lease(c); c.Held = r.Doors; return r.Ms; }));
burstWall.Stop();
var burstCpu = cpu.Since(Cpu.Take(db));
Report("burst (all ask at once)", burst, burstWall.Elapsed, burstCpu, burst.Length, burst.Length, crowd.Sum(c => c.Held.Count));

// The same burst again straight to the cut's grain, without HTTP: what the lease itself costs (each renews its ten).
var grains = cluster.SiloService<IGrainFactory>(0);
cpu = Cpu.Take(db);
var grainWall = Stopwatch.StartNew();
var grainBurst = await Task.WhenAll(crowd.Select(async c =>
{
    var started = Stopwatch.GetTimestamp();
    var view = await grains.GetGrain<IDoorLeaseGrain>(cut).Lease(c.SessionId, new Caller(c.UserId, false), c.Lat, c.Lng, count);
    c.Held = view.Doors.Select(d => (d.AddressId, d.Latitude, d.Longitude)).ToList();
    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}));
grainWall.Stop();
var grainCpu = cpu.Since(Cpu.Take(db));
Report("burst again, to the grain without HTTP (renewals)", grainBurst, grainWall.Elapsed, grainCpu, grainBurst.Length, grainBurst.Length, crowd.Sum(c => c.Held.Count));

// Steady: wait, knock, ask again.
var leaseMs = new ConcurrentBag<double>();
var visitMs = new ConcurrentBag<double>();
cpu = Cpu.Take(db);
var steadyWall = Stopwatch.StartNew();
var until = DateTime.UtcNow.AddSeconds(seconds);
await Task.WhenAll(crowd.Select(async (c, i) =>
{
    var own = new Random(i);
    while (DateTime.UtcNow < until)
    {
        foreach (var door in c.Held.Take(visitsPerRound).ToList())
        {
            await Task.Delay(own.Next(thinkMs * 2 + 1));
            visitMs.Add(await Visit(c, door.Id));
            c.Held.Remove(door);
            (c.Lat, c.Lng) = (door.Lat, door.Lng);
        }
        await Task.Delay(own.Next(thinkMs * 2 + 1));
        var (ms, doors) = await Lease(c);
        leaseMs.Add(ms);
        c.Held = doors;
    }
}));
steadyWall.Stop();
var steadyCpu = cpu.Since(Cpu.Take(db));
Report("steady (think, visit, ask again)", leaseMs.ToArray(), steadyWall.Elapsed, steadyCpu, leaseMs.Count, leaseMs.Count + visitMs.Count,
    crowd.Sum(c => c.Held.Count));
var visitsSorted = visitMs.Order().ToArray();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  visits alongside: {visitsSorted.Length} ({visitsSorted.Length / steadyWall.Elapsed.TotalSeconds:F0}/s), p50 {Measure.Percentile(visitsSorted, 50):F1} ms, p99 {Measure.Percentile(visitsSorted, 99):F1} ms"));

// Double leases: a door in PostgreSQL twice (the key forbids it), a door held by two canvassers' answers, and the rows
// against what each canvasser was last answered (less what it visited since).
var twiceInDb = await db.ScalarAsync<long>("SELECT count(*) FROM (SELECT address_id FROM door_leases GROUP BY address_id HAVING count(*) > 1) d");
var heldTwice = crowd.SelectMany(c => c.Held.Select(d => d.Id)).GroupBy(d => d).Count(g => g.Count() > 1);
var rowsBySession = new Dictionary<Guid, HashSet<Guid>>();
await using (var command = db.DataSource.CreateCommand("SELECT session_id, address_id FROM door_leases WHERE cut_id = @cut"))
{
    command.Parameters.AddWithValue("cut", cut);
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        if (!rowsBySession.TryGetValue(reader.GetGuid(0), out var set)) rowsBySession[reader.GetGuid(0)] = set = [];
        set.Add(reader.GetGuid(1));
    }
}
var mismatched = crowd.Count(c => !(rowsBySession.GetValueOrDefault(c.SessionId) ?? []).SetEquals(c.Held.Select(d => d.Id)));
var visitedLeased = await db.ScalarAsync<long>("""
    SELECT count(*) FROM door_leases l WHERE l.cut_id = @cut AND EXISTS (SELECT 1 FROM canvass_visits v WHERE v.address_id = l.address_id)
    """, ("cut", cut));
Console.WriteLine($"double leases in PostgreSQL: {twiceInDb}; doors held by two canvassers: {heldTwice}; canvassers whose rows differ from their answer: {mismatched}; visited doors still leased: {visitedLeased}");
return twiceInDb == 0 && heldTwice == 0 && mismatched == 0 && visitedLeased == 0 ? 0 : 1;

void Report(string phase, double[] latencies, TimeSpan wall, Cpu.Used used, int leases, int requests, int held)
{
    var sorted = latencies.Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{phase}: {leases} lease requests in {wall.TotalSeconds:F1} s = {leases / wall.TotalSeconds:F0}/s; p50 {Measure.Percentile(sorted, 50):F1} ms, p99 {Measure.Percentile(sorted, 99):F1} ms, max {sorted[^1]:F1} ms; doors held after: {held}"));
    var perRequest = requests != leases
        ? string.Create(CultureInfo.InvariantCulture, $"; per request of any kind (leases and visits): {(used.Process.TotalMilliseconds + used.PostgresSeconds * 1000) / requests:F2} ms")
        : "";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  CPU per lease request: {used.Process.TotalMilliseconds / leases:F2} ms this process (silo+frontend+generator), {used.PostgresSeconds * 1000 / leases:F2} ms PostgreSQL") + perRequest);
}

static int Arg(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, $"--{name}");
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

sealed class Canvasser(Guid userId, string token, Guid sessionId, double lat, double lng)
{
    public Guid UserId { get; } = userId;
    public string Token { get; } = token;
    public Guid SessionId { get; } = sessionId;
    public double Lat { get; set; } = lat;
    public double Lng { get; set; } = lng;
    public List<(Guid Id, double Lat, double Lng)> Held { get; set; } = [];
}

/// <summary>CPU of this process and of the PostgreSQL backends serving the bench database (read from /proc when local).</summary>
static class Cpu
{
    public sealed record Used(TimeSpan Process, double PostgresSeconds);

    public sealed record Snapshot(TimeSpan Process, IReadOnlyDictionary<int, TimeSpan> Postgres)
    {
        public Used Since(Snapshot after) => new(after.Process - Process, Measure.Between(Postgres, after.Postgres).TotalSeconds);
    }

    public static Snapshot Take(TestDatabase db) => new(Process.GetCurrentProcess().TotalProcessorTime, Measure.PostgresBackends(db.Name));
}
