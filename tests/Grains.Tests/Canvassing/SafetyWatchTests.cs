using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Map;
using Microsoft.Extensions.Configuration;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>The in-memory rules of the safety watch: how far outside a cut a fix is, and what counts as standing still.</summary>
public sealed class SafetyWatchTests
{
    private static readonly GeoPolygon Square = GeoPolygon.Parse(
        """{"type":"Polygon","coordinates":[[[-100,40],[-99.99,40],[-99.99,40.01],[-100,40.01],[-100,40]]]}""");

    private static CanvassSettings Settings => CanvassSettings.From(new ConfigurationBuilder().Build());

    [Fact]
    public void A_fix_inside_is_0_m_out_and_one_north_of_the_cut_is_its_distance_from_the_edge()
    {
        Assert.Equal(0, Square.MetersOutside(40.005, -99.995));
        Assert.InRange(Square.MetersOutside(40.015, -99.995), 550, 562);
        // Beyond a corner: the distance to the corner.
        Assert.InRange(Square.MetersOutside(40.011, -99.989), 140, 155);
    }

    [Fact]
    public void Standing_within_the_radius_for_the_stopped_time_raises_stationary_once_and_walking_never()
    {
        var watch = new SafetyWatch(Settings);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var still = Enumerable.Range(0, 20).Select(i => new TrackPointInput(i, 40.005 + (i % 2) * 0.0001, -99.995, 5, start.AddMinutes(i), null)).ToList();
        var alerts = watch.Observe(still, Guid.NewGuid(), Guid.NewGuid(), null, null, Square);
        var alert = Assert.Single(alerts);
        Assert.Equal(SafetyAlertKind.Stationary, alert.Kind);
        Assert.Equal(start.AddMinutes(15), alert.ConditionAt);
        Assert.Empty(watch.Observe(still, Guid.NewGuid(), Guid.NewGuid(), null, null, null));

        var walker = new SafetyWatch(Settings);
        var walking = Enumerable.Range(0, 40).Select(i => new TrackPointInput(i, 40.001 + 0.0005 * (i % 15), -99.995, 5, start.AddMinutes(i), null)).ToList();
        Assert.Empty(walker.Observe(walking, Guid.NewGuid(), Guid.NewGuid(), null, null, Square));
    }
}
