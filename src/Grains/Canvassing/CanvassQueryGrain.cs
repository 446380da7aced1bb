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

    public async Task<bool> MayCanvassCut(Guid cutId, Caller caller)
    {
        // The same rule as starting a session on the cut (CanvassSessionRows.CutAccessAsync): admins, public cuts, and
        // the cuts of shifts the caller was let into (docs/shifts.md "Private turf").
        await using var connection = await db.OpenConnectionAsync();
        var access = await CanvassSessionRows.CutAccessAsync(connection, cutId, caller.UserId);
        return access is not null && (caller.IsAdmin || access.IsPublic || access.SignedUp);
    }

    public async Task<CutStats> CutStats(Guid cutId)
    {
        var maps = GrainFactory.GetGrain<IMapQueryGrain>(0);
        // Doors, visited doors, completion and last canvassed: the map module's computation, so the stats and
        // the cut's stored completion can never disagree.
        var completion = await maps.ComputeCutCompletion(cutId);
        var support = Enum.GetValues<SupportLevel>().ToDictionary(s => EnumWireNames.ToWireName(s), _ => 0);
        foreach (var row in await maps.AddressesInCut(cutId, CanvassCuts.MaxDoors))
            if (row.AddressId is not null && row.SupportLevel is { } level) support[EnumWireNames.ToWireName(level)]++;

        await using var connection = await db.OpenConnectionAsync();
        var byOutcome = Enum.GetValues<VisitOutcome>().ToDictionary(o => EnumWireNames.ToWireName(o), _ => 0);
        foreach (var (outcome, count) in await connection.Command(
                     "SELECT outcome, count(*) FROM canvass_visits WHERE cut_id = @cut GROUP BY outcome", null, ("cut", cutId))
                     .ListAsync(r => (r.GetFieldValue<VisitOutcome>(0), r.GetInt64(1))))
            byOutcome[EnumWireNames.ToWireName(outcome)] = (int)count;
        var active = await connection.Command("SELECT count(*) FROM canvass_sessions WHERE cut_id = @cut AND status = 'ACTIVE'", null, ("cut", cutId))
            .ScalarAsync<long>();
        DateTimeOffset? last = completion.LastCanvassed is { } when ? new DateTimeOffset(DateTime.SpecifyKind(when, DateTimeKind.Utc)) : null;
        return new CutStats(cutId, completion.TotalAddresses, completion.VisitedAddresses, completion.CompletionPercentage, byOutcome.Values.Sum(),
            byOutcome, support, (int)active, last);
    }
}
