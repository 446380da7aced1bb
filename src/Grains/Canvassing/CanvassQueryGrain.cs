using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Canvassing;

[StatelessWorker]
public sealed class CanvassQueryGrain(NpgsqlDataSource db, [FromKeyedServices(CanvassClock.Key)] TimeProvider time) : Grain, ICanvassQueryGrain
{
    public async Task<Page<CanvassSessionView>> ListSessions(SessionFilter filter, PageRequest page)
    {
        const string where = """
            WHERE (@status::canvass_session_status IS NULL OR s.status = @status::canvass_session_status)
              AND (@user::uuid IS NULL OR s.user_id = @user::uuid)
              AND (@cut::uuid IS NULL OR s.cut_id = @cut::uuid)
              AND (@shift::uuid IS NULL OR s.shift_id = @shift::uuid)
            """;
        (string, object?)[] parameters = [("status", filter.Status), ("user", filter.UserId), ("cut", filter.CutId), ("shift", filter.ShiftId)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM canvass_sessions s {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {CanvassRows.SessionColumns} FROM {CanvassRows.SessionFrom} {where}
            ORDER BY s.started_at DESC, s.id DESC LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(CanvassRows.ReadSession);
        return new Page<CanvassSessionView>(items, total, page.Page, page.PageSize);
    }

    public Task<CanvassSessionDetails?> GetSession(Guid sessionId) => Details("s.id = @id", sessionId);

    public Task<CanvassSessionDetails?> GetActiveSession(Guid userId) => Details("s.user_id = @id AND s.status = 'ACTIVE'", userId);

    private async Task<CanvassSessionDetails?> Details(string condition, Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.Command($"""
            SELECT {CanvassRows.SessionColumns}, t.total_points, t.total_distance_m, t.last_latitude::float8 AS last_latitude,
                   t.last_longitude::float8 AS last_longitude, t.last_recorded_at
            FROM {CanvassRows.SessionFrom} WHERE {condition}
            ORDER BY s.started_at DESC LIMIT 1
            """, null, ("id", id)).FirstOrDefaultAsync(r => (
                Session: CanvassRows.ReadSession(r),
                TotalPoints: r.Get<int>("total_points"),
                Distance: r.Get<double>("total_distance_m"),
                LastLat: r.GetValueOrNull<double>("last_latitude"),
                LastLng: r.GetValueOrNull<double>("last_longitude"),
                LastAt: r.GetValueOrNull<DateTimeOffset>("last_recorded_at")));
        if (row.Session is null) return null;
        var byOutcome = Enum.GetValues<VisitOutcome>().ToDictionary(o => EnumWireNames.ToWireName(o), _ => 0);
        foreach (var (outcome, count) in await connection.Command(
                     "SELECT outcome, count(*) FROM canvass_visits WHERE session_id = @id GROUP BY outcome", null, ("id", row.Session.Id))
                     .ListAsync(r => (r.GetFieldValue<VisitOutcome>(0), r.GetInt64(1))))
            byOutcome[EnumWireNames.ToWireName(outcome)] = (int)count;
        var end = row.Session.EndedAt ?? time.GetUtcNow();
        var duration = (long)Math.Max(0, (end - row.Session.StartedAt).TotalSeconds);
        return new CanvassSessionDetails(row.Session, byOutcome.Values.Sum(), byOutcome, row.TotalPoints, row.Distance, duration,
            row.LastLat, row.LastLng, row.LastAt);
    }

    public Task<SessionOwnership?> GetOwnership(Guid sessionId) =>
        db.Command("SELECT id, user_id, cut_id FROM canvass_sessions WHERE id = @id", ("id", sessionId))
            .FirstOrDefaultAsync(r => (SessionOwnership?)new SessionOwnership(r.GetGuid(0), r.GetGuid(1), r.IsDBNull(2) ? null : r.GetGuid(2)));

    public async Task<TrackView?> GetTrack(Guid sessionId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var trail = await connection.Command("""
            SELECT id, is_active, total_points, total_distance_m FROM tracking_sessions WHERE canvass_session_id = @id
            """, null, ("id", sessionId)).FirstOrDefaultAsync(r => (Id: r.GetGuid(0), Active: r.GetBoolean(1), Points: r.GetInt32(2), Distance: r.GetDouble(3)));
        if (trail.Id == Guid.Empty) return null;
        var points = await connection.Command("""
            SELECT seq, latitude::float8, longitude::float8, accuracy, recorded_at, event_type
            FROM track_points WHERE tracking_session_id = @id ORDER BY recorded_at, id
            """, null, ("id", trail.Id)).ListAsync(r => new TrackPointView(
                r.IsDBNull(0) ? null : r.GetInt64(0), r.GetDouble(1), r.GetDouble(2), r.IsDBNull(3) ? null : r.GetDouble(3),
                r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetFieldValue<TrackPointEvent>(5)));
        return new TrackView(sessionId, trail.Id, trail.Active, trail.Points, trail.Distance, points);
    }

    public async Task<bool> MayCanvassCut(Guid cutId, Caller caller) =>
        await db.Command("""
            SELECT EXISTS (
                SELECT 1 FROM cuts c WHERE c.id = @cut AND (@admin OR c.is_public OR EXISTS (
                    SELECT 1 FROM shift_signups su JOIN shifts sh ON sh.id = su.shift_id
                    WHERE sh.cut_id = c.id AND su.user_id = @user AND su.status = 'CONFIRMED')))
            """, ("cut", cutId), ("admin", caller.IsAdmin), ("user", caller.UserId)).ScalarAsync<bool>();

    public async Task<WalkList> WalkList(Guid cutId, double? fromLatitude, double? fromLongitude)
    {
        var area = await Area(cutId);
        var doors = new List<WalkDoor>();
        var details = new List<(Guid AddressId, SupportLevel? Support, LastVisit? Last)>();
        await using (var command = db.Command("""
            SELECT l.id AS location_id, l.address, l.latitude::float8 AS latitude, l.longitude::float8 AS longitude,
                   a.id AS address_id, a.unit_number, a.support_level, lv.outcome, lv.visited_at
            FROM locations l
            JOIN addresses a ON a.location_id = l.id
            LEFT JOIN LATERAL (SELECT v.outcome, v.visited_at FROM canvass_visits v WHERE v.address_id = a.id
                               ORDER BY v.visited_at DESC LIMIT 1) lv ON true
            WHERE l.latitude BETWEEN @minLat AND @maxLat AND l.longitude BETWEEN @minLng AND @maxLng
            """, BoxParameters(area)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            var (cLocation, cAddress, cLat, cLng, cId, cUnit, cSupport, cOutcome, cVisited) = (
                reader.GetOrdinal("location_id"), reader.GetOrdinal("address"), reader.GetOrdinal("latitude"), reader.GetOrdinal("longitude"),
                reader.GetOrdinal("address_id"), reader.GetOrdinal("unit_number"), reader.GetOrdinal("support_level"),
                reader.GetOrdinal("outcome"), reader.GetOrdinal("visited_at"));
            while (await reader.ReadAsync())
            {
                var lat = reader.GetDouble(cLat);
                var lng = reader.GetDouble(cLng);
                if (!area.Contains(lat, lng)) continue;
                doors.Add(new WalkDoor(reader.GetGuid(cLocation), reader.IsDBNull(cAddress) ? null : reader.GetString(cAddress),
                    reader.IsDBNull(cUnit) ? null : reader.GetString(cUnit), lat, lng));
                details.Add((reader.GetGuid(cId),
                    reader.IsDBNull(cSupport) ? null : reader.GetFieldValue<SupportLevel>(cSupport),
                    reader.IsDBNull(cOutcome) ? null : new LastVisit(reader.GetFieldValue<VisitOutcome>(cOutcome), reader.GetFieldValue<DateTimeOffset>(cVisited))));
            }
        }
        var plan = WalkRoute.Plan(doors, fromLatitude, fromLongitude);
        var items = new List<WalkListItem>(doors.Count);
        foreach (var index in plan.DoorOrder)
        {
            var door = doors[index];
            var detail = details[index];
            items.Add(new WalkListItem(items.Count + 1, detail.AddressId, door.LocationId, door.Address, door.UnitNumber, door.Latitude,
                door.Longitude, detail.Support, detail.Last));
        }
        return new WalkList(cutId, plan.Buildings, items.Count, Math.Round(plan.RouteMeters, 1), items);
    }

    public async Task<CutStats> CutStats(Guid cutId)
    {
        var area = await Area(cutId);
        await using var connection = await db.OpenConnectionAsync();
        int doors = 0, visitedDoors = 0;
        var support = Enum.GetValues<SupportLevel>().ToDictionary(s => EnumWireNames.ToWireName(s), _ => 0);
        await using (var command = connection.Command("""
            SELECT l.latitude::float8, l.longitude::float8, a.support_level,
                   EXISTS (SELECT 1 FROM canvass_visits v WHERE v.address_id = a.id AND v.cut_id = @cut) AS visited
            FROM locations l JOIN addresses a ON a.location_id = l.id
            WHERE l.latitude BETWEEN @minLat AND @maxLat AND l.longitude BETWEEN @minLng AND @maxLng
            """, null, [.. BoxParameters(area), ("cut", cutId)]))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                if (!area.Contains(reader.GetDouble(0), reader.GetDouble(1))) continue;
                doors++;
                if (!reader.IsDBNull(2)) support[EnumWireNames.ToWireName(reader.GetFieldValue<SupportLevel>(2))]++;
                if (reader.GetBoolean(3)) visitedDoors++;
            }
        var byOutcome = Enum.GetValues<VisitOutcome>().ToDictionary(o => EnumWireNames.ToWireName(o), _ => 0);
        foreach (var (outcome, count) in await connection.Command(
                     "SELECT outcome, count(*) FROM canvass_visits WHERE cut_id = @cut GROUP BY outcome", null, ("cut", cutId))
                     .ListAsync(r => (r.GetFieldValue<VisitOutcome>(0), r.GetInt64(1))))
            byOutcome[EnumWireNames.ToWireName(outcome)] = (int)count;
        var (active, last) = await connection.Command("""
            SELECT (SELECT count(*) FROM canvass_sessions WHERE cut_id = @cut AND status = 'ACTIVE'),
                   (SELECT max(visited_at) FROM canvass_visits WHERE cut_id = @cut)
            """, null, ("cut", cutId)).FirstOrDefaultAsync(r => (r.GetInt64(0), r.IsDBNull(1) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(1)));
        var percentage = doors == 0 ? 0 : (int)Math.Floor(visitedDoors * 100.0 / doors);
        return new CutStats(cutId, doors, visitedDoors, percentage, byOutcome.Values.Sum(), byOutcome, support, (int)active, last);
    }

    private async Task<CutArea> Area(Guid cutId)
    {
        var geoJson = await db.Command("SELECT geojson::text FROM cuts WHERE id = @id", ("id", cutId)).ScalarAsync<string>()
            ?? throw DomainException.NotFound("The cut");
        return CutArea.Parse(geoJson);
    }

    private static (string, object?)[] BoxParameters(CutArea area) =>
        [("minLat", (decimal)area.MinLat), ("maxLat", (decimal)area.MaxLat), ("minLng", (decimal)area.MinLng), ("maxLng", (decimal)area.MaxLng)];
}
