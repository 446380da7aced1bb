using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using Npgsql;
using NpgsqlTypes;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>The trail writer when the database holds what this activation did not write (a second activation).</summary>
public sealed class CanvassTrailTests(CanvassGrainFixture fx) : IClassFixture<CanvassGrainFixture>
{
    private async Task<(Caller Owner, Guid SessionId, Guid TrailId)> Started()
    {
        var user = await TestUsers.CreateAsync(fx.Db, UserRole.User);
        var caller = new Caller(user.Id, false);
        var id = Ids.New();
        await fx.Grains.GetGrain<ICanvassSessionGrain>(id).Start(caller, new StartSessionCommand(fx.CutId, null, null, null));
        var trail = await fx.Db.ScalarAsync<Guid>("SELECT id FROM tracking_sessions WHERE canvass_session_id = @id", ("id", id));
        return (caller, id, trail);
    }

    private static TrackPointInput[] Fixes(int from, int count) =>
        Enumerable.Range(from, count).Select(i => new TrackPointInput(i, 53.505 + i * 0.00001, -113.505, 5, DateTimeOffset.UtcNow.AddMinutes(-10).AddSeconds(i), null)).ToArray();

    private Task<long> Rows(Guid trail) => fx.Db.ScalarAsync<long>("SELECT count(*) FROM track_points WHERE tracking_session_id = @t AND seq IS NOT NULL", ("t", trail));
    private Task<int> Total(Guid trail) => fx.Db.ScalarAsync<int>("SELECT total_points FROM tracking_sessions WHERE id = @t", ("t", trail));

    [Fact]
    public async Task A_trail_moved_on_by_another_writer_is_reloaded_not_overwritten()
    {
        var (owner, session, trail) = await Started();
        var grain = fx.Grains.GetGrain<ITrackingSessionGrain>(session);
        Assert.Equal(new PointsResult(5, 0), await grain.AddPoints(owner, Fixes(0, 5)));
        // Another activation wrote seq 5 and 6 and moved the row's version on.
        await fx.Db.ExecuteAsync("""
            INSERT INTO track_points (tracking_session_id, seq, latitude, longitude, recorded_at) VALUES (@t, 5, 53.5, -113.5, now()), (@t, 6, 53.5, -113.5, now());
            UPDATE tracking_sessions SET total_points = total_points + 2, version = version + 1 WHERE id = @t;
            """, ("t", trail));

        Assert.Equal(new PointsResult(3, 2), await grain.AddPoints(owner, Fixes(5, 5)));
        Assert.Equal(10L, await Rows(trail));
        Assert.Equal(10, await Total(trail));
    }

    [Fact]
    public async Task A_duplicate_the_copy_runs_into_is_answered_as_a_duplicate_and_written_once()
    {
        var (owner, session, trail) = await Started();
        var grain = fx.Grains.GetGrain<ITrackingSessionGrain>(session);
        Assert.Equal(new PointsResult(2, 0), await grain.AddPoints(owner, Fixes(0, 2)));
        // A stray row this activation does not know about, without a version change: COPY meets it.
        await fx.Db.ExecuteAsync("INSERT INTO track_points (tracking_session_id, seq, latitude, longitude, recorded_at) VALUES (@t, 3, 53.5, -113.5, now())", ("t", trail));

        Assert.Equal(new PointsResult(3, 1), await grain.AddPoints(owner, Fixes(2, 4)));
        Assert.Equal(1L, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM track_points WHERE tracking_session_id = @t AND seq = 3", ("t", trail)));
        Assert.Equal(6L, await Rows(trail));
        // The grain counted what it wrote itself (5); the stray row is not its own.
        Assert.Equal(5, await Total(trail));
    }

    [Fact]
    public async Task Points_naming_no_trail_are_refused_whole_and_a_deleted_user_takes_their_points_along()
    {
        var (owner, session, trail) = await Started();
        Assert.Equal(new PointsResult(3, 0), await fx.Grains.GetGrain<ITrackingSessionGrain>(session).AddPoints(owner, Fixes(0, 3)));
        var nowhere = Guid.NewGuid();

        // A statement with one point of a trail that does not exist writes none of its points, by INSERT or by COPY.
        var inserted = await Assert.ThrowsAsync<PostgresException>(() => fx.Db.ExecuteAsync("""
            INSERT INTO track_points (tracking_session_id, seq, latitude, longitude, recorded_at)
            VALUES (@t, 100, 53.5, -113.5, now()), (@nowhere, 1, 53.5, -113.5, now())
            """, ("t", trail), ("nowhere", nowhere)));
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, inserted.SqlState);
        Assert.Equal("track_points_tracking_session_id_fkey", inserted.ConstraintName);
        await using (var connection = await fx.Db.DataSource.OpenConnectionAsync())
        {
            var copied = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var importer = await connection.BeginBinaryImportAsync(
                    "COPY track_points (tracking_session_id, seq, latitude, longitude, recorded_at) FROM STDIN (FORMAT BINARY)");
                foreach (var (id, seq) in new[] { (trail, 101L), (nowhere, 2L) })
                {
                    await importer.StartRowAsync();
                    await importer.WriteAsync(id, NpgsqlDbType.Uuid);
                    await importer.WriteAsync(seq, NpgsqlDbType.Bigint);
                    await importer.WriteAsync(53.5m, NpgsqlDbType.Numeric);
                    await importer.WriteAsync(-113.5m, NpgsqlDbType.Numeric);
                    await importer.WriteAsync(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
                }
                await importer.CompleteAsync();
            });
            Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, copied.SqlState);
        }
        Assert.Equal(3L, await Rows(trail));

        // Ids do not move: neither a trail's id nor a point's trail.
        var renamed = await Assert.ThrowsAsync<PostgresException>(() =>
            fx.Db.ExecuteAsync("UPDATE tracking_sessions SET id = @n WHERE id = @t", ("n", Guid.NewGuid()), ("t", trail)));
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, renamed.SqlState);
        var moved = await Assert.ThrowsAsync<PostgresException>(() =>
            fx.Db.ExecuteAsync("UPDATE track_points SET tracking_session_id = @n WHERE tracking_session_id = @t", ("n", nowhere), ("t", trail)));
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, moved.SqlState);
        Assert.Equal(3L, await Rows(trail));

        // Deleting the canvasser deletes their sessions and trails, and with the trails every point of them.
        await fx.Db.ExecuteAsync("DELETE FROM users WHERE id = @u", ("u", owner.UserId));
        Assert.Equal(0L, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM tracking_sessions WHERE id = @t", ("t", trail)));
        Assert.Equal(0L, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM track_points WHERE tracking_session_id = @t", ("t", trail)));
    }
}
