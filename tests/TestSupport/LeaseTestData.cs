using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.TestSupport;

/// <summary>Large cuts for the door-lease tests and bench: a grid of one-door buildings inserted in two statements.</summary>
public static class LeaseTestData
{
    /// <summary>
    /// A public cut around a grid of <paramref name="rows"/> × <paramref name="columns"/> buildings (one door each, about
    /// 20 m apart) whose south-west corner is (<paramref name="lat"/>, <paramref name="lng"/>); returns the cut and its doors.
    /// </summary>
    public static async Task<(Guid Cut, Guid[] Doors)> InsertGridCutAsync(TestDatabase db, double lat, double lng, int rows, int columns,
        string name = "Lease grid")
    {
        const double Step = 0.0002;
        var cut = await CanvassTestData.InsertCutAsync(db, lat - Step, lng - Step, lat + rows * Step, lng + columns * Step, name: name);
        var count = rows * columns;
        var locations = Enumerable.Range(0, count).Select(_ => Ids.New()).ToArray();
        var doors = Enumerable.Range(0, count).Select(_ => Ids.New()).ToArray();
        var lats = Enumerable.Range(0, count).Select(i => (decimal)Math.Round(lat + i / columns * Step, 8)).ToArray();
        var lngs = Enumerable.Range(0, count).Select(i => (decimal)Math.Round(lng + i % columns * Step, 8)).ToArray();
        var addresses = Enumerable.Range(0, count).Select(i => $"{100 + 2 * (i % columns)} Grid {i / columns} St").ToArray();
        await db.ExecuteAsync("""
            INSERT INTO locations (id, latitude, longitude, address) SELECT * FROM unnest(@ids, @lats, @lngs, @addresses)
            """, ("ids", locations), ("lats", lats), ("lngs", lngs), ("addresses", addresses));
        await db.ExecuteAsync("INSERT INTO addresses (id, location_id) SELECT * FROM unnest(@ids, @locations)", ("ids", doors), ("locations", locations));
        return (cut, doors);
    }
}
