namespace ChangemakerLite.Grains.Interfaces.Platform;

[GenerateSerializer, Immutable, Alias("cml.platform.HealthReport")]
public sealed record HealthReport(
    [property: Id(0)] bool DatabaseReachable,
    [property: Id(1)] string SiloAddress,
    [property: Id(2)] string? DatabaseError);

/// <summary>Answers readiness probes from inside the cluster: reaching it proves the cluster, and it checks the database.</summary>
[Alias("cml.platform.IPlatformHealthGrain")]
public interface IPlatformHealthGrain : IGrainWithIntegerKey
{
    [Alias("Check")]
    Task<HealthReport> Check();
}
