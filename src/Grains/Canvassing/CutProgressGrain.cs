using System.Diagnostics;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Keeps a cut's completion_percentage (share of its doors with at least one visit in this cut) and last_canvassed
/// current. Counting them reads every door of the cut and probes its visits; with fifty canvassers in a cut of
/// thousands of doors, doing that after every burst of visits cost more than the visits. So the grain counts once,
/// keeps the cut's doors and its visited doors in memory, and adds each committed visit it is told of. It stores the
/// figures (through the map module's cut grain, which owns the row) at most once an interval: the first visit after
/// a quiet spell at once, later ones folded into one timer-driven store. A door outside the counted cut (an admin's
/// visit outside it, a door added since) changes nothing until the next count.
///
/// The figures are derived from canvass_visits, so whatever this copy misses (a visit whose message was lost with a
/// silo, a deleted visit or door, a redrawn cut) is repaired by the next count: on activation, when told to recount,
/// and at least every <see cref="CanvassSettings.CutRecountInterval"/> while visits come in.
/// </summary>
public sealed class CutProgressGrain(CanvassSettings settings, ILogger<CutProgressGrain> logger)
    : Grain, ICutProgressGrain
{
    private HashSet<Guid>? _doors;
    private readonly HashSet<Guid> _visited = [];
    private DateTime? _lastCanvassed;
    private long _countedAt;
    private bool _recount;
    private CutCompletion? _stored;
    private long _lastStore = long.MinValue;
    private IGrainTimer? _timer;

    private Guid CutId => this.GetPrimaryKey();

    public Task DoorVisited(Guid addressId, DateTimeOffset visitedAt)
    {
        if (_doors is not null && _doors.Contains(addressId)) _visited.Add(addressId);
        if (_lastCanvassed is null || visitedAt.UtcDateTime > _lastCanvassed) _lastCanvassed = visitedAt.UtcDateTime;
        return StoreSoon();
    }

    public Task DoorsVisited(DoorVisit[] visits)
    {
        foreach (var visit in visits)
        {
            if (_doors is not null && _doors.Contains(visit.AddressId)) _visited.Add(visit.AddressId);
            if (_lastCanvassed is null || visit.VisitedAt.UtcDateTime > _lastCanvassed) _lastCanvassed = visit.VisitedAt.UtcDateTime;
        }
        return StoreSoon();
    }

    public Task RecountSoon()
    {
        _recount = true;
        return StoreSoon();
    }

    public async Task<int> RefreshNow()
    {
        _recount = true;
        return (await Store())?.CompletionPercentage ?? 0;
    }

    private async Task StoreSoon()
    {
        if (_timer is not null) return;
        var elapsed = _lastStore == long.MinValue ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(_lastStore);
        if (elapsed >= settings.CutProgressInterval)
        {
            await Store();
            return;
        }
        _timer = this.RegisterGrainTimer(async _ =>
        {
            _timer?.Dispose();
            _timer = null;
            await Store();
        }, new GrainTimerCreationOptions(settings.CutProgressInterval - elapsed, Timeout.InfiniteTimeSpan));
    }

    private async Task<CutCompletion?> Store()
    {
        _lastStore = Stopwatch.GetTimestamp();
        try
        {
            if (_doors is null || _recount || Stopwatch.GetElapsedTime(_countedAt) >= settings.CutRecountInterval) await Count();
            var completion = CutCompletion.Of(CutId, _doors!.Count, _visited.Count, _lastCanvassed);
            if (completion == _stored) return completion;
            await GrainFactory.GetGrain<ICutGrain>(CutId).StoreCompletion(completion);
            _stored = completion;
            return completion;
        }
        catch (DomainException ex) when (ex.Kind == DomainErrorKind.NotFound)
        {
            // The cut was deleted: nothing to keep.
            DeactivateOnIdle();
            return null;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not store the progress of cut {Cut}", CutId);
            throw;
        }
    }

    private async Task Count()
    {
        var counted = await GrainFactory.GetGrain<IMapQueryGrain>(0).CutDoorVisits(CutId);
        _doors = [.. counted.Doors];
        _visited.Clear();
        _visited.UnionWith(counted.Visited);
        // Every visit told of so far was committed before it was told, so the count has it too.
        _lastCanvassed = counted.LastCanvassed;
        _countedAt = Stopwatch.GetTimestamp();
        _recount = false;
    }
}
