using System.Collections.Concurrent;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Map;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Per silo, for each cut being canvassed: its polygon and the doors inside it with their positions
/// (the map module's "addresses inside a cut"). Fifty canvassers in one cut recording a visit every
/// minute would otherwise each read the polygon and look the door up; with this, a visit to a known door
/// costs one statement. An entry older than <see cref="Ttl"/> is read again in the background while
/// visits go on with the one held, so a redrawn cut or a newly added door is seen within about that time
/// (a door missing from the entry is looked up in the database and tested against the polygon there and
/// then). Only a cut's first read is waited for: had every visit to a cut waited for each re-read, all its
/// canvassers would stall together every <see cref="Ttl"/>, for as long as a read takes on a busy silo.
/// </summary>
public sealed class CutAddressCache(IGrainFactory grains, [FromKeyedServices(CanvassClock.Key)] TimeProvider time, ILogger<CutAddressCache> logger)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    public sealed record Entry(GeoPolygon? Area, IReadOnlyDictionary<Guid, (double Latitude, double Longitude)> DoorsInside, DateTimeOffset LoadedAt);

    private readonly ConcurrentDictionary<Guid, Task<Entry?>> _entries = new();
    private readonly ConcurrentDictionary<Guid, byte> _refreshing = new();

    /// <summary>The cut's entry, or null when the cut does not exist (any more).</summary>
    public async Task<Entry?> Get(Guid cutId)
    {
        var pending = _entries.GetOrAdd(cutId, FirstLoad);
        var entry = await pending;
        if (entry is null)
        {
            // A cut not found may have been created since: read again, and wait, as for a first read.
            var fresh = FirstLoad(cutId);
            return await (_entries.TryUpdate(cutId, fresh, pending) ? fresh : _entries.GetOrAdd(cutId, FirstLoad));
        }
        if (time.GetUtcNow() - entry.LoadedAt > Ttl && _refreshing.TryAdd(cutId, 0))
            // Off the calling grain's scheduler: the re-read belongs to no activation.
            _ = Task.Run(() => Refresh(cutId));
        return entry;
    }

    private async Task<Entry?> FirstLoad(Guid cutId)
    {
        try
        {
            return await Load(cutId);
        }
        catch
        {
            // A failed read must not stick: the next caller tries again.
            _entries.TryRemove(cutId, out _);
            throw;
        }
    }

    private async Task Refresh(Guid cutId)
    {
        try
        {
            _entries[cutId] = Task.FromResult(await Load(cutId));
        }
        catch (Exception ex)
        {
            // The entry held stays in use; the next visit after this one tries again.
            logger.LogWarning(ex, "Could not re-read the doors of cut {Cut}", cutId);
        }
        finally
        {
            _refreshing.TryRemove(cutId, out _);
        }
    }

    private async Task<Entry?> Load(Guid cutId)
    {
        var maps = grains.GetGrain<IMapQueryGrain>(0);
        if (await maps.GetCut(cutId) is not { } cut) return null;
        var area = CanvassCuts.TryParse(cut.GeoJson);
        var doors = new Dictionary<Guid, (double, double)>();
        if (area is not null)
            foreach (var row in await maps.AddressesInCut(cutId, CanvassCuts.MaxDoors))
                if (row.AddressId is { } addressId) doors[addressId] = (row.Latitude, row.Longitude);
        return new Entry(area, doors, time.GetUtcNow());
    }
}

/// <summary>Cut geometry as the canvassing rules need it, on top of the map module's polygon.</summary>
public static class CanvassCuts
{
    /// <summary>
    /// The most doors a cut may hold for canvassing reads. The list comes in one call rather than as a grain
    /// stream: the map query grain is a stateless worker, and under load the calls of one enumeration can land
    /// on different activations, which aborts the enumeration.
    /// </summary>
    public const int MaxDoors = 100_000;

    /// <summary>The cut's polygon, or null when it has none usable (then it cannot fence visits in).</summary>
    public static GeoPolygon? TryParse(string geoJson)
    {
        try { return GeoPolygon.Parse(geoJson); }
        catch (DomainException) { return null; }
    }

    public static (double Latitude, double Longitude) Center(this GeoPolygon area) =>
        ((area.Bounds.MinLat + area.Bounds.MaxLat) / 2, (area.Bounds.MinLng + area.Bounds.MaxLng) / 2);
}
