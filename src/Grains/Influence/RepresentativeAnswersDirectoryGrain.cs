using ChangemakerLite.Grains.Interfaces.Influence;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// The frontends that answer public lookups from their own copy (<see cref="IRepresentativeAnswersDirectoryGrain"/>):
/// each renews its entry every few seconds; one not renewed within <see cref="Lease"/>, or that could not be told, is
/// dropped. A frontend uses its copy only while its last renewal is younger than the lease, and drops the whole copy
/// when a renewal finds it was not registered, so no frontend keeps answering from a copy a clear should have removed.
/// </summary>
public sealed class RepresentativeAnswersDirectoryGrain(TimeProvider time, ILogger<RepresentativeAnswersDirectoryGrain> logger)
    : Grain, IRepresentativeAnswersDirectoryGrain
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ForgetWait = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, (IRepresentativeAnswersObserver Observer, DateTimeOffset RenewedAt)> _frontends = new();

    public Task<bool> Register(string frontendId, IRepresentativeAnswersObserver observer)
    {
        var known = _frontends.ContainsKey(frontendId);
        _frontends[frontendId] = (observer, time.GetUtcNow());
        return Task.FromResult(known);
    }

    public Task Unregister(string frontendId)
    {
        _frontends.Remove(frontendId);
        return Task.CompletedTask;
    }

    public async Task Forget(string? postalCode)
    {
        var oldest = time.GetUtcNow() - Lease;
        foreach (var stale in _frontends.Where(f => f.Value.RenewedAt < oldest).Select(f => f.Key).ToList())
            _frontends.Remove(stale);
        await Task.WhenAll(_frontends.ToList().Select(async f =>
        {
            try
            {
                await f.Value.Observer.Forget(postalCode).WaitAsync(ForgetWait);
            }
            catch (Exception ex)
            {
                // A frontend that cannot be told is dropped: its next renewal finds it unregistered and it drops its whole copy.
                logger.LogWarning(ex, "Could not tell frontend {Frontend} to forget {PostalCode}", f.Key, postalCode ?? "every code");
                _frontends.Remove(f.Key);
            }
        }));
    }
}
