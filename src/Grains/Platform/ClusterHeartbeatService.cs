using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// Each silo tells admins, on the <c>cluster:heartbeat</c> topic, that it is alive and how many silos
/// it sees. It is the platform's own live event: admins watch the cluster grow and shrink, and it proves
/// the path from any silo to browsers on any frontend.
/// </summary>
public sealed class ClusterHeartbeatService(
    LivePublisher live, ILocalSiloDetails silo, IClusterMembershipService membership, IConfiguration configuration, TimeProvider time)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(configuration.GetValue("HEARTBEAT_SECONDS", 10.0));
        using var timer = new PeriodicTimer(period, time);
        do
        {
            var snapshot = membership.CurrentSnapshot;
            live.Publish(LiveTopics.ClusterHeartbeat, "clusterHeartbeat", new
            {
                siloAddress = silo.SiloAddress.ToString(),
                siloName = silo.Name,
                activeSilos = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active),
                at = time.GetUtcNow(),
            });
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
