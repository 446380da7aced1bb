namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// The doors of one cut and the routes planned over them, one per start area. Planning a route (<see cref="WalkRoute.Plan"/>)
/// costs up to seconds on a cut of 100,000 doors; a page of a planned route costs a slice. So a route is planned once per
/// start area and kept: the start is snapped to a square of <see cref="CellMeters"/> (its centre is where the plan starts),
/// a start beyond the doors' bounds is brought onto their edge, and at most <see cref="MaxPlans"/> routes are kept, the
/// least recently used going first. New doors (a different <see cref="Fingerprint"/>) make a new instance, so no plan
/// outlives the doors it was made for.
/// </summary>
public sealed class WalkPlans
{
    public const double CellMeters = 200;
    public const int MaxPlans = 16;
    private const double MetersPerDegree = 111_320;

    /// <summary>A door as the walk list shows it.</summary>
    public sealed record Door(Guid AddressId, Guid LocationId, string? Address, string? UnitNumber, double Latitude, double Longitude);

    /// <summary>Door indexes in walking order, the route's buildings and its length from the start area's centre.</summary>
    public sealed record Plan(int[] Order, int Buildings, double RouteMeters, double StartLatitude, double StartLongitude);

    private readonly WalkDoor[] _walkDoors;
    private readonly Dictionary<(long, long), (Plan Plan, long LastUsed)> _plans = new();
    private readonly double _cellLat;
    private readonly double _cellLng;
    private readonly (double MinLat, double MaxLat, double MinLng, double MaxLng) _bounds;
    private long _uses;

    public WalkPlans(IReadOnlyList<Door> doors)
    {
        Doors = doors;
        _walkDoors = doors.Select(d => new WalkDoor(d.LocationId, d.Address, d.UnitNumber, d.Latitude, d.Longitude)).ToArray();
        Fingerprint = FingerprintOf(doors);
        var midLat = doors.Count == 0 ? 0 : doors.Average(d => d.Latitude);
        _cellLat = CellMeters / MetersPerDegree;
        _cellLng = CellMeters / (MetersPerDegree * Math.Max(0.01, Math.Cos(midLat * Math.PI / 180)));
        _bounds = doors.Count == 0
            ? (0, 0, 0, 0)
            : (doors.Min(d => d.Latitude) - _cellLat, doors.Max(d => d.Latitude) + _cellLat,
               doors.Min(d => d.Longitude) - _cellLng, doors.Max(d => d.Longitude) + _cellLng);
    }

    public IReadOnlyList<Door> Doors { get; }

    /// <summary>What a plan depends on: each door's id, building, address, unit and position, in the order read.</summary>
    public long Fingerprint { get; }

    /// <summary>How many plans were made (a page served from a kept plan makes none).</summary>
    public int PlansMade { get; private set; }

    public static long FingerprintOf(IReadOnlyList<Door> doors)
    {
        var hash = new HashCode();
        hash.Add(doors.Count);
        foreach (var d in doors)
        {
            hash.Add(d.AddressId);
            hash.Add(d.LocationId);
            hash.Add(d.Address);
            hash.Add(d.UnitNumber);
            hash.Add(d.Latitude);
            hash.Add(d.Longitude);
        }
        return hash.ToHashCode();
    }

    /// <summary>
    /// The route from the start area of the given position (none: the route's own south-west start). When the area has
    /// no plan and <paramref name="mayPlan"/> is false (the cut's planning budget is spent), the kept plan of the nearest
    /// area answers instead: a slightly longer first leg rather than seconds of CPU for whoever asks from a new place.
    /// </summary>
    public Plan From(double? latitude, double? longitude, bool mayPlan = true)
    {
        (long, long) key;
        double? startLat = null, startLng = null;
        if (latitude is { } lat && longitude is { } lng && Doors.Count > 0)
        {
            lat = Math.Clamp(lat, _bounds.MinLat, _bounds.MaxLat);
            lng = Math.Clamp(lng, _bounds.MinLng, _bounds.MaxLng);
            var row = (long)Math.Floor(lat / _cellLat);
            var column = (long)Math.Floor(lng / _cellLng);
            key = (row, column);
            (startLat, startLng) = ((row + 0.5) * _cellLat, (column + 0.5) * _cellLng);
        }
        else
        {
            key = (long.MinValue, long.MinValue);
        }
        if (_plans.TryGetValue(key, out var kept))
        {
            _plans[key] = (kept.Plan, ++_uses);
            return kept.Plan;
        }
        if (!mayPlan && _plans.Count > 0)
        {
            var nearest = _plans.MinBy(p => Math.Abs(p.Key.Item1 - key.Item1) + Math.Abs(p.Key.Item2 - key.Item2)).Key;
            _plans[nearest] = (_plans[nearest].Plan, ++_uses);
            return _plans[nearest].Plan;
        }
        var result = WalkRoute.Plan(_walkDoors, startLat, startLng);
        PlansMade++;
        var plan = new Plan(result.DoorOrder as int[] ?? result.DoorOrder.ToArray(), result.Buildings, result.RouteMeters,
            startLat ?? double.NaN, startLng ?? double.NaN);
        if (_plans.Count >= MaxPlans)
            _plans.Remove(_plans.MinBy(p => p.Value.LastUsed).Key);
        _plans[key] = (plan, ++_uses);
        return plan;
    }

    /// <summary>
    /// The route's length from the caller's own position: the plan's, with its first leg (from the start area's centre)
    /// replaced by the leg from where the caller stands.
    /// </summary>
    public double RouteMetersFrom(Plan plan, double? latitude, double? longitude)
    {
        if (plan.Order.Length == 0 || double.IsNaN(plan.StartLatitude) || latitude is not { } lat || longitude is not { } lng)
            return plan.RouteMeters;
        var first = Doors[plan.Order[0]];
        return Math.Max(0, plan.RouteMeters - Haversine.Meters(plan.StartLatitude, plan.StartLongitude, first.Latitude, first.Longitude)
                           + Haversine.Meters(lat, lng, first.Latitude, first.Longitude));
    }
}
