using ChangemakerLite.Cluster.Tests.Canvassing;
using ChangemakerLite.Cluster.Tests.Shifts;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Cluster.Tests.Platform;

/// <summary>
/// The cluster behaviours both topologies must keep (live events from any silo to browsers on any frontend,
/// sessions and shifts served across silos, browsers moving when a frontend goes): each class below runs its base
/// class's tests again on the topology other than the default, so every run covers frontends inside the silos and
/// frontends on their own.
/// </summary>
internal static class OtherTopology
{
    public static ClusterTopology Of(ClusterTopology topology) =>
        topology == ClusterTopology.CoHosted ? ClusterTopology.Separate : ClusterTopology.CoHosted;
}

public sealed class TwoSiloClusterTestsOnTheOtherTopology : TwoSiloClusterTests
{
    protected override ClusterTopology Topology => OtherTopology.Of(LocalCluster.DefaultTopology);
}

public sealed class LiveFrontendFailoverTestsOnTheOtherTopology : LiveFrontendFailoverTests
{
    protected override ClusterTopology Topology => OtherTopology.Of(LocalCluster.DefaultTopology);
}

public sealed class CanvassLiveTestsOnTheOtherTopology : CanvassLiveTests
{
    protected override ClusterTopology Topology => OtherTopology.Of(LocalCluster.DefaultTopology);
}

public sealed class ShiftClusterTestsOnTheOtherTopology : ShiftClusterTests
{
    protected override ClusterTopology Topology => OtherTopology.Of(LocalCluster.DefaultTopology);
}
