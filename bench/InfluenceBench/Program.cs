using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Influence;

// Load generator for the influence module against the real stack in this process: a silo and a frontend (LocalCluster),
// a fresh PostgreSQL database on TEST_DATABASE_URL's server, a stand-in Represent answering in 200 ms, the SMTP sink.
// Usage: TEST_DATABASE_URL=postgresql://... dotnet run -c Release --project bench/InfluenceBench -- [--codes 200] [--lookups 2000]
//        [--cached-seconds 10] [--concurrency 64] [--sends 10000] [--smtp-connections N]
// The cached lookups alternate each second between a frontend answering from its copy and one asking the grain each time.
// The load generator shares the process and the cores with the servers it measures: CPU per lookup counts both.

var codes = Option("--codes", 200);
var lookups = Option("--lookups", 2000);
var cachedSeconds = Option("--cached-seconds", 10);
var concurrency = Option("--concurrency", 64);
var sends = Option("--sends", 10_000);
var smtpConnections = Option("--smtp-connections", 0);
Console.WriteLine($"codes={codes} lookups={lookups} cached-seconds={cachedSeconds} concurrency={concurrency} sends={sends} cores={Environment.ProcessorCount}");

await using var represent = await FakeRepresent.StartAsync();
represent.Delay = TimeSpan.FromMilliseconds(200);
await using var db = await TestDatabase.CreateAsync();
var settings = represent.Settings(timeoutSeconds: 30);
settings["Logging:LogLevel:Default"] = "Error";
settings["INFLUENCE_RATE_LIMIT_PER_IP"] = "100000000";
// --smtp-connections N: the outbox sender's connections (EMAIL_SMTP_CONNECTIONS; its default when not given).
if (smtpConnections > 0) settings["EMAIL_SMTP_CONNECTIONS"] = smtpConnections.ToString(System.Globalization.CultureInfo.InvariantCulture);
await using var cluster = await LocalCluster.StartAsync(db, settings: settings);

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(concurrency, lookups), PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = cluster.FrontendUri(0), Timeout = TimeSpan.FromMinutes(2) };

const string letters = "ABCEGHJKLMNPRSTVWXYZ";
var postalCodes = Enumerable.Range(0, codes).Select(i => $"M{i % 10}{letters[i / 10 % letters.Length]} {i / 200 % 10}{letters[i % letters.Length]}{i / 10 % 10}")
    .Distinct().ToList();
if (postalCodes.Count != codes) throw new InvalidOperationException("postal codes collided");

async Task<(HttpStatusCode Status, double Ms)> Lookup(string code)
{
    var started = Stopwatch.GetTimestamp();
    using var response = await http.PostAsJsonAsync("/api/public/representatives/lookup", new { postalCode = code });
    await response.Content.LoadIntoBufferAsync();
    return (response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

// Warm the path (JIT, connections) on codes of their own, so the storm's figures are of the storm.
var warmCodes = Enumerable.Range(0, 20).Select(i => $"T{i % 10}A {i / 10}B1").ToList();
for (var round = 0; round < 3; round++) await Task.WhenAll(warmCodes.Select(Lookup));
var warmCalls = represent.Calls;

// 1. The storm: every lookup at once, each code asked lookups/codes times, nothing cached.
var storm = Stopwatch.StartNew();
var stormResults = await Task.WhenAll(Enumerable.Range(0, lookups).Select(i => Lookup(postalCodes[i % postalCodes.Count])));
storm.Stop();
var upstream = represent.Calls - warmCalls;
Console.WriteLine($"lookup storm:   {lookups} concurrent lookups over {codes} codes in {storm.Elapsed.TotalSeconds:F2} s; " +
                  $"{stormResults.Count(r => r.Status == HttpStatusCode.OK)} OK; upstream calls {upstream} (expected {codes}); " +
                  $"p50 {Measure.Percentile(stormResults.Select(r => r.Ms), 50):F0} ms, p99 {Measure.Percentile(stormResults.Select(r => r.Ms), 99):F0} ms");

if (cachedSeconds > 0)
{
// 2. Cached lookups: a fixed number of callers back to back, alternating each second between frontend 0, which answers
// from its own copy of fresh answers (REPRESENT_FRONTEND_CACHE, the default), and a second frontend started with the
// copy off, which asks the code's grain each time (the path before the copy). Interleaved, so both see the same machine.
var gridPort = ChangemakerLite.TestSupport.Ports.Free();
var withoutCopy = ChangemakerLite.WebFrontend.FrontendApp.Build([], new Dictionary<string, string?>(cluster.Settings)
{
    ["PORT"] = gridPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{gridPort}",
    ["REPRESENT_FRONTEND_CACHE"] = "false",
});
await withoutCopy.StartAsync();
using var grainHttp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    { BaseAddress = new Uri($"http://127.0.0.1:{gridPort}"), Timeout = TimeSpan.FromMinutes(2) };

async Task<(HttpStatusCode Status, double Ms)> LookupOn(HttpClient client, string code)
{
    var started = Stopwatch.GetTimestamp();
    using var response = await client.PostAsJsonAsync("/api/public/representatives/lookup", new { postalCode = code });
    await response.Content.LoadIntoBufferAsync();
    return (response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

// Warm both paths (JIT, connections) for two seconds each, not counted.
foreach (var client in new[] { http, grainHttp })
{
    var warm = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        var random = new Random(worker);
        while (warm.Elapsed < TimeSpan.FromSeconds(2)) await LookupOn(client, postalCodes[random.Next(postalCodes.Count)]);
    }));
}

var paths = new[] { (Name: "frontend copy", Client: http), (Name: "grain each time", Client: grainHttp) };
var pathLatencies = paths.Select(_ => new List<double>()).ToArray();
var pathSeconds = new double[paths.Length];
var pathCpu = new TimeSpan[paths.Length];
var callsBeforeCached = represent.Calls;
for (var slice = 0; slice < cachedSeconds * 2; slice++)
{
    var p = slice % 2;
    var sliceLatencies = new List<double>[concurrency];
    var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        var mine = sliceLatencies[worker] = new List<double>(10_000);
        var random = new Random(slice * 1000 + worker);
        while (clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            var (status, ms) = await LookupOn(paths[p].Client, postalCodes[random.Next(postalCodes.Count)]);
            if (status != HttpStatusCode.OK) throw new InvalidOperationException($"cached lookup answered {(int)status}");
            mine.Add(ms);
        }
    }));
    pathSeconds[p] += clock.Elapsed.TotalSeconds;
    pathCpu[p] += Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart;
    pathLatencies[p].AddRange(sliceLatencies.SelectMany(l => l));
}
for (var p = 0; p < paths.Length; p++)
{
    var all = pathLatencies[p];
    Console.WriteLine($"cached lookups, {paths[p].Name,-15}: {all.Count} in {pathSeconds[p]:F1} s = {all.Count / pathSeconds[p]:F0}/s; " +
                      $"p50 {Measure.Percentile(all, 50):F1} ms, p99 {Measure.Percentile(all, 99):F1} ms; CPU {pathCpu[p].TotalMicroseconds / all.Count:F0} µs per lookup " +
                      "(servers and load generator)");
}
Console.WriteLine($"                upstream calls during the cached lookups: {represent.Calls - callsBeforeCached}");
await withoutCopy.StopAsync();
await withoutCopy.DisposeAsync();
}

// 3. A campaign going viral: sends accepted as fast as they come, delivered by the outbox to the SMTP sink.
var admin = await TestUsers.CreateAsync(db, UserRole.InfluenceAdmin);
using var adminHttp = cluster.Http(0, TestTokens.Mint(cluster.SigningKey, admin.Id, admin.Email, UserRole.InfluenceAdmin));
var created = await adminHttp.PostAsJsonAsync("/api/campaigns", new { title = "Viral", emailSubject = "Act now", emailBody = "Please act." });
var campaignId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
var slug = JsonDocument.Parse(await (await adminHttp.PatchAsJsonAsync($"/api/campaigns/{campaignId}", new { status = "ACTIVE" }))
    .Content.ReadAsStringAsync()).RootElement.GetProperty("slug").GetString();
var code = postalCodes[0];
var mp = FakeRepresent.MpEmail(code.Replace(" ", ""));
var sentBefore = cluster.Mail.Messages.Count;
var accepting = Stopwatch.StartNew();
var next = -1;
var sendLatencies = new List<double>[concurrency];
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
{
    var mine = sendLatencies[worker] = [];
    int i;
    while ((i = Interlocked.Increment(ref next)) < sends)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsJsonAsync($"/api/public/campaigns/{slug}/emails", new
        {
            idempotencyKey = $"bench-{i}", method = "SMTP", postalCode = code, senderName = $"Supporter {i}",
            recipients = new[] { new { email = mp } },
        });
        if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"send answered {(int)response.StatusCode}");
        mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}));
var acceptedAt = accepting.Elapsed;
var cpuAtAccepted = Process.GetCurrentProcess().TotalProcessorTime;
var deliveredDuringAcceptance = cluster.Mail.Messages.Count - sentBefore;
while (cluster.Mail.Messages.Count - sentBefore < sends) await Task.Delay(50);
var delivered = accepting.Elapsed;
var deliveryCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuAtAccepted;
var allSends = sendLatencies.SelectMany(l => l).ToList();
Console.WriteLine($"viral campaign: {sends} sends accepted in {acceptedAt.TotalSeconds:F1} s = {sends / acceptedAt.TotalSeconds:F0}/s " +
                  $"(p50 {Measure.Percentile(allSends, 50):F1} ms, p99 {Measure.Percentile(allSends, 99):F1} ms); " +
                  $"{deliveredDuringAcceptance} delivered meanwhile; all {sends} at the SMTP sink after {delivered.TotalSeconds:F1} s = " +
                  $"{sends / delivered.TotalSeconds:F0}/s delivery overall, {(sends - deliveredDuringAcceptance) / (delivered - acceptedAt).TotalSeconds:F0}/s " +
                  $"once acceptance ended ({(smtpConnections > 0 ? smtpConnections.ToString(System.Globalization.CultureInfo.InvariantCulture) : "default")} SMTP connections per sender), " +
                  $"CPU {deliveryCpu.TotalMicroseconds / Math.Max(1, sends - deliveredDuringAcceptance):F0} µs per message delivered after acceptance");
var sentRows = await db.ScalarAsync<long>("SELECT count(*) FROM campaign_emails WHERE campaign_id = @c AND status = 'SENT'", ("c", campaignId));
await Task.Delay(1000);
Console.WriteLine($"                campaign_emails SENT: {await db.ScalarAsync<long>("SELECT count(*) FROM campaign_emails WHERE campaign_id = @c AND status = 'SENT'", ("c", campaignId))} (at the last message: {sentRows}); " +
                  $"messages at the sink for the campaign: {cluster.Mail.Messages.Count(m => m.Subject == "Act now")}");

static int Option(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) ? value : fallback;
}
