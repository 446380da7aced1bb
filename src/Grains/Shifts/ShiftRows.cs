using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// Column lists and readers for shifts and signups, shared by the shift grain and the query grain, and the shift grain's
/// single-signup and count writes.
/// </summary>
public static class ShiftRows
{
    public const string Columns = """
        id, title, description, date, start_time, end_time, location, max_volunteers, current_volunteers, status, is_public,
        cut_id, created_by, version, created_at, updated_at, waitlist_count
        """;

    public const string SignupColumns = """
        id, shift_id, shift_title, user_id, user_email, user_name, user_phone, signup_date, status, signup_source
        """;

    /// <summary>
    /// A waitlisted signup's place in line (1 = next to be promoted), for a query over <c>shift_signups</c> aliased
    /// <paramref name="alias"/>: its rank among the shift's waitlisted signups in the order they were taken; null otherwise.
    /// </summary>
    public static string PositionSql(string alias) => $"""
        CASE WHEN {alias}.status = 'WAITLISTED' THEN (
            SELECT count(*)::int FROM shift_signups w
            WHERE w.shift_id = {alias}.shift_id AND w.status = 'WAITLISTED' AND w.signup_order <= {alias}.signup_order) END
        """;

    /// <summary>
    /// How a signup insert (into <c>shift_signups AS s</c>) meets a row for the same shift and email: a cancelled one is
    /// taken again with the new row's status (confirmed or waitlisted), keeping its id and joining the end of the line; a
    /// confirmed or waitlisted one is left alone and returns no row, so the caller answers 409.
    /// </summary>
    public const string ConfirmAgainIfCancelled = """
        ON CONFLICT ON CONSTRAINT shift_signups_shift_id_user_email_key DO UPDATE
            SET status = EXCLUDED.status, shift_title = EXCLUDED.shift_title, user_id = EXCLUDED.user_id, user_name = EXCLUDED.user_name,
                user_phone = EXCLUDED.user_phone, signup_date = EXCLUDED.signup_date, signup_source = EXCLUDED.signup_source,
                signup_order = EXCLUDED.signup_order
            WHERE s.status = 'CANCELLED'
        """;

    public static ShiftView Read(NpgsqlDataReader r) => Read(r, "");

    public static ShiftView Read(NpgsqlDataReader r, string prefix) => new(
        r.Get<Guid>(prefix + "id"),
        r.Get<string>(prefix + "title"),
        r.GetOrNull<string>(prefix + "description"),
        r.Get<DateOnly>(prefix + "date"),
        r.Get<string>(prefix + "start_time"),
        r.Get<string>(prefix + "end_time"),
        r.GetOrNull<string>(prefix + "location"),
        r.Get<int>(prefix + "max_volunteers"),
        r.Get<int>(prefix + "current_volunteers"),
        r.Get<ShiftStatus>(prefix + "status"),
        r.Get<bool>(prefix + "is_public"),
        r.GetValueOrNull<Guid>(prefix + "cut_id"),
        r.GetOrNull<string>(prefix + "created_by"),
        r.Get<DateTimeOffset>(prefix + "created_at"),
        r.Get<DateTimeOffset>(prefix + "updated_at"),
        r.Get<int>(prefix + "waitlist_count"));

    public static PublicShiftView ReadPublic(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<string>("title"),
        r.GetOrNull<string>("description"),
        r.Get<DateOnly>("date"),
        r.Get<string>("start_time"),
        r.Get<string>("end_time"),
        r.GetOrNull<string>("location"),
        r.Get<int>("max_volunteers"),
        r.Get<int>("current_volunteers"),
        r.Get<ShiftStatus>("status"),
        r.Get<int>("waitlist_count"));

    public static SignupView ReadSignup(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<Guid>("shift_id"),
        r.Get<string>("shift_title"),
        r.GetValueOrNull<Guid>("user_id"),
        r.Get<string>("user_email"),
        r.GetOrNull<string>("user_name"),
        r.GetOrNull<string>("user_phone"),
        r.Get<DateTimeOffset>("signup_date"),
        r.Get<SignupStatus>("status"),
        r.Get<SignupSource>("signup_source"));

    /// <summary>A signup read with its place in line, from a query that selects <see cref="PositionSql"/> as <c>waitlist_position</c>.</summary>
    public static SignupView ReadSignupInLine(NpgsqlDataReader r) => ReadSignup(r) with { WaitlistPosition = r.GetValueOrNull<int>("waitlist_position") };

    /// <summary>
    /// <see cref="ShiftRules.StatusFor"/> as SQL, for a statement that counts in the database: the new status of the
    /// row whose status column is <paramref name="status"/> once its count is <paramref name="count"/>.
    /// </summary>
    public static string StatusSql(string status, string count, string maxVolunteers) =>
        $"CASE WHEN {status} = 'CANCELLED' THEN {status} WHEN {count} >= {maxVolunteers} THEN 'FULL' ELSE 'OPEN' END";

    /// <summary>
    /// The signup row, confirmed or waitlisted as the grain decided (a cancelled one for the same email is taken again,
    /// keeping its id), the shift's new counts under the version check, and the email (a confirmation, or the waitlist's
    /// notice with the place in line): one round trip, one transaction.
    /// </summary>
    public static async Task<SignupView> InsertSignupAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ShiftView shift,
        ShiftView next, int version, Guid userId, string email, string? name, string? phone, SignupSource source, SignupStatus status,
        DateTimeOffset now, OutboundEmail mail)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Sql.BatchCommand($"""
            INSERT INTO shift_signups AS s (id, shift_id, shift_title, user_id, user_email, user_name, user_phone, signup_date, status, signup_source)
            VALUES (@signup, @id, @title, @user, @email, @name, @phone, @now, @status, @source)
            {ShiftRows.ConfirmAgainIfCancelled}
            RETURNING {ShiftRows.SignupColumns}
            """, ("signup", Ids.New()), ("id", shift.Id), ("title", shift.Title), ("user", userId), ("email", email), ("name", name),
            ("phone", phone), ("now", now), ("status", status), ("source", source)));
        batch.BatchCommands.Add(SaveCountsCommand(shift.Id, version, next));
        batch.BatchCommands.Add(ShiftEmails.EnqueueManyCommand([mail]));

        SignupView? signup;
        bool saved;
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            signup = await reader.ReadAsync() ? ShiftRows.ReadSignup(reader) : null;
            await reader.NextResultAsync();
            saved = await reader.ReadAsync();
        }
        // The transaction is rolled back when it is disposed uncommitted, so neither case leaves anything behind.
        if (signup is null) throw ShiftAdmission.AlreadySignedUp();
        if (!saved) throw new StaleVersionException();
        // Waitlisted at the end of the line: the line the grain held, plus this one.
        return status == SignupStatus.Waitlisted ? signup with { WaitlistPosition = next.WaitlistCount } : signup;
    }

    /// <summary>
    /// Gives places to the first <paramref name="places"/> waitlisted signups of the shift, in the order they were taken, and
    /// queues each one's email in the same statement: the caller's transaction commits both or neither.
    /// </summary>
    public static async Task<IReadOnlyList<SignupView>> PromoteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ShiftView shift,
        int places, Func<SignupView, OutboundEmail> mail)
    {
        if (places <= 0) return [];
        var promoted = await connection.Command($"""
            UPDATE shift_signups s SET status = 'CONFIRMED'
            FROM (SELECT id FROM shift_signups
                  WHERE shift_id = @id AND status = 'WAITLISTED'
                  ORDER BY signup_order LIMIT @places
                  FOR UPDATE) first_in_line
            WHERE s.id = first_in_line.id
            RETURNING {Prefixed("s.", SignupColumns)}, s.signup_order
            """, transaction, ("id", shift.Id), ("places", places))
            .ListAsync(r => (Signup: ReadSignup(r), Order: r.Get<long>("signup_order")));
        var inLine = promoted.OrderBy(p => p.Order).Select(p => p.Signup).ToList();
        await ShiftEmails.EnqueueManyAsync(connection, transaction, inLine.Select(mail).ToList());
        return inLine;
    }

    /// <summary>
    /// Cancels a confirmed or waitlisted signup the caller may cancel (any when <paramref name="asAdmin"/>, else their own):
    /// the signup as cancelled, what it was, and the place in line it held; a null signup when there was none to cancel.
    /// </summary>
    public static async Task<(SignupView? Signup, SignupStatus Was, int? Position)> CancelSignupAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, Guid shiftId, Guid signupId, bool asAdmin, Guid userId) =>
        await connection.Command($"""
            UPDATE shift_signups s SET status = 'CANCELLED'
            FROM (SELECT id, status, {PositionSql("shift_signups")} AS position FROM shift_signups
                  WHERE id = @signup AND shift_id = @id AND status IN ('CONFIRMED', 'WAITLISTED') AND (@admin OR user_id = @user)
                  FOR UPDATE) was
            WHERE s.id = was.id
            RETURNING {Prefixed("s.", SignupColumns)}, was.status AS was_status, was.position AS was_position
            """, transaction, ("signup", signupId), ("id", shiftId), ("admin", asAdmin), ("user", userId))
            .FirstOrDefaultAsync(r => ((SignupView?)ReadSignup(r), r.Get<SignupStatus>("was_status"), r.GetValueOrNull<int>("was_position")));

    /// <summary>Whether the signup exists on the shift for this caller (any when <paramref name="asAdmin"/>, else their own).</summary>
    public static async Task<bool> SignupVisibleAsync(NpgsqlConnection connection, Guid shiftId, Guid signupId, bool asAdmin, Guid userId) =>
        await connection.Command("""
            SELECT EXISTS (SELECT 1 FROM shift_signups WHERE id = @signup AND shift_id = @id AND (@admin OR user_id = @user))
            """, null, ("signup", signupId), ("id", shiftId), ("admin", asAdmin), ("user", userId)).ScalarAsync<bool>();

    private static string Prefixed(string prefix, string columns) =>
        string.Join(", ", columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => prefix + c));

    /// <summary>A new shift's row, or null when one with this id exists already.</summary>
    public static Task<ShiftView?> InsertAsync(NpgsqlDataSource db, Guid id, CreateShiftCommand shift, DateTimeOffset now) =>
        db.Command($"""
            INSERT INTO shifts (id, title, description, date, start_time, end_time, location, max_volunteers, current_volunteers,
                                status, is_public, cut_id, created_by, version, created_at, updated_at)
            VALUES (@id, @title, @description, @date, @start, @end, @location, @max, 0, 'OPEN', @public, @cut, @createdBy, 0, @now, @now)
            ON CONFLICT (id) DO NOTHING
            RETURNING {Columns}
            """,
            ("id", id), ("title", shift.Title), ("description", shift.Description), ("date", shift.Date), ("start", shift.StartTime),
            ("end", shift.EndTime), ("location", shift.Location), ("max", shift.MaxVolunteers), ("public", shift.IsPublic), ("cut", shift.CutId),
            ("createdBy", shift.CreatedBy?.ToString()), ("now", now))
            .FirstOrDefaultAsync(Read);

    /// <summary>The shift's row and the version it is at, or no shift.</summary>
    public static async Task<(ShiftView? Shift, int Version)> LoadAsync(NpgsqlDataSource db, Guid id, CancellationToken cancellationToken) =>
        await db.Command($"SELECT {Columns} FROM shifts WHERE id = @id", ("id", id))
            .FirstOrDefaultAsync(r => (Shift: (ShiftView?)Read(r), Version: r.Get<int>("version")), cancellationToken);

    /// <summary>Every field of an edited shift, only against the version its grain loaded; false when the row moved on.</summary>
    public static async Task<bool> SaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, ShiftView next) =>
        await connection.Command("""
            UPDATE shifts SET title = @title, description = @description, date = @date, start_time = @start, end_time = @end,
                              location = @location, max_volunteers = @max, status = @status, is_public = @public, cut_id = @cut,
                              current_volunteers = @count, waitlist_count = @waitlist,
                              -- confirmations above a lowered capacity are kept, and only those (migration 0019)
                              kept_volunteers = CASE WHEN @count > @max THEN @count ELSE 0 END,
                              version = version + 1, updated_at = @now
            WHERE id = @id AND version = @version
            """, transaction,
            ("title", next.Title), ("description", next.Description), ("date", next.Date), ("start", next.StartTime), ("end", next.EndTime),
            ("location", next.Location), ("max", next.MaxVolunteers), ("status", next.Status), ("public", next.IsPublic), ("cut", next.CutId),
            ("count", next.CurrentVolunteers), ("waitlist", next.WaitlistCount),
            ("now", next.UpdatedAt), ("id", next.Id), ("version", version)).ExecuteAsync() == 1;

    /// <summary>The signups carry their shift's title (a volunteer's list of shifts reads it without a join).</summary>
    public static Task<int> RetitleSignupsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid shiftId, string title) =>
        connection.Command("UPDATE shift_signups SET shift_title = @title WHERE shift_id = @id", transaction, ("title", title), ("id", shiftId))
            .ExecuteAsync();

    /// <summary>The lead, not held in the grain's memory, under the row's version all the same; the rows written (0 or 1).</summary>
    public static Task<int> SetLeadAsync(NpgsqlDataSource db, Guid shiftId, int version, Guid? leadUserId) =>
        db.Command("UPDATE shifts SET lead_user_id = @lead, version = version + 1 WHERE id = @id AND version = @version",
            ("lead", leadUserId), ("id", shiftId), ("version", version)).ExecuteAsync();

    /// <summary>Everyone who expects to come or waits for a place.</summary>
    public static Task<List<(string Email, string? Name)>> ExpectedVolunteersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid shiftId) =>
        connection.Command("SELECT user_email, user_name FROM shift_signups WHERE shift_id = @id AND status IN ('CONFIRMED', 'WAITLISTED')",
                transaction, ("id", shiftId))
            .ListAsync(r => (Email: r.Get<string>("user_email"), Name: r.GetOrNull<string>("user_name")));

    /// <summary>Deletes the shift only at the version its grain loaded; false when the row moved on.</summary>
    public static async Task<bool> DeleteAsync(NpgsqlDataSource db, Guid shiftId, int version) =>
        await db.Command("DELETE FROM shifts WHERE id = @id AND version = @version", ("id", shiftId), ("version", version)).ExecuteAsync() == 1;

    public static async Task SaveCountsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid shiftId, int version, ShiftView next)
    {
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { SaveCountsCommand(shiftId, version, next) } };
        await using var reader = await batch.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) throw new StaleVersionException();
    }

    /// <summary>
    /// The only write of the counts and status besides the signup writer's: it succeeds only against the version the shift's
    /// grain loaded. The count kept above a lowered capacity only falls (migration 0019), so a freed place above the
    /// capacity is never given again.
    /// </summary>
    public static NpgsqlBatchCommand SaveCountsCommand(Guid shiftId, int version, ShiftView next) => Sql.BatchCommand("""
        UPDATE shifts SET current_volunteers = @count, waitlist_count = @waitlist, status = @status,
                          kept_volunteers = LEAST(kept_volunteers, @count), version = version + 1, updated_at = @now
        WHERE id = @id AND version = @version
        RETURNING version
        """, ("count", next.CurrentVolunteers), ("waitlist", next.WaitlistCount), ("status", next.Status), ("now", next.UpdatedAt),
        ("id", shiftId), ("version", version));
}
