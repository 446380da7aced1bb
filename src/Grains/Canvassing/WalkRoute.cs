using System.Diagnostics;
using ChangemakerLite.Grains.Interfaces.Map;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>One door (unit) to visit: the input of <see cref="WalkRoute.Plan{T}"/>.</summary>
public readonly record struct WalkDoor(Guid LocationId, string? Address, string? UnitNumber, double Latitude, double Longitude);

/// <summary>
/// Orders a cut's doors for walking.
///
/// The algorithm:
/// 1. Units are grouped by building (location); a building's units are visited together, in natural
///    unit-number order ("2" before "10").
/// 2. Buildings are grouped by street and side, by the rule the printed walk sheet also follows
///    (<see cref="WalkingOrder"/>: "123 Main St", "4-123 Main St", "123A Main St", "123 1/2 Main St"); odd and even
///    numbers are the two sides of a street, because canvassers walk up one side and back down the other rather than
///    zig-zagging across traffic. Within a side, buildings are in <see cref="WalkingOrder.CompareAlongSide"/> order
///    (house number, then suffix); a side is split where two neighbours are more
///    than <see cref="SplitGapMeters"/> apart (the street leaves the cut and comes back). Each piece is a
///    "run": walked whole, in either direction. A building whose address cannot be parsed is a run of one.
/// 3. Runs are ordered by a nearest-neighbour tour from the start point: repeatedly walk to the closest end
///    of any unwalked run and walk it to its other end.
/// 4. The tour is improved by 2-opt on the open path (the start is fixed, the end is free): reversing a
///    stretch of runs also reverses the direction each run is walked, so a move changes only the two joins
///    at its ends and is evaluated in O(1). Only moves that create a join to one of a run's ten nearest
///    runs are tried, and runs are revisited only when a join next to them changed (neighbour lists and
///    don't-look bits), which makes it near-linear; it stops at a 2-opt local optimum over those moves, or
///    when the time budget (<see cref="ImprovementBudget"/>) is spent, returning the best path so far.
/// Distances between runs are Euclidean on a local equirectangular projection, which is exact to well
/// under a metre at the size of a cut and much cheaper than haversine in the O(n²) loops; the reported
/// route length uses haversine.
/// </summary>
public static class WalkRoute
{
    public const double SplitGapMeters = 150;
    public static readonly TimeSpan ImprovementBudget = TimeSpan.FromMilliseconds(250);

    public sealed record Result(IReadOnlyList<int> DoorOrder, int Buildings, double RouteMeters);

    /// <summary>Returns door indexes in walking order.</summary>
    public static Result Plan(IReadOnlyList<WalkDoor> doors, double? fromLatitude, double? fromLongitude)
    {
        if (doors.Count == 0) return new Result([], 0, 0);

        var buildings = doors.Select((d, i) => (Door: d, Index: i))
            .GroupBy(d => d.Door.LocationId)
            .Select(g => new Building(g.First().Door, g.OrderBy(d => d.Door.UnitNumber, WalkingOrder.NaturalComparer.Instance).ThenBy(d => d.Index)
                .Select(d => d.Index).ToArray()))
            .ToList();

        var lat0 = buildings.Average(b => b.Latitude);
        var lng0 = buildings.Average(b => b.Longitude);
        var projection = new Projection(lat0, lng0);
        foreach (var building in buildings) (building.X, building.Y) = projection.Project(building.Latitude, building.Longitude);

        var runs = BuildRuns(buildings);
        var (startX, startY) = fromLatitude is { } flat && fromLongitude is { } flng
            ? projection.Project(flat, flng)
            // Without a position, start at the south-west-most end so the answer is stable.
            : runs.SelectMany(r => new[] { r.First, r.Last }).OrderBy(b => b.X + b.Y).Select(b => (b.X, b.Y)).First();

        var tour = NearestNeighbour(runs, startX, startY);
        TwoOpt(tour, startX, startY);

        var order = new List<int>(doors.Count);
        var path = new List<Building>(buildings.Count);
        foreach (var step in tour)
        {
            var run = step.Run;
            for (var k = 0; k < run.Buildings.Count; k++)
            {
                var building = run.Buildings[step.Reversed ? run.Buildings.Count - 1 - k : k];
                path.Add(building);
                order.AddRange(building.DoorIndexes);
            }
        }
        var meters = 0.0;
        if (fromLatitude is { } sLat && fromLongitude is { } sLng)
            meters += Haversine.Meters(sLat, sLng, path[0].Latitude, path[0].Longitude);
        for (var i = 1; i < path.Count; i++)
            meters += Haversine.Meters(path[i - 1].Latitude, path[i - 1].Longitude, path[i].Latitude, path[i].Longitude);
        return new Result(order, buildings.Count, meters);
    }

    private static List<Run> BuildRuns(List<Building> buildings)
    {
        var runs = new List<Run>();
        var numbered = new List<Building>();
        foreach (var building in buildings)
        {
            var parsed = WalkingOrder.Parse(building.Address);
            if (parsed.Number is { } number)
            {
                building.Number = number;
                building.Parsed = parsed;
                building.Street = parsed.StreetKey;
                numbered.Add(building);
            }
            else
            {
                runs.Add(new Run([building]));
            }
        }
        foreach (var side in numbered.GroupBy(b => (b.Street, Odd: b.Number % 2 == 1)))
        {
            var ordered = side.Order(AlongSide).ToList();
            var current = new List<Building> { ordered[0] };
            for (var i = 1; i < ordered.Count; i++)
            {
                if (Distance(ordered[i - 1], ordered[i]) > SplitGapMeters)
                {
                    runs.Add(new Run(current));
                    current = [];
                }
                current.Add(ordered[i]);
            }
            runs.Add(new Run(current));
        }
        return runs;
    }

    private static readonly Comparer<Building> AlongSide = Comparer<Building>.Create((a, b) =>
    {
        var order = WalkingOrder.CompareAlongSide(a.Parsed, null, b.Parsed, null);
        return order != 0 ? order : string.CompareOrdinal(a.Address, b.Address);
    });

    private static List<Step> NearestNeighbour(List<Run> runs, double startX, double startY)
    {
        var tour = new List<Step>(runs.Count);
        var walked = new bool[runs.Count];
        var (x, y) = (startX, startY);
        for (var placed = 0; placed < runs.Count; placed++)
        {
            var best = -1;
            var bestReversed = false;
            var bestDistance = double.MaxValue;
            for (var r = 0; r < runs.Count; r++)
            {
                if (walked[r]) continue;
                var toFirst = Distance(x, y, runs[r].First);
                if (toFirst < bestDistance) (best, bestReversed, bestDistance) = (r, false, toFirst);
                var toLast = Distance(x, y, runs[r].Last);
                if (toLast < bestDistance) (best, bestReversed, bestDistance) = (r, true, toLast);
            }
            walked[best] = true;
            var step = new Step(runs[best], bestReversed);
            tour.Add(step);
            (x, y) = (step.Exit.X, step.Exit.Y);
        }
        return tour;
    }

    /// <summary>
    /// 2-opt on the open path start → tour[0] → … → tour[n-1] (see the class comment), with the classic
    /// speed-ups that keep it near-linear: only moves whose new join lands near one of the run's
    /// <see cref="Neighbours"/> closest runs are tried, and a run is looked at again only after a join
    /// next to it changed ("don't-look bits").
    /// </summary>
    private static void TwoOpt(List<Step> tour, double startX, double startY)
    {
        var n = tour.Count;
        if (n < 2) return;
        var clock = Stopwatch.StartNew();
        var runs = tour.Select(s => s.Run).ToArray();
        var index = new Dictionary<Run, int>(ReferenceEqualityComparer.Instance);
        for (var r = 0; r < n; r++) index[runs[r]] = r;
        var order = new int[n];     // run at each position
        var position = new int[n];  // position of each run
        var reversed = new bool[n]; // walked last-to-first
        for (var p = 0; p < n; p++)
        {
            order[p] = index[tour[p].Run];
            position[order[p]] = p;
            reversed[order[p]] = tour[p].Reversed;
        }
        var (fx, fy, lx, ly) = (new double[n], new double[n], new double[n], new double[n]);
        for (var r = 0; r < n; r++) (fx[r], fy[r], lx[r], ly[r]) = (runs[r].First.X, runs[r].First.Y, runs[r].Last.X, runs[r].Last.Y);

        double EntryX(int r) => reversed[r] ? lx[r] : fx[r];
        double EntryY(int r) => reversed[r] ? ly[r] : fy[r];
        double ExitX(int r) => reversed[r] ? fx[r] : lx[r];
        double ExitY(int r) => reversed[r] ? fy[r] : ly[r];
        // The point the walk is at just before position p: the start, or the previous run's exit.
        double BeforeX(int p) => p == 0 ? startX : ExitX(order[p - 1]);
        double BeforeY(int p) => p == 0 ? startY : ExitY(order[p - 1]);
        static double D(double ax, double ay, double bx, double by) => Math.Sqrt((ax - bx) * (ax - bx) + (ay - by) * (ay - by));

        var neighbours = NearestRuns(n, fx, fy, lx, ly);
        var startNeighbours = Enumerable.Range(0, n).OrderBy(r => Math.Min(D(startX, startY, fx[r], fy[r]), D(startX, startY, lx[r], ly[r])))
            .Take(Neighbours).ToArray();

        // Gain of reversing positions i..j (i ≤ j): the join into i now meets j's exit, and i's entry meets what followed j.
        double Delta(int i, int j)
        {
            var (bx, by) = (BeforeX(i), BeforeY(i));
            var ri = order[i];
            var rj = order[j];
            var delta = D(bx, by, ExitX(rj), ExitY(rj)) - D(bx, by, EntryX(ri), EntryY(ri));
            if (j + 1 < n)
            {
                var next = order[j + 1];
                delta += D(EntryX(ri), EntryY(ri), EntryX(next), EntryY(next)) - D(ExitX(rj), ExitY(rj), EntryX(next), EntryY(next));
            }
            return delta;
        }

        var queued = new bool[n];
        var queue = new Queue<int>();
        void Wake(int p)
        {
            if (p < 0 || p >= n || queued[order[p]]) return;
            queued[order[p]] = true;
            queue.Enqueue(order[p]);
        }
        void Apply(int i, int j)
        {
            for (int a = i, b = j; a <= b; a++, b--)
            {
                (order[a], order[b]) = (order[b], order[a]);
                reversed[order[a]] = !reversed[order[a]];
                if (a != b) reversed[order[b]] = !reversed[order[b]];
                position[order[a]] = a;
                position[order[b]] = b;
            }
            Wake(i - 1); Wake(i); Wake(j); Wake(j + 1);
        }

        for (var p = 0; p < n; p++) Wake(p);
        while (queue.Count > 0 && clock.Elapsed < ImprovementBudget)
        {
            var run = queue.Dequeue();
            queued[run] = false;
            var improved = false;
            // The two joins touching this run: the one into it (k = its position) and the one out of it (k + 1).
            for (var side = 0; side < 2 && !improved; side++)
            {
                var k = position[run] + side;
                if (k >= n) continue;
                // Reversals starting at k: the walk so far should continue at a run near where it stands.
                var near = k == 0 ? startNeighbours : neighbours[order[k - 1]];
                foreach (var candidate in near)
                {
                    var j = position[candidate];
                    if (j < k || Delta(k, j) >= -1e-6) continue;
                    Apply(k, j);
                    improved = true;
                    break;
                }
                if (improved || k == 0) continue;
                // Reversals ending just before k: the run at k should be entered from a run near it.
                foreach (var candidate in neighbours[order[k]])
                {
                    var i = position[candidate];
                    if (i >= k || Delta(i, k - 1) >= -1e-6) continue;
                    Apply(i, k - 1);
                    improved = true;
                    break;
                }
            }
            if (improved) Wake(position[run]);
        }

        for (var p = 0; p < n; p++) tour[p] = new Step(runs[order[p]], reversed[order[p]]);
    }

    private const int Neighbours = 10;

    /// <summary>For each run, the runs whose ends lie closest to either of its ends.</summary>
    private static int[][] NearestRuns(int n, double[] fx, double[] fy, double[] lx, double[] ly)
    {
        var k = Math.Min(Neighbours, n - 1);
        var result = new int[n][];
        var bestD = new double[k];
        var bestR = new int[k];
        for (var r = 0; r < n; r++)
        {
            var count = 0;
            for (var c = 0; c < n; c++)
            {
                if (c == r) continue;
                var d = Math.Min(Math.Min(Sq(fx[r] - fx[c], fy[r] - fy[c]), Sq(fx[r] - lx[c], fy[r] - ly[c])),
                                 Math.Min(Sq(lx[r] - fx[c], ly[r] - fy[c]), Sq(lx[r] - lx[c], ly[r] - ly[c])));
                if (count == k && d >= bestD[k - 1]) continue;
                var at = count < k ? count++ : k - 1;
                while (at > 0 && bestD[at - 1] > d)
                {
                    bestD[at] = bestD[at - 1];
                    bestR[at] = bestR[at - 1];
                    at--;
                }
                bestD[at] = d;
                bestR[at] = c;
            }
            result[r] = bestR[..count];
        }
        return result;

        static double Sq(double dx, double dy) => dx * dx + dy * dy;
    }

    private static double Distance(Building a, Building b) => Distance(a.X, a.Y, b);
    private static double Distance(double x, double y, Building b)
    {
        var dx = x - b.X;
        var dy = y - b.Y;
        return Math.Sqrt(dx * dx + dy * dy);
    }

    private sealed class Building(WalkDoor first, int[] doorIndexes)
    {
        public string? Address { get; } = first.Address;
        public double Latitude { get; } = first.Latitude;
        public double Longitude { get; } = first.Longitude;
        public int[] DoorIndexes { get; } = doorIndexes;
        public double X { get; set; }
        public double Y { get; set; }
        public long Number { get; set; }
        public WalkingOrder.Parsed Parsed { get; set; }
        public string Street { get; set; } = "";
    }

    private sealed class Run(List<Building> buildings)
    {
        public List<Building> Buildings { get; } = buildings;
        public Building First => Buildings[0];
        public Building Last => Buildings[^1];
    }

    private readonly record struct Step(Run Run, bool Reversed)
    {
        public Building Entry => Reversed ? Run.Last : Run.First;
        public Building Exit => Reversed ? Run.First : Run.Last;
    }

    private readonly struct Projection(double lat0, double lng0)
    {
        private readonly double _metersPerDegreeLat = Haversine.EarthRadiusMeters * Math.PI / 180;
        private readonly double _metersPerDegreeLng = Haversine.EarthRadiusMeters * Math.PI / 180 * Math.Cos(Haversine.ToRadians(lat0));

        public (double X, double Y) Project(double latitude, double longitude) =>
            ((longitude - lng0) * _metersPerDegreeLng, (latitude - lat0) * _metersPerDegreeLat);
    }
}
