using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Tells each cut's <see cref="CutProgressGrain"/> of the visits committed on this silo, gathered over a short window
/// (<see cref="Window"/>) into one call per cut. A cut with fifty canvassers took a message for every visit, each
/// contending for the one activation; the progress is stored at most every few seconds anyway, so a few tens of
/// milliseconds of gathering change nothing anyone sees. Like the single notices before it, this is best effort: the
/// grain's next count repairs whatever a lost message missed.
/// </summary>
public sealed class CutVisitRelay(IGrainFactory grains)
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    private Dictionary<Guid, List<DoorVisit>> _pending = [];
    private bool _flushing;

    public void DoorVisited(Guid cutId, Guid addressId, DateTimeOffset visitedAt)
    {
        lock (_lock)
        {
            if (!_pending.TryGetValue(cutId, out var visits)) _pending[cutId] = visits = [];
            visits.Add(new DoorVisit(addressId, visitedAt));
            if (_flushing) return;
            _flushing = true;
        }
        // Off the calling grain's scheduler: the flush outlives the call that started it.
        _ = Task.Run(FlushAfterWindow);
    }

    private async Task FlushAfterWindow()
    {
        await Task.Delay(Window);
        Dictionary<Guid, List<DoorVisit>> batch;
        lock (_lock)
        {
            batch = _pending;
            _pending = [];
            _flushing = false;
        }
        foreach (var (cutId, visits) in batch)
            grains.GetGrainById<ICutProgressGrain>(cutId).DoorsVisited([.. visits]).Ignore();
    }
}
