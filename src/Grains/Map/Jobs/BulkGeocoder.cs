using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Map.Geocoding;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Map.Jobs;

/// <summary>
/// Geocodes many locations one by one through the fallback chain, at the pace the providers allow
/// (the throttle grains), each result committed with its BULK_GEOCODED history row. Locations are walked
/// in id order by keyset, so a job over a million rows never holds more than one page of ids.
/// "Missing" means never geocoded: no confidence recorded (NAR points carry 100, manual points none).
/// </summary>
public sealed class BulkGeocoder(NpgsqlDataSource db, GeocodingService geocoding, JobProgress progress, Guid? userId)
{
    private const int PageSize = 200;

    public sealed record Summary(long Locations, long Geocoded, long NotFound, long Failed);

    public async Task<Summary> RunAsync(BulkGeocodeRequest request, CancellationToken cancellationToken)
    {
        var ids = request.LocationIds is { Count: > 0 } list ? list.Distinct().ToArray() : null;
        const string missing = "l.geocode_confidence IS NULL";
        var filter = ids is not null
            ? "l.id = ANY(@ids)" + (request.OnlyMissing ? $" AND {missing}" : "")
            : request.OnlyMissing ? missing : "true";
        (string, object?)[] idParameter = ids is null ? [] : [("ids", ids)];
        progress.Total = await db.Command($"SELECT count(*) FROM locations l WHERE {filter}", idParameter).ScalarAsync<long>(cancellationToken);
        if (ids is not null)
        {
            var known = await db.Command("SELECT id FROM locations WHERE id = ANY(@ids)", ("ids", ids)).ListAsync(r => r.GetGuid(0), cancellationToken);
            foreach (var unknown in ids.Except(known)) progress.Error(null, null, $"location {unknown} does not exist.");
        }
        await progress.ReportAsync(force: true, cancellationToken);

        long geocoded = 0, notFound = 0, failed = 0;
        var after = Guid.Empty;
        while (true)
        {
            var page = await db.Command($"""
                SELECT l.id, l.address, l.postal_code, l.province FROM locations l
                WHERE {filter} AND l.id > @after ORDER BY l.id LIMIT {PageSize}
                """, [.. idParameter, ("after", after)])
                .ListAsync(r => (Id: r.GetGuid(0), Address: r.GetOrNull<string>("address"), Postal: r.GetOrNull<string>("postal_code"),
                    Province: r.GetOrNull<string>("province")), cancellationToken);
            if (page.Count == 0) break;
            foreach (var location in page)
            {
                after = location.Id;
                progress.Processed++;
                if (location.Address is null)
                {
                    notFound++;
                    progress.Error(null, null, $"location {location.Id} has no address to geocode.");
                    continue;
                }
                var outcome = await geocoding.GeocodeAsync(new GeocodeQuery(location.Address, location.Postal, location.Province), request.Provider, cancellationToken);
                if (outcome.Result is { } result)
                {
                    if (await Apply(location.Id, result, cancellationToken)) geocoded++;
                }
                else if (outcome.Failures.Count > 0)
                {
                    failed++;
                    progress.Error(null, null, $"location {location.Id}: {string.Join(" ", outcome.Failures)}");
                }
                else
                {
                    notFound++;
                    progress.Error(null, null, $"location {location.Id}: no provider found \"{location.Address}\".");
                }
                await progress.ReportAsync(cancellationToken: cancellationToken);
            }
        }
        return new Summary(progress.Processed, geocoded, notFound, failed);
    }

    private async Task<bool> Apply(Guid locationId, GeocodeResult result, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var before = await connection.Command(
                "SELECT latitude::float8, longitude::float8 FROM locations WHERE id = @id FOR UPDATE", transaction, ("id", locationId))
            .FirstOrDefaultAsync(r => (Lat: r.GetDouble(0), Lng: r.GetDouble(1)), cancellationToken);
        if (before == default) return false;
        await connection.Command("""
            UPDATE locations SET latitude = @lat, longitude = @lng, geocode_confidence = @confidence, geocode_provider = @provider,
                updated_by_user_id = @user, updated_at = now()
            WHERE id = @id
            """, transaction, ("id", locationId), ("lat", (decimal)Math.Round(result.Latitude, 8)), ("lng", (decimal)Math.Round(result.Longitude, 8)),
            ("confidence", result.Confidence), ("provider", result.Provider), ("user", userId)).ExecuteAsync(cancellationToken);
        await MapRows.HistoryInsert(connection, transaction, locationId, userId, LocationHistoryAction.BulkGeocoded, "coordinates",
            MapRules.Point(before.Lat, before.Lng), MapRules.Point(result.Latitude, result.Longitude),
            new { jobId = progress.JobId, provider = EnumWireNames.ToWireName(result.Provider), confidence = result.Confidence, formattedAddress = result.FormattedAddress })
            .ExecuteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
