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
        // Moves that follow one another for the same watchers go out as one message: with thousands of canvassers a
        // browser following canvass:live would otherwise receive, parse and dispatch thousands of messages a second,
        // which takes its page more time than drawing them. Any other event ends the run, so the order holds.
        var moves = new List<LiveEvent>();
        List<string>? movesWatched = null;
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
            if (liveEvent.Name == LiveEventNames.CanvasserMoved)
            {
                if (movesWatched is not null && !movesWatched.SequenceEqual(watched)) await SendMoves(moves, movesWatched);
                movesWatched = watched;
                moves.Add(liveEvent);
                continue;
            }
            if (movesWatched is not null) await SendMoves(moves, movesWatched);
            movesWatched = null;
            await Send(watched, liveEvent.Name, liveEvent.PayloadJson);
        }
        if (movesWatched is not null) await SendMoves(moves, movesWatched);
    }

    private async Task SendMoves(List<LiveEvent> moves, List<string> watched)
    {
        if (moves.Count == 1) await Send(watched, LiveEventNames.CanvasserMoved, moves[0].PayloadJson);
        else await Send(watched, LiveEventNames.CanvassersMoved, $"[{string.Join(',', moves.Select(m => m.PayloadJson))}]");
        moves.Clear();
    }

    private async Task Send(List<string> watched, string name, string payloadJson)
    {
        try
        {
            using var payload = JsonDocument.Parse(payloadJson);
            // One send to every watched group, the message serialized once for all of them.
            await hub.Clients.Groups(watched).SendAsync(name, payload.RootElement.Clone());
            Operations.FrontendMetrics.LiveEventRelayed();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not push live event {Name} on {Topics}", name, string.Join(", ", watched));
        }
    }
}
