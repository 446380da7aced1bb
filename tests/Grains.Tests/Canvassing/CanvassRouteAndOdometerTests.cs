using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Canvassing;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>The walking-route planner: pure code, checked on streets whose best walk is known.</summary>
public sealed class CanvassWalkRouteTests
{
    // Roughly 10 m between houses along an east-west street at 53.5° N.
    private const double Lat = 53.5;
    private const double Lng = -113.5;
    private const double Step = 0.00015;

    private static WalkDoor House(int number, string street, double lat, double lng, string? unit = null) =>
        new(GuidFor(number, street), $"{number} {street}", unit, lat, lng);

    private static Guid GuidFor(int number, string street) =>
        new(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes($"{number} {street}")));

    [Fact]
    public void A_street_is_walked_up_one_side_and_back_down_the_other()
    {
        var doors = new List<WalkDoor>();
        for (var i = 0; i < 10; i++)
        {
            doors.Add(House(101 + 2 * i, "Main St", Lat + 0.0002, Lng + i * Step)); // odd side, north
            doors.Add(House(100 + 2 * i, "Main St", Lat - 0.0002, Lng + i * Step)); // even side, south
        }
        var shuffled = doors.OrderBy(d => d.LocationId).ToList();

        var plan = WalkRoute.Plan(shuffled, Lat + 0.0002, Lng - Step); // start at the west end, on the odd side
        var numbers = plan.DoorOrder.Select(i => int.Parse(shuffled[i].Address!.Split(' ')[0])).ToList();

        Assert.Equal(Enumerable.Range(0, 10).Select(i => 101 + 2 * i), numbers.Take(10));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 118 - 2 * i), numbers.Skip(10));
    }

    [Fact]
    public void Units_of_a_building_are_visited_together_in_natural_order()
    {
        var building = Guid.NewGuid();
        var doors = new List<WalkDoor>
        {
            new(building, "200 Oak Ave", "10", Lat, Lng),
            House(202, "Oak Ave", Lat, Lng + Step),
            new(building, "200 Oak Ave", "2", Lat, Lng),
            new(building, "200 Oak Ave", "1", Lat, Lng),
            House(198, "Oak Ave", Lat, Lng - Step),
        };
        var plan = WalkRoute.Plan(doors, Lat, Lng - 2 * Step);
        var units = plan.DoorOrder.Select(i => (doors[i].Address, doors[i].UnitNumber)).ToList();
        Assert.Equal(
            [("198 Oak Ave", null), ("200 Oak Ave", "1"), ("200 Oak Ave", "2"), ("200 Oak Ave", "10"), ("202 Oak Ave", null)],
            units);
        Assert.Equal(3, plan.Buildings);
    }

    [Fact]
    public void Scattered_buildings_without_street_numbers_are_toured_without_crossings()
    {
        // Points on a line, handed over in a scrambled order: the only walk without backtracking is end to end.
        var random = new Random(7);
        var doors = Enumerable.Range(0, 60)
            .Select(i => new WalkDoor(Guid.NewGuid(), null, null, Lat + i * 0.0001, Lng + i * 0.0001))
            .OrderBy(_ => random.Next()).ToList();
        var plan = WalkRoute.Plan(doors, Lat - 0.0001, Lng - 0.0001);
        var latitudes = plan.DoorOrder.Select(i => doors[i].Latitude).ToList();
        Assert.Equal(latitudes.OrderBy(x => x), latitudes);
        var straight = Haversine.Meters(Lat - 0.0001, Lng - 0.0001, Lat + 59 * 0.0001, Lng + 59 * 0.0001);
        Assert.InRange(plan.RouteMeters, straight - 1, straight + 1);
    }

    [Fact]
    public void Two_opt_removes_the_crossings_a_nearest_neighbour_tour_leaves()
    {
        // A grid of 400 houses on 20 streets: whatever order they come in, every door appears once and the
        // walk is far shorter than visiting them in the given (random) order.
        var random = new Random(11);
        var doors = new List<WalkDoor>();
        for (var street = 0; street < 20; street++)
            for (var house = 0; house < 20; house++)
                doors.Add(House(100 + house, $"Street {street}", Lat + street * 0.0009 + (house % 2 == 0 ? 0.0001 : -0.0001), Lng + house / 2 * Step));
        doors = doors.OrderBy(_ => random.Next()).ToList();

        var plan = WalkRoute.Plan(doors, Lat, Lng);

        Assert.Equal(Enumerable.Range(0, doors.Count), plan.DoorOrder.Order());
        var givenOrder = 0.0;
        for (var i = 1; i < doors.Count; i++)
            givenOrder += Haversine.Meters(doors[i - 1].Latitude, doors[i - 1].Longitude, doors[i].Latitude, doors[i].Longitude);
        Assert.True(plan.RouteMeters < givenOrder / 10, $"route {plan.RouteMeters:F0} m vs random {givenOrder:F0} m");
        // Lower bound: each street is at least one side's length walked twice (up and back) plus the hops between streets.
        Assert.True(plan.RouteMeters < 20 * (2 * 9 * Step * 66_000 + 40) + 20 * 110, $"route {plan.RouteMeters:F0} m");
    }

    [Fact]
    public void An_empty_cut_has_an_empty_walk_list()
    {
        var plan = WalkRoute.Plan([], null, null);
        Assert.Empty(plan.DoorOrder);
        Assert.Equal(0, plan.Buildings);
    }
}

/// <summary>Walked distance: haversine over trustworthy fixes only.</summary>
public sealed class CanvassOdometerTests
{
    private static readonly DateTimeOffset T0 = new(2030, 5, 1, 14, 0, 0, TimeSpan.Zero);

    private static TrackPointInput Fix(long seq, double lat, double lng, int seconds, double? accuracy = 5) =>
        new(seq, lat, lng, accuracy, T0.AddSeconds(seconds), null);

    [Fact]
    public void Distance_along_a_meridian_is_the_haversine_length()
    {
        var odometer = new TrackOdometer();
        // 0.001° of latitude per 20 s: about 111 m, 5.6 m/s.
        for (var i = 0; i <= 10; i++) odometer.Add(Fix(i, 53.5 + i * 0.001, -113.5, i * 20));
        var expected = 2 * Haversine.EarthRadiusMeters * Math.Asin(Math.Sin(Haversine.ToRadians(0.01) / 2));
        Assert.Equal(expected, odometer.TotalMeters, 6);
        Assert.Equal(53.51, odometer.Last!.Value.Latitude, 9);
    }

    [Fact]
    public void An_impossible_jump_is_skipped_and_the_next_fix_is_measured_from_the_last_good_one()
    {
        var odometer = new TrackOdometer();
        odometer.Add(Fix(0, 53.5, -113.5, 0));
        Assert.False(odometer.Add(Fix(1, 53.6, -113.5, 10))); // 11 km in 10 s
        Assert.True(odometer.Add(Fix(2, 53.5005, -113.5, 20)));
        Assert.Equal(Haversine.Meters(53.5, -113.5, 53.5005, -113.5), odometer.TotalMeters, 6);
    }

    [Fact]
    public void Imprecise_and_out_of_order_fixes_do_not_count()
    {
        var odometer = new TrackOdometer();
        odometer.Add(Fix(0, 53.5, -113.5, 0));
        Assert.False(odometer.Add(Fix(1, 53.5003, -113.5, 10, accuracy: 250)));
        Assert.True(odometer.Add(Fix(2, 53.5001, -113.5, 20)));
        Assert.False(odometer.Add(Fix(3, 53.5002, -113.5, 15)));
        Assert.Equal(Haversine.Meters(53.5, -113.5, 53.5001, -113.5), odometer.TotalMeters, 6);
    }
}
