namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// Coalesces an aggregate grain's live updates: the first change after a quiet spell goes out at once, later ones
/// wait for a one-shot timer that publishes the state as it is when it fires, at most once per interval. The state
/// published last is therefore always the latest committed one. Used from one grain's turns only.
/// </summary>
/// <param name="schedule">Registers a one-shot grain timer that runs the action after the delay.</param>
/// <param name="publish">Publishes the grain's current state.</param>
public sealed class CoalescedLiveUpdates(TimeSpan interval, TimeProvider time, Func<TimeSpan, Action, IDisposable> schedule, Action publish)
{
    private bool _dirty;
    private long _lastPublished;
    private IDisposable? _timer;

    public void MarkChanged()
    {
        _dirty = true;
        if (_timer is not null) return;
        var sinceLast = _lastPublished == 0 ? TimeSpan.MaxValue : time.GetElapsedTime(_lastPublished);
        if (sinceLast >= interval)
        {
            PublishNow();
            return;
        }
        _timer = schedule(interval - sinceLast, () =>
        {
            _timer?.Dispose();
            _timer = null;
            if (_dirty) PublishNow();
        });
    }

    /// <summary>Publishes a change still waiting for its timer (the grain is going away).</summary>
    public void Flush()
    {
        if (_dirty) PublishNow();
    }

    /// <summary>Forgets a waiting change (the aggregate is gone).</summary>
    public void Discard() => _dirty = false;

    private void PublishNow()
    {
        _dirty = false;
        _lastPublished = time.GetTimestamp();
        publish();
    }
}
