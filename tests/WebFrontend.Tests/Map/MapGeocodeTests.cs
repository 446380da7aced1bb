using System.Net;
using ChangemakerLite.TestSupport;
using System.Text.Json;

namespace ChangemakerLite.WebFrontend.Tests.Map;

/// <summary>Geocoding through the API: a chosen provider, the fallback chain past failing providers, the cache, bulk jobs.</summary>
public sealed class MapGeocodeTests(MapFixture f) : IClassFixture<MapFixture>
{
    private async Task<Guid> Location(string address, double lat = 1, double lng = 1) =>
        (await (await f.Admin.PostJson("/api/map/locations", new { latitude = lat, longitude = lng, address })).Json(HttpStatusCode.Created))
        .GetProperty("id").GetGuid();

    [Theory]
    [InlineData("GOOGLE", 95)]
    [InlineData("MAPBOX", 100)]
    [InlineData("NOMINATIM", 90)]
    [InlineData("PHOTON", 90)]
    [InlineData("LOCATIONIQ", 95)]
    [InlineData("ARCGIS", 88)]
    public async Task A_location_is_geocoded_by_the_provider_asked_for(string provider, int confidence)
    {
        var id = await Location($"10210 104 Ave NW {provider}, Edmonton AB T5J 1N3");
        var located = await (await f.Admin.PostJson($"/api/map/locations/{id}/geocode", new { provider })).Json(HttpStatusCode.OK);
        Assert.Equal(provider, located.GetProperty("geocodeProvider").GetString());
        var (lat, lng) = ChangemakerLite.TestSupport.Map.FakeGeocoders.Points[provider];
        Assert.Equal(lat, located.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(lng, located.GetProperty("longitude").GetDouble(), 6);
        Assert.InRange(located.GetProperty("geocodeConfidence").GetInt32(), confidence - 1, confidence + 1);
        var history = (await (await f.Admin.GetAsync($"/api/map/locations/{id}/history")).Json(HttpStatusCode.OK)).GetProperty("items")[0];
        Assert.Equal("GEOCODED", history.GetProperty("action").GetString());
        Assert.Equal("1,1", history.GetProperty("oldValue").GetString());
    }

    [Fact]
    public async Task The_chain_passes_failing_providers_and_the_cache_answers_repeats()
    {
        var id = await Location("77 Fallback Rd, Edmonton");
        f.Geocoders.Down["GOOGLE"] = true;
        f.Geocoders.Down["MAPBOX"] = true;
        try
        {
            var located = await (await f.Admin.PostAsync($"/api/map/locations/{id}/geocode", null)).Json(HttpStatusCode.OK);
            Assert.Equal("NOMINATIM", located.GetProperty("geocodeProvider").GetString());
            var nominatimCalls = f.Geocoders.CountFor("NOMINATIM");
            Assert.Contains(f.Geocoders.Requests, r => r.Provider == "NOMINATIM" && r.UserAgent?.Contains("ChangemakerLite") == true);

            await (await f.Admin.PostAsync($"/api/map/locations/{id}/geocode", null)).Json(HttpStatusCode.OK);
            Assert.Equal(nominatimCalls, f.Geocoders.CountFor("NOMINATIM"));
            Assert.Equal(1L, await f.Db.ScalarAsync<long>(
                "SELECT count(*) FROM map_geocode_cache WHERE provider = 'NOMINATIM' AND found AND query_key LIKE '%77 fallback rd%'"));
        }
        finally
        {
            f.Geocoders.Down.Clear();
        }

        var broken = await Location("1 Broken Way");
        var failed = await f.Admin.PostAsync($"/api/map/locations/{broken}/geocode", null);
        var problem = await failed.Json(HttpStatusCode.Conflict);
        Assert.Contains("REQUEST_DENIED", problem.GetProperty("detail").GetString());
        Assert.Contains("Invalid Token", problem.GetProperty("detail").GetString());

        var nowhere = await Location("9 Nowhere Cres");
        Assert.Contains("address", await (await f.Admin.PostAsync($"/api/map/locations/{nowhere}/geocode", null)).ProblemFields());
        Assert.Contains("provider", await (await f.Admin.PostJson($"/api/map/locations/{nowhere}/geocode", new { provider = "BING" })).ProblemFields());
        await Problem.Expect(await f.Admin.PostAsync($"/api/map/locations/{Guid.NewGuid()}/geocode", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bulk_geocoding_runs_as_a_job_with_progress_and_bad_rows()
    {
        var ids = new[] { await Location("1 Bulk St"), await Location("2 Bulk St"), await Location("3 Nowhere St") };
        var jobId = await (await f.Admin.PostJson("/api/map/geocode/bulk", new { locationIds = ids, onlyMissing = false, provider = "PHOTON" })).Accepted();
        var job = await f.Admin.WaitForJob(jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("processed").GetInt64());
        Assert.Equal(3, job.GetProperty("total").GetInt64());
        Assert.Equal(2, job.GetProperty("result").GetProperty("geocoded").GetInt64());
        Assert.Contains(ids[2].ToString(), Assert.Single(job.GetProperty("errors").EnumerateArray()).GetProperty("message").GetString());
        Assert.Equal(2L, await f.Db.ScalarAsync<long>(
            "SELECT count(*) FROM location_history WHERE action = 'BULK_GEOCODED' AND location_id = ANY(@ids)", ("ids", ids)));
        Assert.Equal("PHOTON", await f.Db.ScalarAsync<string>("SELECT geocode_provider::text FROM locations WHERE id = @id", ("id", ids[0])));

        // onlyMissing skips what has a confidence now.
        var again = await f.Admin.WaitForJob(await (await f.Admin.PostJson("/api/map/geocode/bulk", new { locationIds = ids, onlyMissing = true })).Accepted());
        Assert.Equal(1, again.GetProperty("total").GetInt64());

        Assert.Contains("locationIds[0]", await (await f.Admin.PostJson("/api/map/geocode/bulk", new { locationIds = new[] { "x" } })).ProblemFields());
        Assert.Contains("onlyMissing", await (await f.Admin.PostRaw("/api/map/geocode/bulk", """{"onlyMissing":"yes"}""")).ProblemFields());
        await Problem.Expect(await f.Admin.GetAsync($"/api/map/jobs/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }
}
