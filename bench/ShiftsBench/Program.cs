using System.Diagnostics;
using System.Net;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

// Load generator for shift signups against the real stack in this process: a silo and a frontend (LocalCluster,
// what deploy/cluster.sh runs), a fresh PostgreSQL database on TEST_DATABASE_URL's server, real HTTP, real tokens.
// Usage: TEST_DATABASE_URL=postgresql://... dotnet run -c Release --project bench/ShiftsBench -- [shifts] [places] [attempts] [concurrency]

var shifts = Arg(0, 100);
var places = Arg(1, 50);
var attempts = Arg(2, 10_000);
var concurrency = Arg(3, 200);
// "queue": the SMTP relay is down during the run, so confirmations wait in the outbox instead of being delivered
// by this same process (the in-process sink and MailKit otherwise compete with the signups for the 2 cores).
var mailLive = Environment.GetCommandLineArgs().Skip(1).ElementAtOrDefault(4) != "queue";

Console.WriteLine($"shifts={shifts} places={places} attempts={attempts} concurrency={concurrency} cores={Environment.ProcessorCount} mail={(mailLive ? "delivered" : "queued")}");
await using var db = await TestDatabase.CreateAsync();
// BENCH_LOG_SLOW_MS=n asks the server to log this database's statements slower than n ms (to find a slow one).
if (int.TryParse(Environment.GetEnvironmentVariable("BENCH_LOG_SLOW_MS"), out var slowMs))
    await db.ExecuteAsync($"ALTER DATABASE \"{db.Name}\" SET log_min_duration_statement = {slowMs}");
// BENCH_DB_OPTIONS adds Npgsql options to the DATABASE_URL the silo and frontend get, as an operator would
// (e.g. "Max Auto Prepare=20" to keep the hot statements prepared on each pooled connection).
var dbOptions = Environment.GetEnvironmentVariable("BENCH_DB_OPTIONS");
await using var cluster = await LocalCluster.StartAsync(db, settings: new Dictionary<string, string?>
{
    ["Logging:LogLevel:Default"] = "Error",
    ["DATABASE_URL"] = string.IsNullOrWhiteSpace(dbOptions) ? db.DatabaseUrlSetting : $"{db.DatabaseUrlSetting};{dbOptions}",
});
if (!string.IsNullOrWhiteSpace(dbOptions)) Console.WriteLine($"database options: {dbOptions}");
using var admin = cluster.Http(0, await ShiftFixtures.AdminTokenAsync(cluster));

var shiftIds = new List<Guid>();
for (var i = 0; i < shifts; i++)
    shiftIds.Add((await ShiftFixtures.CreateShiftAsync(admin, places, title: $"Bench shift {i}")).GetProperty("id").GetGuid());
const int warmUpShifts = 20;
var volunteers = await ShiftFixtures.CreateVolunteersAsync(cluster, attempts);
var warmUpVolunteers = await ShiftFixtures.CreateVolunteersAsync(cluster, warmUpShifts * places * 2);

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = cluster.FrontendUri(0), Timeout = TimeSpan.FromMinutes(2) };

async Task<(HttpStatusCode Status, double Ms)> SignUp(Guid shift, Volunteer volunteer)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/shifts/{shift}/signups");
    request.Headers.Authorization = new("Bearer", volunteer.AccessToken);
    var started = Stopwatch.GetTimestamp();
    using var response = await http.SendAsync(request);
    return (response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

// Warm-up on shifts of their own, in the same shape as the run, for a minute (BENCH_WARMUP_SECONDS), then until the
// warm-up's confirmation emails are delivered: a long-running server runs tiered-up JIT code, and the tiered JIT keeps
// recompiling hot code with profile data for tens of seconds after start, competing with the signups for the 2 cores.
var warmUpFor = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("BENCH_WARMUP_SECONDS"), out var warmUpSeconds) ? warmUpSeconds : 60);
var warmingUp = Stopwatch.StartNew();
for (var round = 0; round < 2 || warmingUp.Elapsed < warmUpFor; round++)
{
    // Fresh shifts each round, so every round fills shifts as the run does.
    var warmShifts = new List<Guid>();
    for (var i = 0; i < warmUpShifts; i++)
        warmShifts.Add((await ShiftFixtures.CreateShiftAsync(admin, places, title: $"Warm-up {round}.{i}")).GetProperty("id").GetGuid());
    using var warmGate = new SemaphoreSlim(concurrency);
    await Task.WhenAll(warmUpVolunteers.Select(async (v, i) =>
    {
        await warmGate.WaitAsync();
        try { await SignUp(warmShifts[i % warmUpShifts], v); }
        finally { warmGate.Release(); }
    }));
}
if (mailLive)
{
    // The warm-up's confirmations, delivered through MailKit to the SMTP sink after the signups stopped: the outbox's rate.
    var queued = await db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending')");
    var draining = Stopwatch.StartNew();
    while (await db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending')") > 0)
        await Task.Delay(TimeSpan.FromMilliseconds(200));
    Console.WriteLine($"warm-up emails:         {await db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE status = 'sent'")} sent; " +
                      $"the last {queued} delivered at {queued / draining.Elapsed.TotalSeconds:F0}/s once signups stopped");
}
await Task.Delay(TimeSpan.FromSeconds(3));

// Every shift gets attempts/shifts tries in shuffled order, so each is contended and each fills.
var plan = Enumerable.Range(0, attempts).Select(i => (Shift: shiftIds[i % shifts], Volunteer: volunteers[i])).ToArray();
Random.Shared.Shuffle(plan);

// Reference: the same path (HTTP, token, frontend, Orleans call, grain) for a read answered from the grain's memory.
var readCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var readWall = Stopwatch.StartNew();
using (var readGate = new SemaphoreSlim(concurrency))
    await Task.WhenAll(plan.Select(async p =>
    {
        await readGate.WaitAsync();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/shifts/{p.Shift}");
            request.Headers.Authorization = new("Bearer", p.Volunteer.AccessToken);
            using var response = await http.SendAsync(request);
        }
        finally { readGate.Release(); }
    }));
readWall.Stop();
var readCpu = Process.GetCurrentProcess().TotalProcessorTime - readCpuBefore;
Console.WriteLine($"reference reads:        {attempts / readWall.Elapsed.TotalSeconds:F0}/s, {readCpu.TotalMilliseconds / attempts:F2} ms CPU each");

if (!mailLive) await cluster.Mail.StopAsync();
using var gate = new SemaphoreSlim(concurrency);
var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var pgBefore = Measure.PostgresBackends(db.Name);
var wall = Stopwatch.StartNew();
var results = await Task.WhenAll(plan.Select(async p =>
{
    await gate.WaitAsync();
    try { return await SignUp(p.Shift, p.Volunteer); }
    finally { gate.Release(); }
}));
wall.Stop();
var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
var pgAfter = Measure.PostgresBackends(db.Name);
var pgCpu = Measure.Between(pgBefore, pgAfter).TotalSeconds;

var ids = shiftIds.ToArray();
var confirmedInDb = await db.ScalarAsync<long>("SELECT count(*) FROM shift_signups WHERE shift_id = ANY(@ids) AND status = 'CONFIRMED'", ("ids", ids));
var overbooked = await db.ScalarAsync<long>("""
    SELECT count(*) FROM shifts sh
    WHERE sh.id = ANY(@ids)
      AND (sh.current_volunteers > sh.max_volunteers
           OR (SELECT count(*) FROM shift_signups s WHERE s.shift_id = sh.id AND s.status = 'CONFIRMED') > sh.max_volunteers
           OR (SELECT count(*) FROM shift_signups s WHERE s.shift_id = sh.id AND s.status = 'CONFIRMED') <> sh.current_volunteers)
    """, ("ids", ids));
var fullShifts = await db.ScalarAsync<long>("SELECT count(*) FROM shifts WHERE id = ANY(@ids) AND status = 'FULL'", ("ids", ids));
// Past capacity every attempt joins the shift's waitlist: the line must hold exactly the rest, counted as the shift row
// says, and everyone confirmed must have been taken before everyone waiting.
var waitlistedInDb = await db.ScalarAsync<long>("SELECT count(*) FROM shift_signups WHERE shift_id = ANY(@ids) AND status = 'WAITLISTED'", ("ids", ids));
var lineDrifted = await db.ScalarAsync<long>("""
    SELECT count(*) FROM shifts sh
    WHERE sh.id = ANY(@ids)
      AND ((SELECT count(*) FROM shift_signups s WHERE s.shift_id = sh.id AND s.status = 'WAITLISTED') <> sh.waitlist_count
           OR (SELECT max(signup_order) FROM shift_signups s WHERE s.shift_id = sh.id AND s.status = 'CONFIRMED')
              > (SELECT min(signup_order) FROM shift_signups s WHERE s.shift_id = sh.id AND s.status = 'WAITLISTED'))
    """, ("ids", ids));
var latencies = results.Select(r => r.Ms).Order().ToArray();

Console.WriteLine($"answered 201:           {results.Count(r => r.Status == HttpStatusCode.Created)}");
Console.WriteLine($"answered 409:           {results.Count(r => r.Status == HttpStatusCode.Conflict)}");
Console.WriteLine($"answered other:         {results.Count(r => r.Status is not (HttpStatusCode.Created or HttpStatusCode.Conflict))}");
Console.WriteLine($"confirmed (database):   {confirmedInDb} (expected {Math.Min(attempts, shifts * places)})");
Console.WriteLine($"overbooked or drifted:  {overbooked} shifts");
Console.WriteLine($"waitlisted (database):  {waitlistedInDb} (expected {Math.Max(0, attempts - shifts * places)})");
Console.WriteLine($"line out of order or drifted: {lineDrifted} shifts");
Console.WriteLine($"shifts FULL:            {fullShifts}/{shifts}");
Console.WriteLine($"wall time:              {wall.Elapsed.TotalSeconds:F2} s");
Console.WriteLine($"attempts/s:             {attempts / wall.Elapsed.TotalSeconds:F0}");
Console.WriteLine($"confirmed signups/s:    {confirmedInDb / wall.Elapsed.TotalSeconds:F0}");
Console.WriteLine($"signups written/s:      {(confirmedInDb + waitlistedInDb) / wall.Elapsed.TotalSeconds:F0} (confirmed and waitlisted)");
Console.WriteLine($"load generator+frontend+silo CPU: {cpu.TotalSeconds:F1} s ({cpu.TotalMilliseconds / attempts:F2} ms per attempt; PostgreSQL not included)");
Console.WriteLine(pgAfter.Count == 0
    ? "PostgreSQL CPU:         not measurable here (server processes not visible)"
    : $"PostgreSQL CPU (this database's backends): {pgCpu:F1} s ({pgCpu * 1000 / attempts:F2} ms per attempt)");
if (pgAfter.Count > 0)
{
    var perAttempt = cpu.TotalSeconds / attempts + pgCpu / attempts;
    Console.WriteLine($"CPU-bound ceiling on {Environment.ProcessorCount} dedicated cores: {Environment.ProcessorCount / perAttempt:F0} attempts/s " +
                      $"(machine load average now: {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
}
Console.WriteLine($"latency p50/p99/max:    {Measure.Percentile(latencies, 50):F1} / {Measure.Percentile(latencies, 99):F1} / {latencies[^1]:F1} ms");
return confirmedInDb == Math.Min(attempts, shifts * places) && overbooked == 0
       && waitlistedInDb == Math.Max(0, attempts - shifts * places) && lineDrifted == 0 ? 0 : 1;

static int Arg(int index, int fallback) =>
    Environment.GetCommandLineArgs().Skip(1).ElementAtOrDefault(index) is { } raw && int.TryParse(raw, out var value) ? value : fallback;
