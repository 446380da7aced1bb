using ChangemakerLite.Grains.Map.Geocoding;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Grains.Tests.Map;

/// <summary>The cluster-wide pacing of a provider, asked from two silos.</summary>
public sealed class GeocodeThrottleTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private LocalCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _cluster = await LocalCluster.StartAsync(_db, silos: 2, frontends: 0);
        // One activation per grain holds once both silos see each other; before that each could place its own.
        await Eventually.True(async () =>
            (await _cluster.SiloService<IGrainFactory>(0).GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2 &&
            (await _cluster.SiloService<IGrainFactory>(1).GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2,
            "both silos active on both silos");
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Slots_are_spaced_by_the_rate_whichever_silo_asks_and_interactive_callers_do_not_queue()
    {
        var fromFirst = _cluster.SiloService<IGrainFactory>(0).GetGrain<IGeocodeThrottleGrain>("NOMINATIM-test");
        var fromSecond = _cluster.SiloService<IGrainFactory>(1).GetGrain<IGeocodeThrottleGrain>("NOMINATIM-test");
        var first = await fromFirst.Reserve(1, null);
        var second = await fromSecond.Reserve(1, null);
        var third = await fromFirst.Reserve(1, null);
        Assert.Equal(TimeSpan.Zero, first);
        Assert.InRange(second!.Value.TotalSeconds, 0.5, 1.0);
        Assert.InRange(third!.Value.TotalSeconds, 1.5, 2.0);
        Assert.Null(await fromSecond.Reserve(1, TimeSpan.FromSeconds(1)));
        Assert.InRange((await fromSecond.Reserve(1, null))!.Value.TotalSeconds, 2.5, 3.0);
    }
}
