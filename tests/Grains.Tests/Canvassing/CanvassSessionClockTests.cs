using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>
/// The session's life where its clock jumps hours ahead. Each test has a silo and a clock of its own, so a jump
/// abandons no other test's session.
/// </summary>
[ClusterPerTest]
public sealed class CanvassSessionClockTests : CanvassClockCluster
{
    private async Task<(Caller Owner, Guid SessionId)> Started()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var caller = new Caller(user.Id, IsAdmin: false);
        var id = Ids.New();
        var session = await Grains.GetGrain<ICanvassSessionGrain>(id).Start(caller, new StartSessionCommand(CutId, null, 53.505, -113.505));
        Assert.Equal(CanvassSessionStatus.Active, session.Status);
        Assert.Equal(1L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || @key || '%'", ("key", id.ToString("N"))));
        return (caller, id);
    }

    private RecordVisitCommand Visit() =>
        new(Guid.NewGuid(), AddressInside, VisitOutcome.NotHome, null, null, null, null, null, null, false);

    private static TrackPointInput[] Fix(long seq) => [new(seq, 53.505, -113.505, 5, DateTimeOffset.UtcNow, null)];

    private async Task<(CanvassSessionStatus Status, int Version, bool TrailActive)> Row(Guid id)
    {
        var status = await Db.ScalarAsync<string>("SELECT status::text FROM canvass_sessions WHERE id = @id", ("id", id));
        var version = await Db.ScalarAsync<int>("SELECT version FROM canvass_sessions WHERE id = @id", ("id", id));
        var trail = await Db.ScalarAsync<bool>("SELECT is_active FROM tracking_sessions WHERE canvass_session_id = @id", ("id", id));
        return (Enum.Parse<CanvassSessionStatus>(status!.Replace("_", ""), ignoreCase: true), version, trail);
    }

    private Task<long> Reminders(Guid id) =>
        Db.ScalarAsync<long>("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || @key || '%'", ("key", id.ToString("N")));

    private static async Task Conflict(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<DomainException>(call);
        Assert.Equal(DomainErrorKind.Conflict, error.Kind);
    }

    [Fact]
    public async Task Active_to_completed_by_the_owner_then_every_command_is_refused()
    {
        var (owner, id) = await Started();
        var grain = Grains.GetGrain<ICanvassSessionGrain>(id);
        Assert.Equal((CanvassSessionStatus.Active, 0, true), await Row(id));

        var ended = await grain.End(owner);
        Assert.Equal(CanvassSessionStatus.Completed, ended.Status);
        Assert.Equal((CanvassSessionStatus.Completed, 1, false), await Row(id));
        Assert.Equal(1L, await Db.ScalarAsync<long>("""
            SELECT count(*) FROM track_points p JOIN tracking_sessions t ON t.id = p.tracking_session_id
            WHERE t.canvass_session_id = @id AND p.event_type = 'SESSION_ENDED'
            """, ("id", id)));

        await Conflict(() => grain.End(owner));                                                     // COMPLETED → COMPLETED
        await Conflict(() => grain.RecordVisit(owner, Visit()));                                    // visits only while ACTIVE
        await Conflict(() => Grains.GetGrain<ITrackingSessionGrain>(id).AddPoints(owner, Fix(1))); // trail closed
        await Conflict(() => grain.Start(owner, new StartSessionCommand(CutId, null, null, null))); // no restart
        Clock.Advance(CanvassRules.AbandonAfter + TimeSpan.FromMinutes(1));
        Assert.False(await grain.AbandonIfOverdue());                                               // COMPLETED → ABANDONED
        Assert.Equal((CanvassSessionStatus.Completed, 1, false), await Row(id));
    }

    [Fact]
    public async Task Active_to_abandoned_after_twelve_hours_then_every_command_is_refused()
    {
        var (owner, id) = await Started();
        var grain = Grains.GetGrain<ICanvassSessionGrain>(id);
        var admin = new Caller(Guid.NewGuid(), IsAdmin: true);

        Clock.Advance(TimeSpan.FromHours(11));
        Assert.False(await grain.AbandonIfOverdue());                                               // not yet
        Assert.Equal(CanvassSessionStatus.Active, (await Row(id)).Status);

        Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        // Nobody calls the grain: its reminder (every second here) notices.
        // The status commits first; the reminder is removed and the trail closed right after it.
        await Eventually.True(async () => await Row(id) == (CanvassSessionStatus.Abandoned, 1, false) && await Reminders(id) == 0,
            "the reminder abandoned the session, removed itself and closed the trail");
        var startedAt = await Db.ScalarAsync<DateTime>("SELECT started_at FROM canvass_sessions WHERE id = @id", ("id", id));
        var endedAt = await Db.ScalarAsync<DateTime>("SELECT ended_at FROM canvass_sessions WHERE id = @id", ("id", id));
        Assert.Equal(CanvassRules.AbandonAfter, endedAt - startedAt);

        await Conflict(() => grain.End(owner));                                                     // ABANDONED → COMPLETED
        await Conflict(() => grain.End(admin));
        await Conflict(() => grain.RecordVisit(owner, Visit()));
        await Conflict(() => Grains.GetGrain<ITrackingSessionGrain>(id).AddPoints(owner, Fix(1)));
        Assert.False(await grain.AbandonIfOverdue());                                               // ABANDONED → ABANDONED
    }

    [Fact]
    public async Task A_command_on_an_overdue_session_abandons_it_first()
    {
        var (owner, id) = await Started();
        var grain = Grains.GetGrain<ICanvassSessionGrain>(id);
        Clock.Advance(CanvassRules.AbandonAfter);
        var error = await Assert.ThrowsAsync<DomainException>(() => grain.RecordVisit(owner, Visit()));
        Assert.Equal(DomainErrorKind.Conflict, error.Kind);
        Assert.Equal("ABANDONED", error.Extensions["sessionStatus"]);
        Assert.Equal(CanvassSessionStatus.Abandoned, (await Row(id)).Status);
    }
}
