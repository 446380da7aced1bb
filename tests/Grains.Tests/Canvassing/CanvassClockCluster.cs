using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>
/// A silo without frontends whose canvassing clock the tests move, reminders ticking every second, with one cut and a
/// door inside it.
/// </summary>
public abstract class CanvassClockCluster : ClusterTest
{
    public ShiftedTimeProvider Clock { get; } = new();
    public Guid CutId { get; private set; }
    public Guid AddressInside { get; private set; }

    protected override int Frontends => 0;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["CANVASS_ABANDON_CHECK_SECONDS"] = "1",
        // Only the session's own reminder may abandon here; the sweep has its own tests.
        ["CANVASS_SWEEP_SECONDS"] = "3600",
    };

    protected override Action<IServiceCollection>? SiloServices => s => s.AddKeyedSingleton<TimeProvider>(CanvassClock.Key, Clock);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        CutId = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        AddressInside = await CanvassTestData.InsertDoorAsync(Db, 53.505, -113.505, "10 Main St");
    }

    public IGrainFactory Grains => Cluster.SiloService<IGrainFactory>(0);
}
