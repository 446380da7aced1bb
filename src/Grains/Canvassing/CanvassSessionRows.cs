using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>A canvass session as its grain holds it in memory: the row, its version and its trail.</summary>
public sealed class SessionState
{
    public Guid UserId;
    public Guid? CutId;
    public Guid? ShiftId;
    public CanvassSessionStatus Status;
    public DateTimeOffset StartedAt;
    public DateTimeOffset? EndedAt;
    public double? StartLatitude;
    public double? StartLongitude;
    public int Version;
    public Guid TrackingSessionId;
    public DateTimeOffset AbandonsAt => StartedAt + CanvassRules.AbandonAfter;

    public CanvassSessionView View(Guid id) =>
        new(id, UserId, CutId, ShiftId, Status, StartedAt, EndedAt, StartLatitude, StartLongitude, TrackingSessionId, AbandonsAt);
}

/// <summary>The canvass session grain's SQL: starting a session with its trail, loading it, and its version-checked status change.</summary>
public static class CanvassSessionRows
{
    /// <summary>
    /// What the session's start (and the walk list) needs to know of its cut, or null when there is no such cut.
    /// <see cref="SignedUp"/>: the user holds a confirmed place on a shift of this cut that lets them in (docs/shifts.md
    /// "Private turf"): a public shift, a place an admin gave them, or, with the private-shifts grant, any shift.
    /// </summary>
    public sealed record CutAccess(string GeoJson, bool IsPublic, bool SignedUp);

    public static async Task<CutAccess?> CutAccessAsync(NpgsqlConnection connection, Guid cutId, Guid userId)
    {
        var cut = await connection.Command("""
            SELECT c.geojson::text AS geojson, c.is_public,
                   EXISTS (SELECT 1 FROM shift_signups su JOIN shifts sh ON sh.id = su.shift_id
                           WHERE sh.cut_id = c.id AND su.user_id = @user AND su.status = 'CONFIRMED'
                             AND (sh.is_public OR su.signup_source = 'ADMIN')) AS signed_up,
                   EXISTS (SELECT 1 FROM shift_signups su JOIN shifts sh ON sh.id = su.shift_id
                           WHERE sh.cut_id = c.id AND su.user_id = @user AND su.status = 'CONFIRMED'
                             AND NOT (sh.is_public OR su.signup_source = 'ADMIN')) AS signed_up_private,
                   u.role, u.permissions::text AS permissions
            FROM cuts c LEFT JOIN users u ON u.id = @user WHERE c.id = @cut
            """, null, ("cut", cutId), ("user", userId))
            .FirstOrDefaultAsync(r => (GeoJson: r.Get<string>("geojson"), IsPublic: r.Get<bool>("is_public"), SignedUp: r.Get<bool>("signed_up"),
                SignedUpPrivate: r.Get<bool>("signed_up_private"), Role: r.IsDBNull(r.GetOrdinal("role")) ? (UserRole?)null : r.Get<UserRole>("role"),
                Permissions: r.GetOrNull<string>("permissions")));
        if (cut.GeoJson is null) return null;
        // A place on a shift that is not public counts only while the volunteer holds the grant that let them take it.
        var signedUp = cut.SignedUp || (cut.SignedUpPrivate && cut.Role is { } role && VolunteerGrants.Has(role, cut.Permissions, VolunteerGrant.PrivateShifts));
        return new CutAccess(cut.GeoJson, cut.IsPublic, signedUp);
    }

    public static async Task<bool> ShiftExistsAsync(NpgsqlConnection connection, Guid shiftId) =>
        await connection.Command("SELECT 1 FROM shifts WHERE id = @id", null, ("id", shiftId)).ScalarAsync<int>() == 1;

    /// <summary>
    /// The session, its trail and the trail's start marker, in one transaction. A second ACTIVE session of the same
    /// canvasser is refused by the table's unique index: a 409 naming the active one.
    /// </summary>
    public static async Task InsertAsync(NpgsqlConnection connection, Guid id, Guid userId, StartSessionCommand command, Guid trackingId,
        (double Latitude, double Longitude)? marker, DateTimeOffset now)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await connection.Command("""
                INSERT INTO canvass_sessions (id, user_id, cut_id, shift_id, status, started_at, start_latitude, start_longitude, version, updated_at)
                VALUES (@id, @user, @cut, @shift, 'ACTIVE', @now, @lat, @lng, 0, @now)
                """, transaction, ("id", id), ("user", userId), ("cut", command.CutId), ("shift", command.ShiftId), ("now", now),
                ("lat", (object?)command.StartLatitude), ("lng", (object?)command.StartLongitude)).ExecuteAsync();
        }
        catch (PostgresException ex) when (ex.IsUniqueViolation("canvass_sessions_one_active_per_user_key"))
        {
            await transaction.RollbackAsync();
            var active = await connection.Command("SELECT id FROM canvass_sessions WHERE user_id = @user AND status = 'ACTIVE'", null,
                ("user", userId)).ScalarAsync<Guid>();
            throw DomainException.Conflict("You have an active canvass session already; end it first.",
                new Dictionary<string, string> { ["activeSessionId"] = active.ToString() });
        }
        await connection.Command("""
            INSERT INTO tracking_sessions (id, user_id, canvass_session_id, started_at, is_active, version)
            VALUES (@id, @user, @session, @now, true, 0)
            """, transaction, ("id", trackingId), ("user", userId), ("session", id), ("now", now)).ExecuteAsync();
        if (marker is { } at)
            await connection.Command("""
                INSERT INTO track_points (tracking_session_id, seq, latitude, longitude, recorded_at, event_type)
                VALUES (@trail, NULL, @lat, @lng, @now, 'SESSION_STARTED')
                """, transaction, ("trail", trackingId), ("lat", at.Latitude), ("lng", at.Longitude), ("now", now)).ExecuteAsync();
        await transaction.CommitAsync();
    }

    /// <summary>The session and the visits recorded into it by their client ids; null when there is no such session.</summary>
    public static async Task<(SessionState Session, List<VisitView> Visits)?> LoadAsync(NpgsqlDataSource db, Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        var session = await connection.Command("""
            SELECT s.user_id, s.cut_id, s.shift_id, s.status, s.started_at, s.ended_at, s.start_latitude::float8 AS start_latitude,
                   s.start_longitude::float8 AS start_longitude, s.version, t.id AS tracking_id
            FROM canvass_sessions s JOIN tracking_sessions t ON t.canvass_session_id = s.id
            WHERE s.id = @id
            """, null, ("id", id)).FirstOrDefaultAsync(r => new SessionState
        {
            UserId = r.Get<Guid>("user_id"),
            CutId = r.GetValueOrNull<Guid>("cut_id"),
            ShiftId = r.GetValueOrNull<Guid>("shift_id"),
            Status = r.Get<CanvassSessionStatus>("status"),
            StartedAt = r.Get<DateTimeOffset>("started_at"),
            EndedAt = r.GetValueOrNull<DateTimeOffset>("ended_at"),
            StartLatitude = r.GetValueOrNull<double>("start_latitude"),
            StartLongitude = r.GetValueOrNull<double>("start_longitude"),
            Version = r.Get<int>("version"),
            TrackingSessionId = r.Get<Guid>("tracking_id"),
        });
        if (session is null) return null;
        var visits = await connection.Command($"""
            SELECT {CanvassRows.VisitColumns} FROM canvass_visits v WHERE v.session_id = @id AND v.client_visit_id IS NOT NULL
            """, null, ("id", id)).ListAsync(CanvassRows.ReadVisit);
        return (session, visits);
    }

    /// <summary>ACTIVE to <paramref name="to"/>, only from the version the grain holds; false when the row moved on.</summary>
    public static async Task<bool> EndAsync(NpgsqlDataSource db, Guid id, int version, CanvassSessionStatus to, DateTimeOffset endedAt,
        DateTimeOffset now) =>
        await db.Command("""
            UPDATE canvass_sessions SET status = @status, ended_at = @endedAt, version = version + 1, updated_at = @now
            WHERE id = @id AND version = @version AND status = 'ACTIVE'
            """, ("id", id), ("version", version), ("status", to), ("endedAt", endedAt), ("now", now)).ExecuteAsync() == 1;
}
