using System.Diagnostics;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Keeps a cut's completion_percentage (share of its addresses with at least one visit in this cut) and
/// last_canvassed current, through the map module's <see cref="ICutGrain.RefreshCompletion"/>. That reads
/// every address of the cut, so with fifty canvassers in one cut it runs at most once per interval rather
/// than once per visit: the first visit after a quiet spell refreshes at once, later ones within the
/// interval are folded into one timer-driven refresh. Both values are derived from canvass_visits, so a
/// refresh lost with a silo is repaired by the next.
/// </summary>
public sealed class CutProgressGrain(CanvassSettings settings, ILogger<CutProgressGrain> logger)
    : Grain, ICutProgressGrain
{
    private long _lastRefresh = long.MinValue;
    private IGrainTimer? _timer;

    public async Task VisitRecorded()
    {
        if (_timer is not null) return;
        var elapsed = _lastRefresh == long.MinValue ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(_lastRefresh);
        if (elapsed >= settings.CutProgressInterval)
        {
            await Refresh();
            return;
        }
        _timer = this.RegisterGrainTimer(async _ =>
        {
            _timer?.Dispose();
            _timer = null;
            await Refresh();
        }, new GrainTimerCreationOptions(settings.CutProgressInterval - elapsed, Timeout.InfiniteTimeSpan));
    }

    public Task<int> RefreshNow() => Refresh();

    private async Task<int> Refresh()
    {
        _lastRefresh = Stopwatch.GetTimestamp();
        try
        {
            // The cut row belongs to the map module's cut grain; it owns the computation and the write.
            return (await GrainFactory.GetGrain<ICutGrain>(this.GetPrimaryKey()).RefreshCompletion()).CompletionPercentage;
        }
        catch (DomainException ex) when (ex.Kind == DomainErrorKind.NotFound)
        {
            return 0;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not refresh the progress of cut {Cut}", this.GetPrimaryKey());
            throw;
        }
    }
}
