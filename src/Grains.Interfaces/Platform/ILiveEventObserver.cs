using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>Implemented by every frontend: receives the live events to push to its SignalR clients.</summary>
[Alias("cml.platform.ILiveEventObserver")]
public interface ILiveEventObserver : IGrainObserver
{
    // One-way: a slow or dead frontend must never hold up the grain that raised the event.
    [OneWay, Alias("OnLiveEvents")]
    Task OnLiveEvents(IReadOnlyList<LiveEvent> events);
}
