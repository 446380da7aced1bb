using ChangemakerLite.Grains.Interfaces.Auth;

namespace ChangemakerLite.Grains.Auth;

/// <summary>
/// Counts attempts for one key in fixed windows. The count lives in memory: if the grain is collected
/// the window restarts, which only ever errs towards letting a person in.
/// </summary>
public sealed class RateLimitGrain(TimeProvider time) : Grain, IRateLimitGrain
{
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _count;

    public Task<RateDecision> Hit(int limit, TimeSpan window)
    {
        var now = time.GetUtcNow();
        if (now - _windowStart >= window)
        {
            _windowStart = now;
            _count = 0;
        }
        _count++;
        // Stay active at least as long as the window so the count is not forgotten early.
        DelayDeactivation(window);
        return Task.FromResult(_count <= limit
            ? new RateDecision(true, TimeSpan.Zero)
            : new RateDecision(false, _windowStart + window - now));
    }
}
