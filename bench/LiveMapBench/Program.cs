using System.Diagnostics;
using System.Drawing;
using System.Globalization;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.WebFrontend.Tests.Web;

// The live canvass map at scale, in a real browser: a node (LocalCluster: a silo serving HTTP and /hubs/live, what
// deploy/run.sh runs) on a fresh database on TEST_DATABASE_URL's server, the admin console's canvass map open in
// headless Chromium (Debian's chromium and chromedriver, as the browser tests use), and N canvassers each moving
// once a second, the most a tracking grain publishes, through the silo's live publisher, the relay and the hub.
// The page's smoothness is read from requestAnimationFrame timestamps collected in the page itself.
// Rounds run the sizes interleaved (the machine's speed drifts); 0 canvassers is the page's frame rate on this machine
// with nothing moving. Per size it prints the moves sent and applied by the page per second, the map's redraws per
// second and ms per redraw, frames/s, p50/p99/max frame time, frames over 50 ms, and CPU per 1,000 moves of this
// process (silo, frontend and the generator) and of Chromium (every process the browser runs).
// Usage: TEST_DATABASE_URL=postgresql://... dotnet run -c Release --project bench/LiveMapBench -- \
//          [--canvassers 0,1000,5000] [--seconds 10] [--warmup 3] [--rounds 2] [--width 1366] [--height 900]
var sizes = Text("canvassers", "0,1000,5000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var seconds = Arg("seconds", 10);
var warmup = Arg("warmup", 3);
var rounds = Arg("rounds", 2);
var (width, height) = (Arg("width", 1366), Arg("height", 900));
Console.WriteLine($"live map bench: canvassers {string.Join(", ", sizes)}, each moving once a second; {seconds} s measured after {warmup} s, " +
                  $"{rounds} rounds interleaved; window {width}x{height}; {Environment.ProcessorCount} cores, load average {LoadAverage()} at the start, shared machine");

await using var db = await TestDatabase.CreateAsync();
await using var cluster = await LocalCluster.StartAsync(db, settings: new Dictionary<string, string?>
{
    ["Logging:LogLevel:Default"] = "Error",
    ["MAP_TILE_URL"] = "",
});
using var browser = new Browser();
var driver = browser.Driver;
driver.Manage().Window.Size = new Size(width, height);

var admin = await TestUsers.CreateAsync(db, UserRole.MapAdmin);
driver.Navigate().GoToUrl(new Uri(cluster.FrontendUri(0), "/app#/canvass").ToString());
browser.Fill("#login-email", admin.Email);
browser.Fill("#login-password", admin.Password);
browser.Wait("#login-form button[type=submit]").Click();
browser.Until(() => browser.Wait("#live-state").Text == "live", "the canvass map watches canvass:live", TimeSpan.FromSeconds(60));

var live = cluster.SiloService<LivePublisher>(0);
// The map opens on its default view (no session yet); the canvassers walk inside it.
var (centerLat, centerLng) = (43.65, -79.38);
var random = new Random(11);
var results = new List<Result>();

for (var round = 1; round <= rounds; round++)
{
    foreach (var size in sizes)
    {
        var result = await Measure(size);
        results.Add(result);
        Console.WriteLine($"round {round}: {result}");
    }
}

Console.WriteLine();
Console.WriteLine("canvassers | moves/s sent | moves/s on page | draws/s | ms/draw | frames/s | p50 frame ms | p99 frame ms | max frame ms | frames > 50 ms | server CPU ms/1k moves | Chromium CPU ms/1k moves | renderer CPU ms/1k moves | Chromium % of a core | renderer % of a core");
foreach (var group in results.GroupBy(r => r.Canvassers))
    foreach (var r in group)
        Console.WriteLine($"{r.Canvassers,10} | {r.SentPerSecond,12:0} | {r.AppliedPerSecond,15:0} | {r.DrawsPerSecond,7:0.0} | {r.MsPerDraw,7:0.00} | {r.FramesPerSecond,8:0.0} | {r.P50,12:0.0} | {r.P99,12:0.0} | {r.Max,12:0.0} | {r.Late,14} | {r.ServerCpuPerThousand,22:0.0} | {r.BrowserCpuPerThousand,24:0.0} | {r.RendererCpuPerThousand,24:0.0} | {r.BrowserCpuPercent,20:0} | {r.RendererCpuPercent,20:0}");
Console.WriteLine($"load average at the end: {LoadAverage()} (shared machine)");
return;

async Task<Result> Measure(int size)
{
    var ids = Enumerable.Range(0, size).Select(_ => Guid.NewGuid()).ToArray();
    var lat = ids.Select(_ => centerLat + (random.NextDouble() - 0.5) * 0.06).ToArray();
    var lng = ids.Select(_ => centerLng + (random.NextDouble() - 0.5) * 0.08).ToArray();
    using var stop = new CancellationTokenSource();
    var sent = new long[1];
    // Each canvasser moves once a second, the moves spread over the second in 50 slices.
    var mover = Task.Run(async () =>
    {
        const int slices = 50;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1000.0 / slices));
        var slice = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                for (var i = slice; i < size; i += slices)
                {
                    lat[i] += (random.NextDouble() - 0.5) * 0.0002;
                    lng[i] += (random.NextDouble() - 0.5) * 0.0002;
                    live.Publish(LiveTopics.CanvassLive, "canvasserMoved",
                        new { sessionId = ids[i], userId = ids[i], latitude = lat[i], longitude = lng[i], recordedAt = DateTime.UtcNow });
                    Interlocked.Increment(ref sent[0]);
                }
                slice = (slice + 1) % slices;
            }
        }
        catch (OperationCanceledException)
        {
        }
    });

    browser.Until(() => browser.Wait("#canvass-map").GetDomAttribute("data-canvassers") == size.ToString(CultureInfo.InvariantCulture),
        $"{size} canvassers on the map", TimeSpan.FromSeconds(60), () => browser.Wait("#canvasser-count").Text);
    await Task.Delay(TimeSpan.FromSeconds(warmup));

    // One collector for the whole run (a second would double every frame); each window empties its list.
    browser.Script("window.__frames = []; if (!window.__collecting) { window.__collecting = true; const f = (t) => { window.__frames.push(t); requestAnimationFrame(f); }; requestAnimationFrame(f); }");
    var before = Snapshot();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    var after = Snapshot();
    var frames = ((IEnumerable<object>)browser.Script("const f = window.__frames; window.__frames = []; return f;")!)
        .Select(o => Convert.ToDouble(o, CultureInfo.InvariantCulture)).ToArray();
    var elapsed = (after.At - before.At) / (double)Stopwatch.Frequency;
    var sentNow = after.Sent - before.Sent;
    var applied = after.Applied - before.Applied;
    var draws = after.Draws - before.Draws;
    var drawMs = after.DrawMs - before.DrawMs;
    var serverCpu = after.ServerCpuMs - before.ServerCpuMs;
    var browserCpu = after.BrowserCpuMs.All - before.BrowserCpuMs.All;
    var rendererCpu = after.BrowserCpuMs.Renderers - before.BrowserCpuMs.Renderers;
    await stop.CancelAsync();
    await mover;

    // These canvassers end: the next size starts from an empty map.
    foreach (var id in ids)
        live.Publish(LiveTopics.CanvassLive, "sessionChanged", new { sessionId = id, status = "COMPLETED", userId = id, cutId = (Guid?)null, endedAt = DateTime.UtcNow });
    browser.Until(() => browser.Wait("#canvass-map").GetDomAttribute("data-canvassers") == "0", "the map emptied", TimeSpan.FromSeconds(60));

    // What was sent, what the page applied, and the CPU used so far, at one moment (the page read first: it is the slow part).
    (long At, long Sent, long Applied, long Draws, double DrawMs, double ServerCpuMs, (double All, double Renderers) BrowserCpuMs) Snapshot()
    {
        var page = (IReadOnlyDictionary<string, object>)browser.Script("""
            const map = document.getElementById('canvass-map'), layer = map.querySelector('canvas.dot-layer');
            return { moves: map.dataset.moves ?? '0', draws: layer.dataset.draws ?? '0', drawMs: layer.dataset.drawMs ?? '0' };
            """)!;
        double Read(string key) => double.Parse((string)page[key], CultureInfo.InvariantCulture);
        return (Stopwatch.GetTimestamp(), Interlocked.Read(ref sent[0]), (long)Read("moves"), (long)Read("draws"), Read("drawMs"),
            Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds, ChildrenCpu());
    }

    var gaps = frames.Zip(frames.Skip(1), (a, b) => b - a).Order().ToArray();
    return new Result(size, sentNow / elapsed, applied / elapsed, draws / elapsed, draws > 0 ? drawMs / draws : 0,
        frames.Length > 1 ? (frames.Length - 1) / ((frames[^1] - frames[0]) / 1000) : 0,
        Percentile(gaps, 0.50), Percentile(gaps, 0.99), gaps.Length > 0 ? gaps[^1] : 0, gaps.Count(g => g > 50),
        sentNow > 0 ? serverCpu / sentNow * 1000 : 0, sentNow > 0 ? browserCpu / sentNow * 1000 : 0, sentNow > 0 ? rendererCpu / sentNow * 1000 : 0,
        browserCpu / elapsed / 10, rendererCpu / elapsed / 10);
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

// CPU of every process below this one (chromedriver, Chromium and its renderer, network and GPU processes), from /proc,
// in ms: all of them, and the renderers alone (where the page's script, layout and drawing run).
static (double All, double Renderers) ChildrenCpu()
{
    var parents = new Dictionary<int, int>();
    var ticks = new Dictionary<int, long>();
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
        try
        {
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            ticks[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
    var self = Environment.ProcessId;
    bool Below(int pid)
    {
        for (var p = pid; parents.TryGetValue(p, out var parent) && p > 1; p = parent)
            if (parent == self) return true;
        return false;
    }
    bool Renderer(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains("--type=renderer", StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }
    // Clock ticks are 1/100 s on Linux.
    var mine = ticks.Where(t => t.Key != self && Below(t.Key)).ToList();
    return (mine.Sum(t => t.Value) * 10.0, mine.Where(t => Renderer(t.Key)).Sum(t => t.Value) * 10.0);
}

static string LoadAverage()
{
    try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
    catch (IOException) { return "?"; }
}

int Arg(string name, int fallback) => int.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

string Text(string name, string fallback)
{
    var i = Array.IndexOf(args, "--" + name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

internal sealed record Result(int Canvassers, double SentPerSecond, double AppliedPerSecond, double DrawsPerSecond, double MsPerDraw, double FramesPerSecond, double P50, double P99, double Max,
    int Late, double ServerCpuPerThousand, double BrowserCpuPerThousand, double RendererCpuPerThousand, double BrowserCpuPercent, double RendererCpuPercent)
{
    public override string ToString() =>
        $"{Canvassers} canvassers: {SentPerSecond:0} moves/s sent, {AppliedPerSecond:0}/s applied by the page, {DrawsPerSecond:0.0} draws/s of {MsPerDraw:0.00} ms, {FramesPerSecond:0.0} frames/s, " +
        $"frame p50 {P50:0.0} ms, p99 {P99:0.0} ms, max {Max:0.0} ms, {Late} frames over 50 ms; CPU per 1,000 moves: server {ServerCpuPerThousand:0.0} ms, " +
        $"Chromium {BrowserCpuPerThousand:0.0} ms (renderer {RendererCpuPerThousand:0.0} ms); Chromium busy {BrowserCpuPercent:0}% of a core (renderer {RendererCpuPercent:0}%)";
}
