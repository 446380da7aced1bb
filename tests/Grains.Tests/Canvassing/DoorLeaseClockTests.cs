using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>
/// Door leases and shift turf where the canvassing clock moves: leases run out, sessions are abandoned, shifts start.
/// Each test has a silo and a clock of its own.
/// </summary>
[ClusterPerTest]
public sealed class DoorLeaseClockTests : ClusterTest
{
    public ShiftedTimeProvider Clock { get; } = new();

    protected override int Frontends => 0;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["SHIFT_TURF_DOORS"] = "4",
        ["CANVASS_SWEEP_SECONDS"] = "3600",
    };

    protected override Action<IServiceCollection>? SiloServices => s => s.AddKeyedSingleton<TimeProvider>(CanvassClock.Key, Clock);

    private IGrainFactory Grains => Cluster.SiloService<IGrainFactory>(0);

    private async Task<(Caller Caller, Guid SessionId)> Canvasser(Guid cutId, Guid? shiftId = null, Caller? who = null)
    {
        var caller = who ?? new Caller((await TestUsers.CreateAsync(Db, UserRole.User)).Id, false);
        var id = Ids.New();
        await Grains.GetGrain<ICanvassSessionGrain>(id).Start(caller, new StartSessionCommand(cutId, shiftId, null, null));
        return (caller, id);
    }

    private Task<DoorLeaseView> Lease(Guid cutId, (Caller Caller, Guid SessionId) canvasser, int count) =>
        Grains.GetGrain<IDoorLeaseGrain>(cutId).Lease(canvasser.SessionId, canvasser.Caller, null, null, count);

    private static List<Guid> DoorsOf(DoorLeaseView view) => view.Doors.Select(d => d.AddressId).ToList();

    private async Task<HashSet<Guid>> Rows(string where, params (string Name, object? Value)[] parameters) =>
        (await Db.ScalarAsync<Guid[]>($"SELECT coalesce(array_agg(address_id), '{{}}') FROM door_leases WHERE {where}", parameters))!.ToHashSet();

    [Fact]
    public async Task A_lease_runs_out_and_its_doors_go_to_the_next_canvasser()
    {
        var (cut, _) = await LeaseTestData.InsertGridCutAsync(Db, 51, -101, 2, 5);
        var a = await Canvasser(cut);
        var b = await Canvasser(cut);
        var first = await Lease(cut, a, 3);
        Assert.InRange((first.LeasedUntil - Clock.GetUtcNow()).TotalMinutes, 19.5, 20);

        Clock.Advance(TimeSpan.FromMinutes(21));
        var second = await Lease(cut, b, 3);

        Assert.Equal(DoorsOf(first), DoorsOf(second));
        Assert.True((await Rows("session_id = @s", ("s", b.SessionId))).SetEquals(DoorsOf(first)));
        Assert.Empty(await Rows("session_id = @s", ("s", a.SessionId)));
        var again = await Lease(cut, a, 3);
        Assert.Empty(DoorsOf(again).Intersect(DoorsOf(first)));
        Assert.Equal(3, again.Doors.Count);
    }

    [Fact]
    public async Task Leases_are_read_back_from_PostgreSQL_by_a_new_activation()
    {
        var (cut, _) = await LeaseTestData.InsertGridCutAsync(Db, 51, -101, 2, 5);
        var a = await Canvasser(cut);
        var b = await Canvasser(cut);
        var first = await Lease(cut, a, 4);

        // Every activation of the silo goes; the cut's walk list starts again from its rows.
        await Cluster.SiloService<IGrainFactory>(0).GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var other = await Lease(cut, b, 4);
        Assert.Empty(DoorsOf(other).Intersect(DoorsOf(first)));
        var again = await Lease(cut, a, 4);
        Assert.Equal(DoorsOf(first), DoorsOf(again));
    }

    [Fact]
    public async Task Shift_turf_is_kept_for_confirmed_volunteers_first_for_them_never_for_others_and_freed_on_cancel_no_show_and_abandonment()
    {
        var (cut, doors) = await LeaseTestData.InsertGridCutAsync(Db, 51, -101, 4, 5);
        var shiftId = Ids.New();
        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);
        var shift = Grains.GetGrain<IShiftGrain>(shiftId);
        await shift.Create(new CreateShiftCommand("Door knocking", null, tomorrow, "09:00", "12:00", null, 10, true, cut, null));
        var volunteers = new List<(Caller Caller, SignupView Signup)>();
        for (var i = 0; i < 3; i++)
        {
            var user = await TestUsers.CreateAsync(Db, UserRole.User);
            volunteers.Add((new Caller(user.Id, false), await shift.SignUpSelf(user.Id)));
        }
        var admin = new Caller(Ids.New(), true);
        var leases = Grains.GetGrain<IDoorLeaseGrain>(cut);

        // Reservation on signup: four doors each, in signup order along the route, none shared.
        var turf = await leases.Turf(shiftId, admin);
        Assert.Equal(3, turf.Parts.Count);
        Assert.All(turf.Parts, p => Assert.Equal(4, p.Doors.Count));
        Assert.Equal(12, turf.Parts.SelectMany(p => p.Doors).Select(d => d.AddressId).Distinct().Count());
        Assert.Equal(12L, await Db.ScalarAsync<long>("SELECT count(*) FROM shift_turf WHERE shift_id = @s", ("s", shiftId)));
        List<Guid> PartOf(Caller v) => turf.Parts.Single(p => p.UserId == v.UserId).Doors.Select(d => d.AddressId).ToList();
        var (v1, v2, v3) = (volunteers[0].Caller, volunteers[1].Caller, volunteers[2].Caller);
        Assert.Equal(PartOf(v1), (await leases.Turf(shiftId, v1)).Parts.Single().Doors.Select(d => d.AddressId));

        // Their own doors first for the volunteer; then doors nobody keeps.
        var first = await Canvasser(cut, shiftId, v1);
        var firstLease = await Lease(cut, first, 6);
        Assert.Equal(PartOf(v1), DoorsOf(firstLease).Take(4));
        Assert.All(firstLease.Doors.Take(4), d => Assert.True(d.Reserved));
        Assert.Empty(DoorsOf(firstLease).Skip(4).Intersect(PartOf(v2).Concat(PartOf(v3))));

        // Never offered to anyone else.
        var other = await Canvasser(cut);
        var otherLease = await Lease(cut, other, 50);
        Assert.Equal(20 - 12 - 2, otherLease.Doors.Count);
        Assert.Empty(DoorsOf(otherLease).Intersect(PartOf(v1).Concat(PartOf(v2)).Concat(PartOf(v3)).Concat(DoorsOf(firstLease))));

        // A cancelled signup frees its part once the signups are read again (at most WalkListGrain.TurfRefresh later).
        await shift.CancelSignup(volunteers[1].Signup.Id, v2.UserId, false);
        Clock.Advance(WalkListGrain.TurfRefresh);
        var afterCancel = await Lease(cut, other, 50);
        Assert.Equal(DoorsOf(otherLease), DoorsOf(afterCancel).Take(otherLease.Doors.Count));
        Assert.True(DoorsOf(afterCancel).Skip(otherLease.Doors.Count).ToHashSet().SetEquals(PartOf(v2)));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM shift_turf WHERE shift_id = @s AND user_id = @u", ("s", shiftId), ("u", v2.UserId)));
        Assert.Equal(2, (await leases.Turf(shiftId, admin)).Parts.Count);

        // Five minutes before the start: the sessions of last night are abandoned, and their leases go with them.
        var startsAt = new DateTimeOffset(tomorrow.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);
        Clock.Advance(startsAt - TimeSpan.FromMinutes(5) - Clock.GetUtcNow());
        Assert.True(await Grains.GetGrain<ICanvassSessionGrain>(first.SessionId).AbandonIfOverdue());
        Assert.True(await Grains.GetGrain<ICanvassSessionGrain>(other.SessionId).AbandonIfOverdue());
        Assert.Empty(await Rows("session_id = ANY(@s)", ("s", new[] { first.SessionId, other.SessionId })));
        Assert.Empty(await Rows("cut_id = @c", ("c", cut)));

        // The first volunteer is out canvassing when the shift starts; the third is not: a no-show, whose part goes to everyone.
        var firstAgain = await Canvasser(cut, shiftId, v1);
        Clock.Advance(TimeSpan.FromMinutes(10));
        var after = await leases.Turf(shiftId, admin);
        Assert.Equal(v1.UserId, Assert.Single(after.Parts).UserId);
        Assert.Equal(4L, await Db.ScalarAsync<long>("SELECT count(*) FROM shift_turf WHERE shift_id = @s", ("s", shiftId)));
        var late = await Canvasser(cut);
        var lateLease = await Lease(cut, late, 50);
        Assert.True(DoorsOf(lateLease).ToHashSet().SetEquals(doors.Except(PartOf(v1))));
        Assert.Equal(PartOf(v1), DoorsOf(await Lease(cut, firstAgain, 4)));
    }
}
