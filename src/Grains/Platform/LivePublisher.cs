using System.Text.Json;
using System.Threading.Channels;
using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// The silo's side of the live path: grains hand events here and return at once; a background loop
/// batches them and sends each batch to every registered frontend (observer-per-host fan-out), which
/// pushes them to its SignalR groups. Publishing never blocks or fails a grain command: live updates
/// are a view of committed state, and a browser that misses one catches up on its next read.
/// </summary>
public sealed class LivePublisher(IGrainFactory grains, ILogger<LivePublisher> logger) : BackgroundService
{
    private static readonly TimeSpan ObserverListTtl = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one frontend may take to accept a batch. A frontend whose node is going away can leave a call unanswered
    /// until the grain call timeout (minutes); the loop waits for every frontend's delivery before the next batch, so
    /// without this bound one dying frontend would hold back every other frontend's events.
    /// </summary>
    private static readonly TimeSpan RelayTimeout = TimeSpan.FromSeconds(5);
    private const int MaxBatch = 512;

    public static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new WireNameEnumConverterFactory() },
    };

    private readonly Channel<LiveEvent> _pending = Channel.CreateBounded<LiveEvent>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private IReadOnlyList<ILiveEventObserver> _observers = [];
    private DateTime _observersFetchedAt = DateTime.MinValue;

    public void Publish<TPayload>(string topic, string name, TPayload payload) => Publish([topic], name, payload);

    /// <summary>One event on several topics, serialized once and relayed once.</summary>
    public void Publish<TPayload>(string[] topics, string name, TPayload payload)
    {
        if (_pending.Writer.TryWrite(new LiveEvent(topics, name, JsonSerializer.Serialize(payload, PayloadJson)))) Metrics.ChangemakerMetrics.LiveEventPublished();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<LiveEvent>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync(stoppingToken))
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next)) batch.Add(next);
            try
            {
                // Every frontend gets the batch on its own: one that is gone (stopped, crashed, its lease not yet
                // expired) fails its own delivery, never the others'.
                var events = batch.ToArray();
                var failed = await Task.WhenAll((await CurrentObservers()).Select(observer => Relay(observer, events, stoppingToken)));
                if (failed.Any(f => f)) _observersFetchedAt = DateTime.MinValue;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not relay {Count} live events", batch.Count);
                _observersFetchedAt = DateTime.MinValue;
            }
            batch.Clear();
        }
    }

    /// <summary>Sends one batch to one frontend; true when that failed.</summary>
    private async Task<bool> Relay(ILiveEventObserver observer, LiveEvent[] events, CancellationToken stoppingToken)
    {
        try
        {
            await observer.OnLiveEvents(events).WaitAsync(RelayTimeout, stoppingToken);
            return false;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Could not relay {Count} live events to a frontend", events.Length);
            return true;
        }
    }

    private async Task<IReadOnlyList<ILiveEventObserver>> CurrentObservers()
    {
        if (DateTime.UtcNow - _observersFetchedAt > ObserverListTtl)
        {
            _observers = await grains.GetGrain<ILiveRelayDirectoryGrain>(0).GetObservers();
            // No frontend yet (a node starting): ask again with the next batch rather than drop events for the TTL,
            // so the first events after a frontend registers reach it.
            if (_observers.Count > 0) _observersFetchedAt = DateTime.UtcNow;
        }
        return _observers;
    }
}
