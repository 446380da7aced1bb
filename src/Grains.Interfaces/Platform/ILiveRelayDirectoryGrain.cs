namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// The list of frontends that want live events (one well-known grain, key 0). Frontends renew their
/// entry periodically; an entry not renewed within the lease is dropped, so a dead frontend stops
/// receiving events without anyone having to notice it died.
/// </summary>
[Alias("cml.platform.ILiveRelayDirectoryGrain")]
public interface ILiveRelayDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("Register")]
    Task Register(string frontendId, ILiveEventObserver observer);

    [Alias("Unregister")]
    Task Unregister(string frontendId);

    [Alias("GetObservers")]
    Task<IReadOnlyList<ILiveEventObserver>> GetObservers();
}
