using System.Net;
using ChangemakerLite.TestSupport;
using System.Text.Json;

namespace ChangemakerLite.WebFrontend.Tests.Map;

/// <summary>Buildings and units through the HTTP API: writes with their history, filters, cascades and refusals.</summary>
public sealed class MapLocationTests(MapFixture f) : IClassFixture<MapFixture>
{
    private async Task<JsonElement> CreateLocation(object body) =>
        await (await f.Admin.PostJson("/api/map/locations", body)).Json(HttpStatusCode.Created);

    private async Task<JsonElement[]> History(Guid locationId) =>
        (await (await f.Admin.GetAsync($"/api/map/locations/{locationId}/history?pageSize=100")).Json(HttpStatusCode.OK))
        .GetProperty("items").EnumerateArray().ToArray();

    [Fact]
    public async Task Creating_editing_and_moving_a_location_writes_history_with_the_user()
    {
        var created = await CreateLocation(new { latitude = 53.5, longitude = -113.5, address = "10 Main St, Edmonton", postalCode = "t5j1n3", buildingType = "SINGLE_FAMILY" });
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("T5J 1N3", created.GetProperty("postalCode").GetString());
        Assert.Equal(f.AdminId, created.GetProperty("createdByUserId").GetGuid());

        var updated = await (await f.Admin.PatchJson($"/api/map/locations/{id}", new { address = "12 Main St, Edmonton", buildingNotes = "Buzz 12" }))
            .Json(HttpStatusCode.OK);
        Assert.Equal("12 Main St, Edmonton", updated.GetProperty("address").GetString());
        await (await f.Admin.PatchJson($"/api/map/locations/{id}", new { latitude = 53.51, longitude = -113.51 })).Json(HttpStatusCode.OK);

        var history = await History(id);
        var actions = history.Select(h => (Action: h.GetProperty("action").GetString(), Field: h.GetProperty("field").GetString())).ToList();
        Assert.Contains(("CREATED", null), actions);
        Assert.Contains(("UPDATED", "address"), actions);
        Assert.Contains(("UPDATED", "buildingNotes"), actions);
        Assert.Contains(("MOVED_ON_MAP", "latitude"), actions);
        Assert.Contains(("MOVED_ON_MAP", "longitude"), actions);
        var addressChange = history.Single(h => h.GetProperty("field").GetString() == "address");
        Assert.Equal("10 Main St, Edmonton", addressChange.GetProperty("oldValue").GetString());
        Assert.Equal("12 Main St, Edmonton", addressChange.GetProperty("newValue").GetString());
        Assert.All(history, h => Assert.Equal(f.AdminId, h.GetProperty("userId").GetGuid()));
        // newest first
        Assert.Equal("CREATED", history[^1].GetProperty("action").GetString());

        // a PATCH that changes nothing writes nothing
        await (await f.Admin.PatchJson($"/api/map/locations/{id}", new { address = "12 Main St, Edmonton" })).Json(HttpStatusCode.OK);
        Assert.Equal(history.Length, (await History(id)).Length);
    }

    [Fact]
    public async Task Deleting_a_location_cascades_to_its_units_and_history()
    {
        var id = (await CreateLocation(new { latitude = 53.6, longitude = -113.6, address = "1 Tower Rd" })).GetProperty("id").GetGuid();
        var unit = await (await f.Admin.PostJson($"/api/map/locations/{id}/addresses", new { unitNumber = "101", firstName = "Zoë", supportLevel = "LEVEL_2" }))
            .Json(HttpStatusCode.Created);
        await (await f.Admin.PostJson($"/api/map/locations/{id}/addresses", new { unitNumber = "102" })).Json(HttpStatusCode.Created);
        var location = await (await f.Admin.GetAsync($"/api/map/locations/{id}")).Json(HttpStatusCode.OK);
        Assert.Equal(2, location.GetProperty("totalUnits").GetInt32());

        var patched = await (await f.Admin.PatchJson($"/api/map/addresses/{unit.GetProperty("id").GetGuid()}", new { supportLevel = "LEVEL_1", sign = true }))
            .Json(HttpStatusCode.OK);
        Assert.Equal("LEVEL_1", patched.GetProperty("supportLevel").GetString());
        Assert.Contains(await History(id), h => h.GetProperty("field").GetString() == "address.supportLevel" &&
                                               h.GetProperty("oldValue").GetString() == "LEVEL_2");

        Assert.Equal(HttpStatusCode.NoContent, (await f.Admin.DeleteAsync($"/api/map/locations/{id}")).StatusCode);
        Assert.Equal(0L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM addresses WHERE location_id = @id", ("id", id)));
        Assert.Equal(0L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM location_history WHERE location_id = @id", ("id", id)));
        await Problem.Expect(await f.Admin.GetAsync($"/api/map/locations/{id}"), HttpStatusCode.NotFound);
        await Problem.Expect(await f.Admin.DeleteAsync($"/api/map/locations/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_unit_recounts_the_building_and_records_it()
    {
        var id = (await CreateLocation(new { latitude = 53.61, longitude = -113.61, address = "2 Tower Rd" })).GetProperty("id").GetGuid();
        var unit = (await (await f.Admin.PostJson($"/api/map/locations/{id}/addresses", new { unitNumber = "1" })).Json(HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await f.Admin.DeleteAsync($"/api/map/addresses/{unit}")).StatusCode);
        await Problem.Expect(await f.Admin.DeleteAsync($"/api/map/addresses/{unit}"), HttpStatusCode.NotFound);
        var units = await (await f.Admin.GetAsync($"/api/map/locations/{id}/addresses")).Json(HttpStatusCode.OK);
        Assert.Equal(0, units.GetArrayLength());
        Assert.Equal(0, (await (await f.Admin.GetAsync($"/api/map/locations/{id}")).Json(HttpStatusCode.OK)).GetProperty("totalUnits").GetInt32());
        Assert.Contains(await History(id), h => h.GetProperty("field").GetString() == "unit" && h.GetProperty("oldValue").GetString() == "1" &&
                                               h.GetProperty("metadata").GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task Locations_are_listed_by_bounding_box_postal_code_and_search()
    {
        await CreateLocation(new { latitude = 45.001, longitude = -75.001, address = "1 Rue Sainte-Catherine", postalCode = "K1A 0B1" });
        await CreateLocation(new { latitude = 45.002, longitude = -75.002, address = "2 Montée Côté", postalCode = "K1A 0B2" });
        await CreateLocation(new { latitude = 46.5, longitude = -75.5, address = "3 Far Away Rd", postalCode = "K2B 1C1" });

        var inBox = await (await f.Admin.GetAsync("/api/map/locations?bbox=-75.01,44.99,-74.99,45.01")).Json(HttpStatusCode.OK);
        Assert.Equal(2, inBox.GetProperty("total").GetInt64());
        Assert.All(inBox.GetProperty("items").EnumerateArray(), l => Assert.InRange(l.GetProperty("latitude").GetDouble(), 44.99, 45.01));

        var paged = await (await f.Admin.GetAsync("/api/map/locations?bbox=-75.01,44.99,-74.99,45.01&page=2&pageSize=1")).Json(HttpStatusCode.OK);
        Assert.Single(paged.GetProperty("items").EnumerateArray());
        Assert.Equal(2, paged.GetProperty("page").GetInt32());

        var byFsa = await (await f.Admin.GetAsync("/api/map/locations?postalCode=K1A")).Json(HttpStatusCode.OK);
        Assert.Equal(2, byFsa.GetProperty("total").GetInt64());
        var byCode = await (await f.Admin.GetAsync("/api/map/locations?postalCode=k1a0b2")).Json(HttpStatusCode.OK);
        Assert.Equal("2 Montée Côté", byCode.GetProperty("items")[0].GetProperty("address").GetString());

        var search = await (await f.Admin.GetAsync("/api/map/locations?search=" + Uri.EscapeDataString("montée"))).Json(HttpStatusCode.OK);
        Assert.Equal("2 Montée Côté", Assert.Single(search.GetProperty("items").EnumerateArray()).GetProperty("address").GetString());
        var wildcard = await (await f.Admin.GetAsync("/api/map/locations?search=%25")).Json(HttpStatusCode.OK);
        Assert.Equal(0, wildcard.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_writes_nothing()
    {
        var before = await f.Db.ScalarAsync<long>("SELECT count(*) FROM locations");
        Assert.Contains("latitude", await (await f.Admin.PostJson("/api/map/locations", new { latitude = 91, longitude = 10 })).ProblemFields());
        Assert.Contains("longitude", await (await f.Admin.PostJson("/api/map/locations", new { latitude = 10, longitude = -181 })).ProblemFields());
        Assert.Contains("postalCode", await (await f.Admin.PostJson("/api/map/locations", new { latitude = 10, longitude = 10, postalCode = "D1A 1A1" })).ProblemFields());
        Assert.Contains("postalCode", await (await f.Admin.PostJson("/api/map/locations", new { latitude = 10, longitude = 10, postalCode = "W1A 1A1" })).ProblemFields());
        Assert.Contains("latitude", await (await f.Admin.PostJson("/api/map/locations", new { address = "" })).ProblemFields());
        Assert.Contains("latitude", await (await f.Admin.PostRaw("/api/map/locations", """{"latitude":"north","longitude":1}""")).ProblemFields());
        Assert.Contains("buildingType", await (await f.Admin.PostJson("/api/map/locations", new { latitude = 1, longitude = 1, buildingType = "CASTLE" })).ProblemFields());
        Assert.Contains("body", await (await f.Admin.PostRaw("/api/map/locations", "{not json")).ProblemFields());
        Assert.Contains("bbox", await (await f.Admin.GetAsync("/api/map/locations?bbox=1,2,3")).ProblemFields());
        Assert.Contains("bbox", await (await f.Admin.GetAsync("/api/map/locations?bbox=10,10,5,5")).ProblemFields());
        Assert.Contains("postalCode", await (await f.Admin.GetAsync("/api/map/locations?postalCode=QQQ")).ProblemFields());
        Assert.Contains("cutId", await (await f.Admin.GetAsync("/api/map/locations?cutId=nope")).ProblemFields());
        Assert.Contains("pageSize", await (await f.Admin.GetAsync("/api/map/locations?pageSize=501")).ProblemFields());

        var id = (await CreateLocation(new { latitude = 10, longitude = 10, address = "Valid" })).GetProperty("id").GetGuid();
        Assert.Contains("latitude", await (await f.Admin.PatchJson($"/api/map/locations/{id}", new { latitude = 100 })).ProblemFields());
        Assert.Contains("email", await (await f.Admin.PostJson($"/api/map/locations/{id}/addresses", new { email = "not-an-email" })).ProblemFields());
        Assert.Contains("supportLevel", await (await f.Admin.PostJson($"/api/map/locations/{id}/addresses", new { supportLevel = "LEVEL_9" })).ProblemFields());
        Assert.Equal(before + 1, await f.Db.ScalarAsync<long>("SELECT count(*) FROM locations"));
        Assert.Equal(0L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM addresses WHERE location_id = @id", ("id", id)));
        await Problem.Expect(await f.Admin.PostJson($"/api/map/locations/{Guid.NewGuid()}/addresses", new { unitNumber = "1" }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_location_given_only_an_address_is_geocoded_through_the_chain()
    {
        // The order is GOOGLE first: it answers, and the others are never asked.
        var created = await CreateLocation(new { address = "10210 104 Ave NW, Edmonton", postalCode = "T5J 1N3" });
        Assert.Equal("GOOGLE", created.GetProperty("geocodeProvider").GetString());
        Assert.Equal(53.5401, created.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(95, created.GetProperty("geocodeConfidence").GetInt32());
        var history = await History(created.GetProperty("id").GetGuid());
        Assert.Contains(history, h => h.GetProperty("action").GetString() == "GEOCODED" &&
                                      h.GetProperty("metadata").GetProperty("provider").GetString() == "GOOGLE");

        var nowhere = await f.Admin.PostJson("/api/map/locations", new { address = "1 Nowhere Lane" });
        Assert.Contains("address", await nowhere.ProblemFields());
    }
}
