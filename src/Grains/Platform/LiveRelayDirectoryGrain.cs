using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Platform;

public sealed class LiveRelayDirectoryGrain(TimeProvider time) : Grain, ILiveRelayDirectoryGrain
{
    /// <summary>Frontends renew every few seconds; three missed renewals mean the frontend is gone.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, (ILiveEventObserver Observer, DateTimeOffset RenewedAt)> _frontends = new();

    public Task Register(string frontendId, ILiveEventObserver observer)
    {
        _frontends[frontendId] = (observer, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task Unregister(string frontendId)
    {
        _frontends.Remove(frontendId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ILiveEventObserver>> GetObservers()
    {
        var oldest = time.GetUtcNow() - Lease;
        foreach (var stale in _frontends.Where(f => f.Value.RenewedAt < oldest).Select(f => f.Key).ToList())
            _frontends.Remove(stale);
        return Task.FromResult<IReadOnlyList<ILiveEventObserver>>(_frontends.Values.Select(f => f.Observer).ToList());
    }
}
