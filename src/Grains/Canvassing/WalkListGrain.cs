using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// One cut's walk list. It reads the cut's doors once (the map module's "addresses inside the cut") and keeps the routes
/// planned from the last few start areas (<see cref="WalkPlans"/>), so a request costs a slice of a kept plan plus, for
/// the page's doors only, one indexed read of their latest visits and support levels. Being one activation per cut, it
/// also plans at most one route of a cut at a time, however many canvassers ask at once.
///
/// Planning itself is bounded: at most <see cref="PlansPerMinute"/> routes a minute per cut; past that a new start area
/// gets the nearest kept route.
///
/// The doors are read again when the ones held are older than <see cref="Ttl"/>: in the background, while pages are
/// answered from the ones held; the kept plans are dropped only if the doors changed (a new door, a moved or re-addressed
/// building, a redrawn cut). So a change is on the walk list within about <see cref="Ttl"/>.
/// </summary>
public sealed partial class WalkListGrain(NpgsqlDataSource db, [FromKeyedServices(CanvassClock.Key)] TimeProvider time, ILogger<WalkListGrain> logger)
    : Grain, IWalkListGrain
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Routes planned per cut per minute at most. Past it, a start area without a plan is answered from the nearest kept
    /// one, so asking from ever new places cannot make a cut cost more than this many plans a minute.
    /// </summary>
    public const int PlansPerMinute = 6;

    private WalkPlans? _plans;
    private DateTimeOffset _loadedAt;
    private Task? _refreshing;
    private readonly Queue<DateTimeOffset> _planned = new();

    private Guid CutId => this.GetPrimaryKey();

    public async Task<WalkList> Page(double? fromLatitude, double? fromLongitude, PageRequest page, bool withSupport)
    {
        if (_plans is null)
        {
            _plans = new WalkPlans(await LoadDoors());
            _loadedAt = time.GetUtcNow();
        }
        else if (time.GetUtcNow() - _loadedAt > Ttl && _refreshing is null)
        {
            _refreshing = Refresh();
        }

        var plans = _plans;
        var now = time.GetUtcNow();
        while (_planned.Count > 0 && now - _planned.Peek() > TimeSpan.FromMinutes(1)) _planned.Dequeue();
        var made = plans.PlansMade;
        var plan = plans.From(fromLatitude, fromLongitude, mayPlan: _planned.Count < PlansPerMinute);
        if (plans.PlansMade > made) _planned.Enqueue(now);
        var slice = plan.Order.Skip(page.Offset).Take(page.PageSize).ToArray();
        var doors = slice.Select(i => plans.Doors[i]).ToArray();
        var facts = await DoorFacts(doors.Select(d => d.AddressId).ToArray());

        var items = new List<WalkListItem>(doors.Length);
        for (var i = 0; i < doors.Length; i++)
        {
            var door = doors[i];
            facts.TryGetValue(door.AddressId, out var fact);
            // Without the grant, a canvasser learns that a door was visited and when, never what was said there.
            var lastVisit = fact.VisitedAt is { } at ? new LastVisit(withSupport ? fact.Outcome : null, at, fact.CanvasserId, fact.CanvasserName) : null;
            items.Add(new WalkListItem(page.Offset + i + 1, door.AddressId, door.LocationId, door.Address, door.UnitNumber, door.Latitude,
                door.Longitude, withSupport ? fact.Support : null, lastVisit));
        }
        return new WalkList(CutId, plan.Buildings, plan.Order.Length, Math.Round(plans.RouteMetersFrom(plan, fromLatitude, fromLongitude), 1), items,
            page.Page, page.PageSize);
    }

    private async Task Refresh()
    {
        try
        {
            var doors = await LoadDoors();
            _loadedAt = time.GetUtcNow();
            // Plans stay valid while the doors they were made for are the same.
            if (WalkPlans.FingerprintOf(doors) != _plans!.Fingerprint) _plans = new WalkPlans(doors);
        }
        catch (Exception ex)
        {
            // The doors held stay in use; the next page after the next TTL tries again.
            logger.LogWarning(ex, "Could not re-read the doors of cut {Cut} for its walk list", CutId);
            _loadedAt = time.GetUtcNow();
        }
        finally
        {
            _refreshing = null;
        }
    }

    private async Task<List<WalkPlans.Door>> LoadDoors()
    {
        // Buildings without units have no door to record, so they are not on the walk list.
        var doors = new List<WalkPlans.Door>();
        foreach (var row in await GrainFactory.GetGrain<IMapQueryGrain>(0).AddressesInCut(CutId, CanvassCuts.MaxDoors))
            if (row.AddressId is { } addressId)
                doors.Add(new WalkPlans.Door(addressId, row.LocationId, row.Address, row.UnitNumber, row.Latitude, row.Longitude));
        return doors;
    }

    /// <summary>
    /// The page's doors' support levels and latest visits with who made them ("last knocked by X"), read now (they change
    /// all day; the route does not).
    /// </summary>
    private async Task<Dictionary<Guid, (SupportLevel? Support, VisitOutcome? Outcome, DateTimeOffset? VisitedAt, Guid? CanvasserId, string? CanvasserName)>>
        DoorFacts(Guid[] ids)
    {
        var facts = new Dictionary<Guid, (SupportLevel?, VisitOutcome?, DateTimeOffset?, Guid?, string?)>(ids.Length);
        if (ids.Length == 0) return facts;
        await using var command = db.Command("""
            SELECT a.id, a.support_level, lv.outcome, lv.visited_at, lv.user_id, u.name
            FROM addresses a
            LEFT JOIN LATERAL (SELECT v.outcome, v.visited_at, v.user_id FROM canvass_visits v WHERE v.address_id = a.id
                               ORDER BY v.visited_at DESC LIMIT 1) lv ON true
            LEFT JOIN users u ON u.id = lv.user_id
            WHERE a.id = ANY(@ids)
            """, ("ids", ids));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            facts[reader.GetGuid(0)] = (
                reader.IsDBNull(1) ? null : reader.GetFieldValue<SupportLevel>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<VisitOutcome>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.IsDBNull(5) ? null : reader.GetString(5));
        return facts;
    }
}
