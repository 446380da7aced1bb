using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>A cut's completion and last canvassed time, as admins read them off the cut while canvassers knock.</summary>
public sealed class CutProgressTests(CanvassGrainFixture fx) : IClassFixture<CanvassGrainFixture>
{
    private static RecordVisitCommand VisitTo(Guid door, DateTimeOffset at) =>
        new(Guid.NewGuid(), door, VisitOutcome.NotHome, null, null, null, null, null, at, false);

    private async Task<(int Percentage, DateTime? Last)> Stored(Guid cutId) =>
        (await fx.Db.ScalarAsync<int>("SELECT completion_percentage FROM cuts WHERE id = @id", ("id", cutId)),
         await fx.Db.ScalarAsync<DateTime?>("SELECT last_canvassed FROM cuts WHERE id = @id", ("id", cutId)));

    [Fact]
    public async Task Completion_follows_each_visit_and_a_recount_takes_in_deleted_visits_and_new_doors()
    {
        // A cut of its own, far from the fixture's, with four doors.
        var cutId = await CanvassTestData.InsertCutAsync(fx.Db, 54.00, -112.01, 54.01, -112.00, name: "Progress");
        var doors = new List<Guid>();
        for (var i = 0; i < 4; i++) doors.Add(await CanvassTestData.InsertDoorAsync(fx.Db, 54.002 + i * 0.001, -112.005, $"{i + 1} Progress St"));
        var user = await TestUsers.CreateAsync(fx.Db, UserRole.User);
        var owner = new Caller(user.Id, false);
        var session = fx.Grains.GetGrain<ICanvassSessionGrain>(Ids.New());
        await session.Start(owner, new StartSessionCommand(cutId, null, null, null));

        // Whole seconds just after the session started: the database keeps microseconds.
        var started = fx.Clock.GetUtcNow();
        var first = new DateTimeOffset(started.Ticks - started.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1);
        await session.RecordVisit(owner, VisitTo(doors[0], first));
        await session.RecordVisit(owner, VisitTo(doors[1], first.AddSeconds(1)));
        // A second visit to a door does not count it twice.
        await session.RecordVisit(owner, VisitTo(doors[0], first.AddSeconds(2)));
        await Eventually.True(async () => await Stored(cutId) == (50, first.AddSeconds(2).UtcDateTime),
            "half the doors visited, last at the latest visit", TimeSpan.FromSeconds(15));

        // Meanwhile a visit is deleted and a door is added to the cut: only a count shows either.
        await fx.Db.ExecuteAsync("DELETE FROM canvass_visits WHERE address_id = @door", ("door", doors[1]));
        await CanvassTestData.InsertDoorAsync(fx.Db, 54.008, -112.005, "5 Progress St");
        Assert.Equal(20, await fx.Grains.GetGrain<ICutProgressGrain>(cutId).RefreshNow());
        Assert.Equal((20, first.AddSeconds(2).UtcDateTime), await Stored(cutId));

        // Visits after the count are added to it.
        await session.RecordVisit(owner, VisitTo(doors[2], first.AddSeconds(3)));
        await Eventually.True(async () => await Stored(cutId) == (40, first.AddSeconds(3).UtcDateTime),
            "two of five doors visited", TimeSpan.FromSeconds(15));
    }
}
