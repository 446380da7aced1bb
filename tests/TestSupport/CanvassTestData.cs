using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.TestSupport;

/// <summary>Rows the canvassing tests stand on (cuts, buildings, units), inserted directly as the map module would.</summary>
public static class CanvassTestData
{
    /// <summary>A rectangular cut; the GeoJSON ring is [lng, lat] pairs, as GeoJSON wants.</summary>
    public static async Task<Guid> InsertCutAsync(TestDatabase db, double minLat, double minLng, double maxLat, double maxLng, bool isPublic = true,
        string name = "Test cut")
    {
        var id = Ids.New();
        string P(double lng, double lat) => string.Create(CultureInfo.InvariantCulture, $"[{lng},{lat}]");
        var geojson = $"{{\"type\":\"Polygon\",\"coordinates\":[[{P(minLng, minLat)},{P(maxLng, minLat)},{P(maxLng, maxLat)},{P(minLng, maxLat)},{P(minLng, minLat)}]]}}";
        await db.ExecuteAsync("""
            INSERT INTO cuts (id, name, geojson, is_public, min_lat, min_lng, max_lat, max_lng)
            VALUES (@id, @name, @geojson::jsonb, @public, @minLat, @minLng, @maxLat, @maxLng)
            """, ("id", id), ("name", name), ("geojson", geojson), ("public", isPublic), ("minLat", (decimal)minLat), ("minLng", (decimal)minLng),
            ("maxLat", (decimal)maxLat), ("maxLng", (decimal)maxLng));
        return id;
    }

    public static async Task<Guid> InsertLocationAsync(TestDatabase db, double lat, double lng, string? address = null)
    {
        var id = Ids.New();
        await db.ExecuteAsync("INSERT INTO locations (id, latitude, longitude, address) VALUES (@id, @lat, @lng, @address)",
            ("id", id), ("lat", (decimal)Math.Round(lat, 8)), ("lng", (decimal)Math.Round(lng, 8)), ("address", address));
        return id;
    }

    public static async Task<Guid> InsertAddressAsync(TestDatabase db, Guid locationId, string? unit = null)
    {
        var id = Ids.New();
        await db.ExecuteAsync("INSERT INTO addresses (id, location_id, unit_number) VALUES (@id, @location, @unit)",
            ("id", id), ("location", locationId), ("unit", unit));
        return id;
    }

    /// <summary>A building with one door; returns the address id.</summary>
    public static async Task<Guid> InsertDoorAsync(TestDatabase db, double lat, double lng, string? address = null) =>
        await InsertAddressAsync(db, await InsertLocationAsync(db, lat, lng, address));
}

/// <summary>The canvassing API as a phone or admin screen calls it.</summary>
public sealed class CanvassClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public Task<HttpResponseMessage> StartAsync(Guid cutId, double? lat = null, double? lng = null, Guid? shiftId = null) =>
        Http.PostAsJsonAsync("/api/canvass/sessions", new { cutId, shiftId, startLatitude = lat, startLongitude = lng });

    public async Task<Guid> StartSessionAsync(Guid cutId, double? lat = null, double? lng = null)
    {
        var response = await StartAsync(cutId, lat, lng);
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"Start failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public Task<HttpResponseMessage> VisitAsync(Guid sessionId, object body) =>
        Http.PostAsJsonAsync($"/api/canvass/sessions/{sessionId}/visits", body);

    public Task<HttpResponseMessage> PointsAsync(Guid sessionId, IEnumerable<object> points) =>
        Http.PostAsJsonAsync($"/api/canvass/sessions/{sessionId}/points", new { points });

    public Task<HttpResponseMessage> EndAsync(Guid sessionId) =>
        Http.PostAsync($"/api/canvass/sessions/{sessionId}/end", null);

    public static object Point(long seq, double lat, double lng, DateTimeOffset at, double? accuracy = 5) =>
        new { seq, latitude = lat, longitude = lng, accuracy, recordedAt = at };

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
