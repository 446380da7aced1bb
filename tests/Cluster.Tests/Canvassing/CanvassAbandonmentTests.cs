using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ChangemakerLite.Cluster.Tests.Canvassing;

/// <summary>
/// The 12-hour rule is durable: it holds when every silo stopped in between, through the session's own
/// reminder in PostgreSQL, and through the sweep when that reminder is gone.
/// </summary>
public sealed class CanvassAbandonmentTests : DatabaseTest
{
    private readonly ShiftedTimeProvider _clock = new();

    private Task<LocalCluster> Start(string abandonCheckSeconds, string sweepSeconds) =>
        LocalCluster.StartAsync(Db, silos: 1, frontends: 0,
            settings: new Dictionary<string, string?>
            {
                ["CANVASS_ABANDON_CHECK_SECONDS"] = abandonCheckSeconds,
                ["CANVASS_SWEEP_SECONDS"] = sweepSeconds,
            },
            siloServices: s => s.AddKeyedSingleton<TimeProvider>(CanvassClock.Key, _clock));

    private async Task<Guid> StartSession(LocalCluster cluster)
    {
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var id = Ids.New();
        await cluster.SiloService<IGrainFactory>(0).GetGrain<ICanvassSessionGrain>(id)
            .Start(new Caller(user.Id, false), new StartSessionCommand(cut, null, 53.505, -113.505));
        return id;
    }

    private Task<string?> Status(Guid id) =>
        Db.ScalarAsync<string>("SELECT status::text FROM canvass_sessions WHERE id = @id", ("id", id));

    private Task<long> Reminders(Guid id) =>
        Db.ScalarAsync<long>("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || @key || '%'", ("key", id.ToString("N")));

    [Fact]
    public async Task The_session_s_reminder_abandons_it_after_every_silo_restarted()
    {
        // The sweep runs hourly here, so only the session's own reminder can act within the test.
        var cluster = await Start(abandonCheckSeconds: "1", sweepSeconds: "3600");
        Guid id;
        try
        {
            id = await StartSession(cluster);
            Assert.Equal(1L, await Reminders(id));
            await cluster.StopSiloAsync(0);
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        // Nothing runs while the clock passes the 12 hours.
        _clock.Advance(CanvassRules.AbandonAfter + TimeSpan.FromMinutes(5));
        Assert.Equal("ACTIVE", await Status(id));

        await using var restarted = await Start(abandonCheckSeconds: "1", sweepSeconds: "3600");
        await Eventually.True(async () => await Status(id) == "ABANDONED", "the reminder abandoned the session on the new silo", TimeSpan.FromSeconds(60));
        await Eventually.True(async () => !await Db.ScalarAsync<bool>("SELECT is_active FROM tracking_sessions WHERE canvass_session_id = @id", ("id", id)),
            "the trail closed");
        Assert.Equal(1L, await Db.ScalarAsync<long>("""
            SELECT count(*) FROM track_points p JOIN tracking_sessions t ON t.id = p.tracking_session_id
            WHERE t.canvass_session_id = @id AND p.event_type = 'SESSION_ENDED'
            """, ("id", id)));
        await Eventually.True(async () => await Reminders(id) == 0, "the reminder removed itself");
    }

    [Fact]
    public async Task The_sweep_abandons_a_session_whose_reminder_row_was_lost()
    {
        // The session's reminder would first tick in an hour; the sweep runs every second.
        var cluster = await Start(abandonCheckSeconds: "3600", sweepSeconds: "1");
        Guid id;
        try
        {
            id = await StartSession(cluster);
            await cluster.StopSiloAsync(0);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
        Assert.Equal(1, await Db.ExecuteAsync("DELETE FROM orleansreminderstable WHERE grainid LIKE '%' || @key || '%'", ("key", id.ToString("N"))));
        _clock.Advance(CanvassRules.AbandonAfter + TimeSpan.FromMinutes(5));

        await using var restarted = await Start(abandonCheckSeconds: "3600", sweepSeconds: "1");
        await Eventually.True(async () => await Status(id) == "ABANDONED", "the sweep abandoned the session", TimeSpan.FromSeconds(60));
        await Eventually.True(async () => !await Db.ScalarAsync<bool>("SELECT is_active FROM tracking_sessions WHERE canvass_session_id = @id", ("id", id)),
            "the trail closed");
        var (started, ended) = (await Db.ScalarAsync<DateTime>("SELECT started_at FROM canvass_sessions WHERE id = @id", ("id", id)),
            await Db.ScalarAsync<DateTime>("SELECT ended_at FROM canvass_sessions WHERE id = @id", ("id", id)));
        Assert.Equal(CanvassRules.AbandonAfter, ended - started);
    }

    [Fact]
    public async Task The_sweep_leaves_sessions_younger_than_twelve_hours_alone()
    {
        await using var cluster = await Start(abandonCheckSeconds: "3600", sweepSeconds: "1");
        var id = await StartSession(cluster);
        _clock.Advance(TimeSpan.FromHours(11));
        Assert.Equal(0, await cluster.SiloService<IGrainFactory>(0).GetGrain<ICanvassSweepGrain>(0).SweepNow());
        Assert.Equal("ACTIVE", await Status(id));
        _clock.Advance(TimeSpan.FromHours(1));
        await Eventually.True(async () => await Status(id) == "ABANDONED", "the sweep abandoned the session at 12 hours");
    }
}
