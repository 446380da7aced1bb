using System.Collections.Concurrent;
using System.Diagnostics;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Per silo, for each cut being canvassed: its polygon and the doors inside it with their positions.
/// Fifty canvassers in one cut recording a visit every minute would otherwise each read the polygon and
/// look the door up; with this, a visit to a known door costs one statement. Entries are read again
/// after <see cref="Ttl"/>, so a redrawn cut or a newly added door is seen within that time (a door
/// missing from the entry is looked up in the database and tested against the polygon there and then).
/// </summary>
public sealed class CutAddressCache(NpgsqlDataSource db)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    public sealed record Entry(CutArea? Area, IReadOnlyDictionary<Guid, (double Latitude, double Longitude)> DoorsInside, long LoadedAt);

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
            var geoJson = await db.Command("SELECT geojson::text FROM cuts WHERE id = @id", ("id", cutId)).ScalarAsync<string>();
            if (geoJson is null) return null;
            CutArea area;
            try { area = CutArea.Parse(geoJson); }
            catch (Interfaces.Platform.DomainException) { return new Entry(null, new Dictionary<Guid, (double, double)>(), Stopwatch.GetTimestamp()); }
            var doors = new Dictionary<Guid, (double, double)>();
            await using var command = db.Command("""
                SELECT a.id, l.latitude::float8, l.longitude::float8
                FROM locations l JOIN addresses a ON a.location_id = l.id
                WHERE l.latitude BETWEEN @minLat AND @maxLat AND l.longitude BETWEEN @minLng AND @maxLng
                """, ("minLat", (decimal)area.MinLat), ("maxLat", (decimal)area.MaxLat), ("minLng", (decimal)area.MinLng), ("maxLng", (decimal)area.MaxLng));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (lat, lng) = (reader.GetDouble(1), reader.GetDouble(2));
                if (area.Contains(lat, lng)) doors[reader.GetGuid(0)] = (lat, lng);
            }
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
