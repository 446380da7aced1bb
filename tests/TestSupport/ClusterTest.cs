using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChangemakerLite.TestSupport;

/// <summary>
/// Base of test classes that need the running system: a migrated database and a cluster of real silos and
/// frontends. Override the shape or settings where a class needs more.
/// <para>
/// Run as a test class, all its tests share one database and cluster (started by the first test, stopped after
/// the last; <see cref="ClusterTestFramework"/> does this), so each test must work only on rows it made itself.
/// Mark the class <see cref="ClusterPerTestAttribute"/> if its tests truly need a fresh cluster each. Used as a
/// fixture (<c>IClassFixture&lt;MyFixture&gt;</c> where <c>MyFixture : ClusterTest</c>), it starts and stops its own.
/// </para>
/// </summary>
public abstract class ClusterTest : IAsyncLifetime
{
    private bool _owned;

    public TestDatabase Db { get; private set; } = null!;
    public LocalCluster Cluster { get; private set; } = null!;

    protected virtual int Silos => 1;
    protected virtual int Frontends => 1;
    protected virtual IDictionary<string, string?>? Settings => null;
    protected virtual Action<IServiceCollection>? SiloServices => null;

    /// <summary>
    /// What the class's tests share with their cluster besides the database: a stand-in server or a folder that
    /// <see cref="Settings"/> names. Made once, before the cluster starts, by <see cref="StartCompanionAsync"/>; every
    /// test of the class gets the same one; disposed after the cluster stops. Null when the class needs none.
    /// </summary>
    protected IAsyncDisposable? Companion { get; private set; }

    /// <summary>Makes the <see cref="Companion"/> (once per cluster); none by default.</summary>
    protected virtual Task<IAsyncDisposable?> StartCompanionAsync() => Task.FromResult<IAsyncDisposable?>(null);

    /// <summary>
    /// Frontends inside the silos (one process per node) or on their own. Tests that need a frontend to outlive the
    /// silos (a silo killed under a frontend's traffic) say <see cref="ClusterTopology.Separate"/>.
    /// </summary>
    protected virtual ClusterTopology Topology => LocalCluster.DefaultTopology;

    /// <summary>True when this test has the database and cluster to itself (a fixture, or a [ClusterPerTest] class).</summary>
    protected bool OwnsCluster => _owned;

    public virtual async Task InitializeAsync()
    {
        if (SharedClusters.For(GetType()) is { } shared)
        {
            (Db, Cluster) = await shared.GetAsync(StartAsync);
            Companion = Cluster.Companion;
        }
        else
        {
            (Db, Cluster) = await StartAsync();
            _owned = true;
        }
    }

    private async Task<(TestDatabase, LocalCluster)> StartAsync()
    {
        Companion = await StartCompanionAsync();
        TestDatabase? db = null;
        try
        {
            db = await TestDatabase.CreateAsync();
            var cluster = await LocalCluster.StartAsync(db, Silos, Frontends, Settings, SiloServices, Topology);
            cluster.Companion = Companion;
            return (db, cluster);
        }
        catch
        {
            if (db is not null) await db.DisposeAsync();
            if (Companion is not null) await Companion.DisposeAsync();
            throw;
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (!_owned) return;
        var problems = new List<string>(await Cluster.StopAllAsync());
        try { await Db.DisposeAsync(); }
        catch (Exception ex) { problems.Add($"dropping database {Db.Name}: {ex.Message}"); }
        Teardown.Report(GetType().Name, problems);
    }
}

/// <summary>Base of test classes that need only a fresh, migrated database.</summary>
public abstract class DatabaseTest : IAsyncLifetime
{
    public TestDatabase Db { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Db = await TestDatabase.CreateAsync();

    public virtual async Task DisposeAsync() => await Db.DisposeAsync();
}

/// <summary>
/// What stopping a cluster swallowed (a silo that threw on the way down, a database that would not drop): teardown
/// goes on, since the test's verdict is already in, but every such error is written to the run's output.
/// </summary>
public static class Teardown
{
    public static void Report(string owner, IReadOnlyCollection<string> problems)
    {
        foreach (var problem in problems) Console.Error.WriteLine($"[teardown {owner}] {problem}");
    }
}
