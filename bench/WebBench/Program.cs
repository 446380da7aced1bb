using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ChangemakerLite.TestSupport;
using ChangemakerLite.WebFrontend.Web;

// The canvasser app's first load (the /volunteer page and every script and style sheet it loads, gzip) as a campaign
// office of phones opening it at once, against the web UI's routes in this process:
//   A: the files as served, compressed once at start (WebAssets) and answered from memory;
//   B: the same files compressed per request (what a generic response-compression middleware does, at its default
//      fastest level).
// Rounds of A and B interleave (the machine's speed varies); CPU per first load is this process's (server and
// client together: both share the cores).
//   dotnet run -c Release --project bench/WebBench -- --phones 16 --seconds 5 --rounds 2
var phones = Arg("phones", 16);
var seconds = Arg("seconds", 5);
var rounds = Arg("rounds", 2);

var port = Ports.Free();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
builder.Services.AddWebFrontend(builder.Configuration);
var app = builder.Build();
app.MapWebEndpoints();
var assets = app.Services.GetRequiredService<WebAssets>();
// B: the same bytes, compressed for each request.
app.MapGet("/b/{**path}", async (string path, HttpContext http) =>
{
    var asset = assets.Find(path);
    if (asset is null) { http.Response.StatusCode = 404; return; }
    http.Response.ContentType = asset.ContentType;
    http.Response.Headers.CacheControl = "no-cache";
    if (asset.Gzip is null) { await http.Response.Body.WriteAsync(asset.Bytes); return; }
    http.Response.Headers.ContentEncoding = "gzip";
    await using var gzip = new GZipStream(http.Response.Body, CompressionLevel.Fastest, leaveOpen: true);
    await gzip.WriteAsync(asset.Bytes);
});
await app.StartAsync();

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = phones, AutomaticDecompression = DecompressionMethods.None })
{
    BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
};
http.DefaultRequestHeaders.AcceptEncoding.ParseAdd("gzip");
var page = Encoding(await http.GetByteArrayAsync("/volunteer"));
var files = Regex.Matches(page, "(?:src|href)=\"/web/([^\"]+\\.(?:js|css))\"").Select(m => m.Groups[1].Value).ToList();
// The modules the page's module imports (static imports of ./x.js), transitively.
for (var i = 0; i < files.Count; i++)
{
    if (!files[i].StartsWith("js/", StringComparison.Ordinal)) continue;
    var text = Encoding(await http.GetByteArrayAsync("/b/" + files[i]));
    foreach (Match m in Regex.Matches(text, @"^import [^;]*? from '\./([^']+)';", RegexOptions.Multiline))
        if (!files.Contains("js/" + m.Groups[1].Value)) files.Add("js/" + m.Groups[1].Value);
}
Console.WriteLine($"web bench: the canvasser app's first load = /volunteer + {files.Count} files ({string.Join(", ", files)}); " +
    $"{phones} phones, {rounds} interleaved rounds of {seconds} s per side; {Environment.ProcessorCount} cores, shared machine");

var sides = new[] { new Side("A precompressed (as served)", "/web/"), new Side("B compressed per request", "/b/") };
foreach (var side in sides) await side.Run(http, files, phones, 1); // warm-up: JIT, connections
foreach (var side in sides) side.Reset();
for (var round = 0; round < rounds; round++)
    foreach (var side in sides) await side.Run(http, files, phones, seconds);
foreach (var side in sides) side.Print();
await app.StopAsync();

static string Encoding(byte[] gz)
{
    using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
    using var reader = new StreamReader(input);
    return reader.ReadToEnd();
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, "--" + name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

sealed class Side(string name, string prefix)
{
    private readonly List<double> _requestMs = [];
    private readonly List<double> _loadMs = [];
    private long _bytes;
    private TimeSpan _cpu;
    private TimeSpan _wall;

    public void Reset() { _requestMs.Clear(); _loadMs.Clear(); _bytes = 0; _cpu = TimeSpan.Zero; _wall = TimeSpan.Zero; }

    public async Task Run(HttpClient http, List<string> files, int phones, int seconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, phones).Select(async _ =>
        {
            var requests = new List<double>();
            var loads = new List<double>();
            long bytes = 0;
            while (Stopwatch.GetTimestamp() < until)
            {
                var load = Stopwatch.StartNew();
                foreach (var path in files.Select(f => prefix + f).Prepend("/volunteer"))
                {
                    var one = Stopwatch.StartNew();
                    using var response = await http.GetAsync(path);
                    bytes += (await response.Content.ReadAsByteArrayAsync()).Length;
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
                    requests.Add(one.Elapsed.TotalMilliseconds);
                }
                loads.Add(load.Elapsed.TotalMilliseconds);
            }
            return (requests, loads, bytes);
        }));
        _wall += wall.Elapsed;
        _cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        foreach (var (requests, loads, bytes) in results) { _requestMs.AddRange(requests); _loadMs.AddRange(loads); _bytes += bytes; }
    }

    public void Print()
    {
        static double P(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        var requests = _requestMs.Order().ToList();
        var loads = _loadMs.Order().ToList();
        var wall = _wall.TotalSeconds;
        Console.WriteLine($"\n{name}");
        Console.WriteLine($"  first loads: {loads.Count} in {wall:F1} s = {loads.Count / wall:F0}/s; {_bytes / Math.Max(1, loads.Count) / 1024.0:F1} KB each (gzip)");
        Console.WriteLine($"  requests:    {requests.Count / wall:F0}/s; latency p50 {P(requests, 0.5):F2} ms, p99 {P(requests, 0.99):F2} ms");
        Console.WriteLine($"  first load:  p50 {P(loads, 0.5):F1} ms, p99 {P(loads, 0.99):F1} ms");
        Console.WriteLine($"  CPU:         {_cpu.TotalMilliseconds / Math.Max(1, loads.Count):F2} ms per first load, {_cpu.TotalMilliseconds * 1000 / Math.Max(1, requests.Count):F0} µs per request (server and client)");
    }
}
