namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// The positions of a route's doors by square of <see cref="CellMeters"/>, so the door nearest to a canvasser that
/// passes a test (free to lease) is found by looking at the squares around them, ring by ring, rather than at every door.
/// </summary>
public sealed class RouteGrid
{
    public const double CellMeters = 100;
    private const double MetersPerDegree = 111_320;

    private readonly WalkPlans _plans;
    private readonly WalkPlans.Plan _plan;
    private readonly Dictionary<(int, int), List<int>> _cells = new();
    private readonly double _cellLat;
    private readonly double _cellLng;
    private readonly int _minRow, _maxRow, _minColumn, _maxColumn;

    public RouteGrid(WalkPlans plans, WalkPlans.Plan plan)
    {
        _plans = plans;
        _plan = plan;
        var midLat = plans.Doors.Count == 0 ? 0 : plans.Doors.Average(d => d.Latitude);
        _cellLat = CellMeters / MetersPerDegree;
        _cellLng = CellMeters / (MetersPerDegree * Math.Max(0.01, Math.Cos(midLat * Math.PI / 180)));
        (_minRow, _maxRow, _minColumn, _maxColumn) = (int.MaxValue, int.MinValue, int.MaxValue, int.MinValue);
        for (var position = 0; position < plan.Order.Length; position++)
        {
            var door = plans.Doors[plan.Order[position]];
            var cell = Cell(door.Latitude, door.Longitude);
            if (!_cells.TryGetValue(cell, out var list)) _cells[cell] = list = [];
            list.Add(position);
            (_minRow, _maxRow) = (Math.Min(_minRow, cell.Item1), Math.Max(_maxRow, cell.Item1));
            (_minColumn, _maxColumn) = (Math.Min(_minColumn, cell.Item2), Math.Max(_maxColumn, cell.Item2));
        }
    }

    public WalkPlans Plans => _plans;

    public WalkPlans.Plan Plan => _plan;

    /// <summary>The route position of the door nearest to the point for which <paramref name="usable"/> holds; null if none does.</summary>
    public int? Nearest(double latitude, double longitude, Func<WalkPlans.Door, bool> usable)
    {
        if (_cells.Count == 0) return null;
        var (row, column) = Cell(latitude, longitude);
        var rings = Math.Max(Math.Max(Math.Abs(row - _minRow), Math.Abs(row - _maxRow)), Math.Max(Math.Abs(column - _minColumn), Math.Abs(column - _maxColumn)));
        int? best = null;
        var bestMeters = double.MaxValue;
        int? foundAtRing = null;
        for (var ring = 0; ring <= rings; ring++)
        {
            // A door in the next ring can still be nearer than one found in a corner of this one; none beyond it can.
            if (foundAtRing is { } found && ring > found + 1) break;
            for (var r = row - ring; r <= row + ring; r++)
                for (var c = column - ring; c <= column + ring; c++)
                {
                    if (Math.Max(Math.Abs(r - row), Math.Abs(c - column)) != ring || !_cells.TryGetValue((r, c), out var positions)) continue;
                    foreach (var position in positions)
                    {
                        var door = _plans.Doors[_plan.Order[position]];
                        if (!usable(door)) continue;
                        var meters = Haversine.Meters(latitude, longitude, door.Latitude, door.Longitude);
                        if (meters < bestMeters || (meters == bestMeters && position < best))
                        {
                            (best, bestMeters) = (position, meters);
                            foundAtRing ??= ring;
                        }
                    }
                }
        }
        return best;
    }

    private (int, int) Cell(double latitude, double longitude) => ((int)Math.Floor(latitude / _cellLat), (int)Math.Floor(longitude / _cellLng));
}
