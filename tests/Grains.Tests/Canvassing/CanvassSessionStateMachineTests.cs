using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>One silo whose canvassing clock the tests move; reminders tick every second.</summary>
public sealed class CanvassGrainFixture : CanvassClockCluster;

public sealed class CanvassSessionStateMachineTests(CanvassGrainFixture fx) : IClassFixture<CanvassGrainFixture>
{
    private async Task<(Caller Owner, Guid SessionId)> Started()
    {
        var user = await TestUsers.CreateAsync(fx.Db, UserRole.User);
        var caller = new Caller(user.Id, IsAdmin: false);
        var id = Ids.New();
        var session = await fx.Grains.GetGrain<ICanvassSessionGrain>(id).Start(caller, new StartSessionCommand(fx.CutId, null, 53.505, -113.505));
        Assert.Equal(CanvassSessionStatus.Active, session.Status);
        Assert.Equal(1L, await fx.Db.ScalarAsync<long>(
            "SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || @key || '%'", ("key", id.ToString("N"))));
        return (caller, id);
    }

    private RecordVisitCommand Visit() =>
        new(Guid.NewGuid(), fx.AddressInside, VisitOutcome.NotHome, null, null, null, null, null, null, false);

    private static TrackPointInput[] Fix(long seq) => [new(seq, 53.505, -113.505, 5, DateTimeOffset.UtcNow, null)];

    private async Task<(CanvassSessionStatus Status, int Version, bool TrailActive)> Row(Guid id)
    {
        var status = await fx.Db.ScalarAsync<string>("SELECT status::text FROM canvass_sessions WHERE id = @id", ("id", id));
        var version = await fx.Db.ScalarAsync<int>("SELECT version FROM canvass_sessions WHERE id = @id", ("id", id));
        var trail = await fx.Db.ScalarAsync<bool>("SELECT is_active FROM tracking_sessions WHERE canvass_session_id = @id", ("id", id));
        return (Enum.Parse<CanvassSessionStatus>(status!.Replace("_", ""), ignoreCase: true), version, trail);
    }

    private Task<long> Reminders(Guid id) =>
        fx.Db.ScalarAsync<long>("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || @key || '%'", ("key", id.ToString("N")));

    private static async Task Conflict(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<DomainException>(call);
        Assert.Equal(DomainErrorKind.Conflict, error.Kind);
    }

    [Fact]
    public async Task Visits_of_many_sessions_written_together_fail_only_for_a_door_deleted_meanwhile()
    {
        // A cut of its own, so the silo's cached list of its doors is read while all twelve exist.
        var cut = await CanvassTestData.InsertCutAsync(fx.Db, 54.00, -114.01, 54.01, -114.00);
        var doors = new List<Guid>();
        for (var i = 0; i < 12; i++) doors.Add(await CanvassTestData.InsertDoorAsync(fx.Db, 54.001 + i * 0.0005, -114.005, $"{i} Batch Rd"));
        var sessions = new List<(Caller Owner, ICanvassSessionGrain Grain)>();
        for (var i = 0; i < 12; i++)
        {
            var user = await TestUsers.CreateAsync(fx.Db, UserRole.User);
            var grain = fx.Grains.GetGrain<ICanvassSessionGrain>(Ids.New());
            await grain.Start(new Caller(user.Id, IsAdmin: false), new StartSessionCommand(cut, null, null, null));
            sessions.Add((new Caller(user.Id, IsAdmin: false), grain));
        }
        RecordVisitCommand VisitTo(Guid door) => new(Guid.NewGuid(), door, VisitOutcome.SpokeWith, SupportLevel.Level2, true, "small", null, null, null, false);
        Assert.True((await sessions[0].Grain.RecordVisit(sessions[0].Owner, VisitTo(doors[0]))).Created);
        await fx.Db.ExecuteAsync("DELETE FROM addresses WHERE id = @id", ("id", doors[11]));

        var calls = Enumerable.Range(1, 11).Select(i => sessions[i].Grain.RecordVisit(sessions[i].Owner, VisitTo(doors[i]))).ToList();
        var refused = await Assert.ThrowsAsync<DomainException>(() => calls[^1]);
        Assert.Equal(DomainErrorKind.Invalid, refused.Kind);
        foreach (var call in calls.Take(10)) Assert.True((await call).Created);
        Assert.Equal(11L, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM canvass_visits WHERE cut_id = @cut", ("cut", cut)));
        Assert.Equal(11L, await fx.Db.ScalarAsync<long>(
            "SELECT count(*) FROM addresses WHERE id = ANY(@doors) AND support_level = 'LEVEL_2' AND sign AND sign_size = 'small'", ("doors", doors.ToArray())));
        Assert.Equal(11L, await fx.Db.ScalarAsync<long>("""
            SELECT count(*) FROM track_points p JOIN tracking_sessions t ON t.id = p.tracking_session_id
            JOIN canvass_sessions s ON s.id = t.canvass_session_id WHERE s.cut_id = @cut AND p.event_type = 'VISIT_RECORDED'
            """, ("cut", cut)));
    }

    [Fact]
    public async Task An_admin_ends_anyone_s_session_but_another_canvasser_cannot()
    {
        var (_, id) = await Started();
        var grain = fx.Grains.GetGrain<ICanvassSessionGrain>(id);
        var stranger = new Caller(Guid.NewGuid(), IsAdmin: false);
        Assert.Equal(DomainErrorKind.Forbidden, (await Assert.ThrowsAsync<DomainException>(() => grain.End(stranger))).Kind);
        Assert.Equal(DomainErrorKind.Forbidden, (await Assert.ThrowsAsync<DomainException>(() => grain.RecordVisit(stranger, Visit()))).Kind);
        Assert.Equal(CanvassSessionStatus.Completed, (await grain.End(new Caller(Guid.NewGuid(), IsAdmin: true))).Status);
    }

    [Fact]
    public async Task A_second_active_session_is_refused_with_the_active_session_id()
    {
        var (owner, first) = await Started();
        var error = await Assert.ThrowsAsync<DomainException>(() =>
            fx.Grains.GetGrain<ICanvassSessionGrain>(Ids.New()).Start(owner, new StartSessionCommand(fx.CutId, null, null, null)));
        Assert.Equal(DomainErrorKind.Conflict, error.Kind);
        Assert.Equal(first.ToString(), error.Extensions["activeSessionId"]);

        await fx.Grains.GetGrain<ICanvassSessionGrain>(first).End(owner);
        var next = await fx.Grains.GetGrain<ICanvassSessionGrain>(Ids.New()).Start(owner, new StartSessionCommand(fx.CutId, null, null, null));
        Assert.Equal(CanvassSessionStatus.Active, next.Status);
    }

    [Fact]
    public async Task Unknown_sessions_are_not_found()
    {
        var grain = fx.Grains.GetGrain<ICanvassSessionGrain>(Ids.New());
        var caller = new Caller(Guid.NewGuid(), false);
        Assert.Equal(DomainErrorKind.NotFound, (await Assert.ThrowsAsync<DomainException>(() => grain.End(caller))).Kind);
        Assert.Equal(DomainErrorKind.NotFound, (await Assert.ThrowsAsync<DomainException>(() => grain.RecordVisit(caller, Visit()))).Kind);
        Assert.Equal(DomainErrorKind.NotFound, (await Assert.ThrowsAsync<DomainException>(() =>
            fx.Grains.GetGrain<ITrackingSessionGrain>(Ids.New()).AddPoints(caller, Fix(1)))).Kind);
    }

    [Fact]
    public async Task A_stale_copy_never_overwrites_a_newer_row()
    {
        var (owner, id) = await Started();
        var grain = fx.Grains.GetGrain<ICanvassSessionGrain>(id);
        await grain.RecordVisit(owner, Visit());
        // Another activation (say, during a membership change) completed the session behind this one's back.
        await fx.Db.ExecuteAsync("UPDATE canvass_sessions SET status = 'COMPLETED', ended_at = now(), version = version + 1 WHERE id = @id", ("id", id));

        await Conflict(() => grain.RecordVisit(owner, Visit()));
        await Conflict(() => grain.End(owner));
        Assert.Equal((CanvassSessionStatus.Completed, 1), ((await Row(id)).Status, (await Row(id)).Version));
        Assert.Equal(1L, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM canvass_visits WHERE session_id = @id", ("id", id)));
    }

    [Fact]
    public async Task A_visit_after_another_activation_moved_the_still_active_row_on_is_written_against_the_fresh_version()
    {
        var (owner, id) = await Started();
        var grain = fx.Grains.GetGrain<ICanvassSessionGrain>(id);
        Assert.True((await grain.RecordVisit(owner, Visit())).Created);
        // Another activation wrote the row behind this one's back and left it ACTIVE: this copy's version is one behind.
        await fx.Db.ExecuteAsync("UPDATE canvass_sessions SET version = version + 1 WHERE id = @id", ("id", id));

        // The fence refuses the first write; the grain reloads and writes again under the version it just read.
        var visit = Visit();
        var result = await grain.RecordVisit(owner, visit);
        Assert.True(result.Created);
        Assert.Equal(visit.ClientVisitId, result.Visit.ClientVisitId);
        Assert.Equal(2L, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM canvass_visits WHERE session_id = @id", ("id", id)));
        Assert.Equal((CanvassSessionStatus.Active, 1), ((await Row(id)).Status, (await Row(id)).Version));
        // And the session still ends from that fresh copy.
        Assert.Equal(CanvassSessionStatus.Completed, (await grain.End(owner)).Status);
    }
}
