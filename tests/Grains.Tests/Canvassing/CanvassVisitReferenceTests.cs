using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using Npgsql;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>
/// A visit's references (address, canvasser, session, cut, shift) are checked per statement, not by foreign keys:
/// the same refusals and delete rules as the keys they replace.
/// </summary>
public sealed class CanvassVisitReferenceTests : DatabaseTest
{
    private sealed record World(Guid User, Guid Session, Guid Cut, Guid Shift, Guid Address);

    private async Task<World> Build()
    {
        var user = (await TestUsers.CreateAsync(Db, UserRole.User)).Id;
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var address = await CanvassTestData.InsertDoorAsync(Db, 53.505, -113.505, "10 Main St");
        var shift = Ids.New();
        await Db.ExecuteAsync("""
            INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers) VALUES (@id, 'Saturday doors', '2026-12-05', '10:00', '14:00', 10)
            """, ("id", shift));
        var session = Ids.New();
        await Db.ExecuteAsync("INSERT INTO canvass_sessions (id, user_id, cut_id, shift_id) VALUES (@id, @user, @cut, @shift)",
            ("id", session), ("user", user), ("cut", cut), ("shift", shift));
        return new World(user, session, cut, shift, address);
    }

    private Task<int> Visit(World w) =>
        Db.ExecuteAsync("""
            INSERT INTO canvass_visits (address_id, user_id, session_id, cut_id, shift_id, client_visit_id, outcome)
            VALUES (@address, @user, @session, @cut, @shift, gen_random_uuid(), 'NOT_HOME')
            """, ("address", w.Address), ("user", w.User), ("session", w.Session), ("cut", w.Cut), ("shift", w.Shift));

    private Task<long> Visits(World w) => Db.ScalarAsync<long>("SELECT count(*) FROM canvass_visits WHERE session_id = @s", ("s", w.Session));

    [Theory]
    [InlineData("address_id")]
    [InlineData("user_id")]
    [InlineData("session_id")]
    [InlineData("cut_id")]
    [InlineData("shift_id")]
    public async Task A_statement_with_one_visit_naming_a_missing_row_writes_none_and_fails_under_the_foreign_key_name(string column)
    {
        var w = await Build();
        var nowhere = Guid.NewGuid();
        string Pick(string name, string parameter) => name == column ? "@nowhere" : parameter;
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync($"""
            INSERT INTO canvass_visits (address_id, user_id, session_id, cut_id, shift_id, client_visit_id, outcome)
            VALUES (@address, @user, @session, @cut, @shift, gen_random_uuid(), 'NOT_HOME'),
                   ({Pick("address_id", "@address")}, {Pick("user_id", "@user")}, {Pick("session_id", "@session")}, {Pick("cut_id", "@cut")},
                    {Pick("shift_id", "@shift")}, gen_random_uuid(), 'REFUSED')
            """, ("address", w.Address), ("user", w.User), ("session", w.Session), ("cut", w.Cut), ("shift", w.Shift), ("nowhere", nowhere)));

        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, refused.SqlState);
        Assert.Equal($"canvass_visits_{column}_fkey", refused.ConstraintName);
        Assert.Equal(column, refused.ColumnName);
        Assert.Equal(0L, await Visits(w));

        // Moving a written visit onto a missing row is refused the same way.
        Assert.Equal(1, await Visit(w));
        var moved = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecuteAsync($"UPDATE canvass_visits SET {column} = @nowhere WHERE session_id = @s", ("nowhere", nowhere), ("s", w.Session)));
        Assert.Equal($"canvass_visits_{column}_fkey", moved.ConstraintName);
        Assert.Equal(1L, await Db.ScalarAsync<long>($"SELECT count(*) FROM canvass_visits WHERE {column} = @id",
            ("id", column switch { "address_id" => w.Address, "user_id" => w.User, "session_id" => w.Session, "cut_id" => w.Cut, _ => w.Shift })));
    }

    [Fact]
    public async Task Deleting_a_cut_or_a_shift_clears_it_from_the_visits_and_deleting_an_address_session_or_canvasser_takes_the_visits_along()
    {
        var w = await Build();
        Assert.Equal(1, await Visit(w));
        Assert.Equal(1, await Visit(w));

        await Db.ExecuteAsync("DELETE FROM cuts WHERE id = @id", ("id", w.Cut));
        await Db.ExecuteAsync("DELETE FROM shifts WHERE id = @id", ("id", w.Shift));
        Assert.Equal(2L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM canvass_visits WHERE session_id = @s AND cut_id IS NULL AND shift_id IS NULL", ("s", w.Session)));

        // A location's deletion cascades to its addresses, and from them to their visits.
        await Db.ExecuteAsync("DELETE FROM locations WHERE id = (SELECT location_id FROM addresses WHERE id = @id)", ("id", w.Address));
        Assert.Equal(0L, await Visits(w));

        var second = await Build();
        Assert.Equal(1, await Visit(second));
        await Db.ExecuteAsync("DELETE FROM canvass_sessions WHERE id = @id", ("id", second.Session));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM canvass_visits WHERE address_id = @a", ("a", second.Address)));

        var third = await Build();
        Assert.Equal(1, await Visit(third));
        await Db.ExecuteAsync("DELETE FROM users WHERE id = @id", ("id", third.User));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM canvass_visits WHERE address_id = @a", ("a", third.Address)));
    }

    [Fact]
    public async Task Referenced_ids_cannot_change_and_truncating_the_sessions_empties_the_visits()
    {
        var w = await Build();
        Assert.Equal(1, await Visit(w));
        foreach (var (table, id) in new[] { ("addresses", w.Address), ("users", w.User), ("canvass_sessions", w.Session), ("cuts", w.Cut), ("shifts", w.Shift) })
        {
            var renamed = await Assert.ThrowsAsync<PostgresException>(() =>
                Db.ExecuteAsync($"UPDATE {table} SET id = @n WHERE id = @id", ("n", Guid.NewGuid()), ("id", id)));
            Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, renamed.SqlState);
        }
        Assert.Equal(1L, await Visits(w));

        await Db.ExecuteAsync("TRUNCATE canvass_sessions CASCADE");
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM canvass_visits"));
    }
}
