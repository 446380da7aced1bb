using ChangemakerLite.Grains.Map.Geocoding;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Grains.Tests.Map;

/// <summary>The cluster-wide pacing of a provider, asked from two silos.</summary>
public sealed class GeocodeThrottleTests : ClusterTest
{
    protected override int Silos => 2;
    protected override int Frontends => 0;

    [Fact]
    public async Task Slots_are_spaced_by_the_rate_whichever_silo_asks_and_interactive_callers_do_not_queue()
    {
        var fromFirst = Cluster.SiloService<IGrainFactory>(0).GetGrain<IGeocodeThrottleGrain>("NOMINATIM-test");
        var fromSecond = Cluster.SiloService<IGrainFactory>(1).GetGrain<IGeocodeThrottleGrain>("NOMINATIM-test");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // A reservation answers "wait this long"; the slot it grants lies between the call's start and end plus that wait,
        // so the check holds however slowly a loaded machine answers.
        async Task<(double Earliest, double Latest)> Slot(IGeocodeThrottleGrain grain)
        {
            var before = clock.Elapsed.TotalSeconds;
            var wait = await grain.Reserve(1, null);
            Assert.NotNull(wait);
            return (before + wait!.Value.TotalSeconds, clock.Elapsed.TotalSeconds + wait.Value.TotalSeconds);
        }

        var first = await Slot(fromFirst);
        var second = await Slot(fromSecond);
        var third = await Slot(fromFirst);
        // An interactive caller that will not wait a second is refused instead of queued behind the bulk work.
        Assert.Null(await fromSecond.Reserve(1, TimeSpan.FromSeconds(1)));
        var fourth = await Slot(fromSecond);

        var slots = new[] { first, second, third, fourth };
        for (var i = 1; i < slots.Length; i++)
        {
            Assert.True(slots[i].Latest - slots[i - 1].Earliest >= 0.99, $"slot {i} comes at least a second after slot {i - 1}");
            Assert.True(slots[i].Earliest - slots[i - 1].Latest <= 1.01, $"slot {i} comes no more than a second after slot {i - 1}");
        }
    }
}
