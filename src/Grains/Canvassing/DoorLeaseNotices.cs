using ChangemakerLite.Grains.Interfaces.Canvassing;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// What a canvass session tells its cut's walk list about leases: a session started, a door visited, the session ended. None fails the
/// session's own command, which is committed already: a visit's statement deleted its door's lease row itself, and a
/// lease left by a lost end runs out within the lease time (and is dropped when the cut's leases are next loaded).
/// </summary>
public static class DoorLeaseNotices
{
    /// <summary>
    /// How long a visit or an end waits for the cut's walk list. Normally it answers at once; while the silo hosting it
    /// is lost, the canvasser's own command is not held up for it (the notice still arrives when it can).
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    /// <summary>A session started on the cut: its walk list gets ready for lease requests, in the background.</summary>
    public static void SessionStarted(IGrainFactory grains, Guid cutId) => grains.GetGrain<IDoorLeaseGrain>(cutId).Prepare().Ignore();

    public static async Task Visited(IGrainFactory grains, Guid cutId, Guid addressId, DateTimeOffset visitedAt, ILogger logger)
    {
        try
        {
            await grains.GetGrain<IDoorLeaseGrain>(cutId).DoorVisited(addressId, visitedAt).WaitAsync(Patience);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not tell cut {Cut} that door {Address} was visited", cutId, addressId);
        }
    }

    public static async Task SessionEnded(IGrainFactory grains, Guid cutId, Guid sessionId, ILogger logger)
    {
        try
        {
            await grains.GetGrain<IDoorLeaseGrain>(cutId).SessionEnded(sessionId).WaitAsync(Patience);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not release the door leases of canvass session {Session} on cut {Cut}", sessionId, cutId);
        }
    }
}
