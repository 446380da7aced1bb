using System.Diagnostics;
using System.Globalization;
using ChangemakerLite.Grains.Canvassing;

// The walk-list route's work per request, before and after its plans were kept per cut and start area.
//   A (before): every request plans the whole cut's route from where the canvasser stands (WalkRoute.Plan), then
//               takes the doors it answers.
//   B (after):  every request takes a page of 500 doors from the plan kept for its start area (WalkPlans), planning
//               only when that area has no plan yet.
// Both run in this process on the same doors, in interleaved rounds (the machine's speed varies), and print CPU per
// request beside latency. SQL and JSON are left out: they were O(n) before and are O(page) after, on top of this.
//   dotnet run -c Release --project bench/WalkListBench -- --rounds 4 --requests 10
var rounds = Arg("rounds", 4);
var requests = Arg("requests", 10);
Console.WriteLine($"walk-list bench: {rounds} interleaved rounds of {requests} requests per side; {Environment.ProcessorCount} cores (shared machine)");

foreach (var (name, doors) in new[] { ("city, 20,000 doors on 100 streets", City(100, 100)), ("scattered, 4,000 buildings without street numbers", Scattered(4000)) })
{
    var random = new Random(7);
    var (minLat, maxLat) = (doors.Min(d => d.Latitude), doors.Max(d => d.Latitude));
    var (minLng, maxLng) = (doors.Min(d => d.Longitude), doors.Max(d => d.Longitude));
    // A shift's canvassers set out from a few meeting points, each phone a few tens of metres off.
    var meetingPoints = Enumerable.Range(0, 6).Select(_ => (minLat + random.NextDouble() * (maxLat - minLat), minLng + random.NextDouble() * (maxLng - minLng))).ToArray();
    (double, double) Near() { var (lat, lng) = meetingPoints[random.Next(meetingPoints.Length)]; return (lat + (random.NextDouble() - 0.5) * 0.0004, lng + (random.NextDouble() - 0.5) * 0.0004); }
    (double, double) Anywhere() => (minLat + random.NextDouble() * (maxLat - minLat), minLng + random.NextDouble() * (maxLng - minLng));

    var walkDoors = doors.Select(d => new WalkDoor(d.LocationId, d.Address, d.UnitNumber, d.Latitude, d.Longitude)).ToList();
    // One cut's kept plans per B side, so that the side whose starts are all new does not evict the other's.
    var cache = new WalkPlans(doors);
    var scatteredCache = new WalkPlans(doors);
    var budgetedCache = new WalkPlans(doors);
    // The grain's planning budget (WalkListGrain.PlansPerMinute): past it, a new area gets the nearest kept plan.
    var planned = new Queue<DateTime>();
    void Budgeted((double Lat, double Lng) at)
    {
        while (planned.Count > 0 && DateTime.UtcNow - planned.Peek() > TimeSpan.FromMinutes(1)) planned.Dequeue();
        var made = budgetedCache.PlansMade;
        _ = budgetedCache.From(at.Lat, at.Lng, mayPlan: planned.Count < WalkListGrain.PlansPerMinute).Order.Take(500).Count();
        if (budgetedCache.PlansMade > made) planned.Enqueue(DateTime.UtcNow);
    }
    var page = 500;
    void Before((double Lat, double Lng) at) => _ = WalkRoute.Plan(walkDoors, at.Lat, at.Lng).DoorOrder.Take(page).Count();
    void After(WalkPlans plans, (double Lat, double Lng) at) => _ = plans.From(at.Lat, at.Lng).Order.Take(page).Count();

    // Warm-up: the JIT, and nothing kept yet for B.
    Before(Near());
    var a = new Side("A before (plan per request)");
    var b = new Side("B after (kept plan, meeting points)");
    var c = new Side("B after (every start somewhere new)");
    var d = new Side("B after (new starts, 6 plans/min budget)");
    for (var round = 0; round < rounds; round++)
    {
        a.Run(requests, () => Before(Near()));
        b.Run(requests, () => After(cache, Near()));
        c.Run(Math.Max(1, requests / 2), () => After(scatteredCache, Anywhere()));
        d.Run(Math.Max(1, requests / 2), () => Budgeted(Anywhere()));
    }
    Console.WriteLine($"\n{name}: {doors.Count} doors; plans made: {cache.PlansMade} for {b.Count} requests from meeting points, {scatteredCache.PlansMade} for {c.Count} from anywhere (at most {WalkPlans.MaxPlans} kept, {WalkPlans.CellMeters} m start areas)");
    Console.WriteLine($"  (the budgeted side made {budgetedCache.PlansMade} plans for {d.Count} requests)");
    foreach (var side in new[] { a, b, c, d }) side.Print();
}

static int Arg(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, $"--{name}");
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static List<WalkPlans.Door> City(int streets, int housesPerStreet)
{
    var random = new Random(1);
    var doors = new List<WalkPlans.Door>();
    for (var street = 0; street < streets; street++)
        for (var house = 0; house < housesPerStreet; house++)
        {
            var location = Guid.NewGuid();
            var lat = 45 + street * 0.0009 + (house % 2 == 0 ? 0.00008 : -0.00008);
            var lng = -75 + house / 2 * 0.00019;
            var units = house % 4 == 0 ? 5 : 1;
            for (var u = 0; u < units; u++)
                doors.Add(new(Guid.NewGuid(), location, $"{100 + house} Street {street}", units == 1 ? null : $"{u + 1}", lat + random.NextDouble() * 0.00002, lng));
        }
    return doors;
}

static List<WalkPlans.Door> Scattered(int buildings)
{
    var random = new Random(2);
    return Enumerable.Range(0, buildings)
        .Select(_ => new WalkPlans.Door(Guid.NewGuid(), Guid.NewGuid(), null, null, 45 + random.NextDouble() * 0.045, -75 + random.NextDouble() * 0.02))
        .ToList();
}

sealed class Side(string name)
{
    private readonly List<double> _latencies = [];
    private TimeSpan _cpu;

    public int Count => _latencies.Count;

    public void Run(int count, Action request)
    {
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            request();
            _latencies.Add(watch.Elapsed.TotalMilliseconds);
        }
        process.Refresh();
        _cpu += process.TotalProcessorTime - cpuBefore;
    }

    public void Print()
    {
        var sorted = _latencies.Order().ToList();
        double P(double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-38} {sorted.Count,4} requests  CPU/request {_cpu.TotalMilliseconds / sorted.Count,9:F3} ms  p50 {P(0.5),9:F3} ms  p99 {P(0.99),9:F3} ms  throughput {sorted.Count / (sorted.Sum() / 1000),9:F1}/s"));
    }
}
