using System.Collections.Concurrent;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
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
    /// How long an end waits for the cut's walk list. Normally it answers at once; while the silo hosting it is lost, the
    /// canvasser's own command is not held up for it (the notice still arrives when it can).
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    /// <summary>A session started on the cut: its walk list gets ready for lease requests, in the background.</summary>
    public static void SessionStarted(IGrainFactory grains, Guid cutId) => grains.GetGrainById<IDoorLeaseGrain>(cutId).Prepare().Ignore();

    public static async Task SessionEnded(IGrainFactory grains, Guid cutId, Guid sessionId, ILogger logger)
    {
        try
        {
            await grains.GetGrainById<IDoorLeaseGrain>(cutId).SessionEnded(sessionId).WaitAsync(Patience);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not release the door leases of canvass session {Session} on cut {Cut}", sessionId, cutId);
        }
    }
}

/// <summary>
/// Tells each cut's walk list of the doors the sessions of this silo visited, before those visits are answered (so the
/// canvasser's next lease request never gets a door they just knocked). One call per cut is on its way at a time; the
/// visits committed meanwhile go together in the next one. A busy cut (fifty canvassers, a visit each every few
/// seconds) took a grain call and a timer per visit, each contending for the cut's activation; now it takes as many
/// calls as the walk list can answer in turn, fewer the busier the silo is, and an idle one still answers each visit
/// after a single call.
/// </summary>
public sealed class DoorVisitNotices(IGrainFactory grains, ILogger<DoorVisitNotices> logger)
{
    /// <summary>
    /// How long one call may take. Normally the walk list answers at once; while the silo hosting it is lost, a visit
    /// waits at most for the call on its way and its own (twice this) before it is answered anyway (the notice still
    /// arrives when it can).
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(1);

    private sealed class Cut
    {
        public List<DoorVisit> Visits = [];
        public List<TaskCompletionSource> Waiting = [];
        public bool Sending;
    }

    private readonly ConcurrentDictionary<Guid, Cut> _cuts = new();

    /// <summary>Completes once the cut's walk list has heard of the visit, or gave up waiting for it; never fails.</summary>
    public Task Visited(Guid cutId, Guid addressId, DateTimeOffset visitedAt)
    {
        var cut = _cuts.GetOrAdd(cutId, static _ => new Cut());
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (cut)
        {
            cut.Visits.Add(new DoorVisit(addressId, visitedAt));
            cut.Waiting.Add(heard);
            if (cut.Sending) return heard.Task;
            cut.Sending = true;
        }
        // Off the calling grain's scheduler: the calls outlive the visit that started them.
        _ = Task.Run(() => Send(cutId, cut));
        return heard.Task;
    }

    private async Task Send(Guid cutId, Cut cut)
    {
        while (true)
        {
            DoorVisit[] visits;
            List<TaskCompletionSource> waiting;
            lock (cut)
            {
                if (cut.Visits.Count == 0)
                {
                    cut.Sending = false;
                    return;
                }
                visits = [.. cut.Visits];
                waiting = cut.Waiting;
                cut.Visits.Clear();
                cut.Waiting = [];
            }
            try
            {
                await grains.GetGrainById<IDoorLeaseGrain>(cutId).DoorsVisited(visits).WaitAsync(Patience);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not tell cut {Cut} that {Count} of its doors were visited", cutId, visits.Length);
            }
            foreach (var visit in waiting) visit.TrySetResult();
        }
    }
}
