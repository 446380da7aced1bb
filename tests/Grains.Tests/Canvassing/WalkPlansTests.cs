using ChangemakerLite.Grains.Canvassing;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>
/// The walk list's kept plans: one plan per start area, the same order as planning afresh from that area, a bounded
/// number kept, and new doors making new plans.
/// </summary>
public sealed class WalkPlansTests
{
    private static List<WalkPlans.Door> Street(int houses, double lat = 53.5, string street = "Main St")
    {
        var doors = new List<WalkPlans.Door>();
        for (var i = 0; i < houses; i++)
            doors.Add(new WalkPlans.Door(Guid.NewGuid(), Guid.NewGuid(), $"{100 + i} {street}", null, lat + (i % 2 == 0 ? 0.0001 : -0.0001),
                -113.5 + i / 2 * 0.00015));
        return doors;
    }

    [Fact]
    public void Starts_in_one_area_share_one_plan_that_is_the_route_planned_from_the_area()
    {
        var doors = Street(40);
        var plans = new WalkPlans(doors);
        var first = plans.From(53.5, -113.5);
        var second = plans.From(53.50003, -113.49998); // a few metres away
        Assert.Same(first, second);
        Assert.Equal(1, plans.PlansMade);

        var afresh = WalkRoute.Plan(doors.Select(d => new WalkDoor(d.LocationId, d.Address, d.UnitNumber, d.Latitude, d.Longitude)).ToList(),
            first.StartLatitude, first.StartLongitude);
        Assert.Equal(afresh.DoorOrder, first.Order);

        // The reported length is from where the caller stands, not from the area's centre.
        var here = plans.RouteMetersFrom(first, 53.5, -113.5);
        var there = plans.RouteMetersFrom(first, 53.50003, -113.49998);
        Assert.NotEqual(here, there);
        Assert.InRange(Math.Abs(here - there), 0.01, 10);
    }

    /// <summary>Buildings without street numbers over about 11 km × 7 km, so that start areas 500 m apart are all distinct.</summary>
    private static List<WalkPlans.Door> Scattered(int count)
    {
        var random = new Random(3);
        return Enumerable.Range(0, count)
            .Select(_ => new WalkPlans.Door(Guid.NewGuid(), Guid.NewGuid(), null, null, 53.5 + random.NextDouble() * 0.1, -113.5 + random.NextDouble() * 0.1))
            .ToList();
    }

    [Fact]
    public void Another_area_gets_its_own_plan_and_no_more_than_the_bound_are_kept_least_recently_used_first()
    {
        var plans = new WalkPlans(Scattered(60));
        (double, double) Area(int k) => (53.5 + 0.005 * k, -113.45);
        var south = plans.From(Area(0).Item1, Area(0).Item2);
        var north = plans.From(Area(19).Item1, Area(19).Item2);
        Assert.Equal(2, plans.PlansMade);
        Assert.NotEqual(south.Order, north.Order);

        // A start in another city is brought onto the doors' edge: one plan for all such starts on that side.
        plans.From(10, -113.45);
        plans.From(11, -113.45);
        Assert.Equal(3, plans.PlansMade);

        var fresh = new WalkPlans(Scattered(60));
        for (var k = 0; k < WalkPlans.MaxPlans; k++) fresh.From(Area(k).Item1, Area(k).Item2);
        Assert.Equal(WalkPlans.MaxPlans, fresh.PlansMade);
        fresh.From(Area(0).Item1, Area(0).Item2);                               // kept, and now the most recently used
        Assert.Equal(WalkPlans.MaxPlans, fresh.PlansMade);
        fresh.From(Area(WalkPlans.MaxPlans).Item1, Area(WalkPlans.MaxPlans).Item2); // one more: area 1 goes
        fresh.From(Area(0).Item1, Area(0).Item2);
        Assert.Equal(WalkPlans.MaxPlans + 1, fresh.PlansMade);
        fresh.From(Area(1).Item1, Area(1).Item2);
        Assert.Equal(WalkPlans.MaxPlans + 2, fresh.PlansMade);
    }

    [Fact]
    public void The_fingerprint_follows_what_the_route_depends_on()
    {
        var doors = Street(10);
        var same = doors.Select(d => d with { }).ToList();
        Assert.Equal(WalkPlans.FingerprintOf(doors), WalkPlans.FingerprintOf(same));
        var moved = doors.Select((d, i) => i == 3 ? d with { Latitude = d.Latitude + 0.001 } : d).ToList();
        Assert.NotEqual(WalkPlans.FingerprintOf(doors), WalkPlans.FingerprintOf(moved));
        var readdressed = doors.Select((d, i) => i == 3 ? d with { Address = "7 Other St" } : d).ToList();
        Assert.NotEqual(WalkPlans.FingerprintOf(doors), WalkPlans.FingerprintOf(readdressed));
        Assert.NotEqual(WalkPlans.FingerprintOf(doors), WalkPlans.FingerprintOf(doors.Take(9).ToList()));
    }

    [Fact]
    public void No_doors_no_route()
    {
        var plans = new WalkPlans([]);
        var plan = plans.From(53.5, -113.5);
        Assert.Empty(plan.Order);
        Assert.Equal(0, plans.RouteMetersFrom(plan, 53.5, -113.5));
    }

    [Fact]
    public void Past_the_planning_budget_a_new_area_gets_the_nearest_kept_plan_and_nothing_is_planned()
    {
        var plans = new WalkPlans(Scattered(60));
        var south = plans.From(53.5, -113.45);
        var north = plans.From(53.59, -113.45);
        Assert.Equal(2, plans.PlansMade);
        Assert.Same(north, plans.From(53.57, -113.45, mayPlan: false));
        Assert.Same(south, plans.From(53.51, -113.45, mayPlan: false));
        Assert.Equal(2, plans.PlansMade);
        // With no plan kept at all, the first is made whatever the budget: there is nothing else to answer with.
        var empty = new WalkPlans(Scattered(60));
        empty.From(53.5, -113.45, mayPlan: false);
        Assert.Equal(1, empty.PlansMade);
    }
}
