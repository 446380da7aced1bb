using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Map;

// Map import and bounding-box benchmark: generates National Address Register files, imports them through the
// real path (HTTP multipart upload → job grain → PostgreSQL) on a real silo and frontend in this process, and
// prints addresses per second and peak memory per size (memory must stay flat as the register grows), then
// times bounding-box reads over a million locations.
//
//   dotnet run -c Release --project bench/MapBench -- [--sizes 100000,1000000] [--database postgresql://…] [--queries 500]
//
// The database server comes from --database, TEST_DATABASE_URL or DATABASE_URL; each size gets a fresh database.

var arguments = args.Select((value, index) => (value, index)).ToDictionary(a => a.index, a => a.value);
string? Option(string name) => arguments.Values.SkipWhile(v => v != name).Skip(1).FirstOrDefault();
var sizes = (Option("--sizes") ?? "100000,1000000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var queries = int.Parse(Option("--queries") ?? "500", CultureInfo.InvariantCulture);
var server = Option("--database") ?? Environment.GetEnvironmentVariable("TEST_DATABASE_URL") ?? Environment.GetEnvironmentVariable("DATABASE_URL")
    ?? throw new InvalidOperationException("Give --database, TEST_DATABASE_URL or DATABASE_URL (a PostgreSQL server the benchmark may create databases on).");
Environment.SetEnvironmentVariable("TEST_DATABASE_URL", server);

Console.WriteLine($"MapBench: {Environment.ProcessorCount} cores, sizes {string.Join(", ", sizes)}");
var work = Directory.CreateTempSubdirectory("mapbench");
try
{
    foreach (var size in sizes)
    {
        var last = size == sizes[^1];
        await using var db = await TestDatabase.CreateAsync();
        await using var cluster = await LocalCluster.StartAsync(db);
        var adminId = Guid.NewGuid();
        await db.ExecuteAsync("INSERT INTO users (id, email, password_hash, role) VALUES (@id, 'bench@example.org', 'x', 'MAP_ADMIN')", ("id", adminId));
        using var http = cluster.Http(0, TestTokens.Mint(cluster.SigningKey, adminId, "bench@example.org", UserRole.MapAdmin, lifetime: TimeSpan.FromHours(4)));
        http.Timeout = TimeSpan.FromHours(1);

        var idleProcess = Process.GetCurrentProcess();
        var idleStart = idleProcess.TotalProcessorTime;
        await Task.Delay(TimeSpan.FromSeconds(10));
        idleProcess.Refresh();
        Console.WriteLine($"[{size:N0}] idle silo + frontend: {(idleProcess.TotalProcessorTime - idleStart).TotalSeconds / 10 * 100:F0}% of a core");

        var addresses = Path.Combine(work.FullName, $"Address_48_{size}.csv");
        var locations = Path.Combine(work.FullName, $"Location_48_{size}.csv");
        var generating = Stopwatch.StartNew();
        await NarFiles.WriteSyntheticAsync(addresses, locations, size);
        Console.WriteLine($"[{size:N0}] generated {new FileInfo(addresses).Length / 1e6:F1} MB addresses + {new FileInfo(locations).Length / 1e6:F1} MB locations in {generating.Elapsed.TotalSeconds:F1} s");

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baselineHeap = GC.GetTotalMemory(true);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var baselineWorkingSet = process.WorkingSet64;
        long peakHeap = baselineHeap, peakWorkingSet = baselineWorkingSet;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            // Live memory: a full collection every two seconds shows what the import holds, not garbage awaiting collection.
            while (!sampling.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: true));
                process.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
                try { await Task.Delay(2000, sampling.Token); } catch (OperationCanceledException) { }
            }
        });

        var cpuBefore = process.TotalProcessorTime;
        var pgBefore = Measure.PostgresBackends(db.Name);
        var total = Stopwatch.StartNew();
        await using (var addressStream = File.OpenRead(addresses))
        await using (var locationStream = File.OpenRead(locations))
        {
            var content = new MultipartFormDataContent
            {
                { new StreamContent(addressStream, 1 << 16), "addresses", "Address_48.csv" },
                { new StreamContent(locationStream, 1 << 16), "locations", "Location_48.csv" },
            };
            foreach (var part in content) part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var accepted = await http.PostAsync("/api/map/imports/nar", content);
            var body = await accepted.Content.ReadAsStringAsync();
            if ((int)accepted.StatusCode != 202) throw new InvalidOperationException($"upload refused: {(int)accepted.StatusCode} {body}");
            var uploaded = total.Elapsed;
            var jobId = JsonDocument.Parse(body).RootElement.GetProperty("jobId").GetGuid();
            JsonElement job;
            while (true)
            {
                await Task.Delay(250);
                job = JsonDocument.Parse(await http.GetStringAsync($"/api/map/jobs/{jobId}")).RootElement;
                if (job.GetProperty("status").GetString() is "completed" or "failed") break;
            }
            total.Stop();
            process.Refresh();
            var dotnetCpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            var pgCpu = Measure.Between(pgBefore, Measure.PostgresBackends(db.Name)).TotalSeconds;
            sampling.Cancel();
            await sampler;
            if (job.GetProperty("status").GetString() != "completed") throw new InvalidOperationException("import failed: " + job);
            var processing = total.Elapsed - uploaded;
            var result = job.GetProperty("result");
            Console.WriteLine($"[{size:N0}] upload {uploaded.TotalSeconds:F1} s, processing {processing.TotalSeconds:F1} s, total {total.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine($"[{size:N0}] {result.GetProperty("addressesCreated").GetInt64():N0} addresses, {result.GetProperty("locationsCreated").GetInt64():N0} locations, errors {result.GetProperty("errors").GetInt64()}");
            Console.WriteLine($"[{size:N0}] import rate: {size / total.Elapsed.TotalSeconds:N0} addresses/s end to end, {size / processing.TotalSeconds:N0} addresses/s processing the stored upload");
            Console.WriteLine($"[{size:N0}] CPU: {dotnetCpu:F1} s in this process (silo, frontend, client), {pgCpu:F1} s in PostgreSQL backends of this database; " +
                $"{size / (dotnetCpu + pgCpu):N0} addresses per CPU-second; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} during the run");
            Console.WriteLine($"[{size:N0}] peak live managed memory {peakHeap / 1e6:F0} MB (+{(peakHeap - baselineHeap) / 1e6:F0} MB over idle), peak working set {peakWorkingSet / 1e6:F0} MB (+{(peakWorkingSet - baselineWorkingSet) / 1e6:F0} MB) — silo and frontend in this process");
        }

        if (!last) continue;

        // Bounding-box reads over a million locations: top the register up with houses spread over the same box.
        var count = await db.ScalarAsync<long>("SELECT count(*) FROM locations");
        if (count < 1_000_000)
        {
            await using var topUp = db.DataSource.CreateCommand($"""
                INSERT INTO locations (id, latitude, longitude, address, postal_code, province, geocode_confidence)
                SELECT map_uuid_v7(), round((53.40 + random() * 0.30)::numeric, 8), round((-113.70 + random() * 0.40)::numeric, 8),
                       g || ' BENCH ST NW, EDMONTON', 'T5J 1N3', 'AB', 100
                FROM generate_series(1, {1_000_000 - count}) g;
                ANALYZE locations;
                """);
            topUp.CommandTimeout = 0;
            await topUp.ExecuteNonQueryAsync();
            count = await db.ScalarAsync<long>("SELECT count(*) FROM locations");
        }
        var random = new Random(1);
        var apiTimes = new List<double>(queries);
        var sqlTimes = new List<double>(queries);
        long rows = 0;
        // Warm-up for half a minute (BENCH_WARMUP_SECONDS): a long-running server answers with tiered-up JIT code.
        var warmUpFor = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("BENCH_WARMUP_SECONDS"), out var warmUpSeconds) ? warmUpSeconds : 30);
        var warmingUp = Stopwatch.StartNew();
        for (var i = 0; i < queries + 20; i++)
        {
            var warmUp = warmingUp.Elapsed < warmUpFor;
            if (warmUp) i = 0;
            // A phone's map viewport: about 1.1 km × 1.3 km.
            var lat = 53.40 + random.NextDouble() * 0.29;
            var lng = -113.70 + random.NextDouble() * 0.38;
            var bbox = string.Create(CultureInfo.InvariantCulture, $"{lng},{lat},{lng + 0.02},{lat + 0.01}");
            var watch = Stopwatch.StartNew();
            var page = JsonDocument.Parse(await http.GetStringAsync($"/api/map/locations?bbox={bbox}&pageSize=500")).RootElement;
            watch.Stop();
            var sql = Stopwatch.StartNew();
            // The statement the endpoint runs: the page of 500 in id order and the total.
            var matched = await db.ScalarAsync<long>("""
                SELECT count(*) FROM (SELECT l.*, count(*) OVER () AS total_count FROM locations l
                    WHERE point(l.longitude::float8, l.latitude::float8) <@ box(point(@minLng, @minLat), point(@maxLng, @maxLat))
                    ORDER BY l.id LIMIT 500) s
                """, ("minLng", lng), ("minLat", lat), ("maxLng", lng + 0.02), ("maxLat", lat + 0.01));
            sql.Stop();
            if (warmUp || i < 20) continue;
            apiTimes.Add(watch.Elapsed.TotalMilliseconds);
            sqlTimes.Add(sql.Elapsed.TotalMilliseconds);
            rows += page.GetProperty("total").GetInt64();
            _ = matched;
        }
        Console.WriteLine($"[bbox] {count:N0} locations, {queries} viewports of 0.02° × 0.01°, {rows / (double)queries:F0} locations each on average");
        Console.WriteLine($"[bbox] GET /api/map/locations?bbox=… (count + page of 500, through frontend and grain): p50 {Measure.Percentile(apiTimes, 50):F1} ms, p95 {Measure.Percentile(apiTimes, 95):F1} ms");
        Console.WriteLine($"[bbox] its SQL alone (GiST point index, page of 500 in id order and the total): p50 {Measure.Percentile(sqlTimes, 50):F2} ms, p95 {Measure.Percentile(sqlTimes, 95):F2} ms");
    }
}
finally
{
    work.Delete(recursive: true);
}
