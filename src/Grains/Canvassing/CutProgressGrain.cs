using System.Diagnostics;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Keeps a cut's completion_percentage (share of its addresses with at least one visit in this cut) and
/// last_canvassed current. Recomputing reads every address of the cut, so with fifty canvassers in one
/// cut it runs at most once per interval rather than once per visit: the first visit after a quiet
/// spell recomputes at once, later ones within the interval are folded into one timer-driven recompute.
/// Both values are derived from canvass_visits, so a recompute lost with a silo is repaired by the next.
/// </summary>
public sealed class CutProgressGrain(NpgsqlDataSource db, CanvassSettings settings, ILogger<CutProgressGrain> logger)
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
            var cutId = this.GetPrimaryKey();
            var geoJson = await db.Command("SELECT geojson::text FROM cuts WHERE id = @id", ("id", cutId)).ScalarAsync<string>();
            if (geoJson is null) return 0;
            var area = CutArea.Parse(geoJson);
            long total = 0, visited = 0;
            await using (var command = db.Command("""
                SELECT l.latitude::float8 AS latitude, l.longitude::float8 AS longitude, count(a.id) AS units,
                       count(a.id) FILTER (WHERE EXISTS (SELECT 1 FROM canvass_visits v WHERE v.address_id = a.id AND v.cut_id = @cut)) AS visited
                FROM locations l JOIN addresses a ON a.location_id = l.id
                WHERE l.latitude BETWEEN @minLat AND @maxLat AND l.longitude BETWEEN @minLng AND @maxLng
                GROUP BY l.id
                """, ("cut", cutId), ("minLat", (decimal)area.MinLat), ("maxLat", (decimal)area.MaxLat),
                ("minLng", (decimal)area.MinLng), ("maxLng", (decimal)area.MaxLng)))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                {
                    if (!area.Contains(reader.Get<double>("latitude"), reader.Get<double>("longitude"))) continue;
                    total += reader.Get<long>("units");
                    visited += reader.Get<long>("visited");
                }
            var percentage = total == 0 ? 0 : (int)Math.Floor(visited * 100.0 / total);
            await db.Command("""
                UPDATE cuts SET completion_percentage = @pct,
                                last_canvassed = (SELECT max(visited_at) FROM canvass_visits WHERE cut_id = @id)
                WHERE id = @id
                """, ("id", cutId), ("pct", percentage)).ExecuteAsync();
            return percentage;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not refresh the progress of cut {Cut}", this.GetPrimaryKey());
            throw;
        }
    }
}
