using System.Collections.Concurrent;
using System.Diagnostics;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Map;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Per silo, for each cut being canvassed: its polygon and the doors inside it with their positions
/// (the map module's "addresses inside a cut"). Fifty canvassers in one cut recording a visit every
/// minute would otherwise each read the polygon and look the door up; with this, a visit to a known door
/// costs one statement. Entries are read again after <see cref="Ttl"/>, so a redrawn cut or a newly added
/// door is seen within that time (a door missing from the entry is looked up in the database and tested
/// against the polygon there and then).
/// </summary>
public sealed class CutAddressCache(IGrainFactory grains)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    public sealed record Entry(GeoPolygon? Area, IReadOnlyDictionary<Guid, (double Latitude, double Longitude)> DoorsInside, long LoadedAt);

    private readonly ConcurrentDictionary<Guid, Task<Entry?>> _entries = new();

    /// <summary>The cut's entry, or null when the cut does not exist (any more).</summary>
    public async Task<Entry?> Get(Guid cutId)
    {
        var pending = _entries.GetOrAdd(cutId, Load);
        var entry = await pending;
        if (entry is null || Stopwatch.GetElapsedTime(entry.LoadedAt) > Ttl)
        {
            // One reload per cut at a time: whoever swaps in the new task does the reading, the others await it.
            var fresh = Load(cutId);
            entry = await (_entries.TryUpdate(cutId, fresh, pending) ? fresh : _entries.GetOrAdd(cutId, Load));
        }
        return entry;
    }

    private async Task<Entry?> Load(Guid cutId)
    {
        try
        {
            var maps = grains.GetGrain<IMapQueryGrain>(0);
            if (await maps.GetCut(cutId) is not { } cut) return null;
            var area = CanvassCuts.TryParse(cut.GeoJson);
            var doors = new Dictionary<Guid, (double, double)>();
            if (area is not null)
                foreach (var row in await maps.AddressesInCut(cutId, CanvassCuts.MaxDoors))
                    if (row.AddressId is { } addressId) doors[addressId] = (row.Latitude, row.Longitude);
            return new Entry(area, doors, Stopwatch.GetTimestamp());
        }
        catch
        {
            // A failed read must not stick: the next caller tries again.
            _entries.TryRemove(cutId, out _);
            throw;
        }
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
