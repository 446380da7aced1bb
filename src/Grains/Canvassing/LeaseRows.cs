using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>The SQL of door leases and shift turf (the writes of many grants at once are <see cref="LeaseWriter"/>'s).</summary>
public static class LeaseRows
{
    public sealed record SessionRow(Guid UserId, Guid? CutId, CanvassSessionStatus Status);

    public sealed record LeaseRow(Guid AddressId, Guid SessionId, Guid UserId, DateTimeOffset Until);

    public sealed record TurfRow(Guid ShiftId, Guid UserId, Guid AddressId);

    public sealed record SignupRow(Guid ShiftId, DateOnly Date, string StartTime, string EndTime, Guid UserId);

    public static Task<SessionRow?> SessionAsync(NpgsqlDataSource db, Guid sessionId) =>
        db.Command("SELECT user_id, cut_id, status FROM canvass_sessions WHERE id = @id", ("id", sessionId))
            .FirstOrDefaultAsync(r => new SessionRow(r.GetGuid(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.GetFieldValue<CanvassSessionStatus>(2)));

    /// <summary>
    /// The cut's live leases, after deleting those that ran out or whose session is no longer ACTIVE (a release lost with a
    /// silo): what a new activation starts from.
    /// </summary>
    public static async Task<List<LeaseRow>> LiveLeasesAsync(NpgsqlDataSource db, Guid cutId, DateTimeOffset now)
    {
        await db.Command("""
            DELETE FROM door_leases l USING canvass_sessions s
            WHERE l.cut_id = @cut AND s.id = l.session_id AND (s.status <> 'ACTIVE' OR l.leased_until <= @now)
            """, ("cut", cutId), ("now", now)).ExecuteAsync();
        return await db.Command("""
            SELECT address_id, session_id, user_id, leased_until FROM door_leases WHERE cut_id = @cut AND leased_until > @now
            """, ("cut", cutId), ("now", now)).ListAsync(r => new LeaseRow(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetFieldValue<DateTimeOffset>(3)));
    }

    /// <summary>The doors of the cut visited since <paramref name="since"/>, each with its latest visit.</summary>
    public static Task<List<(Guid AddressId, DateTimeOffset VisitedAt)>> VisitedSinceAsync(NpgsqlDataSource db, Guid cutId, DateTimeOffset since) =>
        db.Command("""
            SELECT address_id, max(visited_at) FROM canvass_visits WHERE cut_id = @cut AND visited_at > @since GROUP BY address_id
            """, ("cut", cutId), ("since", since)).ListAsync(r => (r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1)));

    public static Task<List<TurfRow>> TurfAsync(NpgsqlDataSource db, Guid cutId) =>
        db.Command("SELECT shift_id, user_id, address_id FROM shift_turf WHERE cut_id = @cut ORDER BY shift_id, user_id, position", ("cut", cutId))
            .ListAsync(r => new TurfRow(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2)));

    /// <summary>
    /// The confirmed volunteers (with an account) of the cut's shifts not cancelled, from <paramref name="fromDate"/> on, in
    /// the order they signed up: who should hold turf on the cut.
    /// </summary>
    public static Task<List<SignupRow>> ConfirmedSignupsAsync(NpgsqlDataSource db, Guid cutId, DateOnly fromDate) =>
        db.Command("""
            SELECT s.id, s.date, s.start_time, s.end_time, ss.user_id
            FROM shifts s JOIN shift_signups ss ON ss.shift_id = s.id
            WHERE s.cut_id = @cut AND s.status <> 'CANCELLED' AND s.date >= @from
              AND ss.status = 'CONFIRMED' AND ss.user_id IS NOT NULL
            ORDER BY ss.signup_date, ss.id
            """, ("cut", cutId), ("from", fromDate))
            .ListAsync(r => new SignupRow(r.GetGuid(0), r.GetFieldValue<DateOnly>(1), r.GetString(2), r.GetString(3), r.GetGuid(4)));

    /// <summary>
    /// Of <paramref name="userIds"/>, those with a session on the cut that was open at <paramref name="at"/> (one started
    /// more than 12 hours before was abandoned by then, whenever its row says so).
    /// </summary>
    public static async Task<HashSet<Guid>> CanvassingAtAsync(NpgsqlDataSource db, Guid cutId, Guid[] userIds, DateTimeOffset at) =>
        (await db.Command("""
            SELECT DISTINCT user_id FROM canvass_sessions
            WHERE cut_id = @cut AND user_id = ANY(@users) AND started_at <= @at AND started_at > @abandoned AND (ended_at IS NULL OR ended_at > @at)
            """, ("cut", cutId), ("users", userIds), ("at", at), ("abandoned", at - CanvassRules.AbandonAfter)).ListAsync(r => r.GetGuid(0))).ToHashSet();

    /// <summary>Releases and keeps turf in one transaction.</summary>
    public static async Task WriteTurfAsync(NpgsqlDataSource db, Guid cutId, IReadOnlyList<DoorLeaseBook.TurfPart> released,
        IReadOnlyList<DoorLeaseBook.TurfPart> reserved, DateTimeOffset now)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (released.Count > 0)
            await connection.Command("""
                DELETE FROM shift_turf t USING unnest(@shifts, @users) AS r(shift_id, user_id)
                WHERE t.cut_id = @cut AND t.shift_id = r.shift_id AND t.user_id = r.user_id
                """, transaction, ("cut", cutId), ("shifts", released.Select(p => p.ShiftId).ToArray()),
                ("users", released.Select(p => p.UserId).ToArray())).ExecuteAsync();
        var rows = reserved.SelectMany(p => p.Doors.Select((door, i) => (p.ShiftId, p.UserId, Door: door, Position: i))).ToList();
        if (rows.Count > 0)
            await connection.Command("""
                INSERT INTO shift_turf (cut_id, address_id, shift_id, user_id, position, reserved_at)
                SELECT @cut, address_id, shift_id, user_id, position, @now FROM unnest(@addresses, @shifts, @users, @positions)
                    AS r(address_id, shift_id, user_id, position)
                """, transaction, ("cut", cutId), ("now", now), ("addresses", rows.Select(r => r.Door).ToArray()),
                ("shifts", rows.Select(r => r.ShiftId).ToArray()), ("users", rows.Select(r => r.UserId).ToArray()),
                ("positions", rows.Select(r => r.Position).ToArray())).ExecuteAsync();
        await transaction.CommitAsync();
    }
}
