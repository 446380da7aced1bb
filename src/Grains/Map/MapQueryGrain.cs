using System.Runtime.CompilerServices;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Map;

/// <summary>
/// Map reads answered straight from PostgreSQL on whichever silo is free. Area reads never load every
/// location: a bounding box goes to the GiST index on the location point, and a cut's polygon is first
/// reduced to its bounding box in SQL, then tested exactly (holes included) on the rows that box returns.
/// </summary>
[StatelessWorker]
public sealed class MapQueryGrain(NpgsqlDataSource db) : Grain, IMapQueryGrain
{
    private const string BoxCondition =
        "point(l.longitude::float8, l.latitude::float8) <@ box(point(@minLng, @minLat), point(@maxLng, @maxLat))";

    public async Task<Page<Location>> ListLocations(LocationFilter filter, PageRequest page)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (filter.Bbox is { } box)
        {
            where.Add(BoxCondition);
            parameters.AddRange(BoxParameters(box));
        }
        if (filter.PostalCode is { } postal)
        {
            var prefix = PostalCode.NormalizePrefix(postal) ?? throw DomainException.Invalid("postalCode", "must be a Canadian postal code or its beginning (e.g. T5K).");
            where.Add(prefix.Length == 7 ? "l.postal_code = @postal" : "l.postal_code LIKE @postal");
            parameters.Add(("postal", prefix.Length == 7 ? prefix : prefix + "%"));
        }
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var search = filter.Search.Trim();
            if (search.Length > 200) throw DomainException.Invalid("search", "must be at most 200 characters.");
            var searchPostal = search.Length >= 3 ? PostalCode.NormalizePrefix(search) : null;
            where.Add(searchPostal is null ? "l.address ILIKE @search" : "(l.address ILIKE @search OR l.postal_code LIKE @searchPostal)");
            parameters.Add(("search", "%" + EscapeLike(search) + "%"));
            if (searchPostal is not null) parameters.Add(("searchPostal", searchPostal + "%"));
        }

        GeoPolygon? polygon = null;
        if (filter.CutId is { } cutId)
        {
            var cut = await GetCut(cutId) ?? throw DomainException.NotFound("Cut");
            polygon = GeoPolygon.Parse(cut.GeoJson);
            where.Add(BoxCondition.Replace("@min", "@cutMin").Replace("@max", "@cutMax"));
            parameters.AddRange(BoxParameters(polygon.Bounds).Select(p => (p.Item1.Replace("min", "cutMin").Replace("max", "cutMax"), p.Item2)));
        }
        var whereSql = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);

        if (polygon is null)
        {
            // One statement answers both the page and the total (the window count is taken before LIMIT): one scan, one round trip.
            long total = 0;
            var items = await db.Command(
                    $"SELECT {MapRows.LocationColumns}, count(*) OVER () AS total_count FROM locations l {whereSql} ORDER BY l.id LIMIT @limit OFFSET @offset",
                    [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)])
                .ListAsync(r =>
                {
                    total = r.Get<long>("total_count");
                    return MapRows.ReadLocation(r);
                });
            if (items.Count == 0 && page.Offset > 0)
                total = await db.Command($"SELECT count(*) FROM locations l {whereSql}", parameters.ToArray()).ScalarAsync<long>();
            return new Page<Location>(items, total, page.Page, page.PageSize);
        }
        return await PageInside(polygon, whereSql, parameters, page);
    }

    /// <summary>Streams the prefiltered rows in id order, keeps the ones inside the polygon and slices the page from them.</summary>
    private async Task<Page<Location>> PageInside(GeoPolygon polygon, string whereSql, List<(string, object?)> parameters, PageRequest page)
    {
        var items = new List<Location>(page.PageSize);
        long inside = 0;
        await using var command = db.Command($"SELECT {MapRows.LocationColumns} FROM locations l {whereSql} ORDER BY l.id", parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var latitude = reader.Get<double>("latitude");
            var longitude = reader.Get<double>("longitude");
            if (!polygon.Contains(latitude, longitude)) continue;
            if (inside >= page.Offset && items.Count < page.PageSize) items.Add(MapRows.ReadLocation(reader));
            inside++;
        }
        return new Page<Location>(items, inside, page.Page, page.PageSize);
    }

    public Task<Page<Location>> LocationsInCut(Guid cutId, PageRequest page) => ListLocations(new LocationFilter(CutId: cutId), page);

    public Task<Location?> GetLocation(Guid id) =>
        db.Command($"SELECT {MapRows.LocationColumns} FROM locations l WHERE l.id = @id", ("id", id)).FirstOrDefaultAsync(MapRows.ReadLocation);

    public async Task<Page<LocationHistoryEntry>> ListHistory(Guid locationId, PageRequest page)
    {
        if (await GetLocation(locationId) is null) throw DomainException.NotFound("Location");
        var total = await db.Command("SELECT count(*) FROM location_history WHERE location_id = @id", ("id", locationId)).ScalarAsync<long>();
        var items = await db.Command($"""
            SELECT {MapRows.HistoryColumns} FROM location_history h WHERE h.location_id = @id
            ORDER BY h.created_at DESC, h.id DESC LIMIT @limit OFFSET @offset
            """, ("id", locationId), ("limit", page.PageSize), ("offset", page.Offset)).ListAsync(MapRows.ReadHistory);
        return new Page<LocationHistoryEntry>(items, total, page.Page, page.PageSize);
    }

    public async Task<IReadOnlyList<Address>> ListAddresses(Guid locationId)
    {
        if (await GetLocation(locationId) is null) throw DomainException.NotFound("Location");
        return await db.Command($"SELECT {MapRows.AddressColumns} FROM addresses a WHERE a.location_id = @id ORDER BY a.unit_number NULLS FIRST, a.id",
            ("id", locationId)).ListAsync(MapRows.ReadAddress);
    }

    public async Task<Guid?> FindAddressLocation(Guid addressId)
    {
        await using var command = db.Command("SELECT location_id FROM addresses WHERE id = @id", ("id", addressId));
        var value = await command.ExecuteScalarAsync();
        return value is Guid id ? id : null;
    }

    public async Task<Page<Cut>> ListCuts(bool includePrivate, PageRequest page)
    {
        var where = includePrivate ? "" : "WHERE c.is_public";
        var total = await db.Command($"SELECT count(*) FROM cuts c {where}").ScalarAsync<long>();
        var items = await db.Command($"SELECT {MapRows.CutColumns} FROM cuts c {where} ORDER BY c.name, c.id LIMIT @limit OFFSET @offset",
            ("limit", page.PageSize), ("offset", page.Offset)).ListAsync(MapRows.ReadCut);
        return new Page<Cut>(items, total, page.Page, page.PageSize);
    }

    public Task<Cut?> GetCut(Guid id) => ReadCut(db, id);

    private static Task<Cut?> ReadCut(NpgsqlDataSource db, Guid id) =>
        db.Command($"SELECT {MapRows.CutColumns} FROM cuts c WHERE c.id = @id", ("id", id)).FirstOrDefaultAsync(MapRows.ReadCut);

    public async Task<IReadOnlyList<CutAddressRow>> AddressesInCut(Guid cutId, int limit)
    {
        var rows = new List<CutAddressRow>();
        await foreach (var row in ReadAddressesInCut(db, cutId))
        {
            if (rows.Count >= limit)
                throw DomainException.Conflict($"The cut holds more than {limit} doors; split it to print walk sheets.");
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Every unit inside the cut, read row by row (a whole city's cut is never held in memory).</summary>
    internal static async IAsyncEnumerable<CutAddressRow> ReadAddressesInCut(NpgsqlDataSource db, Guid cutId,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cut = await ReadCut(db, cutId) ?? throw DomainException.NotFound("Cut");
        var polygon = GeoPolygon.Parse(cut.GeoJson);
        await using var command = db.Command($"""
            SELECT l.id AS location_id, a.id AS address_id, l.address, a.unit_number, l.postal_code, l.latitude::float8 AS latitude,
                   l.longitude::float8 AS longitude, a.first_name, a.last_name, a.email, a.phone, a.support_level,
                   coalesce(a.sign, false) AS sign, a.notes, l.building_type, l.province
            FROM locations l LEFT JOIN addresses a ON a.location_id = l.id
            WHERE {BoxCondition}
            ORDER BY l.id, a.unit_number NULLS FIRST, a.id
            """, BoxParameters(polygon.Bounds));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var latitude = reader.Get<double>("latitude");
            var longitude = reader.Get<double>("longitude");
            if (!polygon.Contains(latitude, longitude)) continue;
            yield return new CutAddressRow(
                reader.Get<Guid>("location_id"), reader.GetValueOrNull<Guid>("address_id"), reader.GetOrNull<string>("address"),
                reader.GetOrNull<string>("unit_number"), reader.GetOrNull<string>("postal_code"), latitude, longitude,
                reader.GetOrNull<string>("first_name"), reader.GetOrNull<string>("last_name"), reader.GetOrNull<string>("email"),
                reader.GetOrNull<string>("phone"), reader.GetValueOrNull<SupportLevel>("support_level"), reader.Get<bool>("sign"),
                reader.GetOrNull<string>("notes"), reader.GetValueOrNull<BuildingType>("building_type"), reader.GetOrNull<string>("province"));
        }
    }

    public Task<MapJob?> GetJob(Guid jobId) =>
        db.Command($"SELECT {MapRows.JobColumns} FROM jobs j WHERE j.id = @id AND j.type LIKE 'map.%'", ("id", jobId))
            .FirstOrDefaultAsync(MapRows.ReadJob);

    public Task<JobOwner?> GetJobOwner(Guid jobId) =>
        db.Command("SELECT type, created_by_user_id FROM jobs WHERE id = @id", ("id", jobId))
            .FirstOrDefaultAsync(r => new JobOwner(r.Get<string>("type"), r.GetValueOrNull<Guid>("created_by_user_id")));

    public async Task<CutCompletion> ComputeCutCompletion(Guid cutId) => (await CutDoorVisits(cutId)).Completion();

    public async Task<CutDoorVisits> CutDoorVisits(Guid cutId)
    {
        var cut = await GetCut(cutId) ?? throw DomainException.NotFound("Cut");
        var polygon = GeoPolygon.Parse(cut.GeoJson);
        var doors = new List<Guid>();
        var visited = new List<Guid>();
        await using (var command = db.Command($"""
            SELECT l.latitude::float8 AS latitude, l.longitude::float8 AS longitude, a.id, v.hit IS NOT NULL AS visited
            FROM locations l JOIN addresses a ON a.location_id = l.id
            -- One probe of the door's own visits, stopping at the first made in this cut. As a plain EXISTS the planner
            -- ANDed it with a bitmap of every visit of the cut, once per door: a cost that grew with the day's visits.
            LEFT JOIN LATERAL (SELECT true AS hit FROM canvass_visits v WHERE v.address_id = a.id AND v.cut_id = @cut LIMIT 1) v ON true
            WHERE {BoxCondition}
            """, [.. BoxParameters(polygon.Bounds), ("cut", cutId)]))
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (!polygon.Contains(reader.GetDouble(0), reader.GetDouble(1))) continue;
                var door = reader.GetGuid(2);
                doors.Add(door);
                if (reader.GetBoolean(3)) visited.Add(door);
            }
        }
        await using var last = db.Command("SELECT max(visited_at) FROM canvass_visits WHERE cut_id = @cut", ("cut", cutId));
        var lastVisit = await last.ExecuteScalarAsync() is DateTime when ? when : (DateTime?)null;
        return new CutDoorVisits(cutId, [.. doors], [.. visited], lastVisit);
    }

    private static (string, object?)[] BoxParameters(BoundingBox box) =>
        [("minLng", box.MinLng), ("minLat", box.MinLat), ("maxLng", box.MaxLng), ("maxLat", box.MaxLat)];

    private static string EscapeLike(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '%' or '_' or '\\') builder.Append('\\');
            builder.Append(c);
        }
        return builder.ToString();
    }
}
