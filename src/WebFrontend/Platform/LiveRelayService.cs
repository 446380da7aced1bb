using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.AspNetCore.SignalR;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// This frontend's observer in the cluster: it keeps a lease in the relay directory grain and forwards
/// every event it receives to the SignalR group of the event's topic. Each frontend holds its own
/// lease, so a browser connected to any frontend receives events raised on any silo. Events of topics no
/// browser here watches are dropped on arrival.
/// </summary>
public sealed class LiveRelayService(
    IClusterClient client,
    IHubContext<LiveHub> hub,
    LiveSubscriptions subscriptions,
    LiveAccountGuard accounts,
    FrontendSettings settings,
    ILogger<LiveRelayService> logger) : BackgroundService, ILiveEventObserver
{
    private readonly string _frontendId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var self = client.CreateObjectReference<ILiveEventObserver>(this);
        var directory = client.GetGrain<ILiveRelayDirectoryGrain>(0);
        using var timer = new PeriodicTimer(settings.LiveRelayRenewPeriod);
        try
        {
            do
            {
                try
                {
                    await directory.Register(_frontendId, self);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Could not renew the live relay lease; retrying");
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            try
            {
                await directory.Unregister(_frontendId).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Could not unregister from the live relay directory");
            }
            client.DeleteObjectReference<ILiveEventObserver>(self);
        }
    }

    public async Task OnLiveEvents(IReadOnlyList<LiveEvent> events)
    {
        foreach (var liveEvent in events)
        {
            if (liveEvent.Name == AccountEvents.Changed)
            {
                // Not for browsers: this frontend checks the user's connections itself.
                foreach (var topic in liveEvent.Topics)
                    if (topic.StartsWith(AccountEvents.TopicPrefix, StringComparison.Ordinal)
                        && Guid.TryParse(topic.AsSpan(AccountEvents.TopicPrefix.Length), out var userId))
                        accounts.AccountChanged(userId);
                continue;
            }
            var watched = liveEvent.Topics.Where(subscriptions.IsWatched).ToList();
            if (watched.Count == 0) continue;
            try
            {
                using var payload = JsonDocument.Parse(liveEvent.PayloadJson);
                // One send to every watched group, the message serialized once for all of them.
                await hub.Clients.Groups(watched).SendAsync(liveEvent.Name, payload.RootElement.Clone());
                Operations.FrontendMetrics.LiveEventRelayed();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not push live event {Name} on {Topics}", liveEvent.Name, string.Join(", ", watched));
            }
        }
    }
}
