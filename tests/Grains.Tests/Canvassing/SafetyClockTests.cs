using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>
/// Safety conditions reached by the canvassing clock moving, not by points: a canvasser whose fixes stopped, and a
/// session past its shift's end. Each test has a silo and a clock of its own, so a jump raises no other test's alerts.
/// </summary>
[ClusterPerTest]
public sealed class SafetyClockTests : ClusterTest
{
    public ShiftedTimeProvider Clock { get; } = new();

    protected override int Frontends => 0;

    // The sweep runs only when the test asks, so what it raises is the test's own doing.
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["SAFETY_SWEEP_SECONDS"] = "3600" };

    protected override Action<IServiceCollection>? SiloServices => s => s.AddKeyedSingleton<TimeProvider>(CanvassClock.Key, Clock);

    private IGrainFactory Grains => Cluster.SiloService<IGrainFactory>(0);

    private async Task<(Caller Owner, Guid Session)> StartAsync(Guid? shiftId)
    {
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var caller = new Caller(user.Id, IsAdmin: false);
        var id = Ids.New();
        await Grains.GetGrain<ICanvassSessionGrain>(id).Start(caller, new StartSessionCommand(cut, shiftId, 53.505, -113.505));
        return (caller, id);
    }

    private Task<long> AlertsAsync(Guid session, string kind) =>
        Db.ScalarAsync<long>("SELECT count(*) FROM safety_alerts WHERE session_id = @s AND kind = @k::safety_alert_kind", ("s", session), ("k", kind));

    [Fact]
    public async Task Fixes_that_stopped_for_the_stopped_time_raise_one_stationary_alert()
    {
        var (owner, session) = await StartAsync(null);
        var at = Clock.GetUtcNow();
        await Grains.GetGrain<ITrackingSessionGrain>(session).AddPoints(owner, [new TrackPointInput(1, 53.505, -113.505, 5, at, null)]);
        var sweep = Grains.GetGrain<ISafetySweepGrain>(0);

        Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(0, await sweep.SweepNow());
        Assert.Equal(0L, await AlertsAsync(session, "STATIONARY"));

        Clock.Advance(TimeSpan.FromMinutes(2));
        await sweep.SweepNow();
        await sweep.SweepNow();
        Assert.Equal(1L, await AlertsAsync(session, "STATIONARY"));
        var conditionAt = await Db.ScalarAsync<DateTime>("SELECT condition_at FROM safety_alerts WHERE session_id = @s", ("s", session));
        Assert.Equal(SessionRules.Truncate(at.AddMinutes(15)).UtcDateTime, conditionAt);
    }

    [Fact]
    public async Task A_session_open_past_its_shift_end_raises_one_alert_when_the_end_passes()
    {
        // A shift ending two hours from now (UTC wall clock, whole minutes).
        var end = Clock.GetUtcNow().AddHours(2);
        end = new DateTimeOffset(end.Year, end.Month, end.Day, end.Hour, end.Minute, 0, TimeSpan.Zero);
        var shift = Ids.New();
        await Db.ExecuteAsync("""
            INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers, is_public)
            VALUES (@id, 'Evening', @date, '00:00', @end, 10, true)
            """, ("id", shift), ("date", DateOnly.FromDateTime(end.UtcDateTime)), ("end", end.ToString("HH:mm")));
        if (end.Hour == 0 && end.Minute == 0) return; // a shift cannot end at midnight; nothing to check at this minute
        var (_, session) = await StartAsync(shift);
        var sweep = Grains.GetGrain<ISafetySweepGrain>(0);

        Assert.Equal(0, await sweep.SweepNow());
        Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        await sweep.SweepNow();
        await sweep.SweepNow();
        Assert.Equal(1L, await AlertsAsync(session, "PAST_SHIFT_END"));
        Assert.Equal(end.UtcDateTime, await Db.ScalarAsync<DateTime>("SELECT condition_at FROM safety_alerts WHERE session_id = @s", ("s", session)));
    }
}
