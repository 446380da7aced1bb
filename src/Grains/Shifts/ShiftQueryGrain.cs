using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>Lists and lookups over many shift rows: plain SQL on any silo, never a fan-out over shift grains.</summary>
[StatelessWorker]
public sealed class ShiftQueryGrain(NpgsqlDataSource db, TimeProvider time, IConfiguration configuration) : Grain, IShiftQueryGrain
{
    private readonly ShiftCalendar _calendar = ShiftCalendar.From(configuration, time);

    public async Task<Page<ShiftView>> List(ShiftFilter filter, PageRequest page)
    {
        const string where = """
            WHERE (@from::date IS NULL OR date >= @from::date)
              AND (@to::date IS NULL OR date <= @to::date)
              AND (@status::shift_status IS NULL OR status = @status::shift_status)
              AND (@cut::uuid IS NULL OR cut_id = @cut::uuid)
              AND (@viewer::uuid IS NULL OR is_public OR EXISTS (
                   SELECT 1 FROM shift_signups su WHERE su.shift_id = shifts.id AND su.user_id = @viewer::uuid
                                                    AND su.status IN ('CONFIRMED', 'WAITLISTED')))
            """;
        var from = filter.From ?? (filter.UpcomingByDefault ? _calendar.Today : null);
        (string, object?)[] parameters = [("from", from), ("to", filter.To), ("status", filter.Status), ("cut", filter.CutId),
            ("viewer", filter.VisibleTo)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM shifts {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {ShiftRows.Columns} FROM shifts {where}
            ORDER BY date, start_time, id LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(ShiftRows.Read);
        return new Page<ShiftView>(items, total, page.Page, page.PageSize);
    }

    public async Task<Page<PublicShiftView>> ListPublic(PageRequest page)
    {
        const string where = "WHERE is_public AND status <> 'CANCELLED' AND date >= @today";
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM shifts {where}", null, ("today", _calendar.Today)).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {ShiftRows.Columns} FROM shifts {where}
            ORDER BY date, start_time, id LIMIT @limit OFFSET @offset
            """, null, ("today", _calendar.Today), ("limit", page.PageSize), ("offset", page.Offset)).ListAsync(ShiftRows.ReadPublic);
        return new Page<PublicShiftView>(items, total, page.Page, page.PageSize);
    }

    public async Task<Page<MyShiftView>> Mine(Guid userId, DateOnly? from, DateOnly? to, PageRequest page)
    {
        const string where = """
            WHERE s.user_id = @user AND s.status IN ('CONFIRMED', 'WAITLISTED')
              AND sh.date >= @from::date AND (@to::date IS NULL OR sh.date <= @to::date)
            """;
        (string, object?)[] parameters = [("user", userId), ("from", from ?? _calendar.Today), ("to", to)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM shift_signups s JOIN shifts sh ON sh.id = s.shift_id {where}", null, parameters)
            .ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT s.id AS signup_id, s.status AS signup_status, s.signup_source, s.signup_date, {ShiftRows.PositionSql("s")} AS waitlist_position,
                   sh.id AS sh_id, sh.title AS sh_title, sh.description AS sh_description, sh.date AS sh_date, sh.start_time AS sh_start_time,
                   sh.end_time AS sh_end_time, sh.location AS sh_location, sh.max_volunteers AS sh_max_volunteers,
                   sh.current_volunteers AS sh_current_volunteers, sh.status AS sh_status, sh.is_public AS sh_is_public, sh.cut_id AS sh_cut_id,
                   sh.created_by AS sh_created_by, sh.created_at AS sh_created_at, sh.updated_at AS sh_updated_at,
                   sh.waitlist_count AS sh_waitlist_count
            FROM shift_signups s JOIN shifts sh ON sh.id = s.shift_id {where}
            ORDER BY sh.date, sh.start_time, sh.id LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)])
            .ListAsync(r => new MyShiftView(
                r.Get<Guid>("signup_id"), r.Get<SignupStatus>("signup_status"), r.Get<SignupSource>("signup_source"),
                r.Get<DateTimeOffset>("signup_date"), ShiftRows.Read(r, "sh_"), r.GetValueOrNull<int>("waitlist_position")));
        return new Page<MyShiftView>(items, total, page.Page, page.PageSize);
    }

    public async Task<Page<SignupView>> Signups(Guid shiftId, SignupStatus? status, PageRequest page)
    {
        const string where = "WHERE shift_id = @id AND (@status::signup_status IS NULL OR status = @status::signup_status)";
        (string, object?)[] parameters = [("id", shiftId), ("status", status)];
        await using var connection = await db.OpenConnectionAsync();
        var exists = await connection.Command("SELECT EXISTS (SELECT 1 FROM shifts WHERE id = @id)", null, ("id", shiftId)).ScalarAsync<bool>();
        if (!exists) throw DomainException.NotFound("The shift");
        var total = await connection.Command($"SELECT count(*) FROM shift_signups {where}", null, parameters).ScalarAsync<long>();
        // In the order the signups were taken: with status=WAITLISTED, the line as it will be served, each with its place.
        var items = await connection.Command($"""
            SELECT {ShiftRows.SignupColumns},
                   -- every waitlisted signup of the shift passes the filter or none does, so the rank is the place in line
                   CASE WHEN status = 'WAITLISTED' THEN row_number() OVER (PARTITION BY status ORDER BY signup_order)::int END AS waitlist_position
            FROM shift_signups {where}
            ORDER BY signup_order LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(ShiftRows.ReadSignupInLine);
        return new Page<SignupView>(items, total, page.Page, page.PageSize);
    }

    public async Task<bool> IsSignedUp(Guid shiftId, Guid userId) =>
        await db.Command("SELECT EXISTS (SELECT 1 FROM shift_signups WHERE shift_id = @id AND user_id = @user AND status IN ('CONFIRMED', 'WAITLISTED'))",
            ("id", shiftId), ("user", userId)).ScalarAsync<bool>();

    public async Task<bool> IsPublic(Guid shiftId) =>
        await db.Command("SELECT is_public FROM shifts WHERE id = @id", ("id", shiftId)).ScalarAsync<bool>();
}
