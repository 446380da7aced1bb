using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChangemakerLite.TestSupport;

/// <summary>
/// Base of test classes that need the running system: a fresh database and a cluster of real silos and
/// frontends for the class, torn down after it. Override the shape or settings where a class needs more.
/// </summary>
public abstract class ClusterTest : IAsyncLifetime
{
    public TestDatabase Db { get; private set; } = null!;
    public LocalCluster Cluster { get; private set; } = null!;

    protected virtual int Silos => 1;
    protected virtual int Frontends => 1;
    protected virtual IDictionary<string, string?>? Settings => null;
    protected virtual Action<IServiceCollection>? SiloServices => null;

    public virtual async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateAsync();
        Cluster = await LocalCluster.StartAsync(Db, Silos, Frontends, Settings, SiloServices);
    }

    public virtual async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Db.DisposeAsync();
    }
}

/// <summary>Base of test classes that need only a fresh, migrated database.</summary>
public abstract class DatabaseTest : IAsyncLifetime
{
    public TestDatabase Db { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Db = await TestDatabase.CreateAsync();

    public virtual async Task DisposeAsync() => await Db.DisposeAsync();
}
